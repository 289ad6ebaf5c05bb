"""The gain scale: each configuration's score on a prior task minus the library default's.

Min-max normalisation gives every prior task a full vote: on a task whose configurations
all score within 0.001 ROC AUC, the "best" one is a tie-break that normalisation turns
into a score of 1. Gains keep the size of the differences in the metric's own units
(ROC AUC, R², accuracy): a flat task contributes gains near 0, whatever its order.

* The **reference** is the library default of the view's space (for several spaces, the
  LightGBM default when present, else the first in name order). A view without a default
  (e.g. imported OpenML runs) uses each task's median configuration instead.
* Gains are **clipped** to ``[-clip, clip]``: a tiny task where the default cannot fit at
  all (ROC AUC 0.5 against 0.9) must not outvote every other task, and a configuration
  that failed (NaN) counts as the worst clipped loss, ``-clip``.
* A task whose reference failed has no gains (its row is NaN) and casts no vote.
"""

from __future__ import annotations

import numpy as np

from repository.view import RepositoryView

__all__ = ["reference_default", "gain_matrix", "gain_dissimilarity"]


def reference_default(view: RepositoryView) -> str | None:
    """The configuration id gains are measured against (None: no default in the view)."""
    keys = sorted(view.defaults, key=lambda s: (not s.startswith("lightgbm/"), s))
    for key in keys:
        if view.defaults[key] in view.performance.columns:
            return str(view.defaults[key])
    return None


def gain_matrix(view: RepositoryView, clip: float) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Clipped and raw gains over the reference (tasks x configurations), and the
    reference column.

    Returns ``(clipped, raw, column)``; ``raw`` keeps NaN for a failed evaluation;
    ``column`` is None when the view has no default (gains are then measured against each
    task's median configuration).
    """
    perf = view.performance.to_numpy(dtype=float)
    ref = reference_default(view)
    col = list(map(str, view.performance.columns)).index(ref) if ref is not None else None
    with np.errstate(all="ignore"):
        base = perf[:, [col]] if col is not None else np.nanmedian(perf, axis=1, keepdims=True)
        raw = perf - base
    gains = np.where(np.isnan(perf), -clip, np.clip(raw, -clip, clip))
    gains[np.isnan(base[:, 0])] = np.nan
    return gains, raw, col


def gain_dissimilarity(gains: np.ndarray) -> np.ndarray:
    """Mean absolute difference of two tasks' gain vectors (NaN for a task without gains):
    the distance a learned task similarity should predict — tasks at distance 0 are helped
    and hurt by the same configurations, by the same amounts."""
    n = gains.shape[0]
    out = np.full((n, n), np.nan)
    ok = ~np.isnan(gains).any(axis=1)
    g = gains[ok]
    block = np.stack([np.abs(row - g).mean(axis=1) for row in g]) if len(g) else np.zeros((0, 0))
    out[np.ix_(ok, ok)] = block
    return out
