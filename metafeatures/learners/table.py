"""The array view of a dataset that the landmark learners work on.

A :class:`Table` holds the numeric attributes as a float matrix (NaN = missing) and the
nominal ones as integer codes (-1 = missing) with their number of levels. Attribute
``j`` is numeric column ``j`` for ``j < n_numeric`` and nominal column
``j - n_numeric`` after that, so subsets of attributes (feature selection, one random
attribute) keep their type. Learners encode a table themselves (one-hot, min-max
scaling, mean imputation...) from the *training* rows only, so nothing leaks across
cross-validation folds.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

__all__ = ["Table", "TableEncoder", "MAX_LEVELS", "data_key", "Memo"]

#: One-hot encodings keep at most this many most frequent levels of a nominal
#: attribute (per training fold); rarer levels share the all-zero code.
MAX_LEVELS = 100


@dataclass(frozen=True)
class Table:
    """Numeric and nominal attributes of ``n`` rows, in array form.

    Attributes
    ----------
    numeric : ndarray of shape (n, p), float
        Numeric attributes; NaN marks a missing value.
    codes : ndarray of shape (n, q), int
        Nominal attributes as level codes; -1 marks a missing value.
    n_levels : tuple of int
        Number of levels of each nominal attribute (length q).
    """

    numeric: np.ndarray
    codes: np.ndarray
    n_levels: tuple[int, ...]

    @classmethod
    def from_frame(cls, X: pd.DataFrame) -> "Table":
        """Build a table from a feature frame (numeric float columns, ``category`` ones)."""
        num_cols = [c for c in X.columns if not isinstance(X[c].dtype, pd.CategoricalDtype)]
        cat_cols = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
        n = len(X)
        numeric = (X[num_cols].to_numpy(dtype=float) if num_cols
                   else np.empty((n, 0), dtype=float))
        codes = (np.column_stack([np.asarray(X[c].cat.codes, dtype=np.int64) for c in cat_cols])
                 if cat_cols else np.empty((n, 0), dtype=np.int64))
        levels = tuple(max(1, len(X[c].cat.categories)) for c in cat_cols)
        return cls(np.ascontiguousarray(numeric), np.ascontiguousarray(codes), levels)

    @property
    def n_rows(self) -> int:
        return int(self.numeric.shape[0])

    @property
    def n_numeric(self) -> int:
        return int(self.numeric.shape[1])

    @property
    def n_attributes(self) -> int:
        return int(self.numeric.shape[1] + self.codes.shape[1])

    def rows(self, index: np.ndarray) -> "Table":
        """The table restricted to the rows ``index``."""
        return Table(self.numeric[index], self.codes[index], self.n_levels)

    def attributes(self, index: np.ndarray | list[int]) -> "Table":
        """The table restricted to the attributes ``index`` (numeric ones first)."""
        index = np.asarray(sorted(int(i) for i in index), dtype=int)
        p = self.n_numeric
        num = index[index < p]
        cat = index[index >= p] - p
        return Table(self.numeric[:, num], self.codes[:, cat],
                     tuple(self.n_levels[i] for i in cat))


class TableEncoder:
    """Encode a :class:`Table` as one dense float matrix, learning from training rows.

    Numeric attributes come first (NaN kept, or replaced by the training mean when
    ``impute``); each nominal attribute becomes indicator columns for its (at most
    ``max_levels``) most frequent training levels; other levels and missing values
    encode as all zeros.

    Parameters
    ----------
    impute : bool, default False
        Replace missing numeric values by the training mean (0 for all-missing columns).
    max_levels : int, default MAX_LEVELS
    """

    def __init__(self, impute: bool = False, max_levels: int = MAX_LEVELS) -> None:
        self.impute = impute
        self.max_levels = max_levels

    def fit(self, table: Table) -> "TableEncoder":
        x = table.numeric
        counts = np.sum(~np.isnan(x), axis=0)
        sums = np.where(np.isnan(x), 0.0, x).sum(axis=0)
        self.means_ = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
        self.levels_: list[np.ndarray] = []
        owner = list(range(table.n_numeric))
        for j, n_lev in enumerate(table.n_levels):
            col = table.codes[:, j]
            freq = np.bincount(col[col >= 0], minlength=n_lev)
            keep = np.flatnonzero(freq > 0)
            if len(keep) > self.max_levels:
                keep = np.sort(np.argsort(-freq, kind="stable")[: self.max_levels])
            self.levels_.append(keep)
            owner.extend([table.n_numeric + j] * len(keep))
        #: for each encoded column, the attribute it comes from
        self.attribute_of_column_ = np.asarray(owner, dtype=int)
        return self

    def transform(self, table: Table) -> np.ndarray:
        """The encoded matrix; one all-zero column when there is nothing to encode (a
        model fitted on it predicts the training prior)."""
        if len(self.attribute_of_column_) == 0:
            return np.zeros((table.n_rows, 1))
        x = table.numeric
        if self.impute and x.size:
            x = np.where(np.isnan(x), self.means_[None, :], x)
        blocks = [x] + [(table.codes[:, j][:, None] == keep[None, :]).astype(float)
                        for j, keep in enumerate(self.levels_)]
        return np.hstack(blocks) if len(blocks) > 1 else np.array(x, dtype=float)


def data_key(table: Table, y: np.ndarray, *extra: object) -> str:
    """A digest of a table, its target and extra parameters (for memoising fits)."""
    h = hashlib.blake2b(digest_size=16)
    for part in (table.numeric, table.codes, y):
        h.update(np.ascontiguousarray(part).tobytes())
        h.update(str(part.shape).encode())
    h.update(repr((table.n_levels, extra)).encode())
    return h.hexdigest()


class Memo:
    """A small least-recently-added cache: several landmarkers fitted on the same
    training rows share one expensive step (a CFS selection, a grown tree)."""

    _instances: "list[Memo]" = []

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._items: "OrderedDict[str, Any]" = OrderedDict()
        Memo._instances.append(self)

    @classmethod
    def clear_all(cls) -> None:
        """Empty every memo (so that a repeated timing does the work again)."""
        for memo in cls._instances:
            memo._items.clear()

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._items:
            self._items[key] = compute()
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return self._items[key]
