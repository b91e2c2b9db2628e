"""Replicas of reports.ofsted.gov.uk and files.ofsted.gov.uk on 127.0.0.1.

``build.py`` renders a site folder (sample documents or the shared corpus) and
``server.py`` serves it with the real site's markup, so the same spider runs
against a replica and the real site.
"""
