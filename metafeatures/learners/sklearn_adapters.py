"""scikit-learn estimators as landmark learners (pymfe-style landmarkers, regression).

:class:`EncodedEstimator` fits any scikit-learn classifier or regressor on the table
encoded by :class:`~metafeatures.learners.table.TableEncoder` (optionally with missing
numeric values imputed by the training mean). :class:`NodeLearner` is pymfe's family
of one-node trees (``max_depth=1`` CART, Gini for classification):

* ``best``: on all encoded columns;
* ``random``: on one attribute drawn once per dataset from the seed;
* ``worst``: on the least informative attribute of the training rows: the one whose
  best single split (Weka-stump entropy criterion) leaves the most class entropy.
  pymfe instead ranks encoded columns by the impurity importance of a fully grown tree
  (ten full trees per dataset: too slow for our budget); both pick an attribute the
  class hardly depends on. Classification only.
"""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from metafeatures.learners.base import Learner, prior
from metafeatures.learners.decision_stump import best_splits
from metafeatures.learners.table import Table, TableEncoder

__all__ = ["EncodedEstimator", "NodeLearner"]


def _class_proba(model, X: np.ndarray, n_classes: int, **predict_options) -> np.ndarray:
    out = np.zeros((len(X), n_classes))
    out[:, np.asarray(model.classes_, dtype=int)] = model.predict_proba(X, **predict_options)
    return out


def _finite_float32(X: np.ndarray) -> np.ndarray | None:
    """``X`` as the float32 matrix scikit-learn's trees would make of it, or None when
    that matrix has missing or infinite values (the trees' own checks then run)."""
    X32 = np.asarray(X, dtype=np.float32)
    return X32 if np.isfinite(X32).all() else None


def _fit_tree(model, X: np.ndarray, y: np.ndarray):
    """``model.fit(X, y)``; on a finite matrix, cast to float32 here and fitted with
    ``check_input=False``: the same tree (the checks would only cast, find no missing
    values and pass), without their per-call cost, which dominates on small tables."""
    X32 = _finite_float32(X)
    if X32 is None:
        return model.fit(X, y)
    return model.fit(X32, y, check_input=False)


class EncodedEstimator(Learner):
    """A scikit-learn estimator on the encoded table.

    Parameters
    ----------
    make_estimator : callable
        Returns a fresh scikit-learn estimator (a classifier with ``predict_proba``
        for classification, a regressor for regression).
    impute : bool, default True
        Impute missing numeric values with the training mean.
    """

    def __init__(self, make_estimator: Callable[[], object], impute: bool = True) -> None:
        self.make_estimator = make_estimator
        self.impute = impute

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "EncodedEstimator":
        self.n_classes_ = n_classes
        self.encoder_ = TableEncoder(impute=self.impute).fit(table)
        X = self.encoder_.transform(table)
        self.constant_ = None
        present = len(np.unique(y)) if n_classes else 0
        if n_classes and (present < 2 or len(y) <= present):  # too few rows: the prior
            self.constant_ = prior(y, n_classes)
            return self
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # collinearity notes from LDA and the like
            self.model_ = self.make_estimator().fit(X, y)
        return self

    def predict(self, table: Table) -> np.ndarray:
        if self.constant_ is not None:
            return np.tile(self.constant_, (table.n_rows, 1))
        X = self.encoder_.transform(table)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.n_classes_:
                return _class_proba(self.model_, X, self.n_classes_)
            return np.asarray(self.model_.predict(X), dtype=float)


class NodeLearner(Learner):
    """pymfe's best-, random- and worst-node landmark learners.

    Parameters
    ----------
    which : {"best", "random", "worst"}
    seed : int
    """

    def __init__(self, which: str = "best", seed: int = 0) -> None:
        self.which = which
        self.seed = seed

    def _tree(self, n_classes: int, **kwargs):
        cls = DecisionTreeClassifier if n_classes else DecisionTreeRegressor
        return cls(random_state=self.seed, **kwargs)

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "NodeLearner":
        self.n_classes_ = n_classes
        if self.which == "random":
            rng = np.random.default_rng(self.seed)
            self.attributes_ = np.array([int(rng.integers(table.n_attributes))])
        elif self.which == "worst":
            scores = [score for score, _ in best_splits(table, y, n_classes)]
            self.attributes_ = np.array([int(np.argmax(scores))])  # first on ties
        else:
            self.attributes_ = np.arange(table.n_attributes)
        table = table.attributes(self.attributes_)
        self.encoder_ = TableEncoder().fit(table)
        X = self.encoder_.transform(table)
        self.model_ = _fit_tree(self._tree(n_classes, max_depth=1), X, y)
        return self

    def predict(self, table: Table) -> np.ndarray:
        X = self.encoder_.transform(table.attributes(self.attributes_))
        X32 = _finite_float32(X)
        options = {} if X32 is None else {"check_input": False}
        X = X if X32 is None else X32
        if self.n_classes_:
            return _class_proba(self.model_, X, self.n_classes_, **options)
        return self.model_.predict(X, **options)
