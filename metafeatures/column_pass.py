"""One pass over the numeric attributes: everything the groups need from a sorted column.

Sorting is the costly step of the cheap groups (general, statistical, info-theory run
on every row), so each numeric attribute is sorted once, one column at a time, and the
pass keeps only small results: per attribute its non-missing count, distinct values,
quartiles, IQR outlier and zero counts, and its equal-frequency-binned contingency
table with the target. No n x p copy of the data is made; the working memory is a
few columns.

The sort is done per target class (a column gathered in class order, each class's
segment sorted, then merged by a stable sort of the sorted runs): the per-class
segments give each bin's class counts by binary search, so no value has to be
searched for its bin, and the merge gives the column's order statistics. Every count
is exact and equals what binning each value (``info_theory.discretise``) gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from metafeatures.summaries import equal_frequency_cuts, quantiles_from_sorted

__all__ = ["NumericProfile", "numeric_profile", "distinct_sorted"]


@dataclass(frozen=True)
class NumericProfile:
    """Per-attribute results of the numeric pass (arrays of length p, lists of p tables).

    Attributes
    ----------
    count : ndarray
        Non-missing values (labelled rows).
    distinct : ndarray
        Distinct non-missing values (labelled rows).
    distinct_all : ndarray
        Distinct non-missing values over all rows (labelled and unlabelled).
    q1, q3 : ndarray
        Quartiles by linear interpolation (numpy's default); NaN without values.
    n_outside : ndarray
        Values below ``q1 - 1.5 IQR`` or above ``q3 + 1.5 IQR``.
    n_zero : ndarray
        Values equal to 0.
    tables : list of ndarray
        Per attribute the (bins x target codes) counts of its equal-frequency bins
        (``equal_frequency_cuts``) against ``target``; missing values left out. Empty
        (0 x 0) for an attribute without values.
    """

    count: np.ndarray
    distinct: np.ndarray
    distinct_all: np.ndarray
    q1: np.ndarray
    q3: np.ndarray
    n_outside: np.ndarray
    n_zero: np.ndarray
    tables: list[np.ndarray]


def distinct_sorted(s: np.ndarray, count: int) -> int:
    """Distinct values among the first ``count`` entries of a sorted 1-D array."""
    if count == 0:
        return 0
    return 1 + int(np.count_nonzero(s[1:count] != s[: count - 1]))


def _class_order(target: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows grouped by target code (stable) and the segment bounds of each code."""
    order = np.argsort(target, kind="stable")
    bounds = np.searchsorted(target[order], np.arange(n_codes + 1))
    return order, bounds


def numeric_profile(columns: Sequence[np.ndarray], target: np.ndarray, n_codes: int,
                    column_all: Callable[[int], np.ndarray] | None = None) -> NumericProfile:
    """The numeric pass over ``columns`` (1-D float64, NaN = missing, labelled rows).

    Parameters
    ----------
    columns : sequence of ndarray
        The numeric attributes over the labelled rows.
    target : ndarray of int
        Target codes ``0..n_codes-1`` of the labelled rows (classes, or a regression
        target's bins).
    n_codes : int
        Number of target codes.
    column_all : callable, optional
        ``column_all(j)``: attribute ``j`` over all rows, when there are unlabelled rows
        (only its distinct count is taken from it).
    """
    p = len(columns)
    out = {k: np.zeros(p) for k in ("count", "distinct", "distinct_all", "q1", "q3",
                                    "n_outside", "n_zero")}
    tables: list[np.ndarray] = []
    order, bounds = _class_order(np.asarray(target, dtype=np.int64), n_codes)
    segments = list(zip(bounds[:-1], bounds[1:]))
    for j, col in enumerate(columns):
        grouped = col[order]
        seg_counts = np.empty(len(segments), dtype=np.int64)
        for c, (a, b) in enumerate(segments):
            grouped[a:b].sort()  # NaN last within each class
            seg_counts[c] = (b - a) - np.count_nonzero(np.isnan(grouped[a:b]))
        s = np.sort(grouped, kind="stable")  # merges the sorted runs
        count = int(seg_counts.sum())
        out["count"][j] = count
        out["distinct"][j] = distinct_sorted(s, count)
        if count == 0:
            out["q1"][j] = out["q3"][j] = np.nan
            tables.append(np.zeros((0, 0), dtype=np.int64))
            continue
        present = s[:count]
        q1, q3 = quantiles_from_sorted(s[:, None], np.array([count]), np.array([0.25, 0.75]))[:, 0]
        out["q1"][j], out["q3"][j] = q1, q3
        iqr = q3 - q1
        out["n_outside"][j] = (np.searchsorted(present, q1 - 1.5 * iqr, side="left")
                               + count - np.searchsorted(present, q3 + 1.5 * iqr, side="right"))
        out["n_zero"][j] = (np.searchsorted(present, 0.0, side="right")
                            - np.searchsorted(present, 0.0, side="left"))
        cuts = equal_frequency_cuts(s, count)
        # class c's values in bins 0..b: those <= cuts[b] (a value's bin is the first cut >= it)
        cum = np.stack([np.searchsorted(grouped[a:a + m], cuts, side="right")
                        for (a, _), m in zip(segments, seg_counts)], axis=1)
        tables.append(np.diff(cum, axis=0, prepend=0))
    if column_all is None:
        out["distinct_all"] = out["distinct"].copy()
    else:
        for j in range(p):
            col = column_all(j)
            s = np.sort(col)
            out["distinct_all"][j] = distinct_sorted(s, int(col.size - np.count_nonzero(np.isnan(col))))
    return NumericProfile(tables=tables, **out)
