"""What a tuner of the race is: one small class behind one short interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from metaknow.benchmarking.race.objective import CVObjective, Trace

__all__ = ["RaceContext", "SingleFit", "Tuner"]


@dataclass
class RaceContext:
    """What a tuner may use: the objective over the training rows, the seed and the
    repository view without the raced table (``view``; only metaknow reads it)."""

    objective: CVObjective
    seed: int
    view: Any = None


class Tuner(Protocol):
    """A tuner of the race.

    ``run_factor`` is its run length in units of the budget T (metaknow runs T, a peer
    3T so that metaknow at T is compared with the peer at 3T); 0 for a single fit, which
    runs once whatever the budget. ``run`` starts ``context.objective``'s clock, tunes
    until ``seconds`` have passed and returns the trace of its incumbents.
    """

    name: ClassVar[str]
    run_factor: ClassVar[float]

    def run(self, context: RaceContext, seconds: float) -> Trace: ...


class SingleFit:
    """A tuner that proposes one configuration (``config``) and is fitted once."""

    name: ClassVar[str] = "single-fit"
    run_factor: ClassVar[float] = 0.0

    def config(self, context: RaceContext) -> dict[str, Any]:
        raise NotImplementedError

    def run(self, context: RaceContext, seconds: float) -> Trace:
        objective = context.objective
        objective.start()
        config = self.config(context)
        objective.trace.offer(objective.elapsed, float("nan"), config)
        return objective.trace
