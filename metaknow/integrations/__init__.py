"""Bridges from metaknow's search spaces to other tuners (optional dependencies, imported lazily)."""
