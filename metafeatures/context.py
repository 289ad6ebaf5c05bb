"""The dataset context: validated data plus cached numeric views shared by all groups.

Built once per extraction. Every view is computed on first use and cached, so the
groups never convert the same frame twice (pymfe's "precomputation", without argument
injection by parameter name).

The groups that run on every row (general, statistical, info-theory) read the data one
attribute at a time: ``numeric_column(j)`` and ``categorical_column(j)`` are views of the
frame's own arrays (no copy), and the sorted-column results all of them need come from
one pass (``profile``, :mod:`metafeatures.column_pass`). The n x p matrices
(``numeric``, ``categorical_codes``) are for the expensive groups, whose context is a
subsample of at most ``max_rows`` rows.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from metafeatures.column_pass import NumericProfile, numeric_profile
from metafeatures.summaries import equal_frequency_cuts
from metaknow.dataset import Dataset

__all__ = ["DatasetContext", "DEFAULT_MAX_ROWS"]

#: Row cap for expensive groups (landmarking, model-based): above it they run on a
#: stratified random subsample of this many rows (seeded).
DEFAULT_MAX_ROWS = 10_000


def _numeric_block(X: pd.DataFrame, columns: list[str]) -> np.ndarray:
    if not columns:
        return np.empty((len(X), 0), dtype=float)
    return np.column_stack([X[c].to_numpy(dtype=float, na_value=np.nan) for c in columns])


def _code_block(X: pd.DataFrame, columns: list[str]) -> np.ndarray:
    if not columns:
        return np.empty((len(X), 0), dtype=np.int64)
    return np.column_stack([np.asarray(X[c].cat.codes, dtype=np.int64) for c in columns])


class DatasetContext:
    """A dataset with cached array views for meta-feature computation.

    Parameters
    ----------
    dataset : metaknow.Dataset
        The validated data (labelled rows in ``X``; rows with a missing target in
        ``X_unlabelled``, used only by OpenML-style counts).
    seed : int, default 0
        Seeds ``rng`` and the subsample.
    max_rows : int, default DEFAULT_MAX_ROWS
        Row cap for expensive groups.

    Attributes
    ----------
    dataset : Dataset
        Full data.
    sample : Dataset
        Stratified subsample of at most ``max_rows`` labelled rows (``dataset`` itself
        when it is small enough).
    subsampled : bool
        Whether ``sample`` is smaller than ``dataset``.
    seed : int
    rng : numpy.random.Generator
        Seeded generator for groups that need randomness.
    """

    def __init__(self, dataset: Dataset, seed: int = 0, max_rows: int = DEFAULT_MAX_ROWS,
                 openml_engine: str = "today") -> None:
        self.dataset = dataset
        #: "today" (OpenML's current definitions) or "2018" (the 2018 export's engine)
        self.openml_engine = openml_engine
        self.seed = int(seed)
        self.max_rows = int(max_rows)
        self.rng = np.random.default_rng(self.seed)
        self.sample = dataset.subsample(self.max_rows, seed=self.seed)
        self.subsampled = self.sample.n_rows < dataset.n_rows

    # -- the context the expensive groups receive ---------------------------------------
    @cached_property
    def sample_context(self) -> "DatasetContext":
        """A context over ``sample`` (itself when not subsampled); its ``sample`` is itself."""
        if not self.subsampled:
            return self
        ctx = DatasetContext.__new__(DatasetContext)
        ctx.dataset = self.sample
        ctx.sample = self.sample
        ctx.subsampled = True
        ctx.seed = self.seed
        ctx.max_rows = self.max_rows
        ctx.openml_engine = self.openml_engine
        ctx.rng = np.random.default_rng(self.seed)
        return ctx

    # -- task and shape -----------------------------------------------------------------
    @property
    def is_classification(self) -> bool:
        return self.dataset.task == "classification"

    @property
    def n_rows(self) -> int:
        """Labelled rows (those models and most meta-features use)."""
        return self.dataset.n_rows

    @property
    def n_rows_all(self) -> int:
        """All rows including those whose target is missing (OpenML's instance count)."""
        return self.dataset.n_rows + self.dataset.n_unlabelled

    @cached_property
    def numeric_columns(self) -> list[str]:
        return self.dataset.numeric_columns

    @cached_property
    def categorical_columns(self) -> list[str]:
        return self.dataset.categorical_columns

    # -- feature views ------------------------------------------------------------------
    @cached_property
    def numeric(self) -> np.ndarray:
        """Numeric attributes of the labelled rows, n x p float64, NaN = missing."""
        return _numeric_block(self.dataset.X, self.numeric_columns)

    @cached_property
    def categorical_codes(self) -> np.ndarray:
        """Categorical attributes of the labelled rows as codes, n x q int64, -1 = missing."""
        return _code_block(self.dataset.X, self.categorical_columns)

    @cached_property
    def numeric_all(self) -> np.ndarray:
        """Like ``numeric`` over all rows (labelled first, then unlabelled)."""
        if self.dataset.n_unlabelled == 0:
            return self.numeric
        return _numeric_block(self.dataset.X_all, self.numeric_columns)

    @cached_property
    def categorical_codes_all(self) -> np.ndarray:
        """Like ``categorical_codes`` over all rows (labelled first, then unlabelled)."""
        if self.dataset.n_unlabelled == 0:
            return self.categorical_codes
        return _code_block(self.dataset.X_all, self.categorical_columns)

    @property
    def numeric_distinct(self) -> np.ndarray:
        """Distinct non-missing values of each numeric attribute (labelled rows)."""
        return self.profile.distinct

    @property
    def numeric_distinct_all(self) -> np.ndarray:
        """Distinct non-missing values of each numeric attribute over all rows."""
        return self.profile.distinct_all

    # -- one attribute at a time (no copy of the data) --------------------------------
    def numeric_column(self, j: int) -> np.ndarray:
        """Numeric attribute ``j`` over the labelled rows, float64 (a read-only view)."""
        return np.asarray(self.dataset.X[self.numeric_columns[j]].to_numpy(dtype=float))

    def numeric_column_all(self, j: int) -> np.ndarray:
        """Numeric attribute ``j`` over all rows (labelled first, then unlabelled)."""
        if self.dataset.n_unlabelled == 0:
            return self.numeric_column(j)
        name = self.numeric_columns[j]
        return np.concatenate([self.numeric_column(j),
                               self.dataset.X_unlabelled[name].to_numpy(dtype=float)])

    def categorical_column(self, j: int) -> np.ndarray:
        """Codes of categorical attribute ``j`` (labelled rows; -1 = missing; a small int dtype)."""
        return np.asarray(self.dataset.X[self.categorical_columns[j]].cat.codes)

    def categorical_column_all(self, j: int) -> np.ndarray:
        """Like ``categorical_column`` over all rows (labelled first, then unlabelled)."""
        if self.dataset.n_unlabelled == 0:
            return self.categorical_column(j)
        name = self.categorical_columns[j]
        return np.concatenate([self.categorical_column(j),
                               np.asarray(self.dataset.X_unlabelled[name].cat.codes)])

    @cached_property
    def target_codes(self) -> np.ndarray:
        """The target as codes 0..k-1: the classes, or a regression target's equal-frequency
        bins (``summaries.equal_frequency_cuts``)."""
        if self.is_classification:
            return self.y_codes
        y = self.y_numeric
        cuts = equal_frequency_cuts(np.sort(y), y.size)
        return np.searchsorted(cuts, y, side="left").astype(np.int64)

    @cached_property
    def profile(self) -> NumericProfile:
        """The one pass over the numeric attributes (see :mod:`metafeatures.column_pass`)."""
        p = len(self.numeric_columns)
        codes = self.target_codes
        return numeric_profile([self.numeric_column(j) for j in range(p)], codes,
                               int(codes.max()) + 1 if codes.size else 0,
                               self.numeric_column_all if self.dataset.n_unlabelled else None)

    @cached_property
    def n_categories(self) -> np.ndarray:
        """Declared number of categories of each categorical attribute (int array, length q)."""
        X = self.dataset.X
        return np.array([len(X[c].cat.categories) for c in self.categorical_columns], dtype=np.int64)

    # -- target views -------------------------------------------------------------------
    @cached_property
    def y_codes(self) -> np.ndarray:
        """Class codes 0..n_classes-1 of the labelled rows (classification only)."""
        if not self.is_classification:
            raise ValueError("y_codes is only defined for classification")
        return np.asarray(self.dataset.y.cat.codes, dtype=np.int64)

    @cached_property
    def n_classes(self) -> int:
        """Number of classes that occur (0 for regression)."""
        if not self.is_classification:
            return 0
        return int(len(self.dataset.y.cat.categories))

    @cached_property
    def class_counts(self) -> np.ndarray:
        """Instances per class (classification only), in category order."""
        return np.bincount(self.y_codes, minlength=self.n_classes)

    @cached_property
    def y_numeric(self) -> np.ndarray:
        """The regression target as float64 (regression only)."""
        if self.is_classification:
            raise ValueError("y_numeric is only defined for regression")
        return self.dataset.y.to_numpy(dtype=float)
