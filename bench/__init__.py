"""Benchmarks: `python -m bench <name>`. Each reports ratios against a baseline from the same run."""
