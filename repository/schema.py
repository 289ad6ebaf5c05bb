"""The SQLite schema of a metaknow repository and its migrations.

A repository is one SQLite file. ``PRAGMA application_id`` marks it as metaknow's
(so a foreign SQLite file is recognised), ``PRAGMA user_version`` holds the schema
version, mirrored in the ``meta`` table. Opening an older file for writing applies the
missing migrations in one transaction; a newer one is refused.

Tables
------
meta(key, value)
    ``application = metaknow``, ``schema_version``, ``created_at``.
provenance(id, created_at, user, host, what, command, versions, details)
    Who wrote what, when, with which library versions (JSON) and which command.
tasks(id, name, source, task_type, target, n_rows, n_features, n_classes, content_hash,
      openml_task_id, openml_dataset_id, protocol, splits, provenance_id)
    One prior task; ``(name, source)`` unique; ``protocol`` JSON; ``splits`` JSON list of
    the test fold of every row (-1 = unused).
metafeatures(task_id, extractor, name, value, extractor_version)
spaces(id, key, algorithm, task_type, version, definition, default_hash)
    A search-space definition (JSON of ``SearchSpace.to_dict()``) per ``(key, version)``.
configurations(id, space_id, hash, params)
    Canonical JSON parameters, unique per space by ``hash``.
evaluations(id, task_id, configuration_id, fold, repeat, n_train, status, fit_time,
            predict_time, error, provenance_id)
    Unique per ``(task, configuration, fold, repeat, n_train)``; ``fold = -1`` is an
    aggregate over folds (e.g. OpenML's 10-fold CV value). ``n_train`` (version 2) is the
    number of rows the model was fitted on — the evaluation's fidelity; ``0`` = not
    recorded (an imported aggregate, or a task without stored splits). The same
    configuration on the same fold at several training sizes is a learning curve.
evaluation_metrics(evaluation_id, metric, value)
    Metric values in their natural orientation.
skipped(id, name, source, location, reason, provenance_id)
    Datasets a build could not use, with the reason.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "MIGRATIONS", "migrate", "TABLES", "train_sizes"]

#: "MKNW" — identifies a metaknow repository among SQLite files.
APPLICATION_ID = 0x4D4B4E57
SCHEMA_VERSION = 2

TABLES = ("meta", "provenance", "tasks", "metafeatures", "spaces", "configurations",
          "evaluations", "evaluation_metrics", "skipped")

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE provenance (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    user TEXT, host TEXT, what TEXT, command TEXT,
    versions TEXT NOT NULL DEFAULT '{}',
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    task_type TEXT NOT NULL CHECK (task_type IN ('classification', 'regression')),
    target TEXT NOT NULL DEFAULT '',
    n_rows INTEGER, n_features INTEGER, n_classes INTEGER,
    content_hash TEXT,
    openml_task_id INTEGER, openml_dataset_id INTEGER,
    protocol TEXT NOT NULL DEFAULT '{}',
    splits TEXT,
    provenance_id INTEGER REFERENCES provenance(id),
    UNIQUE (name, source)
);
CREATE TABLE metafeatures (
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    extractor TEXT NOT NULL,
    name TEXT NOT NULL,
    value REAL,
    extractor_version TEXT NOT NULL,
    PRIMARY KEY (task_id, extractor, name)
) WITHOUT ROWID;
CREATE TABLE spaces (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    task_type TEXT NOT NULL,
    version TEXT NOT NULL,
    definition TEXT NOT NULL,
    default_hash TEXT,
    UNIQUE (key, version)
);
CREATE TABLE configurations (
    id INTEGER PRIMARY KEY,
    space_id INTEGER NOT NULL REFERENCES spaces(id),
    hash TEXT NOT NULL,
    params TEXT NOT NULL,
    UNIQUE (space_id, hash)
);
CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    configuration_id INTEGER NOT NULL REFERENCES configurations(id),
    fold INTEGER NOT NULL,
    repeat INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('ok', 'crash', 'timeout', 'memout')),
    fit_time REAL, predict_time REAL,
    error TEXT,
    provenance_id INTEGER REFERENCES provenance(id),
    UNIQUE (task_id, configuration_id, fold, repeat)
);
CREATE INDEX evaluations_by_configuration ON evaluations(configuration_id);
CREATE TABLE evaluation_metrics (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (evaluation_id, metric)
) WITHOUT ROWID;
CREATE INDEX metrics_by_name ON evaluation_metrics(metric, evaluation_id);
CREATE TABLE skipped (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    location TEXT,
    reason TEXT NOT NULL,
    provenance_id INTEGER REFERENCES provenance(id),
    UNIQUE (name, source)
);
"""

