"""Fixtures for the replica's own tests: the sample site and servers of it."""

from tests.support.replica import make_replica, replica, sample_site, site_copy  # noqa: F401
