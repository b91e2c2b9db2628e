"""ofsted-findings: the composition root (settings, document store, CLI)."""

__version__ = "0.1.0"
