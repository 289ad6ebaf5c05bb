"""Correlation-based feature selection (Hall's CFS) and a learner wrapped around it.

Definition, after Weka's ``AttributeSelectedClassifier`` with ``CfsSubsetEval`` and
``BestFirst -D 1 -N 5`` (the OpenML ``CfsSubsetEval_*`` landmarkers):

* numeric attributes are discretised by Fayyad & Irani's supervised MDL method, on the
  training rows;
* the correlation of two attributes, or of an attribute and the class, is their
  symmetrical uncertainty ``2 (H(A) + H(B) - H(A, B)) / (H(A) + H(B))``, over the rows
  where both are present (Weka spreads missing values over the observed ones instead);
* the merit of a subset S of k attributes is
  ``sum_{a in S} r(a, class) / sqrt(k + 2 sum_{a < b in S} r(a, b))``;
* best-first forward search from the empty set: expand the best open subset by every
  attribute it lacks; stop after 5 expansions in a row that do not improve the best
  merit (by more than 1e-5);
* the wrapped learner is fitted on the chosen attributes (none: the class prior).
"""

from __future__ import annotations

import heapq
from typing import Callable

import numpy as np

from metafeatures.learners.base import Learner
from metafeatures.learners.decision_stump import _xlogx, branch_entropy
from metafeatures.learners.table import Memo, Table, data_key

__all__ = ["mdl_cut_points", "discretise", "CfsSelector", "select_attributes", "AttributeSelected"]


def _entropy_bits(counts: np.ndarray) -> float:
    total = counts.sum()
    return float(branch_entropy(counts) / total) if total > 0 else 0.0


def mdl_cut_points(x: np.ndarray, y: np.ndarray, n_classes: int) -> list[float]:
    """Fayyad & Irani MDL cut points of the numeric values ``x`` (no NaN) for classes ``y``."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    # class counts before each sorted position, as integers: every segment's running
    # counts are differences of these (exact), and integer counts' entropies come from
    # a look-up table with the values of the float ones
    before = np.zeros((len(xs) + 1, n_classes), dtype=np.int64)
    np.cumsum(np.eye(n_classes, dtype=np.int64)[ys], axis=0, out=before[1:])
    rises = xs[1:] > xs[:-1]  # a cut can lie between sorted positions j and j + 1
    cuts: list[float] = []
    stack = [(0, len(xs))]
    while stack:
        lo, hi = stack.pop()
        n = hi - lo
        if n < 2:
            continue
        boundary = np.flatnonzero(rises[lo:hi - 1])
        if len(boundary) == 0:
            continue
        left = before[lo + 1 + boundary] - before[lo]
        total = before[hi] - before[lo]
        right = total[None, :] - left
        score = branch_entropy(left) + branch_entropy(right)
        i = int(np.argmin(score))
        ent = _entropy_bits(total)
        cond = float(score[i]) / n
        gain = ent - cond
        k = int((total > 0).sum())
        k1, k2 = int((left[i] > 0).sum()), int((right[i] > 0).sum())
        delta = np.log2(3.0 ** k - 2) - (k * ent - k1 * _entropy_bits(left[i])
                                          - k2 * _entropy_bits(right[i]))
        if gain > (np.log2(n - 1) + delta) / n:
            b = lo + int(boundary[i])
            cuts.append((xs[b] + xs[b + 1]) / 2.0)
            stack.append((lo, b + 1))
            stack.append((b + 1, hi))
    return sorted(cuts)


def discretise(table: Table, y: np.ndarray, n_classes: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """All attributes as integer codes (-1 missing): numeric ones MDL-discretised.

    Returns the codes ``(n, n_attributes)`` and the cut points of each numeric attribute.
    """
    n = table.n_rows
    codes = np.full((n, table.n_attributes), -1, dtype=np.int64)
    cuts_all = []
    for j in range(table.n_numeric):
        x = table.numeric[:, j]
        ok = ~np.isnan(x)
        cuts = mdl_cut_points(x[ok], y[ok], n_classes) if ok.sum() > 1 else []
        cuts_all.append(np.asarray(cuts))
        codes[ok, j] = np.searchsorted(np.asarray(cuts), x[ok], side="left")
    codes[:, table.n_numeric:] = table.codes
    return codes, cuts_all


def _symmetrical_uncertainty(a: np.ndarray, b: np.ndarray) -> float:
    ok = (a >= 0) & (b >= 0)
    if not ok.any():
        return 0.0
    a, b = a[ok], b[ok]
    nb = int(b.max()) + 1
    joint = np.bincount(a * nb + b)
    ha = _entropy_bits(np.bincount(a).astype(float))
    hb = _entropy_bits(np.bincount(b).astype(float))
    hab = _entropy_bits(joint.astype(float))
    if ha + hb <= 0:
        return 0.0
    return max(0.0, 2.0 * (ha + hb - hab) / (ha + hb))


def _segment_entropies(counts: np.ndarray, start: np.ndarray, length: np.ndarray
                       ) -> np.ndarray:
    """``_entropy_bits(counts[s:s + l])`` of each segment (the same expression on the
    same contiguous values, so the same bits)."""
    xlx = _xlogx(counts)
    out = np.zeros(len(start))
    for c, (s, e) in enumerate(zip(start.tolist(), (start + length).tolist())):
        total = counts[s:e].sum()
        if total > 0:
            out[c] = float((_xlogx(total) - xlx[s:e].sum()) / total)
    return out


def _laid_out(ids: np.ndarray, present: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Counts of ``ids`` (n, m) over the ``present`` entries, column ``c``'s laid out in
    ``length[c]`` cells after those of the columns before it (as floats)."""
    start = np.concatenate([[0], np.cumsum(length)[:-1]])
    flat = (ids + start[None, :])[present]
    return np.bincount(flat, minlength=int(length.sum())).astype(float), start


