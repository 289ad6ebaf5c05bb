"""The registry of tunable algorithms and their search spaces.

Adding an algorithm = one module defining ``ALGORITHM`` + one line in ``_MODULES``.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from metaknow.exceptions import SpaceError
from metaknow.space import SearchSpace
from metaknow.spaces.algorithm import Algorithm
from metaknow.spaces.pipeline import make_pipeline

__all__ = ["get_algorithm", "get_space", "algorithm_names", "space_names", "make_pipeline"]

_MODULES: dict[str, str] = {
    "lightgbm": "metaknow.spaces.lightgbm",
    "random_forest": "metaknow.spaces.random_forest",
    "extra_trees": "metaknow.spaces.extra_trees",
    "hist_gradient_boosting": "metaknow.spaces.hist_gradient_boosting",
    "logistic_regression": "metaknow.spaces.logistic_regression",
    "ridge": "metaknow.spaces.ridge",
    "svm": "metaknow.spaces.svm",
    "knn": "metaknow.spaces.knn",
    "adaboost": "metaknow.spaces.adaboost",
}


@lru_cache(maxsize=None)
def get_algorithm(name: str) -> Algorithm:
    """The registered algorithm ``name``; :class:`SpaceError` listing the known ones otherwise."""
    if name not in _MODULES:
        raise SpaceError(f"unknown space {name!r}; known spaces: {', '.join(sorted(_MODULES))}")
    return importlib.import_module(_MODULES[name]).ALGORITHM


def get_space(name: str, task: str) -> SearchSpace:
    """The search space of algorithm ``name`` for ``task``."""
    space = get_algorithm(name).space(task)
    if space is None:
        raise SpaceError(f"space {name!r} has no {task} version")
    return space


def algorithm_names() -> list[str]:
    return sorted(_MODULES)


def space_names(task: str) -> list[str]:
    """Names of the algorithms that have a space for ``task``."""
    return [n for n in algorithm_names() if get_algorithm(n).space(task) is not None]
