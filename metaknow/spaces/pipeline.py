"""The standard preprocessing in front of every model: imputation, encoding, scaling."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from metaknow.io.columns import conform_features
from metaknow.space import Configuration
from metaknow.spaces.algorithm import Algorithm

__all__ = ["make_pipeline", "split_config", "ColumnTypes"]

#: Parameters with this prefix configure preprocessing, not the model.
PREPROCESSING_PREFIX = "imputer_"


def split_config(config: Configuration) -> tuple[Configuration, Configuration]:
    """Separate preprocessing parameters (``imputer_*``) from model parameters."""
    pre = {k: v for k, v in config.items() if k.startswith(PREPROCESSING_PREFIX)}
    model = {k: v for k, v in config.items() if not k.startswith(PREPROCESSING_PREFIX)}
    return pre, model


class ColumnTypes(TransformerMixin, BaseEstimator):
    """First pipeline step: rows in the column types of the Dataset the pipeline was built for.

    A Dataset's own ``X`` passes through untouched; a raw frame given to a fitted model
    (bool, ``boolean``, ``Int64``, dates, text...) is converted by
    :func:`metaknow.io.columns.conform_features`, so the encoders see the levels they
    learned instead of treating every True/False as an unknown category.
    """

    def __init__(self, numeric: Sequence[str] = (), categorical: Sequence[str] = ()) -> None:
        self.numeric = numeric
        self.categorical = categorical

    def fit(self, X: pd.DataFrame, y: Any = None) -> "ColumnTypes":
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return conform_features(X, self.numeric, self.categorical)


def make_pipeline(algorithm: Algorithm, config: Configuration, task: str,
                  numeric: Sequence[str], categorical: Sequence[str], seed: int = 0) -> Pipeline:
    """Build ``types -> preprocess -> model`` for a validated configuration.

    ``types`` (:class:`ColumnTypes`) brings raw input into the Dataset's column types.
    Numeric columns: mean/median/most-frequent imputation (``imputer_strategy`` when the
    space tunes it, median otherwise), standard scaling for models that need it.
    Categorical columns: missing values become their own category; then integer codes
    (trees) or one-hot indicators (linear models, SVM, k-NN). Unknown categories at
    predict time map to "missing"/all-zeros, never an error.
    """
    pre_cfg, model_cfg = split_config(config)
    strategy = str(pre_cfg.get("imputer_strategy", "median"))
    num_steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy=strategy,
                                                                 keep_empty_features=True))]
    if algorithm.preprocessing == "onehot_scaled":
        num_steps.append(("scale", StandardScaler()))
        cat_encoder: Any = OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=32,
                                         sparse_output=False, dtype=np.float64)
    else:
        cat_encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                     dtype=np.float64)
    cat_steps: list[tuple[str, Any]] = [
        ("impute", SimpleImputer(strategy="constant", fill_value="__missing__",
                                 keep_empty_features=True)),
        ("encode", cat_encoder),
    ]
    transformers = []
    if len(numeric):
        transformers.append(("numeric", Pipeline(num_steps), list(numeric)))
    if len(categorical):
        transformers.append(("categorical", Pipeline(cat_steps), list(categorical)))
    pre = ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)
    model = algorithm.make_model(model_cfg, task, seed)
    types = ColumnTypes(list(numeric), list(categorical))
    return Pipeline([("types", types), ("preprocess", pre), ("model", model)])
