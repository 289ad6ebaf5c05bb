"""Histogram gradient boosting (scikit-learn), classification and regression."""

from __future__ import annotations

from typing import Any

from metaknow.space import Float, Integer, SearchSpace
from metaknow.spaces.algorithm import Algorithm

# Ranges after auto-sklearn's gradient-boosting space; defaults are scikit-learn's.
_PARAMS = (
    Float("learning_rate", 0.01, 1.0, default=0.1, log=True),
    Integer("max_iter", 10, 1000, default=100, log=True),
    Integer("max_leaf_nodes", 3, 256, default=31, log=True),
    Integer("min_samples_leaf", 1, 200, default=20, log=True),
    Float("l2_regularization", 1e-10, 10.0, default=1e-10, log=True),
    Float("max_features", 0.1, 1.0, default=1.0),
)


def _make_model(config: dict[str, Any], task: str, seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    kw = dict(config)
    # The lower bound stands for scikit-learn's default of exactly 0.
    if kw.get("l2_regularization", 0.0) <= 1e-10:
        kw["l2_regularization"] = 0.0
    cls = HistGradientBoostingClassifier if task == "classification" else HistGradientBoostingRegressor
    return cls(**kw, random_state=seed)


ALGORITHM = Algorithm(
    name="hist_gradient_boosting",
    spaces={task: SearchSpace("hist_gradient_boosting", task, _PARAMS, version="1")
            for task in ("classification", "regression")},
    make_model=_make_model,
    preprocessing="ordinal",
)
