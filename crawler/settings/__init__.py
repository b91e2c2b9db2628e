"""Scrapy settings split by environment, as City Bureau's city-scrapers do:
``base`` (shared), ``prod`` (the real sites, polite) and ``local`` (replicas
on 127.0.0.1, fast). ``run_crawl`` picks one from ``Settings.crawl_env``."""

MODULES = {"prod": "crawler.settings.prod", "local": "crawler.settings.local"}
