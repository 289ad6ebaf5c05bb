"""Acquisition functions: plain functions of the surrogate's mean, variance and the best cost.

Costs are minimised. With ``sigma = sqrt(var)`` and ``z = (best - mean - xi) / sigma``,
expected improvement is ``EI = sigma * (z * Phi(z) + phi(z))``. ``log_expected_improvement``
returns ``log(EI)`` computed stably far into the tail (``z`` very negative), where plain
EI underflows to zero and stops ranking candidates (Ament et al., 2023, "Unexpected
improvements to expected improvement").
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.special import erfcx, ndtr

__all__ = ["expected_improvement", "log_expected_improvement", "ACQUISITIONS"]

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_SQRT_HALF_PI = np.sqrt(np.pi / 2.0)
_MIN_SIGMA = 1e-12


def expected_improvement(mean: np.ndarray, var: np.ndarray, best: float, xi: float = 0.0,
                         ) -> np.ndarray:
    """Expected improvement over ``best`` of a cost with the given mean and variance.

    Where the variance is zero, EI is the plain improvement ``max(best - mean - xi, 0)``.
    """
    mean = np.asarray(mean, dtype=float)
    sigma = np.sqrt(np.maximum(np.asarray(var, dtype=float), 0.0))
    gap = best - mean - xi
    out = np.maximum(gap, 0.0)
    pos = sigma > _MIN_SIGMA
    z = gap[pos] / sigma[pos]
    out[pos] = sigma[pos] * (z * ndtr(z) + np.exp(-0.5 * z * z - _LOG_SQRT_2PI))
    return out


def _log_h(z: np.ndarray) -> np.ndarray:
    """``log(z * Phi(z) + phi(z))``, stable for all ``z``."""
    hi = z > -1.0
    if hi.all():
        return np.log(z * ndtr(z) + np.exp(-0.5 * z * z - _LOG_SQRT_2PI))
    out = np.empty_like(z)
    zh = z[hi]
    out[hi] = np.log(zh * ndtr(zh) + np.exp(-0.5 * zh * zh - _LOG_SQRT_2PI))
    lo = ~hi
    zl = z[lo]
    # h(z) = phi(z) * (1 + z * Phi(z)/phi(z)) and Phi(z)/phi(z) = sqrt(pi/2) * erfcx(-z/sqrt 2)
    mid = zl > -1e4
    inner = np.empty_like(zl)
    inner[mid] = np.log1p(zl[mid] * _SQRT_HALF_PI * erfcx(-zl[mid] / np.sqrt(2.0)))
    inner[~mid] = -2.0 * np.log(-zl[~mid])  # 1 + z*Phi/phi -> 1/z**2 as z -> -inf
    out[lo] = -0.5 * zl * zl - _LOG_SQRT_2PI + inner
    return out


def log_expected_improvement(mean: np.ndarray, var: np.ndarray, best: float, xi: float = 0.0,
                             ) -> np.ndarray:
    """``log`` of :func:`expected_improvement`, finite wherever the variance is positive.

    Where the variance is zero it is ``log(max(best - mean - xi, 0))`` (``-inf`` when no
    improvement is possible).
    """
    mean = np.asarray(mean, dtype=float)
    sigma = np.sqrt(np.maximum(np.asarray(var, dtype=float), 0.0))
    gap = best - mean - xi
    pos = sigma > _MIN_SIGMA
    if pos.all():  # the usual case: no masking needed
        return np.log(sigma) + _log_h(gap / sigma)
    with np.errstate(divide="ignore"):
        out = np.log(np.maximum(gap, 0.0))
    out[pos] = np.log(sigma[pos]) + _log_h(gap[pos] / sigma[pos])
    return out


#: name -> acquisition function; adding one = one function + one line.
ACQUISITIONS: dict[str, Callable[..., np.ndarray]] = {
    "ei": expected_improvement,
    "log_ei": log_expected_improvement,
}
