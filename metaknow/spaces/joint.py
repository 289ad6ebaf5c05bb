"""The joint space ``"all"``: algorithm and configuration tuned together (CASH).

Built programmatically from the registered algorithms that have a space for the task:
a top-level categorical ``algorithm`` (default ``lightgbm``), then each algorithm's
parameters renamed ``ALGORITHM:PARAMETER`` and active only while ``algorithm`` names
their algorithm (a parameter already conditioned inside its own space keeps that
condition, on the renamed parent: a child of an inactive parent is inactive). Its vector
form is the usual one, NaN for every inactive parameter, so the BO loop's surrogate and
local search work on it unchanged. A joint configuration evaluates as the chosen
algorithm's own configuration (:func:`split`), through the same evaluation path.
"""

from __future__ import annotations

import dataclasses
import hashlib
from functools import lru_cache
from typing import Any, Mapping

from metaknow.exceptions import SpaceError
from metaknow.space import Categorical, Condition, Configuration, SearchSpace

__all__ = ["JOINT", "ALGORITHM_PARAM", "SEPARATOR", "joint_space", "split", "join"]

#: The name of the joint space (``--space all``).
JOINT = "all"
#: The top-level parameter naming the algorithm.
ALGORITHM_PARAM = "algorithm"
#: Between an algorithm's name and its parameter's name.
SEPARATOR = ":"
#: Default algorithm of the joint space (its default configuration is the library default).
DEFAULT_ALGORITHM = "lightgbm"


@lru_cache(maxsize=None)
def joint_space(task: str) -> SearchSpace:
    """The joint space of every registered algorithm with a ``task`` space.

    Raises
    ------
    SpaceError
        No algorithm has a space for ``task``.
    """
    from metaknow.spaces import get_space, space_names

    names = space_names(task)
    if not names:
        raise SpaceError(f"no registered space has a {task} version")
    default = DEFAULT_ALGORITHM if DEFAULT_ALGORITHM in names else names[0]
    params: list[Any] = [Categorical(ALGORITHM_PARAM, tuple(names), default=default)]
    versions = []
    for name in names:
        space = get_space(name, task)
        versions.append(f"{name}={space.version}")
        for p in space.params:
            params.append(_renamed(p, name))
    version = hashlib.sha256(",".join(versions).encode()).hexdigest()[:12]
    return SearchSpace(JOINT, task, tuple(params), version=version)


def _renamed(param: Any, algorithm: str) -> Any:
    cond = param.condition
    if cond is None:
        new = Condition(ALGORITHM_PARAM, (algorithm,))
    else:
        new = Condition(f"{algorithm}{SEPARATOR}{cond.parent}", cond.values)
    return dataclasses.replace(param, name=f"{algorithm}{SEPARATOR}{param.name}", condition=new)


def split(config: Mapping[str, Any]) -> tuple[str, Configuration]:
    """``(algorithm, its own configuration)`` of a joint configuration."""
    if ALGORITHM_PARAM not in config:
        raise SpaceError(f"a configuration of space {JOINT!r} needs {ALGORITHM_PARAM!r}")
    algorithm = str(config[ALGORITHM_PARAM])
    prefix = f"{algorithm}{SEPARATOR}"
    own = {k[len(prefix):]: v for k, v in config.items() if k.startswith(prefix)}
    return algorithm, own


def join(algorithm: str, config: Mapping[str, Any]) -> Configuration:
    """The joint configuration of ``algorithm`` with its own ``config``."""
    return {ALGORITHM_PARAM: algorithm,
            **{f"{algorithm}{SEPARATOR}{k}": v for k, v in config.items()}}
