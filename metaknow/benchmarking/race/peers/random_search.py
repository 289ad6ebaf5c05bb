"""Random search: uniform (log-uniform on log scales) configurations of metaknow's space."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from metaknow.benchmarking.race.objective import OutOfTime, Trace
from metaknow.benchmarking.race.peers.base import RaceContext
from metaknow.spaces import get_space

__all__ = ["RandomSearch"]


class RandomSearch:
    """Configurations drawn at random, each cross-validated on every fold."""

    name: ClassVar[str] = "random"
    run_factor: ClassVar[float] = 3.0

    def run(self, context: RaceContext, seconds: float) -> Trace:
        objective = context.objective
        space = get_space("lightgbm", objective.train.task)
        rng = np.random.default_rng(context.seed)
        objective.start()
        try:
            while True:
                objective.evaluate(space.sample(rng)[0])
        except OutOfTime:
            pass
        return objective.trace
