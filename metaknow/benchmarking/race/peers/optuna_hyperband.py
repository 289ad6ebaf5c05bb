"""Optuna's TPE sampler with its Hyperband pruner, the folds as the resource.

Each trial reports its running mean CV score after every fold (step = folds done);
``HyperbandPruner(min_resource=1, max_resource=5, reduction_factor=3)`` stops a trial
that is not among the best of its bracket at a rung. Metaknow's space is suggested
through :func:`metaknow.integrations.optuna.suggest`.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from metaknow.benchmarking.race.objective import N_FOLDS, OutOfTime, Trace
from metaknow.benchmarking.race.peers.base import RaceContext
from metaknow.integrations.optuna import require_optuna, suggest
from metaknow.spaces import get_space

__all__ = ["OptunaHyperband"]


class OptunaHyperband:
    """Optuna TPE + HyperbandPruner over folds."""

    name: ClassVar[str] = "optuna-tpe-hyperband"
    run_factor: ClassVar[float] = 3.0

    def run(self, context: RaceContext, seconds: float) -> Trace:
        optuna = require_optuna()
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        objective = context.objective
        space = get_space("lightgbm", objective.train.task)
        study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.TPESampler(seed=context.seed),
            pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=N_FOLDS,
                                                  reduction_factor=3))

        def trial_score(trial: Any) -> float:
            config = suggest(trial, space)
            values: list[float] = []
            for fold in range(N_FOLDS):
                values.append(objective.fold(config, fold))
                running = sum(values) / len(values)
                if math.isnan(running):  # the fit failed
                    return float("nan")
                trial.report(running, step=fold + 1)
                if fold + 1 < N_FOLDS and trial.should_prune():
                    raise optuna.TrialPruned()
            return objective.record(config, values)

        objective.start()
        try:
            study.optimize(trial_score, timeout=seconds, catch=())
        except OutOfTime:
            pass
        return objective.trace
