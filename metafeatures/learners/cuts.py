"""Class counts at the candidate cuts of numeric columns, shared by the stump and the trees.

A cut of a numeric column lies between two consecutive distinct values in sorted order;
the split criteria need, at each cut, the (weighted) class counts of the rows left of it,
and the counts of all known rows. Only the cuts are materialised (not every row
position), so a column with few distinct values costs little beyond its sort.

With integer weights (the usual case: every row weighs 1 unless C4.5 spread a missing
value over branches) the counts come from one ``bincount`` over the runs of equal
values; otherwise from a running sum in sorted order. Both give the counts the running
sum over every position gives (integer sums are exact in any order; fractional weights
take the same order).

When, in addition, every known value is an integer and the columns' ranges are small
against the rows (pixel intensities, counts, ordinal codes), no sort is needed: the
value minus the column's minimum indexes a (column, value, class) grid filled by one
``bincount``, and the cuts are read off the occupied cells in value order. Integer sums
are exact, so the counts equal the sorted path's to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import xlogy

__all__ = ["CutCounts", "cut_counts", "xlogx_of_counts", "first_minimum"]

_LN2 = float(np.log(2.0))
_TABLES = {False: np.zeros(1), True: np.zeros(1)}


def xlogx_of_counts(counts: np.ndarray, bits: bool = False) -> np.ndarray:
    """``xlogy(c, c)`` (``bits``: divided by ln 2) of non-negative integer counts, by table
    look-up; the table holds exactly what that expression gives for the same values as
    floats, so the results are identical."""
    top = int(counts.max()) if counts.size else 0
    table = _TABLES[bits]
    if top >= len(table):
        values = np.arange(max(top + 1, 2 * len(table)), dtype=float)
        table = xlogy(values, values)
        _TABLES[bits] = table = table / _LN2 if bits else table
    return table[counts]


@dataclass(frozen=True)
class CutCounts:
    """The candidate cuts of a block of numeric columns.

    Attributes
    ----------
    xs : ndarray (n, w) or None
        Each column sorted ascending (NaN last); None when the counts came from the
        value grid (no sort).
    cols, rows : ndarray (M,)
        Cut ``t`` lies in column ``cols[t]`` between sorted positions ``rows[t]`` and
        ``rows[t] + 1``; ordered by column, then position.
    below, above : ndarray (M,)
        The values either side of cut ``t`` (the cut's threshold is their midpoint).
    left : ndarray (M, k)
        Class counts (weights) of the known rows at positions ``<= rows[t]``.
    known : ndarray (w, k)
        Class counts of each column's known rows.
    left_int, known_int : ndarray of int, or None
        The same counts as integers, when the weights are integers.
    unit : bool
        Every row weighs 1 (then the weight left of cut ``t`` is ``rows[t] + 1``).
    """

    xs: np.ndarray | None
    cols: np.ndarray
    rows: np.ndarray
    below: np.ndarray
    above: np.ndarray
    left: np.ndarray
    known: np.ndarray
    left_int: np.ndarray | None = None
    known_int: np.ndarray | None = None
    unit: bool = False


def cut_counts(block: np.ndarray, y: np.ndarray, k: int, w: np.ndarray | None = None
               ) -> CutCounts:
    """Candidate cuts and class counts of the columns of ``block`` (n x w, NaN = missing).

    ``y``: class codes of the n rows; ``w``: their weights (default 1).
    """
    n, width = block.shape
    unit = w is None or bool((w == 1.0).all())
    if unit or np.array_equal(w, np.floor(w)):
        grid = _grid_cut_counts(block, y, k, None if unit else w)
        if grid is not None:
            return grid
    order = np.argsort(block, axis=0, kind="stable")  # NaN last
    xs = np.take_along_axis(block, order, axis=0)
    with np.errstate(invalid="ignore"):
        boundary = xs[1:] > xs[:-1]  # False where either side is NaN
    cols, rows = np.nonzero(boundary.T)
    present = ~np.isnan(xs)
    m = present.sum(axis=0)
    below, above = xs[rows, cols], xs[rows + 1, cols]
    if unit or np.array_equal(w, np.floor(w)):
        # runs of equal values: run r of column c holds sorted positions after its
        # r-th cut; its class counts by one bincount, the counts left of a cut by a
        # running sum over the column's runs
        run = np.zeros((n, width), dtype=np.int64)
        if n > 1:
            np.cumsum(boundary, axis=0, out=run[1:])
        n_runs = run[-1] + 1 if n else np.zeros(width, dtype=np.int64)
        offset = np.concatenate([[0], np.cumsum(n_runs)[:-1]])
        ids = (run + offset[None, :]) * k + y[order]
        weights = None if unit else w[order][present].astype(np.int64)
        counts = np.bincount(ids[present], weights=weights,
                             minlength=int(n_runs.sum()) * k).reshape(-1, k)
        if weights is not None:
            counts = np.rint(counts).astype(np.int64)  # integer sums: exact
        cum = np.cumsum(counts, axis=0)
        base = np.concatenate([np.zeros((1, k), dtype=np.int64), cum])[offset]  # before each column
        left_int = cum[run[rows, cols] + offset[cols]] - base[cols]
        last = offset + np.maximum(run[np.maximum(m - 1, 0), np.arange(width)], 0)
        known_int = cum[last] - base
        known_int[m == 0] = 0
        return CutCounts(xs, cols, rows, below, above, left_int.astype(float),
                         known_int.astype(float), left_int, known_int, unit)
    else:
        onehot = np.zeros((n, k))
        onehot[np.arange(n), y] = w
        cum = np.cumsum(onehot[order], axis=0)
        left = cum[rows, cols]
        known = cum[np.maximum(m - 1, 0), np.arange(width)]
        known[m == 0] = 0.0
    return CutCounts(xs, cols, rows, below, above, left, known)


#: The value grid is used when (range of values) x classes <= this many times the rows:
#: then filling and scanning it costs no more than a few passes over the block.
_GRID_FACTOR = 2


def _grid_cut_counts(block: np.ndarray, y: np.ndarray, k: int, w: np.ndarray | None
                     ) -> CutCounts | None:
    """:func:`cut_counts` without sorting, for integer values of small range (else None).

    ``w``: integer weights, or None for unit weights.
    """
    n, width = block.shape
    if n < 16 or width == 0:
        return None
    present = ~np.isnan(block)
    m = present.sum(axis=0)
    if not m.all():
        return None  # an all-missing column: left to the sorted path
    lo, hi = np.fmin.reduce(block, axis=0), np.fmax.reduce(block, axis=0)  # NaN skipped
    span = int(np.max(hi - lo)) + 1 if np.isfinite(hi - lo).all() else 0
    if span <= 0 or span * k > _GRID_FACTOR * n:
        return None
    offset = np.where(present, block - lo, 0.0)
    code = offset.astype(np.int64)
    if not np.array_equal(code, offset):
        return None  # a non-integer value
    cell = code + (np.arange(width) * span)[None, :]  # (column, value) cell of each entry
    cell_p = cell[present]
    occupied = np.bincount(cell_p, minlength=width * span).reshape(width, span)
    weights = None if w is None else np.broadcast_to(w[:, None], block.shape)[present]
    counts = np.bincount(cell_p * k + np.broadcast_to(y[:, None], block.shape)[present],
                         weights=weights, minlength=width * span * k)
    if weights is not None:
        counts = np.rint(counts).astype(np.int64)  # integer sums: exact
    cum = np.cumsum(counts.reshape(width, span, k), axis=1)
    occ_cols, occ_vals = np.nonzero(occupied)  # by column, then value
    last = np.ones(len(occ_cols), dtype=bool)  # each column's largest value: no cut after it
    last[:-1] = occ_cols[1:] != occ_cols[:-1]
    cut = np.flatnonzero(~last)
    cols, vals = occ_cols[cut], occ_vals[cut]
    rows = np.cumsum(occupied, axis=1)[cols, vals] - 1  # sorted position of the run's end
    left_int = cum[cols, vals]
    known_int = cum[:, -1]
    below = lo[cols] + vals
    above = lo[cols] + occ_vals[cut + 1]
    return CutCounts(None, cols, rows.astype(np.int64), below, above, left_int.astype(float),
                     known_int.astype(float), left_int, known_int, w is None)


def first_minimum(groups: np.ndarray, score: np.ndarray, n_groups: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group, the smallest score (inf: no cut), the position of its first occurrence
    (``np.argmin``'s choice) and the number of cuts; ``groups`` (the group of each cut)
    must be sorted. Returns ``best`` (n_groups,), ``first`` (positions, one per group
    with cuts, in group order) and ``n_cuts`` (n_groups,)."""
    best = np.full(n_groups, np.inf)
    n_cuts = np.zeros(n_groups, dtype=np.int64)
    if not len(groups):
        return best, np.empty(0, dtype=np.int64), n_cuts
    starts = np.flatnonzero(np.concatenate([[True], groups[1:] != groups[:-1]]))
    owners = groups[starts]
    n_cuts[owners] = np.diff(np.append(starts, len(groups)))
    best[owners] = np.minimum.reduceat(score, starts)
    hits = np.flatnonzero(score == best[groups])
    first = hits[np.concatenate([[True], groups[hits][1:] != groups[hits][:-1]])]
    return best, first, n_cuts
