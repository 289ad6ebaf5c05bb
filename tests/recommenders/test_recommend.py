"""metaknow.recommend / recommend_from_view: self-exclusion, far-away fallback, JSON, hand-offs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from metaknow import Recommendation, recommend
from metaknow.exceptions import MetaknowError, RecommendError, RepositoryError, SpaceError
from metaknow.recommend import recommend_from_view


def test_dataset_already_in_repository_is_left_out(hand_view):
    mf = hand_view.metafeatures.loc["B"]
    r = recommend_from_view(hand_view, mf, k=2, strategy="nearest_tasks")
    assert r.excluded_tasks == ["B"]
    assert "B" not in [n.task_id for n in r.nearest_tasks]
    assert any("already in the repository (task-B)" in n for n in r.notes)
    # B's own best (c2) must not come out just because B is in the repository
    assert r.configurations[0].config_id != "c2"
    asked = recommend_from_view(hand_view, mf, k=2, strategy="nearest_tasks", include_self=True)
    assert asked.excluded_tasks == [] and asked.nearest_tasks[0].task_id == "B"
    assert asked.nearest_tasks[0].distance == pytest.approx(0.0)


def test_self_identified_by_content_hash(synth_view):
    tasks = synth_view.tasks.copy()
    tasks["content_hash"] = [f"h{i}" for i in range(len(tasks))]
    from repository.view import RepositoryView

    view = RepositoryView(synth_view.performance, synth_view.metafeatures, synth_view.configurations,
                          synth_view.metric, tasks, synth_view.defaults)

    class FakeHash:  # a Dataset stand-in exposing what the entry point reads
        name, n_rows, n_features, task = "x", 10, 2, "classification"

        def content_hash(self) -> str:
            return "h7"

    mf = synth_view.metafeatures.iloc[0] * 1.3 + 0.5  # not at distance ~0 from anyone
    r = recommend_from_view(view, mf, k=3, dataset=FakeHash())
    assert r.excluded_tasks == [synth_view.performance.index[7]]


def test_far_away_dataset_falls_back_to_the_portfolio(hand_view):
    far = pd.Series({"f1": 1e6, "f2": -1e6})
    r = recommend_from_view(hand_view, far, k=2, strategy="nearest_tasks")
    assert r.far_from_prior and r.strategy == "portfolio" and r.requested_strategy == "nearest_tasks"
    assert [c.config_id for c in r.configurations] == ["c1", "c3"]  # the hand-computed portfolio
    assert any("unlike every prior task" in n for n in r.notes)
    near = recommend_from_view(hand_view, pd.Series({"f1": 9.0, "f2": 1.0}), k=2, strategy="nearest_tasks")
    assert not near.far_from_prior and near.strategy == "nearest_tasks"


def test_default_strategy_handles_far_task_itself(synth_view):
    from metaknow.recommenders import get_recommender

    far = synth_view.metafeatures.iloc[0] * 0 + 1e4
    rec = get_recommender("nearest_portfolio").fit(synth_view)
    got = rec.recommend(far, 3)
    port = get_recommender("portfolio").fit(synth_view).recommend(far, 3)
    assert [c.config_id for c in got] == [c.config_id for c in port]
    assert "far from every prior task" in got[0].rationale


def test_json_round_trip(synth_view):
    mf = synth_view.metafeatures.iloc[4].copy()
    mf.iloc[1] = np.nan
    r = recommend_from_view(synth_view, mf, k=4)
    text = r.to_json()
    json.loads(text)  # standard JSON (no NaN literals)
    back = Recommendation.from_json(text)
    assert back.to_json() == text
    assert [c.params for c in back.configurations] == [c.params for c in r.configurations]
    assert back.nearest_tasks == r.nearest_tasks and back.excluded_tasks == r.excluded_tasks
    assert np.isnan(back.metafeatures[mf.index[1]])
    with pytest.raises(RecommendError, match="not a metaknow recommendation"):
        Recommendation.from_json('{"configurations": 3}')


def test_result_describes_repository_and_metafeature_weights(synth_view):
    r = recommend_from_view(synth_view, synth_view.metafeatures.iloc[1] + 0.01, k=3, strategy="meta_model")
    assert r.repository["n_tasks"] == 30 and r.repository["spaces"] == ["lightgbm/classification"]
    assert set(r.metafeature_weights) <= set(synth_view.metafeatures.columns)
    assert sum(r.metafeature_weights.values()) == pytest.approx(1.0)
    assert len(r.nearest_tasks) == 5 and r.to_frame().shape[0] == 3


def test_handoffs_optuna_sklearn_lightgbm_smac(synth_view):
    optuna = pytest.importorskip("optuna", reason="optuna is in the 'bench' extra")
    r = recommend_from_view(synth_view, synth_view.metafeatures.iloc[2] + 0.01, k=3)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    assert r.enqueue_optuna(study) == 3
    seen = []

    def objective(trial):
        from metaknow.integrations.optuna import suggest
        from metaknow.spaces import get_space

        config = suggest(trial, get_space("lightgbm", "classification"))
        seen.append(config)
        return 0.0

    study.optimize(objective, n_trials=4)
    for got, want in zip(seen[:3], r.configs()):
        assert got == pytest.approx(want)
    assert seen[3] not in r.configs()  # after the queue, the sampler takes over

    grid = r.param_grid(prefix="model__")
    assert len(grid) == 3 and all(len(v) == 1 for v in grid[0].values())
    assert grid[0]["model__num_leaves"] == [r.configurations[0].params["num_leaves"]]
    from sklearn.model_selection import ParameterGrid

    assert len(list(ParameterGrid(r.param_grid()))) == 3

    import lightgbm as lgb

    params = r.lightgbm_params(0)
    model = lgb.LGBMClassifier(**params, verbosity=-1)
    assert model.get_params()["num_leaves"] == r.configurations[0].params["num_leaves"]
    with pytest.raises(RecommendError, match="out of range"):
        r.lightgbm_params(10)

    pytest.importorskip("ConfigSpace", reason="ConfigSpace comes with smac (the 'bench' extra)")
    design = r.to_smac_initial_design()
    assert len(design) == 3 and dict(design[0])["num_leaves"] == r.configurations[0].params["num_leaves"]
    assert r.smac_additional_configs() == r.configs()


def test_library_call_errors_are_one_line_metaknow_errors(synth_view):
    with pytest.raises(RecommendError, match="unknown strategy"):
        recommend(metafeatures=synth_view.metafeatures.iloc[0], task="classification",
                  repository=synth_view, strategy="nope")
    with pytest.raises(SpaceError, match="unknown space"):
        recommend(metafeatures=synth_view.metafeatures.iloc[0], task="classification",
                  repository=synth_view, space="nope")
    with pytest.raises(RepositoryError, match="no evaluations of space 'random_forest'"):
        recommend(metafeatures=synth_view.metafeatures.iloc[0], task="classification",
                  repository=synth_view, space="random_forest")
    with pytest.raises(RecommendError, match="no name in common"):
        recommend(metafeatures=pd.Series({"other": 1.0}), task="classification", repository=synth_view)
    with pytest.raises(MetaknowError, match="k must be"):
        recommend(metafeatures=synth_view.metafeatures.iloc[0], task="classification",
                  repository=synth_view, k=0)


def test_cash_space_all_recommends_algorithm_and_configuration(synth_view):
    from metaknow.spaces import get_space
    from repository.view import RepositoryView

    rf = get_space("random_forest", "classification")
    rf_configs = rf.design(10, seed=0)
    rng = np.random.default_rng(0)
    perf = synth_view.performance.copy()
    configs = dict(synth_view.configurations)
    for i, c in enumerate(rf_configs):
        perf[f"rf{i}"] = rng.uniform(0.5, 1.0, len(perf))
        configs[f"rf{i}"] = (rf.key, c)
    perf["rf0"] = 2.0  # random forest's first config is the best everywhere
    view = RepositoryView(perf, synth_view.metafeatures, configs, "roc_auc", synth_view.tasks,
                          {**synth_view.defaults, rf.key: "rf0"})
    r = recommend(metafeatures=view.metafeatures.iloc[0] + 0.01, task="classification",
                  repository=view, space="all", k=25)
    assert r.configurations[0].space_key == "random_forest/classification"
    assert set(r.spaces) == {"random_forest/classification", "lightgbm/classification"}
    assert r.repository["n_configurations"] == 30
    with pytest.raises(RecommendError, match="several spaces"):
        r.param_grid()
    grid = r.param_grid(space="lightgbm")
    assert 0 < len(grid) < 25 and all("num_leaves" in g for g in grid)
    only_lgbm = recommend(metafeatures=view.metafeatures.iloc[0] + 0.01, task="classification",
                          repository=view, space="lightgbm", k=25)
    assert only_lgbm.spaces == ["lightgbm/classification"]


def test_openml_task_identified_by_exact_counts(synth_view):
    """A prior task whose qualities another extractor computed is still recognised as the
    same dataset when every exact count agrees."""
    from repository.view import RepositoryView

    counts = {"NumberOfInstances": 768.0, "NumberOfFeatures": 9.0, "NumberOfClasses": 2.0,
              "NumberOfMissingValues": 0.0, "MajorityClassSize": 500.0}
    mf = synth_view.metafeatures.copy()
    for name, value in counts.items():
        mf[name] = np.arange(len(mf), dtype=float) + 1000  # all different from the query ...
        mf.loc[mf.index[9], name] = value                  # ... except task 9
    view = RepositoryView(synth_view.performance, mf, synth_view.configurations, synth_view.metric,
                          synth_view.tasks, synth_view.defaults)
    query = mf.iloc[9].copy()
    query.iloc[:8] += 0.5  # the other meta-features differ (another extractor)
    r = recommend_from_view(view, query, k=3)
    assert r.excluded_tasks == [view.performance.index[9]]
    query["NumberOfInstances"] = 767.0
    assert recommend_from_view(view, query, k=3).excluded_tasks == []


def test_repository_without_metafeatures_recommends_the_portfolio(synth_view):
    from repository.view import RepositoryView

    bare = RepositoryView(synth_view.performance, pd.DataFrame(index=synth_view.performance.index),
                          synth_view.configurations, synth_view.metric, synth_view.tasks, synth_view.defaults)
    r = recommend_from_view(bare, synth_view.metafeatures.iloc[0], k=3, strategy="nearest_portfolio")
    assert r.strategy == "portfolio" and r.nearest_tasks == [] and not r.far_from_prior
    assert any("no usable meta-features" in n for n in r.notes)
    # the default strategy averages the gains of every prior task instead
    r = recommend_from_view(bare, synth_view.metafeatures.iloc[0], k=3)
    assert r.strategy == "expected_gain" and r.nearest_tasks == []
    assert any("averaged over every prior task" in n for n in r.notes)
    from metaknow.recommenders import get_recommender

    top = get_recommender("expected_gain").fit(bare).recommend(synth_view.metafeatures.iloc[0], 1)[0]
    assert top.is_default or f"of {bare.n_tasks} nearest" in top.rationale
