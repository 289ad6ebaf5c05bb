"""Meta-feature values computed by hand on tiny tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from metafeatures import extract
from metafeatures.info_theory import discretise
from metafeatures.summaries import column_moments, percentile, summarise


def h(*counts: float) -> float:
    """Entropy in bits of hand-counted frequencies."""
    n = sum(counts)
    return -sum(c / n * math.log2(c / n) for c in counts if c)


@pytest.fixture(scope="module")
def tiny() -> pd.Series:
    frame = pd.DataFrame({
        "x1": [1.0, 2.0, 3.0, 4.0, np.nan, 6.0],
        "x2": pd.Categorical(["a", "a", "b", "b", "c", None], categories=["a", "b", "c"]),
        "x3": pd.Categorical(["yes", "no", "yes", "no", "yes", "no"], categories=["yes", "no"]),
        "y": pd.Categorical(["p", "p", "p", "n", "n", "n"], categories=["p", "n"]),
    })
    return extract(frame, target="y", groups="general,statistical,info-theory")


def test_counts(tiny: pd.Series) -> None:
    assert tiny["NumberOfInstances"] == 6
    assert tiny["NumberOfFeatures"] == 4  # the target counts, as in OpenML
    assert tiny["NumberOfClasses"] == 2
    assert tiny["Dimensionality"] == pytest.approx(4 / 6)
    assert tiny["NumberOfNumericFeatures"] == 1
    assert tiny["NumberOfSymbolicFeatures"] == 3  # x2, x3 and the target
    assert tiny["NumberOfBinaryFeatures"] == 2    # x3 and the target
    assert tiny["PercentageOfSymbolicFeatures"] == pytest.approx(75.0)
    assert tiny["NumberOfMissingValues"] == 2
    assert tiny["NumberOfInstancesWithMissingValues"] == 2
    assert tiny["PercentageOfMissingValues"] == pytest.approx(100 * 2 / 24)
    assert tiny["PercentageOfInstancesWithMissingValues"] == pytest.approx(100 * 2 / 6)
    assert tiny["NumberOfFeaturesWithMissingValues"] == 2
    assert tiny["InverseDatasetRatio"] == pytest.approx(6 / 3)


def test_class_distribution(tiny: pd.Series) -> None:
    assert tiny["MajorityClassSize"] == 3 and tiny["MinorityClassSize"] == 3
    assert tiny["MajorityClassPercentage"] == pytest.approx(50.0)
    assert tiny["MinorityClassPercentage"] == pytest.approx(50.0)  # a percentage, as OpenML today
    assert tiny["DefaultAccuracy"] == pytest.approx(0.5)
    # p p p n n n: one change over five transitions
    assert tiny["AutoCorrelation"] == pytest.approx((6 - 1 - 1) / 5)


def test_cardinality_and_distinct_values(tiny: pd.Series) -> None:
    # distinct non-missing values: x1 -> 5; x2 -> 3, x3 -> 2, y -> 2
    assert tiny["MeanCardinalityOfNumericAttributes"] == 5
    assert tiny["StdevCardinalityOfNumericAttributes"] == 0
    assert tiny["MeanCardinalityOfNominalAttributes"] == pytest.approx(7 / 3)
    assert tiny["StdevCardinalityOfNominalAttributes"] == pytest.approx(math.sqrt(1 / 3))
    assert tiny["CardinalityAtTwo"] == 5 * 3
    assert tiny["CardinalityAtThree"] == 5 * 3 * 2
    assert tiny["CardinalityAtFour"] == 5 * 3 * 2 * 2
    # occurring values, nominal target included (OpenML today): x2 -> 3, x3 -> 2, y -> 2
    assert tiny["MaxNominalAttDistinctValues"] == 3
    assert tiny["MinNominalAttDistinctValues"] == 2
    assert tiny["MeanNominalAttDistinctValues"] == pytest.approx(7 / 3)
    assert tiny["StdvNominalAttDistinctValues"] == pytest.approx(math.sqrt(1 / 3))


def test_numeric_moments(tiny: pd.Series) -> None:
    # x1 = 1 2 3 4 6: mean 3.2, deviations -2.2 -1.2 -0.2 0.8 2.8
    ss, s3, s4 = 14.8, 10.08, 87.376
    var = ss / 4
    assert tiny["MeanMeansOfNumericAtts"] == pytest.approx(3.2)
    assert tiny["MeanStdDevOfNumericAtts"] == pytest.approx(math.sqrt(var))
    assert tiny["MeanSkewnessOfNumericAtts"] == pytest.approx(5 / (4 * 3) * s3 / var ** 1.5)
    kurt = 5 * 6 / (4 * 3 * 2) * s4 / var ** 2 - 3 * 4 ** 2 / (3 * 2)
    assert tiny["Quartile2KurtosisOfNumericAtts"] == pytest.approx(kurt)


def test_openml_entropies(tiny: pd.Series) -> None:
    # OpenML counts a missing nominal value as the first declared value: x2 = a a b b c a
    h_x2, h_x3, h_y = h(3, 2, 1), h(3, 3), h(3, 3)
    mi_x2 = h_y + h_x2 - h(2, 1, 1, 1, 1)  # joint (a,p)2 (b,p)1 (b,n)1 (c,n)1 (a,n)1
    mi_x3 = h_y + h_x3 - h(2, 1, 1, 2)     # joint (yes,p)2 (no,p)1 (yes,n)1 (no,n)2
    assert tiny["ClassEntropy"] == pytest.approx(1.0)
    assert tiny["MeanAttributeEntropy"] == pytest.approx((h_x2 + h_x3) / 2)
    assert tiny["MaxAttributeEntropy"] == pytest.approx(h_x2)
    assert tiny["MeanMutualInformation"] == pytest.approx((mi_x2 + mi_x3) / 2, abs=1e-13)
    assert tiny["EquivalentNumberOfAtts"] == pytest.approx(h_y / ((mi_x2 + mi_x3) / 2))
    mean_mi = (mi_x2 + mi_x3) / 2
    assert tiny["MeanNoiseToSignalRatio"] == pytest.approx(((h_x2 + h_x3) / 2 - mean_mi) / mean_mi)


def test_regression_target() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 2.0, 4.0, 8.5]})
    mf = extract(frame, target="y", groups="general,statistical,info-theory")
    assert mf["NumberOfClasses"] == 0
    assert mf["NumberOfNumericFeatures"] == 2  # OpenML counts a numeric target
    assert math.isnan(mf["ClassEntropy"]) and math.isnan(mf["MajorityClassSize"])
    # |1-2| + |2-4| + |4-8.5| = 7.5 over three transitions
    assert mf["AutoCorrelation"] == pytest.approx((3 - 7.5) / 3)
    assert mf["MeanMeansOfNumericAtts"] == pytest.approx((2.5 + 15.5 / 4) / 2)
    d = np.array([1.0, 2.0, 4.0, 8.5]) - 15.5 / 4
    var = (d ** 2).sum() / 3
    assert mf["TargetSkewness"] == pytest.approx(4 / (3 * 2) * (d ** 3).sum() / var ** 1.5)
    r = np.corrcoef([1, 2, 3, 4], [1, 2, 4, 8.5])[0, 1]
    assert mf["MaxAbsCorrelationWithTarget"] == pytest.approx(abs(r))


def test_commons_math_percentiles() -> None:
    # type 6: position p(n+1); n=5, p=25% -> 1.5 -> between the 1st and 2nd value
    x = np.array([10.0, 20.0, 30.0, 40.0, 50.0])
    assert percentile(x, 25) == pytest.approx(15.0)
    assert percentile(x, 50) == pytest.approx(30.0)
    assert percentile(x, 75) == pytest.approx(45.0)
    assert percentile(np.array([1.0, 2.0]), 25) == 1.0  # position 0.75 < 1: clamped
    assert math.isnan(percentile(np.array([]), 50))
    s = summarise(np.array([3.0, np.nan, 1.0]))
    assert (s["min"], s["max"], s["mean"], s["sd"]) == (1.0, 3.0, 2.0, pytest.approx(math.sqrt(2)))


def test_moments_edge_cases() -> None:
    m = column_moments(np.array([[1.0, 5.0, np.nan], [2.0, 5.0, np.nan], [3.0, 5.0, np.nan],
                                 [np.nan, 5.0, 1.0]]))
    assert m["skewness"][0] == pytest.approx(0.0)
    assert m["skewness"][1] == 0.0 and m["kurtosis"][1] == 0.0  # constant
    assert math.isnan(m["kurtosis"][0])  # fewer than 4 values
    assert m["sd"][2] == 0.0 and math.isnan(m["skewness"][2])  # a single value


def test_equal_frequency_discretisation() -> None:
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, np.nan])
    # n=8 -> k = max(2, floor(8^(1/3))) = 2 bins, cut at the median 4.5
    assert discretise(x).tolist() == [0, 0, 0, 0, 1, 1, 1, 1, -1]
    assert discretise(np.array([2.0, 2.0, 2.0])).tolist() == [0, 0, 0]
