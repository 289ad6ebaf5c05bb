"""C4.5's pessimistic error estimate, used by the J48-like pruning.

:func:`added_errors` is the number of errors C4.5 adds to the ``e`` training errors of
a leaf holding ``n`` (weighted) rows: the upper limit of a binomial confidence interval
at level ``cf`` minus ``e`` (Quinlan 1993), in the normal approximation that Weka's
``Stats.addErrs`` uses (exact for ``e = 0``, interpolated for ``0 < e < 1``).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.stats import norm

__all__ = ["added_errors", "added_errors_scalar"]


@lru_cache(maxsize=32)
def _z(cf: float) -> float:
    return float(norm.ppf(1.0 - cf))


def _upper_scalar(n: float, e: float, z: float) -> float:
    f = (e + 0.5) / n
    r = f + z * z / (2 * n) + z * math.sqrt(max(f / n - f * f / n + z * z / (4 * n * n), 0.0))
    return r / (1 + z * z / n) * n - e


def added_errors_scalar(n: float, e: float, cf: float) -> float:
    """:func:`added_errors` for one leaf (fast path for tree pruning)."""
    if n <= 0:
        return 0.0
    z = _z(cf)
    if e < 1:
        base = n * (1.0 - cf ** (1.0 / n))
        return base + e * (_upper_scalar(n, 1.0, z) - base)
    if e + 0.5 >= n:
        return max(n - e, 0.0)
    return _upper_scalar(n, e, z)


def _upper(n: np.ndarray, e: np.ndarray, z: float) -> np.ndarray:
    f = (e + 0.5) / n
    r = (f + z * z / (2 * n)
         + z * np.sqrt(np.maximum(f / n - f * f / n + z * z / (4 * n * n), 0.0)))
    return r / (1 + z * z / n) * n - e


def added_errors(n: np.ndarray, e: np.ndarray, cf: float) -> np.ndarray:
    """Extra errors C4.5 charges a leaf of ``n`` rows with ``e`` errors at confidence ``cf``."""
    n = np.asarray(n, dtype=float)
    e = np.asarray(e, dtype=float)
    z = _z(cf)
    safe_n = np.maximum(n, 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        base = safe_n * (1.0 - cf ** (1.0 / safe_n))  # e = 0: exact binomial limit
        small = base + e * (_upper(safe_n, np.ones_like(e), z) - base)
        large = _upper(safe_n, e, z)
    out = np.where(e < 1, small, np.where(e + 0.5 >= n, np.maximum(n - e, 0.0), large))
    return np.where(n > 0, out, 0.0)
