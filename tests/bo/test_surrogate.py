"""The random-forest surrogate: mean and law-of-total-variance uncertainty, inactive values."""

from __future__ import annotations

import numpy as np
import pytest

from metaknow.bo.surrogate import (PriorObservations, RandomForestSurrogate, impute_inactive,
                                   log_scale_costs)


def _reference_moments(model: RandomForestSurrogate, X_train: np.ndarray, y: np.ndarray,
                       x: np.ndarray) -> tuple[float, float]:
    """Law of total variance written out with plain loops over trees and training rows."""
    forest = model.forest_
    Xt = impute_inactive(X_train)
    xi = impute_inactive(x[None, :])
    means, variances = [], []
    for t, tree in enumerate(forest.estimators_):
        rows = forest.estimators_samples_[t] if forest.bootstrap else np.arange(len(y))
        leaf = tree.apply(xi.astype(np.float32))[0]
        in_leaf = [y[r] for r in rows if tree.apply(Xt[r:r + 1].astype(np.float32))[0] == leaf]
        means.append(np.mean(in_leaf))
        variances.append(np.var(in_leaf))
    m = np.mean(means)
    return float(m), float(np.mean(np.array(variances) + np.array(means) ** 2) - m ** 2)


@pytest.mark.parametrize("bootstrap", [False, True])
def test_variance_is_law_of_total_variance_on_a_tiny_forest(bootstrap: bool) -> None:
    rng = np.random.default_rng(1)
    X = rng.random((12, 2))
    y = np.sin(5 * X[:, 0]) + X[:, 1]
    model = RandomForestSurrogate(3, min_samples_leaf=3, log_costs=False, bootstrap=bootstrap,
                                  seed=0).fit(X, y)
    queries = rng.random((5, 2))
    mean, var = model.predict(queries)
    for q, m, v in zip(queries, mean, var):
        ref_m, ref_v = _reference_moments(model, X, y, q)
        assert m == pytest.approx(ref_m, abs=1e-12)
        assert v == pytest.approx(ref_v, abs=1e-12)
    # the mean is scikit-learn's own forest prediction
    np.testing.assert_allclose(mean, model.forest_.predict(queries), atol=1e-12)
    assert np.any(var > 0)


def test_trees_split_on_inactive() -> None:
    # y depends only on whether the second parameter is active
    X = np.array([[0.1, np.nan], [0.5, np.nan], [0.9, np.nan], [0.2, 0.5], [0.6, 0.1], [0.8, 0.9]])
    y = np.array([1.0, 1.0, 1.0, 5.0, 5.0, 5.0])
    model = RandomForestSurrogate(5, log_costs=False, bootstrap=False, seed=0).fit(X, y)
    mean, var = model.predict(np.array([[0.3, np.nan], [0.3, 0.3]]))
    np.testing.assert_allclose(mean, [1.0, 5.0])
    np.testing.assert_allclose(var, [0.0, 0.0], atol=1e-12)


def test_log_scale_is_monotone_and_finite() -> None:
    y = np.array([3.0, 1.0, 2.0, 10.0, 1.0])
    z = log_scale_costs(y)
    assert np.all(np.isfinite(z))
    assert list(np.argsort(z, kind="stable")) == list(np.argsort(y, kind="stable"))
    assert z.max() == pytest.approx(0.0)  # the worst cost maps to log(1)


def test_priors_join_with_a_similarity_input_and_fade() -> None:
    rng = np.random.default_rng(0)
    X = rng.random((6, 2))
    y = X[:, 0]
    px = rng.random((30, 2))
    priors = PriorObservations(px, 100 + 50 * px[:, 0], np.array(["a"] * 30), np.full(30, 0.8),
                               fade_after=10)
    model = RandomForestSurrogate(10, log_costs=False, seed=0).fit(X, y, priors=priors)
    assert model.uses_priors_ and model.forest_.n_features_in_ == 3
    mean, _ = model.predict(np.array([[0.05, 0.5], [0.95, 0.5]]))
    assert mean[0] < mean[1]  # the prior task's trend carries over (after standardisation)
    faded = RandomForestSurrogate(10, log_costs=False, seed=0).fit(rng.random((10, 2)), np.arange(10.0),
                                                                 priors=priors)
    assert not faded.uses_priors_ and faded.forest_.n_features_in_ == 2


def test_priors_standardise_per_task() -> None:
    p = PriorObservations(np.zeros((4, 1)), np.array([1.0, 3.0, 100.0, 300.0]),
                          np.array(["a", "a", "b", "b"]), np.ones(4))
    np.testing.assert_allclose(p.standardised(), [-1, 1, -1, 1])
    assert p.weight(20) == pytest.approx(0.5)
