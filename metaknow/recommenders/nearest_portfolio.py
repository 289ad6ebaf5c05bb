"""Nearest tasks with portfolio fill-in (the default strategy).

The greedy best-of objective of :class:`NearestTasks` is taken over *every* prior task,
with weight ``(1 - g)`` spread over the nearest tasks by similarity and weight ``g``
spread evenly over all tasks — the global portfolio. ``g`` grows from ``global_weight``
towards 1 as fewer of the neighbours are actually similar (the ``j``-th neighbour is
similar when it is as close as the ``j``-th neighbour of 95% of the prior tasks). A new task far from
every prior task gets the global portfolio alone, and the rationale says so.
"""

from __future__ import annotations

import numpy as np

from metaknow.exceptions import RecommendError
from metaknow.recommenders.base import NeighbourTask
from metaknow.recommenders.nearest_tasks import NearestTasks
from metaknow.recommenders.portfolio import greedy_select
from repository.view import RepositoryView

__all__ = ["NearestPortfolio"]


class NearestPortfolio(NearestTasks):
    """Nearest-task configurations, topped up from the global greedy portfolio.

    Parameters
    ----------
    n_neighbors : int, default=10
    global_weight : float, default=0.2
        Share of the objective given to all prior tasks when every neighbour is similar.
    learn_weights : bool, default=True
    anchor : bool, default=False
        Make the first recommendation the global portfolio's first (the configuration with
        the best mean over all prior tasks); the neighbours then choose the rest, given it.
    win_weight : float, default=0.5
        How the first recommendation is chosen: the configuration maximising the weighted
        mean normalised score plus ``win_weight`` times the weighted share of prior tasks on
        which it beats the library default (strictly). 0 ignores the default; a large value
        picks the configuration that beats the default most often, ties broken by mean.
        Needs the view's default configuration (else 0 is used). Ignored when ``anchor``
        is set. The default 0.5 was chosen by ``metaknow benchmark zero-shot`` on the
        bundled LightGBM tasks (top-1 beats the library default on 78% of tasks instead of
        68%, at an unchanged mean normalised score).
    pool_per_task : int, default=10
        Each neighbour contributes its best ``pool_per_task`` configurations to the pool
        the greedy search chooses from (with the first 50 of the global portfolio).
    seed : int, default=0
    """

    name = "nearest_portfolio"

    def __init__(self, *, n_neighbors: int = 10, global_weight: float = 0.2,
                 learn_weights: bool = True, anchor: bool = False, win_weight: float = 0.5,
                 pool_per_task: int = 10, seed: int = 0) -> None:
        super().__init__(n_neighbors=n_neighbors, learn_weights=learn_weights, seed=seed)
        self.global_weight = global_weight
        self.anchor = anchor
        self.win_weight = win_weight
        self.pool_per_task = pool_per_task

    def _fit(self, view: RepositoryView) -> None:
        if not np.isfinite(float(self.win_weight)) or float(self.win_weight) < 0:
            raise RecommendError(f"win_weight must be a non-negative number, got {self.win_weight!r}")
        super()._fit(view)
        defaults = [c for c in view.defaults.values() if c in self.config_ids_]
        self.default_col_ = self.config_ids_.index(defaults[0]) if len(defaults) == 1 else None
        self.portfolio_ = np.array(greedy_select(self.normalised_, 50), dtype=int)
        filled = np.nan_to_num(self.normalised_, nan=-1.0)
        top = min(int(self.pool_per_task), filled.shape[1])
        self.task_top_ = np.argsort(-filled, axis=1, kind="stable")[:, :top]

    def _task_weights(self, d: np.ndarray, excluded: frozenset[str]
                      ) -> tuple[np.ndarray, list[NeighbourTask], str]:
        local, neigh, note = super()._task_weights(d, excluded)
        if not self.distance_.features_:
            return local, neigh, note
        keep = np.array([t not in excluded for t in self.tasks_], dtype=float)
        uniform = keep / keep.sum()
        n_similar = sum(nb.distance <= self.distance_.typical_gap(j)
                        for j, nb in enumerate(neigh, start=1))
        if not neigh or self.distance_.is_far(neigh[0].distance):
            # no neighbour is evidence for anything: the global portfolio alone
            return uniform, [], "global portfolio (the new task is far from every prior task)"
        g = self.global_weight + (1 - self.global_weight) * (1 - n_similar / len(neigh))
        local = local / local.sum()
        note = ("similarity-weighted best of the nearest tasks" if n_similar == len(neigh) else
                f"nearest tasks + portfolio fill-in ({n_similar} of {len(neigh)} neighbours similar)")
        return (1 - g) * local + g * uniform, neigh, note

    def _start(self, neigh: list[NeighbourTask], weights: np.ndarray,
               pool: np.ndarray | None) -> list[int]:
        if self.anchor:
            return [int(self.portfolio_[0])]
        if float(self.win_weight) == 0 or self.default_col_ is None:
            return []
        rows = np.flatnonzero(weights > 0)
        w = weights[rows] / weights[rows].sum()
        scores = self.normalised_[rows]
        wins = w @ (scores > scores[:, [self.default_col_]])  # NaN never wins
        mean = w @ np.nan_to_num(scores, nan=0.0)
        cols = np.arange(scores.shape[1]) if pool is None else np.asarray(pool, dtype=int)
        objective = mean[cols] + float(self.win_weight) * wins[cols]
        best = np.lexsort((-cols, mean[cols], objective))[-1]  # then mean, then lower index
        return [int(cols[best])]

    def _pool(self, neigh: list[NeighbourTask]) -> np.ndarray | None:
        rows = [self.row_[nb.task_id] for nb in neigh]
        if not rows:
            return self.portfolio_
        return np.unique(np.concatenate([self.portfolio_, self.task_top_[rows].ravel()]))
