"""RepositoryView: the read-only slice of a repository that recommenders learn from.

The store produces a view (``Store.view(space=..., metric=...)``); recommenders,
benchmarks and the BO loop consume it and never touch SQL. Building a view by hand
(a small matrix in a test) is equally valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

__all__ = ["RepositoryView"]


@dataclass(frozen=True)
class RepositoryView:
    """Prior evaluations of one space (or several, for ``space="all"``) and one metric.

    Attributes
    ----------
    performance : DataFrame, tasks x configurations
        Mean score of each configuration on each task, **oriented so that larger is
        better** (losses such as RMSE or log loss are negated). NaN = not evaluated or
        failed. Index: task ids (str); columns: configuration ids (str).
    metafeatures : DataFrame, tasks x meta-features
        Same task index as ``performance``; NaN where a meta-feature is undefined.
    configurations : mapping configuration id -> (space key, parameters)
        ``space key`` is ``"name/task"`` (e.g. ``"lightgbm/classification"``); parameters
        are the value form of the configuration.
    metric : str
        Name of the metric behind ``performance`` (e.g. ``"roc_auc"``).
    tasks : DataFrame
        One row per task (same index): at least ``name``, ``task_type``, ``n_rows``,
        ``n_features``; ``openml_task_id`` / ``openml_dataset_id`` when known.
    defaults : mapping space key -> configuration id
        The library-default configuration of each space, when present.
    fit_times : DataFrame, tasks x configurations
        Mean seconds of one fit behind each ``performance`` cell (the build machine's
        wall time, one thread); empty when unknown. ``tasks["n_train"]``, when present,
        holds the training size those fits had.
    """

    performance: pd.DataFrame
    metafeatures: pd.DataFrame
    configurations: Mapping[str, tuple[str, dict[str, Any]]]
    metric: str
    tasks: pd.DataFrame = field(default_factory=pd.DataFrame)
    defaults: Mapping[str, str] = field(default_factory=dict)
    fit_times: pd.DataFrame = field(default_factory=pd.DataFrame)

    def without_tasks(self, task_ids: list[str] | set[str]) -> "RepositoryView":
        """The view with some tasks removed (leave-one-task-out)."""
        keep = [t for t in self.performance.index if t not in set(task_ids)]
        return RepositoryView(
            self.performance.loc[keep], self.metafeatures.loc[self.metafeatures.index.isin(keep)],
            self.configurations, self.metric,
            self.tasks.loc[self.tasks.index.isin(keep)] if len(self.tasks) else self.tasks,
            self.defaults, self.fit_times.loc[self.fit_times.index.isin(keep)])

    @property
    def n_tasks(self) -> int:
        return int(self.performance.shape[0])

    @property
    def n_configurations(self) -> int:
        return int(self.performance.shape[1])

    def normalised(self) -> pd.DataFrame:
        """Per-task min-max scaled performance (0 = worst configuration, 1 = best)."""
        p = self.performance
        lo = p.min(axis=1)
        span = p.max(axis=1) - lo
        norm = p.sub(lo, axis=0).div(span.where(span > 0), axis=0)
        flat = ~(span > 0)
        if flat.any():  # every configuration scored the same: all count as best
            norm.loc[flat] = p.loc[flat].notna().astype(float).where(p.loc[flat].notna())
        return norm
