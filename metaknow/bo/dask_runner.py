"""Trials on a dask.distributed cluster (``tune --scheduler ADDRESS``).

The connection, its one-line errors and the cluster's size come from the repository
builders' :class:`~repository.builders.executors.DaskExecutor` (one dask client code path
for builds and tuning). The objective is scattered to the cluster once, so a trial ships
only its configuration: the dataset reaches each dask worker once and stays there, and
folds run in that worker's sandbox processes with the objective's own time limit and the
run's deadline, exactly as locally. Results come back to this process, which records
them (``out`` makes the run resumable as usual).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from metaknow.bo.intensifier import Intensifier
from metaknow.bo.runner import Outcome, Runner, run_trial
from metaknow.exceptions import RepositoryError, TuneError
from metaknow.space import Configuration

__all__ = ["DaskRunner"]


class DaskRunner(Runner):
    """Runs trials as tasks on the dask cluster at ``address``.

    Parameters
    ----------
    address : str
        Scheduler address (``tcp://host:8786``).
    n_jobs : int, optional
        Trials in flight; default: the cluster's worker threads.
    """

    def __init__(self, address: str, n_jobs: int | None = None) -> None:
        from repository.builders.executors import DaskExecutor

        try:
            self._executor = DaskExecutor(address)
        except RepositoryError as exc:
            raise TuneError(str(exc)) from None
        self.n_jobs = int(n_jobs) if n_jobs else self._executor.n_jobs
        self._shared: tuple[Any, Any] | None = None  # (objective, its scattered future)
        self._live: dict[Any, Any] = {}  # trial key -> future

    def _objective(self, objective: Callable[..., Any]) -> Any:
        if self._shared is None or self._shared[0] is not objective:
            self._shared = (objective, self._executor.share(objective))
        return self._shared[1]

    def submit(self, key: Any, objective: Callable[..., Any], config: Configuration,
               n_folds: int | None, incumbent: Sequence[float] | None,
               intensifier: Intensifier | None) -> None:
        self._live[key] = self._executor.submit(run_trial, self._objective(objective), config,
                                                n_folds, None if incumbent is None else list(incumbent),
                                                intensifier)

    @property
    def running(self) -> int:
        return len(self._live)

    def poll(self, timeout: float | None = None) -> list[tuple[Any, Outcome]]:
        if not self._live:
            return []
        finished = self._executor.wait_first(list(self._live.values()), timeout)
        done = []
        for key, fut in list(self._live.items()):
            if fut in finished:
                del self._live[key]
                try:
                    outcome = fut.result()
                except Exception as exc:  # the dask worker died under the trial
                    outcome = Outcome([], "crash", 0.0, f"the dask task failed: {type(exc).__name__}: {exc}")
                done.append((key, outcome))
        return done

    def cancel_all(self) -> list[Any]:
        keys = list(self._live)
        self._executor.cancel(list(self._live.values()))
        self._live.clear()
        return keys

    def close(self) -> None:
        self.cancel_all()
        self._shared = None
        self._executor.close()
