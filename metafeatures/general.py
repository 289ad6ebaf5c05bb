"""General meta-features: counts, missing values, class distribution, dimensionality.

The OpenML-named ones follow OpenML's evaluation engine (``SimpleMetaFeatures``,
``Cardinality``, ``NominalAttDistinctValues``): the target counts as a feature, the
instance and missing-value counts cover every row (also those whose target is
missing), and class sizes are counted over the rows with a known class.
"""

from __future__ import annotations

import numpy as np

from metafeatures.context import DatasetContext
from metafeatures.registry import MetaFeatureGroup, guarded
from metafeatures.summaries import column_moments

__all__ = ["GROUP"]

_COUNTS = {
    "NumberOfInstances": "Number of instances (rows), including rows whose target is missing.",
    "NumberOfFeatures": "Number of attributes including the target (OpenML counts the target).",
    "NumberOfClasses": "Number of distinct known target classes (0 for regression).",
    "Dimensionality": "NumberOfFeatures / NumberOfInstances.",
    "NumberOfNumericFeatures": "Numeric attributes, the target included when it is numeric.",
    "NumberOfSymbolicFeatures": "Nominal attributes, the target included when it is nominal.",
    "NumberOfBinaryFeatures": "Nominal attributes (target included) with exactly two declared values.",
    "PercentageOfNumericFeatures": "100 * NumberOfNumericFeatures / NumberOfFeatures.",
    "PercentageOfSymbolicFeatures": "100 * NumberOfSymbolicFeatures / NumberOfFeatures.",
    "PercentageOfBinaryFeatures": "100 * NumberOfBinaryFeatures / NumberOfFeatures.",
    "NumberOfMissingValues": "Missing cells over all attributes and the target.",
    "NumberOfInstancesWithMissingValues": "Rows with at least one missing cell (target included).",
    "PercentageOfMissingValues": "100 * NumberOfMissingValues / (NumberOfFeatures * NumberOfInstances).",
    "PercentageOfInstancesWithMissingValues": "100 * NumberOfInstancesWithMissingValues / NumberOfInstances.",
    "MajorityClassSize": "Instances of the most frequent class.",
    "MinorityClassSize": "Instances of the least frequent class that occurs.",
    "MajorityClassPercentage": "100 * MajorityClassSize / (rows with a known class).",
    "MinorityClassPercentage": "100 * MinorityClassSize / (rows with a known class), as OpenML today "
                               "(openml_engine='2018': the fraction the 2018 export published).",
    "DefaultAccuracy": "Accuracy of always predicting the majority class: MajorityClassSize / (rows with a known class).",
    "AutoCorrelation": "(n - 1 - changes) / (n - 1) over the target in row order; changes = number of "
                       "consecutive class changes (classification) or sum of absolute differences "
                       "(regression); NaN when the target has missing values.",
}
_CARDINALITY = {
    "MeanCardinalityOfNumericAttributes": "Mean number of distinct non-missing values of the numeric attributes (target included when numeric).",
    "StdevCardinalityOfNumericAttributes": "Sample standard deviation of the numeric attributes' distinct value counts.",
    "MinCardinalityOfNumericAttributes": "Fewest distinct values of a numeric attribute.",
    "MaxCardinalityOfNumericAttributes": "Most distinct values of a numeric attribute.",
    "MeanCardinalityOfNominalAttributes": "Mean number of distinct non-missing values of the non-numeric attributes (target included when nominal).",
    "StdevCardinalityOfNominalAttributes": "Sample standard deviation of the non-numeric attributes' distinct value counts.",
    "MinCardinalityOfNominalAttributes": "Fewest distinct values of a non-numeric attribute.",
    "MaxCardinalityOfNominalAttributes": "Most distinct values of a non-numeric attribute.",
    "CardinalityAtTwo": "Product of the two largest distinct-value counts over all attributes (target included; later factors at least 1).",
    "CardinalityAtThree": "Product of the three largest distinct-value counts (as CardinalityAtTwo).",
    "CardinalityAtFour": "Product of the four largest distinct-value counts (as CardinalityAtTwo).",
    "MaxNominalAttDistinctValues": "Most occurring values of a nominal attribute, nominal target included (2018 engine: declared values, target excluded).",
    "MinNominalAttDistinctValues": "Fewest occurring values of a nominal attribute, nominal target included (2018: declared, target excluded).",
    "MeanNominalAttDistinctValues": "Mean number of occurring values of the nominal attributes, nominal target included (2018: declared, target excluded).",
    "StdvNominalAttDistinctValues": "Sample standard deviation of the nominal attributes' value counts (as the Mean).",
}
_EXTRA = {
    "NumberOfFeaturesWithMissingValues": "Attributes (target excluded) with at least one missing cell.",
    "PercentageOfFeaturesWithMissingValues": "100 * NumberOfFeaturesWithMissingValues / (attributes excluding the target).",
    "LogNumberOfInstances": "Natural log of NumberOfInstances.",
    "LogNumberOfFeatures": "Natural log of the number of attributes excluding the target.",
    "DatasetRatio": "Attributes (target excluded) / labelled instances.",
    "LogDatasetRatio": "Natural log of DatasetRatio.",
    "InverseDatasetRatio": "Labelled instances / attributes (target excluded).",
    "LogInverseDatasetRatio": "Natural log of InverseDatasetRatio.",
    "ClassProbabilityMean": "Mean relative class frequency (1 / NumberOfClasses).",
    "ClassProbabilityStdDev": "Sample standard deviation of the relative class frequencies.",
    "ClassImbalanceRatio": "MajorityClassSize / MinorityClassSize.",
}
DEFINITIONS = {**_COUNTS, **_CARDINALITY, **_EXTRA}
OPENML = frozenset(_COUNTS) | frozenset(_CARDINALITY)


