"""Global top-K by average rank across prior tasks.

Each task ranks its configurations (1 = best, ties share the mean rank, a failed or
missing evaluation ranks last); configurations are ordered by their mean rank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaknow.recommenders.base import Candidate, Recommender, column_stats
from repository.view import RepositoryView

__all__ = ["AverageRank", "average_ranks"]


def average_ranks(performance: pd.DataFrame) -> np.ndarray:
    """Mean rank of each configuration (column) over tasks (rows); larger score = rank 1."""
    ranks = performance.rank(axis=1, ascending=False, method="average", na_option="bottom")
    return ranks.to_numpy(dtype=float).mean(axis=0)


class AverageRank(Recommender):
    """Configurations with the best mean rank over all prior tasks."""

    name = "average_rank"

    def __init__(self) -> None:
        pass

    def _fit(self, view: RepositoryView) -> None:
        self.mean_rank_ = average_ranks(view.performance)
        self.order_ = np.lexsort((np.arange(len(self.mean_rank_)), self.mean_rank_))
        self.mean_, self.std_ = column_stats(self.normalised_, prior_std=self.prior_std_)

    def _recommend(self, metafeatures: pd.Series, k: int, excluded: frozenset[str]) -> list[Candidate]:
        return [self._candidate(int(j), self.mean_[j], self.std_[j], (),
                                f"mean rank {self.mean_rank_[j]:.1f} over {len(self.tasks_)} tasks")
                for j in self.order_[:k]]
