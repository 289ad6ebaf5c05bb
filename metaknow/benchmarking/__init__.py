"""Benchmarks run by ``metaknow benchmark NAME`` (one module each)."""
