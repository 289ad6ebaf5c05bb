"""Cross-validated predictions and the scores that landmarkers report.

Weka's ``Evaluation.crossValidateModel`` (what OpenML's landmarkers use) pools the
predictions of all folds and scores them once; so do we:

* ``ErrRate``: fraction of rows whose most probable class (first on ties) is wrong;
* ``Kappa``: Cohen's kappa of the pooled confusion matrix;
* ``AUC``: Weka's ``weightedAreaUnderROC``: for every class present, the area under the
  one-vs-rest ROC curve of that class's probability (ties counted half), averaged with
  the class frequencies as weights;
* regression ``R2`` = 1 - SSE / SST and ``RMSE``, both over the pooled predictions.
"""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np
from scipy.stats import rankdata
from sklearn.model_selection import KFold, StratifiedKFold

from metafeatures.learners.base import Learner
from metafeatures.learners.table import Table

__all__ = ["cv_folds", "out_of_fold", "error_rate", "kappa", "weighted_auc", "r2", "rmse",
           "classification_scores", "regression_scores"]


def cv_folds(y: np.ndarray, n_folds: int, seed: int, stratified: bool
             ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffled (stratified) K-fold splits; K = n_folds, at most the rows (and, when
    stratified, the size of the largest class), at least 2."""
    n = len(y)
    k = max(2, min(n_folds, n))
    if stratified:  # scikit-learn needs one class with at least K members
        k = max(2, min(k, int(np.bincount(y).max())))
        stratified = int(np.bincount(y).max()) >= 2
    if stratified:
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class smaller than K
        return list(splitter.split(np.zeros((n, 1)), y))


def out_of_fold(make: Callable[[], Learner], table: Table, y: np.ndarray, n_classes: int,
                folds: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Pooled out-of-fold predictions (probabilities, or values for regression)."""
    out = np.zeros((len(y), n_classes)) if n_classes else np.zeros(len(y))
    for train, test in folds:
        learner = make().fit(table.rows(train), y[train], n_classes)
        out[test] = learner.predict(table.rows(test))
    return out


def error_rate(y: np.ndarray, proba: np.ndarray) -> float:
    return float(np.mean(np.argmax(proba, axis=1) != y))


def kappa(y: np.ndarray, proba: np.ndarray) -> float:
    """Cohen's kappa of the most probable class against ``y``."""
    k = proba.shape[1]
    pred = np.argmax(proba, axis=1)
    cm = np.bincount(y * k + pred, minlength=k * k).reshape(k, k).astype(float)
    n = cm.sum()
    po = np.trace(cm) / n
    pe = float(cm.sum(axis=1) @ cm.sum(axis=0)) / (n * n)
    return float((po - pe) / (1.0 - pe)) if pe < 1.0 else 0.0


def _auc(positive: np.ndarray, score: np.ndarray) -> float:
    n_pos = int(positive.sum())
    return _auc_of_rank_sum(float(rankdata(score)[positive].sum()), n_pos, len(positive))


def average_ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks (1-based, ties averaged) of each column of ``scores`` (no NaN): what
    ``scipy.stats.rankdata`` gives column by column. Ranks are multiples of 1/2, so they
    and their sums are exact."""
    n, k = scores.shape
    order = np.argsort(scores, axis=0, kind="stable")
    ordered = np.take_along_axis(scores, order, axis=0)
    new = np.ones((n, k), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    # tie groups numbered column after column; each one's first and last position
    new = new.T.ravel()
    group = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    last = np.append(first[1:], n * k) - 1
    mean_rank = (first % n + last % n) / 2.0 + 1.0
    ranks = np.empty((n, k))
    np.put_along_axis(ranks, order, mean_rank[group].reshape(k, n).T, axis=0)
    return ranks


def weighted_auc(y: np.ndarray, proba: np.ndarray) -> float:
    """Weka's weighted area under the ROC curve (one-vs-rest, class-frequency weights)."""
    counts = np.bincount(y, minlength=proba.shape[1])
    present = np.flatnonzero(counts)
    if len(y) == 0 or np.isnan(proba[:, present]).any():
        aucs = {c: _auc(y == c, proba[:, c]) for c in present}
    else:  # every class's rank sum from one sort (sums of half-integers: exact)
        ranks = average_ranks(proba[:, present])
        column = np.searchsorted(present, y)
        rank_sums = np.bincount(column, weights=ranks[np.arange(len(y)), column],
                                minlength=len(present))
        aucs = {c: _auc_of_rank_sum(rank_sums[i], int(counts[c]), len(y))
                for i, c in enumerate(present)}
    total = 0.0
    for c in present:
        total += counts[c] * aucs[c]
    return float(total / counts.sum())


def _auc_of_rank_sum(rank_sum: float, n_pos: int, n: int) -> float:
    n_neg = n - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    sst = float(np.sum((y - y.mean()) ** 2))
    sse = float(np.sum((y - pred) ** 2))
    return 1.0 - sse / sst if sst > 0 else float("nan")


def rmse(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - pred) ** 2)))


def classification_scores(y: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    return {"AUC": weighted_auc(y, proba), "ErrRate": error_rate(y, proba),
            "Kappa": kappa(y, proba)}


def regression_scores(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {"R2": r2(y, pred), "RMSE": rmse(y, pred)}
