"""Zero-shot estimators: scikit-learn models that choose their configuration at ``fit``.

``metaknow.LGBMClassifier().fit(X, y)`` describes ``(X, y)`` by its meta-features, asks
:func:`metaknow.recommend` (the bundled repository, the default strategy) for the
configuration with the largest predicted gain over the library default (the default
itself when nothing is predicted to beat it), and fits that configuration with metaknow's
preprocessing. The choice and its evidence are kept in ``recommendation_``; the chosen
parameters in ``config_``; the fitted pipeline in ``model_``. They follow scikit-learn's
estimator contract (``get_params``/``set_params``/``clone``, fitted attributes ending in
``_``), so they drop into pipelines, ``cross_val_score`` and search CV as the one-line
starting point before tuning (the idea of ``flaml.default``'s estimators).

Adding one = a subclass setting ``space`` and the task (one class, a few lines).
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted

__all__ = ["ZeroShotEstimator", "LGBMClassifier", "LGBMRegressor", "RandomForestClassifier",
           "ExtraTreesClassifier", "HistGradientBoostingClassifier", "SVC",
           "LogisticRegression", "KNeighborsClassifier"]


class ZeroShotEstimator(BaseEstimator):
    """Base class: fit the recommended configuration of ``space`` (see the module docstring).

    Parameters
    ----------
    repository : str, default="bundled"
        Where prior evaluations come from (``"bundled"``, ``"openml100"``, a store path).
    strategy : str, optional
        Recommendation strategy (default: metaknow's default strategy).
    random_state : int, default=0
        Seeds the model.
    """

    space: ClassVar[str] = ""
    task: ClassVar[str] = ""

    def __init__(self, *, repository: str = "bundled", strategy: str | None = None,
                 random_state: int = 0) -> None:
        self.repository = repository
        self.strategy = strategy
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> "ZeroShotEstimator":
        """Recommend a configuration for ``(X, y)`` and fit it."""
        from metaknow.dataset import load_dataset
        from metaknow.recommend import recommend
        from metaknow.spaces import get_algorithm, make_pipeline

        y_fit = self._encode_target(y)
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
        frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
        dataset = load_dataset((frame, pd.Series(y_fit, name="target")), task=self.task)
        self.recommendation_ = recommend(dataset, space=self.space, k=1, strategy=self.strategy,
                                         repository=self.repository)
        self.config_ = dict(self.recommendation_.configurations[0].params)
        model = make_pipeline(get_algorithm(self.space), self.config_, self.task,
                              dataset.numeric_columns, dataset.categorical_columns,
                              int(self.random_state))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(dataset.X, y_fit)
        self.model_ = model
        self.feature_names_in_ = np.asarray(dataset.X.columns, dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        return self

    def _encode_target(self, y: Any) -> np.ndarray:
        return np.asarray(y, dtype=float).ravel()

    def _input(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "model_")
        if isinstance(X, pd.DataFrame):
            return X.set_axis([str(c) for c in X.columns], axis=1)
        return pd.DataFrame(np.asarray(X), columns=list(self.feature_names_in_))

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.model_.predict(self._input(X)))


class _Classifier(ClassifierMixin, ZeroShotEstimator):
    """Classes keep the type the user gave (bool, int, text); the model sees their codes."""

    task = "classification"

    def _encode_target(self, y: Any) -> np.ndarray:
        self._labels = LabelEncoder().fit(np.asarray(y).ravel())
        self.classes_ = self._labels.classes_
        return self._labels.transform(np.asarray(y).ravel())

    def predict(self, X: Any) -> np.ndarray:
        codes = np.asarray(self.model_.predict(self._input(X))).astype(int)
        return self._labels.inverse_transform(codes)

    def predict_proba(self, X: Any) -> np.ndarray:
        return np.asarray(self.model_.predict_proba(self._input(X)))


class _Regressor(RegressorMixin, ZeroShotEstimator):
    task = "regression"


class LGBMClassifier(_Classifier):
    """LightGBM classifier with a recommended configuration (see :class:`ZeroShotEstimator`)."""

    space = "lightgbm"


class LGBMRegressor(_Regressor):
    """LightGBM regressor with a recommended configuration (see :class:`ZeroShotEstimator`)."""

    space = "lightgbm"


class RandomForestClassifier(_Classifier):
    """Random forest with a recommended configuration."""

    space = "random_forest"


class ExtraTreesClassifier(_Classifier):
    """Extremely randomised trees with a recommended configuration."""

    space = "extra_trees"


class HistGradientBoostingClassifier(_Classifier):
    """scikit-learn's histogram gradient boosting with a recommended configuration."""

    space = "hist_gradient_boosting"


class SVC(_Classifier):
    """Support vector classifier (with probability estimates) with a recommended configuration."""

    space = "svm"


class LogisticRegression(_Classifier):
    """Logistic regression with a recommended configuration."""

    space = "logistic_regression"


class KNeighborsClassifier(_Classifier):
    """k-nearest neighbours with a recommended configuration."""

    space = "knn"
