"""The crawler: a Scrapy project that fetches Ofsted's publications (and council
responses) into the document store, plus the replica sites it is tested against."""
