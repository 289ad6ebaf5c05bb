"""The store of prior evaluations: schema, builders, importers and the bundled default."""
