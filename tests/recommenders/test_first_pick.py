"""``NearestPortfolio(first_pick="beats_default")`` on a hand-made matrix with a known answer."""

from __future__ import annotations

import pandas as pd
import pytest

from metaknow.exceptions import RecommendError
from metaknow.recommenders import get_recommender
from metaknow.spaces import get_space
from repository.view import RepositoryView

#: Columns: d (the library default), x, y, z. Every row spans 0..1, so these are the
#: normalised scores. Means: x .817 > y .717 > d .6 > z .333, but x beats the default on
#: T1 only, y on all three tasks.
SCORES = [[0.2, 1.0, 0.3, 0.0],
          [0.8, 0.7, 1.0, 0.0],
          [0.8, 0.75, 0.85, 1.0]]


@pytest.fixture(scope="module")
def view() -> RepositoryView:
    space = get_space("lightgbm", "classification")
    configs = [space.default()] + space.design(4, seed=3, include_default=False)[:3]
    cids = ["d", "x", "y", "z"]
    tasks = ["T1", "T2", "T3"]
    return RepositoryView(
        performance=pd.DataFrame(SCORES, index=tasks, columns=cids),
        metafeatures=pd.DataFrame([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], index=tasks,
                                  columns=["f1", "f2"]),
        configurations={c: (space.key, cfg) for c, cfg in zip(cids, configs)},
        metric="roc_auc",
        tasks=pd.DataFrame({"name": tasks, "task_type": "classification"}, index=tasks),
        defaults={space.key: "d"},
    )


QUERY = pd.Series({"f1": 1 / 3, "f2": 1 / 3})  # equally far from the three tasks


def _first(view: RepositoryView, first_pick: str) -> str:
    rec = get_recommender("nearest_portfolio", n_neighbors=3, learn_weights=False,
                          first_pick=first_pick).fit(view)
    return rec.recommend(QUERY, 2)[0].config_id


def test_score_first_pick_is_the_best_mean(view: RepositoryView) -> None:
    assert _first(view, "score") == "x"


def test_beats_default_first_pick_wins_most_often(view: RepositoryView) -> None:
    assert _first(view, "beats_default") == "y"


def test_unknown_first_pick_is_rejected(view: RepositoryView) -> None:
    with pytest.raises(RecommendError, match="first_pick"):
        get_recommender("nearest_portfolio", first_pick="luck").fit(view)
