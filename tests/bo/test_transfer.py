"""Transfer in the BO loop: ranking losses and weights by hand, priors that help or mislead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaknow.bo.optimizer import Optimizer
from metaknow.bo.transfer import (SourceTask, TransferPrior, ranking_losses, rgpe_weights,
                                  sources_from_view)
from metaknow.space import Float, SearchSpace
from metaknow.spaces import get_space
from repository.view import RepositoryView

SPACE = SearchSpace("bowl", "regression", (Float("x", 0.0, 1.0, default=0.5),
                                           Float("y", 0.0, 1.0, default=0.5)))


def cost(c: dict) -> float:
    return (c["x"] - 0.8) ** 2 + (c["y"] - 0.2) ** 2


def source(sign: float, name: str, seed: int) -> SourceTask:
    X = np.random.default_rng(seed).random((64, 2))
    return SourceTask(name, X, sign * ((X[:, 0] - 0.8) ** 2 + (X[:, 1] - 0.2) ** 2))


def test_ranking_losses_by_hand() -> None:
    y = np.array([1.0, 2.0, 3.0])
    preds = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [1.0, 1.0, 3.0]])
    once = np.ones((1, 3), dtype=int)
    # right order: 0 wrong pairs; reversed: all 3; a tie between the first two: half a pair
    np.testing.assert_allclose(ranking_losses(preds, y, once)[:, 0], [0.0, 3.0, 0.5])
    # observation 0 drawn twice, 1 once, 2 never: the pair (0, 1) counts twice
    np.testing.assert_allclose(ranking_losses(preds[1:2], y, np.array([[2, 1, 0]])), [[2.0]])


def test_rgpe_weights_by_hand() -> None:
    losses = np.array([[1.0, 1.0, 1.0, 1.0],    # ranks better than the target everywhere
                       [5.0, 5.0, 5.0, 5.0],    # median above the target's 95th percentile: dropped
                       [2.0, 2.0, 2.0, 2.0]])   # the target model
    np.testing.assert_allclose(rgpe_weights(losses), [1.0, 0.0, 0.0])
    tied = np.array([[2.0, 1.0], [2.0, 3.0]])   # tie on sample 1, source wins sample 2
    np.testing.assert_allclose(rgpe_weights(tied), [0.75, 0.25])


def test_a_misleading_prior_is_switched_off_and_a_right_one_is_used() -> None:
    weights = {}
    for label, sign in (("right", 1.0), ("wrong", -1.0)):
        prior = TransferPrior([source(sign, f"{label}-a", 1), source(sign, f"{label}-b", 2)])
        opt = Optimizer(SPACE, seed=3, transfer=prior, budget_hint=20)
        for _ in range(20):
            trial = opt.ask()
            opt.tell(trial, cost(trial.config))
        weights[label] = list(opt.transfer_weights.values())
    late_wrong = weights["wrong"][-5:]
    assert all(w["target"] == 1.0 for w in late_wrong)  # an inverted prior gets nothing
    right = weights["right"]
    assert np.mean([1.0 - w["target"] for w in right[:5]]) > 0.5  # early on, the prior leads


def test_transfer_runs_are_reproducible() -> None:
    def run() -> list[dict]:
        prior = TransferPrior([source(1.0, "a", 1), source(1.0, "b", 2)])
        opt = Optimizer(SPACE, seed=11, transfer=prior)
        out = []
        for _ in range(12):
            trial = opt.ask()
            opt.tell(trial, cost(trial.config))
            out.append(trial.config)
        return out

    assert run() == run()


def test_sources_from_view_skip_failures_and_other_spaces(hand_view_bo) -> None:
    space = get_space("lightgbm", "classification")
    sources = sources_from_view(hand_view_bo, space, ["A", "B", "missing"])
    assert [s.name for s in sources] == ["A", "B"]
    assert len(sources[0].y) == 2  # c2 failed on A, c4 is another space
    np.testing.assert_allclose(sorted(-sources[1].y), [0.2, 0.5, 0.9])
    assert sources[1].X.shape == (3, len(space))


@pytest.fixture
def hand_view_bo() -> RepositoryView:
    space = get_space("lightgbm", "classification")
    configs = space.design(4, seed=2, include_default=False)[:3] + [space.default()]
    perf = pd.DataFrame([[0.1, np.nan, 0.7, 0.4], [0.2, 0.5, 0.9, 0.3]], index=["A", "B"],
                        columns=["c1", "c2", "c3", "c4"])
    knn = get_space("knn", "classification")
    cfg = {"c1": (space.key, configs[0]), "c2": (space.key, configs[1]),
           "c3": (space.key, configs[2]), "c4": (knn.key, knn.default())}
    return RepositoryView(perf, pd.DataFrame({"f": [0.0, 1.0]}, index=["A", "B"]), cfg, "roc_auc")


def test_tune_with_transfer_reports_the_sources_and_their_weights() -> None:
    import metaknow

    result = metaknow.tune("sklearn:breast_cancer", space="lightgbm", budget=7, warm_start=3,
                           cv=3, transfer=True, refit=False)
    assert any(n.startswith("transfer: surrogates of 10 nearest tasks") for n in result.notes)
    weights = [n for n in result.notes if n.startswith("transfer weights")]
    assert len(weights) == 1 and weights[0].startswith("transfer weights at the last model-based")
    assert len(result.history) == 7
    # the handover: the last proposal (trial 7) follows 6 trials of the run's own, so its
    # forest holds at least 6 / (6 + 10) of the weight whatever the ranking losses say
    assert "n / (n + 10)" in next(n for n in result.notes if n.startswith("transfer: surrogates"))
    own = float(weights[0].rsplit("target ", 1)[1])
    assert own >= 6 / 16 - 0.005


def test_target_floor_by_hand() -> None:
    from metaknow.bo.transfer import with_target_floor

    # sources 0.6 / 0.3, target 0.1; floor 0.5: the sources keep their 2:1 ratio in the rest
    np.testing.assert_allclose(with_target_floor(np.array([0.6, 0.3, 0.1]), 0.5),
                               [1 / 3, 1 / 6, 0.5])
    # a target already above the floor is left alone
    np.testing.assert_allclose(with_target_floor(np.array([0.2, 0.8]), 0.5), [0.2, 0.8])
    # no source has weight: everything stays on the target
    np.testing.assert_allclose(with_target_floor(np.array([0.0, 0.0, 1.0]), 0.3), [0, 0, 1])


def test_handover_gives_the_run_half_the_weight_after_that_many_trials() -> None:
    prior = TransferPrior([source(1.0, "a", 1), source(1.0, "b", 2)], handover=10)
    opt = Optimizer(SPACE, seed=3, transfer=prior, budget_hint=20)
    for _ in range(20):
        trial = opt.ask()
        opt.tell(trial, cost(trial.config))
    for trial_id, w in opt.transfer_weights.items():
        n_own = trial_id  # trials are numbered from 0: trial k proposes after k trials
        assert w["target"] >= n_own / (n_own + 10) - 1e-12
        assert sum(w.values()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="handover must be positive"):
        TransferPrior([source(1.0, "a", 1)], handover=0)


def test_meta_surrogate_source_predicts_standardised_costs() -> None:
    from metaknow.bo.meta_source import MetaSurrogateSource
    from metaknow.recommenders.meta_surrogate import MetaSurrogate

    space = get_space("lightgbm", "classification")
    configs = space.design(30, seed=4, include_default=False)
    V = np.vstack([space.to_vector(c) for c in configs])
    # task f in {0, 1}: the score rises with the first parameter on f=0 tasks and falls on f=1
    tasks = [f"t{i}" for i in range(8)]
    f = np.array([i % 2 for i in range(8)], dtype=float)
    x = np.nan_to_num(V[:, 0], nan=0.5)
    perf = pd.DataFrame([x if fi == 0 else 1 - x for fi in f], index=tasks,
                        columns=[f"c{j}" for j in range(len(configs))])
    view = RepositoryView(perf, pd.DataFrame({"f": f, "g": np.arange(8.0)}, index=tasks),
                          {f"c{j}": (space.key, c) for j, c in enumerate(configs)}, "roc_auc")
    model = MetaSurrogate(n_models=2, n_estimators=50, min_child_samples=3).fit(view, space)
    src = MetaSurrogateSource(model, pd.Series({"f": 1.0, "g": 3.0}), V)
    mean, var = src.predict(V)
    assert mean.mean() == pytest.approx(0.0, abs=1e-9)   # standardised over the reference
    assert mean.std() == pytest.approx(1.0, rel=1e-6)
    # a cost: on an f=1 task a larger first parameter scores worse, so it costs more
    assert np.corrcoef(mean, x)[0, 1] > 0.8
    rank, spread = model.predict(model.task_matrix(pd.Series({"f": 1.0, "g": 3.0})), V)
    np.testing.assert_allclose(mean, (-rank[0] - src.mu) / src.sd)
    np.testing.assert_allclose(var, spread[0] ** 2 / src.sd ** 2)
    prior = TransferPrior([])
    prior.add_source("meta-surrogate", src)
    assert prior.names == ["meta-surrogate"] and len(prior) == 1


def test_a_variant_shares_the_forests_and_leaves_the_original_alone() -> None:
    prior = TransferPrior([source(1.0, "a", 1), source(1.0, "b", 2)])
    extra = TransferPrior([source(-1.0, "c", 3)]).models[0]
    other = prior.variant(handover=5, extra=[("c", extra)])
    assert other.names == ["a", "b", "c"] and other.handover == 5
    assert other.models[0] is prior.models[0] and other.models[2] is extra
    assert prior.names == ["a", "b"] and len(prior) == 2 and prior.handover is None
    with pytest.raises(ValueError, match="handover must be positive"):
        prior.variant(handover=-1)
