"""The store of prior evaluations: one SQLite file (see :mod:`repository.schema`).

Contract
--------
* ``Store.create(path)`` makes a new repository; ``Store.open(path, readonly=False)``
  opens an existing one. Both raise :class:`~metaknow.exceptions.RepositoryError` with a
  one-line reason for a missing, corrupt or foreign (non-metaknow) file, or one written
  by a newer metaknow. Opening an older schema for writing migrates it.
* Writes go through :meth:`Store.ingest` (records of :mod:`repository.records`), each call
  one transaction: either every record is stored or none is. Re-ingesting a record
  updates it (tasks, spaces, evaluations are unique by their natural keys).
* The file is in WAL mode: readers never block the (single) writer and see only
  committed transactions. Several processes may read while one writes.
* Reads: :meth:`view` (what recommenders learn from), :meth:`tasks`, :meth:`spaces`,
  :meth:`evaluations`, :meth:`info`, :meth:`verify`.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import platform
import socket
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import numpy as np
import pandas as pd

from metaknow.exceptions import RepositoryError, SpaceError
from metaknow.space import SearchSpace
from repository.ingest import IngestWriter
from repository.schema import APPLICATION_ID, SCHEMA_VERSION, migrate
from repository.view import RepositoryView

__all__ = ["Store", "library_versions"]

_SQLITE_HEADER = b"SQLite format 3\x00"


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape evaluations (for provenance)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("metaknow", "scikit-learn", "lightgbm", "numpy", "pandas", "openml"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


class Store:
    """A metaknow repository file. Use :meth:`create` or :meth:`open`, not the constructor."""

    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool) -> None:
        self._conn = conn
        self.path = path
        self.readonly = readonly

    # ------------------------------------------------------------- opening
    @classmethod
    def create(cls, path: str | Path, exist_ok: bool = False) -> "Store":
        """Create a new, empty repository at ``path`` (``exist_ok``: open it if it exists)."""
        path = Path(path)
        if path.exists() and path.stat().st_size > 0:
            if exist_ok:
                return cls.open(path)
            raise RepositoryError(f"{path}: already exists; open it or choose another path")
        if not path.parent.exists():
            raise RepositoryError(f"{path.parent}: no such directory")
        conn = cls._connect(path, readonly=False)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            migrate(conn, 0)
            conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                             [("application", "metaknow"), ("created_at", _now())])
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.close()
            raise RepositoryError(f"{path}: cannot create a repository ({exc})") from None
        return cls(conn, path, readonly=False)

    @classmethod
    def open(cls, path: str | Path, readonly: bool = False) -> "Store":
        """Open an existing repository; see the module docstring for the errors raised."""
        path = Path(path)
        if not path.exists():
            raise RepositoryError(f"{path}: no such repository file")
        if path.is_dir():
            raise RepositoryError(f"{path}: is a directory, expected a repository file")
        with open(path, "rb") as fh:
            header = fh.read(len(_SQLITE_HEADER))
        if header != _SQLITE_HEADER:
            raise RepositoryError(f"{path}: not a metaknow repository (not an SQLite database)")
        conn = cls._connect(path, readonly)
        try:
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if app != APPLICATION_ID:
                raise RepositoryError(f"{path}: a foreign SQLite database, not a metaknow repository")
            if version > SCHEMA_VERSION:
                raise RepositoryError(
                    f"{path}: schema version {version} is newer than this metaknow supports "
                    f"({SCHEMA_VERSION}); upgrade metaknow")
            if version < SCHEMA_VERSION:
                if readonly:
                    raise RepositoryError(
                        f"{path}: schema version {version} needs migrating to {SCHEMA_VERSION}; "
                        "open it once for writing (metaknow repository verify --migrate)")
                conn.execute("BEGIN IMMEDIATE")
                migrate(conn, version)
                conn.execute("COMMIT")
            conn.execute("SELECT count(*) FROM tasks").fetchone()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise RepositoryError(f"{path}: corrupt repository ({exc})") from None
        except RepositoryError:
            conn.close()
            raise
        return cls(conn, path, readonly)

    @staticmethod
    def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
        try:
            if readonly:
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60,
                                       isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(path, timeout=60, isolation_level=None,
                                       check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 60000")
            if not readonly:
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise RepositoryError(f"{path}: cannot open ({exc})") from None
        return conn

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    # -------------------------------------------------------------- writing
    def add_provenance(self, what: str, command: str | None = None,
                       details: Mapping[str, Any] | None = None) -> int:
        """Record who/what/when/library versions; returns the provenance id."""
        self._writable()
        try:
            user = getpass.getuser()
        except Exception:
            user = None
        cur = self._conn.execute(
            "INSERT INTO provenance(created_at, user, host, what, command, versions, details) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (_now(), user, socket.gethostname(), what,
             command if command is not None else " ".join(sys.argv),
             json.dumps(library_versions(), sort_keys=True),
             json.dumps(dict(details or {}), sort_keys=True, default=str)))
        return int(cur.lastrowid)

    def ingest(self, records: Iterable[Any], provenance: int | str | Mapping[str, Any] | None = None
               ) -> dict[str, int]:
        """Write records (tasks, meta-features, spaces, evaluations) in one transaction.

        Parameters
        ----------
        records : iterable of TaskRecord, MetaFeatureRecord, SpaceRecord, EvaluationRecord
            A task must be ingested before (or earlier in the same call than) the
            meta-features and evaluations that name it. An evaluation whose space was not
            ingested is accepted when the space is a registered metaknow space.
        provenance : int, str or mapping, optional
            An id from :meth:`add_provenance`, a description (``what``), or a mapping with
            ``what``/``command``/``details``.

        Returns
        -------
        dict
            Counts of records written per kind.
        """
        self._writable()
        with self._transaction("ingest failed, nothing written"):
            writer = IngestWriter(self._conn, self._provenance_id(provenance))
            for rec in records:
                writer.write(rec)
            writer.flush()
        return writer.counts

    def forget_failed(self, space_keys: Iterable[str] | None = None,
                      statuses: Iterable[str] = ("crash", "timeout", "memout")) -> int:
        """Delete failed evaluations (of these spaces, any version) so a build runs them again.

        One transaction; returns the number of evaluations deleted.
        """
        self._writable()
        statuses = list(statuses)
        unknown = set(statuses) - {"crash", "timeout", "memout"}
        if unknown:
            raise RepositoryError(f"not failure statuses: {', '.join(sorted(unknown))}")
        where = f"e.status IN ({','.join('?' * len(statuses))})"
        params: list[Any] = list(statuses)
        if space_keys is not None:
            keys = list(space_keys)
            where += f" AND s.key IN ({','.join('?' * len(keys))})"
            params += keys
        ids = ("SELECT e.id FROM evaluations e JOIN configurations c ON e.configuration_id = c.id "
               f"JOIN spaces s ON c.space_id = s.id WHERE {where}")
        with self._transaction("could not delete"):
            self._conn.execute(f"DELETE FROM evaluation_metrics WHERE evaluation_id IN ({ids})",
                               params)
            n = self._conn.execute(f"DELETE FROM evaluations WHERE id IN ({ids})", params).rowcount
        return int(n)

    @contextlib.contextmanager
    def _transaction(self, failure: str) -> Iterator[None]:
        """One write transaction: committed whole, or rolled back with a one-line error."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            yield
            self._conn.execute("COMMIT")
        except BaseException as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise RepositoryError(f"{self.path}: {failure} ({exc})") from None
            raise

    def add_skipped(self, name: str, source: str, location: str | None, reason: str,
                    provenance: int | None = None) -> None:
        """Record a dataset a build could not use (replaces an earlier entry)."""
        self._writable()
        self._conn.execute(
            "INSERT INTO skipped(name, source, location, reason, provenance_id) VALUES (?,?,?,?,?) "
            "ON CONFLICT(name, source) DO UPDATE SET location=excluded.location, "
            "reason=excluded.reason, provenance_id=excluded.provenance_id",
            (name, source, location, reason, provenance))

    def _provenance_id(self, provenance: int | str | Mapping[str, Any] | None) -> int | None:
        if provenance is None or isinstance(provenance, int):
            return provenance
        if isinstance(provenance, str):
            return self.add_provenance(provenance)
        return self.add_provenance(str(provenance.get("what", "")), provenance.get("command"),
                                   provenance.get("details"))

    def _writable(self) -> None:
        if self.readonly:
            raise RepositoryError(f"{self.path}: opened read-only")

    # -------------------------------------------------------------- reading
    def _frame(self, sql: str, params: tuple[Any, ...] = ()) -> pd.DataFrame:
        try:
            cur = self._conn.execute(sql, params)
            cols = [d[0] for d in cur.description]
            return pd.DataFrame.from_records(cur.fetchall(), columns=cols)
        except sqlite3.DatabaseError as exc:
            raise RepositoryError(f"{self.path}: cannot read ({exc})") from None

    def tasks(self) -> pd.DataFrame:
        """One row per task (without the splits), plus its evaluation count."""
        return self._frame(
            "SELECT t.id, t.name, t.source, t.task_type, t.target, t.n_rows, t.n_features, "
            "t.n_classes, t.content_hash, t.openml_task_id, t.openml_dataset_id, t.protocol, "
            "(SELECT count(*) FROM evaluations e WHERE e.task_id = t.id) AS n_evaluations "
            "FROM tasks t ORDER BY t.source, t.name")

    def task(self, name: str, source: str) -> dict[str, Any] | None:
        """One task with its protocol and splits decoded, or ``None``."""
        row = self._frame("SELECT * FROM tasks WHERE name = ? AND source = ?", (name, source))
        if row.empty:
            return None
        out = row.iloc[0].to_dict()
        out["protocol"] = json.loads(out["protocol"] or "{}")
        out["splits"] = json.loads(out["splits"]) if out.get("splits") else None
        return out

    def spaces(self) -> pd.DataFrame:
        """Stored spaces with their configuration and evaluation counts."""
        return self._frame(
            "SELECT s.key, s.algorithm, s.task_type, s.version, "
            "(SELECT count(*) FROM configurations c WHERE c.space_id = s.id) AS n_configurations, "
            "(SELECT count(*) FROM evaluations e JOIN configurations c ON e.configuration_id = c.id "
            " WHERE c.space_id = s.id) AS n_evaluations FROM spaces s ORDER BY s.key, s.version")

    def space_definition(self, key: str, version: str | None = None) -> SearchSpace:
        """The stored :class:`SearchSpace` (newest version unless ``version``)."""
        sql = "SELECT definition FROM spaces WHERE key = ?"
        params: tuple[Any, ...] = (key,)
        if version is not None:
            sql += " AND version = ?"
            params += (str(version),)
        row = self._conn.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
        if row is None:
            raise RepositoryError(f"{self.path}: no space {key!r}")
        return SearchSpace.from_dict(json.loads(row[0]))

    def evaluations(self, space: str | None = None, task: str | None = None,
                    source: str | None = None) -> pd.DataFrame:
        """Evaluations in long form with one column per metric (natural orientation).

        Columns: ``task, source, space, version, config_hash, params, fold, repeat,
        n_train, status, fit_time, predict_time, error`` and the metric names.
        """
        where, params = [], []
        if space is not None:
            where.append("s.key = ?")
            params.append(space)
        if task is not None:
            where.append("t.name = ?")
            params.append(task)
        if source is not None:
            where.append("t.source = ?")
            params.append(source)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        base = self._frame(
            "SELECT e.id, t.name AS task, t.source, s.key AS space, s.version, c.hash AS config_hash, "
            "c.params, e.fold, e.repeat, e.n_train, e.status, e.fit_time, e.predict_time, e.error "
            "FROM evaluations e JOIN tasks t ON e.task_id = t.id "
            "JOIN configurations c ON e.configuration_id = c.id JOIN spaces s ON c.space_id = s.id "
            f"{clause} ORDER BY t.source, t.name, s.key, c.id, e.repeat, e.fold, e.n_train",
            tuple(params))
        if base.empty:
            return base.drop(columns="id")
        metrics = self._frame(
            "SELECT m.evaluation_id AS id, m.metric, m.value FROM evaluation_metrics m "
            "WHERE m.evaluation_id IN (SELECT e.id FROM evaluations e JOIN tasks t ON e.task_id = t.id "
            "JOIN configurations c ON e.configuration_id = c.id JOIN spaces s ON c.space_id = s.id "
            f"{clause})", tuple(params))
        if not metrics.empty:
            wide = metrics.pivot(index="id", columns="metric", values="value")
            base = base.join(wide.astype(float), on="id")
        return base.drop(columns="id")

    def done(self, task: str, source: str, space_key: str, version: str) -> set[tuple[str, int, int]]:
        """``(config_hash, fold, repeat)`` of every stored evaluation (any status)."""
        rows = self._conn.execute(
            "SELECT c.hash, e.fold, e.repeat FROM evaluations e JOIN tasks t ON e.task_id = t.id "
            "JOIN configurations c ON e.configuration_id = c.id JOIN spaces s ON c.space_id = s.id "
            "WHERE t.name = ? AND t.source = ? AND s.key = ? AND s.version = ?",
            (task, source, space_key, str(version))).fetchall()
        return {(h, int(f), int(r)) for h, f, r in rows}

    def done_by_size(self, task: str, source: str, space_key: str, version: str
                     ) -> dict[tuple[str, int, int, int], str]:
        """``(config_hash, fold, repeat, n_train) -> status`` of every stored evaluation."""
        rows = self._conn.execute(
            "SELECT c.hash, e.fold, e.repeat, e.n_train, e.status FROM evaluations e "
            "JOIN tasks t ON e.task_id = t.id JOIN configurations c ON e.configuration_id = c.id "
            "JOIN spaces s ON c.space_id = s.id "
            "WHERE t.name = ? AND t.source = ? AND s.key = ? AND s.version = ?",
            (task, source, space_key, str(version))).fetchall()
        return {(h, int(f), int(r), int(n)): st for h, f, r, n, st in rows}

    def has_learning_curves(self) -> bool:
        """Whether some (task, configuration, fold, repeat) is stored at several training
        sizes (cached until the store changes)."""
        key = (self._conn.execute("PRAGMA data_version").fetchone()[0], self._conn.total_changes)
        if getattr(self, "_curves", (None, None))[0] != key:
            found = self._conn.execute(
                "SELECT 1 FROM evaluations GROUP BY task_id, configuration_id, fold, repeat "
                "HAVING count(*) > 1 LIMIT 1").fetchone() is not None
            self._curves = (key, found)
        return bool(self._curves[1])

    def skipped(self) -> pd.DataFrame:
        return self._frame("SELECT name, source, location, reason FROM skipped ORDER BY source, name")

    def metafeatures(self, extractor: str | None = None) -> pd.DataFrame:
        """Long form: ``task, source, extractor, extractor_version, name, value``."""
        sql = ("SELECT t.name AS task, t.source, m.extractor, m.extractor_version, m.name, m.value "
               "FROM metafeatures m JOIN tasks t ON m.task_id = t.id")
        if extractor is not None:
            return self._frame(sql + " WHERE m.extractor = ? ORDER BY t.name, m.name", (extractor,))
        return self._frame(sql + " ORDER BY t.name, m.name")

    # ----------------------------------------------------------------- view
    def view(self, space: str = "lightgbm", task_type: str = "classification",
             metric: str | None = None, metafeatures: str = "metaknow") -> RepositoryView:
        """The task x configuration matrix of one space (or ``"all"``) and one metric.

        Parameters
        ----------
        space : str
            Algorithm name (``"lightgbm"``), a space key (``"lightgbm/classification"``) or
            ``"all"`` (every space of ``task_type``). The newest stored version is used.
        task_type : {"classification", "regression"}
        metric : str, optional
            Defaults to the primary metric (ROC AUC, R²) when stored, else the metric with
            the most evaluations.
        metafeatures : str
            Extractor whose values fill ``view.metafeatures``. When the store has none of
            that extractor for these tasks, the extractor covering most of them is used.

        Returns
        -------
        RepositoryView
            Performance = mean over the ``ok`` evaluations of each (task, configuration)
            at the largest stored training size of each fold (``n_train``),
            negated for losses so that larger is better; ``fit_times`` the mean seconds
            of one fit of those evaluations, ``tasks["n_train"]`` their median training
            size. Task ids are task names
            (``source:name`` when names clash); configuration ids ``algorithm-hash``.
        """
        from metaknow.evaluation import PRIMARY_METRIC, higher_is_better

        if task_type not in ("classification", "regression"):
            raise RepositoryError(f"task_type must be classification or regression, got {task_type!r}")
        spaces = self._frame("SELECT id, key, algorithm, version, definition, default_hash "
                             "FROM spaces WHERE task_type = ? ORDER BY id", (task_type,))
        if space != "all":
            spaces = spaces[(spaces["algorithm"] == space) | (spaces["key"] == space)] \
                if not spaces.empty else spaces
        if spaces.empty:
            known = self._frame("SELECT DISTINCT key FROM spaces")["key"].tolist()
            raise RepositoryError(f"{self.path}: no {task_type} evaluations of space {space!r} "
                                  f"(stored spaces: {', '.join(known) or 'none'})")
        spaces = spaces.groupby("key", sort=False).tail(1)  # newest version per key
        ids = ",".join(str(int(i)) for i in spaces["id"])
        metric_counts = self._frame(
            "SELECT m.metric, count(*) AS n FROM evaluation_metrics m JOIN evaluations e "
            "ON m.evaluation_id = e.id JOIN configurations c ON e.configuration_id = c.id "
            f"WHERE c.space_id IN ({ids}) AND e.status = 'ok' GROUP BY m.metric ORDER BY n DESC")
        available = metric_counts["metric"].tolist() if not metric_counts.empty else []
        if not available:
            raise RepositoryError(f"{self.path}: no successful {task_type} evaluations of "
                                  f"space {space!r}")
        if metric is None:
            metric = PRIMARY_METRIC[task_type] if PRIMARY_METRIC[task_type] in available else available[0]
        elif metric not in available:
            raise RepositoryError(f"metric {metric!r} is not stored for space {space!r}; "
                                  f"stored: {', '.join(available)}")
        # A task evaluated at several training sizes (a learning curve) contributes its
        # largest size only: the full-data performance recommenders learn from.
        top = ("WITH top AS (SELECT task_id, fold, repeat, max(n_train) AS n FROM evaluations "
               "GROUP BY task_id, fold, repeat) ", "JOIN top ON top.task_id = e.task_id AND "
               "top.fold = e.fold AND top.repeat = e.repeat AND top.n = e.n_train ") \
            if self.has_learning_curves() else ("", "")
        long = self._frame(
            f"{top[0]}SELECT e.task_id, e.configuration_id, avg(m.value) AS score, "
            "avg(e.fit_time) AS fit_time, avg(e.n_train) AS n_train FROM evaluations e "
            f"{top[1]}"
            "JOIN evaluation_metrics m ON m.evaluation_id = e.id AND m.metric = ? "
            "JOIN configurations c ON e.configuration_id = c.id "
            f"WHERE c.space_id IN ({ids}) AND e.status = 'ok' AND m.value IS NOT NULL "
            "GROUP BY e.task_id, e.configuration_id", (metric,))
        configs = self._frame(f"SELECT id, space_id, hash, params FROM configurations "
                              f"WHERE space_id IN ({ids})")
        tasks = self._frame(
            "SELECT id, name, source, task_type, target, n_rows, n_features, n_classes, "
            "openml_task_id, openml_dataset_id, content_hash FROM tasks WHERE task_type = ?",
            (task_type,))
        tasks = tasks[tasks["id"].isin(long["task_id"].unique())].copy()
        clash = tasks["name"].duplicated(keep=False)
        tasks["task_id"] = np.where(clash, tasks["source"] + ":" + tasks["name"], tasks["name"])
        space_of = dict(zip(spaces["id"], zip(spaces["key"], spaces["algorithm"])))
        configs["config_id"] = [f"{space_of[s][1]}-{h}" for s, h in zip(configs["space_id"], configs["hash"])]
        task_ids = dict(zip(tasks["id"], tasks["task_id"]))
        config_ids = dict(zip(configs["id"], configs["config_id"]))
        long["task"] = long["task_id"].map(task_ids)
        long["config"] = long["configuration_id"].map(config_ids)
        sign = 1.0 if higher_is_better(metric) else -1.0
        perf = long.pivot(index="task", columns="config", values="score").astype(float) * sign
        perf = perf.sort_index()
        perf = perf[sorted(perf.columns)]
        perf.index.name, perf.columns.name = "task", "config"
        fit_times = long.pivot(index="task", columns="config", values="fit_time").astype(float)
        fit_times = fit_times.reindex(index=perf.index, columns=perf.columns)
        used = set(perf.columns)
        configurations = {cid: (space_of[s][0], json.loads(p)) for cid, s, p in
                          zip(configs["config_id"], configs["space_id"], configs["params"]) if cid in used}
        defaults = {}
        for sid, key, algo, dh in zip(spaces["id"], spaces["key"], spaces["algorithm"],
                                      spaces["default_hash"]):
            cid = f"{algo}-{dh}"
            if dh and cid in used:
                defaults[key] = cid
        task_table = tasks.set_index("task_id").drop(columns=["id"]).loc[perf.index]
        task_table.index.name = "task"
        task_table["n_train"] = long.groupby("task")["n_train"].median().reindex(perf.index)
        mf = self._metafeature_matrix(tasks, metafeatures).reindex(perf.index)
        mf.index.name = "task"
        return RepositoryView(perf, mf, configurations, metric, task_table, defaults, fit_times)

    def _metafeature_matrix(self, tasks: pd.DataFrame, extractor: str) -> pd.DataFrame:
        if tasks.empty:
            return pd.DataFrame()
        ids = ",".join(str(int(i)) for i in tasks["id"])
        cover = self._frame(f"SELECT extractor, count(DISTINCT task_id) AS n FROM metafeatures "
                            f"WHERE task_id IN ({ids}) GROUP BY extractor ORDER BY n DESC")
        if cover.empty:
            return pd.DataFrame(index=tasks["task_id"])
        if extractor not in set(cover["extractor"]):
            extractor = str(cover["extractor"].iloc[0])
        long = self._frame(f"SELECT task_id, name, value FROM metafeatures WHERE extractor = ? "
                           f"AND task_id IN ({ids})", (extractor,))
        wide = long.pivot(index="task_id", columns="name", values="value").astype(float)
        wide.index = wide.index.map(dict(zip(tasks["id"], tasks["task_id"])))
        wide.columns.name = None
        return wide

    # ------------------------------------------------------ info and verify
    def info(self) -> dict[str, Any]:
        """Counts: tasks by type and source, spaces with configurations/evaluations and
        failures by status, meta-feature extractors, skipped datasets, provenance."""
        q = lambda sql, p=(): self._conn.execute(sql, p).fetchall()  # noqa: E731
        tasks = {f"{src}/{tt}": n for src, tt, n in
                 q("SELECT source, task_type, count(*) FROM tasks GROUP BY source, task_type")}
        spaces = []
        for sid, key, version in q("SELECT id, key, version FROM spaces ORDER BY key, version"):
            status = dict(q("SELECT e.status, count(*) FROM evaluations e JOIN configurations c "
                            "ON e.configuration_id = c.id WHERE c.space_id = ? GROUP BY e.status",
                            (sid,)))
            n_tasks = q("SELECT count(DISTINCT e.task_id) FROM evaluations e JOIN configurations c "
                        "ON e.configuration_id = c.id WHERE c.space_id = ?", (sid,))[0][0]
            n_conf = q("SELECT count(*) FROM configurations WHERE space_id = ?", (sid,))[0][0]
            spaces.append({"space": key, "version": version, "tasks": n_tasks,
                           "configurations": n_conf, "evaluations": sum(status.values()),
                           **{s: int(status.get(s, 0)) for s in ("ok", "crash", "timeout", "memout")}})
        extractors = {f"{e} {v}": n for e, v, n in q(
            "SELECT extractor, extractor_version, count(DISTINCT task_id) FROM metafeatures "
            "GROUP BY extractor, extractor_version")}
        last = q("SELECT created_at, what FROM provenance ORDER BY id DESC LIMIT 1")
        return {
            "path": str(self.path),
            "schema_version": self.schema_version,
            "tasks": int(q("SELECT count(*) FROM tasks")[0][0]),
            "tasks_by_source": tasks,
            "spaces": spaces,
            "configurations": int(q("SELECT count(*) FROM configurations")[0][0]),
            "evaluations": int(q("SELECT count(*) FROM evaluations")[0][0]),
            "failures": {s: int(n) for s, n in q("SELECT status, count(*) FROM evaluations "
                                                  "WHERE status != 'ok' GROUP BY status")},
            "metafeatures": extractors,
            "skipped": int(q("SELECT count(*) FROM skipped")[0][0]),
            "last_write": ({"when": last[0][0], "what": last[0][1]} if last else None),
        }

    def verify(self) -> list[str]:
        """Integrity problems (empty list = healthy): SQLite integrity and foreign keys,
        schema version, configurations invalid under their space, evaluations without
        metrics, tasks whose every evaluation failed."""
        problems: list[str] = []
        try:
            rows = self._conn.execute("PRAGMA integrity_check").fetchall()
            if [r[0] for r in rows] != ["ok"]:
                problems += [f"integrity: {r[0]}" for r in rows[:10]]
            fk = self._conn.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                problems.append(f"{len(fk)} row(s) violate foreign keys (first in table {fk[0][0]})")
        except sqlite3.DatabaseError as exc:
            return [f"corrupt: {exc}"]
        if self.schema_version != SCHEMA_VERSION:
            problems.append(f"schema version {self.schema_version}, expected {SCHEMA_VERSION}")
        meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("application") != "metaknow":
            problems.append("meta table does not name the application 'metaknow'")
        for sid, key, definition in self._conn.execute("SELECT id, key, definition FROM spaces").fetchall():
            try:
                space = SearchSpace.from_dict(json.loads(definition))
            except (SpaceError, ValueError) as exc:
                problems.append(f"space {key}: unreadable definition ({exc})")
                continue
            bad = 0
            for (params,) in self._conn.execute("SELECT params FROM configurations WHERE space_id = ?",
                                                (sid,)):
                if not space.is_valid(json.loads(params)):
                    bad += 1
            if bad:
                problems.append(f"space {key}: {bad} configuration(s) invalid under its definition")
        n = self._conn.execute("SELECT count(*) FROM evaluations e WHERE e.status = 'ok' AND NOT EXISTS "
                               "(SELECT 1 FROM evaluation_metrics m WHERE m.evaluation_id = e.id)"
                               ).fetchone()[0]
        if n:
            problems.append(f"{n} successful evaluation(s) have no metric values")
        n = self._conn.execute("SELECT count(*) FROM evaluations e WHERE e.status != 'ok' AND EXISTS "
                               "(SELECT 1 FROM evaluation_metrics m WHERE m.evaluation_id = e.id)"
                               ).fetchone()[0]
        if n:
            problems.append(f"{n} failed evaluation(s) carry metric values")
        dead = self._conn.execute(
            "SELECT t.name FROM tasks t WHERE EXISTS (SELECT 1 FROM evaluations e WHERE e.task_id = t.id) "
            "AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.task_id = t.id AND e.status = 'ok')"
        ).fetchall()
        if dead:
            problems.append(f"{len(dead)} task(s) have only failed evaluations: "
                            + ", ".join(r[0] for r in dead[:5]))
        return problems


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
