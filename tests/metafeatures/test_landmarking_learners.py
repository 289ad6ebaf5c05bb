"""Known answers for the landmark learners and the scores (hand-made tables)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score, roc_auc_score

from metafeatures.learners.cfs import CfsSelector, mdl_cut_points
from metafeatures.learners.decision_stump import DecisionStump
from metafeatures.learners.evaluation import error_rate, kappa, r2, rmse, weighted_auc
from metafeatures.learners.naive_bayes import NaiveBayes
from metafeatures.learners.nearest_neighbour import OneNearestNeighbour
from metafeatures.learners.multiway_tree import Node, collapse_and_prune
from metafeatures.learners.pruning import added_errors
from metafeatures.learners.table import Table
from metafeatures.learners.trees import PrunedC45, RandomDepthTree, ReducedErrorTree


def numeric_table(x: np.ndarray) -> Table:
    x = np.asarray(x, dtype=float).reshape(len(x), -1)
    return Table(x, np.empty((len(x), 0), dtype=np.int64), ())


def nominal_table(codes: np.ndarray, levels: tuple[int, ...]) -> Table:
    codes = np.asarray(codes, dtype=np.int64).reshape(len(codes), -1)
    return Table(np.empty((len(codes), 0)), codes, levels)


# -- scores -----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scores_agree_with_sklearn_metrics(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, 200)
    proba = rng.dirichlet(np.ones(3), size=200)
    proba[:, 1] = np.round(proba[:, 1], 1)  # ties in the scores
    proba /= proba.sum(axis=1, keepdims=True)
    pred = proba.argmax(axis=1)
    assert error_rate(y, proba) == pytest.approx(1 - accuracy_score(y, pred))
    assert kappa(y, proba) == pytest.approx(cohen_kappa_score(y, pred))
    assert weighted_auc(y, proba) == pytest.approx(
        roc_auc_score(y, proba, multi_class="ovr", average="weighted"))


def test_weighted_auc_by_hand() -> None:
    # class 0 ranked perfectly (AUC 1); class 1: positives 0.6, 0.2 vs negatives 0.4, 0.1
    # -> 3 of 4 pairs right = 0.75; weights 2/4 and 2/4
    y = np.array([0, 0, 1, 1])
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.9, 0.1]])
    proba[:, 1] = [0.4, 0.1, 0.6, 0.2]
    proba[:, 0] = [0.9, 0.8, 0.3, 0.1]
    assert weighted_auc(y, proba) == pytest.approx(0.5 * 1.0 + 0.5 * 0.75)


def test_regression_scores_by_hand() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    pred = np.array([1.0, 2.0, 3.0, 6.0])
    assert rmse(y, pred) == pytest.approx(1.0)
    assert r2(y, pred) == pytest.approx(1 - 4.0 / 5.0)


# -- decision stump ----------------------------------------------------------------------
def test_stump_numeric_split_and_missing_branch() -> None:
    x = np.array([1.0, 2.0, 3.0, 10.0, 11.0, 12.0, np.nan, np.nan])
    y = np.array([0, 0, 0, 1, 1, 1, 1, 0])
    stump = DecisionStump().fit(numeric_table(x), y, 2)
    assert stump.threshold_ == pytest.approx(6.5)
    proba = stump.predict(numeric_table(np.array([0.0, 6.0, 7.0, np.nan])))
    np.testing.assert_allclose(proba, [[1, 0], [1, 0], [0, 1], [0.5, 0.5]])


def test_stump_nominal_equals_split() -> None:
    # level 2 identifies class 1; the others are class 0
    codes = np.array([0, 1, 2, 2, 0, 1, 2])
    y = np.array([0, 0, 1, 1, 0, 0, 1])
    stump = DecisionStump().fit(nominal_table(codes, (3,)), y, 2)
    assert stump.level_ == 2
    np.testing.assert_allclose(stump.predict(nominal_table(np.array([2, 0, -1]), (3,))),
                               [[0, 1], [1, 0], [4 / 7, 3 / 7]])  # missing: training prior


# -- naive Bayes ---------------------------------------------------------------------------
def test_naive_bayes_nominal_by_hand() -> None:
    codes = np.array([0, 0, 1, 1, 1])
    y = np.array([0, 0, 0, 1, 1])
    nb = NaiveBayes().fit(nominal_table(codes, (2,)), y, 2)
    # priors (3+1)/(5+2), (2+1)/(5+2); P(a=1|c0) = (1+1)/(3+2), P(a=1|c1) = (2+1)/(2+2)
    p0, p1 = 4 / 7 * 2 / 5, 3 / 7 * 3 / 4
    np.testing.assert_allclose(nb.predict(nominal_table(np.array([1]), (2,))),
                               [[p0 / (p0 + p1), p1 / (p0 + p1)]])
    # a missing value is skipped: the prior alone
    np.testing.assert_allclose(nb.predict(nominal_table(np.array([-1]), (2,))), [[4 / 7, 3 / 7]])


def test_naive_bayes_gaussian_uses_population_sd() -> None:
    x = np.array([0.0, 2.0, 10.0, 14.0])
    y = np.array([0, 0, 1, 1])
    nb = NaiveBayes().fit(numeric_table(x), y, 2)
    np.testing.assert_allclose(nb.mean_[:, 0], [1.0, 12.0])
    np.testing.assert_allclose(nb.std_[:, 0], [1.0, 2.0])


# -- 1-NN -----------------------------------------------------------------------------------
def _weka_distance(a, b, lo, span) -> float:
    total = 0.0
    for j in range(len(a[0])):
        va = np.clip((a[0][j] - lo[j]) / span[j], 0, 1)
        vb = np.clip((b[0][j] - lo[j]) / span[j], 0, 1)
        if np.isnan(va) and np.isnan(vb):
            total += 1
        elif np.isnan(va):
            total += max(vb, 1 - vb) ** 2
        elif np.isnan(vb):
            total += max(va, 1 - va) ** 2
        else:
            total += (va - vb) ** 2
    for j in range(len(a[1])):
        total += 0.0 if (a[1][j] == b[1][j] and a[1][j] >= 0) else 1.0
    return total


def test_one_nn_uses_wekas_distance_with_missing_values() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    c = rng.integers(-1, 3, size=(60, 2))
    table = Table(x, c, (3, 3))
    y = rng.integers(0, 2, 60)
    nn = OneNearestNeighbour().fit(table.rows(np.arange(40)), y[:40], 2)
    found = nn.neighbours(table.rows(np.arange(40, 60)))
    for i in range(40, 60):
        d = np.array([_weka_distance((x[i], c[i]), (x[r], c[r]), nn.lo_, nn.span_)
                      for r in range(40)])
        assert set(np.flatnonzero(d <= d.min() + 1e-9)) == set(found[i - 40])


def test_one_nn_ties_vote() -> None:
    x = np.array([0.0, 0.0, 1.0])
    nn = OneNearestNeighbour().fit(numeric_table(x), np.array([0, 1, 1]), 2)
    np.testing.assert_allclose(nn.predict(numeric_table(np.array([0.1]))), [[0.5, 0.5]])


# -- pruning and trees -------------------------------------------------------------------
def test_c45_added_errors_match_quinlan() -> None:
    # C4.5 book (Quinlan 1993, p. 41): U_25%(0, 6) = 0.206, U_25%(0, 9) = 0.143
    extra = added_errors(np.array([6.0, 9.0]), np.array([0.0, 0.0]), 0.25)
    np.testing.assert_allclose(extra, [6 * 0.206, 9 * 0.143], atol=0.01)


def test_smaller_confidence_prunes_more() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 3))
    y = (np.sin(3 * x[:, 0]) + x[:, 1] + rng.normal(scale=0.8, size=600) > 0).astype(int)
    leaves = [PrunedC45(cf).fit(numeric_table(x), y, 2).n_leaves_
              for cf in (0.00001, 0.001, 0.25, 0.5)]
    assert leaves == sorted(leaves) and leaves[0] < leaves[-1]


def _stump_tree(counts: list[list[float]]) -> Node:
    root = Node(np.array(counts[0], float), kind="nominal", attribute=0,
                children=[Node(np.array(c, float)) for c in counts[1:]],
                shares=np.array([0.5, 0.5]))
    return root


def test_collapse_and_pessimistic_pruning_by_hand() -> None:
    # a split that does not lower the training errors (4 -> 2 + 2) is collapsed
    tree = _stump_tree([[6, 4], [3, 2], [3, 2]])
    collapse_and_prune(tree, 0.25)
    assert tree.pruned
    # a perfect split of 20 rows survives
    tree = _stump_tree([[10, 10], [10, 0], [0, 10]])
    collapse_and_prune(tree, 0.25)
    assert not tree.pruned
    # 3 rows: leaf estimate 1 + added(3, 1) against the children's added(2, 0) + added(1, 0)
    tree = _stump_tree([[2, 1], [2, 0], [0, 1]])
    leaf = 1 + added_errors(np.array([3.0]), np.array([1.0]), 0.25)[0]
    sub = added_errors(np.array([2.0, 1.0]), np.array([0.0, 0.0]), 0.25).sum()
    collapse_and_prune(tree, 0.25)
    assert tree.pruned == (leaf <= sub + 0.1)


def test_trees_learn_a_clean_two_level_rule() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(400, 2))
    y = ((x[:, 0] > 0.5) & (x[:, 1] > 0.3)).astype(int)
    t = numeric_table(x)
    for learner in (PrunedC45(0.25), ReducedErrorTree(None, 0), ReducedErrorTree(2, 0),
                    RandomDepthTree(None, 0)):
        fitted = learner.fit(t, y, 2)
        assert error_rate(y, fitted.predict(t)) < 0.05, type(learner).__name__


def test_multiway_split_on_a_nominal_attribute() -> None:
    # one split into 4 branches separates 4 classes; a binary tree would need 3 splits
    codes = np.repeat(np.arange(4), 10)
    t = nominal_table(codes, (4,))
    for learner in (ReducedErrorTree(1, 0), PrunedC45(0.25), RandomDepthTree(1, 0)):
        fitted = learner.fit(t, codes, 4)
        assert fitted.n_leaves_ == 4, type(learner).__name__
        assert error_rate(codes, fitted.predict(t)) == 0.0


def test_missing_values_go_down_every_branch_weighted() -> None:
    x = np.array([0.0, 0.1, 0.2, 0.3, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, np.nan])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1])
    tree = RandomDepthTree(1, 0).fit(numeric_table(x), y, 2)
    # known weight: 4 left (class 0), 6 right (class 1) -> a missing value mixes 0.4 / 0.6
    # of the leaf distributions (the training row with a missing value counts fractionally)
    proba = tree.predict(numeric_table(np.array([np.nan])))[0]
    left = np.array([4.0, 0.4]) / 4.4
    right = np.array([0.0, 6.6]) / 6.6
    np.testing.assert_allclose(proba, 0.4 * left + 0.6 * right)


def test_reduced_error_depth_one_is_a_stump() -> None:
    x = np.linspace(0, 1, 90)
    y = (x > 0.5).astype(int)
    tree = ReducedErrorTree(1, 0).fit(numeric_table(x), y, 2)
    assert tree.n_leaves_ == 2
    assert error_rate(y, tree.predict(numeric_table(x))) == 0.0


# -- CFS ----------------------------------------------------------------------------------
def test_mdl_cuts_between_separated_classes_only() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 11.0, 12.0, 13.0, 14.0])
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert mdl_cut_points(x, y, 2) == [7.5]
    assert mdl_cut_points(x, np.array([0, 1, 0, 1, 0, 1, 0, 1]), 2) == []


def test_cfs_picks_the_predictive_attribute_once() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    signal = y + rng.normal(scale=0.1, size=300)
    x = np.column_stack([rng.normal(size=300), signal, signal.copy(), rng.normal(size=300)])
    selected = CfsSelector().fit(numeric_table(x), y, 2).selected_
    assert len(selected) == 1 and selected[0] in (1, 2)
