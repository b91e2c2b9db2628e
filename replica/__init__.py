"""Replicas of reports.ofsted.gov.uk, files.ofsted.gov.uk and council news sites on 127.0.0.1,
for ``make demo``, the tests and the benchmarks; never part of a production crawl.

``build.py`` renders a site folder (sample documents or the shared corpus) and
``server.py`` serves it with the real sites' markup, so the same spiders run
against a replica and the real sites.
"""
