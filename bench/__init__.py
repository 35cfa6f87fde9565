"""Benchmarks: what encryption, access decisions and the audit chain cost, measured side by side."""
