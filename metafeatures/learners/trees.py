"""Small decision trees behind OpenML's tree landmarkers (closest definitions).

All three grow a scikit-learn ``DecisionTreeClassifier`` with the entropy criterion on
the table encoded by :class:`~metafeatures.learners.table.TableEncoder` (numeric values
as they are, missing values routed by the tree's native NaN handling, nominal
attributes one-hot), so splits are binary where Weka splits a nominal attribute into
one branch per level, and missing values go down one branch where Weka splits them
fractionally. Leaves predict their training class frequencies.

* :class:`PrunedC45` - Weka ``J48 -C cf``: C4.5 tree (each leaf >= 2 rows), then C4.5's
  collapse and error-based pruning at confidence ``cf`` (no subtree raising; Weka's
  gain-ratio criterion replaced by information gain).
* :class:`ReducedErrorTree` - Weka ``REPTree -L depth``: grown to ``depth`` on a
  stratified 2/3 of the training rows (leaves >= 2 rows), reduced-error pruned on the
  other 1/3, leaf frequencies then refitted on all training rows (Weka's back-fitting).
* :class:`RandomDepthTree` - Weka ``RandomTree -depth depth``: at every node only
  ``floor(log2(n_attributes)) + 1`` randomly chosen encoded columns are considered,
  leaves >= 1 row, no pruning.
"""

from __future__ import annotations

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from metafeatures.learners.base import Learner
from metafeatures.learners.pruning import (effective_leaves, node_class_counts,
                                           path_class_counts, prune_pessimistic,
                                           prune_reduced_error)
from metafeatures.learners.table import Memo, Table, TableEncoder, data_key

_GROWN = Memo()

__all__ = ["PrunedC45", "ReducedErrorTree", "RandomDepthTree"]


class _PrunedTree(Learner):
    """A tree whose prediction is the class distribution of each row's effective leaf."""

    def _finish(self, tree: DecisionTreeClassifier, cut: np.ndarray, counts: np.ndarray) -> None:
        t = tree.tree_
        self.tree_ = tree
        self.top_ = effective_leaves(t.children_left, t.children_right, cut)
        total = counts.sum(axis=1, keepdims=True)
        uniform = np.full(counts.shape[1], 1.0 / counts.shape[1])
        self.dist_ = np.where(total > 0, counts / np.maximum(total, 1e-300), uniform)
        self.n_leaves_ = int(cut[self.top_ == np.arange(len(cut))].sum())

    def predict(self, table: Table) -> np.ndarray:
        X = self.encoder_.transform(table)
        return self.dist_[self.top_[self.tree_.apply(X)]]


class PrunedC45(_PrunedTree):
    """J48-like pruned tree.

    Parameters
    ----------
    confidence : float
        C4.5's pruning confidence factor (smaller prunes more).
    seed : int
    """

    def __init__(self, confidence: float = 0.25, seed: int = 0) -> None:
        self.confidence = confidence
        self.seed = seed

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "PrunedC45":
        def grow():
            encoder = TableEncoder().fit(table)
            tree = DecisionTreeClassifier(criterion="entropy", min_samples_leaf=2,
                                          random_state=self.seed)
            return encoder, tree.fit(encoder.transform(table), y)

        # the unpruned tree does not depend on the confidence: grown once per data
        self.encoder_, tree = _GROWN.get(data_key(table, y, "c45", self.seed), grow)
        counts = node_class_counts(tree, n_classes)
        t = tree.tree_
        cut = prune_pessimistic(t.children_left, t.children_right, counts, self.confidence)
        self._finish(tree, cut, counts)
        return self


class ReducedErrorTree(_PrunedTree):
    """REPTree-like depth-limited tree with reduced-error pruning.

    Parameters
    ----------
    max_depth : int or None
        None: unlimited (Weka's default).
    seed : int
        Seeds the grow/prune split and the tree.
    """

    def __init__(self, max_depth: int = 1, seed: int = 0) -> None:
        self.max_depth = max_depth
        self.seed = seed

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "ReducedErrorTree":
        self.encoder_ = TableEncoder().fit(table)
        X = self.encoder_.transform(table)
        rng = np.random.default_rng(self.seed)
        prune = np.zeros(len(y), dtype=bool)
        for c in np.unique(y):  # stratified: every third row of each class (shuffled)
            members = rng.permutation(np.flatnonzero(y == c))
            prune[members[::3]] = True
        if prune.all() or not prune.any():
            prune[:] = False
        grow = ~prune
        tree = DecisionTreeClassifier(criterion="entropy", max_depth=self.max_depth,
                                      min_samples_leaf=2 if grow.sum() >= 4 else 1,
                                      random_state=self.seed).fit(X[grow], y[grow])
        t = tree.tree_
        grow_counts = node_class_counts(tree, n_classes)
        if prune.any():
            hold = path_class_counts(tree, X[prune], y[prune], n_classes)
            cut = prune_reduced_error(t.children_left, t.children_right, grow_counts, hold)
        else:
            cut = t.children_left < 0
        all_counts = path_class_counts(tree, X, y, n_classes)  # back-fitting
        self._finish(tree, cut, all_counts)
        return self


class RandomDepthTree(Learner):
    """RandomTree-like depth-limited tree on random attribute subsets.

    Parameters
    ----------
    max_depth : int or None
        None: unlimited (Weka's default).
    seed : int
    """

    def __init__(self, max_depth: int = 1, seed: int = 0) -> None:
        self.max_depth = max_depth
        self.seed = seed

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "RandomDepthTree":
        self.encoder_ = TableEncoder().fit(table)
        X = self.encoder_.transform(table)
        self.n_classes_ = n_classes
        k_features = int(np.floor(np.log2(max(table.n_attributes, 1)))) + 1
        self.tree_ = DecisionTreeClassifier(criterion="entropy", max_depth=self.max_depth,
                                            max_features=min(k_features, max(X.shape[1], 1)),
                                            random_state=self.seed).fit(X, y)
        return self

    def predict(self, table: Table) -> np.ndarray:
        X = self.encoder_.transform(table)
        proba = self.tree_.predict_proba(X)
        out = np.zeros((len(X), self.n_classes_))
        out[:, np.asarray(self.tree_.classes_, dtype=int)] = proba
        return out
