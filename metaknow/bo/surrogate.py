"""Random-forest surrogate over the vector form of configurations (SMAC's model).

* Inactive parameters (NaN in the vector form) are imputed with ``-1``, outside the
  ``[0, 1]`` / choice-index range of every active value, so a tree can split on
  "inactive" like on any other value.
* Mean and variance at ``x`` follow the law of total variance over the trees: with
  ``m_t`` and ``v_t`` the mean and variance of the training targets in the leaf of tree
  ``t`` that ``x`` falls in,
  ``mean = avg_t m_t`` and ``var = avg_t (v_t + m_t**2) - mean**2``.
  Leaf statistics are read from the public fitted attributes of scikit-learn's
  ``DecisionTreeRegressor`` (``tree_.value`` / ``.impurity``; no private imports, no
  subclassing). The trees are bagged here, exactly as ``RandomForestRegressor`` bags
  them (same random draws, same trees), rather than through ``RandomForestRegressor``, whose
  per-fit machinery (joblib, estimator cloning, input checks) cost more than growing ten
  trees on a few hundred rows.
* Costs can be modelled on a log scale (min-max normalised, then ``log``), as SMAC's
  hyperparameter-optimisation facade does: it stretches the region near the optimum
  where the interesting differences are.
  The floor of the scale lies below the best cost by its gap to the 5th percentile.
* Optional prior observations from related tasks (see :class:`PriorObservations`):
  rows carrying a task-similarity input (1 for the task being tuned) and a sample weight
  that shrinks with dissimilarity and fades as the task's own trials accumulate.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import sklearn
from sklearn.tree import DecisionTreeRegressor

__all__ = ["RandomForestSurrogate", "PriorObservations", "impute_inactive", "log_scale_costs"]

INACTIVE = -1.0


def impute_inactive(X: np.ndarray) -> np.ndarray:
    """Replace NaN (inactive) by the out-of-range constant ``-1``."""
    return np.where(np.isnan(X), INACTIVE, X)


def _as_tree_input(X: np.ndarray) -> np.ndarray:
    # scikit-learn trees split on float32 values; converting once skips per-tree checks.
    return np.ascontiguousarray(X, dtype=np.float32)


def log_scale_costs(y: np.ndarray, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    """``log`` of costs scaled to ``(0, 1]`` against a floor just below the best cost.

    The floor sits as far below the minimum as the 5th percentile sits above it (SMAC's
    choice), so the distance to the unknown optimum is estimated from the data rather
    than fixed.
    """
    y = np.asarray(y, dtype=float)
    lo = log_floor(y) if lo is None else lo
    hi = float(np.max(y)) if hi is None else hi
    span = hi - lo if hi > lo else 1.0
    return np.log(np.clip((y - lo) / span, 1e-12, None))


def log_floor(y: np.ndarray) -> float:
    """``min - (q5 - min)``, nudged down so the best cost never maps to ``log(0)``."""
    y = np.asarray(y, dtype=float)
    low = float(np.min(y))
    gap = float(np.percentile(y, 5)) - low
    span = float(np.max(y)) - low
    return low - gap - max(1e-10, 1e-6 * span)


@dataclass(frozen=True)
class PriorObservations:
    """Evaluations of the same space on related tasks, to inform the surrogate early.

    Attributes
    ----------
    X : array (n, d)
        Vector forms of the configurations (NaN = inactive).
    y : array (n,)
        Costs (lower is better), on each task's own scale.
    task : array (n,)
        Task label of each row (costs are standardised per task).
    similarity : array (n,)
        Similarity in ``[0, 1]`` of the row's task to the task being tuned.
    fade_after : int
        The priors' weight falls linearly to zero as the task's own trials reach this count.
    """

    X: np.ndarray
    y: np.ndarray
    task: np.ndarray
    similarity: np.ndarray
    fade_after: int = 40

    def standardised(self) -> np.ndarray:
        """Costs z-scored per task (a task whose costs are all equal gives zeros)."""
        out = np.zeros(len(self.y))
        for t in np.unique(self.task):
            m = self.task == t
            y = self.y[m]
            sd = y.std()
            out[m] = (y - y.mean()) / sd if sd > 0 else 0.0
        return out

    def weight(self, n_own: int) -> float:
        return max(0.0, 1.0 - n_own / max(1, self.fade_after))


_STREAMS = threading.local()


def _seeded(seed: int) -> np.random.RandomState:
    """A legacy random stream in the state ``np.random.RandomState(seed)`` starts in.

    One object per thread, re-seeded on every call: building a ``RandomState`` costs
    ~0.13 ms of CPU (its bit generator is first seeded from the OS), re-seeding one a
    few microseconds, and a forest fit needed 21 of them. The stream is shared: draw
    from it before the next call.
    """
    rs = getattr(_STREAMS, "rs", None)
    if rs is None:
        rs = _STREAMS.rs = np.random.RandomState(0)
    rs.seed(seed)
    return rs


def _bootstrap_cdf(weights: np.ndarray) -> np.ndarray:
    """Cumulative draw probabilities, as ``RandomState.choice(..., p=)`` forms them."""
    cdf = (weights / weights.sum()).cumsum()
    cdf /= cdf[-1]
    return cdf


def _bootstrap_rows(cdf: np.ndarray, seed: int) -> np.ndarray:
    """``RandomState(seed).choice(n, n, replace=True, p=p)`` for ``cdf`` from ``p``.

    The same draws (uniforms from the seeded stream, placed by ``searchsorted``) without
    ``choice``'s per-call checks of ``p``, which cost more than the draws.
    """
    u = _seeded(seed).random_sample(len(cdf))
    return cdf.searchsorted(u, side="right").astype(np.int32)


def grow_tree(X: np.ndarray, y: np.ndarray, weights: np.ndarray, seed: int, *, check: bool = True,
              **tree_params: object) -> DecisionTreeRegressor:
    """A ``DecisionTreeRegressor`` fitted to ``X`` (float32, imputed), ``y`` and row weights.

    Its random stream is the one ``RandomState(seed)`` starts with, as a scikit-learn
    forest hands each tree; ``check=False`` skips re-validating arguments and inputs
    (for the second and later trees grown on the same, already checked, arrays).
    """
    tree = DecisionTreeRegressor(random_state=_seeded(seed), **tree_params)  # type: ignore[arg-type]
    with sklearn.config_context(skip_parameter_validation=not check):
        tree.fit(X, y, sample_weight=weights, check_input=check)
    return tree


@dataclass(frozen=True)
class _BaggedTrees:
    """Regression trees on bootstrap samples: the fitted part of a random forest.

    ``estimators_`` are the trees, ``estimators_samples_`` the (repeated) training rows
    each was grown on, as in scikit-learn's forests.
    """

    estimators_: list[DecisionTreeRegressor]
    estimators_samples_: list[np.ndarray]
    bootstrap: bool
    n_features_in_: int

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, weights: np.ndarray, *, n_trees: int,
            bootstrap: bool, seed: int, **tree_params: object) -> "_BaggedTrees":
        # Drawn as scikit-learn's forest (1.9) draws them, so the trees equal its own: a
        # seed per tree from RandomState(seed); the tree's bootstrap rows from
        # RandomState(tree seed), with probabilities proportional to the weights; the
        # tree then weighs each row by how often it was drawn.
        n = len(y)
        tree_seeds = _seeded(seed).randint(np.iinfo(np.int32).max, size=n_trees)
        cdf = _bootstrap_cdf(weights)
        trees, samples = [], []
        for t, tree_seed in enumerate(tree_seeds):
            if bootstrap:
                rows = _bootstrap_rows(cdf, int(tree_seed))
                w = np.bincount(rows, minlength=n).astype(float)
            else:
                rows, w = np.arange(n), weights
            trees.append(grow_tree(X, y, w, int(tree_seed), check=t == 0, **tree_params))
            samples.append(rows)
        return cls(trees, samples, bootstrap, X.shape[1])

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Mean of the trees' predictions at vector forms ``X`` (NaN = inactive)."""
        Xi = _as_tree_input(impute_inactive(np.asarray(X, dtype=float)))
        return np.mean([tree.predict(Xi) for tree in self.estimators_], axis=0)


