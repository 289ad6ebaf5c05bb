"""The rolling forest: leaf statistics by the law of total variance, regrowth in turns,
a forest that depends on the history only (resume), running trials outside the splits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metaknow.bo.rolling_forest import RollingForestSurrogate, prefix_lengths
from metaknow.bo.surrogate import impute_inactive


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, 3))
    X[X[:, 2] < 0.3, 1] = np.nan  # an inactive parameter
    y = np.sin(6 * X[:, 0]) + np.nan_to_num(X[:, 1]) + 0.1 * rng.random(n)
    return X, y


def _reference(model: RollingForestSurrogate, X: np.ndarray, target: np.ndarray,
               x: np.ndarray) -> tuple[float, float]:
    """Law of total variance written out: per tree, the weighted rows sharing x's leaf."""
    Xt = impute_inactive(X).astype(np.float32)
    xi = impute_inactive(x[None, :]).astype(np.float32)
    means, seconds = [], []
    for tree, counts in zip(model.trees_, model.counts_):
        leaf = tree.apply(xi)[0]
        rows = [r for r in range(len(X)) if tree.apply(Xt[r:r + 1])[0] == leaf]
        w = counts[rows]
        m = float(np.sum(w * target[rows]) / np.sum(w))
        means.append(m)
        seconds.append(max(float(np.sum(w * target[rows] ** 2) / np.sum(w)), m * m))
    mean = float(np.mean(means))
    return mean, float(np.mean(seconds)) - mean ** 2


@pytest.mark.parametrize("refresh", [1, 3])
def test_prediction_is_the_law_of_total_variance_over_weighted_leaves(refresh: int) -> None:
    X, y = _data(40)
    model = RollingForestSurrogate(4, refresh=refresh, full_until=10, log_costs=False, seed=1)
    for n in range(20, 41, 2):  # grown in turns as the history grows
        model.fit(X[:n], y[:n])
    queries = np.random.default_rng(5).random((6, 3))
    queries[0, 1] = np.nan
    mean, var = model.predict(queries)
    for q, m, v in zip(queries, mean, var):
        ref_m, ref_v = _reference(model, X, y, q)
        assert m == pytest.approx(ref_m, abs=1e-12)
        assert v == pytest.approx(max(ref_v, 0.0), abs=1e-12)
    assert np.any(var > 0)


def test_refresh_1_predicts_the_mean_of_the_trees_own_values() -> None:
    X, y = _data(30)
    model = RollingForestSurrogate(5, refresh=1, log_costs=False, seed=2).fit(X, y)
    queries = np.random.default_rng(1).random((8, 3))
    mean, _ = model.predict(queries)
    Xq = impute_inactive(queries).astype(np.float32)
    np.testing.assert_allclose(mean, np.mean([t.predict(Xq) for t in model.trees_], axis=0),
                               atol=1e-12)


def test_trees_are_regrown_in_turns_on_prefixes() -> None:
    X, y = _data(80)
    model = RollingForestSurrogate(6, refresh=3, full_until=50, seed=0)
    model.fit(X[:70], y[:70])
    before = list(model.trees_)
    model.fit(X[:71], y[:71])
    regrown = [a is not b for a, b in zip(before, model.trees_)]
    assert regrown == [j % 3 == 71 % 3 for j in range(6)]  # p_j = 71 for j = 2, 5


def test_the_forest_depends_on_the_history_only() -> None:
    X, y = _data(90)
    queries = np.random.default_rng(3).random((20, 3))
    stepwise = RollingForestSurrogate(10, refresh=4, full_until=50, seed=7)
    for n in (48, 55, 60, 61, 62, 70, 83, 90):  # some steps skipped, as after random proposals
        stepwise.fit(X[:n], y[:n])
    fresh = RollingForestSurrogate(10, refresh=4, full_until=50, seed=7).fit(X, y)
    for a, b in zip(stepwise.predict(queries), fresh.predict(queries)):
        np.testing.assert_array_equal(a, b)


def test_running_trials_join_the_leaves_but_not_the_splits() -> None:
    X, y = _data(60)
    lie = np.array([[0.5, 0.5, 0.9]])
    plain = RollingForestSurrogate(5, refresh=2, full_until=10, seed=0).fit(X, y)
    thresholds = [t.tree_.threshold.copy() for t in plain.trees_]
    liar = RollingForestSurrogate(5, refresh=2, full_until=10, seed=0).fit(
        np.vstack([X, lie]), np.append(y, y.max()), n_history=60)
    for t, th in zip(liar.trees_, thresholds):
        np.testing.assert_array_equal(t.tree_.threshold, th)
    assert liar.predict(lie)[0][0] > plain.predict(lie)[0][0]  # the lie raised it
    assert len(liar.y_train_) == 60


def test_bad_uses_are_refused() -> None:
    X, y = _data(30)
    with pytest.raises(ValueError, match="refresh must be at least 1"):
        RollingForestSurrogate(refresh=0)
    model = RollingForestSurrogate(3).fit(X, y)
    with pytest.raises(ValueError, match="the history shrank"):
        model.fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="at least 2 recorded trials"):
        RollingForestSurrogate(3).fit(X[:1], y[:1])


@given(n=st.integers(0, 500), n_trees=st.integers(1, 12), refresh=st.integers(1, 6),
       full_until=st.integers(0, 100))
def test_prefix_lengths_are_recent_and_in_phase(n: int, n_trees: int, refresh: int,
                                                full_until: int) -> None:
    p = prefix_lengths(n, n_trees, refresh, full_until)
    assert p.shape == (n_trees,)
    assert np.all(p <= n) and np.all(n - p < refresh)
    in_phase = (p % refresh == np.arange(n_trees) % refresh) & (p >= max(full_until, 2))
    assert np.all(in_phase | (p == n))  # else grown on all trials (too few, or early on)
