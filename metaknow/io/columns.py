"""How every input column type becomes a :class:`~metaknow.dataset.Dataset` column.

The one place each pandas dtype's treatment is decided. A feature becomes either a
float64 column (NaN = missing) or a ``category`` column whose levels are strings; the
meta-feature extractor, the repository builders and the model pipeline all read that
split from the :class:`Dataset`, so they never disagree about a column.

============================================  ===========================================
input column                                  becomes
============================================  ===========================================
``category``                                  categorical; levels as text, order kept
``bool``, ``boolean``, object of True/False,  categorical, levels ``'False'``/``'True'``
text 'true'/'false' (any case)
int, float, ``Int64``/nullable ints           numeric float64 (integer codes stay numeric)
object/``string`` of numbers or number text   numeric float64
object/``string`` of ISO-8601 dates,          numeric: seconds since 1970-01-01 UTC
``datetime64`` (naive or with a time zone)
``timedelta64``                               numeric: seconds
other object/``string`` (text, or text mixed  categorical on each value's text
with numbers or True/False)
all values missing (any non-category dtype)   numeric float64, all NaN
complex numbers, infinite values              :class:`DataError`
============================================  ===========================================

Constant and all-missing columns are kept (OpenML counts every attribute) and noted.
Targets: :func:`class_labels` gives classification targets string labels the same way
(a boolean target's classes are ``'False'``/``'True'``; numeric ones ``'0'``, ``'1'``...).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from metaknow.exceptions import DataError

__all__ = ["feature_column", "conform_features", "class_labels", "is_categorical",
           "FLOAT32_MAX", "largest_magnitude"]

#: Beyond this magnitude float32 overflows: scikit-learn's trees compute in float32 and
#: scaling squares values, so most models cannot fit a column holding such values.
FLOAT32_MAX = float(np.finfo(np.float32).max)

#: ISO-8601 dates and date-times as pandas writes them to CSV (optional time, fraction, zone).
_ISO_DATE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
_BOOL_TEXT = ("true", "false")
_NUMBER_KINDS = ("integer", "floating", "mixed-integer-float", "decimal")
_DATE_KINDS = ("datetime", "datetime64", "date")


def is_categorical(col: pd.Series) -> bool:
    """Whether ``col`` is a categorical column of a Dataset (pandas ``category``)."""
    return isinstance(col.dtype, pd.CategoricalDtype)


def feature_column(col: pd.Series, name: str) -> tuple[pd.Series, str | None]:
    """A feature column as the Dataset holds it, and a note when the change is worth telling.

    Parameters
    ----------
    col : pandas.Series
        The column as read (any dtype).
    name : str
        Its name, for notes and errors.

    Returns
    -------
    (Series, str or None)
        float64 (NaN = missing) or ``category`` with string levels; the note says what
        was done to a date or mixed column, ``None`` otherwise.

    Raises
    ------
    DataError
        Infinite values or complex numbers.
    """
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _text_levels(col), None
    if pd.api.types.is_bool_dtype(dtype):  # numpy bool and pandas' nullable boolean
        return _boolean_levels(col), None
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _seconds(col), _date_note(name)
    if pd.api.types.is_timedelta64_dtype(dtype):
        return col.dt.total_seconds().astype(float), f"column {name!r}: durations as seconds (numeric)"
    if pd.api.types.is_complex_dtype(dtype):
        raise DataError(f"feature {name!r} holds complex numbers; split them into real columns")
    if pd.api.types.is_numeric_dtype(dtype):
        return _finite(_float(col), name), None
    return _from_values(col.astype(object), name)


def _from_values(col: pd.Series, name: str) -> tuple[pd.Series, str | None]:
    """An object or string column: decided by the Python values it holds."""
    present = col[col.notna()]
    if present.empty:
        return pd.Series(np.nan, index=col.index, dtype=float, name=col.name), None
    kind = pd.api.types.infer_dtype(present, skipna=True)
    if _boolean_like(present, kind):
        return _boolean_levels(col), None
    if kind in _NUMBER_KINDS + ("string", "mixed", "mixed-integer") and not _has_bools(present, kind):
        if pd.to_numeric(present, errors="coerce").notna().all():
            return _finite(pd.to_numeric(col, errors="coerce").astype(float), name), None
    dates = _dates(col, present, kind)
    if dates is not None:
        return _seconds(dates), _date_note(name)
    note = None if not kind.startswith("mixed") else (
        f"column {name!r} mixes text with numbers or True/False: treated as categorical on "
        "each value's text")
    return _text_levels(col), note


def _dates(col: pd.Series, present: pd.Series, kind: str) -> pd.Series | None:
    """Date objects, or text that is all ISO-8601 dates (as CSV files hold them), parsed."""
    if kind == "string" and not present.str.fullmatch(_ISO_DATE).all():
        return None
    if kind not in _DATE_KINDS + ("string",):
        return None
    try:
        return pd.to_datetime(col, utc=True, format="ISO8601" if kind == "string" else None)
    except (ValueError, TypeError, OverflowError):  # mixed zones, out-of-range years
        return None


def _has_bools(values: pd.Series, kind: str) -> bool:
    """Whether a column of mixed Python values holds a True or False (never a number here)."""
    if kind not in ("mixed", "mixed-integer"):
        return False
    return bool(values.map(lambda v: isinstance(v, (bool, np.bool_))).any())


def _boolean_like(values: pd.Series, kind: str) -> bool:
    """Only True/False values (Python/numpy booleans, or the text 'true'/'false' in any case)."""
    if kind == "boolean":
        return True
    if kind == "string":
        return bool(values.str.strip().str.lower().isin(_BOOL_TEXT).all())
    if kind not in ("mixed", "mixed-integer"):
        return False
    return bool(values.map(lambda v: isinstance(v, (bool, np.bool_))
                           or (isinstance(v, str) and v.strip().lower() in _BOOL_TEXT)).all())


def _boolean_levels(col: pd.Series) -> pd.Series:
    """True/False values (of any form) as a category with levels 'False' and 'True'."""
    def text(v: object) -> object:
        if isinstance(v, str):
            return v.strip().capitalize()
        return "True" if v else "False"

    return _category(col.astype(object).map(text, na_action="ignore"), col.name)


def _text_levels(col: pd.Series) -> pd.Series:
    """A category whose levels are strings: existing categories renamed (order and unused
    levels kept), other values by their text."""
    if is_categorical(col):
        if _has_text_levels(col):
            return col
        text = [str(c) for c in col.cat.categories]
        if len(set(text)) == len(text):  # (also gives no levels an object dtype)
            return col.cat.rename_categories(pd.Index(text, dtype=object))
    return _category(col.astype(object).map(str, na_action="ignore"), col.name)


def _category(values: pd.Series, name: object) -> pd.Series:
    """Values (missing = NaN/None/NA) as a category of their distinct values, sorted."""
    present = sorted(set(values.dropna()))
    return pd.Series(pd.Categorical(values, categories=pd.Index(present, dtype=object)),
                     index=values.index, name=name)


def _seconds(col: pd.Series) -> pd.Series:
    """Dates as seconds since 1970-01-01 UTC (float64, NaN where missing)."""
    if getattr(col.dt, "tz", None) is not None:
        col = col.dt.tz_convert("UTC").dt.tz_localize(None)
    try:
        seconds = col.astype("datetime64[ns]").astype("int64").astype(float) / 1e9
    except (OverflowError, pd.errors.OutOfBoundsDatetime):  # beyond 1677-2262
        seconds = col.astype("datetime64[s]").astype("int64").astype(float)
    return seconds.where(col.notna())


def _date_note(name: str) -> str:
    return f"column {name!r}: dates as seconds since 1970-01-01 UTC (numeric)"


def _finite(col: pd.Series, name: str) -> pd.Series:
    if np.isinf(col.to_numpy(dtype=float)).any():
        raise DataError(f"feature {name!r} holds infinite values; replace them or mark them missing")
    return col


def largest_magnitude(values: np.ndarray) -> float:
    """The largest absolute finite value (0 when there is none)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return 0.0
    finite = np.isfinite(values)
    if not finite.all():
        values = values[finite]
        if values.size == 0:
            return 0.0
    return float(max(values.max(), -values.min()))