def _distinct_codes(codes: np.ndarray) -> int:
    """Distinct non-missing categories of one code column (-1 = missing)."""
    return int(np.count_nonzero(np.bincount(codes.astype(np.intp) + 1)[1:]))


def _missing(ctx: DatasetContext) -> tuple[np.ndarray, np.ndarray]:
    """Missing cells per attribute and whether each row (all rows) has one, column by column."""
    p, q = len(ctx.numeric_columns), len(ctx.categorical_columns)
    per_column = np.zeros(p + q, dtype=np.int64)
    row_any = np.zeros(ctx.n_rows_all, dtype=bool)
    for j in range(p + q):
        mask = (np.isnan(ctx.numeric_column_all(j)) if j < p
                else ctx.categorical_column_all(j - p) < 0)
        per_column[j] = np.count_nonzero(mask)
        if per_column[j]:
            row_any |= mask
    return per_column, row_any


def _counts(ctx: DatasetContext) -> dict[str, float]:
    ds = ctx.dataset
    n = float(ctx.n_rows_all)
    p, q = len(ctx.numeric_columns), len(ctx.categorical_columns)
    n_features = float(p + q + 1)
    target_numeric = not ctx.is_classification
    n_num = p + (1 if target_numeric else 0)
    n_sym = q + (0 if target_numeric else 1)
    n_bin = int(np.sum(ctx.n_categories == 2)) + (1 if not target_numeric and ctx.n_classes == 2
                                                  and len(ds.y.cat.categories) == 2 else 0)
    per_column, row_any = _missing(ctx)
    row_any[ds.n_rows:] = True  # the target is missing in the unlabelled rows
    n_missing = float(per_column.sum() + ds.n_unlabelled)
    rows_missing = float(np.count_nonzero(row_any))
    out = {
        "NumberOfInstances": n, "NumberOfFeatures": n_features,
        "NumberOfClasses": float(ctx.n_classes),
        "Dimensionality": n_features / n,
        "NumberOfNumericFeatures": float(n_num), "NumberOfSymbolicFeatures": float(n_sym),
        "NumberOfBinaryFeatures": float(n_bin),
        "PercentageOfNumericFeatures": 100.0 * n_num / n_features,
        "PercentageOfSymbolicFeatures": 100.0 * n_sym / n_features,
        "PercentageOfBinaryFeatures": 100.0 * n_bin / n_features,
        "NumberOfMissingValues": n_missing,
        "NumberOfInstancesWithMissingValues": rows_missing,
        "PercentageOfMissingValues": 100.0 * n_missing / (n_features * n),
        "PercentageOfInstancesWithMissingValues": 100.0 * rows_missing / n,
    }
    n_attrs = p + q
    feats_missing = float(np.count_nonzero(per_column))
    n_lab = float(ds.n_rows)
    out.update({
        "NumberOfFeaturesWithMissingValues": feats_missing,
        "PercentageOfFeaturesWithMissingValues": 100.0 * feats_missing / n_attrs if n_attrs else np.nan,
        "LogNumberOfInstances": float(np.log(n)),
        "LogNumberOfFeatures": float(np.log(n_attrs)) if n_attrs else np.nan,
        "DatasetRatio": n_attrs / n_lab,
        "LogDatasetRatio": float(np.log(n_attrs / n_lab)) if n_attrs else np.nan,
        "InverseDatasetRatio": n_lab / n_attrs if n_attrs else np.nan,
        "LogInverseDatasetRatio": float(np.log(n_lab / n_attrs)) if n_attrs else np.nan,
    })
    return out


