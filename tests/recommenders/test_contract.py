"""The recommender contract (see metaknow/recommenders/base.py), run over every registered strategy.

A new strategy gets these checks by being registered; nothing to add here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from metaknow.exceptions import RecommendError
from metaknow.recommenders import STRATEGIES, get_recommender
from metaknow.spaces import get_space

FAST = {"meta_model": {"n_models": 3, "n_estimators": 40, "n_sampled": 10},
        "surrogate_portfolio": {"n_trees": 10},
        "optimised_portfolio": {"n_models": 2, "n_random": 200, "n_steps": 3, "pool": 40,
                                "cache": False}}


def make(name: str):
    return get_recommender(name, **FAST.get(name, {}))


@pytest.mark.parametrize("name", list(STRATEGIES))
class TestRecommenderContract:
    def test_init_stores_params_and_clone_is_unfitted(self, name):
        rec = make(name)
        params = rec.get_params()
        assert all(not k.endswith("_") for k in params)
        twin = rec.clone()
        assert twin.get_params() == params and not hasattr(twin, "view_")

    def test_recommend_before_fit_fails_clearly(self, name):
        with pytest.raises(RecommendError, match="not fitted"):
            make(name).recommend(pd.Series({"mf00": 0.0}), 3)

    def test_fit_returns_self_with_fitted_attributes(self, name, synth_view):
        rec = make(name)
        assert rec.fit(synth_view) is rec
        fitted = [k for k in vars(rec) if k.endswith("_") and not k.startswith("_")]
        assert "view_" in fitted and "tasks_" in fitted

    def test_candidates_are_valid_distinct_and_ranked(self, name, synth_view):
        rec = make(name).fit(synth_view)
        mf = synth_view.metafeatures.iloc[0] + 0.01
        cands = rec.recommend(mf, 7)
        assert 1 <= len(cands) <= 7
        keys = [(c.space_key, tuple(sorted(c.params.items()))) for c in cands]
        assert len(set(keys)) == len(keys)
        space = get_space("lightgbm", "classification")
        for c in cands:
            assert c.space_key == space.key and space.is_valid(c.params)
            assert math.isfinite(c.score) and c.uncertainty >= 0
            assert c.source in ("repository", "sampled", "optimised")
            if c.source == "repository":
                assert synth_view.configurations[c.config_id][1] == c.params
        # k larger than the repository: never more than asked, never a duplicate
        many = rec.recommend(mf, 500)
        assert len(many) <= 500 and len({c.config_id for c in many}) == len(many)
        assert len(many) >= synth_view.n_configurations if name != "meta_model" else True

    def test_deterministic_refit(self, name, synth_view):
        mf = synth_view.metafeatures.iloc[3]
        a = [c.config_id for c in make(name).fit(synth_view).recommend(mf, 5)]
        b = [c.config_id for c in make(name).fit(synth_view).recommend(mf, 5)]
        assert a == b

    def test_excluded_task_has_no_influence(self, name, synth_view):
        task = synth_view.performance.index[5]
        mf = synth_view.metafeatures.loc[task]
        excluded = make(name).fit(synth_view).recommend(mf, 5, exclude_tasks=[task])
        without = make(name).fit(synth_view.without_tasks([task])).recommend(mf, 5)
        assert [c.config_id for c in excluded] == [c.config_id for c in without]
        assert all(t != task for c in excluded for t, _ in c.evidence)

    def test_bad_arguments_fail_clearly(self, name, synth_view):
        rec = make(name).fit(synth_view)
        for k in (0, -1, 2.5, True):
            with pytest.raises(RecommendError, match="k must be"):
                rec.recommend(synth_view.metafeatures.iloc[0], k)
        with pytest.raises(RecommendError, match="Series"):
            rec.recommend(synth_view.metafeatures.iloc[0].to_numpy(), 3)
        with pytest.raises(RecommendError, match="every prior task"):
            rec.recommend(synth_view.metafeatures.iloc[0], 3, exclude_tasks=list(synth_view.performance.index))

    def test_missing_and_partial_metafeatures(self, name, synth_view):
        rec = make(name).fit(synth_view)
        mf = synth_view.metafeatures.iloc[2].copy()
        mf.iloc[:3] = np.nan
        assert len(rec.recommend(mf, 3)) == 3
        assert len(rec.recommend(mf.iloc[4:], 3)) == 3  # some meta-features not extracted at all


def test_unknown_strategy_names_the_known_ones():
    with pytest.raises(RecommendError, match="unknown strategy 'nope'; choose from average_rank"):
        get_recommender("nope")


def test_empty_view_is_refused(synth_view):
    empty = synth_view.without_tasks(list(synth_view.performance.index))
    with pytest.raises(RecommendError, match="no tasks"):
        get_recommender("portfolio").fit(empty)
