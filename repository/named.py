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

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator, TextIO

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

    digest = _bundled_digest(BUNDLED_DIR, cache)
    # the schema version in the name: a cache an older metaknow materialised is rebuilt,
    # not opened read-only (which a store needing migration refuses)
    path = cache / f"bundled-{digest}-v{SCHEMA_VERSION}.sqlite"
    if not path.is_file():
        with _build_lock(cache / ".bundled.lock"):
            for stale in export.stale_temporaries(cache, "bundled-"):
                stale.unlink(missing_ok=True)  # left by a process killed mid-build
            if not path.is_file():  # another process may have built it while we waited
                export.materialise(BUNDLED_DIR, path, progress=BuildProgress()).close()
        # earlier states of this schema, with their -wal/-shm (another version's files may
        # be in use by another metaknow install sharing the cache: left alone)
        for old in cache.glob(f"bundled-*-v{SCHEMA_VERSION}.sqlite*"):
            if not old.name.startswith(path.name):
                old.unlink(missing_ok=True)
    return path


#: Content digests of export folders already hashed (hashing 8 MB takes a second), by the
#: modification times of the folder and its subfolders: the export writes every file by
#: renaming a temporary one into place, which changes its folder's time. Remembered in
#: this process and, for the next ones, in ``<cache>/bundled-digests.json``.
_DIGESTS: dict[str, str] = {}


def _bundled_digest(folder: Path, cache: Path | None = None) -> str:
    import hashlib
    import json

    stamp = repr([(root, os.stat(root).st_mtime_ns) for root, _, _ in sorted(os.walk(folder))])
    key = hashlib.sha256(stamp.encode()).hexdigest()
    if key in _DIGESTS:
        return _DIGESTS[key]
    known = cache / "bundled-digests.json" if cache is not None else None
    try:
        stored = json.loads(known.read_text()) if known is not None and known.is_file() else {}
    except (OSError, ValueError):
        stored = {}
    if not isinstance(stored, dict) or not isinstance(stored.get(key), str):
        from repository import export

        stored = {key: export.folder_hash(folder)[:16]}  # only the current state is kept
        if known is not None:
            _write_atomic(known, json.dumps(stored))
    _DIGESTS[key] = stored[key]
    return stored[key]


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    except OSError:  # a read-only cache only costs the hash next time
        tmp.unlink(missing_ok=True)


class BuildProgress:
    """Progress of the first build of the bundled cache, on stderr: a line when it starts,
    then about every 10 % of the evaluation files, then when it is done."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.shown = -1
        self.start = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        tenth = 10 * done // max(total, 1)
        if done == 0:
            self._say(f"building the bundled repository cache (first use, about a minute): "
                      f"{total} evaluation files")
        elif tenth > self.shown and done < total:
            self._say(f"building the bundled repository cache: {done}/{total} files")
        elif done == total:
            self._say(f"bundled repository cache built in {time.monotonic() - self.start:.0f} s")
        self.shown = max(self.shown, tenth)

    def _say(self, text: str) -> None:
        try:
            print(f"metaknow: {text}", file=self.stream, flush=True)
        except (OSError, ValueError):
            pass  # a closed stderr never stops the build


@contextlib.contextmanager
def _build_lock(lock: Path) -> Iterator[None]:
    """One builder at a time (an OS lock, released when the process ends however it
    ends); a second process waits, saying so, then finds the cache built."""
    import fcntl

    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            print("metaknow: waiting for another process building the bundled repository "
                  "cache...", file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


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
