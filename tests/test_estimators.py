"""Zero-shot estimators: the scikit-learn contract, labels of the user's type, the evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.model_selection import cross_val_score

import metaknow


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, pd.Series]:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X, y


def test_clone_keeps_the_parameters_and_drops_the_fit(cancer) -> None:  # noqa: ANN001
    est = metaknow.LGBMClassifier(random_state=3).fit(*cancer)
    copy = clone(est)
    assert copy.get_params() == {"random_state": 3, "repository": "bundled", "strategy": None}
    assert not hasattr(copy, "model_")


def test_boolean_labels_come_back_as_booleans(cancer) -> None:  # noqa: ANN001
    X, y = cancer
    yb = y.astype(bool)
    est = metaknow.LGBMClassifier().fit(X, yb)
    pred = est.predict(X)
    assert pred.dtype == bool and list(est.classes_) == [False, True]
    assert (pred == yb.to_numpy()).mean() > 0.95
    assert est.predict_proba(X.to_numpy()).shape == (len(X), 2)


def test_text_labels_and_the_recommendation_are_kept(cancer) -> None:  # noqa: ANN001
    X, y = cancer
    labels = np.where(y == 1, "benign", "malignant")
    est = metaknow.RandomForestClassifier().fit(X.to_numpy(), labels)
    assert set(est.predict(X.to_numpy()[:20])) <= {"benign", "malignant"}
    top = est.recommendation_.configurations[0]
    assert est.config_ == top.params and top.space_key == "random_forest/classification"


def test_a_regressor_in_cross_validation() -> None:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    scores = cross_val_score(metaknow.LGBMRegressor(), X, y, cv=3, scoring="r2")
    assert np.all(np.isfinite(scores)) and scores.mean() > 0.2
