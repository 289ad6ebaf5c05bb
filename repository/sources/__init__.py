"""Importers that fill a store from published meta-data (``metaknow repository import KIND``).

Adding one = a module here + one line in :data:`SOURCES`. The module exposes

* ``IMPORT_HELP: str`` — one line for ``--help``;
* ``add_import_arguments(parser)`` — its command-line arguments (files, ids, options);
* ``import_into(store, args) -> Mapping[str, int]`` — ingest its records (through
  :meth:`repository.store.Store.ingest`) and return counts to report.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from metaknow.exceptions import RepositoryError

__all__ = ["SOURCES", "get_source"]

SOURCES: dict[str, str] = {
    "openml-export": "repository.sources.openml_export",
    "openml": "repository.sources.openml",
    "aslib": "repository.sources.aslib",
}

_CONTRACT = ("IMPORT_HELP", "add_import_arguments", "import_into")


def get_source(kind: str) -> ModuleType:
    """The importer module of ``kind``; :class:`RepositoryError` if unknown or incomplete."""
    if kind not in SOURCES:
        raise RepositoryError(f"unknown import kind {kind!r}; known: {', '.join(sorted(SOURCES))}")
    module = importlib.import_module(SOURCES[kind])
    missing = [a for a in _CONTRACT if not hasattr(module, a)]
    if missing:
        raise RepositoryError(f"importer {kind!r} ({SOURCES[kind]}) lacks {', '.join(missing)}")
    return module


def available() -> dict[str, ModuleType]:
    """Importers that load and fulfil the contract (others are left out)."""
    out = {}
    for kind in SOURCES:
        try:
            out[kind] = get_source(kind)
        except (RepositoryError, ImportError):
            continue
    return out
