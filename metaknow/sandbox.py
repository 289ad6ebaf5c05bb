"""Worker processes that fit models under a time and a memory limit.

A :class:`Sandbox` is one long-lived Python subprocess (started with
``python -m metaknow.sandbox``) that receives a dataset once and then fits many
folds on it. The parent waits for each answer until the worker has used
``time_limit`` seconds of CPU (see :meth:`Sandbox._wait`) and kills the worker when it
runs away (the next request starts a fresh one); the
worker's address space is capped with ``RLIMIT_AS`` so a fit that allocates too
much fails with ``MemoryError`` (status ``memout``) instead of taking the machine down.

Workers are plain subprocesses rather than :mod:`multiprocessing` children, so they
can be started from daemonic processes too (a dask worker, a process pool).
Messages between parent and worker are pickled over a private socket pair: only
objects this module's own processes created travel through it.

:func:`acquire` hands out idle sandboxes from a process-wide pool (thread-safe), so
threads of one process can evaluate in parallel, each in its own worker.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Any, Iterator

__all__ = ["Sandbox", "SandboxTimeout", "SandboxDeadline", "SandboxDied", "SandboxMemout",
           "acquire", "shutdown"]

#: Native thread pools inside a worker: one thread each (parallelism comes from workers).
_THREAD_ENV = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")}
#: Seconds the parent waits for a worker to load a dataset (not part of a fold's limit).
_LOAD_TIMEOUT = 600.0


class SandboxTimeout(Exception):
    """The worker did not answer within the time limit (it has been killed)."""


class SandboxDeadline(SandboxTimeout):
    """The worker was killed at a wall-clock deadline (a run's budget), not its CPU limit."""


class SandboxMemout(Exception):
    """The worker ran out of memory outside the model (e.g. while importing it)."""


class SandboxDied(Exception):
    """The worker process exited unexpectedly (signal, abort, out-of-memory kill).

    ``signum`` is the signal that ended it, if one did.
    """

    def __init__(self, message: str, signum: int | None = None) -> None:
        super().__init__(message)
        self.signum = signum

    @property
    def stopped_from_outside(self) -> bool:
        """Ended by a termination request (SIGTERM, SIGINT, SIGHUP): not the model's doing."""
        return self.signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def dataset_key(dataset: Any) -> str:
    """A per-object identity for a dataset, so a worker receives each dataset once."""
    key = getattr(dataset, "_sandbox_key", None)
    if key is None:
        key = uuid.uuid4().hex
        object.__setattr__(dataset, "_sandbox_key", key)
    return key


class Sandbox:
    """One worker process; see the module docstring.

    Parameters
    ----------
    memory_limit_mb : int, optional
        Address-space limit of the worker in MiB (``None``: unlimited).
    """

    def __init__(self, memory_limit_mb: int | None = None) -> None:
        self.memory_limit_mb = memory_limit_mb
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._dataset_key: str | None = None

    # ------------------------------------------------------------ lifecycle
    def _start(self) -> None:
        parent, child = Pipe(duplex=True)
        env = dict(os.environ, **_THREAD_ENV)
        env["PYTHONWARNINGS"] = "ignore"
        cmd = [sys.executable, "-m", "metaknow.sandbox", str(child.fileno()),
               str(self.memory_limit_mb or 0)]
        self._proc = subprocess.Popen(cmd, pass_fds=(child.fileno(),), env=env,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True)
        child.close()
        self._conn = parent
        self._dataset_key = None

    def close(self) -> None:
        """Stop the worker (politely, then by force)."""
        if self._proc is None:
            return
        try:
            assert self._conn is not None
            self._conn.send(None)
            self._proc.wait(timeout=2)
        except Exception:
            self.kill()
        finally:
            if self._conn is not None:
                self._conn.close()
            self._proc = self._conn = None

    def kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.send_signal(signal.SIGKILL)
            self._proc.wait()
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None
        self._dataset_key = None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    # ------------------------------------------------------------- requests
    def _ask(self, message: Any, timeout: float | None, deadline: float | None = None) -> Any:
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        assert self._conn is not None and self._proc is not None
        try:
            self._conn.send(message)
            ready = self._wait(timeout, deadline)
        except (BrokenPipeError, ConnectionResetError, OSError):
            ready = True  # the recv below reports how the worker died
        if not ready:
            self.kill()
            if deadline is not None and time.time() >= deadline:
                raise SandboxDeadline("stopped at the run's wall-clock deadline")
            raise SandboxTimeout(f"no answer within {timeout:g} s")
        try:
            return self._conn.recv()
        except (EOFError, ConnectionResetError, OSError):
            code = self._proc.wait()
            self._proc = None
            self._conn.close()
            self._conn = None
            reason = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
            raise SandboxDied(f"worker process died ({reason})", -code if code < 0 else None) from None

    def _wait(self, limit: float | None, deadline: float | None = None) -> bool:
        """Wait for an answer while the worker has used less than ``limit`` seconds and
        the wall clock (``time.time()``) is before ``deadline``.

        Where ``/proc`` shows the worker's CPU time (Linux), the limit counts the worker's
        CPU seconds, plus the seconds it spends neither running nor runnable (a hang), so
        a busy machine slows a fit down without turning it into a timeout. Elsewhere the
        limit is wall-clock time. The deadline is wall-clock time everywhere: it is the
        end of a run's budget (``tune --wall-time``), which the user counts in seconds
        of their own time; it is epoch time so that a deadline set on one machine holds
        on a cluster's others.
        """
        assert self._conn is not None and self._proc is not None
        if limit is None and deadline is None:
            return self._conn.poll(None)
        if limit is None:
            limit = float("inf")
        pid = self._proc.pid
        start, t0 = _cpu_and_state(pid), time.monotonic()
        stalled, last = 0.0, t0
        step = min(1.0, max(0.02, limit / 20))
        if deadline is not None:
            step = min(step, max(0.02, (deadline - time.time()) / 20))
        while not self._conn.poll(step):
            if deadline is not None and time.time() >= deadline:
                return False
            now, probe = time.monotonic(), _cpu_and_state(pid)
            if start is None or probe is None:
                used = now - t0  # no /proc: wall clock
            else:
                if probe[1] in "SD":  # sleeping or blocked: a hang counts in wall time
                    stalled += now - last
                used = probe[0] - start[0] + stalled
            last = now
            if used >= limit:
                return False
        return True

    def call(self, dataset: Any, function: str, kwargs: dict[str, Any],
             time_limit: float | None = None, deadline: float | None = None) -> Any:
        """Run ``function`` (a dotted name) as ``function(dataset=dataset, **kwargs)``.

        ``deadline`` (epoch seconds, optional) stops the worker at that wall-clock time,
        whatever its CPU use, loading the dataset included.

        Raises
        ------
        SandboxTimeout, SandboxDeadline, SandboxDied
        """
        key = dataset_key(dataset)
        if self._dataset_key != key or self._proc is None or self._proc.poll() is not None:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            self._ask(("dataset", key, dataset), _LOAD_TIMEOUT, deadline)
            self._dataset_key = key
        status, value = self._ask(("call", key, function, kwargs), time_limit, deadline)
        if status == "memout":
            raise SandboxMemout(value)
        if status == "error":  # a bug in the request itself, not in a model
            raise RuntimeError(value)
        return value


def _cpu_and_state(pid: int) -> tuple[float, str] | None:
    """CPU seconds (user + system) and scheduler state letter of ``pid`` from ``/proc``."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # after the command name: state is field 3, utime 14 and stime 15 (proc(5))
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS, fields[0].decode()


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# ------------------------------------------------------------------ the pool
_POOL: dict[int | None, list[Sandbox]] = {}
_POOL_LOCK = threading.Lock()


@contextlib.contextmanager
def acquire(memory_limit_mb: int | None = None) -> Iterator[Sandbox]:
    """Borrow an idle sandbox with this memory limit (started on first use)."""
    with _POOL_LOCK:
        idle = _POOL.setdefault(memory_limit_mb, [])
        box = idle.pop() if idle else Sandbox(memory_limit_mb)
    try:
        yield box
    finally:
        with _POOL_LOCK:
            _POOL.setdefault(memory_limit_mb, []).append(box)


def shutdown() -> None:
    """Stop every pooled worker (also runs at interpreter exit)."""
    with _POOL_LOCK:
        boxes = [b for group in _POOL.values() for b in group]
        _POOL.clear()
    for box in boxes:
        box.close()


atexit.register(shutdown)


# ---------------------------------------------------------------- the worker
#: Imported before the memory limit is set: the libraries every fit needs (the package
#: itself loads them lazily), so that the limit bounds the fit, not the interpreter's start.
_PRELOAD = ("numpy", "pandas", "sklearn.base", "metaknow.dataset", "metaknow.evaluation")


def _worker(fd: int, memory_limit_mb: int) -> None:
    import importlib

    for name in _PRELOAD:
        importlib.import_module(name)
    if memory_limit_mb > 0:
        import resource

        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn = Connection(fd)
    datasets: dict[str, Any] = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        if message[0] == "dataset":
            datasets.clear()
            datasets[message[1]] = message[2]
            conn.send(("ok", None))
            continue
        _, key, function, kwargs = message
        try:
            module_name, _, attr = function.rpartition(".")
            fn = getattr(importlib.import_module(module_name), attr)
            conn.send(("ok", fn(dataset=datasets[key], **kwargs)))
        except MemoryError:
            conn.send(("memout", "MemoryError while loading the model code"))
        except Exception as exc:  # reported to the parent, which raises it
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


if __name__ == "__main__":
    _worker(int(sys.argv[1]), int(sys.argv[2]))
