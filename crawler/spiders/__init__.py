"""One spider per source: ``ofsted`` (reports site) and ``councils`` (council news)."""
