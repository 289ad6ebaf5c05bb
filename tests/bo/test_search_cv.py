"""MetaSearchCV follows scikit-learn's search-CV conventions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold

from metaknow.exceptions import TuneError
from metaknow.search_cv import MetaSearchCV
from metaknow.space import Float


def test_params_clone_and_set_params() -> None:
    search = MetaSearchCV("lightgbm", n_iter=7, cv=3, random_state=4)
    params = search.get_params()
    assert params["n_iter"] == 7 and params["estimator"] == "lightgbm"
    copy = clone(search)
    assert copy is not search and copy.get_params() == params
    assert search.set_params(n_iter=3) is search and search.n_iter == 3
    with pytest.raises(NotFittedError):
        search.predict(np.zeros((1, 30)))


def test_space_name_on_breast_cancer() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    search = MetaSearchCV("lightgbm", n_iter=4, cv=3, random_state=0).fit(X, y)
    assert search.best_params_ == search.cv_results_["params"][search.best_index_]
    assert search.cv_results_["rank_test_score"][search.best_index_] == 1
    assert search.best_score_ == pytest.approx(search.cv_results_["mean_test_score"][search.best_index_])
    assert len(search.cv_results_["params"]) == 4 and search.n_splits_ == 3
    assert "split2_test_score" in search.cv_results_
    pred = search.predict(X[:20])
    assert pred.dtype == y.dtype and set(pred) <= {0, 1}
    assert search.predict_proba(X[:3]).shape == (3, 2)
    assert list(search.classes_) == [0, 1]
    assert 0.9 < search.score(X, y) <= 1.0  # roc_auc on the training data


def test_estimator_with_a_param_space() -> None:
    X, y = load_diabetes(return_X_y=True)
    search = MetaSearchCV(Ridge(), {"alpha": Float("alpha", 1e-4, 1e2, default=1.0, log=True),
                                    "fit_intercept": [True, False]},
                          n_iter=8, cv=KFold(3, shuffle=True, random_state=0), random_state=0)
    search.fit(X, y)
    assert set(search.best_params_) == {"alpha", "fit_intercept"}
    assert isinstance(search.best_estimator_, Ridge)
    assert search.best_estimator_.alpha == search.best_params_["alpha"]
    assert search.score(X, y) == pytest.approx(search.best_estimator_.score(X, y))
    masked = search.cv_results_["param_alpha"]
    assert isinstance(masked, np.ma.MaskedArray) and not masked.mask.any()


def test_estimator_scoring_and_bad_distributions() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    search = MetaSearchCV(LogisticRegression(max_iter=200), {"C": [0.01, 1.0]}, n_iter=2, cv=3,
                          scoring="accuracy").fit(X[:200], y[:200])
    assert 0.5 < search.best_score_ <= 1.0
    with pytest.raises(TuneError, match="scipy distributions are not supported"):
        from scipy.stats import loguniform
        MetaSearchCV(LogisticRegression(), {"C": loguniform(1e-3, 1)}, n_iter=2).fit(X, y)
    with pytest.raises(TuneError, match="n_iter"):
        MetaSearchCV("lightgbm", n_iter=0).fit(X, y)
