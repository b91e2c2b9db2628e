"""Pytest plugin: a real Elasticsearch node on loopback for the tests that need one."""
