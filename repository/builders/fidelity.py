"""The fidelity build: the bundled design at several training sizes on the larger tasks.

The bundled repository evaluates every configuration on at most 2,000 rows, so it says
nothing about how a configuration's score and cost grow with the data. This build
evaluates the same 64-configuration design (:data:`~repository.builders.bundled.N_CONFIGS`,
:data:`~repository.builders.bundled.DESIGN_SEED`) of a space on every task with more than
:data:`MIN_ROWS` rows of the bundled sources, at the training sizes :data:`SIZES` and the
task's full training pool (sizes at or above the pool are left out), always scored on the
same held-out test rows, so the sizes of a task are comparable: a learning curve per
configuration, with its fit times.

Protocol of a task (stored as its ``protocol``, kind ``holdout``): a seeded, stratified
(classification) test part of ``min(MAX_TEST_ROWS, round(TEST_FRACTION * rows))`` rows,
stored as the task's splits (test rows 0, the rest -1); the training pool is every other
row. The training rows of size ``s`` are the first ``s`` rows of a seeded order of the
pool that interleaves the classes in proportion (stratified, nested: a larger size holds
every row of a smaller one, and the first rows hold one row of each class). Each
evaluation is fold 0, repeat 0, with ``n_train = s``.

Work order: all (task, size) units by size, then task size (smallest first), so every
task gets its cheap sizes before any task gets an expensive one. A configuration that hit
the time or memory limit at one size is not run at larger sizes of that task (stored with
the same status and the error "not run: ..."): it would cost the limit again.

Safety: every finished (configuration, size) is committed in its own transaction in the
working store (outside git), so a build killed at any moment resumes losing nothing; a
second build on the same working store is refused (an exclusive lock on
``<work>.lock``), so two writers never run the same units. After every finished
(task, size) the task's evaluations are exported (plain CSV, so the file grows by
appended lines) to ``repository/fidelity/evaluations/<algorithm>/<task>.csv``, with the
task in ``tasks.csv`` and its test split in ``splits/``. On a new machine a fresh working
store is first loaded from those committed files, so the build resumes where they end.

Run (one worker, niced, in the background)::

    nohup nice -n 15 python -m repository.builders.fidelity --work /work/fidelity-build/work.sqlite \\
        >> /work/fidelity-build/build.log 2>&1 &
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import numpy as np

from metaknow.bo.successive_halving import nested_order
from metaknow.dataset import Dataset, load_dataset
from metaknow.evaluation import FoldResult, evaluate_fold
from metaknow.exceptions import RepositoryError
from metaknow.space import SearchSpace, config_hash
from metaknow.spaces import get_space
from repository import export
from repository.builders.bundled import (DESIGN_SEED, MEMORY_LIMIT_MB, N_CONFIGS,
                                         default_sources)
from repository.builders.executors import make_executor
from repository.builders.local import DatasetEntry, collect_datasets
from repository.records import EvaluationRecord, SpaceRecord, TaskRecord
from repository.store import Store

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FIDELITY_DIR", "SIZES", "MIN_ROWS", "TEST_FRACTION", "MAX_TEST_ROWS", "TIME_LIMIT",
           "HoldoutPlan", "holdout_plan", "fidelity_tasks", "build_fidelity"]

FIDELITY_DIR = Path(__file__).resolve().parents[1] / "fidelity"
#: Training sizes below the full pool (the pool itself is always the last size).
SIZES = (1000, 4000, 16000, 64000)
#: Tasks with more rows than this are built (below it the bundled 2,000-row subsample
#: already covers half the data).
MIN_ROWS = 4000
TEST_FRACTION = 0.2
MAX_TEST_ROWS = 10_000
SEED = 0
#: CPU seconds per fit + predict: the largest sizes are 100x the bundled subsample.
TIME_LIMIT = 600.0
#: Task sources of this build (the bundled sources' names with this prefix), so a
#: fidelity task never collides with the bundled task of the same data.
SOURCE_PREFIX = "fidelity-"


@dataclass(frozen=True)
class HoldoutPlan:
    """Test rows and the nested training sizes of one task."""

    test: np.ndarray          # sorted row positions of the held-out test part
    order: np.ndarray         # the training pool, in the order sizes take it
    sizes: tuple[int, ...]    # training sizes, ascending; the last is the whole pool

    def train_rows(self, size: int) -> np.ndarray:
        """Sorted row positions the model of training size ``size`` is fitted on."""
        return np.sort(self.order[:size])

    def assignment(self, n_rows: int) -> tuple[int, ...]:
        """The task's stored splits: 0 for test rows, -1 for the training pool."""
        out = np.full(n_rows, -1, dtype=np.int64)
        out[self.test] = 0
        return tuple(int(v) for v in out)

    def protocol(self) -> dict[str, Any]:
        return {"kind": "holdout", "seed": SEED, "test_fraction": TEST_FRACTION,
                "max_test_rows": MAX_TEST_ROWS, "train_sizes": list(self.sizes),
                "time_limit": TIME_LIMIT}


