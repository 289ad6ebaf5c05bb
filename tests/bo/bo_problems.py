"""Test problems for the BO tests: Branin, a conditional mixed space and a trap (known optima)."""

from __future__ import annotations

import math
from typing import Any

from metaknow.space import Categorical, Condition, Float, Integer, SearchSpace

BRANIN_OPTIMUM = 0.397887357729739

BRANIN_SPACE = SearchSpace("branin", "regression", (Float("x1", -5.0, 10.0, default=2.5),
                                                     Float("x2", 0.0, 15.0, default=7.5)))

MIXED_SPACE = SearchSpace("mixed", "regression", (
    Categorical("kind", ("linear", "quadratic", "constant"), default="linear"),
    Float("x", 0.0, 1.0, default=0.5),
    Integer("depth", 1, 16, default=4, condition=Condition("kind", ("quadratic",))),
    Float("rate", 1e-4, 1.0, default=0.1, log=True, condition=Condition("kind", ("linear",))),
    Categorical("solver", ("a", "b"), default="a", condition=Condition("kind", ("linear",))),
    Float("tol", 0.0, 1.0, default=0.5, condition=Condition("solver", ("b",))),
))

#: The optimum (0) lies in branch "narrow", whose random points are mostly worse than
#: every point of branch "wide" (0.3 at best): a loop that only follows the model stalls at 0.3.
TRAP_SPACE = SearchSpace("trap", "regression", (
    Categorical("branch", ("wide", "narrow"), default="wide"),
    Float("a", 0.0, 1.0, default=0.5, condition=Condition("branch", ("wide",))),
    Float("b1", 0.0, 1.0, default=0.5, condition=Condition("branch", ("narrow",))),
    Float("b2", 0.0, 1.0, default=0.5, condition=Condition("branch", ("narrow",))),
))


def trap(c: dict[str, Any]) -> float:
    if c["branch"] == "wide":
        return 0.3 + 0.5 * (c["a"] - 0.5) ** 2
    return 1.0 - math.exp(-((c["b1"] - 0.2) ** 2 + (c["b2"] - 0.75) ** 2) / 0.02)


def branin(c: dict[str, Any]) -> float:
    x1, x2 = c["x1"], c["x2"]
    return ((x2 - 5.1 / (4 * math.pi ** 2) * x1 ** 2 + 5 / math.pi * x1 - 6) ** 2
            + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10)


def mixed(c: dict[str, Any]) -> float:
    """Minimum 0 at kind=quadratic, depth=11, x=0.7."""
    value = 4.0 * (c["x"] - 0.7) ** 2
    if c["kind"] == "quadratic":
        return value + ((c["depth"] - 11) / 5.0) ** 2
    if c["kind"] == "linear":
        return value + 0.2 + 0.25 * (math.log10(c["rate"]) + 2.0) ** 2 + (
            (c["tol"] - 0.3) ** 2 if c["solver"] == "b" else 0.1)
    return value + 1.0
