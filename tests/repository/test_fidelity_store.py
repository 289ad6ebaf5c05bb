"""Schema version 2: evaluations record their training size (``n_train``).

A store created at version 1 is migrated when opened for writing (training sizes
recovered from the stored splits, nothing lost); an export written before ``n_train``
existed imports unchanged; a learning curve (one configuration at several sizes)
round-trips through the store and the export, and the view uses each fold's largest size.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest

from metaknow.exceptions import RepositoryError
from metaknow.space import canonical_json, config_hash
from metaknow.spaces import get_space
from repository import export
from repository.records import EvaluationRecord, SpaceRecord, TaskRecord
from repository.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, train_sizes
from repository.store import Store

KNN = get_space("knn", "classification")
C1, C2 = KNN.default(), dict(KNN.default(), n_neighbors=9)
# 10 rows, 2 folds: rows 0-4 test fold 0, rows 5-8 test fold 1, row 9 unused
SPLITS = [0, 0, 0, 0, 0, 1, 1, 1, 1, -1]


def _v1_store(path: Path) -> None:
    """A store exactly as metaknow wrote it at schema version 1 (no n_train)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    version, script = MIGRATIONS[0]
    assert version == 1 and isinstance(script, str)
    conn.executescript(script)
    conn.execute("PRAGMA user_version = 1")
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [("application", "metaknow"),
                                                       ("schema_version", "1")])
    conn.execute("INSERT INTO tasks(id, name, source, task_type, n_rows, splits) VALUES "
                 "(1, 't', 'test', 'classification', 10, ?)", (json.dumps(SPLITS),))
    conn.execute("INSERT INTO tasks(id, name, source, task_type, n_rows) VALUES "
                 "(2, 'imported', 'openml', 'classification', 100)")
    conn.execute("INSERT INTO spaces(id, key, algorithm, task_type, version, definition) "
                 "VALUES (1, ?, 'knn', 'classification', ?, ?)",
                 (KNN.key, str(KNN.version), json.dumps(KNN.to_dict())))
    conn.execute("INSERT INTO configurations VALUES (1, 1, ?, ?)", (config_hash(C1), canonical_json(C1)))
    rows = [(1, 1, 1, 0, "ok", 0.8), (2, 1, 1, 1, "ok", 0.6), (3, 2, 1, -1, "ok", 0.9)]
    for eid, task, cfg, fold, status, auc in rows:
        conn.execute("INSERT INTO evaluations(id, task_id, configuration_id, fold, repeat, status, "
                     "fit_time) VALUES (?, ?, ?, ?, 0, ?, 0.5)", (eid, task, cfg, fold, status))
        conn.execute("INSERT INTO evaluation_metrics VALUES (?, 'roc_auc', ?)", (eid, auc))
    conn.close()


def test_train_sizes_of_a_stored_assignment() -> None:
    assert train_sizes(SPLITS, 10) == {(0, 0): 4, (1, 0): 5}
    assert train_sizes(SPLITS + [1, 0] * 5, 10) == {(0, 0): 4, (1, 0): 5, (1, 1): 5, (0, 1): 5}
    assert train_sizes(SPLITS, 7) == {}  # does not fit: unknown, not a wrong guess


