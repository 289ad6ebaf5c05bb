"""LightGBM's default configuration, fitted once (the baseline)."""

from __future__ import annotations

from typing import ClassVar

from metaknow.benchmarking.race.objective import Trace
from metaknow.benchmarking.race.peers.base import RaceContext
from metaknow.spaces import get_space

__all__ = ["LightGBMDefault"]


class LightGBMDefault:
    """The space's default, which equals LightGBM 4's own defaults."""

    name: ClassVar[str] = "lightgbm-default"
    run_factor: ClassVar[float] = 0.0

    def run(self, context: RaceContext, seconds: float) -> Trace:
        objective = context.objective
        objective.start()
        objective.trace.offer(0.0, float("nan"), get_space("lightgbm", objective.train.task).default())
        return objective.trace
