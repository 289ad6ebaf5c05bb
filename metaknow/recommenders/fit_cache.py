"""A disk cache of fitted models, keyed by the repository content they were fitted on.

A fit that takes seconds (the meta-surrogate) is done once per repository and reused by
every later query: the key is a SHA-256 of the view's content (performance matrix,
meta-features, configuration ids — so any change of the repository gives a new key), the
model's parameters and :data:`FORMAT`. Entries are JSON files written atomically under
``<metaknow cache>/fits/``; nothing is unpickled. An unreadable entry is ignored (and
refitted), never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np

__all__ = ["FORMAT", "view_digest", "cache_key", "load", "save"]

#: Bump when the stored state of any cached model changes meaning.
FORMAT = 2


def view_digest(view: Any) -> str:
    """SHA-256 of a RepositoryView's content (values, task and configuration ids, meta-features)."""
    h = hashlib.sha256()
    perf = view.performance
    h.update("\x1f".join(map(str, perf.index)).encode())
    h.update("\x1e".join(map(str, perf.columns)).encode())
    h.update(np.ascontiguousarray(perf.to_numpy(dtype=float)).tobytes())
    mf = view.metafeatures.reindex(perf.index)
    h.update("\x1d".join(map(str, mf.columns)).encode())
    try:
        values = mf.to_numpy(dtype=float)
    except (TypeError, ValueError):  # text in a meta-feature column: NaN, as the scaler reads it
        values = mf.apply(_numeric).to_numpy(dtype=float)
    h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()


def _numeric(col: Any) -> Any:
    import pandas as pd

    return pd.to_numeric(col, errors="coerce")


def cache_key(kind: str, digest: str, params: Mapping[str, Any]) -> str:
    """The entry name of a ``kind`` of model fitted with ``params`` on content ``digest``."""
    text = json.dumps({"kind": kind, "format": FORMAT, "view": digest, "params": params},
                      sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def _folder() -> Path | None:
    try:
        from repository.named import cache_dir

        folder = cache_dir() / "fits"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except Exception:  # no writable cache: work without one
        return None


def load(key: str) -> dict[str, Any] | None:
    """The stored state for ``key``, or None (missing or unreadable)."""
    folder = _folder()
    path = None if folder is None else folder / f"{key}.json"
    if path is None or not path.is_file():
        return None
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and state.get("format") == FORMAT else None


def save(key: str, state: Mapping[str, Any]) -> None:
    """Store ``state`` (JSON-ready) under ``key``, atomically; silently skipped without a cache."""
    folder = _folder()
    if folder is None:
        return
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump({**state, "format": FORMAT}, fh)
        os.replace(tmp, folder / f"{key}.json")
    except OSError:
        Path(tmp).unlink(missing_ok=True)
