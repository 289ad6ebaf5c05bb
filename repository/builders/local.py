"""The local builder: evaluate a configuration design on a collection of datasets.

For every space and every dataset of that space's task type, the builder evaluates the
space's design (``space.design(n_configs, design_seed)``, library default first) with the
task's stored :class:`~metaknow.evaluation.Protocol`, through the one evaluation code path
(:func:`metaknow.evaluation.evaluate`, sandboxed with a time and memory limit).

Crash safety: the unit of work is one configuration on one task (all its folds); each
finished unit is committed in its own transaction. A rerun asks the store what is done
and evaluates only the missing folds, so a build killed at any moment (even SIGKILL) and
restarted loses nothing and duplicates nothing. Datasets that cannot be loaded are
recorded in the store's ``skipped`` table with the reason, and the build goes on; failed
fits are stored with status ``crash``/``timeout``/``memout`` and their reason. A
configuration that exceeds the time or memory limit on one fold of a task is not run on
its later folds there (they are stored with the same status, "not run: ...").
"""

from __future__ import annotations

from collections import Counter

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from metaknow.dataset import Dataset, load_dataset
from metaknow.evaluation import (FoldResult, Protocol, assignment_to_splits, evaluate,
                                 make_splits, split_repeats, splits_to_assignment)
from metaknow.exceptions import DataError, MetaknowError, RepositoryError
from metaknow.space import SearchSpace, config_hash
from metaknow.spaces import get_algorithm, get_space, space_names
from repository.builders.executors import make_executor
from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord
from repository.store import Store

__all__ = ["DatasetEntry", "collect_datasets", "BuildSummary", "LocalBuilder"]

_DATA_SUFFIXES = (".arff", ".arff.gz", ".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet")


@dataclass(frozen=True)
class DatasetEntry:
    """A dataset a build will use: where it is and how to read it."""

    name: str
    path: Path
    task: str | None = None
    target: str | None = None
    size: float = 0.0  # rows x features when known (used to order work)


def collect_datasets(inputs: Sequence[str | Path]) -> list[DatasetEntry]:
    """Datasets from folders, manifests (CSV with ``name, file, task, target``) and files.

    A folder holding ``manifest.csv`` is read through its manifest; otherwise every data
    file in it is used. Raises :class:`RepositoryError` for a missing input.
    """
    out: list[DatasetEntry] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            manifest = path / "manifest.csv"
            if manifest.is_file():
                out += _read_manifest(manifest)
            else:
                out += [_entry(p) for p in sorted(path.iterdir())
                        if p.is_file() and p.name.lower().endswith(_DATA_SUFFIXES)]
        elif path.is_file() and path.name.lower().endswith(".csv") and _is_manifest(path):
            out += _read_manifest(path)
        elif path.is_file():
            out.append(_entry(path))
        else:
            raise RepositoryError(f"{path}: no such file or folder")
    seen: set[str] = set()
    unique = []
    for e in out:
        if e.name in seen:
            raise RepositoryError(f"two datasets are named {e.name!r}; dataset names must be unique")
        seen.add(e.name)
        unique.append(e)
    return unique


def _entry(path: Path) -> DatasetEntry:
    name = path.name
    for s in (".gz", ".arff", ".csv", ".tsv", ".parquet"):
        if name.lower().endswith(s):
            name = name[: -len(s)]
    return DatasetEntry(name, path)


def _is_manifest(path: Path) -> bool:
    with path.open(newline="") as fh:
        header = next(csv.reader(fh), [])
    return {"name", "file"} <= set(header)


def _read_manifest(path: Path) -> list[DatasetEntry]:
    out = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if not row.get("name") or not row.get("file"):
                raise RepositoryError(f"{path}: a row lacks its name or file")
            try:
                size = float(row.get("n_rows") or 0) * max(1.0, float(row.get("n_features") or 1))
            except ValueError:
                size = 0.0
            out.append(DatasetEntry(row["name"], path.parent / row["file"],
                                    row.get("task") or None, row.get("target") or None, size))
    return out


@dataclass
class BuildSummary:
    """What a build did."""

    evaluated: int = 0          # fold evaluations run now
    already_done: int = 0       # fold evaluations found in the store
    failures: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)   # dataset -> reason
    pair_seconds: dict[tuple[str, str], float] = field(default_factory=dict)


