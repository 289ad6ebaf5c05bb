"""A wall-clock budget for a whole run: trials cut at the deadline are not recorded.

``tune(wall_time=T)`` sets one deadline (epoch seconds, so it holds on every machine of a
cluster) and hands it to each fold (:func:`metaknow.evaluation.evaluate_fold`), whose
sandbox worker is killed when the deadline passes; such a fold comes back with status
``"stopped"``. That says nothing about the configuration (it was cut short, not slow), so
:class:`DeadlineRunner` drops stopped trials instead of letting the optimiser record them
as failures: the history holds exactly the trials that finished, and a resumed run
evaluates the stopped ones again.
"""

from __future__ import annotations

import time
from typing import Any

from metaknow.bo.runner import Outcome, Runner, WrappedRunner

__all__ = ["STOPPED", "Deadline", "DeadlineRunner"]

#: Status of a fold or trial cut short by the run's deadline.
STOPPED = "stopped"


class Deadline:
    """The end of a run's wall-clock budget.

    Parameters
    ----------
    seconds : float
        Budget from now.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = float(seconds)
        self.at = time.time() + self.seconds

    def left(self) -> float:
        """Seconds until the deadline (negative once it has passed)."""
        return self.at - time.time()

    @property
    def passed(self) -> bool:
        return self.left() <= 0.0


class DeadlineRunner(WrappedRunner):
    """Wraps a runner; trials that come back ``stopped`` are dropped, not reported.

    Their keys are returned by the next :meth:`cancel_all`, so the optimiser forgets them
    as pending trials.
    """

    def __init__(self, inner: Runner) -> None:
        super().__init__(inner)
        self.stopped: list[Any] = []

    def poll(self, timeout: float | None = None) -> list[tuple[Any, Outcome]]:
        out = []
        for key, outcome in self.inner.poll(timeout):
            if outcome.status == STOPPED:
                self.stopped.append(key)
            else:
                out.append((key, outcome))
        return out

    def cancel_all(self) -> list[Any]:
        keys, self.stopped = self.stopped + self.inner.cancel_all(), []
        return keys
