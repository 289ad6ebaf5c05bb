"""Property-based tests: random tables (mixed types, missing values) never crash the extractor.

Either the data is unusable and the loader says so with a one-line DataError, or every
declared meta-feature comes back as a float (finite or NaN, never inf), deterministically.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metafeatures import all_groups, extract
from metaknow.exceptions import DataError

CHEAP = "general,statistical,info-theory"


@st.composite
def tables(draw, max_rows: int = 40) -> tuple[pd.DataFrame, str]:
    n = draw(st.integers(1, max_rows))
    n_num = draw(st.integers(0, 4))
    n_cat = draw(st.integers(0, 3))
    missing = draw(st.floats(0, 0.6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cols: dict[str, object] = {}
    for j in range(n_num):
        kind = draw(st.sampled_from(["normal", "constant", "integers", "huge", "allnan"]))
        x = {"normal": rng.normal(size=n), "constant": np.full(n, 3.0),
             "integers": rng.integers(0, 3, size=n).astype(float),
             "huge": rng.normal(size=n) * 1e150, "allnan": np.full(n, np.nan)}[kind]
        x[rng.random(n) < missing] = np.nan
        cols[f"n{j}"] = x
    for j in range(n_cat):
        k = draw(st.integers(1, 5))
        v = rng.choice([f"v{i}" for i in range(k)], size=n).astype(object)
        v[rng.random(n) < missing] = None
        cols[f"c{j}"] = pd.Categorical(v)
    task = draw(st.sampled_from(["classification", "regression"]))
    if task == "classification":
        y = rng.choice(["a", "b", "c"][: draw(st.integers(1, 3))], size=n).astype(object)
    else:
        y = rng.normal(size=n)
    y = pd.Series(y)
    if draw(st.booleans()):
        y[rng.random(n) < missing / 2] = None
    cols["target"] = y
    return pd.DataFrame(cols), task


def _check(frame: pd.DataFrame, task: str, groups: str | None, max_rows: int = 10_000) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mf = extract(frame, target="target", task=task, groups=groups, max_rows=max_rows)
    except DataError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    names = [n for g in all_groups() if groups is None or g.name in groups.split(",")
             for n in g.definitions]
    assert list(mf.index) == names
    assert mf.dtype == float
    assert not np.isinf(mf.to_numpy()).any(), mf[np.isinf(mf)]
    assert mf["NumberOfInstances"] == len(frame)
    if task == "regression":
        assert math.isnan(mf["ClassEntropy"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_cheap_groups_never_crash(table) -> None:
    frame, task = table
    _check(frame, task, CHEAP)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(max_rows=30))
def test_all_groups_never_crash(table) -> None:
    frame, task = table
    _check(frame, task, None, max_rows=20)
