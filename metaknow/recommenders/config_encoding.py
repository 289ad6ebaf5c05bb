"""A numeric encoding of configurations from any mix of spaces, for meta-models.

Columns: the space (as a category code) and one column per (space, parameter). Numeric
values are used as they are, on a log10 scale when all the repository's values are
positive and span more than two orders of magnitude; other values (strings, booleans,
None) become the index of the value among those seen in ``fit`` (unseen: NaN). A
parameter that a configuration lacks (another space's, or an inactive one) is NaN,
which tree models treat as its own branch.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

__all__ = ["ConfigEncoder"]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


class ConfigEncoder:
    """Encode ``(space key, params)`` pairs as float vectors (see module docstring)."""

    def fit(self, configs: Iterable[tuple[str, Mapping[str, Any]]]) -> "ConfigEncoder":
        configs = list(configs)
        self.spaces_ = sorted({s for s, _ in configs})
        values: dict[tuple[str, str], list[Any]] = {}
        for space, params in configs:
            for name, v in params.items():
                values.setdefault((space, name), []).append(v)
        self.columns_ = sorted(values)
        self.kind_: dict[tuple[str, str], str] = {}
        self.levels_: dict[tuple[str, str], dict[str, int]] = {}
        for col, vals in values.items():
            if all(_is_number(v) for v in vals):
                arr = np.asarray(vals, dtype=float)
                wide = bool(np.all(arr > 0) and arr.max() > 100 * arr.min())
                self.kind_[col] = "log" if wide else "linear"
            else:
                self.kind_[col] = "category"
                self.levels_[col] = {r: i for i, r in enumerate(sorted({repr(v) for v in vals}))}
        self.index_ = {c: i + 1 for i, c in enumerate(self.columns_)}
        return self

    @property
    def feature_names_(self) -> list[str]:
        return ["space"] + [f"{s}:{n}" for s, n in self.columns_]

    def transform(self, configs: Iterable[tuple[str, Mapping[str, Any]]]) -> np.ndarray:
        configs = list(configs)
        X = np.full((len(configs), 1 + len(self.columns_)), np.nan)
        space_code = {s: i for i, s in enumerate(self.spaces_)}
        for r, (space, params) in enumerate(configs):
            X[r, 0] = space_code.get(space, np.nan)
            for name, v in params.items():
                col = (space, name)
                c = self.index_.get(col)
                if c is None:
                    continue
                kind = self.kind_[col]
                if kind == "category":
                    X[r, c] = self.levels_[col].get(repr(v), np.nan)
                elif _is_number(v):
                    X[r, c] = np.log10(v) if kind == "log" and v > 0 else float(v)
        return X
