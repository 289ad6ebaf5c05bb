"""The local builder on real corpus datasets: rows, skips, resume, SIGKILL, dask, export."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from metaknow.evaluation import Protocol
from repository import export
from repository.builders.local import DatasetEntry, LocalBuilder, collect_datasets
from metaknow.space import config_hash
from repository.store import Store

PROTOCOL = Protocol(n_splits=2, seed=0, max_rows=60, time_limit=120)
SPACES = ["lightgbm", "knn"]
N_CONFIGS = 3
# 3 classification + 1 regression dataset, 2 spaces, 3 configurations, 2 folds
EXPECTED_ROWS = 4 * 2 * 3 * 2
KEY = ["task", "space", "config_hash", "fold", "repeat"]


def _build(path: Path, manifest: Path, **kw) -> tuple[Store, object]:
    store = Store.create(path, exist_ok=True)
    builder = LocalBuilder(store, PROTOCOL, source="corpus", progress=False, **kw)
    summary = builder.build(collect_datasets([manifest]), SPACES, N_CONFIGS)
    return store, summary


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    cols = KEY + ["status", "accuracy", "roc_auc", "log_loss", "rmse", "r2"]
    out = frame[[c for c in cols if c in frame.columns]].sort_values(KEY).reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def reference(small_manifest: Path, tmp_path_factory: pytest.TempPathFactory):
    """One uninterrupted local build (2 worker processes) shared by the tests below."""
    return _build(tmp_path_factory.mktemp("ref") / "ref.sqlite", small_manifest, n_jobs=2)


def test_build_fills_rows_skips_malformed_and_resumes(small_manifest: Path, tmp_path: Path,
                                                      reference) -> None:
    store, summary = reference
    info = store.info()
    assert info["evaluations"] == EXPECTED_ROWS == summary.evaluated
    assert info["tasks"] == 4
    assert summary.skipped.keys() == {"broken"}
    skipped = store.skipped()
    assert skipped["name"].tolist() == ["broken"] and "broken.arff" in skipped["reason"].iloc[0]
    ev = store.evaluations()
    assert not ev.duplicated(KEY).any()
    assert set(ev.loc[ev["status"] == "ok", "space"]) == {"lightgbm/classification", "knn/classification",
                                                          "lightgbm/regression", "knn/regression"}
    # every ok classification fold has all four metrics, regression both of its own
    ok = ev[ev["status"] == "ok"]
    assert ok.loc[ok["space"].str.endswith("classification"), ["accuracy", "balanced_accuracy",
                                                               "roc_auc"]].notna().all().all()
    assert ok.loc[ok["space"].str.endswith("regression"), ["rmse", "r2"]].notna().all().all()
    # the stored splits reproduce the protocol
    task = store.task("prnn_cushings", "corpus")
    assert task["protocol"]["n_splits"] == 2 and len(task["splits"]) == task["n_rows"]
    # a rerun finds everything done
    again = LocalBuilder(store, PROTOCOL, source="corpus", progress=False).build(
        collect_datasets([small_manifest]), SPACES, N_CONFIGS)
    assert again.evaluated == 0 and again.already_done == EXPECTED_ROWS
    assert store.info()["evaluations"] == EXPECTED_ROWS
    # finished pairs are not even read again: a vanished file of a finished task is no skip
    moved = [dataclasses.replace(e, path=tmp_path / "gone.arff") if e.name != "broken" else e
             for e in collect_datasets([small_manifest])]
    again = LocalBuilder(store, PROTOCOL, source="corpus", progress=False).build(
        moved, SPACES, N_CONFIGS)
    assert again.evaluated == 0 and again.skipped.keys() == {"broken"}
    # export -> materialise round trip, byte-stable export
    out1, out2 = tmp_path / "e1", tmp_path / "e2"
    assert export.export_store(store, out1) == 8
    export.export_store(store, out2)
    assert export.folder_hash(out1) == export.folder_hash(out2)
    copy = export.materialise(out1, tmp_path / "copy.sqlite")
    pd.testing.assert_frame_equal(_comparable(copy.evaluations()), _comparable(ev), check_exact=False,
                                  rtol=1e-9)
    assert copy.skipped()["name"].tolist() == ["broken"]
    with pytest.raises(Exception, match="another store|protocol"):
        LocalBuilder(store, Protocol(n_splits=3, max_rows=60), source="corpus", progress=False).build(
            collect_datasets([small_manifest]), ["knn"], N_CONFIGS)


def test_retry_failed_runs_failed_evaluations_again(small_manifest: Path, tmp_path: Path,
                                                   reference) -> None:
    """A failure stored by an earlier build (here: written as a crash) is kept on a plain
    resume and replaced by a real evaluation with ``retry_failed``."""
    from metaknow.spaces import get_space
    from repository.records import EvaluationRecord

    ref_store, _ = reference
    ev = ref_store.evaluations(space="knn/classification")
    row = ev.iloc[0]
    store, _ = _build(tmp_path / "b.sqlite", small_manifest)
    space = get_space("knn", "classification")
    config = next(c for c in space.design(N_CONFIGS, seed=0) if config_hash(c) == row["config_hash"])
    store.ingest([EvaluationRecord(row["task"], "corpus", space.key, space.version, config,
                                   int(row["fold"]), int(row["repeat"]), {}, "crash",
                                   error="worker process died (signal SIGTERM)")])
    plain = LocalBuilder(store, PROTOCOL, source="corpus", progress=False).build(
        collect_datasets([small_manifest]), SPACES, N_CONFIGS)
    assert plain.evaluated == 0
    retried = LocalBuilder(store, PROTOCOL, source="corpus", progress=False,
                           retry_failed=True).build(collect_datasets([small_manifest]), SPACES,
                                                    N_CONFIGS)
    assert retried.evaluated == 1 and retried.failures == {}
    pd.testing.assert_frame_equal(_comparable(store.evaluations()),
                                  _comparable(ref_store.evaluations()), check_exact=False, rtol=1e-9)


def _cli_build(store: Path, manifest: Path) -> list[str]:
    return [sys.executable, "-c", "import sys, cli; sys.exit(cli.main(sys.argv[1:]))",
            "repository", "build", str(manifest), "--store", str(store), "--spaces", *SPACES,
            "--n-configs", str(N_CONFIGS), "--folds", "2", "--max-rows", "60",
            "--time-limit", "120", "--source", "corpus", "--no-progress"]


def _count(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with Store.open(path, readonly=True) as s:
            return int(s._conn.execute("SELECT count(*) FROM evaluations").fetchone()[0])
    except Exception:
        return 0


def test_sigkill_then_resume_equals_uninterrupted(small_manifest: Path, tmp_path: Path,
                                                  reference) -> None:
    expected = _comparable(reference[0].evaluations())
    path = tmp_path / "killed.sqlite"
    proc = subprocess.Popen(_cli_build(path, small_manifest), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2])
    deadline = time.monotonic() + 300
    while _count(path) < 6 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = _count(path)
    assert 0 < at_kill < EXPECTED_ROWS, "the build must be interrupted mid-way"
    resumed = subprocess.run(_cli_build(path, small_manifest), capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parents[2])
    assert resumed.returncode == 0, resumed.stderr
    assert f"({at_kill} already stored)" in resumed.stdout
    with Store.open(path, readonly=True) as store:
        got = _comparable(store.evaluations())
        assert store.verify() == []
    assert len(got) == EXPECTED_ROWS
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9)


def test_dask_cluster_gives_the_local_results(small_manifest: Path, tmp_path: Path,
                                              reference) -> None:
    from distributed import LocalCluster

    ref_store = reference[0]
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                      dashboard_address=None) as cluster:
        store, summary = _build(tmp_path / "dask.sqlite", small_manifest,
                                scheduler=cluster.scheduler_address)
    assert summary.evaluated == EXPECTED_ROWS
    pd.testing.assert_frame_equal(_comparable(store.evaluations()),
                                  _comparable(ref_store.evaluations()), check_exact=False, rtol=1e-9)


def test_collect_datasets_errors(tmp_path: Path) -> None:
    from metaknow.exceptions import RepositoryError

    with pytest.raises(RepositoryError, match="no such file or folder"):
        collect_datasets([tmp_path / "nothing"])
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.csv").write_text("x,y\n1,2\n")
    with pytest.raises(RepositoryError, match="two datasets are named 'a'"):
        collect_datasets([tmp_path / "a.csv", tmp_path / "sub"])


def test_a_fold_over_the_time_limit_ends_its_configuration(tmp_path: Path) -> None:
    """A configuration whose first fold hits the time limit is not run on the later folds:
    they are stored as timeouts that name the fold, without fit time; a fast configuration
    on the same task runs every fold."""
    import numpy as np

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(4000, 20)), columns=[f"f{i}" for i in range(20)])
    X["class"] = np.where(X["f0"] + rng.normal(size=4000) > 0, "a", "b")
    X.to_csv(tmp_path / "wide.csv", index=False)
    wide = [DatasetEntry("wide", tmp_path / "wide.csv", "classification", "class")]
    store = Store.create(tmp_path / "t.sqlite")
    slow = Protocol(n_splits=3, seed=0, time_limit=0.05)  # default LightGBM needs more CPU
    LocalBuilder(store, slow, progress=False).build(wide, ["lightgbm"], 1)
    ev = store.evaluations().sort_values("fold")
    assert ev["fold"].tolist() == [0, 1, 2] and set(ev["status"]) == {"timeout"}
    assert "time limit" in ev["error"].iloc[0] and not ev["error"].iloc[0].startswith("not run")
    assert ev["error"].iloc[1:].tolist() == [
        "not run: fold 0 (repeat 0) of this configuration hit the time limit"] * 2
    assert (ev["fit_time"].iloc[1:] == 0).all()
    # the stored timeouts make the pair complete: a resume runs nothing
    again = LocalBuilder(store, slow, progress=False).build(wide, ["lightgbm"], 1)
    assert again.evaluated == 0 and again.already_done == 3
    # with room to run, the same configuration is evaluated on every fold
    roomy = LocalBuilder(store, dataclasses.replace(slow, time_limit=120), progress=False,
                         retry_failed=True)
    roomy.build(wide, ["lightgbm"], 1)
    assert store.evaluations()["status"].tolist() == ["ok"] * 3
