"""The one data-loading boundary: every command and library call goes through here.

:func:`load_dataset` accepts a path (CSV, TSV, Parquet, ARFF, plain or ``.gz``), a
pandas DataFrame (with a target column name), an ``(X, y)`` pair of arrays or frames,
or an existing :class:`Dataset`, and returns a validated :class:`Dataset`: features as
a DataFrame whose numeric columns are float64 and categorical ones pandas
``category`` with string levels, a target Series, and the task type (inferred, or as
given). Which input dtype becomes which is decided in one place,
:mod:`metaknow.io.columns` (table in the README, "Input data").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from metaknow.exceptions import DataError
from metaknow.io.columns import (FLOAT32_MAX, class_labels, feature_column, is_categorical,
                                 largest_magnitude)
from metaknow.io.sniff import csv_dialect

__all__ = ["Dataset", "load_dataset", "TaskType", "DataLike"]

TaskType = Literal["classification", "regression"]
DataLike = Any  # str | Path | pd.DataFrame | tuple[X, y] | Dataset

_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet",
             ".pq": "parquet", ".arff": "arff"}
#: A numeric target with at most this many distinct integer values is a class label.
MAX_INTEGER_CLASSES = 10
#: More classes than this earn a note: every fold must hold them, and the meta-knowledge
#: (OpenML tasks mostly have 2-30 classes) says little about them.
MANY_CLASSES = 100
#: A numeric target with fractional values is refused as a classification target when
#: more than this share of its (more than MAX_INTEGER_CLASSES) values are distinct:
#: it is continuous, and every class would hold one or two rows.
CONTINUOUS_SHARE = 0.5


@dataclass
class Dataset:
    """A validated tabular dataset: features, target and task type.

    Attributes
    ----------
    X : pandas.DataFrame
        Features; numeric columns float64 (NaN = missing), categorical ones ``category``
        with string levels (see :mod:`metaknow.io.columns`).
    y : pandas.Series
        Target; ``category`` for classification, float64 for regression. No missing values.
    task : {"classification", "regression"}
    name : str
    target : str
        Name of the target column.
    notes : list of str
        What loading did that a user should know (e.g. rows set aside for a missing target).
    X_unlabelled : pandas.DataFrame
        Rows whose target is missing, set aside (same columns and types as ``X``). Models
        never see them; meta-features that OpenML computes over all rows (counts,
        missing values) include them, so values match OpenML's.
    label_values : numpy.ndarray, optional
        Classification only: the user's own value of each class label, aligned with
        ``y.cat.categories`` and in the input's dtype (bool, int, float, str...), when
        every label stands for exactly one value of one type; ``None`` otherwise (then
        the text labels are the classes). See :meth:`target_values`.
    """

    X: pd.DataFrame
    y: pd.Series
    task: TaskType
    name: str = "dataset"
    target: str = "target"
    notes: list[str] = field(default_factory=list)
    X_unlabelled: pd.DataFrame | None = None
    label_values: np.ndarray | None = None

    def target_values(self) -> np.ndarray:
        """The target in the user's own values and dtype, for fitting a model to hand back.

        Classification: each row's class as the input held it (``True``, ``1``, ``'yes'``),
        so a fitted model predicts values comparable with the user's ``y``; the text
        labels when the input's values cannot be recovered one to one. Regression: the
        float target.
        """
        if self.task != "classification":
            return self.y.to_numpy()
        codes = np.asarray(self.y.cat.codes)
        if self.label_values is not None and len(self.label_values) == len(self.y.cat.categories):
            return self.label_values[codes]
        return np.asarray(self.y.astype(object))

    @property
    def X_all(self) -> pd.DataFrame:
        """All rows, labelled ones first, then those whose target is missing."""
        if self.X_unlabelled is None or len(self.X_unlabelled) == 0:
            return self.X
        return pd.concat([self.X, self.X_unlabelled], ignore_index=True)

    @property
    def n_unlabelled(self) -> int:
        return 0 if self.X_unlabelled is None else int(len(self.X_unlabelled))

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def categorical_columns(self) -> list[str]:
        return [c for c in self.X.columns if isinstance(self.X[c].dtype, pd.CategoricalDtype)]

    @property
    def numeric_columns(self) -> list[str]:
        return [c for c in self.X.columns if not isinstance(self.X[c].dtype, pd.CategoricalDtype)]

    @property
    def categorical_mask(self) -> np.ndarray:
        return np.array([isinstance(self.X[c].dtype, pd.CategoricalDtype) for c in self.X.columns])

    @property
    def classes(self) -> list[str]:
        if self.task != "classification":
            return []
        return [str(c) for c in self.y.cat.categories]

    def content_hash(self) -> str:
        """A SHA-256 over the values, column names and types (stable across runs)."""
        h = hashlib.sha256()
        h.update(self.task.encode())
        h.update(str(self.target).encode())
        for col in self.X.columns:
            h.update(str(col).encode())
            s = self.X[col]
            if isinstance(s.dtype, pd.CategoricalDtype):
                h.update(np.asarray(s.cat.codes, dtype=np.int64).tobytes())
                h.update("\x1f".join(map(str, s.cat.categories)).encode())
            else:
                h.update(np.ascontiguousarray(s.to_numpy(dtype=float)).tobytes())
        y = self.y
        if isinstance(y.dtype, pd.CategoricalDtype):
            h.update("\x1f".join(map(str, y.astype(str))).encode())
        else:
            h.update(np.ascontiguousarray(y.to_numpy(dtype=float)).tobytes())
        return h.hexdigest()

    def subsample(self, n: int, seed: int = 0) -> "Dataset":
        """A (stratified for classification) random subsample of at most ``n`` rows."""
        if self.n_rows <= n:
            return self
        rng = np.random.default_rng(seed)
        if self.task == "classification":
            idx = _stratified_indices(self.y, n, rng)
        else:
            idx = np.sort(rng.choice(self.n_rows, size=n, replace=False))
        return Dataset(self.X.iloc[idx].reset_index(drop=True),
                       self.y.iloc[idx].reset_index(drop=True),
                       self.task, self.name, self.target,
                       list(self.notes) + [f"subsampled to {len(idx)} of {self.n_rows} rows"],
                       label_values=self.label_values)


def _stratified_indices(y: pd.Series, n: int, rng: np.random.Generator) -> np.ndarray:
    codes = np.asarray(y.cat.codes)
    total = len(codes)
    chosen: list[np.ndarray] = []
    for code in np.unique(codes):
        members = np.flatnonzero(codes == code)
        take = max(1, int(round(n * len(members) / total)))
        chosen.append(rng.choice(members, size=min(take, len(members)), replace=False))
    return np.sort(np.concatenate(chosen))


def load_dataset(
    data: DataLike,
    target: str | None = None,
    task: TaskType | None = None,
    name: str | None = None,
) -> Dataset:
    """Load and validate a dataset from any supported source.

    Parameters
    ----------
    data : str, Path, DataFrame, tuple (X, y) or Dataset
        A file (``.csv``, ``.tsv``, ``.parquet``, ``.arff``; any of them may end in
        ``.gz``), a DataFrame holding the target column, an ``(X, y)`` pair of
        arrays/frames, or a :class:`Dataset` (returned re-validated).
    target : str, optional
        Name of the target column. Defaults to the last attribute for ARFF files and is
        required for CSV, TSV, Parquet and DataFrames.
    task : {"classification", "regression"}, optional
        Overrides the inferred task type. Inference: a categorical, string or boolean
        target is classification; a numeric target is classification only when all its
        values are integers and there are at most ``MAX_INTEGER_CLASSES`` of them —
        except in an ARFF file, whose header declares the type: a numeric target attribute
        is a regression target.
    name : str, optional
        Dataset name (defaults to the file stem, or "dataset").

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        With a one-line message naming the problem: missing or unreadable file,
        unsupported format, unknown target, no rows, a single class, infinite values...
    """
    if task is not None and task not in ("classification", "regression"):
        raise DataError(f"task must be 'classification' or 'regression', got {task!r}")
    if isinstance(data, Dataset):
        if task is None or task == data.task:
            return data
        y = data.y
        if data.task == "classification" and data.label_values is not None:
            y = pd.Series(data.target_values(), name=data.y.name)
        return _finish(data.X, y, task, name or data.name, data.target)
    if isinstance(data, str) and data.startswith("sklearn:"):
        return _from_sklearn(data[len("sklearn:"):], target, task, name)
    if isinstance(data, (str, Path)):
        frame, default_target, stem = _read_file(Path(data))
        target = target or default_target
        if task is None and Path(data).name.lower().endswith((".arff", ".arff.gz")) \
                and target in frame.columns and pd.api.types.is_float_dtype(frame[target].dtype):
            task = "regression"  # ARFF declares the type: a numeric target is a regression one
        return _split_frame(frame, target, task, name or stem, str(data))
    if isinstance(data, pd.DataFrame):
        return _split_frame(data, target, task, name or "dataset", "the DataFrame")
    if isinstance(data, tuple) and len(data) == 2:
        X, y = data
        y_name = y.name if isinstance(y, pd.Series) and y.name is not None else None
        return _from_xy(X, y, task, name or "dataset", target or str(y_name or "target"))
    raise DataError(
        f"unsupported data of type {type(data).__name__}: pass a file path, a DataFrame "
        "or an (X, y) pair"
    )


#: Datasets that ship inside scikit-learn (no download), usable as ``sklearn:NAME``.
SKLEARN_DATASETS = {"iris": "load_iris", "wine": "load_wine", "breast_cancer": "load_breast_cancer",
                    "digits": "load_digits", "diabetes": "load_diabetes"}


def _from_sklearn(which: str, target: str | None, task: TaskType | None,
                  name: str | None) -> Dataset:
    if which not in SKLEARN_DATASETS:
        raise DataError(f"unknown bundled dataset sklearn:{which}; choose from "
                        + ", ".join(f"sklearn:{k}" for k in SKLEARN_DATASETS))
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, SKLEARN_DATASETS[which])(as_frame=True)
    frame = bunch.frame.copy()
    tcol = "target"
    if which != "diabetes":  # class labels by name, not integer codes
        names = list(map(str, bunch.target_names))
        frame[tcol] = pd.Categorical.from_codes(frame[tcol].astype(int), categories=names)
    return _split_frame(frame, target or tcol, task, name or which, f"sklearn:{which}")


def _read_file(path: Path) -> tuple[pd.DataFrame, str | None, str]:
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, expected a data file")
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    kind = _SUFFIXES.get(suffixes[-1] if suffixes else "")
    stem = path.name
    for s in (".gz", ".arff", ".csv", ".tsv", ".tab", ".parquet", ".pq"):
        if stem.lower().endswith(s):
            stem = stem[: -len(s)]
    if kind is None:
        raise DataError(
            f"{path}: unsupported format {''.join(path.suffixes) or '(no extension)'}; "
            "use .csv, .tsv, .parquet or .arff (optionally .gz)"
        )
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")
    if kind == "arff":
        from metaknow.io.arff import read_arff

        frame, attrs, _ = read_arff(path)
        return frame, frame.columns[-1] if len(frame.columns) else None, stem
    if kind == "parquet":
        try:
            frame = pd.read_parquet(path)
        except ImportError:
            raise DataError("reading Parquet needs pyarrow: pip install 'metaknow[parquet]'") from None
        except Exception as exc:  # pyarrow raises many types for a bad file
            raise DataError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
        return frame, None, stem
    sep, decimal = ("\t", ".") if kind == "tsv" else csv_dialect(path)
    try:
        frame = pd.read_csv(path, sep=sep, decimal=decimal, na_values=["?"],
                            skipinitialspace=True, compression="infer")
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path}: cannot parse {kind.upper()} ({first})") from None
    frame.attrs["notes"] = _header_notes(frame, sep)
    return frame, None, stem


def _header_notes(frame: pd.DataFrame, sep: str) -> list[str]:
    """What the CSV reader did to the header: duplicate names renamed (``a`` -> ``a.1``),
    an unnamed first column (a saved row index?) kept as a feature."""
    notes = []
    if sep == ";":
        notes.append("read as semicolon-separated")
    columns = [str(c) for c in frame.columns]
    renamed = [c for c in columns if "." in c and c.rsplit(".", 1)[0] in columns
               and c.rsplit(".", 1)[1].isdigit()]
    if renamed:
        shown = ", ".join(f"{c.rsplit('.', 1)[0]!r} -> {c!r}" for c in renamed[:5])
        notes.append(f"duplicate column name(s) renamed: {shown}")
    if columns and columns[0].startswith("Unnamed: 0"):
        first = frame.iloc[:, 0]
        index_like = pd.api.types.is_integer_dtype(first.dtype) and first.is_monotonic_increasing
        notes.append(f"the first column has no name and is used as a feature {columns[0]!r}"
                     + (" (its values count up like a saved row index: drop it if it is one)"
                        if index_like else ""))
    return notes


def _split_frame(frame: pd.DataFrame, target: str | None, task: TaskType | None,
                 name: str, origin: str) -> Dataset:
    if frame.shape[1] == 0:
        raise DataError(f"{origin}: no columns")
    if target is None:
        raise DataError(f"{origin}: no target given; pass --target COLUMN (target=...)")
    if target not in frame.columns:
        cols = ", ".join(map(str, list(frame.columns)[:8]))
        more = ", ..." if frame.shape[1] > 8 else ""
        raise DataError(f"target {target!r} is not a column of {origin} (columns: {cols}{more})")
    read_notes = list(frame.attrs.pop("notes", []))
    X = frame.drop(columns=[target])
    y = frame[target]
    dataset = _finish(X, y, task, name, str(target))
    dataset.notes[:0] = read_notes
    return dataset


def _from_xy(X: Any, y: Any, task: TaskType | None, name: str, target: str) -> Dataset:
    if isinstance(X, pd.DataFrame):
        Xf = X.copy(deep=False)  # copy-on-write: the caller's later edits never reach it
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise DataError(f"X must be two-dimensional, got shape {arr.shape}")
        Xf = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
    y_arr = y if isinstance(y, pd.Series) else pd.Series(np.asarray(y).ravel() if np.ndim(y) else y)
    if len(y_arr) != len(Xf):
        raise DataError(f"X has {len(Xf)} rows but y has {len(y_arr)}")
    return _finish(Xf.reset_index(drop=True), y_arr.reset_index(drop=True), task, name, target)


def _infer_task(y: pd.Series) -> TaskType:
    if isinstance(y.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(y.dtype):
        return "classification"
    if not pd.api.types.is_numeric_dtype(y.dtype):
        if pd.api.types.infer_dtype(y, skipna=True) == "boolean":
            return "classification"  # True/False with missing values (object dtype)
        as_num = pd.to_numeric(y, errors="coerce")
        if as_num.notna().sum() < y.notna().sum():
            return "classification"
        y = as_num
    values = y.dropna().to_numpy(dtype=float)
    if len(values) and np.all(np.isfinite(values)) and np.all(values == np.round(values)):
        if len(np.unique(values)) <= MAX_INTEGER_CLASSES:
            return "classification"
    return "regression"


def _finish(X: pd.DataFrame, y: pd.Series, task: TaskType | None, name: str,
            target: str) -> Dataset:
    notes: list[str] = []
    if len(X) == 0:
        raise DataError(f"{name}: the data has no rows")
    X = X.reset_index(drop=True)
    y = y.reset_index(drop=True)
    X.columns = [str(c) for c in X.columns]
    if len(set(X.columns)) != X.shape[1]:
        dup = [c for c in X.columns if list(X.columns).count(c) > 1][0]
        raise DataError(f"{name}: duplicate column name {dup!r}")
    task = task or _infer_task(y)
    missing_target = y.isna().to_numpy()
    if missing_target.all():
        raise DataError(f"{name}: target {target!r} has no values (all missing)")
    X, column_notes = _features(X)
    notes.extend(column_notes)
    X_unlabelled = None
    if missing_target.any():
        n = int(missing_target.sum())
        notes.append(f"set aside {n} row(s) whose target is missing (used for counts only)")
        X_unlabelled = X.loc[missing_target].reset_index(drop=True)
        X = X.loc[~missing_target].reset_index(drop=True)
        y = y.loc[~missing_target].reset_index(drop=True)
    if len(X) < 2:
        raise DataError(f"{name}: the data has {len(X)} row(s) with a known target; "
                        "at least 2 are needed")
    label_values = None
    if task == "classification":
        original = y
        _refuse_continuous(y, name, target)
        y = class_labels(y)
        if len(y.cat.categories) < 2:
            raise DataError(f"{name}: target {target!r} has a single class "
                            f"({y.cat.categories[0]!r}); classification needs at least 2")
        label_values = _label_values(original, y)
        notes.extend(_class_notes(y, target))
    else:
        yn = pd.to_numeric(y, errors="coerce")
        if yn.isna().any():
            raise DataError(f"{name}: target {target!r} is not numeric, so it cannot be a "
                            "regression target; use --task classification "
                            "(task='classification')")
        y = yn.astype(float)
        if np.isinf(y.to_numpy()).any():
            raise DataError(f"{name}: target {target!r} holds infinite values")
    y.name = target
    return Dataset(X, y, task, name, target, notes, X_unlabelled, label_values)


def _refuse_continuous(y: pd.Series, name: str, target: str) -> None:
    """A continuous numeric target forced to classification is an error (see
    :data:`CONTINUOUS_SHARE`)."""
    if is_categorical(y) or pd.api.types.is_bool_dtype(y.dtype):
        return
    values = pd.to_numeric(y, errors="coerce")
    if values.isna().any() or not pd.api.types.is_float_dtype(values.dtype):
        return  # text labels, or integers: classes, however many (see _class_notes)
    array = values.to_numpy(dtype=float)
    if np.all(array == np.round(array)):
        return
    distinct = len(np.unique(array))
    if distinct > MAX_INTEGER_CLASSES and distinct > CONTINUOUS_SHARE * len(array):
        raise DataError(f"{name}: target {target!r} is continuous ({distinct} distinct "
                        f"fractional values in {len(array)} rows), not class labels; "
                        "tune it as regression (--task regression, task='regression')")


def _class_notes(y: pd.Series, target: str) -> list[str]:
    """Notes on a classification target that will tune badly: very many classes, or
    classes too small to appear in both the training and the test rows of a fold."""
    counts = y.value_counts()
    notes = []
    if len(counts) > MANY_CLASSES:
        notes.append(f"target {target!r} has {len(counts)} classes (more than {MANY_CLASSES}): "
                     "tuning will be slow and prior tasks are unlikely to be similar; is it "
                     "really a class label?")
    single = int((counts < 2).sum())
    if single:
        notes.append(f"target {target!r}: {single} class(es) with a single row, which "
                     "cross-validation cannot put in both training and test rows; scores "
                     "for them are unreliable (merge or drop rare classes)")
    return notes


#: Kinds of target values a fitted model can hand back as the user gave them.
_LABEL_KINDS = {"boolean": bool, "integer": None, "floating": None, "string": None}


def _label_values(original: pd.Series, labels: pd.Series) -> np.ndarray | None:
    """The input's value behind each class label (aligned with the categories, in the
    input's dtype), or None when a label stands for several values or types mix."""
    values = original.cat.categories.to_series() if is_categorical(original) else original
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind not in _LABEL_KINDS:
        return None
    if is_categorical(original):
        if len(original.cat.categories) != len(labels.cat.categories):
            original = original.cat.remove_unused_categories()
        array = np.asarray(original.cat.categories)
        same = [str(v) for v in array] == [str(c) for c in labels.cat.categories]
        return array if same else None
    pairs = pd.DataFrame({"code": np.asarray(labels.cat.codes), "value": original.to_numpy()})
    pairs = pairs.drop_duplicates()
    if len(pairs) != len(labels.cat.categories) or pairs["code"].duplicated().any():
        return None
    pairs = pairs.sort_values("code")
    array = pairs["value"].to_numpy()
    if _LABEL_KINDS[kind] is bool:
        return array.astype(bool)
    if array.dtype == object:  # e.g. pandas' nullable Int64: back to a plain numpy dtype
        try:
            array = np.asarray(pd.Series(array).infer_objects().to_numpy())
        except (TypeError, ValueError):
            return None
    return array


