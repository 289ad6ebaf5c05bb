"""A one-split decision tree in the manner of Weka's ``DecisionStump``.

Definition (classification): among all attributes and split points, choose the split
with the lowest class entropy conditioned on its branches. A numeric attribute splits
at the midpoint between two consecutive distinct values (``x <= t`` / ``x > t``); a
nominal one splits into "equals level v" / "any other level". In both cases the rows
whose value is missing form a third branch, counted in the entropy. Each branch
predicts its training class frequencies; the missing branch of a split learnt without
missing values predicts the overall training frequencies.
"""

from __future__ import annotations

import numpy as np

from metafeatures.learners.base import Learner, prior
from metafeatures.learners.table import Table

__all__ = ["DecisionStump", "branch_entropy"]


def _xlogx(counts: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts > 0, counts * np.log2(np.where(counts > 0, counts, 1.0)), 0.0)


def branch_entropy(counts: np.ndarray) -> np.ndarray:
    """``n_b * H(class | branch b)`` for class-count rows ``counts[..., k]`` (bits)."""
    return _xlogx(counts.sum(axis=-1)) - _xlogx(counts).sum(axis=-1)


class DecisionStump(Learner):
    """Weka-style decision stump (entropy criterion, missing values as a third branch)."""

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "DecisionStump":
        k = n_classes
        self.n_classes_ = k
        self.prior_ = prior(y, k)
        self.attribute_ = -1  # no split: predict the prior
        best = np.inf
        onehot = np.eye(k)[y]
        total = onehot.sum(axis=0)
        for j in range(table.n_numeric):
            x = table.numeric[:, j]
            present = ~np.isnan(x)
            miss = total - onehot[present].sum(axis=0)
            order = np.argsort(x[present], kind="stable")
            xs = x[present][order]
            if len(xs) < 2 or xs[0] == xs[-1]:
                continue
            left = np.cumsum(onehot[present][order], axis=0)[:-1]
            cut = np.flatnonzero(xs[1:] > xs[:-1])
            left = left[cut]
            right = (total - miss)[None, :] - left
            score = branch_entropy(left) + branch_entropy(right) + branch_entropy(miss)
            i = int(np.argmin(score))
            if score[i] < best - 1e-12:
                best = float(score[i])
                self.attribute_, self.numeric_ = j, True
                self.threshold_ = (xs[cut[i]] + xs[cut[i] + 1]) / 2.0
                self._set_dists(left[i], right[i], miss)
        for j, n_lev in enumerate(table.n_levels):
            c = table.codes[:, j]
            present = c >= 0
            counts = np.zeros((n_lev, k))
            np.add.at(counts, (c[present], y[present]), 1.0)
            miss = total - counts.sum(axis=0)
            right = (total - miss)[None, :] - counts
            score = branch_entropy(counts) + branch_entropy(right) + branch_entropy(miss)
            score[counts.sum(axis=1) == 0] = np.inf
            score[right.sum(axis=1) == 0] = np.inf
            if not np.isfinite(score).any():
                continue
            v = int(np.argmin(score))
            if score[v] < best - 1e-12:
                best = float(score[v])
                self.attribute_, self.numeric_ = table.n_numeric + j, False
                self.level_ = v
                self._set_dists(counts[v], right[v], miss)
        return self

    def _set_dists(self, left: np.ndarray, right: np.ndarray, miss: np.ndarray) -> None:
        dists = [left, right, miss]
        self.dists_ = np.vstack([d / d.sum() if d.sum() > 0 else self.prior_ for d in dists])

    def predict(self, table: Table) -> np.ndarray:
        n = table.n_rows
        if self.attribute_ < 0:
            return np.tile(self.prior_, (n, 1))
        if self.numeric_:
            x = table.numeric[:, self.attribute_]
            branch = np.where(np.isnan(x), 2, np.where(x <= self.threshold_, 0, 1))
        else:
            c = table.codes[:, self.attribute_ - table.n_numeric]
            branch = np.where(c < 0, 2, np.where(c == self.level_, 0, 1))
        return self.dists_[branch]
