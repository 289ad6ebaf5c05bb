"""Nearest prior tasks: what did well on the most similar tasks.

The ``n_neighbors`` prior tasks closest to the new one (learned-weight L1 distance, see
:mod:`~metaknow.recommenders.task_distance`) vote with similarity weights
``exp(-d / bandwidth)``. Configurations are picked greedily to maximise the
similarity-weighted best-of score over those tasks, so the first pick is the
configuration with the best weighted mean and each later pick covers a neighbour the
earlier ones served badly (their best configurations, deduplicated). The predicted score
is the weighted mean over the neighbours that evaluated the configuration; the
uncertainty combines their weighted spread with how few they are (see ``column_stats``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaknow.recommenders.base import Candidate, NeighbourTask, Recommender, column_stats
from metaknow.recommenders.portfolio import greedy_select
from metaknow.recommenders.task_distance import shared_distance
from repository.view import RepositoryView

__all__ = ["NearestTasks"]


class NearestTasks(Recommender):
    """Best configurations of the nearest prior tasks, weighted by similarity.

    Parameters
    ----------
    n_neighbors : int, default=5
    learn_weights : bool, default=True
        Learn meta-feature weights (``False``: plain L1 on scaled meta-features).
    seed : int, default=0
    """

    name = "nearest_tasks"

    def __init__(self, *, n_neighbors: int = 5, learn_weights: bool = True, seed: int = 0) -> None:
        self.n_neighbors = n_neighbors
        self.learn_weights = learn_weights
        self.seed = seed

    def _fit(self, view: RepositoryView) -> None:
        if int(self.n_neighbors) < 1:
            from metaknow.exceptions import RecommendError
            raise RecommendError(f"n_neighbors must be at least 1, got {self.n_neighbors}")
        self.distance_ = shared_distance(view, learn_weights=bool(self.learn_weights), seed=int(self.seed))
        self.row_ = {t: i for i, t in enumerate(self.tasks_)}

    def _task_weights(self, d: np.ndarray, excluded: frozenset[str]
                      ) -> tuple[np.ndarray, list[NeighbourTask], str]:
        """Weight of every prior task in the greedy objective, the neighbours, a note."""
        if not self.distance_.features_:  # nothing to measure similarity with
            keep = np.array([t not in excluded for t in self.tasks_], dtype=float)
            return keep / keep.sum(), [], "global portfolio (the repository has no meta-features)"
        neigh = self.distance_.rank(d, int(self.n_neighbors), excluded)
        w = np.zeros(len(self.tasks_))
        for nb in neigh:
            w[self.row_[nb.task_id]] = max(nb.similarity, 1e-12)
        return w, neigh, "similarity-weighted best of the nearest tasks"

    def _pool(self, neigh: list[NeighbourTask]) -> np.ndarray | None:
        return None

    def _start(self, neigh: list[NeighbourTask], weights: np.ndarray,
               pool: np.ndarray | None) -> list[int]:
        """Columns chosen before the greedy search (none here)."""
        return []

    def _recommend(self, metafeatures: pd.Series, k: int, excluded: frozenset[str]) -> list[Candidate]:
        d = self.distance_.distances(metafeatures)
        weights, neigh, note = self._task_weights(d, excluded)
        pool = self._pool(neigh)
        if pool is not None and len(pool) < k:
            pool = None
        order = greedy_select(self.normalised_, k, weights, pool, self._start(neigh, weights, pool))
        rows = [self.row_[nb.task_id] for nb in neigh]
        used = np.flatnonzero(weights > 0)
        mean, std = column_stats(self.normalised_[np.ix_(used, order)], weights[used], self.prior_std_)
        out = []
        for i_, j in enumerate(order):
            col = self.normalised_[rows, j]
            ev = [(nb.task_id, nb.distance) for nb, v in zip(neigh, col) if v >= 0.9]
            if len(ev) and np.nanmax(col) >= 0.999:
                why = f"best on nearest task {neigh[int(np.nanargmax(col))].name}"
            elif neigh and not ev:  # picked for tasks beyond the neighbours: say which
                why = self._best_elsewhere(j, weights, rows) or note
            else:
                why = note
            out.append(self._candidate(j, mean[i_], std[i_], ev, why))
        return out

    def _best_elsewhere(self, j: int, weights: np.ndarray, neighbour_rows: list[int]) -> str:
        """Why column ``j`` was picked when no neighbour supports it: the other prior tasks
        in the objective on which it is the best configuration ("" when there are none)."""
        others = np.flatnonzero(weights > 0)
        others = others[~np.isin(others, neighbour_rows)]
        best = [self.tasks_[i] for i in others if self.normalised_[i, j] >= 0.999]
        if not best:
            return ""
        names = dict(zip(self.distance_.tasks_, self.distance_.task_names_))
        shown = ", ".join(names.get(t, t) for t in best[:3])
        more = f" and {len(best) - 3} more" if len(best) > 3 else ""
        what = "a prior task" if len(best) == 1 else "prior tasks"
        return f"portfolio fill-in: best on {shown}{more} ({what} beyond the nearest)"
