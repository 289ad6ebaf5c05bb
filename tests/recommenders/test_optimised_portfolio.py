"""The meta-surrogate and the optimised portfolio, on views whose best configuration is known.

The synthetic landscape: a task with meta-feature ``m`` scores a LightGBM configuration
``-(u - m)**2``, where ``u`` is the configuration's learning rate on the space's unit
(log) scale. The best configuration of a task is therefore the learning rate at ``u = m``,
which a 24-point design generally does not hold.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from metaknow.recommenders import get_recommender
from metaknow.recommenders.meta_surrogate import MetaSurrogate, design_vectors, within_task_ranks
from metaknow.recommenders.optimised_portfolio import greedy_best_of
from metaknow.spaces import get_space
from repository.view import RepositoryView

SPACE = get_space("lightgbm", "classification")
LR = SPACE.names.index("learning_rate")


def _truth(configs: list[dict], m: float) -> np.ndarray:
    u = SPACE.to_matrix(configs)[:, LR]
    return -(u - m) ** 2


@pytest.fixture(scope="module")
def bowl_view() -> RepositoryView:
    rng = np.random.default_rng(3)
    configs = SPACE.design(24, seed=5, include_default=False)
    cids = [f"c{i:02d}" for i in range(len(configs))]
    ms = np.linspace(0.05, 0.95, 40)
    tasks = [f"t{i:02d}" for i in range(len(ms))]
    perf = pd.DataFrame([_truth(configs, m) for m in ms], index=tasks, columns=cids)
    mf = pd.DataFrame({"m": ms, "noise": rng.random(len(ms))}, index=tasks)
    return RepositoryView(perf, mf, {c: (SPACE.key, cfg) for c, cfg in zip(cids, configs)},
                          "roc_auc", pd.DataFrame({"name": tasks, "task_type": "classification"},
                                                  index=tasks), {})


def test_within_task_ranks_by_hand() -> None:
    got = within_task_ranks(np.array([[3.0, 1.0, 2.0, np.nan], [1.0, 1.0, 2.0, 5.0],
                                      [np.nan, 4.0, np.nan, np.nan]]))
    # row 1: ranks 3, 1, 2 of 3 -> (r - 1) / 2; row 2: ties share rank 1.5 of 4 -> 0.5/3
    np.testing.assert_allclose(got[0, :3], [1.0, 0.0, 0.5])
    assert np.isnan(got[0, 3])
    np.testing.assert_allclose(got[1], [0.5 / 3, 0.5 / 3, 2 / 3, 1.0])
    assert got[2, 1] == 0.5 and np.isnan(got[2, [0, 2, 3]]).all()


def test_greedy_best_of_by_hand() -> None:
    scores = np.array([[1.0, 0.0, 0.6], [0.0, 1.0, 0.6]])
    # k=1: gains 0.5, 0.5, 0.6 -> column 2; then columns 0 and 1 both lift the mean to
    # 0.8 and the tie goes to the lower index
    assert greedy_best_of(scores, np.array([0.5, 0.5]), 2) == [2, 0]
    assert greedy_best_of(scores, np.array([1.0, 0.0]), 1) == [0]


def test_surrogate_finds_each_tasks_optimum_between_design_points(bowl_view) -> None:
    model = MetaSurrogate(n_models=3, n_estimators=300, min_child_samples=5).fit(bowl_view, SPACE)
    grid = np.tile(SPACE.to_vector(SPACE.default()), (101, 1))
    grid[:, LR] = np.linspace(0, 1, 101)
    for m in (0.3, 0.62):
        mf = pd.Series({"m": m, "noise": 0.5})
        mean, std = model.predict(model.task_matrix(mf), grid)
        assert mean.shape == std.shape == (1, 101)
        assert abs(grid[int(np.argmax(mean[0])), LR] - m) < 0.08


def test_surrogate_round_trips_through_json(bowl_view) -> None:
    model = MetaSurrogate(n_models=2, n_estimators=30).fit(bowl_view, SPACE)
    again = MetaSurrogate.from_dict(json.loads(json.dumps(model.to_dict())))
    _, V = design_vectors(bowl_view, SPACE)
    Z = model.task_matrix(bowl_view.metafeatures.iloc[:3])
    np.testing.assert_array_equal(model.predict_members(Z, V), again.predict_members(Z, V))
    assert again.tasks_ == model.tasks_ and again.target == model.target


def test_optimised_pick_beats_every_design_configuration(bowl_view) -> None:
    rec = get_recommender("optimised_portfolio", n_models=3, n_random=300, n_steps=8).fit(bowl_view)
    configs = [cfg for _, cfg in bowl_view.configurations.values()]
    u = np.sort(SPACE.to_matrix(configs)[:, LR])
    u = u[(u > 0.1) & (u < 0.9)]
    gaps = np.argsort(-np.diff(u))[:2]  # the middle of the two widest gaps in the design
    for m in (u[gaps] + u[gaps + 1]) / 2:
        picks = rec.recommend(pd.Series({"m": m, "noise": 0.5}), 3)
        best_design = _truth(configs, m).max()
        top = picks[0]
        assert top.source == "optimised" and top.config_id not in bowl_view.configurations
        assert _truth([top.params], m)[0] > best_design
        assert len({p.config_id for p in picks}) == 3
        assert "meta-surrogate" in top.rationale


def test_recommendations_are_deterministic_and_exclusion_is_honoured(bowl_view) -> None:
    mf = pd.Series({"m": 0.5, "noise": 0.5})
    a = get_recommender("optimised_portfolio", n_models=2, n_random=100, n_steps=3).fit(bowl_view)
    b = get_recommender("optimised_portfolio", n_models=2, n_random=100, n_steps=3).fit(bowl_view)
    assert [c.params for c in a.recommend(mf, 3)] == [c.params for c in b.recommend(mf, 3)]
    near = [t for t in bowl_view.performance.index if abs(bowl_view.metafeatures.loc[t, "m"] - 0.5) < 0.1]
    picks = a.recommend(mf, 3, exclude_tasks=near)
    assert all(t not in near for c in picks for t, _ in c.evidence)


def test_mixed_spaces_fall_back_to_nearest_portfolio(hand_view) -> None:
    knn = get_space("knn", "classification")
    configs = dict(hand_view.configurations)
    configs["c4"] = (knn.key, knn.default())
    view = RepositoryView(hand_view.performance, hand_view.metafeatures, configs,
                          hand_view.metric, hand_view.tasks, {})
    rec = get_recommender("optimised_portfolio").fit(view)
    assert rec.delegate_ is not None
    assert rec.recommend(pd.Series({"f1": 1.0, "f2": 1.0}), 2)


def test_the_meta_surrogate_fit_is_cached_by_repository_content(bowl_view, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("METAKNOW_CACHE", str(tmp_path))
    mf = pd.Series({"m": 0.4, "noise": 0.5})
    params = dict(n_models=2, n_random=100, n_steps=3)
    first = get_recommender("optimised_portfolio", **params).fit(bowl_view).recommend(mf, 3)
    entries = list((tmp_path / "fits").glob("meta-surrogate-*.json"))
    assert len(entries) == 1
    again = get_recommender("optimised_portfolio", **params).fit(bowl_view)
    assert [c.params for c in again.recommend(mf, 3)] == [c.params for c in first]
    assert len(list((tmp_path / "fits").glob("*.json"))) == 1  # loaded, not refitted
    # other repository content -> another entry; a corrupt entry is refitted, not trusted
    changed = RepositoryView(bowl_view.performance * 0.5, bowl_view.metafeatures,
                             bowl_view.configurations, bowl_view.metric, bowl_view.tasks)
    get_recommender("optimised_portfolio", **params).fit(changed).recommend(mf, 1)
    assert len(list((tmp_path / "fits").glob("*.json"))) == 2
    entries[0].write_text("{not json")
    redo = get_recommender("optimised_portfolio", **params).fit(bowl_view).recommend(mf, 3)
    assert [c.params for c in redo] == [c.params for c in first]


def test_stored_design_predictions_are_the_fresh_ones(bowl_view, tmp_path, monkeypatch) -> None:
    # a query reuses every model's predictions of the design on the stored tasks, from
    # memory or from the cache entry: they must be the numbers a fresh prediction gives
    monkeypatch.setenv("METAKNOW_CACHE", str(tmp_path))
    params = dict(n_models=2, n_random=100, n_steps=3)
    mf = pd.Series({"m": 0.45, "noise": 0.5})
    for _ in range(2):  # fitted, then loaded from the cache
        rec = get_recommender("optimised_portfolio", **params).fit(bowl_view)
        fitted = rec._fitted(mf)
        Z = fitted.model.task_matrix(bowl_view.metafeatures)
        np.testing.assert_array_equal(fitted.Z, Z)
        np.testing.assert_array_equal(fitted.design_members,
                                      fitted.model.predict_members(Z, rec.design_V_))
        near = ["t05", "t30"]
        V = np.vstack([rec.design_V_[[3, 0]], SPACE.to_vector(SPACE.default())])
        design = np.array([3, 0, -1])
        z = fitted.model.task_matrix(mf)
        got = rec._portfolio_members(fitted, z, near, V, design)
        full = fitted.model.predict_members(np.vstack([z, Z[[5, 30]]]), V)
        np.testing.assert_array_equal(got, full)
    assert len(list((tmp_path / "fits").glob("*.json"))) == 1


def test_the_score_meaning_follows_the_surrogate_target() -> None:
    from metaknow.recommenders.base import Recommender

    assert "rank" in get_recommender("optimised_portfolio").score_meaning
    assert "normalised" in get_recommender("optimised_portfolio", target="normalised").score_meaning
    assert get_recommender("nearest_portfolio").score_meaning == Recommender.score_meaning