def holdout_plan(dataset: Dataset, seed: int = SEED, sizes: Sequence[int] = SIZES) -> HoldoutPlan:
    """The holdout protocol of a task (see the module docstring); deterministic in ``seed``."""
    n = dataset.n_rows
    codes = np.asarray(dataset.y.cat.codes) if dataset.task == "classification" else None
    rows = np.arange(n)
    ordered = nested_order(codes, rows, np.random.default_rng([seed, 0]))
    n_test = min(MAX_TEST_ROWS, int(round(TEST_FRACTION * n)))
    test = np.sort(ordered[:n_test])
    pool = np.sort(ordered[n_test:])
    order = nested_order(None if codes is None else codes[pool], pool,
                         np.random.default_rng([seed, 1]))
    return HoldoutPlan(test, order, tuple(s for s in sorted(sizes) if s < len(pool)) + (len(pool),))


def fidelity_tasks(sources: dict[str, Path], min_rows: int = MIN_ROWS) -> list[tuple[str, DatasetEntry, int]]:
    """``(source, entry, rows)`` of every manifest dataset with more than ``min_rows`` rows
    (the manifest's ``n_rows``), smallest first."""
    import csv

    out = []
    for source, manifest in sources.items():
        with Path(manifest).open(newline="") as fh:
            rows = {r["name"]: int(float(r.get("n_rows") or 0)) for r in csv.DictReader(fh)}
        out += [(source, e, rows.get(e.name, 0)) for e in collect_datasets([manifest])
                if rows.get(e.name, 0) > min_rows]
    return sorted(out, key=lambda t: (t[2], t[1].name))


class _Lock:
    """An exclusive, non-blocking lock on ``<work>.lock`` (released when the process ends)."""

    def __init__(self, work: Path) -> None:
        self.path = work.with_name(work.name + ".lock")
        self._fh: Any = None

    def __enter__(self) -> "_Lock":
        fh = open(self.path, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise RepositoryError(f"{self.path}: another fidelity build ({holder}) is writing "
                                  "this working store; wait for it or use another --work") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}\n")
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()


def _evaluate_size(algorithm: str, config: dict[str, Any], dataset: Dataset, train: np.ndarray,
                   test: np.ndarray, time_limit: float | None,
                   memory_limit_mb: int | None) -> dict[str, Any]:
    """One configuration at one training size (runs in a thread or on a dask worker)."""
    return evaluate_fold(algorithm, config, dataset, train, test, seed=SEED, fold=0, repeat=0,
                         time_limit=time_limit, memory_limit_mb=memory_limit_mb).to_dict()


