"""LightGBM's default configuration, fitted once (the baseline)."""

from __future__ import annotations

from typing import Any, ClassVar

from metaknow.benchmarking.race.peers.base import RaceContext, SingleFit
from metaknow.spaces import get_space

__all__ = ["LightGBMDefault"]


class LightGBMDefault(SingleFit):
    """The space's default, which equals LightGBM 4's own defaults."""

    name: ClassVar[str] = "lightgbm-default"

    def config(self, context: RaceContext) -> dict[str, Any]:
        return get_space("lightgbm", context.objective.train.task).default()