class LocalBuilder:
    """Fill a store with evaluations of configuration designs on datasets.

    Parameters
    ----------
    store : Store
    protocol : Protocol
        Used for tasks new to the store; a task already stored keeps its own protocol
        and splits (a different requested protocol is an error).
    source : str
        Source name of the tasks (``"corpus"`` for the bundled repository).
    n_jobs : int
        Local worker processes (ignored with ``scheduler``).
    scheduler : str, optional
        Address of a dask.distributed scheduler to run the evaluations on.
    memory_limit_mb : int, optional
        Per-worker address-space limit.
    progress : bool
        Show a progress bar with ETA (rich).
    on_pair_done : callable (space key, task name) -> None, optional
        Called when every fold of the design is stored for a (space, task) pair.
    retry_failed : bool
        Before building, delete the stored failed evaluations (crash, timeout, memout)
        of the spaces being built, so they run again (e.g. after raising the time limit).
    """

    def __init__(self, store: Store, protocol: Protocol, *, source: str = "corpus",
                 n_jobs: int = 1, scheduler: str | None = None,
                 memory_limit_mb: int | None = None, progress: bool = True,
                 on_pair_done: Callable[[str, str], None] | None = None,
                 log: Callable[[str], None] | None = None, retry_failed: bool = False) -> None:
        self.store = store
        self.protocol = protocol
        self.source = source
        self.n_jobs = n_jobs
        self.scheduler = scheduler
        self.memory_limit_mb = memory_limit_mb
        self.progress = progress
        self.on_pair_done = on_pair_done
        self.log = log or (lambda msg: None)
        self.retry_failed = retry_failed
        self._registered: set[str] = set()

    # ----------------------------------------------------------- public API
    def build(self, datasets: Sequence[DatasetEntry], spaces: Sequence[str] | str = "all",
              n_configs: int = 64, design_seed: int = 0,
              task_types: Sequence[str] = ("classification", "regression")) -> BuildSummary:
        """Evaluate ``n_configs`` design configurations of each space on each dataset.

        ``spaces`` is a list of algorithm names or ``"all"``; work runs space by space
        in the given order, datasets smallest first.
        """
        names = list(spaces) if not isinstance(spaces, str) else (
            sorted(set(space_names("classification")) | set(space_names("regression")))
            if spaces == "all" else [spaces])
        for name in names:
            get_algorithm(name)  # SpaceError naming the known spaces for a typo
        order = sorted(datasets, key=lambda d: (d.size, d.name))
        plan = [(name, task) for name in names for task in task_types
                if name in space_names(task)]
        summary = BuildSummary()
        if self.retry_failed:
            keys = [get_space(name, task).key for name, task in plan]
            forgotten = self.store.forget_failed(keys)
            self.log(f"retrying {forgotten} failed evaluation(s) of {', '.join(keys)}")
        provenance = self.store.add_provenance(
            "local build", details={"spaces": names, "n_configs": n_configs,
                                    "design_seed": design_seed, "protocol": self.protocol.to_dict(),
                                    "datasets": len(order)})
        executor = make_executor(self.n_jobs, self.scheduler)
        try:
            with _Progress(self.progress) as bar:
                bar.add_total(sum(n_configs for name, task in plan for d in order
                                  if d.task in (None, task)))
                for name, task in plan:
                    space = get_space(name, task)
                    design = space.design(n_configs, seed=design_seed)
                    for entry in order:
                        if entry.task not in (None, task):
                            continue
                        self._pair(executor, space, design, entry, summary, provenance, bar)
        finally:
            executor.close()
        self.add_metafeatures(order, summary, provenance)
        return summary

    def add_metafeatures(self, datasets: Sequence[DatasetEntry], summary: BuildSummary | None = None,
                         provenance: int | None = None) -> int:
        """Extract and store the meta-features of every stored task among ``datasets`` that
        lacks them for the current extractor version (seed 0, all groups). Returns how
        many tasks got meta-features."""
        from metafeatures import STORE_ENGINE, engine_version, extract

        have = self.store.metafeatures("metaknow")
        current = set(have.loc[have["extractor_version"] == engine_version(STORE_ENGINE), "task"]) \
            if len(have) else set()
        added = 0
        for entry in datasets:
            if entry.name in current or self.store.task(entry.name, self.source) is None:
                continue
            if summary is not None and entry.name in summary.skipped:
                continue
            try:
                dataset = self.load(entry)
                values = extract(dataset, task=dataset.task, seed=0, openml_engine=STORE_ENGINE)
            except MetaknowError as exc:
                self.log(f"meta-features: {entry.name} left out ({exc})")
                continue
            self.store.ingest([MetaFeatureRecord(entry.name, self.source, values.to_dict(),
                                                 "metaknow", engine_version(STORE_ENGINE))], provenance)
            self.log(f"meta-features: {entry.name}")
            added += 1
        return added

    # -------------------------------------------------------------- helpers
    def load(self, entry: DatasetEntry) -> Dataset:
        return load_dataset(entry.path, target=entry.target, task=entry.task,  # type: ignore[arg-type]
                            name=entry.name)

    def register(self, entry: DatasetEntry, dataset: Dataset, provenance: int | None
                 ) -> list[tuple[int, Any, Any]]:
        """Store the task (first time) and return its splits (the stored ones if any)."""
        stored = self.store.task(entry.name, self.source)
        if stored is not None:
            if stored["content_hash"] and stored["content_hash"] != dataset.content_hash():
                raise DataError(f"task {entry.name}: the data differ from the stored task "
                                "(content hash mismatch); use another source name")
            want = {k: v for k, v in self.protocol.to_dict().items() if k != "time_limit"}
            have = {k: v for k, v in stored["protocol"].items() if k != "time_limit"}
            if have and have != want:
                raise RepositoryError(f"task {entry.name} is stored with protocol {have}, "
                                      f"not {want}; build into another store")
            if stored["splits"]:
                return assignment_to_splits(stored["splits"], dataset.n_rows)
        splits = make_splits(dataset, self.protocol)
        record = TaskRecord(
            name=entry.name, source=self.source, task_type=dataset.task, target=dataset.target,
            n_rows=dataset.n_rows, n_features=dataset.n_features,
            n_classes=len(dataset.classes) or None, content_hash=dataset.content_hash(),
            protocol=self.protocol.to_dict(), splits=splits_to_assignment(splits, dataset.n_rows))
        self.store.ingest([record], provenance=provenance)
        return splits

    def _complete(self, entry: DatasetEntry, space: SearchSpace, design: list[dict[str, Any]]) -> bool:
        """Whether every design configuration has all its folds stored for this task."""
        stored = self.store.task(entry.name, self.source)
        want = {k: v for k, v in self.protocol.to_dict().items() if k != "time_limit"}
        if stored is None or {k: v for k, v in stored["protocol"].items() if k != "time_limit"} != want:
            return False  # unknown task, or a protocol mismatch for register() to report
        per_config = Counter(h for h, _, _ in self.store.done(entry.name, self.source, space.key,
                                                              space.version))
        folds = self.protocol.n_splits * self.protocol.n_repeats
        return all(per_config[config_hash(c)] >= folds for c in design)

    def _pair(self, executor: Any, space: SearchSpace, design: list[dict[str, Any]],
              entry: DatasetEntry, summary: BuildSummary, provenance: int, bar: "_Progress") -> None:
        if entry.name in summary.skipped:
            bar.advance(len(design))
            return
        if self._complete(entry, space, design):  # a resume skips finished pairs unread
            summary.already_done += len(design) * self.protocol.n_splits * self.protocol.n_repeats
            bar.advance(len(design))
            if self.on_pair_done is not None:
                self.on_pair_done(space.key, entry.name)
            return
        start = time.perf_counter()
        try:
            dataset = self.load(entry)
        except Exception as exc:  # any unreadable dataset is skipped with its reason
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            summary.skipped[entry.name] = reason
            self.store.add_skipped(entry.name, self.source, str(entry.path), reason, provenance)
            self.log(f"skipped {entry.name}: {reason}")
            bar.advance(len(design))
            return
        if dataset.task != space.task:
            bar.advance(len(design))
            return
        try:
            splits = self.register(entry, dataset, provenance)
        except (DataError, ValueError) as exc:  # e.g. too few rows for the folds
            summary.skipped[entry.name] = str(exc)
            self.store.add_skipped(entry.name, self.source, str(entry.path), str(exc), provenance)
            bar.advance(len(design))
            return
        if space.key not in self._registered:
            self.store.ingest([SpaceRecord(space.key, space.version, space.to_dict())],
                              provenance=provenance)
            self._registered.add(space.key)
        done = self.store.done(entry.name, self.source, space.key, space.version)
        keys = [(fold, rep) for (fold, _, _), rep in zip(splits, split_repeats(splits))]
        units = []
        for config in design:
            h = config_hash(config)
            missing = [i for i, (f, r) in enumerate(keys) if (h, f, r) not in done]
            summary.already_done += len(keys) - len(missing)
            if missing:
                units.append((config, [(*splits[i], keys[i][1]) for i in missing]))
            else:
                bar.advance(1)
        if units:
            bar.describe(f"{space.name} · {entry.name}")
            shared = executor.share(dataset)
            items = ((space.name, cfg, shared, part, self.protocol.seed, self.protocol.time_limit,
                      self.memory_limit_mb) for cfg, part in units)
            for args, results in executor.imap_unordered(_evaluate_unit, items):
                results = [FoldResult.from_dict(r) for r in results]
                self.store.ingest(_records(entry.name, self.source, space, args[1], results),
                                  provenance=provenance)
                summary.evaluated += len(results)
                for r in results:
                    if r.status != "ok":
                        summary.failures[r.status] = summary.failures.get(r.status, 0) + 1
                bar.advance(1)
        seconds = time.perf_counter() - start
        summary.pair_seconds[(space.key, entry.name)] = seconds
        if units:
            self.log(f"{space.key} {entry.name}: {len(units)} configuration(s) in {seconds:.1f} s")
        if self.on_pair_done is not None:
            self.on_pair_done(space.key, entry.name)


