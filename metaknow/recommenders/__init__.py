"""Recommendation strategies: one module per strategy, registered here.

Adding a strategy = one module with a :class:`~metaknow.recommenders.base.Recommender`
subclass + one line in ``STRATEGIES`` (``name: (module, class, keyword arguments)``).
"""

from __future__ import annotations

import importlib
from typing import Any

from metaknow.exceptions import RecommendError
from metaknow.recommenders.base import Candidate, NeighbourTask, Recommender

__all__ = ["STRATEGIES", "DEFAULT_STRATEGY", "get_recommender", "strategy_names",
           "Recommender", "Candidate", "NeighbourTask"]

STRATEGIES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "average_rank": ("metaknow.recommenders.average_rank", "AverageRank", {}),
    "portfolio": ("metaknow.recommenders.portfolio", "GreedyPortfolio", {}),
    "nearest_tasks": ("metaknow.recommenders.nearest_tasks", "NearestTasks", {}),
    "nearest_tasks_l1": ("metaknow.recommenders.nearest_tasks", "NearestTasks", {"learn_weights": False}),
    "meta_model": ("metaknow.recommenders.meta_model", "MetaModel", {}),
    "nearest_portfolio": ("metaknow.recommenders.nearest_portfolio", "NearestPortfolio", {}),
    "surrogate_portfolio": ("metaknow.recommenders.surrogate_portfolio", "SurrogatePortfolio", {}),
    "optimised_portfolio": ("metaknow.recommenders.optimised_portfolio", "OptimisedPortfolio", {}),
    "expected_gain": ("metaknow.recommenders.expected_gain", "ExpectedGain", {}),
}

#: Chosen by ``metaknow benchmark first-pick`` (the gain of the first pick over the library
#: default, leave one task out) on the corpus's tune half and the tune half of the
#: real-world tables; reported on the held-out tables in docs/benchmarks.md.
DEFAULT_STRATEGY = "expected_gain"


def strategy_names() -> list[str]:
    return list(STRATEGIES)


def get_recommender(name: str | None = None, **params: Any) -> Recommender:
    """An unfitted recommender of strategy ``name`` (default: :data:`DEFAULT_STRATEGY`)."""
    name = DEFAULT_STRATEGY if name is None else name
    if name not in STRATEGIES:
        raise RecommendError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}")
    module, cls, defaults = STRATEGIES[name]
    return getattr(importlib.import_module(module), cls)(**{**defaults, **params})
