"""Total-effect indices by quasi-Monte Carlo: a cheap, model-agnostic importance method.

The total effect of input ``i`` (Homma & Saltelli 1996) is the share of variance that
would vanish if ``x_i`` were known: its main effect plus every interaction it takes
part in. Jansen's estimator, on two scrambled-Sobol samples ``A`` and ``B`` of the unit
hypercube, with ``AB_i`` = ``A`` whose column ``i`` comes from ``B``::

    S_T,i = mean((f(A) - f(AB_i))^2) / (2 Var f)

The samples are drawn over the surrogate's domain. It needs only predictions,
``(d + 2) n`` of them, so it works for any model; it is the "resample one parameter, see
how much the prediction moves" (permutation-style) importance, normalised to a share.
No pairs.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import qmc

from metaknow.importance.base import Decomposition, ImportanceMethod
from metaknow.importance.surrogates import TaskSurrogate

__all__ = ["TotalEffect"]


class TotalEffect(ImportanceMethod):
    """Total-effect share of each parameter (Jansen's estimator, scrambled Sobol).

    Parameters
    ----------
    n : int, default=1024
        Points per Sobol sample (a power of two).
    seed : int, default=0
    """

    name = "total_effect"
    supports_pairs = False

    def __init__(self, n: int = 1024, seed: int = 0) -> None:
        self.n = n
        self.seed = seed

    def decompose(self, surrogate: TaskSurrogate, pairs: bool = True) -> Decomposition:
        d = len(surrogate.names)
        sample = qmc.Sobol(d=2 * d, scramble=True, seed=self.seed).random(int(self.n))
        lo, span = surrogate.domain[:, 0], surrogate.domain[:, 1] - surrogate.domain[:, 0]
        A, B = lo + span * sample[:, :d], lo + span * sample[:, d:]
        fA, fB = surrogate.predict(A), surrogate.predict(B)
        var = float(np.var(np.concatenate([fA, fB])))
        shares: dict[tuple[str, ...], float] = {}
        for j in surrogate.dims:
            AB = A.copy()
            AB[:, j] = B[:, j]
            st = float(np.mean((fA - surrogate.predict(AB)) ** 2)) / (2 * var) if var > 1e-15 else 0.0
            shares[(surrogate.names[j],)] = min(max(st, 0.0), 1.0)
        return Decomposition(shares, var)