def build_fidelity(sources: dict[str, Path], work: str | Path, out: str | Path = FIDELITY_DIR, *,
                   spaces: Sequence[tuple[str, str]] = (("lightgbm", "classification"),
                                                        ("lightgbm", "regression")),
                   n_configs: int = N_CONFIGS, sizes: Sequence[int] = SIZES,
                   sizes_up_to: int | None = None,
                   only: Sequence[str] | None = None, min_rows: int = MIN_ROWS,
                   time_limit: float = TIME_LIMIT, n_jobs: int = 1, scheduler: str | None = None,
                   log: Callable[[str], None] = print) -> dict[str, int]:
    """Build (or resume) the fidelity repository; see the module docstring.

    Parameters
    ----------
    sources : dict
        Source name -> manifest (:func:`~repository.builders.bundled.default_sources`).
    work : path
        The working SQLite store (outside git); created, or resumed.
    out : path
        The committed export folder (``repository/fidelity``).
    spaces : sequence of (algorithm, task type)
    n_configs : int
        The first ``n_configs`` configurations of the bundled design.
    sizes : sequence of int
        Training sizes below the full pool (:data:`SIZES`).
    sizes_up_to : int, optional
        Only training sizes up to this (a partial build; the rest stays missing).
    only : sequence of str, optional
        Only these task names.
    time_limit : float
        CPU seconds per fit + predict.

    Returns
    -------
    dict
        ``evaluated`` (new evaluations), ``already_done``, ``units`` ((task, size) pairs
        completed in this run).
    """
    work, out = Path(work), Path(out)
    if not work.parent.is_dir():
        raise RepositoryError(f"{work.parent}: no such directory for the working store")
    tasks = fidelity_tasks(sources, min_rows)
    if only:
        unknown = set(only) - {e.name for _, e, _ in tasks}
        if unknown:
            raise RepositoryError(f"not fidelity tasks (more than {min_rows} rows): "
                                  f"{', '.join(sorted(unknown))}")
        tasks = [t for t in tasks if t[1].name in only]
    counts = {"evaluated": 0, "already_done": 0, "units": 0}
    with _Lock(work):
        fresh = not work.exists()
        store = Store.create(work, exist_ok=True)
        try:
            if fresh and (out / "FORMAT").is_file():
                loaded = store.ingest(export.read_export(out), provenance="resume from committed files")
                log(f"resumed from {out}: {loaded}")
            provenance = store.add_provenance("fidelity build", details={
                "spaces": [f"{a}/{t}" for a, t in spaces], "n_configs": n_configs,
                "design_seed": DESIGN_SEED, "sizes": list(SIZES), "time_limit": time_limit})
            executor = make_executor(n_jobs, scheduler)
            try:
                _run(store, executor, tasks, spaces, n_configs, tuple(sizes), sizes_up_to,
                     time_limit, out, provenance, counts, log)
            finally:
                executor.close()
        finally:
            store.close()
    return counts


def _run(store: Store, executor: Any, tasks: list[tuple[str, DatasetEntry, int]],
         spaces: Sequence[tuple[str, str]], n_configs: int, sizes: tuple[int, ...],
         sizes_up_to: int | None,
         time_limit: float, out: Path, provenance: int, counts: dict[str, int],
         log: Callable[[str], None]) -> None:
    loaded: dict[str, tuple[Dataset, HoldoutPlan, Any] | None] = {}

    def prepare(source: str, entry: DatasetEntry) -> tuple[Dataset, HoldoutPlan, Any] | None:
        if entry.name not in loaded:
            try:
                data = load_dataset(entry.path, target=entry.target, task=entry.task,  # type: ignore[arg-type]
                                    name=entry.name)
            except Exception as exc:  # an unreadable dataset is skipped with its reason
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                store.add_skipped(entry.name, SOURCE_PREFIX + source, str(entry.path), reason, provenance)
                log(f"skipped {entry.name}: {reason}")
                loaded[entry.name] = None
                return None
            plan = holdout_plan(data, sizes=sizes)
            _register(store, SOURCE_PREFIX + source, entry.name, data, plan, provenance)
            loaded[entry.name] = (data, plan, executor.share(data))
        return loaded[entry.name]

    units = _work_order(tasks, len(sizes))
    registered: set[str] = set()
    for size_rank, source, entry, _ in units:
        item = prepare(source, entry)
        if item is None:
            continue
        data, plan, shared = item
        if size_rank >= len(plan.sizes):
            continue
        size = plan.sizes[size_rank]
        if sizes_up_to is not None and size > sizes_up_to:
            continue
        for algorithm, task_type in spaces:
            if data.task != task_type:
                continue
            space = get_space(algorithm, task_type)
            if space.key not in registered:
                store.ingest([SpaceRecord(space.key, space.version, space.to_dict())], provenance)
                registered.add(space.key)
            design = space.design(N_CONFIGS, seed=DESIGN_SEED)[:n_configs]
            _unit(store, executor, space, design, SOURCE_PREFIX + source, entry.name, data,
                  shared, plan, size, time_limit, out, provenance, counts, log)