def _evaluate_unit(algorithm: str, config: dict[str, Any], dataset: Dataset,
                   splits: list[tuple[int, Any, Any]], seed: int, time_limit: float | None,
                   memory_limit_mb: int | None) -> list[dict[str, Any]]:
    """One configuration on some folds of one task (runs in a thread or on a dask worker).

    Fold and repeat numbers travel with the splits, so a subset of folds keeps its numbering.
    Once a fold exceeds the time or memory limit, the configuration's later folds are not
    run: they are stored with the same status and an error naming that fold (the folds
    are the same size, so each would cost the limit again to learn the same thing).
    """
    out: list[dict[str, Any]] = []
    over: FoldResult | None = None
    for fold, train, test, rep in _with_repeats(splits):
        if over is not None:
            out.append(FoldResult(fold, rep, over.status, error=(
                f"not run: fold {over.fold} (repeat {over.repeat}) of this configuration "
                f"hit the {'time' if over.status == 'timeout' else 'memory'} limit")).to_dict())
            continue
        r = evaluate(algorithm, config, dataset, [(fold, train, test)], seed=seed,
                     time_limit=time_limit, memory_limit_mb=memory_limit_mb)[0]
        r = FoldResult(r.fold, rep, r.status, r.metrics, r.fit_time, r.predict_time, r.error)
        if r.status in ("timeout", "memout"):
            over = r
        out.append(r.to_dict())
    return out


def _with_repeats(splits: Sequence[tuple[Any, ...]]) -> Iterator[tuple[int, Any, Any, int]]:
    for s in splits:
        if len(s) == 4:
            yield s  # type: ignore[misc]
        else:
            yield (s[0], s[1], s[2], 0)


def _records(task: str, source: str, space: SearchSpace, config: dict[str, Any],
             results: Iterable[FoldResult]) -> list[EvaluationRecord]:
    return [EvaluationRecord(task, source, space.key, space.version, config, r.fold, r.repeat,
                             r.metrics, r.status, r.fit_time, r.predict_time, r.error)
            for r in results]


class _Progress:
    """A rich progress bar with ETA (or nothing when disabled)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> "_Progress":
        if self.enabled:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
            self._bar.__enter__()
            self._task = self._bar.add_task("build", total=0)
        return self

    def add_total(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, total=n)

    def describe(self, text: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=text[:40])

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
