"""Scheduled re-crawls: one long-running process that keeps the index fresh.

``ofsted-findings schedule run`` starts an APScheduler ``BackgroundScheduler``
whose jobs live in a SQLite job store in the data directory, so restarts keep
them (fixed ids, ``replace_existing``) and never double them. Crawls run in a
subprocess with a time limit (Scrapy's reactor cannot be restarted in one
process) under a per-source file lock shared with manual crawls; each run is
recorded in the catalogue's ``scheduled_runs`` table (see ``history``).
"""
