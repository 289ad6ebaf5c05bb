"""Metaknow itself: ``metaknow.tune(wall_time=T)`` warm-started from the repository
*without the raced table*, and its first recommendation fitted once."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from metaknow.benchmarking.race.objective import N_FOLDS, Trace
from metaknow.benchmarking.race.peers.base import RaceContext, SingleFit
from metaknow.evaluation import Protocol

__all__ = ["MetaknowFirst", "MetaknowTune"]


class MetaknowTune:
    """``metaknow.tune(space="lightgbm", wall_time=seconds, cv=5 folds, n_jobs=1)``.

    The trace takes the incumbent from ``tune``'s callback: the trial over every fold whose
    score equals the best so far. ``trace.notes`` records the seconds the call took
    (the ``1.1 T`` goal).
    """

    name: ClassVar[str] = "metaknow"
    run_factor: ClassVar[float] = 1.0

    def run(self, context: RaceContext, seconds: float) -> Trace:
        from metaknow.tune import tune

        objective = context.objective
        trace = objective.trace
        complete: list[Any] = []

        def seen(trial: Any, best: float | None, done: int) -> None:
            trace.evaluations += 1
            if len(trial.fold_costs) == N_FOLDS and trial.status == "ok":
                complete.append(trial)
            if best is None:
                return
            if trace.incumbents and best <= trace.incumbents[-1].score:
                return
            match = [t for t in complete if abs(-t.cost - best) < 1e-12]
            if match:
                trace.offer(objective.elapsed, best, match[-1].config)

        objective.start()
        start = time.perf_counter()
        result = tune(objective.train, space="lightgbm", budget=None, wall_time=seconds,
                      cv=Protocol(n_splits=N_FOLDS, seed=context.seed), n_jobs=1,
                      seed=context.seed, repository=context.view, refit=False, callback=seen)
        trace.notes.append(f"tune call seconds: {time.perf_counter() - start:.3f}")
        trace.notes += [n for n in result.notes if n.startswith(("warm", "cold", "no "))]
        if not trace.incumbents or trace.incumbents[-1].config != result.best_config:
            trace.offer(objective.elapsed, result.best_score, result.best_config)
        return trace


class MetaknowFirst(SingleFit):
    """Metaknow's first recommended configuration, fitted once (no search)."""

    name: ClassVar[str] = "metaknow-first"

    def config(self, context: RaceContext) -> dict[str, Any]:
        from metaknow.recommend import recommend

        rec = recommend(context.objective.train, space="lightgbm", k=1, repository=context.view)
        return dict(rec.configurations[0].params)