class RandomForestSurrogate:
    """Random forest with SMAC-style uncertainty.

    Parameters
    ----------
    n_trees : int
        Number of trees (SMAC uses 10).
    min_samples_leaf : int
    max_features : float
        Share of the inputs considered at each split.
    log_costs : bool
        Model ``log`` of min-max-normalised costs.
    seed : int
    """

    def __init__(self, n_trees: int = 10, *, min_samples_leaf: int = 1, max_features: float = 1.0,
                 log_costs: bool = True, bootstrap: bool = True, seed: int = 0,
                 min_samples_split: int = 2) -> None:
        self.n_trees = n_trees
        self.min_samples_leaf = min_samples_leaf
        self.min_samples_split = min_samples_split
        self.max_features = max_features
        self.log_costs = log_costs
        self.bootstrap = bootstrap
        self.seed = seed

    # ------------------------------------------------------------------ fit
    def transform(self, y: np.ndarray) -> np.ndarray:
        """Costs on the scale the forest models (log-scaled if ``log_costs``)."""
        return log_scale_costs(y, self._lo, self._hi) if self.log_costs else np.asarray(y, float)

    def fit(self, X: np.ndarray, y: np.ndarray, priors: PriorObservations | None = None,
            ) -> "RandomForestSurrogate":
        """Fit on vector forms ``X`` (NaN = inactive) and costs ``y``."""
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        self._lo, self._hi = log_floor(y), float(np.max(y))
        target = self.transform(y)
        weights = np.ones(len(y))
        self.uses_priors_ = priors is not None and priors.weight(len(y)) > 0 and len(priors.y) > 0
        if self.uses_priors_:
            assert priors is not None
            # Priors join on the task's own standardised scale, with a similarity input.
            mu, sd = target.mean(), target.std() if len(target) > 1 and target.std() > 0 else 1.0
            prior_target = mu + sd * priors.standardised()
            X = np.vstack([np.column_stack([X, np.ones(len(X))]),
                           np.column_stack([priors.X, priors.similarity])])
            target = np.concatenate([target, prior_target])
            weights = np.concatenate([weights, priors.weight(len(y)) * priors.similarity])
            keep = weights > 0
            X, target, weights = X[keep], target[keep], weights[keep]
        self.forest_ = _BaggedTrees.fit(
            _as_tree_input(impute_inactive(X)), target, weights, n_trees=self.n_trees,
            bootstrap=self.bootstrap and len(target) > 1, seed=self.seed,
            min_samples_leaf=self.min_samples_leaf, min_samples_split=self.min_samples_split,
            max_features=self.max_features)
        self._leaf_stats()
        self.X_train_ = X  # what the forest saw (own rows first), for out-of-bag predictions
        self.y_train_ = target[: len(y)]
        return self

    def _leaf_stats(self) -> None:
        """Mean and variance of the (in-bag, weighted) training targets in every node.

        A squared-error tree stores exactly these in its public ``tree_`` structure:
        ``value`` is the weighted mean of the node's samples and ``impurity`` their
        weighted variance (bootstrap draws enter as sample weights).
        """
        self.leaf_mean_ = [tree.tree_.value[:, 0, 0].copy() for tree in self.forest_.estimators_]
        self.leaf_var_ = [np.maximum(tree.tree_.impurity, 0.0) for tree in self.forest_.estimators_]
        # every tree's nodes in one array (tree t's node k at offset[t] + k), and each
        # node's second moment var + mean**2: a prediction then gathers once per moment
        sizes = [len(m) for m in self.leaf_mean_]
        self._node_offset = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        self._node_mean = np.concatenate(self.leaf_mean_)
        self._node_second = np.concatenate([v + m ** 2 for m, v in zip(self.leaf_mean_,
                                                                       self.leaf_var_)])

    # -------------------------------------------------------------- predict
    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the modelled cost at vector forms ``X``."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if getattr(self, "uses_priors_", False):
            X = np.column_stack([X, np.ones(len(X))])
        Xi = _as_tree_input(impute_inactive(X))
        nodes = np.column_stack([tree.tree_.apply(Xi) for tree in self.forest_.estimators_])
        nodes += self._node_offset
        mean = self._node_mean[nodes].mean(axis=1)
        var = np.maximum(self._node_second[nodes].mean(axis=1) - mean ** 2, 0.0)
        return mean, var
