"""Functional ANOVA against decompositions known by hand."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.tree import DecisionTreeRegressor

from metaknow.importance import get_method, method_names
from metaknow.importance.fanova import box_decomposition, tree_boxes
from metaknow.importance.surrogates import fit_surrogate, to_unit
from metaknow.space import Categorical, Float, SearchSpace

SPACE = SearchSpace("toy", "regression", (Float("x1", 0.0, 1.0, 0.5), Float("x2", 0.0, 1.0, 0.5),
                                          Float("x3", 0.0, 1.0, 0.5)))


def _fit(f, n: int = 3000, seed: int = 0, **kw):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 3))
    configs = [dict(zip(SPACE.names, map(float, x))) for x in X]
    return fit_surrogate(SPACE, configs, f(X), **kw)


# ----------------------------------------------------- exact on hand-made partitions
def test_one_split_is_all_main_effect() -> None:
    # f = 0 on x1 < 0.3, 1 above: variance 0.3 * 0.7, all of it x1's.
    lo = np.array([[0, 0], [0.3, 0]])
    hi = np.array([[0.3, 1], [1, 1]])
    total, parts = box_decomposition(np.array([0.0, 1.0]), lo, hi, [(0,), (1,), (0, 1)])
    assert total == pytest.approx(0.21)
    assert parts[(0,)] == pytest.approx(0.21)
    assert parts[(1,)] == pytest.approx(0.0)
    assert parts[(0, 1)] == pytest.approx(0.0)


def test_checkerboard_is_pure_interaction() -> None:
    # XOR on the 2x2 grid at 0.5: no main effects, the pair holds the whole variance 1/4.
    lo = np.array([[0, 0], [0.5, 0], [0, 0.5], [0.5, 0.5]])
    hi = lo + 0.5
    total, parts = box_decomposition(np.array([0.0, 1.0, 1.0, 0.0]), lo, hi,
                                     [(0,), (1,), (0, 1)])
    assert total == pytest.approx(0.25)
    assert parts[(0,)] == pytest.approx(0.0, abs=1e-12)
    assert parts[(1,)] == pytest.approx(0.0, abs=1e-12)
    assert parts[(0, 1)] == pytest.approx(0.25)


def test_additive_grid_matches_closed_form() -> None:
    # f = 2 * [x1 > 0.5] + [x2 > 0.25] on its 4 cells: V1 = 4 * 1/4 = 1, V2 = 3/16, no pair.
    lo = np.array([[0, 0], [0.5, 0], [0, 0.25], [0.5, 0.25]])
    hi = np.array([[0.5, 0.25], [1, 0.25], [0.5, 1], [1, 1]])
    vals = np.array([0.0, 2.0, 1.0, 3.0])
    total, parts = box_decomposition(vals, lo, hi, [(0,), (1,), (0, 1)])
    assert parts[(0,)] == pytest.approx(1.0)
    assert parts[(1,)] == pytest.approx(3 / 16)
    assert parts[(0, 1)] == pytest.approx(0.0, abs=1e-12)
    assert total == pytest.approx(1 + 3 / 16)


def test_tree_boxes_partition_the_cube_and_predict_like_the_tree() -> None:
    rng = np.random.default_rng(1)
    X = rng.random((200, 3))
    tree = DecisionTreeRegressor(random_state=0).fit(X, X[:, 0] + X[:, 1] * X[:, 2])
    values, lo, hi = tree_boxes(tree, np.tile([0.0, 1.0], (3, 1)))
    assert np.prod(hi - lo, axis=1).sum() == pytest.approx(1.0)
    pts = rng.random((50, 3))
    inside = np.all((pts[:, None, :] >= lo[None]) & (pts[:, None, :] <= hi[None]), axis=2)
    assert np.all(inside.sum(axis=1) >= 1)
    assert np.allclose(values[inside.argmax(axis=1)], tree.predict(pts))


# ------------------------------------------------------- forests vs closed forms
@pytest.mark.parametrize("a,b", [(1.0, 1.0), (2.0, 1.0), (1.0, 3.0)])
def test_linear_shares(a: float, b: float) -> None:
    # Var(a x1) = a^2 / 12: shares a^2 / (a^2 + b^2) and b^2 / (a^2 + b^2); x3 unused.
    d = get_method("fanova").decompose(_fit(lambda X: a * X[:, 0] + b * X[:, 1]))
    assert d.shares[("x1",)] == pytest.approx(a * a / (a * a + b * b), abs=0.03)
    assert d.shares[("x2",)] == pytest.approx(b * b / (a * a + b * b), abs=0.03)
    assert d.shares[("x3",)] < 0.01
    assert d.shares[("x1", "x2")] < 0.03
    assert d.total_variance == pytest.approx((a * a + b * b) / 12, rel=0.1)


def test_centred_product_is_a_pair() -> None:
    d = get_method("fanova").decompose(_fit(lambda X: (X[:, 0] - 0.5) * (X[:, 1] - 0.5)))
    assert d.shares[("x1", "x2")] > 0.85
    assert d.shares[("x1",)] < 0.05 and d.shares[("x2",)] < 0.05
    assert d.shares[("x3",)] < 0.02


def test_mixed_main_and_interaction() -> None:
    # f = x1 + 2 (x1 - .5)(x2 - .5): V1 = 1/12, V12 = 4/144 -> shares 3/4 and 1/4.
    d = get_method("fanova").decompose(_fit(lambda X: X[:, 0] + 2 * (X[:, 0] - .5) * (X[:, 1] - .5)))
    assert d.shares[("x1",)] == pytest.approx(0.75, abs=0.05)
    assert d.shares[("x1", "x2")] == pytest.approx(0.25, abs=0.05)
    assert d.shares[("x2",)] < 0.03


def test_constant_function_has_zero_variance_and_zero_shares() -> None:
    d = get_method("fanova").decompose(_fit(lambda X: np.full(len(X), 0.7)))
    assert d.total_variance == 0.0
    assert all(v == 0.0 for v in d.shares.values())


@pytest.mark.parametrize("name", method_names())
def test_every_method_finds_the_linear_shares(name: str) -> None:
    # Additive: total effects equal main effects, a^2 / (a^2 + b^2) with a=2, b=1.
    d = get_method(name).decompose(_fit(lambda X: 2 * X[:, 0] + X[:, 1], n=2000))
    assert d.shares[("x1",)] == pytest.approx(0.8, abs=0.04)
    assert d.shares[("x2",)] == pytest.approx(0.2, abs=0.04)
    assert d.shares[("x3",)] < 0.02


def test_total_effect_counts_interactions() -> None:
    d = get_method("total_effect").decompose(_fit(lambda X: (X[:, 0] - .5) * (X[:, 1] - .5)))
    assert d.shares[("x1",)] > 0.85 and d.shares[("x2",)] > 0.85
    assert d.shares[("x3",)] < 0.05


def test_categorical_choices_weigh_equally_and_unvaried_params_are_left_out() -> None:
    # f depends on a 4-choice categorical only: values 0, 0, 0, 1 -> variance 3/16, all c's.
    space = SearchSpace("toy", "regression", (Categorical("c", ("a", "b", "c", "d"), "a"),
                                              Float("x", 0.0, 1.0, 0.5),
                                              Float("fixed", 0.0, 1.0, 0.5)))
    rng = np.random.default_rng(0)
    configs = [{"c": "abcd"[rng.integers(4)], "x": float(rng.random()), "fixed": 0.5}
               for _ in range(800)]
    y = np.array([1.0 if c["c"] == "d" else 0.0 for c in configs])
    s = fit_surrogate(space, configs, y)
    d = get_method("fanova").decompose(s)
    assert ("fixed",) not in d.shares
    assert d.shares[("c",)] == pytest.approx(1.0, abs=0.01)
    assert d.total_variance == pytest.approx(3 / 16, rel=0.02)
    U = to_unit(space, [{"c": "a", "x": 0.0, "fixed": 0.5}, {"c": "d", "x": 1.0, "fixed": 0.5}])
    assert U[:, 0] == pytest.approx([0.125, 0.875])


@pytest.mark.parametrize("domain, variance", [
    # f = x1 evaluated on x1 in [0.2, 0.6] only. Observed domain: Var = 0.4^2 / 12.
    ("observed", 0.4 ** 2 / 12),
    # Whole space: the forest repeats its edge values, f = clip(x1, 0.2, 0.6) on [0, 1]:
    # E f = 0.44, E f^2 = 0.2 * 0.04 + (0.6^3 - 0.2^3) / 3 + 0.4 * 0.36 -> Var = 0.0277.
    ("space", 0.2 * 0.04 + (0.6 ** 3 - 0.2 ** 3) / 3 + 0.4 * 0.36 - 0.44 ** 2),
])
def test_domain_observed_or_whole_space(domain: str, variance: float) -> None:
    rng = np.random.default_rng(0)
    X = rng.random((3000, 3))
    X[:, 0] = 0.2 + 0.4 * X[:, 0]
    configs = [dict(zip(SPACE.names, map(float, x))) for x in X]
    s = fit_surrogate(SPACE, configs, X[:, 0] + 0.1 * X[:, 1], domain=domain)
    d = get_method("fanova").decompose(s)
    v2 = (0.1 ** 2 / 12)  # x2's share of the variance, on the whole interval either way
    assert d.total_variance == pytest.approx(variance + v2, rel=0.05)
    assert d.shares[("x1",)] == pytest.approx(variance / (variance + v2), abs=0.02)
    if domain == "observed":
        assert s.domain[0] == pytest.approx([0.2, 0.6], abs=1e-3)
