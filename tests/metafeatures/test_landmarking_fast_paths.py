"""The landmarkers' fast paths give exactly what the direct computations give.

Each reference below is the straightforward computation the fast path replaces
(scoring every sorted position; one symmetrical uncertainty per pair of attributes);
results must be equal to the last bit, since a changed rounding could flip a tie
between two splits or two subsets and change a landmarker's value.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import xlogy

from metafeatures.learners import cfs
from metafeatures.learners.cuts import cut_counts
from metafeatures.learners.multiway_tree import _h, _numeric_candidates
from metafeatures.learners.table import Memo


def _block(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    x = rng.normal(size=(n, width))
    x[:, ::2] = np.round(x[:, ::2] * 2)  # ties
    x[rng.random((n, width)) < 0.1] = np.nan
    x[:, -1] = np.nan if width > 2 else x[:, -1]  # an all-missing column
    return x


def _reference_cuts(block, y, k, w):
    n = block.shape[0]
    order = np.argsort(block, axis=0, kind="stable")
    xs = np.take_along_axis(block, order, axis=0)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = w
    cum = np.cumsum(onehot[order], axis=0)
    with np.errstate(invalid="ignore"):
        valid = xs[1:] > xs[:-1]
    return xs, cum, valid


@pytest.mark.parametrize("weights", ["none", "ones", "integer", "fractional"])
def test_cut_counts_equal_running_sums_over_every_position(weights: str) -> None:
    rng = np.random.default_rng(1)
    n, width, k = 157, 6, 4
    block = _block(rng, n, width)
    y = rng.integers(0, k, n)
    w = {"none": None, "ones": np.ones(n), "integer": rng.integers(1, 4, n).astype(float),
         "fractional": rng.random(n) + 0.1}[weights]
    cc = cut_counts(block, y, k, w)
    xs, cum, valid = _reference_cuts(block, y, k, np.ones(n) if w is None else w)
    np.testing.assert_array_equal(cc.xs, xs)
    cols, rows = np.nonzero(valid.T)
    np.testing.assert_array_equal(cc.cols, cols)
    np.testing.assert_array_equal(cc.rows, rows)
    np.testing.assert_array_equal(cc.left, cum[rows, cols])
    m = (~np.isnan(block)).sum(axis=0)
    known = cum[np.maximum(m - 1, 0), np.arange(width)]
    known[m == 0] = 0.0
    np.testing.assert_array_equal(cc.known, known)


def _reference_candidates(x, y, w, k, min_leaf):
    """Every position scored (the tree's split search before the fast path)."""
    n, width = x.shape
    xs, cum, boundary = _reference_cuts(x, y, k, w)
    m = np.sum(~np.isnan(x), axis=0)
    known = cum[np.maximum(m - 1, 0), np.arange(width)]
    known[m == 0] = 0.0
    left = cum[:-1]
    right = known[None, :, :] - left
    lw, rw = left.sum(-1), right.sum(-1)
    valid = boundary & (lw >= min_leaf) & (rw >= min_leaf)
    score = np.where(valid, _h(left) + _h(right), np.inf)
    best = np.argmin(score, axis=0)
    cols = np.arange(width)
    threshold = (xs[best, cols] + xs[np.minimum(best + 1, n - 1), cols]) / 2.0
    return score[best, cols], known, valid.sum(axis=0), threshold, lw[best, cols], rw[best, cols]


@pytest.mark.parametrize("seed", range(4))
def test_tree_split_search_equals_scoring_every_position(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = 120 + 40 * seed, 3
    x = _block(rng, n, 5)
    y = rng.integers(0, k, n)
    w = np.ones(n) if seed % 2 else rng.random(n) + 0.5
    fast = _numeric_candidates(x, y, w, k, 2.0)
    ref = _reference_candidates(x, y, w, k, 2.0)
    ok = np.isfinite(ref[0])
    np.testing.assert_array_equal(fast[0], ref[0])
    for got, want in zip(fast[1:3], ref[1:3]):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(fast[3:], ref[3:]):  # only used where a cut exists
        np.testing.assert_array_equal(got[ok], want[ok])


@pytest.mark.parametrize("missing", [False, True])
def test_uncertainty_rows_equal_pairwise_symmetrical_uncertainty(missing: bool) -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        n, p = int(rng.integers(5, 200)), int(rng.integers(2, 9))
        codes = rng.integers(0, int(rng.integers(1, 7)), size=(n, p))
        if missing:
            codes[rng.random((n, p)) < 0.1] = -1
        complete = (codes >= 0).all(axis=0)
        entropy = np.array([cfs._entropy_bits(np.bincount(codes[:, j]).astype(float))
                            if complete[j] else np.nan for j in range(p)])
        for i in range(p):
            row = cfs._uncertainty_row(codes, i, entropy, complete)
            ref = [cfs._symmetrical_uncertainty(codes[:, i], codes[:, j]) if j != i else 1.0
                   for j in range(p)]
            np.testing.assert_array_equal(row, ref)


def test_h_is_weighted_entropy_in_bits() -> None:
    counts = np.array([[2.0, 2.0], [4.0, 0.0]])
    np.testing.assert_allclose(_h(counts), [4.0, 0.0])
    assert xlogy(0.0, 0.0) == 0.0


def test_memos_can_be_emptied_for_repeated_timings() -> None:
    memo = Memo()
    calls = []
    memo.get("a", lambda: calls.append(1))
    memo.get("a", lambda: calls.append(1))
    assert len(calls) == 1
    Memo.clear_all()
    memo.get("a", lambda: calls.append(1))
    assert len(calls) == 2


@pytest.mark.parametrize("weights", ["none", "integer"])
def test_the_value_grid_gives_the_sorted_paths_cuts_and_counts(weights: str) -> None:
    """Small-range integer columns skip the sort (issue 28); every field must be equal."""
    rng = np.random.default_rng(3)
    n, width, k = 211, 5, 3
    block = rng.integers(-4, 12, size=(n, width)).astype(float)
    block[rng.random((n, width)) < 0.1] = np.nan
    y = rng.integers(0, k, n)
    w = None if weights == "none" else rng.integers(1, 4, n).astype(float)
    cc = cut_counts(block, y, k, w)
    assert cc.xs is None  # the grid path was taken
    xs, cum, valid = _reference_cuts(block, y, k, np.ones(n) if w is None else w)
    cols, rows = np.nonzero(valid.T)
    np.testing.assert_array_equal(cc.cols, cols)
    np.testing.assert_array_equal(cc.rows, rows)
    np.testing.assert_array_equal(cc.below, xs[rows, cols])
    np.testing.assert_array_equal(cc.above, xs[rows + 1, cols])
    np.testing.assert_array_equal(cc.left, cum[rows, cols])
    m = (~np.isnan(block)).sum(axis=0)
    np.testing.assert_array_equal(cc.known, cum[m - 1, np.arange(width)])


def test_uncertainties_with_missing_equal_the_pairwise_function_bit_for_bit() -> None:
    """CFS's pairs with missing values, batched (issue 28): every bit as the pairwise
    function, including columns sharing no present row with ``a`` and constant ones."""
    rng = np.random.default_rng(5)
    for _ in range(200):
        n, m = int(rng.integers(1, 80)), int(rng.integers(1, 7))
        a = rng.integers(-1, int(rng.integers(1, 6)), size=n)
        b = rng.integers(-1, int(rng.integers(1, 8)), size=(n, m))
        b[:, 0] = -1 if m > 2 else b[:, 0]  # all missing
        got = cfs._uncertainties_with_missing(a, b)
        ref = np.array([cfs._symmetrical_uncertainty(a, b[:, c]) for c in range(m)])
        assert got.tobytes() == ref.tobytes()


@pytest.mark.parametrize("missing", [False, True])
def test_node_learners_predict_what_sklearns_checked_fit_predicts(missing: bool) -> None:
    """NodeLearner skips scikit-learn's input checks on finite matrices (issue 28): the
    probabilities must be those of the checked fit and predict."""
    from sklearn.tree import DecisionTreeClassifier

    from metafeatures.learners.sklearn_adapters import NodeLearner, _class_proba
    from metafeatures.learners.table import Table, TableEncoder

    rng = np.random.default_rng(7)
    for which in ("best", "random", "worst"):
        for _ in range(5):
            n = int(rng.integers(5, 120))
            numeric = np.round(rng.normal(size=(n, 3)) * 3) / 3
            if missing:
                numeric[rng.random((n, 3)) < 0.2] = np.nan
            table = Table(numeric, rng.integers(0, 3, size=(n, 2)), (3, 3))
            y = rng.integers(0, 3, size=n)
            train, test = np.arange(n) < 0.7 * n, np.arange(n) >= 0.7 * n
            learner = NodeLearner(which, seed=1).fit(table.rows(train), y[train], 3)
            got = learner.predict(table.rows(test))
            chosen = table.attributes(learner.attributes_)
            encoder = TableEncoder().fit(chosen.rows(train))
            model = DecisionTreeClassifier(max_depth=1, random_state=1).fit(
                encoder.transform(chosen.rows(train)), y[train])
            ref = _class_proba(model, encoder.transform(chosen.rows(test)), 3)
            assert got.tobytes() == ref.tobytes()
