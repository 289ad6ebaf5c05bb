"""Statistical meta-features: moments of numeric attributes, correlations, PCA, outliers.

The ``*OfNumericAtts`` summaries follow OpenML's ``Statistical`` characterizer: per
numeric attribute (a numeric target included, as OpenML treats it as an attribute) the
mean, sample standard deviation, bias-corrected sample skewness and excess kurtosis over
its non-missing values in all rows; attributes whose statistic is undefined are left
out; then min / quartiles (Commons Math type-6 percentiles) / max / mean over attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Callable, TypeVar

import numpy as np

from metafeatures.context import DatasetContext
from metafeatures.registry import MetaFeatureGroup, guarded
from metafeatures.summaries import SUMMARY_STATS, column_moments, summary_values

__all__ = ["GROUP", "PairwiseSums", "pairwise_sums"]

_T = TypeVar("_T")


def lazy(compute: Callable[[], _T]) -> Callable[[], _T]:
    """``compute`` run once, on first call (shared by the meta-features that need it)."""
    return cache(compute)

_OPENML_STATS = ("min", "q1", "q2", "q3", "max", "mean")
_MOMENTS = {"Means": ("mean", "mean"), "StdDev": ("sd", "sample standard deviation"),
            "Skewness": ("skewness", "bias-corrected sample skewness"),
            "Kurtosis": ("kurtosis", "bias-corrected sample excess kurtosis")}
_STAT_WORDS = {"min": "Minimum", "q1": "First quartile", "q2": "Median", "q3": "Third quartile",
               "max": "Maximum", "mean": "Mean", "sd": "Sample standard deviation"}

DEFINITIONS: dict[str, str] = {}
OPENML: set[str] = set()
for _cat, (_key, _words) in _MOMENTS.items():
    for _stat in SUMMARY_STATS:
        _name = f"{SUMMARY_STATS[_stat]}{_cat}OfNumericAtts"
        DEFINITIONS[_name] = (f"{_STAT_WORDS[_stat]} over numeric attributes (numeric target included) "
                              f"of each attribute's {_words}.")
        if _stat in _OPENML_STATS:
            OPENML.add(_name)
for _stat in SUMMARY_STATS:
    DEFINITIONS[f"{SUMMARY_STATS[_stat]}AbsCorrelationOfNumericAtts"] = (
        f"{_STAT_WORDS[_stat]} of |Pearson correlation| over pairs of numeric attributes "
        "(pairwise-complete rows).")
for _stat in SUMMARY_STATS:
    DEFINITIONS[f"{SUMMARY_STATS[_stat]}AbsCovarianceOfNumericAtts"] = (
        f"{_STAT_WORDS[_stat]} of |sample covariance| over pairs of numeric attributes "
        "(pairwise-complete rows).")
DEFINITIONS.update({
    "ProportionOfHighlyCorrelatedPairs": "Share of numeric attribute pairs with |correlation| >= 0.5 "
                                         "(pairwise statistics and PCA use a seeded random 500 "
                                         "numeric attributes when there are more).",
    "PCAComponentsFor95PercentVariance": "Principal components of the standardised numeric attributes "
                                         "(missing = attribute mean) needed to explain 95% of the variance.",
    "PCAFractionOfComponentsFor95PercentVariance": "PCAComponentsFor95PercentVariance / number of numeric attributes.",
    "PCASkewnessOfFirstPC": "Skewness of the scores on the first principal component (sign fixed so "
                            "its largest loading is positive; loadings tied within 1e-9: the first).",
    "PCAKurtosisOfFirstPC": "Excess kurtosis of the scores on the first principal component.",
    "NumberOfNumericAttsWithOutliers": "Numeric attributes with a value outside [Q1 - 1.5 IQR, Q3 + 1.5 IQR].",
    "PercentageOfOutlierValues": "100 * share of non-missing numeric cells outside [Q1 - 1.5 IQR, Q3 + 1.5 IQR] of their attribute.",
    "MeanSparsityOfAtts": "Mean over attributes of (n / distinct values - 1) / (n - 1) (0: all values distinct, 1: constant).",
    "PercentageOfZeroNumericValues": "100 * share of non-missing numeric cells equal to 0.",
    "TargetSkewness": "Skewness of a regression target (NaN for classification).",
    "TargetKurtosis": "Excess kurtosis of a regression target (NaN for classification).",
    "MeanAbsCorrelationWithTarget": "Mean |Pearson correlation| of numeric attributes with a regression target.",
    "MaxAbsCorrelationWithTarget": "Largest |Pearson correlation| of a numeric attribute with a regression target.",
})
OPENML_NAMES = frozenset(OPENML)


def _moment_summaries(ctx: DatasetContext) -> dict[str, float]:
    columns = [ctx.numeric_column_all(j) for j in range(len(ctx.numeric_columns))]
    if not ctx.is_classification:  # OpenML: a numeric target is one more numeric attribute
        y = np.full(ctx.n_rows_all, np.nan)
        y[: ctx.n_rows] = ctx.y_numeric
        columns.append(y)
    out: dict[str, float] = {}
    if not columns:
        return out
    moments = column_moments(columns)
    # OpenML today leaves constant attributes out of the skewness/kurtosis summaries;
    # the 2018 engine counted them as 0
    varying = ~(moments["sd"] ** 2 < 1e-19)
    for cat, (key, _) in _MOMENTS.items():
        values = moments[key]
        if key in ("skewness", "kurtosis") and ctx.openml_engine != "2018":
            values = values[varying]
        out.update(summary_values(f"{{stat}}{cat}OfNumericAtts", values))
    return out


#: Rows per block of the pairwise sums (a block of all pairwise attributes is built at a
#: time, so memory stays at a few tens of MB however many rows there are).
BLOCK_ROWS = 32_768


@dataclass(frozen=True)
class PairwiseSums:
    """Sums over pairwise-complete rows of attributes centred on their means.

    With ``Z`` the attributes minus their means (0 where missing) and ``M`` the
    present-value indicator: ``n = M'M``, ``sx = Z'M``, ``sxx = (Z*Z)'M``, ``sxy = Z'Z``.
    """

    means: np.ndarray
    n: np.ndarray
    sx: np.ndarray
    sxx: np.ndarray
    sxy: np.ndarray

    def cov_corr(self) -> tuple[np.ndarray, np.ndarray]:
        """Pairwise-complete covariance and correlation matrices."""
        n, sx = self.n, self.sx
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = (self.sxy - sx * sx.T / n) / (n - 1)
            var_x = (self.sxx - sx * sx / n) / (n - 1)
            corr = cov / np.sqrt(var_x * var_x.T)
        return cov, np.clip(corr, -1.0, 1.0)


def _block(columns: list[np.ndarray], means: np.ndarray, start: int, stop: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``start:stop`` of the centred attributes (0 where missing) and the indicator."""
    Z = np.empty((stop - start, len(columns)))
    for j, col in enumerate(columns):
        np.subtract(col[start:stop], means[j], out=Z[:, j])
    missing = np.isnan(Z)
    Z[missing] = 0.0
    return Z, (~missing).astype(float)