def _class_distribution(ctx: DatasetContext) -> dict[str, float]:
    if not ctx.is_classification:
        return {}
    counts = ctx.class_counts[ctx.class_counts > 0].astype(float)
    n_lab = float(counts.sum())
    probs = counts / n_lab
    return {
        "MajorityClassSize": counts.max(), "MinorityClassSize": counts.min(),
        "MajorityClassPercentage": 100.0 * counts.max() / n_lab,
        # the 2018 engine published a fraction; OpenML today a percentage
        "MinorityClassPercentage": counts.min() / n_lab * (1.0 if ctx.openml_engine == "2018" else 100.0),
        "DefaultAccuracy": counts.max() / n_lab,
        "ClassProbabilityMean": float(probs.mean()),
        "ClassProbabilityStdDev": float(probs.std(ddof=1)) if probs.size > 1 else 0.0,
        "ClassImbalanceRatio": counts.max() / counts.min(),
    }


def _autocorrelation(ctx: DatasetContext) -> dict[str, float]:
    if ctx.dataset.n_unlabelled:
        return {}  # OpenML: undefined when a target value is missing
    n = ctx.n_rows
    if ctx.is_classification:
        y = ctx.y_codes
        changes = float(np.count_nonzero(y[1:] != y[:-1]))
    else:
        changes = float(np.abs(np.diff(ctx.y_numeric)).sum())
    return {"AutoCorrelation": (n - 1 - changes) / (n - 1) if n > 1 else 1.0}


def _cardinality(ctx: DatasetContext) -> dict[str, float]:
    ds = ctx.dataset
    num = ctx.numeric_distinct_all.copy()
    nom = np.array([_distinct_codes(ctx.categorical_column_all(j))
                    for j in range(len(ctx.categorical_columns))], dtype=float)
    y_distinct = float(ds.y.nunique())
    if ctx.is_classification:
        nom = np.append(nom, y_distinct)
    else:
        num = np.append(num, y_distinct)
    out: dict[str, float] = {}
    for label, values in (("Numeric", num), ("Nominal", nom)):
        stats = column_moments(values[:, None]) if values.size else None
        out[f"MeanCardinalityOf{label}Attributes"] = float(values.mean()) if values.size else np.nan
        out[f"StdevCardinalityOf{label}Attributes"] = float(stats["sd"][0]) if values.size else np.nan
        out[f"MinCardinalityOf{label}Attributes"] = float(values.min()) if values.size else np.nan
        out[f"MaxCardinalityOf{label}Attributes"] = float(values.max()) if values.size else np.nan
    every = np.sort(np.concatenate([num, nom]))[::-1]
    for k, name in ((2, "Two"), (3, "Three"), (4, "Four")):
        if every.size >= k:
            out[f"CardinalityAt{name}"] = float(every[0] * np.prod(np.maximum(every[1:k], 1)))
    if ctx.openml_engine == "2018":  # the 2018 export: declared values, target excluded
        nom = ctx.n_categories.astype(float)
    # OpenML today: occurring values, nominal target included (``nom`` from above)
    out.update({"MaxNominalAttDistinctValues": float(nom.max()), "MinNominalAttDistinctValues": float(nom.min()),
                "MeanNominalAttDistinctValues": float(nom.mean()),
                "StdvNominalAttDistinctValues": float(nom.std(ddof=1)) if nom.size > 1 else 0.0}
               if nom.size else {})
    return out


def _compute(ctx: DatasetContext) -> dict[str, float]:
    out: dict[str, float] = {}
    class_names = ["MajorityClassSize", "MinorityClassSize", "MajorityClassPercentage",
                   "MinorityClassPercentage", "DefaultAccuracy", "ClassProbabilityMean",
                   "ClassProbabilityStdDev", "ClassImbalanceRatio"]
    guarded(out, [k for k in DEFINITIONS if k not in _CARDINALITY and k not in class_names
                  and k != "AutoCorrelation"], lambda: _counts(ctx))
    guarded(out, class_names, lambda: _class_distribution(ctx))
    guarded(out, ["AutoCorrelation"], lambda: _autocorrelation(ctx))
    guarded(out, list(_CARDINALITY), lambda: _cardinality(ctx))
    return out


GROUP = MetaFeatureGroup(name="general", compute=_compute, definitions=DEFINITIONS, openml=OPENML)
