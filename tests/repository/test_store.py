"""The SQLite store: opening errors, transactional ingest, the view, verify, concurrency."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import cli
from metaknow.exceptions import RepositoryError
from metaknow.space import config_hash
from metaknow.spaces import get_space
from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord
from repository.schema import SCHEMA_VERSION
from repository.store import Store

KNN = get_space("knn", "classification")
C1, C2 = KNN.default(), dict(KNN.default(), n_neighbors=9)


def _records(task: str = "t1", metrics1=(0.8, 0.6), metrics2=(0.7, 0.7), fail_second=False):
    yield TaskRecord(task, "test", "classification", "y", 30, 2, 2, "abc", protocol={"n_splits": 2})
    yield SpaceRecord(KNN.key, KNN.version, KNN.to_dict())
    yield MetaFeatureRecord(task, "test", {"n": 30.0, "ratio": 0.5}, "metaknow", "1.0")
    for fold, (a, b) in enumerate(zip(metrics1, metrics2)):
        yield EvaluationRecord(task, "test", KNN.key, KNN.version, C1, fold, 0,
                               {"roc_auc": a, "log_loss": 1 - a})
        status = "crash" if fail_second and fold == 1 else "ok"
        yield EvaluationRecord(task, "test", KNN.key, KNN.version, C2, fold, 0,
                               {} if status == "crash" else {"roc_auc": b, "log_loss": 1 - b},
                               status, error="ValueError: boom" if status == "crash" else None)


def test_round_trip_and_view_known_values(tmp_path: Path) -> None:
    with Store.create(tmp_path / "r.sqlite") as store:
        counts = store.ingest(list(_records("t1")) + list(_records("t2", (0.9, 0.9), (0.5, 0.6), True)),
                              provenance="unit test")
        assert counts == {"tasks": 2, "metafeatures": 2, "spaces": 2, "evaluations": 8}
        view = store.view("knn")
        id1, id2 = f"knn-{config_hash(C1)}", f"knn-{config_hash(C2)}"
        assert view.metric == "roc_auc"
        assert list(view.performance.index) == ["t1", "t2"]
        assert view.performance.loc["t1", id1] == pytest.approx(0.7)     # (0.8 + 0.6) / 2
        assert view.performance.loc["t2", id2] == pytest.approx(0.5)     # crashed fold left out
        assert view.defaults == {KNN.key: id1}
        assert view.configurations[id2] == (KNN.key, C2)
        loss = store.view("knn", metric="log_loss")                       # negated: larger is better
        assert loss.performance.loc["t1", id1] == pytest.approx(-0.3)
        assert view.metafeatures.loc["t2", "ratio"] == 0.5
        assert view.tasks.loc["t1", "n_rows"] == 30
        with pytest.raises(RepositoryError, match="metric 'rmse' is not stored"):
            store.view("knn", metric="rmse")
        with pytest.raises(RepositoryError, match="no classification evaluations of space 'svm'"):
            store.view("svm")
        # re-ingesting updates in place, never duplicates
        store.ingest(_records("t1", (0.5, 0.5)))
        assert store.info()["evaluations"] == 8
        assert store.view("knn").performance.loc["t1", id1] == pytest.approx(0.5)
        assert store.verify() == []
        ev = store.evaluations(space=KNN.key, task="t2")
        assert sorted(ev["status"]) == ["crash", "ok", "ok", "ok"]


def test_ingest_is_all_or_nothing(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "r.sqlite")
    bad = list(_records("t1")) + [EvaluationRecord("nope", "test", KNN.key, KNN.version, C1, 0, 0, {})]
    with pytest.raises(RepositoryError, match="unknown task 'nope'"):
        store.ingest(bad)
    info = store.info()
    assert info["tasks"] == 0 and info["evaluations"] == 0
    with pytest.raises(RepositoryError, match="status must be"):
        store.ingest(list(_records("t1"))[:2] + [
            EvaluationRecord("t1", "test", KNN.key, KNN.version, C1, 0, 0, {}, "weird")])  # type: ignore[arg-type]
    assert store.info()["tasks"] == 0


def test_opening_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="no such repository file"):
        Store.open(tmp_path / "missing.sqlite")
    text = tmp_path / "notes.sqlite"
    text.write_text("hello, not a database")
    with pytest.raises(RepositoryError, match="not an SQLite database"):
        Store.open(text)
    foreign = tmp_path / "foreign.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(RepositoryError, match="foreign SQLite database"):
        Store.open(foreign)
    good = tmp_path / "good.sqlite"
    Store.create(good).close()
    with pytest.raises(RepositoryError, match="already exists"):
        Store.create(good)
    newer = tmp_path / "newer.sqlite"
    Store.create(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(RepositoryError, match="newer than this metaknow supports"):
        Store.open(newer)


def test_corrupted_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    with Store.create(path) as store:
        store.ingest(_records("t1"))
        store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(0)
    data[100:] = rng.integers(0, 256, len(data) - 100, dtype=np.uint8).tobytes()  # keep the magic
    path.write_bytes(bytes(data))
    with pytest.raises(RepositoryError, match="corrupt|foreign|not a metaknow"):
        with Store.open(path) as store:
            store.view("knn")
    code = cli.main(["repository", "info", "--repository", str(path)])
    assert code == 2


def test_verify_reports_invalid_configurations(tmp_path: Path) -> None:
    with Store.create(tmp_path / "r.sqlite") as store:
        store.ingest(list(_records("t1")) + [
            EvaluationRecord("t1", "test", KNN.key, KNN.version, {"n_neighbors": 5000}, 0, 0,
                             {"roc_auc": 0.5})])
        problems = store.verify()
        assert any("1 configuration(s) invalid" in p for p in problems)


def test_verify_reports_metrics_on_failed_evaluations(tmp_path: Path) -> None:
    """A failed evaluation with metric values (what a replaced record could once leave
    behind) is reported; re-ingesting the failure through the store repairs it."""
    with Store.create(tmp_path / "r.sqlite") as store:
        store.ingest(_records("t1", fail_second=True))
        store._conn.execute(
            "INSERT INTO evaluation_metrics(evaluation_id, metric, value) SELECT id, 'roc_auc', 0.5 "
            "FROM evaluations WHERE status = 'crash'")
        store._conn.commit()
        assert store.verify() == ["1 failed evaluation(s) carry metric values"]
        store.ingest(_records("t1", fail_second=True))
        assert store.verify() == []


def test_reader_sees_only_whole_transactions_during_a_write(tmp_path: Path) -> None:
    """A writer process ingests 12 batches of 400 evaluations; a reader polling meanwhile
    always sees a whole number of batches and is never blocked."""
    path = tmp_path / "r.sqlite"
    with Store.create(path) as store:
        store.ingest(list(_records("t0"))[:2])
    writer = textwrap.dedent(f"""
        from repository.store import Store
        from repository.records import EvaluationRecord, TaskRecord
        from metaknow.spaces import get_space
        space = get_space("knn", "classification")
        store = Store.open({str(path)!r})
        for b in range(12):
            recs = [TaskRecord(f"w{{b}}", "test", "classification")]
            recs += [EvaluationRecord(f"w{{b}}", "test", space.key, space.version,
                                      dict(space.default(), n_neighbors=1 + i % 90), i, 0,
                                      {{"roc_auc": 0.5}}) for i in range(400)]
            store.ingest(recs)
    """)
    proc = subprocess.Popen([sys.executable, "-c", writer])
    seen = set()
    with Store.open(path, readonly=True) as reader:
        while proc.poll() is None:
            n = reader._conn.execute("SELECT count(*) FROM evaluations").fetchone()[0]
            assert n % 400 == 0
            seen.add(n)
            time.sleep(0.01)
        assert proc.wait() == 0
        assert reader._conn.execute("SELECT count(*) FROM evaluations").fetchone()[0] == 4800
    assert len(seen) >= 1


def test_cli_info_and_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.sqlite"
    with Store.create(path) as store:
        store.ingest(_records("t1", fail_second=True))
    assert cli.main(["repository", "info", "--repository", str(path), "--format", "json"]) == 0
    import json

    info = json.loads(capsys.readouterr().out)
    assert info["evaluations"] == 4 and info["failures"] == {"crash": 1}
    assert info["spaces"][0]["space"] == "knn/classification" and info["spaces"][0]["crash"] == 1
    assert cli.main(["repository", "info", "--repository", str(path)]) == 0
    assert "knn/classification" in capsys.readouterr().out
    assert cli.main(["repository", "verify", "--repository", str(path)]) == 0
    assert "ok (schema version" in capsys.readouterr().out
    assert cli.main(["repository", "verify", "--repository", str(tmp_path / "none.sqlite")]) == 2
    assert "neither a repository file nor a known repository name" in capsys.readouterr().err


def test_cli_export_writes_the_compact_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from repository import export

    path = tmp_path / "r.sqlite"
    with Store.create(path) as store:
        store.ingest(_records("t1", fail_second=True))
    out = tmp_path / "exported"
    assert cli.main(["repository", "export", "--repository", str(path), "--to", str(out)]) == 0
    assert "exported 1 (space, task) pair file(s)" in capsys.readouterr().out
    assert (out / "evaluations" / "knn" / "t1.csv.gz").is_file()
    copy = export.materialise(out, tmp_path / "copy.sqlite")
    assert copy.info()["evaluations"] == 4 and copy.info()["failures"] == {"crash": 1}
    crashed = copy.evaluations()
    assert crashed.loc[crashed["status"] == "crash", "error"].tolist() == ["ValueError: boom"]
    assert cli.main(["repository", "build"]) == 2
    assert "name the datasets" in capsys.readouterr().err


def test_a_tampered_export_is_refused_by_name(tmp_path: Path) -> None:
    """Reading an export checks each stored configuration against its hash once, and every
    evaluation row against the stored configurations: a mismatch is a one-line error."""
    import gzip
    import json
    import shutil

    from repository import export

    with Store.create(tmp_path / "r.sqlite") as store:
        store.ingest(_records("t1"))
        export.export_store(store, tmp_path / "good")
    space_file = tmp_path / "good" / "spaces" / "knn-classification.json"
    pair_file = tmp_path / "good" / "evaluations" / "knn" / "t1.csv.gz"
    assert len(list(export.read_export(tmp_path / "good"))) == 7  # space, task, mf, 4 evals

    shutil.copytree(tmp_path / "good", tmp_path / "edited")
    doc = json.loads(space_file.read_text())
    doc["configurations"][config_hash(C2)]["n_neighbors"] = 11
    (tmp_path / "edited" / "spaces" / space_file.name).write_text(json.dumps(doc))
    with pytest.raises(RepositoryError, match=f"configuration {config_hash(C2)} does not hash to its key"):
        list(export.read_export(tmp_path / "edited"))

    shutil.copytree(tmp_path / "good", tmp_path / "stray")
    text = gzip.decompress(pair_file.read_bytes()).decode().replace(config_hash(C2), "0123456789abcdef")
    (tmp_path / "stray" / "evaluations" / "knn" / pair_file.name).write_bytes(gzip.compress(text.encode()))
    with pytest.raises(RepositoryError, match=r"t1.csv.gz: configuration 0123456789abcdef is not in spaces/"):
        export.materialise(tmp_path / "stray", tmp_path / "stray.sqlite")
    assert not (tmp_path / "stray.sqlite").exists()


def test_cli_build_rejects_unknown_space_without_creating_a_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,y\n1,p\n2,q\n3,p\n4,q\n")
    store = tmp_path / "new.sqlite"
    assert cli.main(["repository", "build", str(data), "--store", str(store),
                     "--spaces", "nonsense"]) == 2
    assert "unknown space 'nonsense'" in capsys.readouterr().err
    assert not store.exists()


def test_forget_failed_deletes_only_failures_of_the_named_spaces(tmp_path: Path) -> None:
    with Store.create(tmp_path / "r.sqlite") as store:
        store.ingest(list(_records("t1", fail_second=True)) + list(_records("t2", fail_second=True)))
        assert store.forget_failed(["lightgbm/classification"]) == 0
        assert store.info()["evaluations"] == 8
        assert store.forget_failed([KNN.key]) == 2          # one crashed fold per task
        ev = store.evaluations(space=KNN.key)
        assert len(ev) == 6 and set(ev["status"]) == {"ok"}
        assert store.verify() == []
        # the crashed fold is missing again, so a build would run it
        assert (config_hash(C2), 1, 0) not in store.done("t1", "test", KNN.key, KNN.version)
        with pytest.raises(RepositoryError, match="not failure statuses: ok"):
            store.forget_failed(statuses=["ok"])
