"""What the prior evaluations say about a search space.

* :func:`importance` — per task, a random-forest surrogate of the evaluations
  (:mod:`~metaknow.importance.surrogates`) decomposed by an importance method (default:
  the exact functional ANOVA of :mod:`~metaknow.importance.fanova`), summarised across
  tasks (:mod:`~metaknow.importance.analysis`);
* :func:`tunability` — data-driven defaults and the gain from tuning each parameter
  alone (:mod:`~metaknow.importance.tunability`);
* :func:`learn_space` — a space narrowed to the nearest tasks' good regions
  (:mod:`~metaknow.importance.learned_space`).

Adding an importance method = one module with an
:class:`~metaknow.importance.base.ImportanceMethod` subclass + one line in :data:`METHODS`.
"""

from __future__ import annotations

import importlib
from typing import Any

from metaknow.exceptions import MetaknowError
from metaknow.importance.base import Decomposition, ImportanceMethod

__all__ = ["METHODS", "get_method", "method_names", "Decomposition", "ImportanceMethod",
           "importance", "tunability", "learn_space"]

#: name -> "module:class" of each importance method.
METHODS: dict[str, str] = {
    "fanova": "metaknow.importance.fanova:FANOVA",
    "total_effect": "metaknow.importance.total_effect:TotalEffect",
}


def method_names() -> list[str]:
    return list(METHODS)


def get_method(name: str, **params: Any) -> ImportanceMethod:
    """A new instance of the importance method ``name``."""
    if name not in METHODS:
        raise MetaknowError(f"unknown importance method {name!r}; known: {', '.join(METHODS)}")
    module, cls = METHODS[name].split(":")
    return getattr(importlib.import_module(module), cls)(**params)


# The entry points, bound after the registry (their modules read it at call time). A
# function named like its module replaces the module as the package attribute.
from metaknow.importance.analysis import importance  # noqa: E402
from metaknow.importance.learned_space import learn_space  # noqa: E402
from metaknow.importance.tunability import tunability  # noqa: E402
