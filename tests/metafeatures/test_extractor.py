"""The extractor API, the group registry contract, failure handling and determinism."""

from __future__ import annotations

import math
import sys
import types
import warnings

import numpy as np
import pandas as pd
import pytest

import metafeatures
from metafeatures import (MetaFeatureExtractor, MetaFeatureGroup, MetaFeatureWarning, all_groups,
                          extract, group_names)
from metafeatures.registry import _MODULES, guarded
from metaknow.exceptions import DataError

CHEAP = "general,statistical,info-theory"


def mixed_table(n: int = 120, seed: int = 0, regression: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "a": rng.normal(size=n), "b": rng.exponential(size=n),
        "c": pd.Categorical(rng.choice(["u", "v", "w"], size=n)),
        "d": pd.Categorical(rng.choice(["s", "t"], size=n)),
    })
    frame.loc[::7, "a"] = np.nan
    frame.loc[::11, "c"] = None
    if regression:
        frame["y"] = frame["b"] * 2 + rng.normal(size=n)
    else:
        frame["y"] = pd.Categorical(np.where(frame["b"] > 0.7, "hi", "lo"))
    return frame


def test_group_names_in_registry_order() -> None:
    names = group_names()
    assert names[:3] == ["general", "statistical", "info-theory"]
    assert names == [n for n in _MODULES if n in names]
    # every registered module is written by now: none is skipped silently
    assert names == list(_MODULES)


@pytest.mark.parametrize("group", all_groups(), ids=lambda g: g.name)
def test_group_contract(group: MetaFeatureGroup) -> None:
    assert isinstance(group, MetaFeatureGroup) and group.definitions
    assert all(isinstance(d, str) and d.strip() for d in group.definitions.values())
    assert set(group.openml) <= set(group.definitions)
    for regression in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("error", MetaFeatureWarning)  # no undeclared names, no failure
            mf = extract(mixed_table(regression=regression), target="y", groups=group.name)
        assert list(mf.index) == list(group.definitions)
        assert mf.dtype == float


def test_names_are_unique_across_groups() -> None:
    names = [n for g in all_groups() for n in g.definitions]
    assert len(names) == len(set(names))


def test_extract_returns_series_with_attrs() -> None:
    mf = extract(mixed_table(), target="y", groups=CHEAP)
    assert isinstance(mf, pd.Series) and mf.dtype == float
    assert set(mf.attrs["timings"]) == {"general", "statistical", "info-theory"}
    assert all(t >= 0 for t in mf.attrs["timings"].values())
    assert mf.attrs["subsampled"] is False and mf.attrs["n_rows_used"] == 120
    assert mf.attrs["extractor_version"] == metafeatures.EXTRACTOR_VERSION


def test_groups_as_list_or_string_and_errors() -> None:
    a = extract(mixed_table(), target="y", groups=["general", "info-theory"])
    b = extract(mixed_table(), target="y", groups="general, info-theory")
    pd.testing.assert_series_equal(a, b)
    with pytest.raises(DataError, match="unknown meta-feature group 'nope'"):
        extract(mixed_table(), target="y", groups="general,nope")
    with pytest.raises(DataError, match="no meta-feature group"):
        extract(mixed_table(), target="y", groups=" , ")
    with pytest.raises(DataError, match="max_rows"):
        extract(mixed_table(), target="y", max_rows=1)


def test_seeded_and_deterministic() -> None:
    data = mixed_table(n=300)
    a = extract(data, target="y", seed=3, max_rows=100)
    b = extract(data, target="y", seed=3, max_rows=100)
    pd.testing.assert_series_equal(a, b)


def test_expensive_groups_run_on_a_subsample_above_the_cap() -> None:
    data = mixed_table(n=400)
    expensive = [g.name for g in all_groups() if g.expensive]
    assert expensive, "landmarking/model-based are expensive groups"
    mf = extract(data, target="y", groups=["general", expensive[0]], max_rows=100)
    assert mf.attrs["subsampled"] is True
    assert 95 <= mf.attrs["n_rows_used"] <= 105
    assert mf["NumberOfInstances"] == 400  # cheap groups still see every row
    cheap = extract(data, target="y", groups="general", max_rows=100)
    assert cheap.attrs["subsampled"] is False and cheap.attrs["n_rows_used"] == 400


