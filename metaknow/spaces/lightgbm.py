"""LightGBM (gradient-boosted trees), classification and regression."""

from __future__ import annotations

from typing import Any

from metaknow.space import Categorical, Float, Integer, SearchSpace
from metaknow.spaces.algorithm import Algorithm

# Ranges follow common LightGBM tuning practice (FLAML, auto-sklearn's HGB space);
# every default equals LightGBM 4's own default.
_PARAMS = (
    Integer("n_estimators", 8, 1024, default=100, log=True),
    Float("learning_rate", 0.005, 0.5, default=0.1, log=True),
    Integer("num_leaves", 4, 256, default=31, log=True),
    Integer("min_child_samples", 2, 128, default=20, log=True),
    Float("subsample", 0.5, 1.0, default=1.0),
    Float("colsample_bytree", 0.3, 1.0, default=1.0),
    Float("reg_alpha", 1e-8, 10.0, default=1e-8, log=True),
    Float("reg_lambda", 1e-8, 10.0, default=1e-8, log=True),
    Categorical("max_bin", (255, 63, 127, 511), default=255),
)


def _make_model(config: dict[str, Any], task: str, seed: int) -> Any:
    import lightgbm as lgb

    params = dict(config)
    # reg_* at the lower bound stands for LightGBM's default of exactly 0.
    for key in ("reg_alpha", "reg_lambda"):
        if params.get(key, 0.0) <= 1e-8:
            params[key] = 0.0
    if params.get("subsample", 1.0) < 1.0:
        params["subsample_freq"] = 1
    cls = lgb.LGBMClassifier if task == "classification" else lgb.LGBMRegressor
    return cls(**params, random_state=seed, n_jobs=1, verbosity=-1)


ALGORITHM = Algorithm(
    name="lightgbm",
    spaces={
        "classification": SearchSpace("lightgbm", "classification", _PARAMS, version="1"),
        "regression": SearchSpace("lightgbm", "regression", _PARAMS, version="1"),
    },
    make_model=_make_model,
    preprocessing="ordinal",
)
