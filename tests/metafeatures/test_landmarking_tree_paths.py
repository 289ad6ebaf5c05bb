"""The trees' fast paths give the trees, counts and scores of the direct computations.

Each reference is the node-by-node computation the fast path replaces (growing node by
node, the array search of a small node, routing rows node by node, one ``rankdata`` per
class). Results must be equal to the last bit: a changed rounding could flip a tie
between two splits and change a landmarker's value.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata

from metafeatures.learners import multiway_tree as mt
from metafeatures.learners import small_nodes
from metafeatures.learners.evaluation import average_ranks, weighted_auc
from metafeatures.learners.level_growth import grow_by_levels
from metafeatures.learners.table import Table
from metafeatures.learners.tree_descent import node_counts


def _table(seed: int, n: int = 300, missing: bool = True, k: int = 3) -> tuple[Table, np.ndarray]:
    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=(n, 4))
    numeric[:, :2] = np.round(numeric[:, :2] * 2)  # ties
    codes = np.column_stack([rng.integers(0, 3, n), rng.integers(0, 5, n)])
    if missing:
        numeric[rng.random((n, 4)) < 0.05] = np.nan
        codes[rng.random((n, 2)) < 0.05] = -1
    y = (numeric[:, 0] > 0).astype(int) + (codes[:, 1] > 2) + rng.integers(0, 2, n)
    return Table(numeric, codes, (3, 5)), np.minimum(y, k - 1)


def _assert_same_tree(a: mt.Node, b: mt.Node) -> None:
    assert (a.kind, a.attribute, a.threshold) == (b.kind, b.attribute, b.threshold)
    np.testing.assert_array_equal(a.counts, b.counts)
    for x, y in ((a.shares, b.shares), (a.fallback, b.fallback)):
        assert (x is None) == (y is None)
        if x is not None:
            np.testing.assert_array_equal(x, y)
    assert len(a.children) == len(b.children)
    for c, d in zip(a.children, b.children):
        _assert_same_tree(c, d)


@pytest.mark.parametrize("criterion", ["gain", "gain_ratio"])
@pytest.mark.parametrize("missing", [False, True])
def test_growing_a_level_at_a_time_grows_the_node_by_node_tree(criterion: str,
                                                              missing: bool) -> None:
    table, y = _table(1, missing=missing)
    grower = mt._Grower(table, y, 3, criterion, 2.0, None, None, None)
    by_node = grower.grow(np.arange(table.n_rows), np.ones(table.n_rows), 0)
    _assert_same_tree(grow_by_levels(grower), by_node)


@pytest.mark.parametrize("missing", [False, True])
def test_small_node_search_grows_the_array_search_tree(missing: bool,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    table, y = _table(2, missing=missing)

    def grow() -> mt.Node:
        return mt.grow_tree(table, y, 3, criterion="gain", min_leaf=1.0, n_random=3, seed=5)

    fast = grow()
    monkeypatch.setattr(small_nodes, "MAX_ROWS", 0)  # every node by the array search
    _assert_same_tree(fast, grow())


def test_numpy_sum_adds_in_numpys_order() -> None:
    rng = np.random.default_rng(0)
    for n in list(range(1, 140)) + [255, 300]:
        values = rng.random(n) * np.exp(rng.normal(size=n) * 3)
        assert small_nodes.numpy_sum(values.tolist()) == values.sum()


def _routed(root: mt.Node, table: Table, y: np.ndarray, k: int) -> tuple[np.ndarray, dict]:
    """Prediction and per-node class counts by routing every row node by node."""
    out, counts = np.zeros((table.n_rows, k)), {}

    def visit(node, idx, w):
        counts[id(node)] = counts.get(id(node), 0) + np.bincount(y[idx], weights=w, minlength=k)
        if node.is_leaf:
            out[idx] += w[:, None] * mt._distribution(node)[None, :]

    mt.route(root, table, np.arange(table.n_rows), np.ones(table.n_rows), visit)
    return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-300), counts


@pytest.mark.parametrize("missing", [False, True])
def test_flat_descent_predicts_and_counts_as_routing_does(missing: bool) -> None:
    table, y = _table(3, missing=missing)
    root = mt.grow_tree(table.rows(np.arange(150)), y[:150], 3, criterion="gain_ratio")
    mt.collapse_and_prune(root, 0.25)
    held = table.rows(np.arange(150, 300))
    proba, counts = _routed(root, held, y[150:], 3)
    np.testing.assert_array_equal(mt.predict_tree(root, held, 3), proba)
    flat = node_counts(root, held, y[150:], 3)
    if missing:
        assert flat is None  # rows spread over branches: the caller routes them
    else:
        for node, c in zip(*flat):
            if c.any():
                np.testing.assert_array_equal(c, counts[id(node)])


def test_ranks_and_weighted_auc_equal_one_rankdata_per_class() -> None:
    rng = np.random.default_rng(4)
    for trial in range(50):
        n, k = int(rng.integers(2, 300)), int(rng.integers(2, 6))
        proba = rng.random((n, k))
        if trial % 2:
            proba = np.round(proba * 4) / 4  # ties
        y = rng.integers(0, k - (trial % 3 == 0), n)
        ranks = average_ranks(proba)
        np.testing.assert_array_equal(ranks, np.column_stack([rankdata(p) for p in proba.T]))
        counts = np.bincount(y, minlength=k)
        total = 0.0
        for c in np.flatnonzero(counts):
            pos = y == c
            n_pos, n_neg = int(pos.sum()), int((~pos).sum())
            auc = (float("nan") if n_neg == 0 else
                   float((rankdata(proba[:, c])[pos].sum() - n_pos * (n_pos + 1) / 2.0)
                         / (n_pos * n_neg)))
            total += counts[c] * auc
        want = float(total / counts.sum())
        got = weighted_auc(y, proba)
        assert got == want or (np.isnan(got) and np.isnan(want))


def test_x_log_x_in_python_is_scipys_xlogy() -> None:
    """The plain-Python search's ``x log x`` must be the array search's ``xlogy(x, x)``."""
    from scipy.special import xlogy

    rng = np.random.default_rng(6)
    x = np.concatenate([rng.random(20_000) * 50, rng.random(20_000), np.arange(0.0, 3000.0)])
    want = xlogy(x, x)
    assert [small_nodes._xlogx(v) for v in x.tolist()] == want.tolist()