def pairwise_sums(columns: list[np.ndarray]) -> PairwiseSums:
    """The :class:`PairwiseSums` of 1-D columns (NaN = missing), in row blocks."""
    with np.errstate(invalid="ignore"):
        means = np.array([np.nanmean(c) if c.size else np.nan for c in columns])
    p, n_rows = len(columns), (len(columns[0]) if columns else 0)
    n, sx, sxx, sxy = (np.zeros((p, p)) for _ in range(4))
    for start in range(0, n_rows, BLOCK_ROWS):
        Z, M = _block(columns, means, start, min(start + BLOCK_ROWS, n_rows))
        n += M.T @ M
        sx += Z.T @ M
        sxx += (Z * Z).T @ M
        sxy += Z.T @ Z
    return PairwiseSums(means, n, sx, sxx, sxy)


#: Pairwise statistics (correlations, covariances, PCA) use at most this many numeric
#: attributes: above it a seeded random subset, so wide data costs O(n * 500^2).
MAX_PAIRWISE_ATTRIBUTES = 500


def _pairwise_columns(ctx: DatasetContext) -> list[np.ndarray]:
    p = len(ctx.numeric_columns)
    keep = np.arange(p)
    if p > MAX_PAIRWISE_ATTRIBUTES:
        keep = np.sort(np.random.default_rng(ctx.seed).choice(p, MAX_PAIRWISE_ATTRIBUTES,
                                                              replace=False))
    return [ctx.numeric_column(int(j)) for j in keep]


def _correlations(sums: PairwiseSums) -> dict[str, float]:
    p = sums.n.shape[0]
    if p < 2:
        return {}
    cov, corr = sums.cov_corr()
    iu = np.triu_indices(p, k=1)
    abs_corr, abs_cov = np.abs(corr[iu]), np.abs(cov[iu])
    out = summary_values("{stat}AbsCorrelationOfNumericAtts", abs_corr)
    out.update(summary_values("{stat}AbsCovarianceOfNumericAtts", abs_cov))
    finite = abs_corr[np.isfinite(abs_corr)]
    out["ProportionOfHighlyCorrelatedPairs"] = float(np.mean(finite >= 0.5)) if finite.size else np.nan
    return out


