"""Ridge regression (scikit-learn): the linear model of regression tasks."""

from __future__ import annotations

from typing import Any

from metaknow.space import Categorical, Float, SearchSpace
from metaknow.spaces.algorithm import Algorithm

_PARAMS = (
    Float("alpha", 1e-4, 1e4, default=1.0, log=True),
    Categorical("fit_intercept", (True, False), default=True),
)


def _make_model(config: dict[str, Any], task: str, seed: int) -> Any:
    from sklearn.linear_model import Ridge

    return Ridge(**config, random_state=seed)


ALGORITHM = Algorithm(
    name="ridge",
    spaces={"regression": SearchSpace("ridge", "regression", _PARAMS, version="1")},
    make_model=_make_model,
    preprocessing="onehot_scaled",
)
