"""The crawler: a Scrapy project that fetches Ofsted's publications (and council
responses) into the document store. The replica sites it is tested against live in the
top-level ``replica`` package, apart from the production code."""