def _pca(columns: list[np.ndarray], sums: PairwiseSums) -> dict[str, float]:
    """PCA of the standardised attributes (population sd; missing = the mean)."""
    p = len(columns)
    if p == 0:
        return {}
    count = np.diag(sums.n)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.diag(sums.sxy) / count)
    keep = np.flatnonzero(np.isfinite(sd) & (sd > 0))
    if not keep.size:
        return {}
    n_rows = columns[0].size
    scale = sd[keep]
    cov = sums.sxy[np.ix_(keep, keep)] / np.outer(scale, scale) / max(n_rows - 1, 1)
    eigval, eigvec = np.linalg.eigh(cov)
    order = np.argsort(eigval)[::-1]
    eigval, eigvec = np.clip(eigval[order], 0, None), eigvec[:, order]
    share = np.cumsum(eigval) / eigval.sum()
    k = int(np.searchsorted(share, 0.95 - 1e-12) + 1)
    first = eigvec[:, 0]
    size = np.abs(first)
    lead = int(np.flatnonzero(size >= size.max() - 1e-9)[0])  # ties (to rounding): the first
    first = first * (1.0 if first[lead] >= 0 else -1.0)
    scores = np.zeros(n_rows)
    for weight, j in zip(first / scale, keep):
        z = columns[j] - sums.means[j]
        np.nan_to_num(z, copy=False, nan=0.0)
        z *= weight
        scores += z
    moments = column_moments([scores])
    return {"PCAComponentsFor95PercentVariance": float(k),
            "PCAFractionOfComponentsFor95PercentVariance": k / p,
            "PCASkewnessOfFirstPC": float(moments["skewness"][0]),
            "PCAKurtosisOfFirstPC": float(moments["kurtosis"][0])}


def _outliers_sparsity(ctx: DatasetContext) -> dict[str, float]:
    out: dict[str, float] = {}
    n = ctx.n_rows
    sparsity: list[float] = []
    if ctx.numeric_columns:
        prof = ctx.profile
        n_cells = prof.count.sum()
        out["NumberOfNumericAttsWithOutliers"] = float(np.count_nonzero(prof.n_outside))
        out["PercentageOfOutlierValues"] = 100.0 * prof.n_outside.sum() / n_cells if n_cells else np.nan
        out["PercentageOfZeroNumericValues"] = 100.0 * prof.n_zero.sum() / n_cells if n_cells else np.nan
        distinct = prof.distinct
        with np.errstate(invalid="ignore", divide="ignore"):
            sparsity += list(np.where(distinct > 0, (n / distinct - 1) / (n - 1), np.nan))
    for j in range(len(ctx.categorical_columns)):
        col = ctx.categorical_column(j)
        distinct = int(np.count_nonzero(np.bincount(col.astype(np.intp) + 1)[1:]))
        sparsity.append((n / distinct - 1) / (n - 1) if distinct else np.nan)
    values = np.array(sparsity, dtype=float)
    if np.isfinite(values).any():
        out["MeanSparsityOfAtts"] = float(np.nanmean(values))
    return out


def _target(ctx: DatasetContext) -> dict[str, float]:
    if ctx.is_classification:
        return {}
    y = ctx.y_numeric
    m = column_moments([y])
    out = {"TargetSkewness": float(m["skewness"][0]), "TargetKurtosis": float(m["kurtosis"][0])}
    r = np.array([_correlation_with(ctx.numeric_column(j), y)
                  for j in range(len(ctx.numeric_columns))])
    r = np.abs(r[np.isfinite(r)])
    if r.size:
        out.update({"MeanAbsCorrelationWithTarget": float(r.mean()),
                    "MaxAbsCorrelationWithTarget": float(r.max())})
    return out


def _correlation_with(x: np.ndarray, y: np.ndarray) -> float:
    """Pairwise-complete Pearson correlation of ``x`` (NaN = missing) with a complete ``y``,
    computed as :class:`PairwiseSums` does (both centred on their own means)."""
    sums = pairwise_sums([x, y])
    return float(sums.cov_corr()[1][0, 1])


def _compute(ctx: DatasetContext) -> dict[str, float]:
    out: dict[str, float] = {}
    moment_names = [n for n in DEFINITIONS if n.endswith("OfNumericAtts") and "Abs" not in n]
    guarded(out, moment_names, lambda: _moment_summaries(ctx))
    columns = _pairwise_columns(ctx)
    sums = lazy(lambda: pairwise_sums(columns))
    guarded(out, [n for n in DEFINITIONS if "AbsCo" in n and "Target" not in n]
            + ["ProportionOfHighlyCorrelatedPairs"], lambda: _correlations(sums()))
    guarded(out, [n for n in DEFINITIONS if n.startswith("PCA")], lambda: _pca(columns, sums()))
    guarded(out, ["NumberOfNumericAttsWithOutliers", "PercentageOfOutlierValues",
                  "MeanSparsityOfAtts", "PercentageOfZeroNumericValues"],
            lambda: _outliers_sparsity(ctx))
    guarded(out, ["TargetSkewness", "TargetKurtosis", "MeanAbsCorrelationWithTarget",
                  "MaxAbsCorrelationWithTarget"], lambda: _target(ctx))
    return out


GROUP = MetaFeatureGroup(name="statistical", compute=_compute, definitions=DEFINITIONS,
                         openml=OPENML_NAMES)
