"""Every pandas dtype through the data boundary, the pipeline and tuning (issue 17).

One table of treatments (:mod:`metaknow.io.columns`, README "Input data"): each dtype is
checked on its own, then a property test generates small frames over all of them, with
missing values anywhere, and evaluates every registered space; the same table read from
CSV, Parquet and as a DataFrame must give the same fold scores.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli
import metaknow
from metaknow import load_dataset
from metaknow.evaluation import Protocol, error_cause, evaluate, make_splits
from metaknow.exceptions import DataError
from metaknow.spaces import get_algorithm, get_space, make_pipeline, space_names
from metafeatures.extractor import extract_dataset

N_BINARY = 7  # rows per class of the generated tables


def cheap_config(space: str, task: str = "classification") -> dict[str, Any]:
    """The space's default with the fewest trees/iterations it allows (same preprocessing)."""
    the_space = get_space(space, task)
    config = the_space.default()
    for name in ("n_estimators", "max_iter"):
        if name in the_space.names:
            config[name] = the_space[name].low
    return config


# ------------------------------------------------------------------ one dtype at a time
def _with_gaps(values: list[Any], dtype: Any = None) -> pd.Series:
    return pd.Series(values[:2] + [None] + values[2:], dtype=dtype)


@pytest.mark.parametrize("column, kind, levels", [
    (pd.Series([True, False, True, False]), "categorical", ["False", "True"]),
    (_with_gaps([True, False, True], "boolean"), "categorical", ["False", "True"]),
    (_with_gaps([True, False, True], object), "categorical", ["False", "True"]),
    (_with_gaps(["true", "FALSE", " True"], object), "categorical", ["False", "True"]),
    (_with_gaps([True, "yes", 3], object), "categorical", ["3", "True", "yes"]),
    (_with_gaps(["b", "a", "c"], "string"), "categorical", ["a", "b", "c"]),
    (_with_gaps(["b", "a", "c"], "category"), "categorical", ["a", "b", "c"]),
    (pd.Series(pd.Categorical([3, 1, None, 2], categories=[3, 2, 1])), "categorical",
     ["3", "2", "1"]),
    (_with_gaps([1, 5, 3], "Int64"), "numeric", None),
    (pd.Series([0, 1, 2, 1]), "numeric", None),  # integer codes stay numeric
    (_with_gaps(["1", "2.5", "-3"], object), "numeric", None),
    (_with_gaps(["2020-01-01", "2021-06-30 12:00:00", "1999-12-31T23:59:59+01:00"], object),
     "numeric", None),
    (pd.Series(pd.to_datetime(["2020-01-01", None, "2021-01-01", "2022-01-01"])), "numeric", None),
    (pd.Series(pd.to_datetime(["2020-01-01", None, "2021-01-01"]).tz_localize("Europe/Paris")),
     "numeric", None),
    (pd.Series(pd.to_timedelta([1, None, 3], unit="h")), "numeric", None),
    (pd.Series([None, None, None], dtype=object), "numeric", None),
    (pd.Series([np.nan, np.nan, np.nan]), "numeric", None),
    (pd.Series([7.0, 7.0, 7.0]), "numeric", None),
])
def test_each_dtype_has_one_treatment(column: pd.Series, kind: str, levels: list[str] | None) -> None:
    n = len(column)
    ds = load_dataset(pd.DataFrame({"c": column, "y": ["a", "b"] * (n // 2) + ["a"] * (n % 2)}),
                      target="y")
    col = ds.X["c"]
    assert (ds.categorical_columns == ["c"]) == (kind == "categorical")
    if kind == "categorical":
        assert list(col.cat.categories) == levels
        assert all(isinstance(c, str) for c in col.cat.categories)
    else:
        assert col.dtype == np.float64
    assert col.isna().sum() == column.isna().sum()


def test_dates_become_utc_seconds_whatever_their_form() -> None:
    naive = pd.Series(pd.to_datetime(["2020-01-01 01:00:00", None]))
    aware = pd.Series(pd.to_datetime(["2020-01-01 02:00:00", None]).tz_localize("Etc/GMT-1"))
    text = pd.Series(["2020-01-01T02:00:00+01:00", None], dtype=object)
    seconds = [load_dataset(pd.DataFrame({"d": d, "y": ["a", "b"]}), target="y").X["d"]
               for d in (naive, aware, text)]
    for s in seconds:
        assert s[0] == pd.Timestamp("2020-01-01 01:00:00").timestamp() and np.isnan(s[1])
    notes = load_dataset(pd.DataFrame({"d": naive, "y": ["a", "b"]}), target="y").notes
    assert any("'d': dates as seconds since 1970-01-01 UTC" in n for n in notes)


@pytest.mark.parametrize("target, classes", [
    (pd.Series([True, False] * 3), ["False", "True"]),
    (pd.Series([1, 0] * 3), ["0", "1"]),
    (pd.Series([True, False] * 3 + [None], dtype="boolean"), ["False", "True"]),
    (pd.Series([True, False] * 3 + [None], dtype=object), ["False", "True"]),
    (pd.Series(["yes", "no"] * 3, dtype="string"), ["no", "yes"]),
])
def test_boolean_and_01_targets_are_classification_with_text_labels(
        target: pd.Series, classes: list[str]) -> None:
    ds = load_dataset(pd.DataFrame({"x": np.arange(len(target), dtype=float), "y": target}),
                      target="y")
    assert ds.task == "classification" and ds.classes == classes
    assert ds.n_rows == int(target.notna().sum())


def test_constant_and_all_missing_columns_are_kept_and_noted() -> None:
    frame = pd.DataFrame({"k": [3] * 6, "gone": [None] * 6, "x": range(6), "y": ["a", "b"] * 3})
    ds = load_dataset(frame, target="y")
    assert list(ds.X.columns) == ["k", "gone", "x"]
    assert any("constant column(s) kept" in n and "'k'" in n for n in ds.notes)
    assert any("all-missing column(s) kept" in n and "'gone'" in n for n in ds.notes)
    mf = extract_dataset(ds, groups="general")
    assert mf["NumberOfFeatures"] == 4  # OpenML counts every attribute, the target included


def test_complex_numbers_are_a_data_error() -> None:
    with pytest.raises(DataError, match="'z' holds complex numbers"):
        load_dataset(pd.DataFrame({"z": [1j, 2.0], "y": ["a", "b"]}), target="y")


# ------------------------------------------------------------------ the reproduction table
def lalonde_like(n: int = 30, seed: int = 0) -> pd.DataFrame:
    """The issue's table: a True/False target and feature beside integer codes and floats."""
    rng = np.random.default_rng(seed)
    treat = np.arange(n) % 2 == 0
    return pd.DataFrame({"treat": treat, "age": rng.integers(20, 60, n),
                         "married": rng.random(n) < 0.5,
                         "re74": np.round(rng.random(n) * 10 + 3 * treat, 1)})


@pytest.mark.parametrize("space", ["lightgbm", "random_forest"])
def test_reproduction_table_tunes_with_every_fold_scored(tmp_path: Path, space: str) -> None:
    path = tmp_path / "t.csv"
    lalonde_like().to_csv(path, index=False)
    result = metaknow.tune(str(path), target="treat", space=space, budget=3, warm_start=0, cv=3,
                           refit=False)
    statuses = result.history["status"].tolist()
    assert "crash" not in statuses and statuses[0] == "ok"
    assert len(result.run_history.incumbent().fold_costs) == 3


def test_extractor_and_pipeline_agree_on_symbolic_columns() -> None:
    frame = lalonde_like().assign(code=lambda f: f["age"] % 3, text=["u", "v", "w"] * 10,
                                  flags=pd.array([True, None, False] * 10, dtype="boolean"))
    ds = load_dataset(frame, target="treat")
    assert ds.categorical_columns == ["married", "text", "flags"]
    mf = extract_dataset(ds, groups="general")
    assert mf["NumberOfSymbolicFeatures"] == len(ds.categorical_columns) + 1  # + nominal target
    pipe = make_pipeline(get_algorithm("lightgbm"), cheap_config("lightgbm"), ds.task,
                         ds.numeric_columns, ds.categorical_columns)
    pipe.fit(ds.X, ds.y.cat.codes)
    encoded = {name: cols for name, _, cols in pipe.named_steps["preprocess"].transformers_}
    assert encoded["categorical"] == ds.categorical_columns
    assert pipe.named_steps["types"].transform(ds.X) is ds.X  # a Dataset's X passes untouched


def test_search_cv_on_raw_frames_sees_the_training_levels() -> None:
    frame = lalonde_like(40)
    X, y = frame.drop(columns="treat"), frame["treat"]
    search = metaknow.MetaSearchCV("lightgbm", n_iter=2, cv=3).fit(X, y)
    typed = load_dataset(frame, target="treat").X
    np.testing.assert_array_equal(search.predict_proba(X),
                                  search.best_estimator_.predict_proba(typed))
    assert set(search.predict(X)) <= {True, False}


# ------------------------------------------------------------------ all trials fail
def test_all_trials_failing_prints_the_cause_and_what_to_do(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = lalonde_like().assign(income=lambda f: f["re74"] * 1e300)
    frame.to_csv(tmp_path / "huge.csv", index=False)
    out = tmp_path / "run"
    code = cli.main(["tune", str(tmp_path / "huge.csv"), "--target", "treat", "--space",
                     "random_forest", "--budget", "2", "--warm-start", "0", "--cv", "3",
                     "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "2 of 2 trial(s) failed" in err and "column 'income'" in err
    assert "rescale the column" in err and str(out / "history.jsonl") in err
    trial = json.loads((out / "history.jsonl").read_text().splitlines()[0])
    assert trial["error"].startswith("column 'income' holds values as large as")
    assert "Traceback" in trial["error"] and "Input X contains infinity" in trial["error"]


# ------------------------------------------------------------------ property tests
KINDS = ("bool", "boolean", "bool_text", "int", "Int64", "float", "string", "category",
         "mixed", "numeric_text", "datetime", "datetime_tz", "constant", "all_missing",
         "category_int", "huge")
#: Kinds whose type survives a CSV file (pandas ``category`` of integers does not).
CSV_KINDS = KINDS[:-2]
LETTERS = ("x", "y", "z", "w")


def _values(kind: str, draw: Any, n: int) -> list[Any]:
    pick = lambda options: draw(st.lists(st.sampled_from(options), min_size=n, max_size=n))  # noqa: E731
    if kind in ("bool", "boolean"):
        return pick((True, False))
    if kind == "bool_text":
        return pick(("true", "False", "TRUE", "false"))
    if kind in ("int", "Int64", "category_int"):
        return pick(range(-3, 4))
    if kind == "float":
        return draw(st.lists(st.integers(-10**6, 10**6).map(lambda i: i / 64), min_size=n, max_size=n))
    if kind == "huge":
        return pick((1e300, -3e250, 0.5, 2.0))
    if kind in ("string", "category"):
        return pick(LETTERS)
    if kind == "mixed":
        return pick((True, False, "yes", "no", 3, 1.5))
    if kind == "numeric_text":
        return pick(("1", "2.5", "-4", "1e3"))
    if kind in ("datetime", "datetime_tz"):
        return draw(st.lists(st.integers(0, 2 * 10**9), min_size=n, max_size=n))
    return [7.0] * n if kind == "constant" else [None] * n


def _series(kind: str, values: list[Any], gaps: list[bool]) -> pd.Series:
    """Values with gaps as a real reader/user would hold them in this kind's dtype."""
    if kind in ("datetime", "datetime_tz"):
        stamps = pd.to_datetime(pd.Series(values), unit="s")
        stamps = stamps.dt.tz_localize("Europe/Paris") if kind == "datetime_tz" else stamps
        return stamps.mask(pd.Series(gaps))
    vals = [None if gap else v for v, gap in zip(values, gaps)]
    has_gap = any(gaps)
    dtype = {"boolean": "boolean", "Int64": "Int64", "string": "string", "category": "category",
             "category_int": "category", "bool_text": object, "mixed": object,
             "numeric_text": object, "all_missing": object}.get(kind)
    if kind == "bool" and not has_gap:
        dtype = bool
    elif kind in ("bool",):
        dtype = object
    elif kind in ("int",) and not has_gap:
        dtype = np.int64
    elif dtype is None:
        return pd.Series([np.nan if v is None else v for v in vals], dtype=float)
    return pd.Series(vals, dtype=dtype)


@st.composite
def tables(draw: Any, kinds: tuple[str, ...] = KINDS, task: str = "classification") -> pd.DataFrame:
    """A small frame: 1-5 feature columns of any kinds, gaps anywhere, and a target: binary
    in a drawn form (bool, 0/1, text, nullable boolean with unlabelled rows), or for
    regression floats with two unlabelled rows."""
    n = 2 * N_BINARY
    columns = {}
    for i, kind in enumerate(draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=5))):
        gaps = draw(st.lists(st.sampled_from((False, False, False, True)), min_size=n, max_size=n))
        columns[f"c{i}_{kind}"] = _series(kind, _values(kind, draw, n), gaps)
    frame = pd.DataFrame(columns)
    labels = [k % 2 == 0 for k in range(n)]
    form = "float" if task == "regression" else draw(
        st.sampled_from(("bool", "int01", "text", "boolean_na")))
    if form in ("boolean_na", "float"):  # two more rows whose target is missing
        frame = pd.concat([frame, frame.iloc[:2]], ignore_index=True)
        frame["y"] = (pd.array(labels + [None, None], dtype="boolean") if form == "boolean_na"
                      else [k * 0.37 + (k % 3) for k in range(n)] + [np.nan, np.nan])
    else:
        frame["y"] = {"bool": labels, "int01": [int(v) for v in labels],
                      "text": ["yes" if v else "no" for v in labels]}[form]
    return frame


_UNCLEAR = re.compile(r"^[\w.]*(Error|Exception|Warning)\b")


def _clear(error: str | None) -> bool:
    """A failure reported as one line of its cause in metaknow's words, naming the column."""
    cause = error_cause(error)
    return not _UNCLEAR.match(cause) and "column '" in cause


SPACES = [(name, task) for task in ("classification", "regression") for name in space_names(task)]


@pytest.mark.parametrize("space, task", SPACES)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_space_scores_every_dtype_or_fails_clearly(space: str, task: str, data: Any) -> None:
    frame = data.draw(tables(task=task))
    ds = load_dataset(frame, target="y", task=task)
    assert all(ds.X[c].dtype == np.float64 for c in ds.numeric_columns)
    assert all(all(isinstance(v, str) for v in ds.X[c].cat.categories) for c in ds.categorical_columns)
    results = evaluate(space, cheap_config(space, task), ds, make_splits(ds, Protocol(n_splits=2)))
    for r in results:
        assert r.ok or _clear(r.error), r.error


def _fold_scores(ds: metaknow.Dataset) -> list[dict[str, Any]]:
    """LightGBM's fold metrics (NaN as None, so equal runs compare equal)."""
    results = evaluate("lightgbm", cheap_config("lightgbm"), ds, make_splits(ds, Protocol(n_splits=2)))
    return [{k: (None if math.isnan(v) else v) for k, v in r.metrics.items()} | {"status": r.status}
            for r in results]


def _same_data(a: metaknow.Dataset, b: metaknow.Dataset) -> None:
    assert a.categorical_columns == b.categorical_columns and a.classes == b.classes
    for name in a.categorical_columns:  # same values; level order may differ (CSV sorts them)
        assert set(a.X[name].cat.categories) == set(b.X[name].cat.categories)
    pd.testing.assert_frame_equal(a.X.astype(object), b.X.astype(object))
    assert a.y.astype(str).tolist() == b.y.astype(str).tolist()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(frame=tables(CSV_KINDS))
def test_csv_parquet_and_dataframe_give_the_same_fold_scores(tmp_path: Path,
                                                              frame: pd.DataFrame) -> None:
    frame.to_csv(tmp_path / "t.csv", index=False)
    # a Parquet column has one type: mixed values are stored as their text
    stored = frame.apply(lambda c: c.map(str, na_action="ignore")
                         if pd.api.types.infer_dtype(c, skipna=True).startswith("mixed") else c)
    stored.to_parquet(tmp_path / "t.parquet")
    given_frame = load_dataset(frame, target="y")
    expected = _fold_scores(given_frame)
    for path in (tmp_path / "t.csv", tmp_path / "t.parquet"):
        read = load_dataset(str(path), target="y")
        _same_data(read, given_frame)
        assert _fold_scores(read) == expected, path.suffix
