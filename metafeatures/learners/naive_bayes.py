"""Naive Bayes in the manner of Weka's ``NaiveBayes`` (default options).

Definition: class prior = Laplace-smoothed class counts; a nominal attribute's
conditional = Laplace-smoothed level counts per class; a numeric attribute's
conditional = a normal density per class whose mean and (population) standard
deviation are estimated from the training values, with the standard deviation bounded
below by ``precision / 6``, where ``precision`` is the mean gap between consecutive
distinct training values of that attribute (Weka rounds values to that precision; we
do not). A missing value is skipped, in training and in prediction.
"""

from __future__ import annotations

import numpy as np

from metafeatures.learners.base import Learner
from metafeatures.learners.table import Table

__all__ = ["NaiveBayes"]


def _precision(x: np.ndarray) -> float:
    values = np.unique(x[~np.isnan(x)])
    if len(values) < 2:
        return 0.01
    return float((values[-1] - values[0]) / (len(values) - 1))


class NaiveBayes(Learner):
    """Weka-style naive Bayes: Gaussian numeric attributes, Laplace-smoothed nominal ones."""

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "NaiveBayes":
        k = n_classes
        onehot = np.eye(k)[y]
        self.log_prior_ = np.log((onehot.sum(axis=0) + 1.0) / (len(y) + k))
        x = table.numeric
        present = (~np.isnan(x)).astype(float)
        x0 = np.where(np.isnan(x), 0.0, x)
        w = onehot.T @ present                                  # (k, p) counts
        s = onehot.T @ x0
        ss = onehot.T @ (x0 * x0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(w > 0, s / np.maximum(w, 1), 0.0)
            var = np.where(w > 0, ss / np.maximum(w, 1) - mean ** 2, 0.0)
        prec = np.array([_precision(x[:, j]) for j in range(x.shape[1])])
        self.mean_ = mean
        self.std_ = np.maximum(np.sqrt(np.maximum(var, 0.0)), prec[None, :] / 6.0)
        self.log_cond_ = []
        for j, n_lev in enumerate(table.n_levels):
            c = table.codes[:, j]
            ok = c >= 0
            counts = 1.0 + np.bincount(y[ok] * n_lev + c[ok],
                                       minlength=k * n_lev).reshape(k, n_lev)
            self.log_cond_.append(np.log(counts / counts.sum(axis=1, keepdims=True)))
        return self

    def predict(self, table: Table) -> np.ndarray:
        n = table.n_rows
        logp = np.tile(self.log_prior_, (n, 1))
        x = table.numeric
        if x.shape[1]:
            missing = np.isnan(x)
            x0 = np.where(missing, 0.0, x)
            for c in range(len(self.log_prior_)):
                z = (x0 - self.mean_[c]) / self.std_[c]
                ll = -0.5 * z * z - np.log(self.std_[c])
                logp[:, c] += np.where(missing, 0.0, ll).sum(axis=1)
        for j, table_j in enumerate(self.log_cond_):
            codes = table.codes[:, j]
            ok = (codes >= 0) & (codes < table_j.shape[1])
            logp[ok] += table_j[:, codes[ok]].T
        logp -= logp.max(axis=1, keepdims=True)
        p = np.exp(logp)
        return p / p.sum(axis=1, keepdims=True)
