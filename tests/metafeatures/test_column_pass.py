"""The column-at-a-time computations that let the cheap groups scale, against references.

Each fast path (one sort per attribute, binned tables by binary search, pairwise sums in
row blocks, moments column by column) is checked against the direct computation it
replaces: per-value binning (``discretise``), ``np.unique``/``np.quantile``, pandas'
pairwise-complete ``cov``/``corr``, scipy's bias-corrected skewness and kurtosis.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from metafeatures import extract
from metafeatures.column_pass import numeric_profile
from metafeatures.context import DatasetContext
from metafeatures.info_theory import discretise
from metafeatures.statistical import BLOCK_ROWS, pairwise_sums
from metafeatures.summaries import column_moments
from metaknow.dataset import load_dataset


def _columns(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    cols = [rng.normal(size=n), np.round(rng.normal(size=n) * 2),  # ties
            np.exp(rng.normal(size=n)), np.zeros(n), rng.integers(0, 3, n).astype(float),
            np.full(n, np.nan)]
    for c in cols[:3]:
        c[rng.random(n) < 0.1] = np.nan
    return cols


@pytest.mark.parametrize("n_classes", [2, 5])
def test_profile_matches_direct_computation(n_classes: int) -> None:
    n = 2_001
    cols = _columns(n, seed=n_classes)
    y = np.random.default_rng(7).integers(0, n_classes, n)
    prof = numeric_profile(cols, y, n_classes)
    for j, x in enumerate(cols):
        present = x[~np.isnan(x)]
        assert prof.count[j] == present.size
        assert prof.distinct[j] == np.unique(present).size
        if not present.size:
            assert prof.tables[j].sum() == 0
            continue
        q1, q3 = np.quantile(present, [0.25, 0.75])
        assert (prof.q1[j], prof.q3[j]) == (pytest.approx(q1), pytest.approx(q3))
        iqr = q3 - q1
        assert prof.n_outside[j] == np.sum((present < q1 - 1.5 * iqr) | (present > q3 + 1.5 * iqr))
        assert prof.n_zero[j] == np.sum(present == 0)
        # the binned table equals binning every value and counting (bin, class) pairs
        bins = discretise(x)
        ok = bins >= 0
        expected = np.zeros((bins.max() + 1, n_classes), dtype=np.int64)
        np.add.at(expected, (bins[ok], y[ok]), 1)
        table = prof.tables[j]
        assert table.shape[0] >= expected.shape[0]
        np.testing.assert_array_equal(table[: expected.shape[0]], expected)
        assert table[expected.shape[0]:].sum() == 0


def test_pairwise_sums_equal_pandas_pairwise_complete_statistics() -> None:
    n = 2 * BLOCK_ROWS + 123  # several row blocks, the last one short
    cols = _columns(n, seed=3)[:5]
    cov, corr = pairwise_sums(cols).cov_corr()
    frame = pd.DataFrame(np.column_stack(cols))
    np.testing.assert_allclose(cov, frame.cov().to_numpy(), rtol=1e-9, atol=1e-12)
    varying = [0, 1, 2, 4]  # pandas: NaN for the constant column, so do we
    np.testing.assert_allclose(corr[np.ix_(varying, varying)],
                               frame.corr().to_numpy()[np.ix_(varying, varying)], rtol=1e-9)
    assert np.isnan(corr[3, 0])


def test_moments_column_by_column_equal_scipy() -> None:
    cols = _columns(500, seed=4)
    m = column_moments(cols)
    for j, x in enumerate(cols[:3]):
        present = x[~np.isnan(x)]
        assert m["n"][j] == present.size
        assert m["mean"][j] == pytest.approx(present.mean())
        assert m["sd"][j] == pytest.approx(present.std(ddof=1))
        assert m["skewness"][j] == pytest.approx(stats.skew(present, bias=False))
        assert m["kurtosis"][j] == pytest.approx(stats.kurtosis(present, bias=False))
    assert (m["skewness"][3], m["kurtosis"][3]) == (0.0, 0.0)  # constant
    assert np.isnan(m["mean"][5]) and m["n"][5] == 0  # all missing
    as_matrix = column_moments(np.column_stack(cols))
    for key in m:
        np.testing.assert_array_equal(m[key], as_matrix[key])


def test_the_context_reads_the_callers_arrays_without_copying() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
    y = pd.Series(rng.choice(["p", "q"], size=100))
    ds = load_dataset((X, y), task="classification")
    ctx = DatasetContext(ds)
    assert np.shares_memory(ctx.numeric_column(0), X["a"].to_numpy())
    before = ctx.numeric_column(1).copy()
    X.loc[0, "b"] = 99.0  # the caller edits its frame afterwards: the dataset keeps its values
    np.testing.assert_array_equal(ctx.numeric_column(1), before)
    assert ds.X.loc[0, "b"] == before[0]


def test_extraction_with_unlabelled_rows_counts_them_column_by_column() -> None:
    X = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0, 5.0, 9.0],
                      "c": pd.Categorical(["u", None, "v", "u", "w", "w"])})
    y = pd.Series(["p", "q", "p", None, "q", None])
    mf = extract((X, y), groups="general,statistical")
    assert mf["NumberOfInstances"] == 6
    assert mf["NumberOfMissingValues"] == 2 + 2  # a, c and the two missing targets
    assert mf["NumberOfInstancesWithMissingValues"] == 4
    assert mf["MaxCardinalityOfNumericAttributes"] == 5  # 1, 2, 4, 5, 9 over all rows
    assert mf["MeanMeansOfNumericAtts"] == pytest.approx(21 / 5)  # all rows, as OpenML