def test_a_version_1_store_migrates_when_opened_for_writing(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _v1_store(path)
    with pytest.raises(RepositoryError, match="schema version 1 needs migrating to 2"):
        Store.open(path, readonly=True)
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 2
        ev = store.evaluations().sort_values(["task", "fold"])
        assert list(zip(ev["task"], ev["fold"], ev["n_train"], ev["roc_auc"])) == [
            ("imported", -1, 0, 0.9), ("t", 0, 4, 0.8), ("t", 1, 5, 0.6)]
        assert list(ev["fit_time"]) == [0.5, 0.5, 0.5]
        assert store.verify() == []
        assert store.view("knn").performance.loc["t"].iloc[0] == pytest.approx(0.7)
        # the rebuilt tables keep their constraints: ingest updates in place
        store.ingest([EvaluationRecord("t", "test", KNN.key, KNN.version, C1, 0, 0, {"roc_auc": 0.1})])
        assert len(store.evaluations()) == 3
        meta = dict(store._conn.execute("SELECT key, value FROM meta").fetchall())  # noqa: SLF001
        assert meta["schema_version"] == "2"
    with Store.open(path, readonly=True) as store:  # migrated once; now read-only is fine
        assert store.schema_version == 2


def _curve(task: str = "big") -> list:
    """One task, two configurations, holdout fold 0 at training sizes 3 and 6."""
    out: list = [TaskRecord(task, "fid", "classification", "y", 10, 2, 2, "h",
                            protocol={"kind": "holdout"}, splits=tuple([0] * 4 + [-1] * 6)),
                 SpaceRecord(KNN.key, KNN.version, KNN.to_dict())]
    for n, (a, b) in ((3, (0.6, 0.7)), (6, (0.8, 0.75))):
        out.append(EvaluationRecord(task, "fid", KNN.key, KNN.version, C1, 0, 0, {"roc_auc": a},
                                    fit_time=0.01 * n, n_train=n))
        out.append(EvaluationRecord(task, "fid", KNN.key, KNN.version, C2, 0, 0, {"roc_auc": b},
                                    fit_time=0.02 * n, n_train=n))
    return out


def test_a_learning_curve_round_trips_through_store_and_export(tmp_path: Path) -> None:
    with Store.create(tmp_path / "a.sqlite") as store:
        store.ingest(_curve())
        ev = store.evaluations()
        assert sorted(zip(ev["n_train"], ev["roc_auc"])) == [(3, 0.6), (3, 0.7), (6, 0.75), (6, 0.8)]
        view = store.view("knn")  # the largest size only: C1 wins at 6 rows
        assert view.performance.loc["big", f"knn-{config_hash(C1)}"] == pytest.approx(0.8)
        assert view.performance.loc["big", f"knn-{config_hash(C2)}"] == pytest.approx(0.75)
        plain = export.export_pair(store, KNN.key, "big", "fid", tmp_path / "x", compress=False)
        export.export_pair(store, KNN.key, "big", "fid", tmp_path / "y")
    lines = plain.read_text().splitlines()
    assert lines[0].startswith("config_hash,space_version,fold,repeat,n_train,status")
    assert [line.split(",")[4] for line in lines[1:]] == ["3", "3", "6", "6"]  # grows by size
    for folder in ("x", "y"):
        with Store.create(tmp_path / f"{folder}.sqlite") as back:
            back.ingest(export.read_export(tmp_path / folder))
            ev = back.evaluations()
            assert sorted(zip(ev["n_train"], ev["roc_auc"], ev["fit_time"])) == [
                (3, 0.6, 0.03), (3, 0.7, 0.06), (6, 0.75, 0.12), (6, 0.8, 0.06)]


def test_a_kfold_export_has_no_n_train_column_and_old_exports_import(tmp_path: Path) -> None:
    task = TaskRecord("t", "test", "classification", "y", 10, 2, 2, "h",
                      protocol={"n_splits": 2}, splits=tuple(SPLITS))
    recs = [task, SpaceRecord(KNN.key, KNN.version, KNN.to_dict())] + [
        EvaluationRecord("t", "test", KNN.key, KNN.version, C1, f, 0, {"roc_auc": v})
        for f, v in ((0, 0.8), (1, 0.6))]
    with Store.create(tmp_path / "a.sqlite") as store:
        store.ingest(recs)
        assert sorted(store.evaluations()["n_train"]) == [4, 5]  # derived from the splits
        path = export.export_pair(store, KNN.key, "t", "test", tmp_path / "out")
    header = gzip.decompress(path.read_bytes()).decode().splitlines()[0]
    # exactly the version-1 layout, so an unchanged pair keeps its bytes
    assert header == ("config_hash,space_version,fold,repeat,status,fit_time,predict_time,"
                      "roc_auc,error")
    with Store.create(tmp_path / "b.sqlite") as back:
        back.ingest(export.read_export(tmp_path / "out"))
        ev = back.evaluations()
        assert sorted(zip(ev["fold"], ev["n_train"], ev["roc_auc"])) == [(0, 4, 0.8), (1, 5, 0.6)]


def test_a_negative_training_size_is_refused(tmp_path: Path) -> None:
    with Store.create(tmp_path / "a.sqlite") as store:
        bad = _curve()[:2] + [EvaluationRecord("big", "fid", KNN.key, KNN.version, C1, 0, 0,
                                               {"roc_auc": 0.5}, n_train=-3)]
        with pytest.raises(RepositoryError, match="n_train must be >= 0"):
            store.ingest(bad)
        assert store.info()["evaluations"] == 0
