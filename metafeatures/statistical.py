"""Statistical meta-features: moments of numeric attributes, correlations, PCA, outliers.

The ``*OfNumericAtts`` summaries follow OpenML's ``Statistical`` characterizer: per
numeric attribute (a numeric target included, as OpenML treats it as an attribute) the
mean, sample standard deviation, bias-corrected sample skewness and excess kurtosis over
its non-missing values in all rows; attributes whose statistic is undefined are left
out; then min / quartiles (Commons Math type-6 percentiles) / max / mean over attributes.
"""

from __future__ import annotations

import numpy as np

from metafeatures.context import DatasetContext
from metafeatures.registry import MetaFeatureGroup, guarded
from metafeatures.summaries import (SUMMARY_STATS, column_moments, quantiles_from_sorted,
                                    summary_values)

__all__ = ["GROUP"]

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
                            "its largest loading is positive).",
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
    X = ctx.numeric_all
    if not ctx.is_classification:  # OpenML: a numeric target is one more numeric attribute
        y = np.full(X.shape[0], np.nan)
        y[: ctx.n_rows] = ctx.y_numeric
        X = np.column_stack([X, y])
    out: dict[str, float] = {}
    if X.shape[1] == 0:
        return out
    moments = column_moments(X)
    # OpenML today leaves constant attributes out of the skewness/kurtosis summaries;
    # the 2018 engine counted them as 0
    varying = ~(moments["sd"] ** 2 < 1e-19)
    for cat, (key, _) in _MOMENTS.items():
        values = moments[key]
        if key in ("skewness", "kurtosis") and ctx.openml_engine != "2018":
            values = values[varying]
        out.update(summary_values(f"{{stat}}{cat}OfNumericAtts", values))
    return out


