"""Writing records into the store's tables: natural keys resolved to ids, rows batched.

Used by :meth:`repository.store.Store.ingest` inside its transaction; nothing here commits.
"""

from __future__ import annotations

import json
import math
import sqlite3
from typing import Any, Mapping

from metaknow.exceptions import RepositoryError, SpaceError
from metaknow.space import SearchSpace, canonical_json, config_hash
from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord
from repository.schema import train_sizes

__all__ = ["IngestWriter"]

_BATCH = 5000


class IngestWriter:
    """Resolves natural keys to ids and batches rows inside one ingest transaction.

    The caller owns the transaction: :meth:`write` each record, :meth:`flush`, commit.
    ``counts`` holds the records written per kind.
    """

    def __init__(self, conn: sqlite3.Connection, provenance: int | None = None) -> None:
        self.conn = conn
        self.provenance = provenance
        self.task_ids: dict[tuple[str, str], int] = {}
        self.space_ids: dict[tuple[str, str], int] = {}
        self.config_ids: dict[tuple[int, str], int] = {}
        self.sizes: dict[int, dict[tuple[int, int], int]] = {}  # task -> (fold, repeat) -> n_train
        # pending evaluations by (task, configuration, fold, repeat, n_train): the last record wins
        self.pending: dict[tuple[int, int, int, int, int], tuple[tuple[Any, ...], dict[str, float | None]]] = {}
        self.counts = {"tasks": 0, "metafeatures": 0, "spaces": 0, "evaluations": 0}

    def write(self, rec: Any) -> None:
        """Write one record of :mod:`repository.records` (an evaluation may be batched)."""
        if isinstance(rec, EvaluationRecord):
            self.evaluation(rec)
            self.counts["evaluations"] += 1
        elif isinstance(rec, TaskRecord):
            self.task(rec)
            self.counts["tasks"] += 1
        elif isinstance(rec, MetaFeatureRecord):
            self.metafeatures(rec)
            self.counts["metafeatures"] += 1
        elif isinstance(rec, SpaceRecord):
            self.space(rec.key, rec.version, rec.definition)
            self.counts["spaces"] += 1
        else:
            raise RepositoryError(f"cannot ingest a {type(rec).__name__}")

    def task(self, r: TaskRecord) -> None:
        self.conn.execute(
            "INSERT INTO tasks(name, source, task_type, target, n_rows, n_features, n_classes, "
            "content_hash, openml_task_id, openml_dataset_id, protocol, splits, provenance_id) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(name, source) DO UPDATE SET "
            "task_type=excluded.task_type, target=excluded.target, n_rows=excluded.n_rows, "
            "n_features=excluded.n_features, n_classes=excluded.n_classes, "
            "content_hash=excluded.content_hash, openml_task_id=excluded.openml_task_id, "
            "openml_dataset_id=excluded.openml_dataset_id, protocol=excluded.protocol, "
            "splits=excluded.splits",
            (r.name, r.source, r.task_type, r.target or "", r.n_rows, r.n_features, r.n_classes,
             r.content_hash, r.openml_task_id, r.openml_dataset_id,
             json.dumps(dict(r.protocol), sort_keys=True),
             None if r.splits is None else json.dumps(list(r.splits), separators=(",", ":")),
             self.provenance))
        tid = self.task_ids.pop((r.name, r.source), None)
        if tid is not None:
            self.sizes.pop(tid, None)

    def task_id(self, name: str, source: str) -> int:
        key = (name, source)
        if key not in self.task_ids:
            row = self.conn.execute("SELECT id FROM tasks WHERE name = ? AND source = ?", key).fetchone()
            if row is None:
                raise RepositoryError(f"record refers to unknown task {name!r} (source {source!r}); "
                                      "ingest its TaskRecord first")
            self.task_ids[key] = int(row[0])
        return self.task_ids[key]

    def metafeatures(self, r: MetaFeatureRecord) -> None:
        tid = self.task_id(r.task_name, r.task_source)
        self.conn.execute("DELETE FROM metafeatures WHERE task_id = ? AND extractor = ?",
                          (tid, r.extractor))
        self.conn.executemany(
            "INSERT INTO metafeatures(task_id, extractor, name, value, extractor_version) "
            "VALUES (?,?,?,?,?)",
            [(tid, r.extractor, str(k), _real(v), r.extractor_version) for k, v in r.values.items()])

    def space(self, key: str, version: str, definition: Mapping[str, Any]) -> int:
        try:
            space = SearchSpace.from_dict(definition)
        except SpaceError as exc:
            raise RepositoryError(f"space {key}: {exc}") from None
        self.conn.execute(
            "INSERT INTO spaces(key, algorithm, task_type, version, definition, default_hash) "
            "VALUES (?,?,?,?,?,?) ON CONFLICT(key, version) DO UPDATE SET "
            "definition=excluded.definition, default_hash=excluded.default_hash",
            (key, space.name, space.task, str(version), json.dumps(space.to_dict(), sort_keys=True),
             config_hash(space.default())))
        sid = int(self.conn.execute("SELECT id FROM spaces WHERE key = ? AND version = ?",
                                    (key, str(version))).fetchone()[0])
        self.space_ids[(key, str(version))] = sid
        return sid

    def space_id(self, key: str, version: str) -> int:
        k = (key, str(version))
        if k not in self.space_ids:
            row = self.conn.execute("SELECT id FROM spaces WHERE key = ? AND version = ?", k).fetchone()
            if row is not None:
                self.space_ids[k] = int(row[0])
            else:
                self.space_ids[k] = self.space(key, str(version), _registered_space(key, version))
        return self.space_ids[k]

    def evaluation(self, r: EvaluationRecord) -> None:
        tid = self.task_id(r.task_name, r.task_source)
        sid = self.space_id(r.space_key, r.space_version)
        h = r.config_hash or config_hash(r.config)
        ck = (sid, h)
        if ck not in self.config_ids:
            self.conn.execute("INSERT OR IGNORE INTO configurations(space_id, hash, params) VALUES (?,?,?)",
                              (sid, h, canonical_json(r.config)))
            self.config_ids[ck] = int(self.conn.execute(
                "SELECT id FROM configurations WHERE space_id = ? AND hash = ?", ck).fetchone()[0])
        cid = self.config_ids[ck]
        if r.status not in ("ok", "crash", "timeout", "memout"):
            raise RepositoryError(f"evaluation status must be ok/crash/timeout/memout, got {r.status!r}")
        n_train = int(r.n_train) if r.n_train is not None else self.train_size(tid, r.fold, r.repeat)
        if n_train < 0:
            raise RepositoryError(f"evaluation n_train must be >= 0, got {n_train}")
        key = (tid, cid, int(r.fold), int(r.repeat), n_train)
        row = (r.status, _real(r.fit_time), _real(r.predict_time), r.error, self.provenance)
        self.pending[key] = (row, {str(name): _real(value) for name, value in r.metrics.items()})
        if len(self.pending) >= _BATCH:
            self.flush()

    def train_size(self, task_id: int, fold: int, repeat: int) -> int:
        """Rows fold ``fold`` of ``repeat`` trains on under the task's stored splits (0: unknown)."""
        if task_id not in self.sizes:
            row = self.conn.execute("SELECT n_rows, splits FROM tasks WHERE id = ?", (task_id,)).fetchone()
            self.sizes[task_id] = (train_sizes(json.loads(row[1]), int(row[0]))
                                   if row is not None and row[1] and row[0] else {})
        return self.sizes[task_id].get((int(fold), int(repeat)), 0)

    def flush(self) -> None:
        """Write the pending evaluations. A stored evaluation with the same (task,
        configuration, fold, repeat, n_train) is replaced whole: status, times and its set of
        metrics (a metric the new record lacks is removed, not left over)."""
        if not self.pending:
            return
        keys = list(self.pending)
        self.conn.executemany(
            "INSERT INTO evaluations(task_id, configuration_id, fold, repeat, n_train, status, "
            "fit_time, predict_time, error, provenance_id) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(task_id, configuration_id, fold, repeat, n_train) DO UPDATE SET "
            "status=excluded.status, fit_time=excluded.fit_time, "
            "predict_time=excluded.predict_time, error=excluded.error, "
            "provenance_id=excluded.provenance_id",
            [key + self.pending[key][0] for key in keys])
        find = ("(SELECT id FROM evaluations WHERE task_id = ? AND configuration_id = ? "
                "AND fold = ? AND repeat = ? AND n_train = ?)")
        self.conn.executemany(f"DELETE FROM evaluation_metrics WHERE evaluation_id = {find}", keys)
        self.conn.executemany(
            f"INSERT INTO evaluation_metrics(evaluation_id, metric, value) VALUES ({find}, ?, ?)",
            [key + item for key in keys for item in self.pending[key][1].items()])
        self.pending = {}


def _registered_space(key: str, version: str) -> dict[str, Any]:
    from metaknow.spaces import get_space

    name, _, task = key.partition("/")
    try:
        space = get_space(name, task)
    except SpaceError:
        raise RepositoryError(f"evaluation refers to space {key!r}, which is neither stored "
                              "nor registered; ingest its SpaceRecord first") from None
    if str(space.version) != str(version):
        raise RepositoryError(f"evaluation refers to space {key} version {version}, but the "
                              f"registered one is version {space.version}; ingest its SpaceRecord")
    return space.to_dict()


def _real(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return None if math.isnan(v) else v
