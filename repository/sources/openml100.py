"""The ``openml100`` named repository: OpenML users' runs on the OpenML100 suite.

Built on first use from the OpenML100 flow exports — flow 6969 (random forest, 47,000
runs on 94 tasks) and flow 6970 (AdaBoost, 40,000 runs on 100 tasks) with OpenML's task
qualities — into metaknow's cache folder, then opened read-only. The exports are looked
for in ``$METAKNOW_OPENML100_DIR``, else in ``../shared/data/openml/openml100-flows``
beside the source checkout. Without them the same store can be built from OpenML itself
(network needed)::

    metaknow repository import openml --suite OpenML100 --flow 6969 --flow 6970 \\
        --repository "$(python -c 'from repository.sources.openml100 import store_path; print(store_path())')"

The build is atomic: it writes a temporary file and renames it into place, so an
interrupted build leaves nothing behind and the next use starts again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from metaknow.exceptions import RepositoryError

__all__ = ["FILES", "BUILD_VERSION", "flows_dir", "store_path", "build_openml100",
           "open_openml100"]

#: The export files (flow id -> file name) and the qualities file.
FILES: dict[int, str] = {6969: "random_forest_flow6969.arff.gz", 6970: "adaboost.arff.gz"}
QUALITIES = "task_qualities.json.gz"
#: Bumped when the mapping changes, so a stale cached build is not reused.
BUILD_VERSION = "1"


def cache_dir() -> Path:
    """metaknow's cache folder: ``$METAKNOW_CACHE_DIR``, else ``~/.cache/metaknow``."""
    env = os.environ.get("METAKNOW_CACHE_DIR")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "metaknow"
    return base.expanduser()


def flows_dir() -> Path:
    """Where the OpenML100 flow exports are looked for (see the module docstring)."""
    env = os.environ.get("METAKNOW_OPENML100_DIR")
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parents[2]
    return (checkout / ".." / "shared" / "data" / "openml" / "openml100-flows").resolve()


def store_path() -> Path:
    """The cached store of the ``openml100`` repository."""
    return cache_dir() / f"openml100-v{BUILD_VERSION}.sqlite"


def _check_files(directory: Path) -> None:
    needed = [*FILES.values(), QUALITIES]
    missing = [f for f in needed if not (directory / f).is_file()]
    if missing:
        raise RepositoryError(
            f"the openml100 repository is built from the OpenML100 flow exports, but "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in {directory}; "
            "set METAKNOW_OPENML100_DIR to their folder, or build it from OpenML (network): "
            "metaknow repository import openml --suite OpenML100 --flow 6969 --flow 6970 "
            f"--repository {store_path()}")


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


def open_openml100(readonly: bool = True) -> Any:
    """The openml100 :class:`~repository.store.Store`, built into the cache on first use."""
    from repository.store import Store

    target = store_path()
    if not target.is_file():
        directory = flows_dir()
        _check_files(directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.stem}.partial-{os.getpid()}.sqlite")
        try:
            build_openml100(partial, directory)
            os.replace(partial, target)
        finally:
            for leftover in (partial, partial.with_name(partial.name + "-wal"),
                             partial.with_name(partial.name + "-shm")):
                if leftover.exists():
                    leftover.unlink()
    return Store.open(target, readonly=readonly)
