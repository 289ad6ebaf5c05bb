"""The published finding on the real OpenML100 runs (van Rijn & Hutter, KDD 2018).

Random forest (flow 6969): ``min_samples_leaf`` and ``max_features`` are the most
important hyperparameters across datasets, bootstrap and the split criterion far less;
AdaBoost (flow 6970): ``max_depth``, then ``learning_rate``.
"""

from __future__ import annotations

import pytest

from metaknow.exceptions import RepositoryError
from metaknow.importance import importance
from metaknow.recommend import open_view
from metaknow.spaces import get_space

pytestmark = [pytest.mark.shared, pytest.mark.slow]


def _view(space: str):
    try:
        return open_view("openml100", space, "classification", None)
    except RepositoryError as exc:
        pytest.skip(f"openml100 unavailable: {exc}")


def test_random_forest_min_samples_leaf_and_max_features_lead() -> None:
    r = importance(get_space("random_forest", "classification"), _view("random_forest"),
                   pairs=False)
    main = r.main_effects()
    assert list(main.index[:2]) == ["min_samples_leaf", "max_features"]
    assert main.loc["max_features", "median"] > 3 * main.loc["bootstrap", "median"]
    assert main.loc["criterion", "median"] < 0.01
    assert r.per_task.shape[0] >= 90


def test_adaboost_max_depth_then_learning_rate() -> None:
    r = importance(get_space("adaboost", "classification"), _view("adaboost"), pairs=False)
    assert list(r.main_effects().index[:2]) == ["max_depth", "learning_rate"]