def test_failing_group_gives_nan_and_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(ctx):
        raise ZeroDivisionError("boom")

    module = types.ModuleType("fake_group")
    module.GROUP = MetaFeatureGroup("fake", boom, {"FakeA": "a", "FakeB": "b"})
    monkeypatch.setitem(sys.modules, "fake_group", module)
    monkeypatch.setitem(_MODULES, "fake", "fake_group")
    with pytest.warns(MetaFeatureWarning, match="group 'fake' failed"):
        mf = extract(mixed_table(), target="y", groups="general,fake")
    assert math.isnan(mf["FakeA"]) and math.isnan(mf["FakeB"])
    assert mf["NumberOfInstances"] == 120


def test_undeclared_outputs_are_dropped_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("fake_group2")
    module.GROUP = MetaFeatureGroup("fake2", lambda ctx: {"Declared": 1.0, "Extra": 2.0},
                                    {"Declared": "d"})
    monkeypatch.setitem(sys.modules, "fake_group2", module)
    monkeypatch.setitem(_MODULES, "fake2", "fake_group2")
    with pytest.warns(MetaFeatureWarning, match="undeclared"):
        mf = extract(mixed_table(), target="y", groups="fake2")
    assert mf.to_dict() == {"Declared": 1.0}


def test_guarded_isolates_one_failing_meta_feature() -> None:
    out: dict[str, float] = {}
    guarded(out, ["A"], lambda: {"A": 1.0})
    with pytest.warns(MetaFeatureWarning, match="B"):
        guarded(out, ["B", "C"], lambda: 1 / 0)
    assert out["A"] == 1.0 and math.isnan(out["B"]) and math.isnan(out["C"])


def test_sklearn_style_extractor() -> None:
    data = mixed_table()
    est = MetaFeatureExtractor(groups=CHEAP, seed=1)
    assert est.get_params() == {"groups": CHEAP, "seed": 1, "max_rows": metafeatures.DEFAULT_MAX_ROWS,
                                "openml_engine": "today"}
    assert not hasattr(est, "metafeatures_")  # __init__ only stores
    with pytest.raises(DataError, match="not fitted"):
        est.transform()
    assert est.fit(data.drop(columns="y"), data["y"]) is est
    row = est.transform()
    assert row.shape == (1, len(est.metafeatures_))
    pd.testing.assert_series_equal(row.iloc[0], est.metafeatures_, check_names=False)
    assert set(est.timings_) == {"general", "statistical", "info-theory"}
    other = est.transform(mixed_table(seed=5).drop(columns="y"), mixed_table(seed=5)["y"])
    assert other.shape == row.shape and not other.equals(row)
    assert est.set_params(seed=2).seed == 2
    with pytest.raises(ValueError):
        est.set_params(colour="red")


def test_docstring_examples() -> None:
    mf = extract("sklearn:iris", groups="general")
    assert (mf["NumberOfInstances"], mf["NumberOfFeatures"]) == (150.0, 5.0)


def test_wide_data_uses_a_seeded_attribute_subset_for_pairwise_statistics() -> None:
    from metafeatures.statistical import MAX_PAIRWISE_ATTRIBUTES

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, MAX_PAIRWISE_ATTRIBUTES + 100)))
    y = pd.Series(rng.choice(["a", "b"], size=60)).astype("category")
    a = extract((X, y), groups="statistical", seed=1)
    b = extract((X, y), groups="statistical", seed=1)
    pd.testing.assert_series_equal(a, b)
    assert a["PCAComponentsFor95PercentVariance"] <= 60  # at most n - 1 non-zero components
    assert a["PCAFractionOfComponentsFor95PercentVariance"] == \
        a["PCAComponentsFor95PercentVariance"] / MAX_PAIRWISE_ATTRIBUTES
