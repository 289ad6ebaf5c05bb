"""Summaries of per-attribute values (min, quartiles, max, mean, sd), OpenML style.

OpenML summarises per-attribute statistics with Apache Commons Math's
``DescriptiveStatistics``; the functions here reproduce its conventions exactly:

* quartiles use the Commons "legacy" percentile estimator (Hyndman & Fan type 6):
  position ``p (n + 1)``, clamped to the first / last order statistic, linear
  interpolation in between;
* the standard deviation is the sample one (``n - 1``), 0 for a single value;
* every statistic of an empty set is NaN.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["percentile", "summarise", "SUMMARY_STATS", "summary_names", "column_moments",
           "quantiles_from_sorted", "equal_frequency_cuts"]

#: summary statistic -> its name prefix in OpenML's quality names.
SUMMARY_STATS: dict[str, str] = {
    "min": "Min", "q1": "Quartile1", "q2": "Quartile2", "q3": "Quartile3",
    "max": "Max", "mean": "Mean", "sd": "StdDev",
}


def percentile(values: np.ndarray, p: float) -> float:
    """The ``p``-th percentile (0 < p <= 100) as Commons Math computes it (type 6)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = x.size
    if n == 0:
        return float("nan")
    if n == 1:
        return float(x[0])
    pos = p * (n + 1) / 100.0
    if pos < 1:
        return float(x[0])
    if pos >= n:
        return float(x[-1])
    lower = int(np.floor(pos))
    frac = pos - lower
    return float(x[lower - 1] + frac * (x[lower] - x[lower - 1]))


def summarise(values: np.ndarray) -> dict[str, float]:
    """min, q1, q2, q3, max, mean and sd of ``values`` (non-finite values ignored)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {k: float("nan") for k in SUMMARY_STATS}
    scale = float(np.abs(x).max()) or 1.0  # scaled so that huge values cannot overflow
    return {
        "min": float(x.min()), "q1": percentile(x, 25), "q2": percentile(x, 50),
        "q3": percentile(x, 75), "max": float(x.max()), "mean": float(x.mean()),
        "sd": scale * float((x / scale).std(ddof=1)) if x.size > 1 else 0.0,
    }


def summary_names(template: str, stats: tuple[str, ...] = tuple(SUMMARY_STATS)) -> list[str]:
    """Names for a summary: ``template`` holds ``{stat}`` (e.g. "{stat}SkewnessOfNumericAtts")."""
    return [template.format(stat=SUMMARY_STATS[s]) for s in stats]


def summary_values(template: str, values: np.ndarray) -> dict[str, float]:
    """``summarise(values)`` keyed by the names ``summary_names(template)`` gives."""
    return {template.format(stat=SUMMARY_STATS[k]): v for k, v in summarise(values).items()}


def column_moments(X: np.ndarray | Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """Per-column count, mean, sample sd, skewness and excess kurtosis, ignoring NaN.

    ``X`` is an n x p array or a sequence of p 1-D columns (computed one column at a
    time, so a sequence of views of a large table is never copied whole).

    Skewness and kurtosis are the bias-corrected sample estimators of Commons Math
    (``DescriptiveStatistics.getSkewness`` / ``getKurtosis``, the same as Excel's
    SKEW and KURT): skewness needs 3 values, kurtosis 4 (NaN otherwise), and both are 0
    for a (near-)constant column (variance below 1e-19).
    """
    if isinstance(X, np.ndarray):
        X = np.asarray(X, dtype=float)
        columns: Sequence[np.ndarray] = [X[:, j] for j in range(X.shape[1])]
    else:
        columns = X
    names = ("n", "mean", "sd", "skewness", "kurtosis")
    out = {k: np.full(len(columns), np.nan) for k in names}
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, col in enumerate(columns):
            for key, value in zip(names, _moments(np.asarray(col, dtype=float))):
                out[key][j] = value
    return out


def _moments(col: np.ndarray) -> tuple[float, float, float, float, float]:
    missing = np.isnan(col)
    x = col[~missing] if missing.any() else col
    n = float(x.size)
    if n == 0:
        return 0.0, np.nan, np.nan, np.nan, np.nan
    mean = float(x.mean())
    d = x - mean
    d2 = d * d
    var = float(d2.sum()) / (n - 1) if n > 1 else np.nan
    sd = np.sqrt(var) if n > 1 else 0.0
    tiny = var < 1e-19
    # standardised first, so that huge values cannot overflow in the 3rd/4th powers
    d2 /= var if var > 0 else 1.0           # z^2
    s3 = float(np.dot(d2, d)) / (sd if sd > 0 else 1.0)
    s4 = float(np.dot(d2, d2))
    if n < 3:
        skew = np.nan
    else:
        skew = 0.0 if tiny else n / ((n - 1) * (n - 2)) * s3
    if n < 4:
        kurt = np.nan
    else:
        kurt = 0.0 if tiny else (n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * s4
                                 - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    return n, mean, sd, skew, kurt


def quantiles_from_sorted(S: np.ndarray, counts: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Linear-interpolation quantiles (numpy's default) per column: len(q) x columns."""
    q = np.asarray(q, dtype=float)
    pos = q[:, None] * np.maximum(counts - 1, 0)[None, :]
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(counts - 1, 0)[None, :])
    cols = np.arange(S.shape[1])[None, :]
    lo_v, hi_v = S[lo, cols], S[hi, cols]
    with np.errstate(invalid="ignore"):
        out = lo_v + (pos - lo) * (hi_v - lo_v)
    out = np.where(hi == lo, lo_v, out)
    return np.where(counts[None, :] > 0, out, np.nan)


def equal_frequency_cuts(s: np.ndarray, count: int, n_bins: int | None = None) -> np.ndarray:
    """Cut points of ``k`` equal-frequency bins of a sorted column (NaN last).

    ``count`` is its number of non-missing values; ``k = max(2, floor(count^(1/3)))``
    unless ``n_bins`` is given. The cuts are the quantiles ``i / k`` (``i = 1..k``,
    linear interpolation) with ties merged; a value belongs to the first bin whose cut
    point is >= it.
    """
    k = n_bins or max(2, int(np.floor(count ** (1.0 / 3.0) + 1e-9)))
    q = quantiles_from_sorted(np.asarray(s)[:, None], np.array([count]), np.arange(1, k + 1) / k)
    return np.unique(q[:, 0])
