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
from scipy.special import xlogy

from metafeatures.learners.base import Learner, prior
from metafeatures.learners.cuts import cut_counts, xlogx_of_counts
from metafeatures.learners.table import Table

__all__ = ["DecisionStump", "branch_entropy", "best_splits"]


_LN2 = float(np.log(2.0))


def _xlogx(counts: np.ndarray) -> np.ndarray:
    return xlogy(counts, counts) / _LN2


def branch_entropy(counts: np.ndarray) -> np.ndarray:
    """``n_b * H(class | branch b)`` for class-count rows ``counts[..., k]`` (bits);
    integer counts by table look-up (the same values as for the counts as floats)."""
    if counts.dtype.kind in "iu":
        return (xlogx_of_counts(counts.sum(axis=-1), bits=True)
                - xlogx_of_counts(counts, bits=True).sum(axis=-1))
    return _xlogx(counts.sum(axis=-1)) - _xlogx(counts).sum(axis=-1)


def best_splits(table: Table, y: np.ndarray, n_classes: int) -> list[tuple[float, tuple]]:
    """For every attribute, its best stump split: ``(score, split)`` where ``score`` is
    ``N * H(class | branches)`` (lower is better; inf when the attribute cannot split)
    and ``split`` holds what :class:`DecisionStump` needs to predict with it."""
    k = n_classes
    total = np.bincount(y, minlength=k).astype(float)
    out: list[tuple[float, tuple]] = []
    out.extend(_numeric_splits(table.numeric, y, k, total))
    for j, n_lev in enumerate(table.n_levels):
        c = table.codes[:, j]
        present = c >= 0
        counts = np.bincount(c[present] * k + y[present], minlength=n_lev * k)
        counts = counts.reshape(n_lev, k).astype(float)
        miss = total - counts.sum(axis=0)
        right = (total - miss)[None, :] - counts
        score = branch_entropy(counts) + branch_entropy(right) + branch_entropy(miss)
        score[counts.sum(axis=1) == 0] = np.inf
        score[right.sum(axis=1) == 0] = np.inf
        if not np.isfinite(score).any():
            out.append((np.inf, ()))
            continue
        v = int(np.argmin(score))
        out.append((float(score[v]), (False, v, counts[v], right[v], miss)))
    return out


#: Numeric attributes are scanned in blocks of at most this many (rows x columns x classes).
_BLOCK = 4_000_000


def _numeric_splits(x: np.ndarray, y: np.ndarray, k: int, total: np.ndarray
                    ) -> list[tuple[float, tuple]]:
    """Best threshold split of every numeric column, vectorised over column blocks (only
    the cuts between distinct values are scored, :mod:`metafeatures.learners.cuts`)."""
    n, p = x.shape
    out: list[tuple[float, tuple]] = []
    width = max(1, _BLOCK // max(1, n * k))
    for start in range(0, p, width):
        block = x[:, start:start + width]
        w_ = block.shape[1]
        if n < 2:
            out.extend((np.inf, ()) for _ in range(w_))
            continue
        cc = cut_counts(block, y, k)  # every row weighs 1: integer counts
        miss = total[None, :] - cc.known  # (w, k)
        right = cc.known[cc.cols] - cc.left
        miss_int = total.astype(np.int64)[None, :] - cc.known_int
        score = (branch_entropy(cc.left_int) + branch_entropy(cc.known_int[cc.cols] - cc.left_int)
                 + branch_entropy(miss_int)[cc.cols])
        best_score = np.full(w_, np.inf)
        np.minimum.at(best_score, cc.cols, score)
        first = np.flatnonzero(score == best_score[cc.cols])
        first = first[np.unique(cc.cols[first], return_index=True)[1]]
        best = np.full(w_, -1)
        best[cc.cols[first]] = first
        for c in range(w_):
            t = int(best[c])
            if t < 0 or not np.isfinite(best_score[c]):
                out.append((np.inf, ()))
                continue
            threshold = (cc.below[t] + cc.above[t]) / 2.0
            out.append((float(best_score[c]), (True, threshold, cc.left[t], right[t], miss[c])))
    return out


class DecisionStump(Learner):
    """Weka-style decision stump (entropy criterion, missing values as a third branch)."""

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "DecisionStump":
        self.n_classes_ = n_classes
        self.prior_ = prior(y, n_classes)
        self.attribute_ = -1  # no split: predict the prior
        best = np.inf
        for j, (score, split) in enumerate(best_splits(table, y, n_classes)):
            if score < best - 1e-12:  # ties: the first attribute
                best = score
                self.attribute_ = j
                self.numeric_ = split[0]
                if self.numeric_:
                    self.threshold_ = split[1]
                else:
                    self.level_ = split[1]
                self._set_dists(*split[2:])
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
