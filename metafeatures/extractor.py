"""Meta-feature extraction: the :func:`extract` function and :class:`MetaFeatureExtractor`."""

from __future__ import annotations

import time
import warnings
from typing import Any, Iterable

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from metafeatures.context import DEFAULT_MAX_ROWS, DatasetContext
from metafeatures.registry import MetaFeatureGroup, MetaFeatureWarning, all_groups, get_group
from metaknow.dataset import Dataset, TaskType, load_dataset
from metaknow.exceptions import DataError

__all__ = ["extract", "extract_dataset", "MetaFeatureExtractor", "EXTRACTOR_VERSION", "STORE_ENGINE",
           "OPENML_ENGINES", "engine_version"]

#: Bumped whenever a definition changes, so stored meta-features can be recomputed.
#: 2.0: OpenML's current definitions (MinorityClassPercentage a percentage, the
#: NominalAttDistinctValues over occurring values with the target, skewness/kurtosis
#: summaries without constant attributes); 1.0 = the 2018 engine's conventions.
EXTRACTOR_VERSION = "2.0"

#: OpenML engine conventions -> the extractor version whose definitions they are.
OPENML_ENGINES = {"today": EXTRACTOR_VERSION, "2018": "1.0"}

#: The conventions every store is computed under today: the bundled repository (extractor
#: 1.0) and the OpenML100 export (OpenML's 2018 server). Builders, ``recommend`` and the
#: benchmarks extract under it, so a store and a new dataset are compared under one
#: definition; it moves to "today" when the stores are rebuilt at version 2.0.
STORE_ENGINE = "2018"


def engine_version(openml_engine: str) -> str:
    """The extractor version of an OpenML engine's conventions ("today" or "2018")."""
    if openml_engine not in OPENML_ENGINES:
        raise DataError(f"unknown OpenML engine {openml_engine!r}; choose one of "
                        f"{', '.join(OPENML_ENGINES)}")
    return OPENML_ENGINES[openml_engine]


def _resolve_groups(groups: str | Iterable[str] | None) -> list[MetaFeatureGroup]:
    if groups is None:
        return all_groups()
    if isinstance(groups, str):
        groups = [g for g in groups.split(",")]
    names = [g.strip() for g in groups if g.strip()]
    if not names:
        raise DataError("no meta-feature group selected")
    return [get_group(n) for n in dict.fromkeys(names)]


def extract_dataset(dataset: Dataset, groups: str | Iterable[str] | None = None, seed: int = 0,
                    max_rows: int = DEFAULT_MAX_ROWS, openml_engine: str = "today") -> pd.Series:
    """Meta-features of an already loaded :class:`~metaknow.Dataset` (see :func:`extract`)."""
    if int(max_rows) < 2:
        raise DataError(f"max_rows must be at least 2, got {max_rows}")
    version = engine_version(openml_engine)
    selected = _resolve_groups(groups)
    ctx = DatasetContext(dataset, seed=seed, max_rows=max_rows, openml_engine=openml_engine)
    values: dict[str, float] = {}
    timings: dict[str, float] = {}
    for group in selected:
        start = time.perf_counter()
        gctx = ctx.sample_context if group.expensive else ctx
        try:
            # one BLAS thread: the matrices are small and threads only contend
            with np.errstate(all="ignore"), warnings.catch_warnings(), \
                    threadpool_limits(limits=1, user_api="blas"):
                warnings.simplefilter("ignore", RuntimeWarning)
                out = dict(group.compute(gctx))
        except Exception as exc:  # a failing group becomes NaN, the others go on
            warnings.warn(f"meta-feature group {group.name!r} failed on {dataset.name} "
                          f"({type(exc).__name__}: {exc}); its values are NaN",
                          MetaFeatureWarning, stacklevel=2)
            out = {}
        extra = [k for k in out if k not in group.definitions]
        if extra:
            warnings.warn(f"group {group.name!r} returned undeclared meta-features "
                          f"{extra[:3]}; dropped", MetaFeatureWarning, stacklevel=2)
        for name in group.definitions:
            try:
                values[name] = float(out.get(name, np.nan))
            except (TypeError, ValueError):
                values[name] = np.nan
        timings[group.name] = time.perf_counter() - start
    series = pd.Series(values, dtype=float, name=dataset.name)
    series.attrs["timings"] = timings
    series.attrs["subsampled"] = bool(ctx.subsampled and any(g.expensive for g in selected))
    series.attrs["n_rows_used"] = int(ctx.sample.n_rows if series.attrs["subsampled"]
                                      else dataset.n_rows)
    series.attrs["max_rows"] = int(max_rows)
    series.attrs["extractor_version"] = version
    series.attrs["openml_engine"] = openml_engine
    return series


