"""Prior observations: evaluations of the nearest prior tasks fed to the surrogate.

Beyond SMAC, which starts every run knowing nothing: the repository already holds how
each of its configurations did on tasks similar to the new one. :func:`priors_from_view`
turns the rows of the nearest tasks into :class:`~metaknow.bo.surrogate.PriorObservations`
(vector forms, costs, task labels, similarities); the surrogate adds them as down-weighted
observations with a task-similarity input, and their weight fades as the task's own
trials accumulate.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from metaknow.bo.surrogate import PriorObservations
from metaknow.space import SearchSpace

__all__ = ["priors_from_view", "similarities_from_distances"]


def similarities_from_distances(distances: Sequence[float]) -> np.ndarray:
    """Map distances to ``(0, 1]``: ``exp(-d / median(d))`` (1 for a distance of 0)."""
    d = np.asarray(distances, dtype=float)
    d = np.where(np.isfinite(d), d, np.nanmax(d[np.isfinite(d)]) if np.isfinite(d).any() else 1.0)
    scale = float(np.median(d)) if np.median(d) > 0 else 1.0
    return np.exp(-d / scale)


def priors_from_view(view: Any, space: SearchSpace, task_ids: Sequence[str],
                     similarities: Sequence[float], fade_after: int = 40,
                     ) -> PriorObservations | None:
    """The evaluations of ``space`` on ``task_ids`` in a :class:`RepositoryView`.

    ``view.performance`` is larger-is-better, so costs are its negation. Configurations
    of other spaces and ones that no longer validate are skipped. ``None`` when nothing
    is usable.
    """
    from metaknow.recommenders.meta_surrogate import design_vectors

    ids, V = design_vectors(view, space)
    vectors = dict(zip(ids, V))
    X, y, task, sim = [], [], [], []
    for t, s in zip(task_ids, similarities):
        if t not in view.performance.index or not s > 0:
            continue
        row = view.performance.loc[t]
        for c, vec in vectors.items():
            v = row.get(c)
            if v is not None and np.isfinite(v):
                X.append(vec)
                y.append(-float(v))
                task.append(str(t))
                sim.append(float(s))
    if not y:
        return None
    return PriorObservations(np.vstack(X), np.array(y), np.array(task), np.array(sim), fade_after)
