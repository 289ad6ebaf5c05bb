"""SMAC3's MultiFidelityFacade (random forest + Hyperband), the folds as the budget.

A trial with budget b is cross-validated on the first ``round(b)`` folds (budgets from 1
to 5 folds, Hyperband's eta = 3). Only trials on all 5 folds can become the incumbent,
as SMAC's own ``highest_observed_budget`` selection does. Metaknow's space is translated
by :func:`metaknow.integrations.configspace.to_configspace`.
"""

from __future__ import annotations

import math
import tempfile
import warnings
from typing import Any, ClassVar

from metaknow.benchmarking.race.objective import N_FOLDS, OutOfTime, Trace
from metaknow.benchmarking.race.peers.base import RaceContext
from metaknow.exceptions import MetaknowError
from metaknow.spaces import get_space

__all__ = ["SmacMultiFidelity"]

#: Cost of a configuration whose fit failed (scores are at most 1).
FAILED_COST = 1e3


class SmacMultiFidelity:
    """SMAC3 MultiFidelityFacade with Hyperband over folds."""

    name: ClassVar[str] = "smac3-multifidelity"
    run_factor: ClassVar[float] = 3.0

    def run(self, context: RaceContext, seconds: float) -> Trace:
        try:
            from smac import MultiFidelityFacade, Scenario
        except ImportError:
            raise MetaknowError("this tuner needs SMAC3: pip install smac") from None
        from metaknow.integrations.configspace import from_configuration, to_configspace

        objective = context.objective
        space = get_space("lightgbm", objective.train.task)
        cs = to_configspace(space, seed=context.seed)

        def target(config: Any, seed: int = 0, budget: float = N_FOLDS) -> float:
            folds = min(N_FOLDS, max(1, round(budget)))
            try:
                score = objective.evaluate(from_configuration(space, config), folds)
            except OutOfTime:
                return FAILED_COST
            return FAILED_COST if math.isnan(score) else -score

        objective.start()
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scenario = Scenario(cs, deterministic=True, walltime_limit=seconds, n_trials=10**6,
                                min_budget=1, max_budget=N_FOLDS, seed=context.seed,
                                output_directory=tmp)
            smac = MultiFidelityFacade(scenario, target, overwrite=True, logging_level=40)
            smac.optimize()
        return objective.trace
