"""``ExpectedGain`` and the gain scale on a hand-made matrix with answers computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from metaknow.exceptions import RecommendError
from metaknow.recommend import recommend_from_view
from metaknow.recommenders import get_recommender
from metaknow.recommenders.gains import gain_dissimilarity, gain_matrix
from metaknow.recommenders.result import Recommendation
from metaknow.recommenders.task_distance import TaskDistance, shared_distance
from metaknow.spaces import get_space
from repository.view import RepositoryView

#: Raw ROC AUC; columns d (the library default), x, y. x failed on D (NaN).
#: Gains over d:  A x +.02 y -.01 | B x +.01 y +.05 | C x 0 y -.02 | D x fail y +.01
SCORES = [[0.80, 0.82, 0.79],
          [0.70, 0.71, 0.75],
          [0.90, 0.90, 0.88],
          [0.60, np.nan, 0.61]]
#: Meta-features: the four corners of a square; a query at its centre is equally far
#: from every task, so every neighbour weighs the same.
MF = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]]
CENTRE = pd.Series({"f1": 5.0, "f2": 5.0})


@pytest.fixture(scope="module")
def view() -> RepositoryView:
    space = get_space("lightgbm", "classification")
    configs = [space.default()] + space.design(3, seed=5, include_default=False)[:2]
    cids, tasks = ["d", "x", "y"], ["A", "B", "C", "D"]
    return RepositoryView(
        performance=pd.DataFrame(SCORES, index=tasks, columns=cids),
        metafeatures=pd.DataFrame(MF, index=tasks, columns=["f1", "f2"]),
        configurations={c: (space.key, cfg) for c, cfg in zip(cids, configs)},
        metric="roc_auc",
        tasks=pd.DataFrame({"name": [f"task-{t}" for t in tasks],
                            "task_type": "classification"}, index=tasks),
        defaults={space.key: "d"})


def test_gains_are_clipped_and_a_failure_is_the_worst_clipped_loss(view: RepositoryView) -> None:
    clipped, raw, col = gain_matrix(view, clip=0.03)
    assert col == 0
    np.testing.assert_allclose(clipped, [[0, .02, -.01], [0, .01, .03], [0, 0, -.02], [0, -.03, .01]],
                               atol=1e-12)
    assert np.isnan(raw[3, 1]) and raw[1, 2] == pytest.approx(0.05)


def test_gain_dissimilarity_is_the_mean_absolute_difference(view: RepositoryView) -> None:
    clipped, _, _ = gain_matrix(view, clip=0.05)
    d = gain_dissimilarity(clipped)
    assert d[0, 1] == pytest.approx((0 + 0.01 + 0.06) / 3)
    assert np.allclose(d, d.T) and np.allclose(np.diag(d), 0)


def test_predicted_gain_is_the_mean_minus_kappa_standard_errors(view: RepositoryView) -> None:
    rec = get_recommender("expected_gain", n_neighbors=4, kappa=0.5, similarity="uniform").fit(view)
    cands = rec.recommend(CENTRE, 3)
    # y: gains -.01 .05 -.02 .01, mean .0075, spread sqrt(.00071875), se = spread / 2
    spread = math.sqrt(0.00071875)
    assert [c.config_id for c in cands] == ["y", "d", "x"]
    assert cands[0].gain == pytest.approx(0.0075 - 0.5 * spread / 2)
    assert cands[0].uncertainty == pytest.approx(spread / 2)
    # four tasks give too few held-out residuals to calibrate: +-2 spreads
    assert (cands[0].gain_low, cands[0].gain_high) == pytest.approx(
        (cands[0].gain - 2 * spread, cands[0].gain + 2 * spread))
    assert cands[1].is_default and cands[1].gain == 0 and cands[1].gain_low == cands[1].gain_high == 0
    # x: gains .02 .01 0 -.05 (the failure), mean -.005
    assert cands[2].gain < -0.005


def test_the_default_comes_first_when_nothing_is_predicted_to_beat_it(view: RepositoryView) -> None:
    rec = get_recommender("expected_gain", n_neighbors=4, kappa=2.0, similarity="uniform").fit(view)
    assert rec.recommend(CENTRE, 1)[0].config_id == "d"


def test_one_neighbour_gives_its_own_gains(view: RepositoryView) -> None:
    rec = get_recommender("expected_gain", n_neighbors=1, kappa=0.0, similarity="uniform").fit(view)
    near_b = pd.Series({"f1": 10.0, "f2": 0.5})
    cands = rec.recommend(near_b, 3)
    assert [c.config_id for c in cands] == ["y", "x", "d"]
    assert [c.gain for c in cands] == pytest.approx([0.05, 0.01, 0.0])
    assert "1 of 1 nearest tasks" in cands[0].rationale


@pytest.mark.parametrize("params", [{"kappa": -1}, {"clip": 0}, {"similarity": "cosine"},
                                    {"level": 1.0}, {"n_neighbors": 0}, {"features": "few"}])
def test_bad_parameters_are_refused(view: RepositoryView, params: dict) -> None:
    with pytest.raises(RecommendError):
        get_recommender("expected_gain", **params).fit(view)


def test_recommendation_has_the_default_row_and_round_trips(view: RepositoryView) -> None:
    rec = recommend_from_view(view, CENTRE, k=1, strategy="expected_gain",
                              recommender=get_recommender("expected_gain", n_neighbors=4, kappa=2.0,
                                                          similarity="uniform"))
    assert rec.configurations[0].is_default and rec.default is rec.configurations[0]
    assert rec.no_signal
    assert any("library default comes first" in n for n in rec.notes)
    back = Recommendation.from_json(rec.to_json())
    assert repr(back.default) == repr(rec.default) and back.no_signal and back.to_json() == rec.to_json()


def test_the_default_row_is_added_when_it_is_not_among_the_picks(view: RepositoryView) -> None:
    rec = recommend_from_view(view, CENTRE, k=1, strategy="expected_gain",
                              recommender=get_recommender("expected_gain", n_neighbors=4, kappa=0.5,
                                                          similarity="uniform"))
    assert rec.configurations[0].config_id == "y"
    assert rec.default is not None and rec.default.config_id == "d" and rec.default.gain == 0


def test_distance_state_round_trips(view: RepositoryView) -> None:
    fitted = TaskDistance(learn_weights=False).fit(view)
    back = TaskDistance.from_state(fitted.to_state(), view)
    np.testing.assert_allclose(back.distances(CENTRE), fitted.distances(CENTRE))
    assert back.far_threshold_ == fitted.far_threshold_


def test_the_shared_distance_is_fitted_once_per_content(view: RepositoryView) -> None:
    first = shared_distance(view, learn_weights=False)
    assert shared_distance(view, learn_weights=False) is first
    other = view.without_tasks(["D"])
    assert shared_distance(other, learn_weights=False) is not first
