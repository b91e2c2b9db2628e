"""Measured extraction quality against a hand-labelled gold set (``python -m indexer.quality``)."""
