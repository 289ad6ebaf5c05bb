"""RandomTree's split search on a node of a few rows, in plain Python.

An unpruned RandomTree (leaves of one row) spends most of its search on nodes of a
handful of rows, where each array operation costs more than the arithmetic it does.
:func:`random_split` searches such a node with Python numbers instead, doing the
arithmetic of the array search exactly, operation for operation:

* class weights are summed in the array search's order (a running sum in sorted
  order for a numeric column, row order for a nominal one, level after level for a
  nominal column's class totals);
* ``x log x`` is ``x * math.log(x)``, which is what ``scipy.special.xlogy(x, x)``
  (the array search's, and its look-up table's) gives; a sum of terms is added in
  numpy's order (:func:`numpy_sum`: pairwise, eight accumulators), so each entropy is
  the same float;
* attributes are evaluated in the array search's order (the first ``K`` of the random
  permutation, numeric before nominal, then one more at a time until one gains) and
  the choice is its first largest gain.

Only the information-gain criterion (RandomTree's) is covered; nodes of more rows or
with nominal attributes of many levels use the array search.
"""

from __future__ import annotations

import math

import numpy as np

from metafeatures.learners.table import Table

__all__ = ["MAX_ROWS", "applies", "numpy_sum", "random_split"]

#: Nodes of at most this many rows are searched here...
MAX_ROWS = 16
#: ... of at most this many rows x classes...
MAX_ROW_CLASSES = 200
#: ... when every nominal attribute has at most this many levels x classes.
MAX_CELLS = 256
_LN2 = float(np.log(2.0))
_PAIRWISE_BLOCK = 128


def numpy_sum(values: list[float]) -> float:
    """``numpy.sum`` of a contiguous float64 array holding ``values``, term for term:
    numpy's pairwise summation (plain below 8 terms, eight accumulators up to 128,
    halves above)."""
    n = len(values)
    if n < 8:
        total = 0.0
        for v in values:
            total += v
        return total
    if n <= _PAIRWISE_BLOCK:
        r = list(values[:8])
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += values[i + j]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for v in values[i:]:
            total += v
        return total
    half = n // 2
    half -= half % 8
    return numpy_sum(values[:half]) + numpy_sum(values[half:])


def applies(t: Table, k: int, n_rows: int) -> bool:
    """Whether :func:`random_split` searches a node of ``n_rows`` rows."""
    return (n_rows <= MAX_ROWS and n_rows * k <= MAX_ROW_CLASSES
            and all(n * k <= MAX_CELLS for n in t.n_levels))


def _xlogx(x: float) -> float:
    return x * math.log(x) if x else 0.0


def _entropy(counts: list[float], total: float | None = None) -> float:
    """``W * H`` (bits) of class weights, as ``multiway_tree._h`` computes it; ``total``:
    their sum when known exactly (integers)."""
    if total is None:
        total = numpy_sum(counts)
    return (_xlogx(total) - numpy_sum([_xlogx(c) for c in counts])) / _LN2


def random_split(t: Table, idx: np.ndarray, y_idx: np.ndarray, w: np.ndarray, k: int,
                 total: float, order: np.ndarray, n_random: int, min_leaf: float
                 ) -> tuple[int, bool, float] | None:
    """The split RandomTree's array search chooses on rows ``idx`` (classes ``y_idx``,
    weights ``w``) given the attribute permutation ``order``: ``(attribute, numeric?,
    threshold)``, or None."""
    p = t.n_numeric
    ys, ws = y_idx.tolist(), w.tolist()
    candidates: list[tuple[float, int, bool, float]] = []

    def evaluate(a: int) -> None:
        if a < p:
            found = _numeric(t.numeric[idx, a].tolist(), ys, ws, k, total, min_leaf)
            if found is not None:
                candidates.append((found[0], a, True, found[1]))
        else:
            gain = _nominal(t.codes[idx, a - p].tolist(), ys, ws, k, t.n_levels[a - p], total,
                            min_leaf)
            if gain is not None:
                candidates.append((gain, a, False, 0.0))

    attrs = order.tolist()
    first = attrs[:n_random]
    for a in [a for a in first if a < p] + [a for a in first if a >= p]:
        evaluate(a)
    if not any(c[0] > 1e-10 for c in candidates):
        for a in attrs[n_random:]:
            evaluate(a)
            if candidates and candidates[-1][0] > 1e-10 and candidates[-1][1] == a:
                break
    best = None
    for c in candidates:  # the first largest gain above 1e-10
        if c[0] > 1e-10 and (best is None or c[0] > best[0]):
            best = c
    return None if best is None else (best[1], best[2], best[3])


def _numeric(values: list[float], ys: list[int], ws: list[float], k: int, total: float,
             min_leaf: float) -> tuple[float, float] | None:
    """Gain and threshold of the column's best cut (None: no cut with ``min_leaf``
    weight either side)."""
    known = sorted(((v, c, wt) for v, c, wt in zip(values, ys, ws) if not math.isnan(v)),
                   key=lambda row: row[0])
    m = len(known)
    counts = [0.0] * k
    for _, c, wt in known:  # the running sums' last row
        counts[c] += wt
    unit = all(wt == 1.0 for wt in ws)  # then the sums are exact: the row counts
    left = [0.0] * k
    best, at = math.inf, -1
    for i in range(m - 1):
        left[known[i][1]] += known[i][2]
        if known[i][0] < known[i + 1][0]:
            right = [a - b for a, b in zip(counts, left)]
            lw = i + 1.0 if unit else numpy_sum(left)
            rw = m - i - 1.0 if unit else numpy_sum(right)
            if lw >= min_leaf and rw >= min_leaf:
                score = _entropy(left, lw) + _entropy(right, rw)
                if score < best:
                    best, at = score, i
    if at < 0:
        return None
    gain = (_entropy(counts) - best) / total
    return gain, (known[at][0] + known[at + 1][0]) / 2.0


def _nominal(codes: list[int], ys: list[int], ws: list[float], k: int, n_levels: int,
             total: float, min_leaf: float) -> float | None:
    """Gain of the multiway split (None: fewer than two branches of ``min_leaf`` weight)."""
    table = [[0.0] * k for _ in range(n_levels)]
    for code, c, wt in zip(codes, ys, ws):
        if code >= 0:
            table[code][c] += wt
    sizes = [numpy_sum(row) for row in table]
    if sum(s >= min_leaf for s in sizes) < 2:
        return None
    column = list(table[0])
    for row in table[1:]:  # level after level, as numpy sums over the first axis
        column = [a + b for a, b in zip(column, row)]
    within = numpy_sum([_entropy(row) for row in table])
    return (_entropy(column) - within) / total
