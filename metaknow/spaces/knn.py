"""k-nearest neighbours (scikit-learn), classification and regression."""

from __future__ import annotations

from typing import Any

from metaknow.space import Categorical, Integer, SearchSpace
from metaknow.spaces.algorithm import Algorithm

_PARAMS = (
    Integer("n_neighbors", 1, 100, default=5, log=True),
    Categorical("weights", ("uniform", "distance"), default="uniform"),
    Categorical("p", (2, 1), default=2),
)


def _make_model(config: dict[str, Any], task: str, seed: int) -> Any:
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    cls = KNeighborsClassifier if task == "classification" else KNeighborsRegressor
    return cls(**config)


ALGORITHM = Algorithm(
    name="knn",
    spaces={task: SearchSpace("knn", task, _PARAMS, version="1")
            for task in ("classification", "regression")},
    make_model=_make_model,
    preprocessing="onehot_scaled",
)
