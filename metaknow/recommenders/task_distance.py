"""Distance between tasks in meta-feature space, with weights learned from performance.

Plain L1 on standardised meta-features (auto-sklearn's warm start) trusts every
meta-feature equally. Here the weights are learned from the repository so that a small
distance means *the same configurations do well*:

1. **Performance dissimilarity** of two prior tasks: ``1 - Spearman correlation`` of their
   scores over the configurations both evaluated (pairs with fewer than ``min_common``
   shared configurations are left out — e.g. OpenML flows where every task has its own
   random configurations; then the weights stay uniform).
2. **Pair features**: the per-meta-feature absolute difference of the scaled values
   (:class:`MetaFeatureScaler`; a missing value costs the feature's mean difference).
3. **Weights**: non-negative least squares of the dissimilarity on the pair features
   (plus an intercept) — meta-features that do not help get weight 0 — then shrunk
   towards uniform weights: ``w = (1 - a) w_nnls + a w_uniform``. When there are fewer
   than 10 task pairs per meta-feature, only the ``n_pairs / 10`` meta-features whose
   difference correlates best with the dissimilarity enter the least squares.
4. **Choosing a** by task-grouped cross-validation (leave-one-task-out when there are at
   most ``n_folds`` tasks): weights are fitted on pairs of training tasks only; for each
   held-out task, the Spearman correlation between its learned distances and its
   performance dissimilarities to the training tasks is averaged. ``cv_scores_`` keeps
   the score of every ``a`` (``a = 1`` is plain uniform L1), so one can see whether
   learning helped on this repository.

A new task is *far from every prior task* when its nearest distance exceeds
``far_factor`` times the 95th percentile of the prior tasks' own nearest-neighbour
distances; it *is* a prior task when the distance is below ``1e-3`` times their median.
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
import pandas as pd
from scipy.optimize import nnls
from scipy.stats import rankdata
from threadpoolctl import threadpool_limits

from metaknow.recommenders.base import NeighbourTask
from metaknow.recommenders.metafeature_scaling import MetaFeatureScaler
from repository.view import RepositoryView

__all__ = ["TaskDistance", "performance_dissimilarity", "shared_distance"]


def performance_dissimilarity(performance: np.ndarray, min_common: int = 5) -> np.ndarray:
    """``1 - Spearman`` between the rows of ``performance`` over shared non-NaN columns.

    NaN where two tasks share fewer than ``min_common`` evaluated configurations or one
    of them is constant there.
    """
    R = pd.DataFrame(performance).rank(axis=1).to_numpy(dtype=float)
    M = (~np.isnan(R)).astype(float)
    R = np.nan_to_num(R)
    n = M @ M.T
    sx, sy = R @ M.T, M @ R.T
    sxx, syy = (R * R) @ M.T, M @ (R * R).T
    sxy = R @ R.T
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / n
        vx, vy = sxx - sx * sx / n, syy - sy * sy / n
        corr = cov / np.sqrt(vx * vy)
    corr[(n < min_common) | ~(vx > 1e-12) | ~(vy > 1e-12)] = np.nan
    return 1.0 - np.clip(corr, -1.0, 1.0)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x - x.mean(), y - y.mean()
    den = np.sqrt((x @ x) * (y @ y))
    return float(x @ y / den) if den > 0 else float("nan")


class TaskDistance:
    """Weighted L1 distance on scaled meta-features, weights learned from performance.

    Parameters
    ----------
    learn_weights : bool, default=True
        ``False`` gives plain L1 on the scaled meta-features.
    shrinkage_grid : tuple of float
        Candidate values of ``a`` (1 = uniform weights).
    n_folds : int, default=5
    max_pairs : int, default=20000
        Task pairs used to fit the weights (a random subset beyond that).
    min_common : int, default=5
    far_factor : float, default=2.0
    max_neighbours : int, default=25
        Neighbour gaps kept per prior task (see :meth:`typical_gap`).
    seed : int, default=0
    """

    def __init__(self, *, learn_weights: bool = True,
                 shrinkage_grid: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0),
                 n_folds: int = 5, max_pairs: int = 20000, min_common: int = 5,
                 far_factor: float = 2.0, max_neighbours: int = 25, seed: int = 0) -> None:
        self.learn_weights = learn_weights
        self.shrinkage_grid = shrinkage_grid
        self.n_folds = n_folds
        self.max_pairs = max_pairs
        self.min_common = min_common
        self.far_factor = far_factor
        self.max_neighbours = max_neighbours
        self.seed = seed

    # ---------------------------------------------------------------- fit
    def fit(self, view: RepositoryView, dissimilarity: np.ndarray | None = None) -> "TaskDistance":
        """Scale the meta-features and learn the weights (see the module docstring).

        ``dissimilarity`` (tasks x tasks, NaN = unknown) replaces the default target of the
        weights, ``1 - Spearman`` of the normalised scores (e.g.
        :func:`~metaknow.recommenders.gains.gain_dissimilarity`).
        """
        with threadpool_limits(limits=1, user_api="blas"):
            return self._fit(view, dissimilarity)

    def _fit(self, view: RepositoryView, dissimilarity: np.ndarray | None = None) -> "TaskDistance":
        self._prepare(view)
        F = len(self.features_)
        uniform = np.full(F, 1.0 / F) if F else np.zeros(0)
        self.weights_, self.shrinkage_, self.cv_scores_ = uniform, 1.0, {}
        if self.learn_weights and F > 1 and len(self.tasks_) >= 6:
            dperf = (performance_dissimilarity(view.normalised().to_numpy(dtype=float), self.min_common)
                     if dissimilarity is None else np.asarray(dissimilarity, dtype=float))
            self._learn(dperf, uniform)
        self._finish()
        return self

    def _prepare(self, view: RepositoryView) -> None:
        """Task ids and names, the scaler and the scaled meta-features of the view."""
        tasks = [str(t) for t in view.performance.index]
        mf = view.metafeatures.reindex(view.performance.index)
        self.tasks_ = tasks
        names = view.tasks["name"].reindex(view.performance.index) if "name" in view.tasks else None
        self.task_names_ = [str(n) if names is not None and pd.notna(n) else t
                            for t, n in zip(tasks, names if names is not None else tasks)]
        self.scaler_ = MetaFeatureScaler().fit(mf)
        self.features_ = self.scaler_.features_
        self.Z_ = self.scaler_.transform(mf)
        self.fill_ = self._mean_abs_diff(self.Z_)

    def _finish(self) -> None:
        """What follows from the scaled meta-features and the weights."""
        self.neighbour_gaps_ = self._neighbour_gaps(self.max_neighbours)
        finite = self.neighbour_gaps_[:, 0][np.isfinite(self.neighbour_gaps_[:, 0])]
        self.bandwidth_ = float(np.median(finite)) if len(finite) and np.median(finite) > 0 else 1.0
        self.far_threshold_ = (self.far_factor * float(np.percentile(finite, 95))
                               if len(finite) else np.inf)
        self.self_tolerance_ = 1e-3 * self.bandwidth_

    # --------------------------------------------------------- persistence
    def to_state(self) -> dict:
        """What was learned, JSON-ready (the rest is recomputed from the view on load)."""
        return {"params": self.get_params(), "features": list(self.features_),
                "weights": [float(w) for w in self.weights_], "shrinkage": float(self.shrinkage_),
                "cv_scores": {str(a): s for a, s in self.cv_scores_.items()}}

    @classmethod
    def from_state(cls, state: dict, view: RepositoryView) -> "TaskDistance":
        """Rebuild a fitted distance from :meth:`to_state` and the view it was fitted on."""
        self = cls(**state["params"])
        self._prepare(view)
        if list(self.features_) != list(state["features"]):
            raise ValueError("the stored distance was fitted on other meta-features")
        self.weights_ = np.asarray(state["weights"], dtype=float)
        self.shrinkage_ = float(state["shrinkage"])
        self.cv_scores_ = {float(a): float(s) for a, s in state["cv_scores"].items()}
        self._finish()
        return self

    def get_params(self) -> dict:
        return {"learn_weights": self.learn_weights, "shrinkage_grid": list(self.shrinkage_grid),
                "n_folds": self.n_folds, "max_pairs": self.max_pairs, "min_common": self.min_common,
                "far_factor": self.far_factor, "max_neighbours": self.max_neighbours, "seed": self.seed}

    @staticmethod
    def _mean_abs_diff(Z: np.ndarray) -> np.ndarray:
        out = np.ones(Z.shape[1])
        for f in range(Z.shape[1]):
            v = np.sort(Z[~np.isnan(Z[:, f]), f])
            n = len(v)
            if n >= 2:  # mean |vi - vj| over pairs, in O(n log n)
                out[f] = max(2 * np.sum((2 * np.arange(n) - n + 1) * v) / (n * (n - 1)), 1e-6)
        return out

    def _pair_diffs(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        D = np.abs(A - B)
        return np.where(np.isnan(D), self.fill_, D)

    def _learn(self, dperf: np.ndarray, uniform: np.ndarray) -> None:
        rng = np.random.default_rng(self.seed)
        T = len(self.tasks_)
        iu, ju = np.triu_indices(T, k=1)
        ok = ~np.isnan(dperf[iu, ju])
        iu, ju = iu[ok], ju[ok]
        if len(iu) < 30:
            return  # too few comparable pairs: keep uniform weights
        folds = rng.permutation(T) % min(self.n_folds, T)
        eval_tasks = rng.permutation(T)[:200]
        scores = {a: [] for a in self.shrinkage_grid}
        for f in np.unique(folds):
            held = folds == f
            train = ~held[iu] & ~held[ju]
            w = self._nnls(iu[train], ju[train], dperf, rng)
            for i in eval_tasks[held[eval_tasks]]:
                others = np.flatnonzero(~held & ~np.isnan(dperf[i]))
                if len(others) < 5:
                    continue
                D = self._pair_diffs(self.Z_[i][None, :], self.Z_[others])
                target = rankdata(dperf[i, others])
                for a in self.shrinkage_grid:
                    rho = _pearson(rankdata(D @ ((1 - a) * w + a * uniform)), target)
                    if np.isfinite(rho):
                        scores[a].append(rho)
        self.cv_scores_ = {float(a): float(np.mean(s)) if s else float("nan") for a, s in scores.items()}
        valid = {a: s for a, s in self.cv_scores_.items() if np.isfinite(s)}
        if not valid:
            return
        self.shrinkage_ = max(valid, key=lambda a: (valid[a], a))
        w = self._nnls(iu, ju, dperf, rng)
        self.weights_ = (1 - self.shrinkage_) * w + self.shrinkage_ * uniform

    def _nnls(self, iu: np.ndarray, ju: np.ndarray, dperf: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
        F = len(self.features_)
        if len(iu) > self.max_pairs:
            pick = rng.choice(len(iu), self.max_pairs, replace=False)
            iu, ju = iu[pick], ju[pick]
        y = dperf[iu, ju]
        D = self._pair_diffs(self.Z_[iu], self.Z_[ju])
        # Screening: with few task pairs, only the meta-features whose difference alone
        # correlates best (positively) with the performance dissimilarity enter the fit,
        # at most one per 10 pairs.
        m = int(min(F, max(2, len(iu) // 10)))
        keep = np.arange(F)
        if m < F:
            Dc, yc = D - D.mean(axis=0), y - y.mean()
            with np.errstate(all="ignore"):
                corr = (Dc.T @ yc) / np.sqrt((Dc ** 2).sum(axis=0) * (yc @ yc))
            keep = np.argsort(-np.nan_to_num(corr, nan=-1.0), kind="stable")[:m]
        A = np.column_stack([D[:, keep], np.ones(len(iu))])
        # Same minimiser as nnls(A, y), solved on the (F+1)-square normal equations:
        # ||A w - y||^2 = ||L' w - L^-1 A'y||^2 + const with A'A = L L'.
        G = A.T @ A
        L = np.linalg.cholesky(G + 1e-9 * np.trace(G) / len(G) * np.eye(len(G)))
        rhs = np.linalg.solve(L, A.T @ y)
        w = np.zeros(F)
        w[keep] = nnls(L.T, rhs, maxiter=50 * A.shape[1])[0][:len(keep)]
        return w / w.sum() if w.sum() > 0 else np.full(F, 1.0 / F)

    def _neighbour_gaps(self, n: int) -> np.ndarray:
        """Sorted distances of every prior task to its ``n`` nearest other prior tasks."""
        T = len(self.tasks_)
        n = max(1, min(n, T - 1)) if T > 1 else 1
        out = np.full((T, n), np.inf)
        if T < 2:
            return out
        for start in range(0, T, 128):
            block = self.Z_[start:start + 128]
            D = np.stack([self.prior_distances(start + r) for r in range(len(block))])
            for r in range(len(block)):
                D[r, start + r] = np.inf
            out[start:start + len(block)] = np.sort(np.partition(D, n - 1, axis=1)[:, :n], axis=1)
        return out

    def typical_gap(self, j: int) -> float:
        """95th percentile over prior tasks of the distance to their ``j``-th nearest task
        (``j`` from 1): a new task's ``j``-th neighbour within it counts as similar."""
        if not hasattr(self, "_gap95"):
            g = np.where(np.isfinite(self.neighbour_gaps_), self.neighbour_gaps_, np.nan)
            with np.errstate(all="ignore"):
                self._gap95 = np.nan_to_num(np.nanpercentile(g, 95, axis=0), nan=np.inf) \
                    if np.isfinite(g).any() else np.full(g.shape[1], np.inf)
        return float(self._gap95[min(j, len(self._gap95)) - 1])

    # -------------------------------------------------------------- query
    def distances(self, metafeatures: pd.Series) -> np.ndarray:
        """Distance from a new task to every prior task (order of ``tasks_``)."""
        z = self.scaler_.transform(metafeatures)
        w = self.weights_
        absent = np.array([f not in metafeatures.index for f in self.features_], dtype=bool)
        if absent.any() and not absent.all() and w[~absent].sum() > 0:
            # Meta-features the new task was not described by (a group not extracted)
            # are left out, and the remaining weights rescaled to keep the same total.
            w = np.where(absent, 0.0, w) * (w.sum() / w[~absent].sum())
        return self._pair_diffs(z, self.Z_) @ w

    def prior_distances(self, i: int) -> np.ndarray:
        """Distance from the ``i``-th prior task to every prior task (itself at 0)."""
        return self._pair_diffs(self.Z_[i][None, :], self.Z_) @ self.weights_

    def similarity(self, distances: np.ndarray) -> np.ndarray:
        """``exp(-d / bandwidth_)``: 1 for an identical task, ~0.37 at a typical neighbour gap."""
        return np.exp(-np.asarray(distances) / self.bandwidth_)

    def nearest(self, metafeatures: pd.Series, n: int,
                exclude_tasks: Iterable[str] = ()) -> list[NeighbourTask]:
        """The ``n`` closest prior tasks, closest first, skipping ``exclude_tasks``."""
        d = self.distances(metafeatures)
        return self.rank(d, n, exclude_tasks)

    def rank(self, d: np.ndarray, n: int, exclude_tasks: Iterable[str] = ()) -> list[NeighbourTask]:
        excluded = set(map(str, exclude_tasks))
        m = min(len(d), n + len(excluded))
        top = np.argpartition(d, m - 1)[:m] if 0 < m < len(d) else np.arange(len(d))
        order = top[np.lexsort((top, d[top]))]
        out = []
        for i in order:
            if self.tasks_[i] not in excluded and len(out) < n:
                out.append(NeighbourTask(self.tasks_[i], self.task_names_[i], float(d[i]),
                                         float(np.exp(-d[i] / self.bandwidth_))))
        return out

    def is_far(self, distance: float) -> bool:
        """Whether a nearest distance means the new task is unlike every prior task."""
        return bool(distance > self.far_threshold_)

    def same_tasks(self, metafeatures: pd.Series) -> list[str]:
        """Prior tasks whose meta-features coincide with these (the dataset itself)."""
        if not self.features_:
            return []
        d = self.distances(metafeatures)
        return [self.tasks_[i] for i in np.flatnonzero(d <= self.self_tolerance_)]


