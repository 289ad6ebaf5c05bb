"""The ``openml100`` named repository: OpenML users' runs on the OpenML100 suite.

Built on first use from the OpenML100 flow exports — flow 6969 (random forest, 47,000
runs on 94 tasks) and flow 6970 (AdaBoost, 40,000 runs on 100 tasks) with OpenML's task
qualities — into metaknow's cache folder (see :func:`repository.named.cache_dir`). The
exports are looked for in ``$METAKNOW_OPENML100_DIR``, else in
``../shared/data/openml/openml100-flows`` beside the source checkout. The cached file's
name carries a digest of the exports' names and sizes, of :data:`BUILD_VERSION` and of
the target spaces' versions, so a changed export, mapping or space rebuilds it.

Without the exports, the same repository can be built from OpenML itself (network)::

    metaknow repository import openml --suite OpenML100 --flow 6969 --flow 6970 \\
        --store ~/.cache/metaknow/openml100-openml.sqlite

and ``openml100`` then names that file (see :func:`repository_file`).

The build is atomic: it writes a temporary file and renames it into place, so an
interrupted build leaves nothing behind and the next use starts again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from metaknow.exceptions import RepositoryError

__all__ = ["FILES", "QUALITIES", "BUILD_VERSION", "NETWORK_BUILD", "flows_dir",
           "repository_file", "build_openml100", "open_openml100"]

#: The export files (flow id -> file name) and the qualities file.
FILES: dict[int, str] = {6969: "random_forest_flow6969.arff.gz", 6970: "adaboost.arff.gz"}
QUALITIES = "task_qualities.json.gz"
#: Bumped when the mapping changes, so a stale cached build is not reused.
BUILD_VERSION = "1"
#: File name (in the cache folder) of a build made from OpenML with network.
NETWORK_BUILD = "openml100-openml.sqlite"


def flows_dir() -> Path:
    """Where the OpenML100 flow exports are looked for (see the module docstring)."""
    env = os.environ.get("METAKNOW_OPENML100_DIR")
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parents[2]
    return (checkout / ".." / "shared" / "data" / "openml" / "openml100-flows").resolve()


def _missing(directory: Path) -> list[str]:
    return [f for f in [*FILES.values(), QUALITIES] if not (directory / f).is_file()]


def _digest(directory: Path) -> str:
    """Identity of a build: exports (names, sizes), mapping and target space versions."""
    from metaknow.spaces import get_space
    from repository.sources.openml_mapping import flow_mapping

    h = hashlib.sha256(BUILD_VERSION.encode())
    for flow in FILES:
        m = flow_mapping(flow)
        h.update(f"{m.space}/{m.task}:{get_space(m.space, m.task).version};".encode())
    for name in [*FILES.values(), QUALITIES]:
        h.update(f"{name}:{(directory / name).stat().st_size};".encode())
    return h.hexdigest()[:12]


def _check_files(directory: Path, cache: Path | None = None) -> None:
    missing = _missing(directory)
    if missing:
        raise RepositoryError(
            f"the openml100 repository is built from the OpenML100 flow exports, but "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in {directory}; "
            "set METAKNOW_OPENML100_DIR to their folder, or build it from OpenML (network): "
            "metaknow repository import openml --suite OpenML100 --flow 6969 --flow 6970 "
            f"--store {(cache or Path('~/.cache/metaknow')) / NETWORK_BUILD}")


def build_openml100(path: str | Path, directory: str | Path | None = None) -> dict[str, Any]:
    """Build the openml100 store at ``path`` from the exports in ``directory``.

    Returns the import summaries per flow. ``path`` must not exist yet.
    """
    from repository.sources.openml_export import ingest_export
    from repository.store import Store

    directory = Path(directory) if directory is not None else flows_dir()
    _check_files(directory)
    path = Path(path)
    summaries: dict[str, Any] = {}
    with Store.create(path) as store:
        for flow, name in FILES.items():
            summaries[str(flow)] = ingest_export(store, directory / name, directory / QUALITIES)
    return summaries


def repository_file(cache: Path) -> Path:
    """The openml100 store in ``cache``, built from the exports if needed (for ``NAMED``).

    Uses the exports when present; otherwise a network build at ``cache/NETWORK_BUILD``;
    otherwise raises :class:`RepositoryError` saying what is missing and how to build it.
    """
    directory = flows_dir()
    if _missing(directory):
        if (cache / NETWORK_BUILD).is_file():
            return cache / NETWORK_BUILD
        _check_files(directory, cache)
    from repository.schema import SCHEMA_VERSION

    target = cache / f"openml100-{_digest(directory)}-v{SCHEMA_VERSION}.sqlite"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.stem}.partial-{os.getpid()}.sqlite")
    try:
        build_openml100(partial, directory)
        os.replace(partial, target)
    finally:
        for leftover in (partial, partial.with_name(partial.name + "-wal"),
                         partial.with_name(partial.name + "-shm")):
            leftover.unlink(missing_ok=True)
    for old in cache.glob("openml100-*.sqlite"):  # earlier builds from other exports/mappings
        if old != target and old.name != NETWORK_BUILD and ".partial-" not in old.name:
            old.unlink(missing_ok=True)
    return target


def open_openml100(readonly: bool = True) -> Any:
    """The openml100 :class:`~repository.store.Store`, built into the cache on first use."""
    from repository.named import cache_dir
    from repository.store import Store

    return Store.open(repository_file(cache_dir()), readonly=readonly)
