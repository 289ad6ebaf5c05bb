"""What an algorithm module declares: its spaces per task and how to build its model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal, Mapping

from metaknow.space import Configuration, SearchSpace

__all__ = ["Algorithm", "Preprocessing"]

#: "ordinal": trees (categories as integer codes, no scaling);
#: "onehot_scaled": models that need scaled numeric input and one-hot categories.
Preprocessing = Literal["ordinal", "onehot_scaled"]


@dataclass(frozen=True)
class Algorithm:
    """One tunable algorithm.

    Parameters
    ----------
    name : str
        Registry name (``"lightgbm"``); also the space name.
    spaces : mapping task -> SearchSpace
        The search space for each task type the algorithm supports.
    make_model : callable (config, task, seed) -> estimator
        Builds the unfitted model from a validated configuration. Parameters that belong
        to preprocessing (names starting with ``"imputer_"``) are removed before the call.
    preprocessing : {"ordinal", "onehot_scaled"}
    """

    name: str
    spaces: Mapping[str, SearchSpace]
    make_model: Callable[[Configuration, str, int], Any]
    preprocessing: Preprocessing = "ordinal"

    def space(self, task: str) -> SearchSpace | None:
        return self.spaces.get(task)
