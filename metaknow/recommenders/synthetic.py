"""Synthetic repositories with a known structure (tests, latency benchmark, examples).

Each task has a hidden 2-d "type" ``u``; each configuration a hidden preference ``v``.
A configuration's score on a task is ``0.7 + 0.1 * quality + 0.2 * cos(u, v)`` plus
noise, so tasks of similar type like the same configurations. Meta-features: the first
``n_informative`` are noisy linear functions of ``u`` (one of them an exponentiated,
count-like column), the rest are pure noise — a good distance must learn to ignore them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from repository.view import RepositoryView

__all__ = ["synthetic_view"]


def synthetic_view(n_tasks: int = 60, n_configs: int = 40, n_metafeatures: int = 12,
                   n_informative: int = 4, noise: float = 0.02, missing: float = 0.0,
                   seed: int = 0) -> RepositoryView:
    """A :class:`RepositoryView` of the ``lightgbm/classification`` space (random configs)."""
    from metaknow.spaces import get_space

    rng = np.random.default_rng(seed)
    space = get_space("lightgbm", "classification")
    configs = [space.default()] + space.sample(rng, n_configs - 1)
    angle_t = rng.uniform(0, 2 * np.pi, n_tasks)
    angle_c = rng.uniform(0, 2 * np.pi, n_configs)
    quality = rng.normal(0, 1, n_configs)
    perf = (0.7 + 0.1 * np.tanh(quality)[None, :] + 0.2 * np.cos(angle_t[:, None] - angle_c[None, :])
            + rng.normal(0, noise, (n_tasks, n_configs)))
    perf[rng.random(perf.shape) < missing] = np.nan
    u = np.column_stack([np.cos(angle_t), np.sin(angle_t)])
    mf = rng.normal(0, 1, (n_tasks, n_metafeatures))
    for f in range(min(n_informative, n_metafeatures)):
        mf[:, f] = u @ rng.normal(0, 1, 2) + rng.normal(0, 0.05, n_tasks)
    if n_informative >= 1:
        mf[:, 0] = np.exp(3 + 2 * u[:, 0]) * 100  # a heavy-tailed "count"
    tasks = [f"t{i:04d}" for i in range(n_tasks)]
    cids = [f"c{j:04d}" for j in range(n_configs)]
    names = [f"mf{f:02d}" for f in range(n_metafeatures)]
    return RepositoryView(
        performance=pd.DataFrame(perf, index=tasks, columns=cids),
        metafeatures=pd.DataFrame(mf, index=tasks, columns=names),
        configurations={c: (space.key, cfg) for c, cfg in zip(cids, configs)},
        metric="roc_auc",
        tasks=pd.DataFrame({"name": [f"task{i}" for i in range(n_tasks)], "task_type": "classification",
                            "n_rows": 1000, "n_features": 10}, index=tasks),
        defaults={space.key: cids[0]},
    )
