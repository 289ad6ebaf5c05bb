"""A compact, append-friendly text form of a repository (what ``repository/bundled`` holds).

Layout of an export folder::

    FORMAT                                   "metaknow-export 1"
    tasks.csv                                one row per task (protocol as JSON)
    splits/<source>/<task>.txt.gz            test fold of every row (-1 = unused), per repeat
    spaces/<algorithm>-<task type>.json      space definition + its configurations by hash
    evaluations/<algorithm>/<task>.csv.gz    per-fold status, times, metrics, error
                                             (or plain ``.csv``, see ``compress``)
    skipped.csv                              datasets a build could not use, with the reason
    metafeatures.csv                         tasks x meta-features (+ extractor, version)

An evaluation file has an ``n_train`` column (rows the model was fitted on) only when
some of its evaluations were not fitted on the rows the task's stored splits imply — a
learning curve, as in ``repository/fidelity/``; without it (every file written before
``n_train`` existed, and every k-fold pair since) the reader leaves ``n_train`` to the
store, which derives it from the splits. Old exports therefore import unchanged, and an
ordinary pair's bytes do not change.

Each evaluation file holds one (space, task) pair and is written atomically (temporary
file + rename) when the pair is complete, so a folder under version control grows by
whole files. Gzip members carry no timestamp: the same content gives the same bytes.
:func:`read_export` turns a folder back into store records; :func:`materialise` builds a
SQLite store from it.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import math
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pandas as pd

from metaknow.exceptions import RepositoryError
from metaknow.space import config_hash
from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord
from repository.schema import train_sizes
from repository.store import Store

__all__ = ["FORMAT", "export_pair", "export_store", "write_tasks", "write_skipped",
           "write_metafeatures", "read_export", "materialise", "folder_hash", "pair_path"]

FORMAT = "metaknow-export 1"
_TASK_COLUMNS = ["name", "source", "task_type", "target", "n_rows", "n_features", "n_classes",
                 "content_hash", "openml_task_id", "openml_dataset_id", "protocol"]
_EVAL_FIXED = ["config_hash", "space_version", "fold", "repeat", "status", "fit_time",
               "predict_time"]


# ------------------------------------------------------------------ writing
def _atomic_write(path: Path, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return  # unchanged: leave the file (and its timestamp) alone
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _gzip(text: str) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    return buf.getvalue()


def _csv_text(rows: list[list[Any]], header: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _num(v: Any, digits: int = 10) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return f"{float(v):.{digits}g}"


def _safe(name: str) -> str:
    return name.replace("/", "_").replace("\\", "_")


def pair_path(folder: Path, space_key: str, task: str, compress: bool = True) -> Path:
    algorithm = space_key.split("/")[0]
    return Path(folder) / "evaluations" / algorithm / f"{_safe(task)}.csv{'.gz' if compress else ''}"


def export_pair(store: Store, space_key: str, task: str, source: str, folder: str | Path,
                compress: bool = True) -> Path:
    """Write the evaluations of one (space, task) pair, its task, splits and space.

    ``compress=False`` writes plain CSV (``<task>.csv``): larger, but a pair file that
    grows (a learning curve filled size by size) then shows in version control as
    appended lines.
    """
    folder = Path(folder)
    ev = store.evaluations(space=space_key, task=task, source=source)
    if ev.empty:
        raise RepositoryError(f"no evaluations of {space_key} on {task} to export")
    _write_space(store, space_key, folder)
    _write_splits(store, task, source, folder)
    fixed = {"config_hash", "space", "version", "task", "source", "params", "fold", "repeat",
             "n_train", "status", "fit_time", "predict_time", "error"}
    metrics = sorted(c for c in ev.columns if c not in fixed)
    implied = _implied_sizes(store, task, source)
    with_sizes = any(int(n) != implied.get((int(f), int(r)), 0)
                     for n, f, r in zip(ev["n_train"], ev["fold"], ev["repeat"]))
    if with_sizes:  # size by size, so a file filled one size at a time grows at its end
        ev = ev.sort_values("n_train", kind="stable")
    sizes = [int(n) for n in ev["n_train"]]
    rows = [[h, v, int(f), int(r), s, _num(ft, 4), _num(pt, 4),
             *[_num(row[m]) for m in metrics], e if isinstance(e, str) else ""]
            for h, v, f, r, s, ft, pt, e, (_, row) in zip(
                ev["config_hash"], ev["version"], ev["fold"], ev["repeat"], ev["status"],
                ev["fit_time"], ev["predict_time"], ev["error"], ev.iterrows())]
    header = _EVAL_FIXED + metrics + ["error"]
    if with_sizes:  # after repeat: config_hash, space_version, fold, repeat, n_train, ...
        header.insert(4, "n_train")
        for row, n in zip(rows, sizes):
            row.insert(4, n)
    write_tasks(store, folder)  # before the pair file: a reader never sees it without its task
    path = pair_path(folder, space_key, task, compress)
    text = _csv_text(rows, header)
    _atomic_write(path, _gzip(text) if compress else text.encode())
    return path


def _implied_sizes(store: Store, task: str, source: str) -> dict[tuple[int, int], int]:
    row = store.task(task, source)
    if row is None or not row.get("splits") or not row.get("n_rows"):
        return {}
    return train_sizes(list(row["splits"]), int(row["n_rows"]))


def _write_space(store: Store, space_key: str, folder: Path) -> None:
    space = store.space_definition(space_key)
    configs = store._frame(  # noqa: SLF001 - same package
        "SELECT c.hash, c.params FROM configurations c JOIN spaces s ON c.space_id = s.id "
        "WHERE s.key = ? AND s.version = ? ORDER BY c.id", (space_key, space.version))
    path = folder / "spaces" / f"{space.name}-{space.task}.json"
    existing: dict[str, Any] = {}
    if path.exists():
        old = json.loads(path.read_text())
        if str(old.get("version")) == str(space.version):
            existing = old.get("configurations", {})
    merged = dict(existing)
    merged.update({h: json.loads(p) for h, p in zip(configs["hash"], configs["params"])})
    if path.exists() and merged == existing:
        return
    doc = {"key": space_key, "version": space.version, "definition": space.to_dict(),
           "configurations": merged}
    _atomic_write(path, (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode())


def _write_splits(store: Store, task: str, source: str, folder: Path) -> None:
    path = folder / "splits" / _safe(source) / f"{_safe(task)}.txt.gz"
    if path.exists():
        return
    row = store.task(task, source)
    if row is None or not row.get("splits"):
        return
    _atomic_write(path, _gzip(",".join(map(str, row["splits"])) + "\n"))


def write_tasks(store: Store, folder: str | Path) -> None:
    """Rewrite ``tasks.csv`` (and ``FORMAT``) from the store."""
    folder = Path(folder)
    t = store.tasks()
    rows = [[("" if pd.isna(r[c]) else (int(r[c]) if c in ("n_rows", "n_features", "n_classes",
             "openml_task_id", "openml_dataset_id") else r[c])) for c in _TASK_COLUMNS]
            for _, r in t.iterrows()]
    _atomic_write(folder / "tasks.csv", _csv_text(rows, _TASK_COLUMNS).encode())
    if not (folder / "FORMAT").exists():
        _atomic_write(folder / "FORMAT", (FORMAT + "\n").encode())


def write_skipped(store: Store, folder: str | Path) -> None:
    s = store.skipped()
    rows = [[n, src, Path(str(loc)).name if loc else "", reason]
            for n, src, loc, reason in zip(s["name"], s["source"], s["location"], s["reason"])]
    _atomic_write(Path(folder) / "skipped.csv",
                  _csv_text(rows, ["name", "source", "file", "reason"]).encode())


def write_metafeatures(store: Store, folder: str | Path, extractor: str | None = None) -> int:
    """Write ``metafeatures.csv`` (wide); returns the number of task rows."""
    long = store.metafeatures(extractor)
    if long.empty:
        return 0
    wide = long.pivot_table(index=["task", "source", "extractor", "extractor_version"],
                            columns="name", values="value", aggfunc="first", dropna=False)
    wide = wide.reset_index()
    wide.columns.name = None
    buf = io.StringIO()
    wide.to_csv(buf, index=False, float_format="%.10g", lineterminator="\n")
    _atomic_write(Path(folder) / "metafeatures.csv", buf.getvalue().encode())
    return int(len(wide))


def export_store(store: Store, folder: str | Path) -> int:
    """Export every (space, task) pair of a store; returns the number of pair files."""
    folder = Path(folder)
    pairs = store._frame(  # noqa: SLF001
        "SELECT DISTINCT s.key, t.name, t.source FROM evaluations e JOIN tasks t ON e.task_id = t.id "
        "JOIN configurations c ON e.configuration_id = c.id JOIN spaces s ON c.space_id = s.id")
    for key, name, source in zip(pairs["key"], pairs["name"], pairs["source"]):
        export_pair(store, key, name, source, folder)
    write_tasks(store, folder)
    write_skipped(store, folder)
    write_metafeatures(store, folder)
    return int(len(pairs))


# ------------------------------------------------------------------ reading
def folder_hash(folder: str | Path) -> str:
    """SHA-256 over the names and bytes of every file of an export folder."""
    folder = Path(folder)
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        h.update(str(path.relative_to(folder)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _float(v: str) -> float | None:
    return float(v) if v not in ("", None) else None


def read_export(folder: str | Path,
                progress: Callable[[int, int], None] | None = None) -> Iterator[Any]:
    """Store records (spaces, tasks, meta-features, evaluations) of an export folder.

    ``progress(done, total)`` is called before each evaluation (pair) file and after the
    last one."""
    folder = Path(folder)
    fmt = folder / "FORMAT"
    if not fmt.is_file() or fmt.read_text().strip() != FORMAT:
        raise RepositoryError(f"{folder}: not a metaknow export folder (no {FORMAT!r} FORMAT file)")
    # List the pair files first: a build writes a pair's space and task before the pair
    # file, so every pair listed here finds its space and task below even if the build is
    # adding files while we read.
    pair_files = sorted([*(folder / "evaluations").glob("*/*.csv.gz"),
                         *(folder / "evaluations").glob("*/*.csv")])
    spaces: dict[str, dict[str, Any]] = {}
    for path in sorted((folder / "spaces").glob("*.json")):
        doc = json.loads(path.read_text())
        for h, config in doc["configurations"].items():
            if config_hash(config) != h:
                raise RepositoryError(f"{path}: configuration {h} does not hash to its key")
        spaces[doc["definition"]["name"] + "/" + doc["definition"]["task"]] = doc
        yield SpaceRecord(doc["key"], str(doc["version"]), doc["definition"])
    tasks: dict[str, tuple[str, str]] = {}
    with (folder / "tasks.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            split_file = folder / "splits" / _safe(row["source"]) / f"{_safe(row['name'])}.txt.gz"
            splits = None
            if split_file.is_file():
                text = gzip.decompress(split_file.read_bytes()).decode().strip()
                splits = tuple(int(v) for v in text.split(",")) if text else None
            as_int = lambda k: int(row[k]) if row.get(k) not in ("", None) else None  # noqa: E731
            tasks[row["name"]] = (row["source"], row["task_type"])
            yield TaskRecord(row["name"], row["source"], row["task_type"], row["target"],  # type: ignore[arg-type]
                             as_int("n_rows"), as_int("n_features"), as_int("n_classes"),
                             row["content_hash"] or None, as_int("openml_task_id"),
                             as_int("openml_dataset_id"), json.loads(row["protocol"] or "{}"), splits)
    mf = folder / "metafeatures.csv"
    if mf.is_file():
        frame = pd.read_csv(mf, dtype={"task": str, "source": str, "extractor": str,
                                       "extractor_version": str})
        names = [c for c in frame.columns if c not in ("task", "source", "extractor", "extractor_version")]
        for _, r in frame.iterrows():
            if r["task"] in tasks:
                yield MetaFeatureRecord(r["task"], r["source"], {n: float(r[n]) for n in names},
                                        r["extractor"], r["extractor_version"])
    for done, path in enumerate(pair_files):
        if progress is not None:
            progress(done, len(pair_files))
        algorithm = path.parent.name
        task = path.name[: -len(".csv.gz")] if path.name.endswith(".gz") else path.name[: -len(".csv")]
        if task not in tasks:
            raise RepositoryError(f"{path}: task {task!r} is missing from tasks.csv")
        source, task_type = tasks[task]
        key = f"{algorithm}/{task_type}"
        if key not in spaces:
            raise RepositoryError(f"{path}: space {key} is missing from spaces/")
        configs = spaces[key]["configurations"]
        raw = path.read_bytes()
        reader = csv.DictReader(io.StringIO(
            (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode()))
        metrics = [c for c in (reader.fieldnames or [])
                   if c not in _EVAL_FIXED and c not in ("error", "n_train")]
        sized = "n_train" in (reader.fieldnames or [])
        for row in reader:
            h = row["config_hash"]
            if h not in configs:
                raise RepositoryError(f"{path}: configuration {h} is not in spaces/ ({key})")
            values = {m: float(row[m]) for m in metrics if row[m] != ""}
            yield EvaluationRecord(task, source, key, row["space_version"], configs[h],
                                   int(row["fold"]), int(row["repeat"]), values, row["status"],  # type: ignore[arg-type]
                                   _float(row["fit_time"]), _float(row["predict_time"]),
                                   row["error"] or None, config_hash=h,
                                   n_train=int(row["n_train"]) if sized else None)
    if progress is not None:
        progress(len(pair_files), len(pair_files))


def materialise(folder: str | Path, path: str | Path,
                progress: Callable[[int, int], None] | None = None) -> Store:
    """Build a SQLite store at ``path`` from an export folder (atomically: temp + rename).

    The temporary file beside ``path`` is named ``.NAME.PID.RANDOM.sqlite`` (unique per
    process, removed on failure; :func:`stale_temporaries` finds those of killed
    processes). ``progress(done, total)`` reports the evaluation files read."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".sqlite",
                               dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        with Store.create(tmp) as store:
            store.ingest(read_export(folder, progress),
                         provenance={"what": f"materialised from {folder}"})
            _import_skipped(store, Path(folder))
            store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # noqa: SLF001
        os.replace(tmp, path)
    finally:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(tmp + suffix):
                os.unlink(tmp + suffix)
    return Store.open(path, readonly=True)


def stale_temporaries(folder: Path, prefix: str) -> list[Path]:
    """Temporary files of :func:`materialise` (and their ``-wal``/``-shm``) in ``folder``
    whose names start with ``.PREFIX`` and whose process is gone (killed mid-build).

    A file whose name carries no process id (an older metaknow's) counts as stale once
    it is an hour old."""
    stale = []
    for candidate in folder.glob(f".{prefix}*"):
        match = re.match(r"\.(.+?\.sqlite)\.(\d+)\.", candidate.name)
        if match is not None:
            if not _alive(int(match.group(2))):
                stale.append(candidate)
        else:
            try:
                if time.time() - candidate.stat().st_mtime > 3600:
                    stale.append(candidate)
            except OSError:
                continue
    return stale


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _import_skipped(store: Store, folder: Path) -> None:
    path = folder / "skipped.csv"
    if path.is_file():
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                store.add_skipped(row["name"], row["source"], row["file"] or None, row["reason"])
