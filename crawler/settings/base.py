"""Settings every environment shares."""

BOT_NAME = "ofsted-findings"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Identify honestly; run_crawl replaces this with Settings.user_agent (with the contact URL).
USER_AGENT = "ofsted-findings/0.1 (+https://github.com/ofsted-findings/ofsted-findings)"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.ConditionalRequestMiddleware": 580,
}
EXTENSIONS = {"crawler.extensions.CrawlProgress": 500}

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry; doubles each time
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 300.0  # never wait longer than this, whatever Retry-After says

DOWNLOAD_TIMEOUT = 60
# Council pages (robots.txt, sitemaps, home pages, listings, articles) are small: a site that
# takes longer, or sends more, is failing, and only that council's crawl is told so.
COUNCIL_PAGE_TIMEOUT = 30
COUNCIL_PAGE_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_MAXSIZE = 100 * 1024 * 1024
DOWNLOAD_WARNSIZE = 25 * 1024 * 1024

LOG_LEVEL = "INFO"
OFSTED_FINDINGS_PROGRESS = False
