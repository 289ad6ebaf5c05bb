"""A random-forest surrogate whose trees are regrown in turns as the history grows.

Growing the ten trees of :class:`~metaknow.bo.surrogate.RandomForestSurrogate` is most of
an ask's cost at a few hundred trials, yet one new trial barely moves the splits a tree
would choose. :class:`RollingForestSurrogate` regrows each tree only every ``refresh``
trials and keeps every tree's **leaf statistics current**:

* Tree ``j`` is grown on the first ``p_j`` trials of the history, the largest
  ``p <= n`` with ``p = j (mod refresh)`` (all ``n`` trials while that ``p`` is below
  ``full_until``),
  on a bootstrap sample of them drawn from a seed of ``(seed, j, p_j)``. So the forest
  after ``n`` trials is a function of the history alone: a resumed run rebuilds exactly
  the forest of the uninterrupted one.
* Trials after ``p_j`` (and running trials, at the cost the optimiser gives them) join
  tree ``j``'s leaves with a Poisson(1) count, as in online bagging (Oza and Russell,
  2001), drawn from a seeded stream indexed by (tree, row).
* The mean and variance of every leaf are recomputed at each ``fit`` from all the rows
  that fall in it, weighted by their counts, on the **current** cost scale (the log
  scale's floor moves as better costs arrive); prediction is then the law of total
  variance over the trees, as in the full forest.

With ``refresh=1`` every tree is regrown on the whole history at every fit.
"""

from __future__ import annotations

import numpy as np
from sklearn.tree import DecisionTreeRegressor

from metaknow.bo.surrogate import (
    _as_tree_input,
    _bootstrap_rows,
    grow_tree,
    impute_inactive,
    log_floor,
    log_scale_costs,
)

__all__ = ["RollingForestSurrogate", "prefix_lengths"]

_BLOCK = 512  # rows per block of the online-bagging counts


def prefix_lengths(n: int, n_trees: int, refresh: int, full_until: int) -> np.ndarray:
    """How many of the first ``n`` trials each tree is grown on (see the module docstring)."""
    p = n - (n - np.arange(n_trees)) % max(refresh, 1)
    return np.where(p >= max(full_until, 2), p, n)  # early on, every tree on everything


def _tree_seed(seed: int, tree: int, prefix: int) -> int:
    """A fixed 31-bit seed per (run seed, tree, prefix length), cheaper than a ``SeedSequence``."""
    return (seed * 2654435761 + tree * 40503 + prefix * 2246822519 + 97) % (2 ** 31 - 1)


