"""Running trials: in this process, or one child process per trial with a hard time limit.

An objective is called either as ``objective(config)`` (returning one cost, a sequence
of per-fold costs, or an :class:`Evaluation`) or, when the optimiser is given
``n_folds``, as ``objective(config, fold)`` once per fold so the intensifier can stop a
challenger early. An exception or a non-finite cost marks the trial as crashed; the
loop goes on.

:class:`SerialRunner` calls the objective in this process. :class:`ProcessRunner` runs
each trial in a fresh child of a fork server (objectives are shipped with cloudpickle, so
closures and lambdas work), up to ``n_jobs`` at a time, and kills a trial that exceeds
``time_limit`` seconds — the only reliable way to stop arbitrary Python/C code.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import wait
from typing import Any, Callable, Mapping, Sequence

import cloudpickle

from metaknow.bo.intensifier import Intensifier, NoRace
from metaknow.space import Configuration

__all__ = ["Evaluation", "Outcome", "run_trial", "Runner", "WrappedRunner", "SerialRunner",
           "ThreadRunner", "ProcessRunner"]


@dataclass(frozen=True)
class Evaluation:
    """What an objective may return for one fold (or a whole trial)."""

    cost: float
    status: str = "ok"
    error: str = ""
    scores: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """Result of running one trial."""

    fold_costs: list[float]
    status: str
    time: float
    error: str = ""
    fold_scores: list[dict[str, Any]] = field(default_factory=list)


def _as_evaluations(result: Any) -> list[Evaluation]:
    if isinstance(result, Evaluation):
        return [result]
    if isinstance(result, (list, tuple)):
        return [r if isinstance(r, Evaluation) else Evaluation(float(r)) for r in result]
    return [Evaluation(float(result))]


def _failure(evals: Sequence[Evaluation]) -> Evaluation | None:
    for e in evals:
        if e.status != "ok":
            return e
        if not math.isfinite(e.cost):
            return Evaluation(math.inf, "crash", f"objective returned a non-finite cost ({e.cost})")
    return None


def run_trial(objective: Callable[..., Any], config: Configuration, n_folds: int | None = None,
              incumbent: Sequence[float] | None = None, intensifier: Intensifier | None = None,
              ) -> Outcome:
    """Evaluate ``config`` (fold by fold when ``n_folds``), never raising for its failures."""
    intensifier = intensifier or NoRace()
    start = time.perf_counter()
    costs: list[float] = []
    scores: list[dict[str, Any]] = []
    calls = [None] if n_folds is None else list(range(n_folds))
    for fold in calls:
        try:
            result = objective(config) if fold is None else objective(config, fold)
            evals = _as_evaluations(result)
        except Exception as exc:  # the objective's failure is data, not our crash
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" at {last[0].filename}:{last[0].lineno}" if last else ""
            return Outcome([], "crash", time.perf_counter() - start,
                           f"{type(exc).__name__}: {exc}{where}", scores)
        failed = _failure(evals)
        if failed is not None:
            return Outcome([], failed.status, time.perf_counter() - start, failed.error, scores)
        costs.extend(e.cost for e in evals)
        scores.extend(dict(e.scores) for e in evals)
        if fold is not None and intensifier.should_stop(costs, incumbent):
            return Outcome(costs, "raced", time.perf_counter() - start, "", scores)
    return Outcome(costs, "ok", time.perf_counter() - start, "", scores)


class Runner:
    """Runs trials; ``submit`` starts one, ``poll`` returns those that finished."""

    n_jobs: int = 1

    def submit(self, key: Any, objective: Callable[..., Any], config: Configuration,
               n_folds: int | None, incumbent: Sequence[float] | None,
               intensifier: Intensifier | None) -> None:
        raise NotImplementedError

    def poll(self, timeout: float | None = None) -> list[tuple[Any, Outcome]]:
        raise NotImplementedError

    @property
    def running(self) -> int:
        raise NotImplementedError

    def cancel_all(self) -> list[Any]:
        """Stop every running trial; returns their keys."""
        return []

    def close(self) -> None:
        self.cancel_all()


class WrappedRunner(Runner):
    """A runner around another: everything is passed through; a subclass changes what
    :meth:`poll` reports (e.g. drops stopped trials, rewrites their costs)."""

    def __init__(self, inner: Runner) -> None:
        self.inner = inner
        self.n_jobs = inner.n_jobs

    def submit(self, key: Any, objective: Callable[..., Any], config: Configuration,
               n_folds: int | None, incumbent: Sequence[float] | None,
               intensifier: Intensifier | None) -> None:
        self.inner.submit(key, objective, config, n_folds, incumbent, intensifier)

    def poll(self, timeout: float | None = None) -> list[tuple[Any, Outcome]]:
        return self.inner.poll(timeout)

    @property
    def running(self) -> int:
        return self.inner.running

    def cancel_all(self) -> list[Any]:
        return self.inner.cancel_all()

    def close(self) -> None:
        self.inner.close()


class SerialRunner(Runner):
    """Calls the objective in this process, one trial at a time (no time limit)."""

    def __init__(self) -> None:
        self._done: list[tuple[Any, Outcome]] = []

    def submit(self, key: Any, objective: Callable[..., Any], config: Configuration,
               n_folds: int | None, incumbent: Sequence[float] | None,
               intensifier: Intensifier | None) -> None:
        self._done.append((key, run_trial(objective, config, n_folds, incumbent, intensifier)))

    def poll(self, timeout: float | None = None) -> list[tuple[Any, Outcome]]:
        done, self._done = self._done, []
        return done

    @property
    def running(self) -> int:
        return len(self._done)


class ThreadRunner(Runner):
    """Trials in ``n_jobs`` threads of this process, for objectives that isolate their own
    work (``tune``'s folds run in :mod:`metaknow.sandbox` workers when a time limit is set,
    and LightGBM releases the GIL). No time limit here: the objective enforces its own.
    """

    def __init__(self, n_jobs: int = 2) -> None:
        self.n_jobs = max(1, int(n_jobs))
        self._pool = ThreadPoolExecutor(self.n_jobs, thread_name_prefix="metaknow-trial")
        self._live: dict[Any, Future[Outcome]] = {}

    def submit(self, key: Any, objective: Callable[..., Any], config: Configuration,
               n_folds: int | None, incumbent: Sequence[float] | None,
               intensifier: Intensifier | None) -> None:
        self._live[key] = self._pool.submit(run_trial, objective, config, n_folds, incumbent,
                                            intensifier)

    @property
    def running(self) -> int:
        return len(self._live)

    def poll(self, timeout: float | None = None) -> list[tuple[Any, Outcome]]:
        if not self._live:
            return []
        futures_wait(list(self._live.values()), timeout=timeout, return_when=FIRST_COMPLETED)
        done = [(k, f.result()) for k, f in self._live.items() if f.done()]
        for k, _ in done:
            del self._live[k]
        return done

    def cancel_all(self) -> list[Any]:
        keys = list(self._live)
        for f in self._live.values():
            f.cancel()
        self._live.clear()
        return keys

    def close(self) -> None:
        self.cancel_all()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _child(conn: Any, payload: bytes) -> None:
    try:
        args = cloudpickle.loads(payload)
        outcome = run_trial(*args)
    except Exception as exc:  # unpicklable objective and the like
        outcome = Outcome([], "crash", 0.0, f"{type(exc).__name__}: {exc}")
    conn.send(asdict(outcome))
    conn.close()


_PRELOAD = ["numpy", "pandas", "sklearn.ensemble", "metaknow.bo.runner"]


class ProcessRunner(Runner):
    """One child process per trial, ``n_jobs`` at a time, killed after ``time_limit`` s.

    A child that dies without reporting (killed by the OS, out of memory, a segfault in
    native code) counts as a crash; one past its time limit as a timeout.
    """

    def __init__(self, n_jobs: int = 1, time_limit: float | None = None,
                 preload: Sequence[str] = ()) -> None:
        self.n_jobs = max(1, int(n_jobs))
        self.time_limit = time_limit
        self._ctx = mp.get_context("forkserver")
        self._ctx.set_forkserver_preload(list(_PRELOAD) + list(preload))
        self._live: dict[Any, tuple[Any, Any, float]] = {}  # key -> (process, conn, start)

    def submit(self, key: Any, objective: Callable[..., Any], config: Configuration,
               n_folds: int | None, incumbent: Sequence[float] | None,
               intensifier: Intensifier | None) -> None:
        payload = cloudpickle.dumps((objective, config, n_folds, incumbent, intensifier))
        parent, child = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(target=_child, args=(child, payload), daemon=False)
        proc.start()
        child.close()
        self._live[key] = (proc, parent, time.monotonic())

    @property
    def running(self) -> int:
        return len(self._live)

    def poll(self, timeout: float | None = None) -> list[tuple[Any, Outcome]]:
        if not self._live:
            return []
        wait_for = timeout
        if self.time_limit is not None:
            now = time.monotonic()
            soonest = min(start + self.time_limit - now for _, _, start in self._live.values())
            wait_for = max(0.0, soonest) if wait_for is None else max(0.0, min(wait_for, soonest))
        objects = [conn for _, conn, _ in self._live.values()] + \
                  [proc.sentinel for proc, _, _ in self._live.values()]
        wait(objects, timeout=wait_for)
        done: list[tuple[Any, Outcome]] = []
        now = time.monotonic()
        for key, (proc, conn, start) in list(self._live.items()):
            outcome: Outcome | None = None
            if conn.poll():
                try:
                    outcome = Outcome(**conn.recv())
                except (EOFError, OSError):
                    outcome = None
            if outcome is None and not proc.is_alive():
                outcome = Outcome([], "crash", now - start,
                                  f"trial process died (exit code {proc.exitcode})")
            if outcome is None and self.time_limit is not None and now - start > self.time_limit:
                proc.kill()
                outcome = Outcome([], "timeout", now - start,
                                  f"exceeded the time limit of {self.time_limit:g} s")
            if outcome is not None:
                proc.join(timeout=5)
                conn.close()
                del self._live[key]
                done.append((key, outcome))
        return done

    def cancel_all(self) -> list[Any]:
        keys = list(self._live)
        for proc, conn, _ in self._live.values():
            proc.kill()
        for proc, conn, _ in self._live.values():
            proc.join(timeout=5)
            conn.close()
        self._live.clear()
        return keys
