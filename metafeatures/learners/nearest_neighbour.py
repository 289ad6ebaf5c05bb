"""The 1-nearest-neighbour learner in the manner of Weka's ``IBk`` (k = 1).

Definition: Euclidean distance over all attributes, where a numeric attribute is
min-max normalised with the training range and a nominal one contributes 0 when equal
and 1 otherwise. Missing values follow Weka: two missing values differ by 1; one
missing numeric value differs from a present normalised value ``v`` by
``max(v, 1 - v)``; a missing nominal value differs by 1. Every training row at the
smallest distance votes (Weka keeps ties), so the prediction is their class
distribution (regression: the mean of their targets).
"""

from __future__ import annotations

import warnings

import numpy as np

from metafeatures.learners.base import Learner
from metafeatures.learners.table import Table

__all__ = ["OneNearestNeighbour"]

_CHUNK = 1024


class OneNearestNeighbour(Learner):
    """IBk-style 1-NN with Weka's distance (normalised, nominal mismatch, missing rules)."""

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "OneNearestNeighbour":
        x = table.numeric
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            lo = np.nanmin(x, axis=0) if len(x) else np.zeros(x.shape[1])
            hi = np.nanmax(x, axis=0) if len(x) else np.zeros(x.shape[1])
        lo = np.where(np.isnan(lo), 0.0, lo)
        span = np.where(np.isnan(hi) | (hi - lo <= 0), 1.0, hi - lo)
        self.lo_, self.span_ = lo, span
        self.n_classes_ = n_classes
        self.y_ = y
        self.train_ = table
        return self

    def _factors(self, table: Table, train: bool, full: bool) -> list[np.ndarray]:
        """Factor matrices with ``d^2 = sum_i test_i @ train_i.T`` (Weka's distance)."""
        v = np.clip((table.numeric - self.lo_) / self.span_, 0.0, 1.0)
        m = np.isnan(v)
        v0 = np.where(m, 0.0, v)
        pres = (~m).astype(float)
        cat = [(table.codes[:, j][:, None] == np.arange(n)[None, :]).astype(float)
               for j, n in enumerate(table.n_levels)]
        onehot = np.hstack(cat) if cat else np.empty((table.n_rows, 0))
        ones = np.ones((table.n_rows, 1))
        if train:
            terms = [pres, -2.0 * v0, v0 * v0, -onehot, float(len(table.n_levels)) * ones]
        else:
            terms = [v0 * v0, v0, pres, onehot, ones]
        if full:  # one missing: max(v, 1-v)^2; both missing: 1
            far = np.where(m, 0.0, np.maximum(v0, 1.0 - v0) ** 2)
            mf = m.astype(float)
            terms += [far, mf, mf] if train else [mf, far, mf]
        return terms

    def neighbours(self, table: Table) -> list[np.ndarray]:
        """For each row of ``table``, the training rows at the smallest distance."""
        full = bool(np.isnan(self.train_.numeric).any() or np.isnan(table.numeric).any())
        test = self._factors(table, train=False, full=full)
        train = self._factors(self.train_, train=True, full=full)
        out: list[np.ndarray] = []
        for start in range(0, table.n_rows, _CHUNK):
            sl = slice(start, start + _CHUNK)
            d2 = sum(a[sl] @ b.T for a, b in zip(test, train))
            best = d2.min(axis=1, keepdims=True)
            tol = 1e-9 * np.maximum(1.0, np.abs(best))
            rows, cols = np.nonzero(d2 <= best + tol)
            splits = np.searchsorted(rows, np.arange(1, d2.shape[0]))
            out.extend(np.split(cols, splits))
        return out

    def predict(self, table: Table) -> np.ndarray:
        groups = self.neighbours(table)
        if self.n_classes_ == 0:
            return np.array([self.y_[g].mean() for g in groups])
        k = self.n_classes_
        out = np.zeros((len(groups), k))
        for i, g in enumerate(groups):
            out[i] = np.bincount(self.y_[g], minlength=k)
        return out / out.sum(axis=1, keepdims=True)
