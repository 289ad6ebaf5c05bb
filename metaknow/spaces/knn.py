"""k-nearest neighbours (scikit-learn), classification and regression.

``n_neighbors`` is capped at the number of training rows when the model is fitted, so
every configuration of the space runs on small datasets too (scikit-learn refuses a
k larger than the training set; a capped k-NN then votes over all training rows).
Version 2 introduced the cap; version 1 failed on such configurations.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from metaknow.space import Categorical, Integer, SearchSpace
from metaknow.spaces.algorithm import Algorithm

_PARAMS = (
    Integer("n_neighbors", 1, 100, default=5, log=True),
    Categorical("weights", ("uniform", "distance"), default="uniform"),
    Categorical("p", (2, 1), default=2),
)


class _CappedNeighbors(BaseEstimator):
    """A k-NN model whose ``n_neighbors`` is capped at the training-set size in ``fit``."""

    def __init__(self, n_neighbors: int = 5, weights: str = "uniform", p: int = 2) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.p = p

    def _model(self) -> Any:
        raise NotImplementedError

    def library_model(self, n_neighbors: int | None = None) -> Any:
        """The unfitted scikit-learn model with these parameters (``n_neighbors`` as given)."""
        k = self.n_neighbors if n_neighbors is None else n_neighbors
        return self._model().set_params(n_neighbors=k, weights=self.weights, p=self.p)

    def fit(self, X: Any, y: Any) -> "_CappedNeighbors":
        k = int(min(self.n_neighbors, len(y)))
        self.model_ = self.library_model(k)
        self.model_.fit(X, y)
        self.n_neighbors_ = k
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self.model_.predict(X)


class CappedKNeighborsClassifier(ClassifierMixin, _CappedNeighbors):
    def _model(self) -> Any:
        from sklearn.neighbors import KNeighborsClassifier

        return KNeighborsClassifier()

    def fit(self, X: Any, y: Any) -> "CappedKNeighborsClassifier":
        super().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.model_.predict_proba(X)


class CappedKNeighborsRegressor(RegressorMixin, _CappedNeighbors):
    def _model(self) -> Any:
        from sklearn.neighbors import KNeighborsRegressor

        return KNeighborsRegressor()


def _make_model(config: dict[str, Any], task: str, seed: int) -> Any:
    cls = CappedKNeighborsClassifier if task == "classification" else CappedKNeighborsRegressor
    return cls(**config)


ALGORITHM = Algorithm(
    name="knn",
    spaces={task: SearchSpace("knn", task, _PARAMS, version="2")
            for task in ("classification", "regression")},
    make_model=_make_model,
    preprocessing="onehot_scaled",
)
