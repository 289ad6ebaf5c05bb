"""SurrogatePortfolio on hand-made sparse views (every configuration evaluated on one task)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaknow.exceptions import RecommendError
from metaknow.recommenders import get_recommender
from metaknow.recommenders.surrogate_portfolio import (SurrogatePortfolio, sparse_share,
                                                       within_task_percentiles)
from metaknow.spaces import get_space
from repository.view import RepositoryView

SPACE = get_space("random_forest", "classification")


def sparse_view(prefers_bootstrap: list[bool], per_task: int = 40, seed: int = 0) -> RepositoryView:
    """Tasks with their own random configurations; accuracy depends on two parameters.

    On every task a small ``min_samples_leaf`` helps (-0.005 per unit); on a task that
    prefers bootstrap, ``bootstrap=True`` adds 0.1, otherwise ``bootstrap=False`` does.
    Meta-feature ``f`` is 0 on bootstrap tasks and 10 on the others.
    """
    rng = np.random.default_rng(seed)
    configs, perf = {}, {}
    for t, pref in enumerate(prefers_bootstrap):
        task = f"t{t}"
        perf[task] = {}
        for j, c in enumerate(SPACE.sample(rng, per_task)):
            cid = f"{task}-c{j:02d}"
            configs[cid] = (SPACE.key, c)
            perf[task][cid] = 0.8 + 0.1 * (c["bootstrap"] == pref) - 0.005 * c["min_samples_leaf"]
    P = pd.DataFrame(perf).T.reindex(columns=list(configs))
    mf = pd.DataFrame({"f": [0.0 if p else 10.0 for p in prefers_bootstrap],
                       "g": np.arange(len(prefers_bootstrap), dtype=float) % 2},
                      index=P.index)
    return RepositoryView(P, mf, configs, "accuracy",
                          pd.DataFrame({"name": P.index}, index=P.index))


def test_within_task_percentiles_by_hand():
    P = np.array([[0.7, np.nan, 0.9, 0.8], [0.5, 0.5, np.nan, np.nan], [np.nan] * 4])
    got = within_task_percentiles(P)
    np.testing.assert_allclose(got[0], [0.5 / 3, np.nan, 2.5 / 3, 1.5 / 3])
    np.testing.assert_allclose(got[1], [0.5, 0.5, np.nan, np.nan])  # ties share the rank
    assert np.isnan(got[2]).all()


def test_sparse_share_by_hand():
    P = np.array([[1, 1, np.nan, np.nan, np.nan], [1, np.nan, 1, np.nan, np.nan]])
    assert sparse_share(P) == pytest.approx(2 / 3)  # c0 on two tasks; c1, c2 on one; c3, c4 never
    assert sparse_share(sparse_view([True, False]).performance) == 1.0


def test_global_choice_follows_the_majority_and_small_leaves():
    view = sparse_view([True, True, True, False, False])
    rec = SurrogatePortfolio(global_weight=1.0, n_trees=20).fit(view)
    top = rec.recommend(pd.Series({"f": 10.0, "g": 0.0}), 1)[0]
    # three of five tasks reward bootstrap; everywhere small leaves are better
    assert top.params["bootstrap"] is True
    assert top.params["min_samples_leaf"] <= 5
    assert 0.5 < top.score <= 1.0


def test_nearest_tasks_adjust_the_global_choice():
    view = sparse_view([True, True, True, False, False])
    rec = SurrogatePortfolio(global_weight=0.0, n_neighbors=2, n_trees=20).fit(view)
    cands = rec.recommend(pd.Series({"f": 10.0, "g": 0.5}), 3)
    assert cands[0].params["bootstrap"] is False  # the two nearest tasks (f = 10) prefer it
    origin = cands[0].config_id.split("-")[0]  # its provenance joins the neighbours
    assert {t for t, _ in cands[0].evidence} <= {"t3", "t4", origin}
    # the greedy best-of picks: the second one serves what the first does not (none left
    # among the neighbours), so it stays a no-bootstrap configuration with small leaves
    assert all(c.params["min_samples_leaf"] <= 8 for c in cands[:2])


def test_each_candidate_names_the_task_it_was_run_on():
    """Provenance on a sparse view: the prior task that evaluated the configuration."""
    view = sparse_view([True, True, False, False, True], per_task=25)
    rec = SurrogatePortfolio(n_trees=10).fit(view)
    mf = pd.Series({"f": 0.0, "g": 1.0})
    pct = within_task_percentiles(view.performance.to_numpy())
    for cand in rec.recommend(mf, 4, exclude_tasks=["t0"]):
        origin = cand.config_id.split("-")[0]  # sparse_view names configurations by task
        assert origin != "t0"  # an excluded task is no one's provenance
        row, col = view.performance.index.get_loc(origin), list(view.configurations).index(cand.config_id)
        assert origin in dict(cand.evidence)
        assert f"run on {origin} ({pct[row, col]:.0%} of its runs score lower)" in cand.rationale
    # on a shared design (every configuration on every task) no task is an origin
    dense = RepositoryView(view.performance.fillna(0.5), view.metafeatures, view.configurations,
                           "accuracy", view.tasks)
    assert all("run on" not in c.rationale
               for c in SurrogatePortfolio(n_trees=5).fit(dense).recommend(mf, 3))


def test_candidate_pool_is_each_tasks_best():
    view = sparse_view([True, False], per_task=10)
    rec = SurrogatePortfolio(pool_per_task=2, max_pool=5, n_trees=5).fit(view)
    pct = within_task_percentiles(view.performance.to_numpy())
    expected = set()
    for row in pct:
        expected |= set(np.argsort(-np.nan_to_num(row, nan=-1), kind="stable")[:2].tolist())
    assert set(rec.pool_.tolist()) == expected and len(rec.pool_) == 4
    # more than the pool: the rest follow, without duplicates
    many = rec.recommend(view.metafeatures.iloc[0], 12)
    assert len(many) == 12 and len({c.config_id for c in many}) == 12


def test_exclusion_reuses_surrogates_but_answers_like_a_refit():
    view = sparse_view([True, True, False, False, True], per_task=25)
    mf = view.metafeatures.loc["t2"]
    full = SurrogatePortfolio(n_trees=10, max_pool=30, pool_per_task=5).fit(view)
    excluded = full.recommend(mf, 4, exclude_tasks=["t2"])
    refit = SurrogatePortfolio(n_trees=10, max_pool=30, pool_per_task=5).fit(
        view.without_tasks(["t2"])).recommend(mf, 4)
    assert [c.config_id for c in excluded] == [c.config_id for c in refit]
    assert [c.score for c in excluded] == pytest.approx([c.score for c in refit])
    assert not any(c.config_id.startswith("t2-") for c in excluded)


def test_registered_and_bad_weight_refused():
    assert isinstance(get_recommender("surrogate_portfolio"), SurrogatePortfolio)
    with pytest.raises(RecommendError, match="global_weight must be in"):
        SurrogatePortfolio(global_weight=1.5).fit(sparse_view([True, False], per_task=5))


def test_recommend_switches_the_default_strategy_on_a_sparse_view():
    from metaknow.recommend import SPARSE_STRATEGY, recommend_from_view
    from metaknow.recommenders import DEFAULT_STRATEGY

    view = sparse_view([True, True, False, False, True, False], per_task=25)
    mf = pd.Series({"f": 9.0, "g": 0.5})  # near the f = 10 tasks, none of them exactly
    rec = recommend_from_view(view, mf, k=3)
    assert (rec.requested_strategy, rec.strategy) == (DEFAULT_STRATEGY, SPARSE_STRATEGY)
    assert any("evaluated on one task only" in n for n in rec.notes)
    assert len(rec.configurations) == 3
    # an explicitly chosen strategy, or fallback=False, is left alone
    assert recommend_from_view(view, mf, k=3, strategy="portfolio").strategy == "portfolio"
    kept = recommend_from_view(view, mf, k=3, fallback=False)
    assert kept.strategy == DEFAULT_STRATEGY
    assert not any("one task only" in n for n in kept.notes)
