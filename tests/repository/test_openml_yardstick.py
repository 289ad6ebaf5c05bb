"""The OpenML yardstick benchmark's pieces, on a hand-made view and a tiny local dataset."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from metaknow.benchmarking import openml_yardstick as ys
from metaknow.spaces import get_space
from repository.view import RepositoryView

SPACE = get_space("random_forest", "classification")
QUALITIES = ["NumberOfInstances", "NumberOfFeatures", "NumberOfClasses",
             "NumberOfMissingValues", "NumberOfSymbolicFeatures", "ClassEntropy"]


def _view() -> RepositoryView:
    """Three OpenML-like tasks; task 'iris' has iris's shape, the others are far from it."""
    configs = {f"rf-{i}": ("random_forest/classification", c)
               for i, c in enumerate(SPACE.sample(np.random.default_rng(0), 6))}
    ids = list(configs)
    perf = pd.DataFrame(np.nan, index=["iris", "near", "far"], columns=ids)
    perf.loc["iris", ids[:2]] = [0.90, 0.96]
    perf.loc["near", ids[2:4]] = [0.70, 0.80]  # best on 'near': rf-3
    perf.loc["far", ids[4:]] = [0.60, 0.50]    # best on 'far': rf-4
    mf = pd.DataFrame([[150, 5, 3, 0, 1, 1.585], [160, 5, 3, 0, 1, 1.5],
                       [5000, 40, 2, 10, 20, 0.2]], index=perf.index, columns=QUALITIES)
    tasks = pd.DataFrame({"name": perf.index, "openml_task_id": [61, 62, 63]}, index=perf.index)
    return RepositoryView(perf, mf, configs, "accuracy", tasks)


@pytest.mark.parametrize("value, expected", [(0.5, 50.0), (0.0, 0.0), (1.0, 100.0),
                                             (0.25, 25.0), (0.3, 31.25)])
def test_percentile_counts_ties_half(value, expected):
    population = np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9])
    assert ys.percentile(value, population) == pytest.approx(expected)


def test_nearest_l1_takes_the_best_configuration_of_the_nearest_tasks():
    view = _view()
    rest = view.without_tasks(["iris"])
    assert ys.nearest_l1(rest, view.metafeatures.loc["iris"], k=2) == ["rf-3", "rf-4"]


def test_match_corpus_by_shape(tmp_path):
    pd.DataFrame({"name": ["iris", "other"], "file": ["iris.csv", "o.csv"],
                  "task": ["classification", "classification"], "target": ["class", "y"],
                  "n_rows": [150, 160], "n_features": [4, 4], "n_categorical": [0, 1],
                  "n_missing_cells": [0, 0], "n_classes": [3, 3]}).to_csv(
        tmp_path / "manifest.csv", index=False)
    m = ys.match_corpus(_view(), tmp_path)
    # 'near' has 160 rows like 'other' but 'other' has a categorical feature: no match.
    assert m[["task", "dataset", "openml_task_id"]].values.tolist() == [["iris", "iris", 61]]


def test_run_yardstick_evaluates_every_method_and_resumes(tmp_path):
    X, y = load_iris(return_X_y=True, as_frame=True)
    frame = X.assign(species=y.map(dict(enumerate(["setosa", "versicolor", "virginica"]))))
    frame.to_csv(tmp_path / "iris.csv", index=False)
    matches = pd.DataFrame([{"task": "iris", "openml_task_id": 61, "dataset": "iris",
                             "file": str(tmp_path / "iris.csv"), "target": "species",
                             "n_rows": 150}])
    out = tmp_path / "results.csv"
    res = ys.run_yardstick(_view(), matches, tmp_path, "average_rank", out, folds=2, k=2)
    counts = res.groupby("method").size().to_dict()
    assert counts == {"average_rank": 2, "nearest_l1": 2, "sklearn_default": 1, "random": 2,
                      "openml_best": 1, "openml_median": 1}
    # A finished task is recognised from its rows alone (no strategy refitted on a resume).
    assert set(zip(res["method"], res["rank"])) == ys.expected_rows("average_rank", k=2)
    assert res["accuracy"].between(0.8, 1.0).all()  # iris is easy for any forest
    # The OpenML population of 'iris' is {0.90, 0.96}: percentiles follow from accuracy.
    for acc, pct in zip(res["accuracy"], res["percentile"]):
        assert pct == pytest.approx(ys.percentile(acc, np.array([0.90, 0.96])))
    again = ys.run_yardstick(_view(), matches, tmp_path, "average_rank", out, folds=2, k=2)
    assert len(again) == len(res)  # nothing re-evaluated
    summary, per_task = ys.summarise(again)
    assert set(summary["method"]) == set(counts)
    md = ys.markdown(summary, per_task, "average_rank", argparse.Namespace(folds=2))
    assert "| iris |" in md


def test_load_task_data_finds_the_openml_target_by_its_class_profile(tmp_path):
    """As with profb: the file's last column is not the OpenML task's target."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=30),
                          "side": ["home"] * 18 + ["away"] * 12,
                          "flag": ["yes"] * 5 + [None] * 25})
    file = tmp_path / "t.csv"
    frame.to_csv(file, index=False)
    q = pd.Series({"NumberOfClasses": 2.0, "MajorityClassSize": 18.0, "MinorityClassSize": 12.0})
    data = ys.load_task_data(str(file), "flag", q)
    assert data.target == "side" and data.n_rows == 30
    with pytest.raises(Exception, match="OpenML task's classes"):
        ys.load_task_data(str(file), "flag", q.replace(18.0, 17.0))


def test_calibration_references_are_the_tasks_own_best_and_median_runs():
    view = _view()
    got = ys.candidates(view, "near", ["average_rank", "portfolio"], k=2)
    assert set(got) == {"average_rank", "portfolio", "nearest_l1", "sklearn_default", "random",
                        "openml_best", "openml_median"}
    # 'near' scored rf-2 0.70 and rf-3 0.80: best rf-3, median (lower middle) rf-2
    assert got["openml_best"] == [view.configurations["rf-3"][1]]
    assert got["openml_median"] == [view.configurations["rf-2"][1]]
    # the recommenders never see the held-out task: none of its runs is proposed
    own = [view.configurations[c][1] for c in ("rf-2", "rf-3")]
    assert not any(c in own for m in ("average_rank", "portfolio") for c in got[m])
