"""Space bridges to Optuna and ConfigSpace: round trips and conditional handling."""

from __future__ import annotations

import pytest

from metaknow.space import Categorical, Condition, Float, Integer, SearchSpace
from metaknow.spaces import get_space

COND = SearchSpace("toy", "classification", (
    Categorical("kernel", ("rbf", "linear", None), "rbf"),
    Float("gamma", 1e-3, 10.0, 0.1, log=True, condition=Condition("kernel", ("rbf",))),
    Integer("degree", 1, 5, 3, condition=Condition("kernel", ("linear", None))),
    Categorical("shrink", (True, False), True),
))


@pytest.mark.parametrize("space", [get_space("lightgbm", "classification"), COND])
def test_configspace_round_trip(space: SearchSpace) -> None:
    mc = pytest.importorskip("metaknow.integrations.configspace")
    pytest.importorskip("ConfigSpace")
    cs = mc.to_configspace(space, seed=0)
    design = space.design(16, seed=3)
    for cfg, original in zip(mc.to_configurations(space, design, configspace=cs), design):
        back = mc.from_configuration(space, cfg)
        original = space.validate(original)
        assert back.keys() == original.keys()
        for name, value in original.items():
            if isinstance(value, float):  # ConfigSpace rounds floats to ~10 decimals
                assert back[name] == pytest.approx(value, rel=1e-6, abs=1e-10)
            else:
                assert back[name] == value


def test_configspace_samples_respect_conditions() -> None:
    pytest.importorskip("ConfigSpace")
    from metaknow.integrations.configspace import from_configuration, to_configspace

    cs = to_configspace(COND, seed=1)
    for cfg in cs.sample_configuration(50):
        config = from_configuration(COND, cfg)
        assert ("gamma" in config) == (config["kernel"] == "rbf")
        assert ("degree" in config) == (config["kernel"] != "rbf")


def test_optuna_suggest_and_enqueue() -> None:
    optuna = pytest.importorskip("optuna")
    from metaknow.integrations.optuna import enqueue, suggest

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    warm = COND.design(3, seed=0)
    assert enqueue(study, COND, warm) == 3
    seen = []
    study.optimize(lambda t: (seen.append(suggest(t, COND)), 0.0)[1], n_trials=12)
    assert seen[:3] == [COND.validate(c) for c in warm]
    for config in seen:
        assert COND.is_valid(config)
