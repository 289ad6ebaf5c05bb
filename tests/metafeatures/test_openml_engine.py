"""Today's OpenML definitions (default, version 2.0) and the 2018 engine's (version 1.0)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metafeatures import EXTRACTOR_VERSION, MetaFeatureExtractor, extract
from metaknow.exceptions import DataError

CORPUS = Path("/work/shared/data/corpus")


def _toy() -> tuple[pd.DataFrame, pd.Series]:
    # a: declared {p, q, r}, occurring {p, q}; b: constant numeric; c: 1, 2, 3, 10
    X = pd.DataFrame({"a": pd.Categorical(["p", "q", "p", "p"], categories=["p", "q", "r"]),
                      "b": [5.0, 5.0, 5.0, 5.0], "c": [1.0, 2.0, 3.0, 10.0]})
    y = pd.Series(pd.Categorical(["x", "x", "x", "y"]), name="cls")
    return X, y


def test_today_is_default_and_version_two() -> None:
    X, y = _toy()
    mf = extract((X, y), groups="general,statistical")
    assert EXTRACTOR_VERSION == "2.0" and mf.attrs["extractor_version"] == "2.0"
    assert mf["MinorityClassPercentage"] == pytest.approx(25.0)
    # occurring values: a has 2, the target 2
    assert mf["MaxNominalAttDistinctValues"] == 2.0
    assert mf["MeanNominalAttDistinctValues"] == 2.0
    # the constant attribute b is left out: kurtosis of c alone (Excel KURT of 1,2,3,10)
    c = np.array([1.0, 2.0, 3.0, 10.0])
    n, d = 4, c - c.mean()
    kurt = (n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * ((d / c.std(ddof=1)) ** 4).sum()
            - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    assert mf["MeanKurtosisOfNumericAtts"] == pytest.approx(kurt)
    assert mf["MinKurtosisOfNumericAtts"] == pytest.approx(kurt)


def test_2018_engine_keeps_old_conventions() -> None:
    X, y = _toy()
    mfe = MetaFeatureExtractor(groups="general,statistical", openml_engine="2018").fit(X, y)
    mf = mfe.metafeatures_
    assert mf.attrs["extractor_version"] == "1.0"
    assert mf["MinorityClassPercentage"] == pytest.approx(0.25)
    assert mf["MaxNominalAttDistinctValues"] == 3.0  # declared, target excluded
    assert mf["MinKurtosisOfNumericAtts"] == 0.0  # constant b counted as 0
    assert mfe.get_params()["openml_engine"] == "2018"


def test_unknown_engine_is_a_clear_error() -> None:
    X, y = _toy()
    with pytest.raises(DataError, match="unknown OpenML engine"):
        extract((X, y), openml_engine="2010")


# OpenML's current qualities (openml.org dataset qualities; figures in issue 19)
@pytest.mark.parametrize("name,quality,value,rel", [
    ("letter", "MinorityClassPercentage", 3.67, 1e-9),
    ("letter", "MaxNominalAttDistinctValues", 26.0, 0),
    ("optdigits", "MaxNominalAttDistinctValues", 10.0, 0),
    ("optdigits", "MeanKurtosisOfNumericAtts", 168.55, 1e-4),
    ("optdigits", "Quartile2KurtosisOfNumericAtts", 0.077, 0.01),
    ("mushroom", "MinNominalAttDistinctValues", 1.0, 0),
])
def test_known_openml_values_today(name: str, quality: str, value: float, rel: float) -> None:
    path = CORPUS / f"{name}.arff.gz"
    if not path.exists():
        pytest.skip(f"{path} not available")
    mf = extract(path, groups="general,statistical")
    assert mf[quality] == pytest.approx(value, rel=rel)