_V2_TABLES = """
CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    configuration_id INTEGER NOT NULL REFERENCES configurations(id),
    fold INTEGER NOT NULL,
    repeat INTEGER NOT NULL DEFAULT 0,
    n_train INTEGER NOT NULL DEFAULT 0 CHECK (n_train >= 0),
    status TEXT NOT NULL CHECK (status IN ('ok', 'crash', 'timeout', 'memout')),
    fit_time REAL, predict_time REAL,
    error TEXT,
    provenance_id INTEGER REFERENCES provenance(id),
    UNIQUE (task_id, configuration_id, fold, repeat, n_train)
);
CREATE INDEX evaluations_by_configuration ON evaluations(configuration_id);
CREATE TABLE evaluation_metrics (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (evaluation_id, metric)
) WITHOUT ROWID;
CREATE INDEX metrics_by_name ON evaluation_metrics(metric, evaluation_id);
"""


def _script(conn: sqlite3.Connection, sql: str) -> None:
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(statement)


def train_sizes(assignment: list[int], n_rows: int) -> dict[tuple[int, int], int]:
    """``(fold, repeat) -> rows fitted on`` of a stored split assignment (see
    :func:`metaknow.evaluation.splits_to_assignment`): a fold trains on every used row
    of its repeat that is not in its test part."""
    out: dict[tuple[int, int], int] = {}
    if n_rows <= 0 or len(assignment) % n_rows:
        return out
    for repeat in range(len(assignment) // n_rows):
        counts: dict[int, int] = {}
        for v in assignment[repeat * n_rows:(repeat + 1) * n_rows]:
            if v >= 0:
                counts[v] = counts.get(v, 0) + 1
        used = sum(counts.values())
        out.update({(fold, repeat): used - n for fold, n in counts.items()})
    return out


def _to_v2(conn: sqlite3.Connection) -> None:
    """Version 2: evaluations record ``n_train``, the rows the model was fitted on, and
    are unique per (task, configuration, fold, repeat, n_train).

    SQLite cannot change a UNIQUE constraint in place, so both evaluation tables are
    rebuilt (ids kept) inside the migration's transaction; ``n_train`` of the existing
    evaluations is recovered from their task's stored splits (0 where there are none).
    """
    import json

    conn.execute("ALTER TABLE evaluations RENAME TO evaluations_v1")
    conn.execute("ALTER TABLE evaluation_metrics RENAME TO evaluation_metrics_v1")
    conn.execute("DROP INDEX IF EXISTS evaluations_by_configuration")
    conn.execute("DROP INDEX IF EXISTS metrics_by_name")
    _script(conn, _V2_TABLES)
    conn.execute(
        "INSERT INTO evaluations(id, task_id, configuration_id, fold, repeat, n_train, status, "
        "fit_time, predict_time, error, provenance_id) SELECT id, task_id, configuration_id, "
        "fold, repeat, 0, status, fit_time, predict_time, error, provenance_id FROM evaluations_v1")
    conn.execute("INSERT INTO evaluation_metrics(evaluation_id, metric, value) "
                 "SELECT evaluation_id, metric, value FROM evaluation_metrics_v1")
    conn.execute("DROP TABLE evaluation_metrics_v1")
    conn.execute("DROP TABLE evaluations_v1")
    for task_id, n_rows, splits in conn.execute(
            "SELECT id, n_rows, splits FROM tasks WHERE splits IS NOT NULL AND n_rows > 0").fetchall():
        sizes = train_sizes(json.loads(splits), int(n_rows))
        conn.executemany("UPDATE evaluations SET n_train = ? WHERE task_id = ? AND fold = ? "
                         "AND repeat = ?", [(n, task_id, f, r) for (f, r), n in sizes.items()])


#: ``(version it produces, SQL script or callable)``, applied in order.
MIGRATIONS: list[tuple[int, str | Callable[[sqlite3.Connection], None]]] = [
    (1, _V1),
    (2, _to_v2),
]


def migrate(conn: sqlite3.Connection, current: int) -> int:
    """Apply every migration above ``current`` inside the caller's transaction.

    Returns the new schema version.
    """
    version = current
    for target, step in MIGRATIONS:
        if target <= version:
            continue
        if callable(step):
            step(conn)
        else:
            _script(conn, step)
        version = target
    conn.execute(f"PRAGMA user_version = {int(version)}")
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                 (str(version),))
    return version
