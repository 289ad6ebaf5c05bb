"""The extension point of importance methods: decompose one task's surrogate.

A method receives a fitted :class:`~metaknow.importance.surrogates.TaskSurrogate` and
returns a :class:`Decomposition`: the share of the surrogate's variance (over the unit
hypercube, i.e. the space's sampling distribution) owed to each parameter and, when the
method supports it, each pair. Methods keep no state between tasks; adding one = one
module with an :class:`ImportanceMethod` subclass + one line in
:data:`metaknow.importance.METHODS`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from metaknow.importance.surrogates import TaskSurrogate

__all__ = ["Decomposition", "ImportanceMethod"]


@dataclass(frozen=True)
class Decomposition:
    """Variance shares of one task.

    Attributes
    ----------
    shares : dict
        ``(name,)`` or ``(name_a, name_b)`` -> share of the total variance in ``[0, 1]``.
        Parameters the task did not vary are absent.
    total_variance : float
        Variance of the surrogate's prediction over the hypercube (0 for a constant).
    """

    shares: dict[tuple[str, ...], float]
    total_variance: float


class ImportanceMethod(ABC):
    """Share of variance per parameter (and pair) of one task's surrogate.

    Attributes
    ----------
    name : str
        The registry name.
    supports_pairs : bool
        Whether :meth:`decompose` can report pairs.
    """

    name: ClassVar[str]
    supports_pairs: ClassVar[bool] = False

    @abstractmethod
    def decompose(self, surrogate: TaskSurrogate, pairs: bool = True) -> Decomposition:
        """The variance shares of ``surrogate`` over the parameters it varied."""
