"""Successive halving over training rows: rungs, the promotion rule, the recorded cost,
and ``tune(fidelity="rows")`` end to end (the top rung scores as the ordinary loop does)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaknow.bo.history import Trial
from metaknow.bo.runner import Outcome, SerialRunner
from metaknow.bo.successive_halving import (RungRunner, SuccessiveHalving, nested_order,
                                            rung_sizes)
from metaknow.dataset import load_dataset
from metaknow.evaluation import Protocol, evaluate, make_splits
from metaknow.exceptions import TuneError
from metaknow.tune import tune


def test_rung_sizes() -> None:
    assert rung_sizes(7200) == [2400, 7200]
    assert rung_sizes(100_000) == [3704, 11112, 33334, 100_000]        # at most four rungs
    assert rung_sizes(1500) == [1500]                                   # small data: one rung
    assert rung_sizes(1000, eta=2, min_rows=100) == [125, 250, 500, 1000]


def test_nested_order_is_stratified_in_every_prefix() -> None:
    codes = np.array([0] * 900 + [1] * 90 + [2] * 10)
    order = nested_order(codes, np.arange(1000), np.random.default_rng(0))
    assert sorted(order) == list(range(1000))
    assert set(codes[order[:3]]) == {0, 1, 2}                           # every class first
    for n in (100, 500):
        assert np.allclose(np.bincount(codes[order[:n]], minlength=3) / n, [0.9, 0.09, 0.01],
                           atol=0.02)


def _history(costs_at_rung0: list[float]) -> list[Trial]:
    return [Trial(i, {}, [c], c, "raced", 1.0, "model", "", [{"rung": 0, "cost": c}])
            for i, c in enumerate(costs_at_rung0)]


def test_promotion_keeps_the_best_third_of_each_rung() -> None:
    assert not SuccessiveHalving([], n_rungs=3).should_stop([5.0], None)  # the first climbs
    sh = SuccessiveHalving(_history([1, 2, 3, 4, 5, 6]), n_rungs=3)
    assert not sh.should_stop([2.5], None)   # 2 better of 7: within the best ceil(7/3) = 3
    assert sh.should_stop([3.5], None)       # 3 better: out
    assert not sh.should_stop([9.0, 9.0, 9.0], None)  # the top rung is never cut
    with pytest.raises(ValueError):
        SuccessiveHalving([], n_rungs=2, eta=1)


def test_the_recorded_cost_is_the_highest_rung_reached() -> None:
    class Fixed(SerialRunner):
        def __init__(self, outcomes):
            super().__init__()
            self._done = outcomes

    inner = Fixed([("a", Outcome([0.5, 0.3], "ok", 1.0)), ("b", Outcome([0.9], "raced", 1.0)),
                   ("c", Outcome([], "timeout", 1.0, "slow"))])
    got = dict(RungRunner(inner, n_rungs=2).poll())
    assert (got["a"].fold_costs, got["a"].status) == ([0.3], "ok")
    assert (got["b"].fold_costs, got["b"].status) == ([0.9], "raced")
    assert (got["c"].fold_costs, got["c"].status) == ([], "timeout")


def test_tune_with_row_fidelity(tmp_path) -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7500, 6))
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    frame["y"] = np.where(X[:, 0] - X[:, 1] * X[:, 2] + rng.normal(size=len(X)) > 0, "p", "n")
    result = tune(frame, target="y", budget=6, cv=3, warm_start=0, seed=0, refit=False,
                  fidelity="rows", out=tmp_path)
    assert any("rungs of 1667, 5000 rows" in n for n in result.notes)
    hist = list(result.run_history)
    assert len(hist) == 6 and hist[0].status == "ok"
    for t in hist:
        rungs = [s["rung"] for s in t.fold_scores]
        assert rungs == ([0, 1] if t.status == "ok" else [0])
        assert t.cost == pytest.approx(t.fold_scores[-1]["cost"])
    # the top rung is the ordinary evaluation: all training rows of every fold
    best = result.run_history.incumbent()
    data = load_dataset(frame, target="y")
    folds = evaluate("lightgbm", best.config, data, make_splits(data, Protocol(3, seed=0)))
    assert best.cost == pytest.approx(-np.mean([f.metrics["roc_auc"] for f in folds]))
    with pytest.raises(TuneError, match="different run"):  # fidelity is part of the run
        tune(frame, target="y", budget=7, cv=3, warm_start=0, seed=0, refit=False, out=tmp_path)
    with pytest.raises(TuneError, match="unknown fidelity 'epochs'"):
        tune(frame, target="y", budget=2, fidelity="epochs")
