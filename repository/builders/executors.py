"""Where a build's evaluation units run: local threads driving sandbox workers, or dask.

Both executors expose ``imap_unordered(fn, items)``: results come back as units finish,
at most ``window`` units are in flight. The function runs :func:`metaknow.evaluation.evaluate`,
whose fits happen in sandboxed worker processes (time and memory limits), so the local
executor only needs threads; on dask each dask worker does the same.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any, Callable, Iterable, Iterator

from metaknow.exceptions import RepositoryError

__all__ = ["LocalExecutor", "DaskExecutor", "make_executor"]


def _windowed(submit: Callable[[tuple[Any, ...]], Any], wait_any: Callable[[list[Any]], Any],
              items: Iterable[tuple[Any, ...]], window: int) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Keep at most ``window`` units in flight; yield ``(args, result)`` as each finishes."""
    pending: dict[Any, tuple[Any, ...]] = {}
    it = iter(items)
    exhausted = False
    while pending or not exhausted:
        while not exhausted and len(pending) < window:
            try:
                args = next(it)
            except StopIteration:
                exhausted = True
                break
            pending[submit(args)] = args
        if not pending:
            break
        for fut in wait_any(list(pending)):
            yield pending.pop(fut), fut.result()


class LocalExecutor:
    """``n_jobs`` threads, each driving its own sandbox worker process."""

    def __init__(self, n_jobs: int = 1) -> None:
        if n_jobs < 1:
            raise RepositoryError(f"n_jobs must be at least 1, got {n_jobs}")
        self.n_jobs = n_jobs
        self._pool = ThreadPoolExecutor(n_jobs, thread_name_prefix="metaknow-build")

    def share(self, obj: Any) -> Any:
        """Make a (large) argument available to the workers; locally a no-op."""
        return obj

    def imap_unordered(self, fn: Callable[..., Any], items: Iterable[tuple[Any, ...]],
                       window: int | None = None) -> Iterator[tuple[tuple[Any, ...], Any]]:
        return _windowed(lambda args: self._pool.submit(fn, *args),
                         lambda futs: wait(futs, return_when=FIRST_COMPLETED)[0],
                         items, window or 2 * self.n_jobs)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Units run as tasks on a dask.distributed cluster at ``address``."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - dask is a dependency
            raise RepositoryError("--scheduler needs dask.distributed: pip install 'dask[distributed]'")
        try:
            self._client = Client(address, timeout=30)
        except (OSError, TimeoutError) as exc:
            raise RepositoryError(f"cannot reach the dask scheduler at {address} ({exc})") from None
        self.n_jobs = max(1, sum(self._client.nthreads().values()))

    def share(self, obj: Any) -> Any:
        return self._client.scatter(obj, broadcast=False, hash=False)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Start ``fn(*args)`` on the cluster; returns its future (never cached: ``pure=False``)."""
        return self._client.submit(fn, *args, pure=False)

    def wait_first(self, futures: list[Any], timeout: float | None = None) -> set[Any]:
        """The futures that are done, waiting up to ``timeout`` s for the first one."""
        from distributed import wait as dask_wait

        try:
            return set(dask_wait(futures, timeout=timeout, return_when="FIRST_COMPLETED").done)
        except TimeoutError:
            return {f for f in futures if f.done()}

    def cancel(self, futures: list[Any]) -> None:
        if futures:
            self._client.cancel(futures)

    def imap_unordered(self, fn: Callable[..., Any], items: Iterable[tuple[Any, ...]],
                       window: int | None = None) -> Iterator[tuple[tuple[Any, ...], Any]]:
        from distributed import wait as dask_wait

        return _windowed(lambda args: self._client.submit(fn, *args, pure=False),
                         lambda futs: dask_wait(futs, return_when="FIRST_COMPLETED").done,
                         items, window or 2 * self.n_jobs)

    def close(self) -> None:
        self._client.close()


def make_executor(n_jobs: int = 1, scheduler: str | None = None) -> LocalExecutor | DaskExecutor:
    return DaskExecutor(scheduler) if scheduler else LocalExecutor(n_jobs)
