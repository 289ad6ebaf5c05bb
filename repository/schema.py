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
evaluations(id, task_id, configuration_id, fold, repeat, status, fit_time, predict_time,
            error, provenance_id)
    Unique per ``(task, configuration, fold, repeat)``; ``fold = -1`` is an aggregate
    over folds (e.g. OpenML's 10-fold CV value).
evaluation_metrics(evaluation_id, metric, value)
    Metric values in their natural orientation.
skipped(id, name, source, location, reason, provenance_id)
    Datasets a build could not use, with the reason.
"""

from __future__ import annotations

import sqlite3
from typing import Callable

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "MIGRATIONS", "migrate", "TABLES"]

#: "MKNW" — identifies a metaknow repository among SQLite files.
APPLICATION_ID = 0x4D4B4E57
SCHEMA_VERSION = 1

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

#: ``(version it produces, SQL script or callable)``, applied in order.
MIGRATIONS: list[tuple[int, str | Callable[[sqlite3.Connection], None]]] = [
    (1, _V1),
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
            for statement in step.split(";"):
                if statement.strip():
                    conn.execute(statement)
        version = target
    conn.execute(f"PRAGMA user_version = {int(version)}")
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                 (str(version),))
    return version