def _constant(col: pd.Series) -> bool:
    """One distinct non-missing value (checked without sorting or copying: cheap on large
    tables; the column has a value)."""
    if is_categorical(col):
        codes = np.asarray(col.cat.codes)
        return bool(codes.max() == np.where(codes < 0, codes.max(), codes).min())
    values = col.to_numpy(dtype=float)
    return bool(np.nanmin(values) == np.nanmax(values))


def _features(X: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Every column in its Dataset type (see :mod:`metaknow.io.columns`), and the notes."""
    columns, notes = {}, []
    for name in X.columns:
        columns[name], note = feature_column(X[name], name)
        if note:
            notes.append(note)
    out = pd.DataFrame(columns, index=X.index, copy=False)  # no second copy of the data
    empty = [c for c in out.columns if not out[c].notna().any()]
    constant = [c for c in out.columns if c not in empty and _constant(out[c])]
    huge = [c for c in out.columns if not is_categorical(out[c])
            and largest_magnitude(out[c].to_numpy()) > FLOAT32_MAX]
    for names, what in ((empty, "all-missing column(s) kept (counted as attributes; models "
                                "gain nothing from them)"),
                        (constant, "constant column(s) kept (counted as attributes; models "
                                   "gain nothing from them)"),
                        (huge, "column(s) with values beyond ±3.4e+38 (the float32 range): "
                               "most models cannot fit them; rescale (e.g. log) or drop them")):
        if names:
            shown = ", ".join(map(repr, names[:5])) + (", ..." if len(names) > 5 else "")
            notes.append(f"{len(names)} {what}: {shown}")
    return out, notes
