"""Repositories by name: ``"bundled"`` (the default that ships with metaknow) and others.

:func:`open_repository` accepts a name registered in :data:`NAMED` or a path to a
repository file. ``"bundled"`` materialises the committed export in
``repository/bundled/`` into a SQLite file in the cache directory
(``$METAKNOW_CACHE``, else ``~/.cache/metaknow``, else a temporary directory) the first
time it is used, and again whenever those files change (the cache file name carries
their hash). Adding a named repository = one line in :data:`NAMED` mapping the name to
a function ``(cache_dir: Path) -> Path`` that returns (building if needed) its file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from metaknow.exceptions import RepositoryError
from repository.sources.openml100 import repository_file as _openml100
from repository.store import Store

__all__ = ["open_repository", "repository_path", "cache_dir", "NAMED", "DEFAULT"]

DEFAULT = "bundled"


def cache_dir() -> Path:
    """A writable cache folder for materialised repositories."""
    candidates = [os.environ.get("METAKNOW_CACHE"), str(Path.home() / ".cache" / "metaknow"),
                  str(Path(tempfile.gettempdir()) / f"metaknow-{os.getuid()}")]
    for c in candidates:
        if not c:
            continue
        path = Path(c)
        try:
            path.mkdir(parents=True, exist_ok=True)
            probe = path / ".write-test"
            probe.write_text("ok")
            probe.unlink()
            return path
        except OSError:
            continue
    raise RepositoryError("no writable cache directory (set METAKNOW_CACHE)")


def _bundled(cache: Path) -> Path:
    from repository import export
    from repository.builders.bundled import BUNDLED_DIR

    if not (BUNDLED_DIR / "FORMAT").is_file():
        raise RepositoryError(f"the bundled repository is missing ({BUNDLED_DIR}); "
                              "reinstall metaknow or pass --repository PATH")
    from repository.schema import SCHEMA_VERSION

    digest = export.folder_hash(BUNDLED_DIR)[:16]
    # the schema version in the name: a cache an older metaknow materialised is rebuilt,
    # not opened read-only (which a store needing migration refuses)
    path = cache / f"bundled-{digest}-v{SCHEMA_VERSION}.sqlite"
    if not path.is_file():
        export.materialise(BUNDLED_DIR, path).close()
        # earlier states of this schema, with their -wal/-shm (another version's files may
        # be in use by another metaknow install sharing the cache: left alone)
        for old in cache.glob(f"bundled-*-v{SCHEMA_VERSION}.sqlite*"):
            if not old.name.startswith(path.name):
                old.unlink(missing_ok=True)
    return path


#: name -> function(cache_dir) -> path of the repository file (built on demand).
NAMED: dict[str, Callable[[Path], Path]] = {
    "bundled": _bundled,
    "openml100": _openml100,
}


def repository_path(name_or_path: str | os.PathLike[str] | None = None) -> Path:
    """The file behind a repository name or path (materialising named ones)."""
    name = str(name_or_path) if name_or_path is not None else DEFAULT
    if name in NAMED:
        return NAMED[name](cache_dir())
    path = Path(name).expanduser()
    if not path.exists():
        raise RepositoryError(f"{name}: neither a repository file nor a known repository name "
                              f"({', '.join(sorted(NAMED))})")
    return path


def open_repository(name_or_path: str | os.PathLike[str] | None = None,
                    readonly: bool = True) -> Store:
    """Open a repository by name (``"bundled"``, the default) or by path."""
    return Store.open(repository_path(name_or_path), readonly=readonly)
