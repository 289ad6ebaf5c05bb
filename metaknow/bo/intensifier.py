"""Intensification: race a challenger against the incumbent fold by fold.

A challenger runs its cross-validation folds in order. After each fold (from
``min_folds`` on) it is compared with the incumbent *on the same folds*; it is dropped
when it is clearly worse, so a bad configuration costs a fraction of a full
cross-validation. "Clearly worse" means: its mean cost over the folds run so far exceeds
the incumbent's mean over those folds by more than ``z`` standard errors of the paired
fold differences, plus ``margin`` (and by more than ``margin`` alone when only one fold
has run). Only challengers that complete every fold can become the incumbent.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Sequence

import numpy as np

__all__ = ["Intensifier", "FoldRace", "NoRace"]


class Intensifier(ABC):
    """Decides whether a challenger should stop after the folds it has run."""

    @abstractmethod
    def should_stop(self, challenger: Sequence[float], incumbent: Sequence[float] | None) -> bool:
        """``True`` to stop the challenger now (it is clearly worse than the incumbent)."""


class NoRace(Intensifier):
    """Every challenger runs every fold."""

    def should_stop(self, challenger: Sequence[float], incumbent: Sequence[float] | None) -> bool:
        return False


class FoldRace(Intensifier):
    """Drop a challenger once it is clearly worse than the incumbent on the same folds.

    Parameters
    ----------
    min_folds : int
        Folds a challenger always runs before it can be dropped.
    z : float
        Standard errors of the paired fold differences it must be worse by.
    margin : float
        Absolute cost difference it must be worse by (in cost units).
    """

    def __init__(self, min_folds: int = 1, *, z: float = 1.0, margin: float = 0.0) -> None:
        self.min_folds = min_folds
        self.z = z
        self.margin = margin

    def should_stop(self, challenger: Sequence[float], incumbent: Sequence[float] | None) -> bool:
        k = len(challenger)
        if incumbent is None or k < self.min_folds or k >= len(incumbent):
            return False
        c = np.asarray(challenger, dtype=float)
        i = np.asarray(incumbent[:k], dtype=float)
        if not (np.all(np.isfinite(c)) and np.all(np.isfinite(i))):
            return bool(not np.all(np.isfinite(c)))
        diff = c - i
        if k == 1:
            # one fold: compare against the incumbent's own spread across its folds
            spread = float(np.std(np.asarray(incumbent, dtype=float), ddof=1)) if len(incumbent) > 1 else 0.0
            return bool(diff[0] > self.margin + self.z * spread)
        se = float(np.std(diff, ddof=1)) / math.sqrt(k)
        return bool(diff.mean() > self.margin + self.z * se)
