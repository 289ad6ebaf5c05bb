"""L2-regularised logistic regression (scikit-learn), classification only."""

from __future__ import annotations

from typing import Any

from metaknow.space import Categorical, Float, SearchSpace
from metaknow.spaces.algorithm import Algorithm

_PARAMS = (
    Float("C", 1e-4, 1e4, default=1.0, log=True),
    Categorical("class_weight", (None, "balanced"), default=None),
    Categorical("fit_intercept", (True, False), default=True),
)


def _make_model(config: dict[str, Any], task: str, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(**config, random_state=seed)


ALGORITHM = Algorithm(
    name="logistic_regression",
    spaces={"classification": SearchSpace("logistic_regression", "classification", _PARAMS,
                                          version="1")},
    make_model=_make_model,
    preprocessing="onehot_scaled",
)
