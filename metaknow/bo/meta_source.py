"""The meta-surrogate, conditioned on the target task, as one more source of the transfer loop.

Per-task source forests (:mod:`metaknow.bo.transfer`) only know the configurations their
task happened to run (64 of the bundled design); the meta-surrogate
(:class:`~metaknow.recommenders.meta_surrogate.MetaSurrogate`) has learned from every
stored evaluation of the space how a configuration's within-task rank depends on the
task's meta-features, so it can be asked about any configuration for *this* task. Wrapped
here as a cost model (``cost = -predicted rank``) in its own standardised units, it joins
the acquisition beside the forests and is weighted by the same ranking loss on the run's
own trials: where the meta-features mislead, it ranks the trials badly and is dropped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MetaSurrogateSource"]


class MetaSurrogateSource:
    """A fitted meta-surrogate's prediction for one task, as a standardised cost model.

    Parameters
    ----------
    surrogate : MetaSurrogate
        Fitted on the repository without the target task.
    metafeatures : pandas.Series
        The target task's meta-features.
    reference : ndarray
        Vector forms whose predicted costs define the standardisation (mean 0, sd 1 over
        them), e.g. random configurations of the space.
    """

    def __init__(self, surrogate: Any, metafeatures: Any, reference: np.ndarray) -> None:
        self.surrogate = surrogate
        self.z = surrogate.task_matrix(metafeatures)
        cost = self._raw(np.atleast_2d(reference))[0]
        self.mu = float(np.mean(cost))
        sd = float(np.std(cost))
        self.sd = sd if sd > 0 else 1.0

    def _raw(self, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, std = self.surrogate.predict(self.z, np.atleast_2d(V))
        return -mean[0], std[0] ** 2

    def predict(self, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Standardised predicted cost and its variance (the bagged models' spread)."""
        cost, var = self._raw(V)
        return (cost - self.mu) / self.sd, var / self.sd ** 2
