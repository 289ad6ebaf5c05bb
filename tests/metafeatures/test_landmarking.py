"""The landmarking group: known answers, tasks and data shapes, failures, pymfe."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import StratifiedKFold

from metafeatures.context import DatasetContext
from metafeatures.landmarking import GROUP, LANDMARKERS, Landmarker, compute
from metafeatures.learners.evaluation import cv_folds
from metafeatures.registry import MetaFeatureWarning, get_group
from metaknow.dataset import load_dataset

CLASSIFICATION = [n for lm in LANDMARKERS if lm.task == "classification" for n in lm.output_names()]
REGRESSION = [n for lm in LANDMARKERS if lm.task == "regression" for n in lm.output_names()]


def ctx_of(X: pd.DataFrame, y, task: str = "classification", seed: int = 0) -> DatasetContext:
    return DatasetContext(load_dataset((X, pd.Series(y)), task=task), seed=seed)


def separable(n: int = 60) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.repeat(["a", "b"], n // 2)
    X = pd.DataFrame({"signal": np.where(y == "a", 0.0, 10.0) + rng.uniform(size=n),
                      "noise": rng.normal(size=n)})
    return X, y


def test_group_is_registered_with_definitions_for_every_output() -> None:
    group = get_group("landmarking")
    assert group is GROUP and group.expensive
    assert list(group.definitions) == CLASSIFICATION[:0] + [n for lm in LANDMARKERS
                                                           for n in lm.output_names()]
    assert all(group.definitions[n] for n in group.definitions)
    assert "DecisionStumpAUC" in group.openml and "CfsSubsetEval_kNN1NKappa" in group.openml
    assert "LinearDiscriminantAUC" not in group.openml


def test_perfectly_separable_feature_gives_zero_error() -> None:
    X, y = separable()
    out = compute(ctx_of(X, y))
    for name in ("DecisionStump", "kNN1N", "NaiveBayes", "J48.001.", "BestNode",
                 "LinearDiscriminant", "J48Cf00001", "REPTreeMaxDepth1"):
        assert out[name + "ErrRate"] == 0.0, name
        assert out[name + "Kappa"] == 1.0, name
        assert out[name + "AUC"] == 1.0, name
    assert all(math.isnan(out[n]) for n in REGRESSION)


def test_all_categorical_table() -> None:
    rng = np.random.default_rng(1)
    colour = rng.choice(["red", "green", "blue"], size=90)
    y = np.where(colour == "red", "yes", "no")
    X = pd.DataFrame({"colour": pd.Categorical(colour),
                      "shape": pd.Categorical(rng.choice(["o", "x"], size=90))})
    out = compute(ctx_of(X, y))
    assert out["DecisionStumpErrRate"] == 0.0
    assert out["NaiveBayesErrRate"] == 0.0
    assert out["kNN1NErrRate"] == 0.0
    assert all(np.isfinite(out[n]) for n in CLASSIFICATION)


def test_single_feature_and_missing_values_in_every_row() -> None:
    rng = np.random.default_rng(2)
    n = 80
    y = rng.choice(["a", "b", "c"], size=n)
    x = rng.normal(size=n) + (y == "a")
    cat = rng.choice(["u", "v"], size=n).astype(object)
    # every row has a missing value: dropping incomplete rows would leave nothing
    x[::2] = np.nan
    cat[1::2] = None
    one = compute(ctx_of(pd.DataFrame({"x": x}), y))
    two = compute(ctx_of(pd.DataFrame({"x": x, "c": cat}), y))
    for out in (one, two):
        assert all(np.isfinite(out[n]) for n in CLASSIFICATION)


def test_regression_landmarkers() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(size=200)
    X = pd.DataFrame({"x": x, "noise": rng.normal(size=200)})
    out = compute(ctx_of(X, 3 * x + 1, task="regression"))
    assert out["LinearRegressionR2"] == pytest.approx(1.0)
    assert out["LinearRegressionRMSE"] == pytest.approx(0.0, abs=1e-9)
    step = compute(ctx_of(X, np.where(x > 0.5, 5.0, -5.0), task="regression"))
    assert step["RegDecisionStumpR2"] == pytest.approx(1.0)
    assert all(np.isfinite(out[n]) for n in REGRESSION)
    assert all(math.isnan(out[n]) for n in CLASSIFICATION)


def test_failing_learner_gives_nan_and_a_warning() -> None:
    class Broken:
        def fit(self, *args):
            raise ValueError("boom")

    bad = Landmarker("Broken", lambda seed: Broken(), "classification", 2, "always fails")
    X, y = separable()
    with pytest.warns(MetaFeatureWarning, match="Broken"):
        out = compute(ctx_of(X, y), [bad, LANDMARKERS[0]])
    assert all(math.isnan(out["Broken" + s]) for s in ("AUC", "ErrRate", "Kappa"))
    assert out["DecisionStumpErrRate"] == 0.0


def test_seeded_and_deterministic() -> None:
    rng = np.random.default_rng(4)
    X = pd.DataFrame(rng.normal(size=(150, 4)), columns=list("abcd"))
    y = np.where(X["a"] + rng.normal(size=150) > 0, "p", "q")
    first = compute(ctx_of(X, y, seed=7))
    second = compute(ctx_of(X, y, seed=7))
    assert first == pytest.approx(second, nan_ok=True)


def test_rows_above_the_cap_are_subsampled() -> None:
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"x": rng.normal(size=400)})
    y = np.where(X["x"] > 0, "a", "b")
    capped = compute(ctx_of(X, y), LANDMARKERS[:1], max_rows=100)
    assert capped["DecisionStumpErrRate"] <= 0.05


# -- agreement with pymfe where the definitions coincide ---------------------------------
def _pymfe_accuracy(feature: str, X: np.ndarray, y: np.ndarray, folds) -> float:
    from pymfe.landmarking import MFELandmarking
    from sklearn.metrics import accuracy_score

    splitter = StratifiedKFold(n_splits=len(folds), shuffle=True, random_state=0)
    per_fold = getattr(MFELandmarking, feature)(N=X, y=y, score=accuracy_score, skf=splitter,
                                                random_state=0)
    sizes = np.array([len(test) for _, test in folds])
    return float(np.sum(per_fold * sizes) / sizes.sum())


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer"])
def test_best_node_and_lda_agree_with_pymfe(name: str) -> None:
    ds = load_dataset(f"sklearn:{name}")
    ctx = DatasetContext(ds, seed=0)
    y = np.asarray(ds.y.cat.codes)
    folds = cv_folds(y, 10, 0, stratified=True)
    lms = [lm for lm in LANDMARKERS if lm.name in ("BestNode", "LinearDiscriminant")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = compute(ctx, lms)
    X = ds.X.to_numpy()
    assert 1 - out["BestNodeErrRate"] == pytest.approx(_pymfe_accuracy("ft_best_node", X, y, folds))
    # pymfe's LDA uses the SVD solver, ours least squares: same rule up to rounding
    assert 1 - out["LinearDiscriminantErrRate"] == pytest.approx(
        _pymfe_accuracy("ft_linear_discr", X, y, folds), abs=2 / len(y))


def test_random_node_on_one_attribute_agrees_with_pymfe() -> None:
    ds = load_dataset("sklearn:iris")
    X = ds.X[["petal length (cm)"]]
    ctx = ctx_of(X, ds.y.astype(str).to_numpy())
    y = np.asarray(ctx.y_codes)
    folds = cv_folds(y, 10, 0, stratified=True)
    out = compute(ctx, [lm for lm in LANDMARKERS if lm.name == "RandomNode"])
    assert 1 - out["RandomNodeErrRate"] == pytest.approx(
        _pymfe_accuracy("ft_random_node", X.to_numpy(), y, folds))


def test_small_classes_need_fewer_folds_not_a_failure() -> None:
    # no class has 10 members: the 10-fold landmarkers fall back to fewer folds
    X = pd.DataFrame({"x": np.arange(9.0)})
    y = np.array(["a", "a", "a", "b", "b", "c", "c", "d", "d"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetaFeatureWarning)
        out = compute(ctx_of(X, y))
    assert all(np.isfinite(out[n]) for n in CLASSIFICATION)