class RollingForestSurrogate:
    """Random forest with SMAC-style uncertainty, trees regrown in turns.

    Parameters
    ----------
    n_trees : int
    refresh : int
        Trials between two growths of the same tree (1 = regrow every tree at every fit).
    full_until : int
        Below this many trials every tree is regrown at every fit (the splits still move
        a lot, and trees are cheap).
    log_costs : bool
        Model ``log`` of min-max-normalised costs (as the full forest).
    seed : int

    Attributes
    ----------
    trees_ : list of DecisionTreeRegressor
        The trees after the last ``fit``.
    counts_ : array (n_trees, n_rows)
        How often each row of the last ``fit`` counts in each tree's leaf statistics
        (its bootstrap count for the rows the tree was grown on, else its online count).
    y_train_ : array
        The recorded trials' costs on the modelled scale.
    """

    def __init__(self, n_trees: int = 10, *, refresh: int = 3, full_until: int = 50,
                 log_costs: bool = True, seed: int = 0) -> None:
        if refresh < 1:
            raise ValueError(f"refresh must be at least 1, got {refresh!r}")
        self.n_trees = n_trees
        self.refresh = refresh
        self.full_until = full_until
        self.log_costs = log_costs
        self.seed = seed
        self._trees: list[DecisionTreeRegressor | None] = [None] * n_trees
        self._prefix = np.full(n_trees, -1)  # rows each tree was grown on
        self._in_bag: list[np.ndarray] = [np.zeros(0)] * n_trees  # bootstrap counts of those rows
        self._leaves = np.zeros((n_trees, 0), dtype=np.intp)  # leaf of each history row
        self._counts = np.zeros((n_trees, 0))  # online-bagging counts, by row

    # ------------------------------------------------------------------ fit
    def transform(self, y: np.ndarray) -> np.ndarray:
        """Costs on the scale the forest models (log-scaled if ``log_costs``)."""
        return log_scale_costs(y, self._lo, self._hi) if self.log_costs else np.asarray(y, float)

    def fit(self, X: np.ndarray, y: np.ndarray, *, n_history: int | None = None,
            ) -> RollingForestSurrogate:
        """Bring the forest up to vector forms ``X`` (NaN = inactive) and costs ``y``.

        The first ``n_history`` rows (all by default) are the trials in the order they
        were recorded: later calls must extend them, never change them. Rows after them
        (running trials) count in the leaves but never shape a tree.
        """
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        n = len(y) if n_history is None else int(n_history)
        if not 2 <= n <= len(y):
            raise ValueError(f"need at least 2 recorded trials and n_history <= {len(y)}")
        if n < self._leaves.shape[1]:
            raise ValueError("the history shrank: use a new RollingForestSurrogate")
        self._lo, self._hi = log_floor(y), float(np.max(y))
        Xi = _as_tree_input(impute_inactive(X))
        self._regrow(Xi[:n], y[:n], prefix_lengths(n, self.n_trees, self.refresh, self.full_until))
        leaves = self._leaf_rows(Xi, n)
        counts = self._online_counts(len(y))
        for j in range(self.n_trees):  # a tree's own rows count as drawn in its bootstrap
            counts[j, : self._prefix[j]] = self._in_bag[j]
        self._leaf_stats(leaves, counts, self.transform(y))
        self.trees_ = list(self._trees)
        self.counts_ = counts  # (tree, row): how often each row counts in each tree's leaves
        self.y_train_ = self.transform(y[:n])
        return self

    def _regrow(self, X: np.ndarray, y: np.ndarray, prefix: np.ndarray) -> None:
        """Grow again every tree whose prefix length changed."""
        checked = False
        targets: dict[int, np.ndarray] = {}
        for j in np.flatnonzero(prefix != self._prefix):
            p = int(prefix[j])
            tree_seed = _tree_seed(self.seed, int(j), p)
            in_bag = np.bincount(_bootstrap_rows(np.arange(1, p + 1) / p, tree_seed),
                                 minlength=p).astype(float)
            if p not in targets:  # on the prefix's own scale
                targets[p] = log_scale_costs(y[:p]) if self.log_costs else y[:p]
            self._trees[j] = grow_tree(X[:p], targets[p], in_bag, tree_seed, check=not checked)
            checked = True
            self._prefix[j] = p
            self._in_bag[j] = in_bag
            if self._leaves.shape[1]:
                self._leaves[j] = -1  # recomputed below

    def _leaf_rows(self, X: np.ndarray, n: int) -> np.ndarray:
        """Leaf of every row in every tree: history rows cached, running rows fresh."""
        known = self._leaves.shape[1]
        if n > known:
            self._leaves = np.hstack([self._leaves, np.full((self.n_trees, n - known), -1,
                                                            dtype=np.intp)])
        for j, tree in enumerate(self._trees):
            assert tree is not None
            todo = np.flatnonzero(self._leaves[j, :n] < 0)
            if len(todo):
                start = todo[0]  # stale rows are a tail (new rows) or all (a regrown tree)
                self._leaves[j, start:n] = tree.tree_.apply(X[start:n])
        if len(X) == n:
            return self._leaves
        running = np.vstack([tree.tree_.apply(X[n:]) for tree in self._trees])  # type: ignore[union-attr]
        return np.hstack([self._leaves, running])

    def _online_counts(self, n_rows: int) -> np.ndarray:
        """Poisson(1) counts of rows ``0 .. n_rows - 1`` in every tree (a fixed stream)."""
        have = self._counts.shape[1]
        if n_rows > have:
            blocks = [np.random.default_rng([self.seed, 1, b]).poisson(1.0, (self.n_trees, _BLOCK))
                      for b in range(have // _BLOCK, -(-n_rows // _BLOCK))]
            self._counts = np.hstack([self._counts] + blocks).astype(float)
        return self._counts[:, :n_rows].copy()

    def _leaf_stats(self, leaves: np.ndarray, counts: np.ndarray, target: np.ndarray) -> None:
        """Weighted mean and second moment of the targets in every node of every tree."""
        sizes = [tree.tree_.node_count for tree in self._trees]  # type: ignore[union-attr]
        self._node_offset = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        nodes = (leaves + self._node_offset[:, None]).ravel()
        w = counts.ravel()
        wt = w * np.broadcast_to(target, counts.shape).ravel()
        total = int(np.sum(sizes))
        sw = np.bincount(nodes, w, minlength=total)
        swt = np.bincount(nodes, wt, minlength=total)
        swtt = np.bincount(nodes, wt * np.broadcast_to(target, counts.shape).ravel(),
                           minlength=total)
        filled = sw > 0  # every leaf holds its tree's own bootstrap rows; split nodes none
        self._node_mean = np.divide(swt, sw, out=np.zeros(total), where=filled)
        second = np.divide(swtt, sw, out=np.zeros(total), where=filled)
        self._node_second = np.maximum(second, self._node_mean ** 2)  # variance >= 0

    # -------------------------------------------------------------- predict
    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the modelled cost at vector forms ``X``."""
        Xi = _as_tree_input(impute_inactive(np.atleast_2d(np.asarray(X, dtype=float))))
        nodes = np.column_stack([tree.tree_.apply(Xi) for tree in self._trees])  # type: ignore[union-attr]
        nodes += self._node_offset
        mean = self._node_mean[nodes].mean(axis=1)
        var = np.maximum(self._node_second[nodes].mean(axis=1) - mean ** 2, 0.0)
        return mean, var
