"""Known answers on a hand-made 4 x 4 matrix, and what the learned distance must learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaknow.recommenders import get_recommender
from metaknow.recommenders.average_rank import average_ranks
from metaknow.recommenders.metafeature_scaling import MetaFeatureScaler
from metaknow.recommenders.portfolio import greedy_select
from metaknow.recommenders.synthetic import synthetic_view
from metaknow.recommenders.task_distance import TaskDistance, performance_dissimilarity




def ids(cands):
    return [c.config_id for c in cands]


def test_average_rank_order(hand_view):
    assert np.allclose(average_ranks(hand_view.performance), [2.25, 2.5, 2.5, 2.75])
    rec = get_recommender("average_rank").fit(hand_view)
    assert ids(rec.recommend(pd.Series(dtype=float), 4)) == ["c1", "c2", "c3", "c4"]


def test_greedy_portfolio_picks_the_hand_computed_configurations(hand_view):
    assert greedy_select(hand_view.performance.to_numpy(), 4) == [0, 2, 1, 3]
    rec = get_recommender("portfolio").fit(hand_view)
    assert ids(rec.recommend(pd.Series(dtype=float), 3)) == ["c1", "c3", "c2"]
    top = rec.recommend(pd.Series(dtype=float), 1)[0]
    assert top.score == pytest.approx(0.55)  # mean normalised score of c1


def test_greedy_weights_and_failed_evaluations():
    S = np.array([[1.0, np.nan], [0.0, 1.0]])
    # Task 2 weighs 3x: c2 first. A NaN (failed) counts as the worst.
    assert greedy_select(S, 2, weights=np.array([1.0, 3.0])) == [1, 0]
    assert greedy_select(S, 1) == [0]  # tie on best-of (0.5), broken by lower index


def test_nearest_task_is_the_constructed_one(hand_view):
    rec = get_recommender("nearest_tasks", n_neighbors=1).fit(hand_view)
    query = pd.Series({"f1": 9.0, "f2": 1.0})
    near = rec.distance_.nearest(query, 4)
    assert near[0].task_id == "B" and near[0].name == "task-B"
    # robust scaling: median 5, IQR 10 -> |0.4-0.5| + |-0.4+0.5| = 0.2, weights 1/2 each
    assert near[0].distance == pytest.approx(0.1)
    assert {n.task_id for n in near[1:3]} == {"A", "D"} and near[1].distance == pytest.approx(0.5)
    cands = rec.recommend(query, 2)
    assert ids(cands) == ["c2", "c4"]  # B's best, then B's second best
    assert cands[0].rationale == "best on nearest task task-B"
    assert cands[0].evidence == (("B", pytest.approx(0.1)),)


def test_scaler_logs_heavy_tailed_counts_and_keeps_nan():
    mf = pd.DataFrame({"n": [10.0, 100.0, 1000.0, 1e6], "r": [0.1, 0.2, np.nan, 0.4],
                       "const": [1.0, 1.0, 1.0, 1.0]})
    sc = MetaFeatureScaler().fit(mf)
    assert sc.features_ == ["n", "r"] and list(sc.log_) == [True, False]
    Z = sc.transform(mf)
    assert np.isnan(Z[2, 1])
    assert np.nanmedian(Z[:, 0]) == pytest.approx(0.0)


def test_performance_dissimilarity_known_values():
    P = np.array([[1, 2, 3, 4, 5], [2, 4, 6, 8, 10], [5, 4, 3, 2, 1], [1, np.nan, np.nan, np.nan, 2]], float)
    D = performance_dissimilarity(P, min_common=3)
    assert D[0, 1] == pytest.approx(0.0) and D[0, 2] == pytest.approx(2.0)
    assert np.isnan(D[0, 3])  # only 2 shared configurations


def test_learned_weights_ignore_noise_metafeatures_and_beat_uniform():
    view = synthetic_view(n_tasks=60, n_configs=30, n_metafeatures=10, n_informative=3, seed=7)
    dist = TaskDistance().fit(view)
    assert dist.weights_[:3].sum() > 0.8  # the 7 noise meta-features get little weight
    assert dist.cv_scores_[dist.shrinkage_] > dist.cv_scores_[1.0] + 0.1  # better than uniform L1
    plain = TaskDistance(learn_weights=False).fit(view)
    assert np.allclose(plain.weights_, 0.1)


def test_greedy_from_a_fixed_start(hand_view):
    # c2 fixed: then c1 (best-of sum 3.3) beats c3 (3.0) and c4 (2.1)
    assert greedy_select(hand_view.performance.to_numpy(), 2, start=[1]) == [1, 0]


def test_anchored_default_starts_with_the_best_on_average(synth_view):
    mf = synth_view.metafeatures.iloc[5] + 0.01
    anchored = get_recommender("nearest_portfolio", anchor=True).fit(synth_view).recommend(mf, 3)
    best_mean = get_recommender("portfolio").fit(synth_view).recommend(mf, 1)[0]
    assert anchored[0].config_id == best_mean.config_id


def test_a_portfolio_pick_names_the_tasks_it_is_best_on(hand_view):
    # one neighbour (B); the portfolio share of the objective brings in A, C and D's best
    rec = get_recommender("nearest_portfolio", n_neighbors=1).fit(hand_view)
    cands = rec.recommend(pd.Series({"f1": 9.0, "f2": 1.0}), 4)
    assert ids(cands) == ["c2", "c1", "c3", "c4"]
    assert [c.rationale for c in cands] == [
        "best on nearest task task-B",
        "portfolio fill-in: best on task-A, task-D (prior tasks beyond the nearest)",
        "portfolio fill-in: best on task-C (a prior task beyond the nearest)",
        "similarity-weighted best of the nearest tasks",  # best nowhere: the objective's note
    ]
    # far from every task: the global note stays
    far = rec.recommend(pd.Series({"f1": 1e6, "f2": -1e6}), 2)
    assert all("far from every prior task" in c.rationale for c in far)
