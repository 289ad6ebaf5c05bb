"""Every shipped search space: library defaults, designs, encodings, conditions, fits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from threadpoolctl import threadpool_limits

from metaknow import load_dataset
from metaknow.space import config_hash
from metaknow.spaces import get_algorithm, get_space, make_pipeline, space_names
from metaknow.spaces.pipeline import split_config

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
CORPUS = SHARED / "data" / "corpus"

SPACES = [(name, task) for task in ("classification", "regression") for name in space_names(task)]
EXPECTED = {"lightgbm", "random_forest", "extra_trees", "hist_gradient_boosting",
            "logistic_regression", "svm", "knn"}


def _reference(name: str, task: str):
    """The library's own default estimator, built directly."""
    import lightgbm as lgb
    from sklearn import ensemble, linear_model, neighbors, svm

    cls = task == "classification"
    return {
        "lightgbm": lgb.LGBMClassifier if cls else lgb.LGBMRegressor,
        "random_forest": ensemble.RandomForestClassifier if cls else ensemble.RandomForestRegressor,
        "extra_trees": ensemble.ExtraTreesClassifier if cls else ensemble.ExtraTreesRegressor,
        "hist_gradient_boosting": (ensemble.HistGradientBoostingClassifier if cls
                                   else ensemble.HistGradientBoostingRegressor),
        "logistic_regression": linear_model.LogisticRegression,
        "ridge": linear_model.Ridge,
        "svm": svm.SVC if cls else svm.SVR,
        "knn": neighbors.KNeighborsClassifier if cls else neighbors.KNeighborsRegressor,
    }[name]()


def test_registry_ships_the_required_spaces() -> None:
    assert EXPECTED <= set(space_names("classification"))
    assert EXPECTED - {"logistic_regression"} <= set(space_names("regression"))
    assert "ridge" in space_names("regression")


@pytest.mark.parametrize("name,task", [s for s in SPACES if s[0] != "adaboost"])
def test_default_reproduces_the_library_default(name: str, task: str) -> None:
    space = get_space(name, task)
    _, model_cfg = split_config(space.default())
    model = get_algorithm(name).make_model(model_cfg, task, 0)
    if name == "knn":  # a wrapper that caps k at the training rows around the library model
        model = model.library_model()
    ours, ref = model.get_params(), _reference(name, task).get_params()
    ignore = {"random_state", "n_jobs", "verbosity", "verbose"}
    # LightGBM takes core parameters as extra keyword arguments; its documented defaults:
    core_defaults = {"max_bin": 255}
    ref = {**core_defaults, **ref} if name == "lightgbm" else ref
    diff = {k: (ours.get(k), ref.get(k)) for k in set(ours) | set(ref)
            if k not in ignore and ours.get(k) != ref.get(k)}
    assert diff == {}


def test_adaboost_default_is_sklearns_default_boosting_of_stumps() -> None:
    from sklearn.ensemble import AdaBoostClassifier

    space = get_space("adaboost", "classification")
    _, model_cfg = split_config(space.default())
    ours = get_algorithm("adaboost").make_model(model_cfg, "classification", 0)
    ref = AdaBoostClassifier()
    assert (ours.n_estimators, ours.learning_rate) == (ref.n_estimators, ref.learning_rate)
    # sklearn's default base estimator is a depth-1 decision tree (a stump)
    base = ours.get_params().get("estimator")
    assert ref.estimator is None and base is not None and base.get_params()["max_depth"] == 1


def test_forest_default_imputer_is_simpleimputers_default() -> None:
    from sklearn.impute import SimpleImputer

    for name in ("random_forest", "extra_trees"):
        assert get_space(name, "classification").default()["imputer_strategy"] == \
            SimpleImputer().strategy


