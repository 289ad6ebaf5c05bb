"""``NearestPortfolio(win_weight=...)`` on a hand-made matrix with a known answer."""

from __future__ import annotations

import pandas as pd
import pytest

from metaknow.exceptions import RecommendError
from metaknow.recommenders import get_recommender
from metaknow.spaces import get_space
from repository.view import RepositoryView

#: Columns: d (the library default), x, y, z. Every row spans 0..1, so these are the
#: normalised scores. Means: x .817 > y .767 > d .6 > z .333, but x beats the default on
#: T1 only, y on all three tasks.
SCORES = [[0.2, 1.0, 0.3, 0.0],
          [0.8, 0.7, 1.0, 0.0],
          [0.8, 0.75, 1.0, 0.0]]


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


QUERY = pd.Series({"f1": 0.5, "f2": 0.5})  # L1 distance 1 from each of the three tasks


def _first(view: RepositoryView, win_weight: float) -> str:
    rec = get_recommender("nearest_portfolio", n_neighbors=3, learn_weights=False,
                          win_weight=win_weight).fit(view)
    return rec.recommend(QUERY, 2)[0].config_id


def test_without_win_weight_the_first_pick_is_the_best_mean(view: RepositoryView) -> None:
    assert _first(view, 0.0) == "x"


def test_win_weight_trades_mean_for_wins(view: RepositoryView) -> None:
    # objective = mean + w * wins: about x .82 + w/3, y .77 + w  ->  y once w > ~0.08
    assert _first(view, 0.01) == "x"
    assert _first(view, 0.5) == "y"
    assert _first(view, 100.0) == "y"


def test_negative_win_weight_is_rejected(view: RepositoryView) -> None:
    with pytest.raises(RecommendError, match="win_weight"):
        get_recommender("nearest_portfolio", win_weight=-1).fit(view)
