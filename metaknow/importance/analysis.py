"""Importance across tasks: one decomposition per task, summarised with its spread."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from metaknow.importance.surrogates import TaskSurrogate, fit_surrogates
from metaknow.space import SearchSpace

__all__ = ["ImportanceResult", "importance", "importance_of", "label"]


def label(subset: Sequence[str]) -> str:
    """Row label of a parameter (``"name"``) or a pair (``"a:b"``)."""
    return ":".join(subset)


@dataclass
class ImportanceResult:
    """Variance shares per task and their summary across tasks.

    Attributes
    ----------
    per_task : DataFrame, tasks x labels
        Share of each parameter / pair on each task (NaN: the task did not vary it).
    summary : DataFrame
        One row per label, sorted by median: ``median``, ``q25``, ``q75``, ``mean``,
        ``n_tasks``, ``kind`` (``"main"`` or ``"pair"``).
    method : str
    space : str
    metric : str
    notes : list of str
    """

    per_task: pd.DataFrame
    summary: pd.DataFrame
    method: str
    space: str
    metric: str = ""
    notes: list[str] = field(default_factory=list)

    def main_effects(self) -> pd.DataFrame:
        return self.summary[self.summary["kind"] == "main"]

    def to_dict(self) -> dict[str, Any]:
        rows = [{"parameters": k.split(":"), **{c: _num(v) for c, v in r.items()}}
                for k, r in self.summary.iterrows()]
        return {"method": self.method, "space": self.space, "metric": self.metric,
                "n_tasks": int(self.per_task.shape[0]), "summary": rows,
                "per_task": {str(t): {k: _num(v) for k, v in r.items() if pd.notna(v)}
                             for t, r in self.per_task.iterrows()},
                "notes": list(self.notes)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _num(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if np.isnan(v) else round(float(v), 6)
    return v


def importance_of(surrogates: Sequence[TaskSurrogate], method: str = "fanova",
                  pairs: bool = True, **params: Any) -> pd.DataFrame:
    """Tasks x labels matrix of shares, one row per fitted surrogate."""
    from metaknow.importance import get_method

    m = get_method(method, **params)
    rows = {s.task: {label(k): v for k, v in m.decompose(s, pairs=pairs).shares.items()}
            for s in surrogates}
    return pd.DataFrame.from_dict(rows, orient="index")


def summarise(per_task: pd.DataFrame) -> pd.DataFrame:
    """Median, quartiles, mean and task count of each column, sorted by median."""
    q = per_task.quantile([0.25, 0.5, 0.75])
    out = pd.DataFrame({"median": q.loc[0.5], "q25": q.loc[0.25], "q75": q.loc[0.75],
                        "mean": per_task.mean(), "n_tasks": per_task.notna().sum()})
    out["kind"] = ["pair" if ":" in c else "main" for c in out.index]
    return out.sort_values(["median", "mean"], ascending=False)


def importance(space: SearchSpace, view: Any, tasks: Sequence[str] | None = None, *,
               method: str = "fanova", pairs: bool = True, n_trees: int = 32,
               min_evaluations: int = 10, domain: str = "observed", seed: int = 0
               ) -> ImportanceResult:
    """Importance of ``space``'s parameters across the tasks of a repository view.

    Parameters
    ----------
    space : SearchSpace
    view : RepositoryView
        Prior evaluations (see :meth:`repository.store.Store.view`).
    tasks : sequence of str, optional
        Task ids (the view's index) to use; default every task.
    method : str, default="fanova"
        A name of :data:`metaknow.importance.METHODS`.
    pairs : bool, default=True
        Also report pairwise interactions (methods that support them).
    n_trees : int, default=32
        Trees per task surrogate.
    min_evaluations : int, default=10
        Tasks with fewer evaluations are left out.
    domain : {"observed", "space"}, default="observed"
        Integrate over the range each task's evaluations cover, or over the whole space
        (see :mod:`~metaknow.importance.surrogates`).
    seed : int, default=0

    Returns
    -------
    ImportanceResult
    """
    surrogates, notes = fit_surrogates(view, space, tasks, min_evaluations=min_evaluations,
                                       n_trees=n_trees, domain=domain, seed=seed)
    per_task = importance_of(surrogates, method, pairs)
    never = [p for p in space.names if p not in per_task.columns]
    if never:
        notes.append(f"never varied in the evaluations, left out: {', '.join(never)}")
    return ImportanceResult(per_task, summarise(per_task), method, space.key,
                            str(getattr(view, "metric", "")), notes)
