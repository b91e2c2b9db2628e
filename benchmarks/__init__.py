"""Benchmarks for `make bench`: each module measures one part against a baseline
taken in the same run and prints ratios, never absolute pass/fail timings."""
