"""The landmark-learner contract.

A :class:`Learner` is fitted on a :class:`~metafeatures.learners.table.Table` and its
target; for classification ``y`` holds class codes ``0..n_classes-1`` and ``predict``
returns class probabilities of shape ``(n, n_classes)`` (every class has a column, even
one absent from the training rows); for regression ``n_classes`` is 0 and ``predict``
returns the predicted values. Learners encode and impute from their training rows only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from metafeatures.learners.table import Table

__all__ = ["Learner", "prior"]


class Learner(ABC):
    """A cheap learner used as a landmark."""

    @abstractmethod
    def fit(self, table: Table, y: np.ndarray, n_classes: int) -> "Learner":
        """Fit on ``table`` and ``y`` (class codes, or values when ``n_classes == 0``)."""

    @abstractmethod
    def predict(self, table: Table) -> np.ndarray:
        """Class probabilities ``(n, n_classes)``, or values ``(n,)`` for regression."""


def prior(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Class frequencies of ``y`` (uniform when ``y`` is empty)."""
    counts = np.bincount(y, minlength=n_classes).astype(float)
    total = counts.sum()
    return counts / total if total > 0 else np.full(n_classes, 1.0 / n_classes)