def _pairwise(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete covariance and correlation matrices (NaN = missing)."""
    present = ~np.isnan(X)
    Z = np.where(present, X - np.nanmean(X, axis=0), 0.0)
    M = present.astype(float)
    n = M.T @ M
    sx = Z.T @ M            # sum of x over rows where (x, y) both present
    sxx = (Z * Z).T @ M
    sxy = Z.T @ Z
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (sxy - sx * sx.T / n) / (n - 1)
        var_x = (sxx - sx * sx / n) / (n - 1)
        corr = cov / np.sqrt(var_x * var_x.T)
    return cov, np.clip(corr, -1.0, 1.0)


#: Pairwise statistics (correlations, covariances, PCA) use at most this many numeric
#: attributes: above it a seeded random subset, so wide data costs O(n * 500^2).
MAX_PAIRWISE_ATTRIBUTES = 500


def _pairwise_block(ctx: DatasetContext) -> np.ndarray:
    X = ctx.numeric
    if X.shape[1] <= MAX_PAIRWISE_ATTRIBUTES:
        return X
    keep = np.sort(np.random.default_rng(ctx.seed).choice(X.shape[1], MAX_PAIRWISE_ATTRIBUTES,
                                                          replace=False))
    return X[:, keep]


def _correlations(ctx: DatasetContext) -> dict[str, float]:
    X = _pairwise_block(ctx)
    p = X.shape[1]
    if p < 2:
        return {}
    cov, corr = _pairwise(X)
    iu = np.triu_indices(p, k=1)
    abs_corr, abs_cov = np.abs(corr[iu]), np.abs(cov[iu])
    out = summary_values("{stat}AbsCorrelationOfNumericAtts", abs_corr)
    out.update(summary_values("{stat}AbsCovarianceOfNumericAtts", abs_cov))
    finite = abs_corr[np.isfinite(abs_corr)]
    out["ProportionOfHighlyCorrelatedPairs"] = float(np.mean(finite >= 0.5)) if finite.size else np.nan
    return out


def _pca(ctx: DatasetContext) -> dict[str, float]:
    X = _pairwise_block(ctx)
    if X.shape[1] == 0:
        return {}
    mean, sd = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
    keep = np.isfinite(sd) & (sd > 0)
    if not keep.any():
        return {}
    Z = np.nan_to_num((X[:, keep] - mean[keep]) / sd[keep], nan=0.0)
    cov = Z.T @ Z / max(Z.shape[0] - 1, 1)
    eigval, eigvec = np.linalg.eigh(cov)
    order = np.argsort(eigval)[::-1]
    eigval, eigvec = np.clip(eigval[order], 0, None), eigvec[:, order]
    share = np.cumsum(eigval) / eigval.sum()
    k = int(np.searchsorted(share, 0.95 - 1e-12) + 1)
    first = eigvec[:, 0]
    first = first * (1.0 if first[np.argmax(np.abs(first))] >= 0 else -1.0)
    scores = column_moments((Z @ first)[:, None])
    return {"PCAComponentsFor95PercentVariance": float(k),
            "PCAFractionOfComponentsFor95PercentVariance": k / X.shape[1],
            "PCASkewnessOfFirstPC": float(scores["skewness"][0]),
            "PCAKurtosisOfFirstPC": float(scores["kurtosis"][0])}


def _outliers_sparsity(ctx: DatasetContext) -> dict[str, float]:
    X = ctx.numeric
    out: dict[str, float] = {}
    n = ctx.n_rows
    sparsity: list[float] = []
    if X.shape[1]:
        S, counts = ctx.numeric_sorted
        q1, q3 = quantiles_from_sorted(S, counts, np.array([0.25, 0.75]))
        iqr = q3 - q1
        with np.errstate(invalid="ignore"):
            outside = (X < q1 - 1.5 * iqr) | (X > q3 + 1.5 * iqr)
        n_cells = counts.sum()
        out["NumberOfNumericAttsWithOutliers"] = float(outside.any(axis=0).sum())
        out["PercentageOfOutlierValues"] = 100.0 * outside.sum() / n_cells if n_cells else np.nan
        out["PercentageOfZeroNumericValues"] = 100.0 * (X == 0).sum() / n_cells if n_cells else np.nan
        distinct = ctx.numeric_distinct
        with np.errstate(invalid="ignore", divide="ignore"):
            sparsity += list(np.where(distinct > 0, (n / distinct - 1) / (n - 1), np.nan))
    codes = ctx.categorical_codes
    for j in range(codes.shape[1]):
        col = codes[:, j]
        distinct = np.count_nonzero(np.bincount(col[col >= 0])) if (col >= 0).any() else 0
        sparsity.append((n / distinct - 1) / (n - 1) if distinct else np.nan)
    values = np.array(sparsity, dtype=float)
    if np.isfinite(values).any():
        out["MeanSparsityOfAtts"] = float(np.nanmean(values))
    return out


def _target(ctx: DatasetContext) -> dict[str, float]:
    if ctx.is_classification:
        return {}
    y = ctx.y_numeric
    m = column_moments(y[:, None])
    out = {"TargetSkewness": float(m["skewness"][0]), "TargetKurtosis": float(m["kurtosis"][0])}
    X = ctx.numeric
    if X.shape[1]:
        _, corr = _pairwise(np.column_stack([X, y]))
        r = np.abs(corr[-1, :-1])
        r = r[np.isfinite(r)]
        if r.size:
            out.update({"MeanAbsCorrelationWithTarget": float(r.mean()),
                        "MaxAbsCorrelationWithTarget": float(r.max())})
    return out


def _compute(ctx: DatasetContext) -> dict[str, float]:
    out: dict[str, float] = {}
    moment_names = [n for n in DEFINITIONS if n.endswith("OfNumericAtts") and "Abs" not in n]
    guarded(out, moment_names, lambda: _moment_summaries(ctx))
    guarded(out, [n for n in DEFINITIONS if "AbsCo" in n and "Target" not in n]
            + ["ProportionOfHighlyCorrelatedPairs"], lambda: _correlations(ctx))
    guarded(out, [n for n in DEFINITIONS if n.startswith("PCA")], lambda: _pca(ctx))
    guarded(out, ["NumberOfNumericAttsWithOutliers", "PercentageOfOutlierValues",
                  "MeanSparsityOfAtts", "PercentageOfZeroNumericValues"],
            lambda: _outliers_sparsity(ctx))
    guarded(out, ["TargetSkewness", "TargetKurtosis", "MeanAbsCorrelationWithTarget",
                  "MaxAbsCorrelationWithTarget"], lambda: _target(ctx))
    return out


GROUP = MetaFeatureGroup(name="statistical", compute=_compute, definitions=DEFINITIONS,
                         openml=OPENML_NAMES)