#: Distances fitted in this process, by cache key (a few views at most).
_FITTED: dict[str, TaskDistance] = {}


def shared_distance(view: RepositoryView, *, target: str = "rank",
                    dissimilarity: Callable[[], np.ndarray] | None = None,
                    **params: object) -> TaskDistance:
    """The task distance of ``view``, fitted once per repository content.

    Every user of a view's distance (the strategies, the nearest-task report of
    :func:`metaknow.recommend`) asks here, so one ``recommend`` fits it at most once, a
    second call in the same process reuses it, and a new process loads its weights from
    the disk cache (:mod:`~metaknow.recommenders.fit_cache`). ``target`` names what the
    weights were learned to predict; ``dissimilarity`` computes that target (default:
    ``1 - Spearman`` of the normalised scores, ``target="rank"``).
    """
    from metaknow.recommenders import fit_cache

    key = fit_cache.cache_key("task_distance", fit_cache.view_digest(view),
                              {**params, "target": target})
    if key in _FITTED:
        return _FITTED[key]
    state = fit_cache.load(key)
    distance = None
    if state is not None:
        try:
            distance = TaskDistance.from_state(state, view)
        except (KeyError, TypeError, ValueError):
            distance = None  # an unreadable entry is refitted, never trusted
    if distance is None:
        distance = TaskDistance(**params).fit(view, dissimilarity() if dissimilarity else None)  # type: ignore[arg-type]
        fit_cache.save(key, distance.to_state())
    if len(_FITTED) >= 8:
        _FITTED.pop(next(iter(_FITTED)))
    _FITTED[key] = distance
    return distance
