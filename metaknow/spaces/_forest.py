"""Shared pieces of the random-forest and extra-trees spaces (both sklearn forests)."""

from __future__ import annotations

from typing import Any

from metaknow.space import Categorical, Condition, Float, Hyperparameter, Integer

#: Preprocessing: SimpleImputer's own default strategy ("mean") is the space default.
IMPUTER = Categorical("imputer_strategy", ("mean", "median", "most_frequent"), default="mean")


def forest_params(task: str, bootstrap_default: bool) -> tuple[Hyperparameter, ...]:
    """Bootstrap, split criterion, feature fraction and leaf sizes of a sklearn forest.

    Classification holds the space of OpenML flow 6969 (van Rijn & Hutter 2018):
    bootstrap, gini/entropy, ``max_features`` as a fraction in [0.1, 0.9] (here
    [0.05, 1.0]) or sklearn's default ``"sqrt"``, ``min_samples_leaf`` 1-20,
    ``min_samples_split`` 2-20 and the numeric imputation strategy.
    """
    params: list[Hyperparameter] = [IMPUTER, Categorical("bootstrap", (True, False),
                                                          default=bootstrap_default)]
    if task == "classification":
        params += [
            Categorical("criterion", ("gini", "entropy"), default="gini"),
            Categorical("max_features_kind", ("sqrt", "fraction"), default="sqrt"),
            Float("max_features", 0.05, 1.0, default=0.5,
                  condition=Condition("max_features_kind", ("fraction",))),
        ]
    else:  # regressors default to all features (max_features=1.0)
        params.append(Float("max_features", 0.05, 1.0, default=1.0))
    params += [
        Integer("min_samples_leaf", 1, 20, default=1),
        Integer("min_samples_split", 2, 20, default=2),
    ]
    return tuple(params)


def forest_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    """Estimator keyword arguments from a forest configuration."""
    kw = dict(config)
    kind = kw.pop("max_features_kind", None)
    if kind == "sqrt":
        kw["max_features"] = "sqrt"
    return kw
