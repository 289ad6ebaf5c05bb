"""Per-task surrogates fill a sparse matrix; a portfolio is chosen on the filled matrix.

Built for repositories of *random* configurations, such as OpenML's flow runs, where each
task evaluated its own few hundred configurations and almost no configuration was
evaluated on two tasks. There "the best configuration of the nearest task" is the noisy
maximum of a few hundred random draws on one other task, and a portfolio over the
observed matrix cannot compare configurations across tasks at all.

1. **Within-task percentiles.** Each task's scores become percentiles in (0, 1) (the
   average rank over the task's evaluated configurations divided by their number), so
   easy and hard tasks weigh alike and the target is what the OpenML yardstick measures.
2. **One surrogate per task.** A scikit-learn random forest (``n_trees`` trees, leaves of
   at least 3 runs) learns, on each task with at least ``min_evaluations`` evaluated
   configurations, the percentile from the configuration's encoding
   (:class:`~metaknow.recommenders.config_encoding.ConfigEncoder`).
3. **Candidate pool.** The ``pool_per_task`` best configurations of every task (all
   configurations when the repository has at most ``max_pool``). Each surrogate predicts
   the percentile of every candidate on its task: a dense tasks x candidates matrix.
   Where a task has no surrogate, its observed percentiles are used (NaN = 0).
4. **Task weights.** Weight ``global_weight`` spread evenly over all prior tasks — the
   *robust global* part: configurations predicted to rank high everywhere — and
   ``1 - global_weight`` over the ``n_neighbors`` nearest tasks by similarity (as in
   :class:`~metaknow.recommenders.nearest_portfolio.NearestPortfolio`, the global share
   grows when neighbours are not similar; a task far from every prior task gets the
   global weights alone).
5. **Greedy best-of selection** (:func:`~metaknow.recommenders.portfolio.greedy_select`)
   on the filled matrix: the first pick has the best weighted mean predicted percentile;
   later picks cover tasks the earlier ones serve badly. The score of a candidate is its
   weighted mean predicted percentile, the uncertainty its weighted spread over tasks.

Cost of ``fit``: one small forest per task (about 0.05 s for 500 runs) and one
prediction of the pool per task.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from metaknow.recommenders.base import Candidate, NeighbourTask, column_stats
from metaknow.recommenders.config_encoding import ConfigEncoder
from metaknow.recommenders.nearest_tasks import NearestTasks
from metaknow.recommenders.portfolio import greedy_select
from repository.view import RepositoryView

__all__ = ["SurrogatePortfolio", "within_task_percentiles", "sparse_share"]


def within_task_percentiles(performance: np.ndarray) -> np.ndarray:
    """Each row's non-NaN values as ``(average rank - 0.5) / n`` (NaN stays NaN).

    Examples
    --------
    >>> within_task_percentiles(np.array([[0.7, np.nan, 0.9, 0.8]]))
    array([[0.16666667,        nan, 0.83333333, 0.5       ]])
    """
    P = np.asarray(performance, dtype=float)
    out = np.full(P.shape, np.nan)
    for i, row in enumerate(P):
        ok = ~np.isnan(row)
        if ok.any():
            out[i, ok] = (rankdata(row[ok]) - 0.5) / ok.sum()
    return out


def sparse_share(performance: pd.DataFrame | np.ndarray) -> float:
    """Share of the evaluated configurations that were evaluated on one task only."""
    n = (~np.isnan(np.asarray(performance, dtype=float))).sum(axis=0)
    n = n[n > 0]
    return float(np.mean(n == 1)) if len(n) else 0.0


class SurrogatePortfolio(NearestTasks):
    """Greedy portfolio on per-task surrogate predictions (see the module docstring).

    Parameters
    ----------
    n_neighbors : int, default=10
        Nearest prior tasks that share the ``1 - global_weight`` part of the weights.
    global_weight : float, default=0.7
        Share of the objective spread evenly over all prior tasks (1: robust global
        portfolio, ignoring the new task's meta-features).
    n_trees : int, default=30
        Trees of each task's surrogate forest.
    min_evaluations : int, default=20
        Tasks with fewer evaluated configurations get no surrogate.
    pool_per_task : int, default=20
        Best configurations of each task that enter the candidate pool.
    max_pool : int, default=2000
        Repositories with at most this many configurations use all as candidates.
    learn_weights : bool, default=True
        Learn meta-feature weights of the task distance (``False``: plain L1).
    seed : int, default=0

    Examples
    --------
    >>> from metaknow.recommenders.synthetic import synthetic_view
    >>> view = synthetic_view(n_tasks=12, n_configs=30, seed=1)
    >>> rec = SurrogatePortfolio(n_trees=10).fit(view)
    >>> len(rec.recommend(view.metafeatures.iloc[0], 3))
    3
    """

    name = "surrogate_portfolio"
    score_meaning = ("predicted percentile within a prior task's runs, weighted over the tasks "
                     "(1 = better than every run, 0 = worse)")

    def __init__(self, *, n_neighbors: int = 10, global_weight: float = 0.7, n_trees: int = 30,
                 min_evaluations: int = 20, pool_per_task: int = 20, max_pool: int = 2000,
                 learn_weights: bool = True, seed: int = 0) -> None:
        super().__init__(n_neighbors=n_neighbors, learn_weights=learn_weights, seed=seed)
        self.global_weight = global_weight
        self.n_trees = n_trees
        self.min_evaluations = min_evaluations
        self.pool_per_task = pool_per_task
        self.max_pool = max_pool

    def _fit(self, view: RepositoryView) -> None:
        from sklearn.ensemble import RandomForestRegressor

        from metaknow.exceptions import RecommendError

        if not 0.0 <= float(self.global_weight) <= 1.0:
            raise RecommendError(f"global_weight must be in [0, 1], got {self.global_weight}")
        super()._fit(view)
        pct = within_task_percentiles(view.performance.to_numpy(dtype=float))
        self.percentiles_ = pct
        self.pool_ = self._candidate_pool(pct)
        pred = pct[:, self.pool_].copy()
        has = np.zeros(len(self.tasks_), dtype=bool)
        # a refit without some tasks (exclude_tasks) reuses the other tasks' predictions:
        # each depends only on its own task's evaluations and the candidate's encoding
        reuse = self.__dict__.pop("_reuse", None)
        X = Xpool = None
        for i, task in enumerate(self.tasks_):
            ok = np.flatnonzero(~np.isnan(pct[i]))
            if len(ok) < max(int(self.min_evaluations), 2):
                continue
            if reuse is not None and task in reuse[1]:
                pred[i] = reuse[1][task][np.searchsorted(reuse[0], self.pool_)]
            else:
                if X is None:  # encode only when a surrogate is fitted
                    configs = [view.configurations[c] for c in self.config_ids_]
                    X = ConfigEncoder().fit(configs).transform(configs)
                    Xpool = X[self.pool_]
                model = RandomForestRegressor(
                    n_estimators=int(self.n_trees), min_samples_leaf=3, max_features=0.6,
                    random_state=(int(self.seed) + zlib.crc32(task.encode())) % 2**31, n_jobs=1)
                model.fit(X[ok], pct[i, ok])
                pred[i] = model.predict(Xpool)
            has[i] = True
        self.predicted_ = pred
        self.has_surrogate_ = has

    def _without(self, excluded: frozenset[str]) -> "SurrogatePortfolio":
        if self._excluded_cache is None or self._excluded_cache[0] != excluded:
            twin = self.clone()
            twin._reuse = (self.pool_, {t: self.predicted_[i] for i, t in enumerate(self.tasks_)
                                        if self.has_surrogate_[i]})
            self._excluded_cache = (excluded, twin.fit(self.view_.without_tasks(set(excluded))))
        return self._excluded_cache[1]  # type: ignore[return-value]

    def _candidate_pool(self, pct: np.ndarray) -> np.ndarray:
        """Column indices of the candidates (see step 3 of the module docstring)."""
        C = pct.shape[1]
        if C <= int(self.max_pool):
            return np.arange(C)
        top = min(int(self.pool_per_task), C)
        filled = np.nan_to_num(pct, nan=-1.0)
        best = np.argsort(-filled, axis=1, kind="stable")[:, :top]
        picked = best[np.take_along_axis(filled, best, axis=1) >= 0]
        return np.unique(picked)

    def _task_weights(self, d: np.ndarray, excluded: frozenset[str]
                      ) -> tuple[np.ndarray, list[NeighbourTask], str]:
        keep = np.array([t not in excluded for t in self.tasks_], dtype=float)
        uniform = keep / keep.sum()
        local, neigh, _ = super()._task_weights(d, excluded)
        if not neigh or self.distance_.is_far(neigh[0].distance):
            return uniform, [], "robust global choice (no prior task is similar)"
        n_similar = sum(nb.distance <= self.distance_.typical_gap(j)
                        for j, nb in enumerate(neigh, start=1))
        g = float(self.global_weight)
        g = g + (1 - g) * (1 - n_similar / len(neigh))
        note = (f"surrogate-predicted percentile: {g:.0%} all prior tasks, "
                f"{1 - g:.0%} the {len(neigh)} nearest")
        return (1 - g) * local / local.sum() + g * uniform, neigh, note

    def _recommend(self, metafeatures: pd.Series, k: int, excluded: frozenset[str]) -> list[Candidate]:
        d = self.distance_.distances(metafeatures)
        w, neigh, note = self._task_weights(d, excluded)
        P = self.predicted_
        order = greedy_select(P, min(k, P.shape[1]), w)
        cols = [int(self.pool_[j]) for j in order]
        if k > len(cols):  # more than the pool: the rest by mean observed percentile
            rest = np.setdiff1d(np.arange(len(self.config_ids_)), self.pool_)
            m = column_stats(self.percentiles_[:, rest])[0]
            cols += [int(rest[j]) for j in np.lexsort((rest, -m))[: k - len(cols)]]
        used = np.flatnonzero(w > 0)
        rows = [self.row_[nb.task_id] for nb in neigh]
        pos = {int(c): j for j, c in enumerate(self.pool_)}
        out = []
        for c in cols:
            j = pos.get(c)
            if j is None:
                out.append(self._candidate(c, 0.0, self.prior_std_, (), "beyond the candidate pool"))
                continue
            mean, std = column_stats(P[used, j:j + 1], w[used], self.prior_std_)
            ev = [(nb.task_id, nb.distance) for nb, r in zip(neigh, rows) if P[r, j] >= 0.9]
            origin = self._origin(c, d, excluded)
            ev += [o[:2] for o in origin if o[0] not in {t for t, _ in ev}]
            where = "; ".join(f"run on {t} ({p:.0%} of its runs score lower)" for t, _, p in origin)
            out.append(self._candidate(c, mean[0], std[0], ev, f"{note}; {where}" if where else note))
        return out

    def _origin(self, col: int, d: np.ndarray, excluded: frozenset[str],
                most: int = 3) -> list[tuple[str, float, float]]:
        """``(task, distance, percentile)`` of the prior tasks that actually evaluated ``col``.

        Provenance for sparse repositories (an OpenML run's configuration comes from one
        task); empty when more than ``most`` tasks evaluated it (a shared design).
        """
        rows = [r for r in np.flatnonzero(~np.isnan(self.percentiles_[:, col]))
                if self.tasks_[r] not in excluded]
        if len(rows) > most:
            return []
        return [(self.tasks_[r], float(d[r]), float(self.percentiles_[r, col])) for r in rows]