def _work_order(tasks: list[tuple[str, DatasetEntry, int]], n_sizes: int
                ) -> Iterator[tuple[int, str, DatasetEntry, int]]:
    """``(size rank, source, entry, rows)``: every task's k-th size before any (k+1)-th,
    tasks smallest first within a rank (the exact sizes are known once a task is read)."""
    for rank in range(n_sizes + 1):
        for source, entry, rows in tasks:
            yield rank, source, entry, rows


def _register(store: Store, source: str, name: str, data: Dataset, plan: HoldoutPlan,
              provenance: int) -> None:
    stored = store.task(name, source)
    if stored is not None:
        if stored["content_hash"] and stored["content_hash"] != data.content_hash():
            raise RepositoryError(f"task {name}: the data differ from the stored fidelity task "
                                  "(content hash mismatch)")
        if stored["splits"] and tuple(stored["splits"]) != plan.assignment(data.n_rows):
            raise RepositoryError(f"task {name}: the stored test split differs from this "
                                  "build's; build into another working store")
        return
    store.ingest([TaskRecord(name, source, data.task, data.target, data.n_rows, data.n_features,
                             len(data.classes) or None, data.content_hash(),
                             protocol=plan.protocol(), splits=plan.assignment(data.n_rows))],
                 provenance)


def _unit(store: Store, executor: Any, space: SearchSpace, design: list[dict[str, Any]],
          source: str, task: str, data: Dataset, shared: Any, plan: HoldoutPlan, size: int,
          time_limit: float, out: Path, provenance: int, counts: dict[str, int],
          log: Callable[[str], None]) -> None:
    """Every design configuration of one task at one training size; then export the task."""
    done = store.done_by_size(task, source, space.key, space.version)
    smaller = [s for s in plan.sizes if s < size]
    todo, carried = [], []
    for config in design:
        h = config_hash(config)
        if (h, 0, 0, size) in done:
            counts["already_done"] += 1
            continue
        over = next((done[(h, 0, 0, s)] for s in smaller
                     if done.get((h, 0, 0, s)) in ("timeout", "memout")), None)
        if over is not None:
            carried.append(_record(task, source, space, config, size, FoldResult(
                0, 0, over, error=f"not run: a smaller training size of this configuration "
                                  f"hit the {'time' if over == 'timeout' else 'memory'} limit")))
        else:
            todo.append(config)
    if carried:
        store.ingest(carried, provenance)
        counts["evaluated"] += len(carried)
    if not todo and not carried:  # done earlier; (re)export in case a crash came before it
        export.export_pair(store, space.key, task, source, out, compress=False)
        return
    start = time.perf_counter()
    train = plan.train_rows(size)
    items = ((space.name, config, shared, train, plan.test, time_limit, MEMORY_LIMIT_MB)
             for config in todo)
    failures = 0
    for args, result in executor.imap_unordered(_evaluate_size, items):
        r = FoldResult.from_dict(result)
        failures += r.status != "ok"
        store.ingest([_record(task, source, space, args[1], size, r)], provenance)
        counts["evaluated"] += 1
    export.export_pair(store, space.key, task, source, out, compress=False)
    counts["units"] += 1
    log(f"{space.key} {task} n_train={size}: {len(todo)} configuration(s) in "
        f"{time.perf_counter() - start:.1f} s, {failures} failed, {len(carried)} not run")


def _record(task: str, source: str, space: SearchSpace, config: dict[str, Any], size: int,
            r: FoldResult) -> EvaluationRecord:
    return EvaluationRecord(task, source, space.key, space.version, config, r.fold, r.repeat,
                            r.metrics, r.status, r.fit_time, r.predict_time, r.error,
                            n_train=size)


