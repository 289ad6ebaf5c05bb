"""Decision trees behind OpenML's tree landmarkers (closest definitions to Weka's).

All grow :func:`~metafeatures.learners.multiway_tree.grow_tree` trees (multiway nominal
splits, binary numeric ones, fractional missing values, as Weka does):

* :class:`PrunedC45` - Weka ``J48 -C cf``: gain ratio, each split with two branches of
  >= 2 rows, then C4.5's collapse and error-based pruning at confidence ``cf``.
  Differs from J48: no subtree raising.
* :class:`ReducedErrorTree` - Weka ``REPTree -L depth``: information gain, grown to
  ``depth`` on a stratified 2/3 of the training rows (splits need two branches of >= 2
  rows), reduced-error pruned on the other 1/3, then the class counts refitted on all
  training rows (back-fitting). Differs from REPTree: our own random grow/prune split.
* :class:`RandomDepthTree` - Weka ``RandomTree -depth depth``: information gain over
  ``floor(log2(n_attributes)) + 1`` random attributes per node (more when none of them
  gains), leaves of >= 1 row, no pruning. Differs: our random number stream.
"""

from __future__ import annotations

import numpy as np

from metafeatures.learners.base import Learner
from metafeatures.learners.multiway_tree import (collapse_and_prune, count_leaves, grow_tree,
                                                 predict_tree, reduced_error_prune,
                                                 refit_counts, truncated)
from metafeatures.learners.table import Memo, Table, data_key

_GROWN = Memo()

__all__ = ["PrunedC45", "ReducedErrorTree", "RandomDepthTree"]


def _k_random(table: Table) -> int:
    return int(np.floor(np.log2(max(table.n_attributes, 1)))) + 1


class _TreeLearner(Learner):
    def predict(self, table: Table) -> np.ndarray:
        return predict_tree(self.tree_, table, self.n_classes_)

    @property
    def n_leaves_(self) -> int:
        return count_leaves(self.tree_)


class PrunedC45(_TreeLearner):
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
        self.n_classes_ = n_classes
        # the unpruned tree does not depend on the confidence: grown once per data
        grown = _GROWN.get(data_key(table, y, "c45"), lambda: grow_tree(
            table, y, n_classes, criterion="gain_ratio", min_leaf=2.0))
        self.tree_ = truncated(grown, None)  # a copy: pruning marks its nodes
        collapse_and_prune(self.tree_, self.confidence)
        return self


class ReducedErrorTree(_TreeLearner):
    """REPTree-like tree with reduced-error pruning.

    Parameters
    ----------
    max_depth : int or None
        None: unlimited (Weka's default).
    seed : int
        Seeds the grow/prune split.
    """

    def __init__(self, max_depth: int | None = None, seed: int = 0) -> None:
        self.max_depth = max_depth
        self.seed = seed

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "ReducedErrorTree":
        self.n_classes_ = n_classes
        rng = np.random.default_rng(self.seed)
        prune = np.zeros(len(y), dtype=bool)
        for c in np.unique(y):  # stratified: every third row of each class (shuffled)
            members = rng.permutation(np.flatnonzero(y == c))
            prune[members[::3]] = True
        if prune.all() or not prune.any():
            prune[:] = False
        grow = np.flatnonzero(~prune)
        # every depth limit truncates the same unlimited tree: grown once per data
        full = _GROWN.get(data_key(table, y, "rep", self.seed), lambda: grow_tree(
            table.rows(grow), y[grow], n_classes, criterion="gain", min_leaf=2.0))
        self.tree_ = truncated(full, self.max_depth)
        if prune.any():
            held = np.flatnonzero(prune)
            reduced_error_prune(self.tree_, table.rows(held), y[held], n_classes)
        refit_counts(self.tree_, table, y, n_classes)
        return self


class RandomDepthTree(_TreeLearner):
    """RandomTree-like tree on random attribute subsets.

    Parameters
    ----------
    max_depth : int or None
        None: unlimited (Weka's default).
    seed : int
    """

    def __init__(self, max_depth: int | None = None, seed: int = 0) -> None:
        self.max_depth = max_depth
        self.seed = seed

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "RandomDepthTree":
        self.n_classes_ = n_classes
        full = _GROWN.get(data_key(table, y, "random", self.seed), lambda: grow_tree(
            table, y, n_classes, criterion="gain", min_leaf=1.0, n_random=_k_random(table),
            seed=self.seed))
        self.tree_ = truncated(full, self.max_depth)
        return self
