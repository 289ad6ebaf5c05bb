"""The fidelity build: holdout plans, learning curves stored with their training sizes,
resume (also from the committed files alone), the lock against a second writer, and
limits carried from a smaller size to the larger ones."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from metaknow.dataset import load_dataset
from metaknow.exceptions import RepositoryError
from repository import export
from repository.builders import fidelity
from repository.store import Store

TASKS = ("credit.a", "housing")  # 690 rows (2 classes), 506 rows (regression)
SIZES = (100, 300)


@pytest.fixture(scope="module")
def manifest(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fidelity") / "manifest.csv"
    with (corpus / "manifest.csv").open(newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [dict(r, file=str(corpus / r["file"])) for r in reader if r["name"] in TASKS]
        fields = reader.fieldnames
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path


def _build(manifest: Path, work: Path, out: Path, **kw):
    return fidelity.build_fidelity({"corpus": manifest}, work, out, n_configs=2, sizes=SIZES,
                                   min_rows=400, log=lambda m: None, **kw)


def test_the_holdout_plan_is_stratified_nested_and_deterministic(corpus: Path) -> None:
    data = load_dataset(corpus / "credit.a.arff.gz", name="credit.a")
    plan = fidelity.holdout_plan(data, sizes=SIZES)
    assert len(plan.test) == round(0.2 * 690) and plan.sizes == (100, 300, 552)
    assert not set(plan.test) & set(plan.order) and len(plan.test) + len(plan.order) == 690
    small, large = plan.train_rows(100), plan.train_rows(300)
    assert set(small) <= set(large)                       # nested
    codes = np.asarray(data.y.cat.codes)
    share = np.bincount(codes) / len(codes)
    assert np.allclose(np.bincount(codes[small]) / 100, share, atol=0.02)   # stratified
    assert np.allclose(np.bincount(codes[plan.test]) / len(plan.test), share, atol=0.02)
    again = fidelity.holdout_plan(data, sizes=SIZES)
    assert np.array_equal(again.order, plan.order) and np.array_equal(again.test, plan.test)
    assert sorted(set(plan.assignment(690))) == [-1, 0]


def test_a_build_stores_learning_curves_and_resumes(manifest: Path, tmp_path: Path) -> None:
    work, out = tmp_path / "work.sqlite", tmp_path / "out"
    counts = _build(manifest, work, out)
    assert counts["evaluated"] == 2 * 3 * 2 and counts["units"] == 6
    with Store.open(work, readonly=True) as store:
        ev = store.evaluations()
        sizes = {t: sorted(set(ev.loc[ev["task"] == t, "n_train"])) for t in TASKS}
        assert sizes == {"credit.a": [100, 300, 552], "housing": [100, 300, 405]}
        assert set(ev["fold"]) == {0} and ev["fit_time"].notna().all()
        assert store.task("credit.a", "fidelity-corpus")["protocol"]["kind"] == "holdout"
    # the committed form: plain CSV, one file per task, rows grouped by size
    lines = (out / "evaluations" / "lightgbm" / "credit.a.csv").read_text().splitlines()
    assert [line.split(",")[4] for line in lines[1:]] == ["100", "100", "300", "300", "552", "552"]
    assert _build(manifest, work, out)["evaluated"] == 0            # a rerun adds nothing
    # a new machine: only the committed files
    fresh = tmp_path / "fresh.sqlite"
    counts = _build(manifest, fresh, out)
    assert counts == {"evaluated": 0, "already_done": 12, "units": 0}
    with Store.open(fresh, readonly=True) as a, Store.open(work, readonly=True) as b:
        cols = ["task", "config_hash", "n_train", "status"]
        assert a.evaluations()[cols].sort_values(cols).values.tolist() == \
            b.evaluations()[cols].sort_values(cols).values.tolist()


def test_a_partial_build_then_the_rest(manifest: Path, tmp_path: Path) -> None:
    work, out = tmp_path / "work.sqlite", tmp_path / "out"
    assert _build(manifest, work, out, sizes_up_to=100)["evaluated"] == 4
    assert _build(manifest, work, out)["evaluated"] == 8


def test_a_second_writer_is_refused(manifest: Path, tmp_path: Path) -> None:
    work = tmp_path / "work.sqlite"
    with fidelity._Lock(work):  # noqa: SLF001 - what a running build holds
        with pytest.raises(RepositoryError, match="another fidelity build .* is writing"):
            _build(manifest, work, tmp_path / "out")
    assert not work.exists()


def test_a_limit_hit_at_a_small_size_is_not_paid_again(manifest: Path, tmp_path: Path) -> None:
    work = tmp_path / "work.sqlite"
    _build(manifest, work, tmp_path / "out", only=["housing"], time_limit=1e-4)
    with Store.open(work, readonly=True) as store:
        ev = store.evaluations()
    assert set(ev["status"]) == {"timeout"}
    first = ev[ev["n_train"] == 100]
    later = ev[ev["n_train"] > 100]
    assert not first["error"].str.startswith("not run").any()
    assert later["error"].str.startswith("not run: a smaller training size").all()


def test_unknown_task_names_are_a_clear_error(manifest: Path, tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="not fidelity tasks .*: nope"):
        _build(manifest, tmp_path / "w.sqlite", tmp_path / "out", only=["nope"])


def test_a_build_killed_at_any_moment_resumes_without_loss(manifest: Path, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    work, out = tmp_path / "work.sqlite", tmp_path / "out"
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "repository.builders.fidelity", "--work", str(work), "--out",
           str(out), "--corpus", str(manifest), "--no-tables", "--n-configs", "2",
           "--sizes", *map(str, SIZES), "--min-rows", "400"]
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    n = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if work.exists():
            try:
                with Store.open(work, readonly=True) as store:
                    n = store.info()["evaluations"]
            except RepositoryError:
                continue
            if n >= 3:
                break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert n >= 3, "the build stored nothing before it was killed"
    counts = _build(manifest, work, out)
    assert counts["already_done"] >= 3
    with Store.open(work, readonly=True) as store:
        assert store.info()["evaluations"] == 12 and store.verify() == []
    records = [r for r in export.read_export(out) if type(r).__name__ == "EvaluationRecord"]
    assert len(records) == 12
