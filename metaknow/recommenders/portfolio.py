"""Greedy portfolio: configurations that together do well on every prior task.

Built the way auto-sklearn 2.0 and AutoGluon's zero-shot portfolios are: start empty and
add, one at a time, the configuration that most increases the mean over tasks of the
best normalised score within the portfolio (a failed or missing evaluation counts as 0).
The order is computed once in ``fit``; ``recommend`` reads its first ``k`` entries.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaknow.recommenders.base import Candidate, Recommender, column_stats
from repository.view import RepositoryView

__all__ = ["GreedyPortfolio", "greedy_select"]


def greedy_select(scores: np.ndarray, k: int, weights: np.ndarray | None = None,
                  pool: np.ndarray | None = None, start: list[int] | None = None) -> list[int]:
    """Indices of ``k`` columns chosen greedily to maximise the weighted best-of score.

    Parameters
    ----------
    scores : array, tasks x configurations
        Normalised scores; NaN counts as 0 (the worst).
    k : int
    weights : array of shape (tasks,), optional
        Importance of each task (uniform by default).
    pool : array of column indices, optional
        Restrict the choice to these columns.
    start : list of column indices, optional
        Columns already chosen (they come first in the result; must be in ``pool``).

    Ties are broken by the column's weighted mean score, then by the lower index, so the
    result is deterministic.
    """
    S = np.asarray(scores, dtype=float)
    cols = np.arange(S.shape[1]) if pool is None else np.asarray(pool, dtype=int)
    w = np.ones(S.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    rows = np.flatnonzero(w > 0) if w.sum() > 0 else np.arange(S.shape[0])
    # tasks of weight 0 cannot change the objective: leave them out (one copy of the block)
    w = w[rows] / w[rows].sum() if w.sum() > 0 else np.full(S.shape[0], 1.0 / S.shape[0])
    if len(rows) < S.shape[0] or pool is not None:
        S = S[np.ix_(rows, cols)]
    S = np.nan_to_num(S, nan=0.0)
    tiebreak = 1e-9 * (w @ S)
    best = np.zeros(S.shape[0])
    chosen: list[int] = []
    available = np.ones(S.shape[1], dtype=bool)
    for c in start or []:
        j = int(np.flatnonzero(cols == c)[0])
        chosen.append(j)
        available[j] = False
        best = np.maximum(best, S[:, j])
    for _ in range(min(k, S.shape[1]) - len(chosen)):
        gain = w @ np.maximum(S, best[:, None]) + tiebreak
        gain[~available] = -np.inf
        j = int(np.argmax(gain))
        chosen.append(j)
        available[j] = False
        best = np.maximum(best, S[:, j])
    return [int(cols[j]) for j in chosen]


class GreedyPortfolio(Recommender):
    """Global greedy portfolio (ignores the new task's meta-features).

    Parameters
    ----------
    max_size : int, default=50
        Length of the portfolio computed in ``fit``; larger ``k`` extends it on demand.
    """

    name = "portfolio"

    def __init__(self, *, max_size: int = 50) -> None:
        self.max_size = max_size

    def _fit(self, view: RepositoryView) -> None:
        self.order_ = greedy_select(self.normalised_, self.max_size)
        self.mean_, self.std_ = column_stats(self.normalised_, prior_std=self.prior_std_)

    def _recommend(self, metafeatures: pd.Series, k: int, excluded: frozenset[str]) -> list[Candidate]:
        order = self.order_ if k <= len(self.order_) else greedy_select(self.normalised_, k)
        out = []
        for j in order[:k]:
            col = self.normalised_[:, j]
            best_on = [self.tasks_[i] for i in np.flatnonzero(col >= 0.999)][:5]
            out.append(self._candidate(j, self.mean_[j], self.std_[j],
                                       [(t, float("nan")) for t in best_on],
                                       "greedy portfolio over all prior tasks"))
        return out