# --------------------------------------------------------------- new rows, targets
def conform_features(X: pd.DataFrame, numeric: Sequence[str],
                     categorical: Sequence[str]) -> pd.DataFrame:
    """New rows in the column types a Dataset decided (what a fitted pipeline expects).

    Numeric columns become float64 (dates as seconds, text that is no number as NaN),
    categorical ones a ``category`` of string levels, True/False as ``'True'``/``'False'``
    -- the levels the pipeline's encoders learned. A frame that already conforms (every
    Dataset's ``X``) is returned as it is, without a copy.
    """
    changed: dict[str, pd.Series] = {}
    for name in numeric:
        col = X[name]
        if col.dtype != np.float64:
            changed[name] = _as_float(col)
    for name in categorical:
        col = X[name]
        if not (is_categorical(col) and _has_text_levels(col)):
            changed[name] = _as_levels(col)
    if not changed:
        return X
    out = X.copy(deep=False)
    for name, col in changed.items():
        out[name] = col
    return out


def _has_text_levels(col: pd.Series) -> bool:
    """Levels that are all strings (no levels: an object-dtype index, so encoders see text)."""
    cats = col.cat.categories
    return all(isinstance(c, str) for c in cats) if len(cats) else cats.dtype == object


def _float(col: pd.Series) -> pd.Series:
    if col.dtype == np.float64:
        return col  # already what a Dataset holds (copy-on-write keeps it apart from the caller's)
    return pd.Series(col.to_numpy(dtype=float, na_value=np.nan), index=col.index, name=col.name)


def _as_float(col: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return _seconds(col)
    if pd.api.types.is_timedelta64_dtype(col.dtype):
        return col.dt.total_seconds().astype(float)
    if pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_numeric_dtype(col.dtype):
        return _float(col)
    return pd.to_numeric(col.astype(object), errors="coerce").astype(float)


def _as_levels(col: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(col.dtype):
        return _boolean_levels(col)
    present = col[col.notna()].astype(object)
    if not present.empty and _boolean_like(present, pd.api.types.infer_dtype(present, skipna=True)):
        return _boolean_levels(col)
    return _text_levels(col)


def class_labels(y: pd.Series) -> pd.Series:
    """A classification target (no missing values) as a category of string labels.

    Categories keep their order (renamed to text); True/False values of any form become
    ``'False'``/``'True'``; numbers their shortest text (``1.0`` -> ``'1'``); anything
    else its text.
    """
    if is_categorical(y):
        return _text_levels(y.cat.remove_unused_categories())
    if pd.api.types.is_bool_dtype(y.dtype):
        return _boolean_levels(y)
    if pd.api.types.is_numeric_dtype(y.dtype):
        return _category(pd.Series(_numeric_labels(y), index=y.index, dtype=object), y.name)
    return _as_levels(y)


def _numeric_labels(y: pd.Series) -> list[str]:
    vals = y.to_numpy(dtype=float)
    return [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in vals]
