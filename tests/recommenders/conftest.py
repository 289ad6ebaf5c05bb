"""Views with known answers for the recommender tests."""

from __future__ import annotations

import pandas as pd
import pytest

from metaknow.recommenders.synthetic import synthetic_view
from metaknow.spaces import get_space
from repository.view import RepositoryView

#: Normalised scores (every row already spans 0..1). By hand:
#: average rank  c1 2.25, c2 2.5, c3 2.5, c4 2.75  -> c1, c2, c3, c4 (tie c2/c3 by order)
#: greedy portfolio: c1 (mean .55); then c3 (best-of [1,.4,1,1] = .85 beats c2 .825, c4 .7);
#: then c2 (1.0 beats c4 .9); then c4  -> c1, c3, c2, c4
HAND_SCORES = [[1.0, 0.0, 0.5, 0.2],
               [0.0, 1.0, 0.4, 0.6],
               [0.2, 0.3, 1.0, 0.0],
               [1.0, 0.5, 0.0, 0.6]]
#: Meta-features: A (0,0), B (10,0), C (0,10), D (10,10).
HAND_MF = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]]


@pytest.fixture(scope="session")
def hand_view() -> RepositoryView:
    space = get_space("lightgbm", "classification")
    configs = [space.default()] + space.design(4, seed=1, include_default=False)[:3]
    tasks = ["A", "B", "C", "D"]
    cids = ["c1", "c2", "c3", "c4"]
    return RepositoryView(
        performance=pd.DataFrame(HAND_SCORES, index=tasks, columns=cids),
        metafeatures=pd.DataFrame(HAND_MF, index=tasks, columns=["f1", "f2"]),
        configurations={c: (space.key, cfg) for c, cfg in zip(cids, configs)},
        metric="roc_auc",
        tasks=pd.DataFrame({"name": ["task-A", "task-B", "task-C", "task-D"],
                            "task_type": "classification"}, index=tasks),
        defaults={space.key: "c1"},
    )


@pytest.fixture(scope="session")
def synth_view() -> RepositoryView:
    return synthetic_view(n_tasks=30, n_configs=20, n_metafeatures=8, seed=4)
