"""Random forest (scikit-learn), classification and regression."""

from __future__ import annotations

from typing import Any

from metaknow.space import SearchSpace
from metaknow.spaces._forest import forest_kwargs, forest_params
from metaknow.spaces.algorithm import Algorithm

FIXED = {"n_estimators": 100}


def _make_model(config: dict[str, Any], task: str, seed: int) -> Any:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestClassifier if task == "classification" else RandomForestRegressor
    return cls(**forest_kwargs(config), **FIXED, random_state=seed, n_jobs=1)


ALGORITHM = Algorithm(
    name="random_forest",
    spaces={task: SearchSpace("random_forest", task, forest_params(task, bootstrap_default=True),
                              version="1", fixed=FIXED)
            for task in ("classification", "regression")},
    make_model=_make_model,
    preprocessing="ordinal",
)