def extract(data: Any, target: str | None = None, groups: str | Iterable[str] | None = None,
            seed: int = 0, max_rows: int = DEFAULT_MAX_ROWS,
            task: TaskType | None = None, openml_engine: str = "today") -> pd.Series:
    """Compute the meta-features of a dataset.

    Parameters
    ----------
    data : path, DataFrame, (X, y) pair, Dataset or "sklearn:NAME"
        Anything :func:`metaknow.load_dataset` accepts.
    target : str, optional
        Target column (ARFF default: the last attribute).
    groups : str or iterable of str, optional
        Groups to compute ("general,statistical" or a list); default all, see
        :func:`metafeatures.group_names`.
    seed : int, default 0
        Seeds every random choice (subsample, landmarker folds); same seed, same values.
    max_rows : int, default DEFAULT_MAX_ROWS
        Expensive groups (landmarking, model-based) run on a stratified subsample of
        this many labelled rows when the dataset is larger.
    task : {"classification", "regression"}, optional
        Overrides the inferred task type.
    openml_engine : {"today", "2018"}, default "today"
        Definitions of the OpenML qualities: OpenML's current ones (extractor version
        2.0), or the conventions of the 2018 engine that made the OpenML100 export
        (version 1.0), for comparing with old exports.

    Returns
    -------
    pandas.Series
        Name -> float; NaN where a value is undefined for this dataset (or failed, with a
        :class:`~metafeatures.registry.MetaFeatureWarning`). ``attrs`` holds
        ``timings`` (group -> seconds), ``subsampled`` (bool), ``n_rows_used`` (rows the
        expensive groups saw), ``max_rows``, ``extractor_version`` and ``openml_engine``.

    Raises
    ------
    DataError
        Unreadable or unusable data, unknown target or group.
    """
    dataset = load_dataset(data, target=target, task=task)
    return extract_dataset(dataset, groups=groups, seed=seed, max_rows=max_rows,
                           openml_engine=openml_engine)


class MetaFeatureExtractor:
    """Scikit-learn style meta-feature extractor.

    Parameters
    ----------
    groups : str or iterable of str, optional
        Groups to compute (default all).
    seed : int, default 0
    max_rows : int, default DEFAULT_MAX_ROWS
        Row cap for expensive groups.
    openml_engine : {"today", "2018"}, default "today"
        OpenML definitions to follow (see :func:`extract`).

    Attributes
    ----------
    metafeatures_ : pandas.Series
        Name -> float of the fitted dataset.
    timings_ : dict
        Group -> seconds.
    subsampled_ : bool
    n_rows_used_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> mfe = MetaFeatureExtractor(groups="general").fit(X, y.astype("category"))
    >>> mfe.metafeatures_["NumberOfInstances"]
    150.0
    """

    def __init__(self, groups: str | Iterable[str] | None = None, *, seed: int = 0,
                 max_rows: int = DEFAULT_MAX_ROWS, openml_engine: str = "today") -> None:
        self.groups = groups
        self.seed = seed
        self.max_rows = max_rows
        self.openml_engine = openml_engine

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"groups": self.groups, "seed": self.seed, "max_rows": self.max_rows,
                "openml_engine": self.openml_engine}

    def set_params(self, **params: Any) -> "MetaFeatureExtractor":
        for key, value in params.items():
            if key not in self.get_params():
                raise ValueError(f"unknown parameter {key!r} for MetaFeatureExtractor")
            setattr(self, key, value)
        return self

    def _data(self, X: Any, y: Any) -> Any:
        return X if y is None else (X, y)

    def fit(self, X: Any, y: Any = None, *, target: str | None = None,
            task: TaskType | None = None) -> "MetaFeatureExtractor":
        """Extract the meta-features of ``(X, y)`` (or of ``X`` alone when it holds the target).

        Returns
        -------
        self
        """
        series = extract(self._data(X, y), target=target, groups=self.groups, seed=self.seed,
                         max_rows=self.max_rows, task=task, openml_engine=self.openml_engine)
        self.metafeatures_ = series
        self.timings_ = dict(series.attrs["timings"])
        self.subsampled_ = bool(series.attrs["subsampled"])
        self.n_rows_used_ = int(series.attrs["n_rows_used"])
        return self

    def transform(self, X: Any = None, y: Any = None) -> pd.DataFrame:
        """The meta-features as a one-row DataFrame.

        With no argument, those of the fitted dataset; given data, those of that data
        (extracted with the same parameters, without changing the fitted state).
        """
        if X is None:
            if not hasattr(self, "metafeatures_"):
                raise DataError("this MetaFeatureExtractor is not fitted yet; call fit(X, y) first")
            series = self.metafeatures_
        else:
            series = extract(self._data(X, y), groups=self.groups, seed=self.seed,
                             max_rows=self.max_rows, openml_engine=self.openml_engine)
        return series.to_frame().T.reset_index(drop=True)

    def fit_transform(self, X: Any, y: Any = None, **kwargs: Any) -> pd.DataFrame:
        return self.fit(X, y, **kwargs).transform()