def test_random_forest_holds_openml_flow_6969_configurations() -> None:
    space = get_space("random_forest", "classification")
    rng = np.random.default_rng(0)
    for _ in range(50):  # the ranges of van Rijn & Hutter's RF space
        cfg = {"imputer_strategy": str(rng.choice(["mean", "median", "most_frequent"])),
               "bootstrap": bool(rng.integers(2)), "criterion": str(rng.choice(["gini", "entropy"])),
               "max_features_kind": "fraction", "max_features": float(rng.uniform(0.1, 0.9)),
               "min_samples_leaf": int(rng.integers(1, 21)),
               "min_samples_split": int(rng.integers(2, 21))}
        assert space.validate(cfg) == cfg
    assert space.fixed["n_estimators"] == 100
    sqrt = dict(space.default())
    assert sqrt["max_features_kind"] == "sqrt" and "max_features" not in sqrt


@pytest.mark.parametrize("name,task", SPACES)
def test_design_is_valid_distinct_and_starts_with_default(name: str, task: str) -> None:
    space = get_space(name, task)
    design = space.design(64, seed=0)
    assert design[0] == space.default()
    assert len({config_hash(c) for c in design}) == len(design) == 64
    for cfg in design:
        assert space.validate(cfg) == cfg
        assert set(cfg) == set(space.active(cfg))  # never an inactive value
    assert space.design(64, seed=0) == design


@pytest.mark.parametrize("name,task", SPACES)
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_vector_round_trip_and_no_inactive_values(name: str, task: str, seed: int) -> None:
    space = get_space(name, task)
    cfg = space.sample(np.random.default_rng(seed), 1)[0]
    assert space.validate(cfg) == cfg
    vec = space.to_vector(cfg)
    back = space.from_vector(vec)
    assert back.keys() == cfg.keys()
    for k, v in cfg.items():
        assert back[k] == pytest.approx(v) if isinstance(v, float) else back[k] == v
    inactive = [p.name for p in space.params if p.name not in space.active(cfg)]
    for pname in inactive:
        assert np.isnan(vec[space.names.index(pname)])


def test_svm_conditions() -> None:
    space = get_space("svm", "classification")
    for cfg in space.design(64, seed=1):
        assert ("degree" in cfg) == (cfg["kernel"] == "poly")
        assert ("gamma_kind" in cfg) == (cfg["kernel"] != "linear")
        assert ("gamma" in cfg) == (cfg.get("gamma_kind") == "value")
        assert ("coef0" in cfg) == (cfg["kernel"] in ("poly", "sigmoid"))


def _messy(task: str) -> object:
    """A real corpus dataset with categoricals and missing values (or a generated one)."""
    name = "colic" if task == "classification" else "autoprice"
    path = CORPUS / f"{name}.arff.gz"
    if path.exists():
        ds = load_dataset(path, task=task)
        if ds.categorical_columns and ds.X.isna().any().any():
            return ds.subsample(150, seed=0)
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=120), "c": pd.Categorical(rng.choice(["u", "v", None], 120))})
    X.loc[::5, "a"] = np.nan
    y = rng.normal(size=120) if task == "regression" else np.where(rng.random(120) > 0.5, "p", "q")
    return load_dataset((X, pd.Series(y)), task=task)


@pytest.mark.parametrize("name,task", SPACES)
def test_default_fits_and_predicts_with_categoricals_and_missing(name: str, task: str) -> None:
    ds = _messy(task)
    assert ds.categorical_columns and ds.X.isna().any().any()
    for cfg in (get_space(name, task).default(), get_space(name, task).design(3, seed=2)[-1]):
        pipe = make_pipeline(get_algorithm(name), cfg, task, ds.numeric_columns,
                             ds.categorical_columns, seed=0)
        with threadpool_limits(limits=1):  # no OpenMP oversubscription on a busy CI box
            pipe.fit(ds.X, ds.y)
            pred = pipe.predict(ds.X)
        assert len(pred) == ds.n_rows
        if task == "regression":
            assert np.isfinite(np.asarray(pred, float)).all()
