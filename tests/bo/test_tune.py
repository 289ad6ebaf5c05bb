"""metaknow.tune on a real dataset: trials are scored exactly as the repository scores them."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metaknow.bo.priors import priors_from_view, similarities_from_distances
from metaknow.dataset import load_dataset
from metaknow.evaluation import Protocol, evaluate, make_splits
from metaknow.exceptions import SpaceError, TuneError
from metaknow.spaces import get_space
from metaknow.tune import tune
from repository.view import RepositoryView

WARM = [{"n_estimators": 20, "learning_rate": 0.1, "num_leaves": 8, "min_child_samples": 20,
         "subsample": 1.0, "colsample_bytree": 1.0, "reg_alpha": 1e-8, "reg_lambda": 1e-8,
         "max_bin": 63}]


def test_tune_scores_trials_like_the_repository(tmp_path: Path) -> None:
    result = tune("sklearn:breast_cancer", budget=4, warm_start_configs=WARM, cv=3, seed=0,
                  out=tmp_path)
    dataset = load_dataset("sklearn:breast_cancer")
    first, second = result.run_history[0], result.run_history[1]
    # the library default is always the first trial (the baseline), then the warm start
    assert first.origin == "default" and first.config == get_space(
        "lightgbm", "classification").default()
    assert second.origin == "warm_start" and second.config["n_estimators"] == 20
    folds = evaluate("lightgbm", first.config, dataset, make_splits(dataset, Protocol(3, seed=0)))
    assert [f.metrics["roc_auc"] for f in folds] == [-c for c in first.fold_costs]
    assert first.fold_scores[0] == folds[0].metrics
    # result
    assert result.metric == "roc_auc" and 0.9 < result.best_score <= 1.0
    assert get_space("lightgbm", "classification").validate(result.best_config)
    frame = result.history
    assert len(frame) == 4 and {"score", "best_score", "status", "origin"} <= set(frame.columns)
    assert frame["best_score"].iloc[-1] == pytest.approx(result.best_score)
    assert set(result.model.predict(dataset.X.iloc[:5])) <= set(dataset.classes)
    assert (tmp_path / "best_config.json").exists() and (tmp_path / "run.json").exists()


def test_tune_resumes_and_refuses_a_different_run(tmp_path: Path) -> None:
    tune("sklearn:breast_cancer", budget=3, warm_start=0, cv=3, out=tmp_path, refit=False)
    again = tune("sklearn:breast_cancer", budget=5, warm_start=0, cv=3, out=tmp_path, refit=False)
    assert list(again.history["trial"]) == [0, 1, 2, 3, 4]
    with pytest.raises(TuneError, match="different run"):
        tune("sklearn:breast_cancer", budget=5, warm_start=0, cv=3, out=tmp_path, seed=1)


def test_regression_and_lower_is_better_metric() -> None:
    result = tune("sklearn:diabetes", budget=3, warm_start=0, cv=3, metric="rmse", refit=False)
    assert result.metric == "rmse" and 30 < result.best_score < 100
    assert result.history["score"].min() >= result.best_score - 1e-12  # rmse: smaller is best


@pytest.mark.parametrize("kwargs, error, message", [
    ({"budget": 0}, TuneError, "positive number of trials"),
    ({"budget": -1}, TuneError, "positive number of trials"),
    ({"metric": "f1"}, TuneError, "unknown classification metric"),
    ({"space": "nope"}, SpaceError, "unknown space"),
    ({"warm_start_configs": [{"num_leaves": 10**6}]}, TuneError, "warm-start configuration 1"),
])
def test_bad_input(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        tune("sklearn:iris", **{"budget": 2, "warm_start": 0, **kwargs})


def test_priors_from_a_repository_view() -> None:
    space = get_space("lightgbm", "classification")
    configs = space.design(4, seed=0)
    ids = [f"c{i}" for i in range(4)]
    perf = pd.DataFrame([[0.9, 0.8, np.nan, 0.7], [0.6, 0.65, 0.7, 0.5]], index=["t1", "t2"],
                        columns=ids)
    view = RepositoryView(perf, pd.DataFrame(index=["t1", "t2"]),
                          {i: (space.key, c) for i, c in zip(ids, configs)}, "roc_auc")
    priors = priors_from_view(view, space, ["t1", "t2", "absent"], [0.9, 0.4, 1.0])
    assert priors is not None and len(priors.y) == 7  # the NaN and the unknown task are skipped
    assert priors.y[0] == -0.9 and list(priors.similarity[:3]) == [0.9, 0.9, 0.9]
    np.testing.assert_allclose(priors.X[0], space.to_vector(configs[0]))
    sims = similarities_from_distances([0.0, 1.0, 2.0])
    assert sims[0] == 1.0 and sims[1] == pytest.approx(math.exp(-1.0)) and sims[2] < sims[1]


def test_warm_start_from_the_recommender_with_priors_in_parallel() -> None:
    result = tune("sklearn:breast_cancer", budget=4, warm_start=2, cv=3, use_priors=True,
                  n_jobs=2, refit=False)
    if any(note.startswith("no warm start") for note in result.notes):
        pytest.skip(f"recommender unavailable here: {result.notes[0]}")
    origins = list(result.history.sort_values("trial")["origin"])
    # budget 4: the default and one warm-start configuration take half of it
    assert origins[:2] == ["default", "warm_start"]
    assert any(note.startswith("warm start capped at 1 of 2") for note in result.notes)
    assert list(result.history["trial"]) == [0, 1, 2, 3]
    assert any(note.startswith("priors") for note in result.notes)
