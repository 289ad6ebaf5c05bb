"""``tune(wall_time=T)``: the run ends on time, a trial running at the deadline is stopped
by its sandbox worker and not recorded, and a resumed run goes on from what finished.

Timing bounds are generous (the machine may be busy): they check that the run does not
wait for a trial that would take minutes, not that it ends to the second.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cli
from metaknow.bo.deadline import Deadline
from metaknow.dataset import load_dataset
from metaknow.evaluation import evaluate_fold
from metaknow.exceptions import TuneError
from metaknow.spaces import get_space
from metaknow.tune import tune

QUICK = {"n_estimators": 10, "learning_rate": 0.3, "num_leaves": 4, "min_child_samples": 20,
         "subsample": 1.0, "colsample_bytree": 1.0, "reg_alpha": 1e-8, "reg_lambda": 1e-8,
         "max_bin": 63}
#: Minutes per fold on the data below (1024 deep trees at a tiny learning rate).
SLOW = {"n_estimators": 1024, "learning_rate": 0.005, "num_leaves": 256, "min_child_samples": 2,
        "subsample": 1.0, "colsample_bytree": 1.0, "reg_alpha": 1e-8, "reg_lambda": 1e-8,
        "max_bin": 511}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 20))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(scale=0.5, size=len(X)) > 0)
    out = pd.DataFrame(X, columns=[f"x{i}" for i in range(20)])
    out["y"] = np.where(y, "a", "b")
    return out


def test_a_fold_past_the_deadline_is_stopped_not_timed_out(frame: pd.DataFrame) -> None:
    data = load_dataset(frame, target="y")
    rows = np.arange(len(frame))
    start = time.time()
    r = evaluate_fold("lightgbm", SLOW, data, rows[:16000], rows[16000:], deadline=time.time() + 3)
    assert r.status == "stopped" and "deadline" in (r.error or "")
    assert time.time() - start < 30  # the load may be slow; the fit is not waited for
    late = evaluate_fold("lightgbm", QUICK, data, rows[:100], rows[100:200], deadline=time.time() - 1)
    assert late.status == "stopped" and late.error.startswith("not started")


def test_the_run_ends_on_time_and_records_only_finished_trials(frame: pd.DataFrame,
                                                             tmp_path: Path) -> None:
    wall = 15.0
    start = time.monotonic()
    result = tune(frame, target="y", budget=None, wall_time=wall, cv=3, seed=0, refit=False,
                  warm_start_configs=[QUICK, SLOW, QUICK | {"num_leaves": 8}], out=tmp_path)
    elapsed = time.monotonic() - start
    assert elapsed < 1.1 * wall + 15, elapsed      # SLOW alone would take minutes
    statuses = [t.status for t in result.run_history]
    assert statuses and "stopped" not in statuses
    # trial 0 is the library default (tune's baseline), then the warm start in order
    assert [t.config for t in result.run_history][1:2] == [QUICK]
    # the default is evaluated on every fold; QUICK may be raced off (worse than it)
    assert result.run_history[0].status == "ok" and result.run_history[1].status in ("ok", "raced")
    assert all(t.config != SLOW for t in result.run_history)  # cut at the deadline, dropped
    lines = (tmp_path / "history.jsonl").read_text().splitlines()
    assert len(lines) == len(result.run_history)   # what finished is on disk
    # resuming with a trial cap: the finished trials stay, the stopped one runs again
    again = tune(frame, target="y", budget=len(lines) + 1, wall_time=wall, cv=3, seed=0,
                 refit=False, out=tmp_path)
    assert [t.config for t in again.run_history][: len(lines)] == \
        [json.loads(line)["config"] for line in lines]


def test_budget_and_wall_time_together_stop_at_the_first(tmp_path: Path) -> None:
    start = time.monotonic()
    result = tune("sklearn:breast_cancer", budget=3, wall_time=600, cv=3, warm_start=0,
                  refit=False)
    assert len(result.run_history) == 3 and time.monotonic() - start < 300


def test_refit_is_skipped_with_a_note_when_it_would_overrun() -> None:
    from metaknow.bo.history import Trial
    from metaknow.tune import _refit_fits

    deadline = Deadline(10.0)
    quick = Trial(0, QUICK, [0.1, 0.1, 0.1], 0.1, "ok", 0.3, "initial")
    slow = Trial(1, QUICK, [0.1, 0.1, 0.1], 0.1, "ok", 300.0, "initial")
    assert _refit_fits(quick, 3, deadline) and not _refit_fits(slow, 3, deadline)


@pytest.mark.parametrize("value", [0, -5, float("nan"), "ten", True])
def test_a_bad_wall_time_is_a_one_line_error(value: object) -> None:
    with pytest.raises(TuneError, match="wall time must be a positive number of seconds"):
        tune("sklearn:iris", budget=2, wall_time=value, warm_start=0)  # type: ignore[arg-type]


def test_cli_wall_time_errors_and_cap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["tune", "sklearn:iris", "--wall-time", "-3", "--no-progress",
                     "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["metaknow tune: error: --wall-time must be positive, got -3"]
    assert cli.main(["tune", "sklearn:iris", "--wall-time", "300", "--budget", "2", "--cv", "3",
                     "--warm-start", "0", "--no-progress", "--format", "json",
                     "--out", str(tmp_path / "b")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_trials"] == 2