def _uncertainties_with_missing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``_symmetrical_uncertainty(a, b[:, c])`` for every column ``c`` of ``b``: each
    pair's three count tables laid out (and summed) as that function lays them out, all
    from one ``bincount`` per table."""
    m = b.shape[1]
    present = (a >= 0)[:, None] & (b >= 0)
    out = np.zeros(m)
    has = present.any(axis=0)
    if not has.any():
        return out
    a_full = np.broadcast_to(a[:, None], b.shape)
    nb = np.where(present, b, -1).max(axis=0) + 1  # per column, over the pair's rows
    ids = a_full * nb[None, :] + b
    n_joint = np.where(present, ids, -1).max(axis=0) + 1
    n_a = np.where(present, a_full, -1).max(axis=0) + 1
    lengths = [np.where(has, n, 0) for n in (n_joint, n_a, nb)]
    entropies = [_segment_entropies(*_laid_out(np.where(present, v, 0), present, n), n)
                 for v, n in zip((ids, a_full, b), lengths)]
    hab, ha, hb = entropies
    with np.errstate(invalid="ignore", divide="ignore"):
        value = 2.0 * (ha + hb - hab) / (ha + hb)
    return np.where(has & (ha + hb > 0) & (value > 0.0), value, 0.0)  # max(0.0, value)


def _uncertainty_row(codes: np.ndarray, i: int, entropy: np.ndarray, complete: np.ndarray
                     ) -> np.ndarray:
    """``_symmetrical_uncertainty(codes[:, i], codes[:, j])`` for every ``j`` (1 at ``i``).

    Pairs of attributes without missing values are computed together: their joint
    counts by one ``bincount`` (each pair's counts laid out as that function lays them
    out), so every value is the one the pairwise function gives.
    """
    p = codes.shape[1]
    out = np.empty(p)
    a = codes[:, i]
    together = complete & complete[i]
    apart = np.flatnonzero(~together)
    if apart.size:
        out[apart] = _uncertainties_with_missing(a, codes[:, apart])
    cols = np.flatnonzero(together)
    if cols.size:
        b = codes[:, cols]
        ids = a[:, None] * (b.max(axis=0) + 1)[None, :] + b
        length = ids.max(axis=0) + 1
        start = np.concatenate([[0], np.cumsum(length)[:-1]])
        joint = np.bincount((ids + start[None, :]).ravel(), minlength=int(length.sum()))
        joint = joint.astype(float)
        xlx = _xlogx(joint)
        ha = entropy[i]
        for s, e, j in zip(start, start + length, cols):
            total = joint[s:e].sum()
            hab = float((_xlogx(total) - xlx[s:e].sum()) / total) if total > 0 else 0.0
            hb = entropy[j]
            out[j] = 0.0 if ha + hb <= 0 else max(0.0, 2.0 * (ha + hb - hab) / (ha + hb))
    out[i] = 1.0
    return out


class CfsSelector:
    """Choose attributes by CFS merit with best-first forward search.

    Parameters
    ----------
    max_stale : int, default 5
        Non-improving expansions allowed before the search stops.
    """

    def __init__(self, max_stale: int = 5) -> None:
        self.max_stale = max_stale

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "CfsSelector":
        codes, _ = discretise(table, y, n_classes)
        p = codes.shape[1]
        r_class = np.array([_symmetrical_uncertainty(codes[:, j], y) for j in range(p)])
        rows: dict[int, np.ndarray] = {}
        complete = (codes >= 0).all(axis=0)
        entropy = np.array([_entropy_bits(np.bincount(codes[:, j]).astype(float))
                            if complete[j] else np.nan for j in range(p)])

        def corr_row(i: int) -> np.ndarray:
            if i not in rows:
                rows[i] = _uncertainty_row(codes, i, entropy, complete)
            return rows[i]

        # open list entries: (-merit, tie order, subset, numerator, denominator)
        counter = 0
        open_list: list[tuple[float, int, tuple[int, ...], float, float]] = [(0.0, 0, (), 0.0, 0.0)]
        seen = {()}
        best_merit, best_subset = 0.0, ()
        stale = 0
        while open_list and stale < self.max_stale:
            _, _, subset, num, den = heapq.heappop(open_list)
            extra = np.zeros(p)
            for i in subset:
                extra += corr_row(i)
            improved = False
            for a in range(p):
                if a in subset:
                    continue
                new = tuple(sorted(subset + (a,)))
                if new in seen:
                    continue
                seen.add(new)
                n2 = num + r_class[a]
                d2 = den + 1.0 + 2.0 * extra[a]
                merit = n2 / np.sqrt(d2) if d2 > 0 else 0.0
                counter += 1
                heapq.heappush(open_list, (-merit, counter, new, n2, d2))
                if merit - best_merit > 1e-5:
                    best_merit, best_subset, improved = merit, new, True
            stale = 0 if improved else stale + 1
        self.selected_ = np.asarray(best_subset, dtype=int)
        self.merit_ = float(best_merit)
        return self


_SELECTIONS = Memo()


def select_attributes(table: Table, y: np.ndarray, n_classes: int) -> np.ndarray:
    """CFS selection, memoised on the data (landmarkers wrapping different learners
    around the same selection share it)."""
    return _SELECTIONS.get(data_key(table, y, n_classes),
                           lambda: CfsSelector().fit(table, y, n_classes).selected_)


class AttributeSelected(Learner):
    """A learner fitted on the attributes that :class:`CfsSelector` chooses.

    Parameters
    ----------
    make_learner : callable
        Returns a fresh, unfitted :class:`Learner`.
    """

    def __init__(self, make_learner: Callable[[], Learner]) -> None:
        self.make_learner = make_learner

    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "AttributeSelected":
        self.selected_ = select_attributes(table, y, n_classes)
        self.learner_ = self.make_learner().fit(table.attributes(self.selected_), y, n_classes)
        return self

    def predict(self, table: Table) -> np.ndarray:
        return self.learner_.predict(table.attributes(self.selected_))