def estimate_remaining(out: str | Path = FIDELITY_DIR, time_limit: float = TIME_LIMIT
                       ) -> "pd.DataFrame":
    """Model seconds done and still to do per task, from the committed files.

    Done: fit + predict seconds of every stored evaluation. To do: each missing size of a
    task's plan (``train_sizes`` of its protocol) costs the task's largest finished size
    scaled linearly by rows (LightGBM's work per tree grows about linearly with them),
    capped at ``time_limit`` per configuration. Columns ``task, done_s, todo_s,
    sizes_done, sizes_todo``; a rough guide, not a promise (fit times carry the build
    machine's contention).
    """
    import pandas as pd

    out = Path(out)
    with (out / "tasks.csv").open(newline="") as fh:
        import csv as _csv
        import json as _json

        plans = {r["name"]: _json.loads(r["protocol"])["train_sizes"] for r in _csv.DictReader(fh)}
    rows = []
    for name, sizes in sorted(plans.items()):
        path = export.pair_path(out, "lightgbm/x", name, compress=False)
        frame = pd.read_csv(path) if path.is_file() else pd.DataFrame(
            columns=["n_train", "fit_time", "predict_time", "config_hash"])
        model = frame["fit_time"].fillna(0) + frame["predict_time"].fillna(0)
        by_size = model.groupby(frame["n_train"]).sum() if len(frame) else pd.Series(dtype=float)
        per_config = model.groupby(frame["n_train"]).mean() if len(frame) else pd.Series(dtype=float)
        counts = frame.groupby("n_train").size() if len(frame) else pd.Series(dtype=int)
        done = [s for s in sizes if counts.get(s, 0) >= N_CONFIGS]
        todo = [s for s in sizes if s not in done]
        todo_s = 0.0
        if done:
            base = max(done)
            for s in todo:
                per = min(time_limit, float(per_config[base]) * s / base)
                todo_s += per * (N_CONFIGS - int(counts.get(s, 0)))
        rows.append({"task": name, "done_s": round(float(by_size.sum()), 1),
                     "todo_s": round(todo_s, 1) if done else float("nan"),
                     "sizes_done": done, "sizes_todo": todo})
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m repository.builders.fidelity``: build or resume; returns an exit code."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m repository.builders.fidelity",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--work", default="/work/fidelity-build/work.sqlite",
                        help="working store (outside git)")
    parser.add_argument("--out", default=str(FIDELITY_DIR), help="committed export folder")
    parser.add_argument("--corpus", default=None, help="corpus folder or manifest")
    parser.add_argument("--tables", default=None, help="tables folder or manifest")
    parser.add_argument("--no-tables", action="store_true", help="the corpus only")
    parser.add_argument("--only", nargs="+", default=None, help="only these task names")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                        help="training sizes below the full pool")
    parser.add_argument("--sizes-up-to", type=int, default=None)
    parser.add_argument("--min-rows", type=int, default=MIN_ROWS,
                        help="build tasks with more rows than this")
    parser.add_argument("--n-configs", type=int, default=N_CONFIGS)
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--estimate", action="store_true",
                        help="print model seconds done / to do per task from --out, then exit")
    a = parser.parse_args(argv)
    if a.estimate:
        table = estimate_remaining(a.out, a.time_limit)
        print(table.to_string(index=False))
        print(f"done {table['done_s'].sum() / 3600:.2f} model-hours; to do at least "
              f"{table['todo_s'].sum() / 3600:.2f} (tasks with no finished size not counted: "
              f"{int(table['todo_s'].isna().sum())})")
        return 0
    try:
        sources = default_sources(a.corpus, a.tables)
        if a.no_tables:
            sources.pop("tables", None)
        counts = build_fidelity(sources, a.work, a.out,
                                n_configs=a.n_configs, sizes=a.sizes, sizes_up_to=a.sizes_up_to,
                                min_rows=a.min_rows, only=a.only,
                                time_limit=a.time_limit, n_jobs=a.n_jobs, scheduler=a.scheduler,
                                log=lambda m: print(time.strftime("%H:%M:%S"), m, flush=True))
    except RepositoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"done: {counts}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
