"""A run's output folder: checked before any work, and held by one run at a time.

:func:`prepare_run_dir` turns an unusable ``out`` (an existing file, a path under a file,
a folder that cannot be created or written) into a one-line :class:`TuneError` before
the data is even read. :func:`hold_run_dir` takes an exclusive OS lock
(``fcntl.flock``) on ``FOLDER/.lock`` for the whole run: a second run into the same
folder is refused at once with a message naming the folder, instead of interleaving its
trials with the first run's. The OS drops the lock when the process ends, however it
ends (crash, kill -9), so a later run (a resume) always gets it. Holding is reentrant
within one thread (the CLI and the :func:`metaknow.tune` it calls hold the same folder);
another thread of the same process is refused like another process.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from pathlib import Path
from typing import Any, Iterator

from metaknow.exceptions import TuneError

__all__ = ["prepare_run_dir", "hold_run_dir", "LOCK_FILE"]

LOCK_FILE = ".lock"

_held: dict[str, list[Any]] = {}  # resolved folder -> [fd, depth, thread], this process's
_guard = threading.Lock()


def prepare_run_dir(out: str | os.PathLike[str]) -> Path:
    """Create ``out`` (and its parents) and check it is a writable folder.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    TuneError
        One line naming the folder and the problem.
    """
    path = Path(out).expanduser()
    if path.exists() and not path.is_dir():
        raise TuneError(f"output folder {path}: is an existing file, not a folder; "
                        "choose another --out (out=)")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise TuneError(f"output folder {path}: {parent} is a file, not a folder; "
                                "choose another --out (out=)")
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TuneError(f"output folder {path}: cannot be created "
                        f"({exc.strerror or type(exc).__name__}); choose another --out (out=)"
                        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise TuneError(f"output folder {path}: not writable; choose another --out (out=)")
    return path


@contextlib.contextmanager
def hold_run_dir(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold ``out`` exclusively for the duration of the ``with`` block.

    Raises
    ------
    TuneError
        Another process (or another open of the folder) holds it.
    """
    existed = Path(out).expanduser().is_dir()
    path = prepare_run_dir(out)
    key = str(path.resolve())
    with _guard:
        if key in _held and _held[key][2] == threading.get_ident():
            _held[key][1] += 1
        elif key in _held:  # another thread of this process runs into it
            raise TuneError(f"output folder {path} is in use: another metaknow run holds it "
                            f"(pid {os.getpid()}, another thread); wait for it to finish or "
                            "choose another --out")
        else:
            _held[key] = [_lock(path), 1, threading.get_ident()]
    failed = True
    try:
        yield path
        failed = False
    finally:
        with _guard:
            entry = _held[key]
            entry[1] -= 1
            if entry[1] == 0:
                del _held[key]
                if failed and not existed:
                    _remove_if_unused(path)
                os.close(entry[0])  # closing the descriptor releases the flock


def _remove_if_unused(path: Path) -> None:
    """A folder this run created and left with nothing but its lock file goes again
    (e.g. the data could not be read)."""
    try:
        if [p.name for p in path.iterdir()] == [LOCK_FILE]:
            (path / LOCK_FILE).unlink()
            path.rmdir()
    except OSError:
        pass


def _lock(path: Path) -> int:
    import fcntl

    lock = path / LOCK_FILE
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise TuneError(f"output folder {path}: cannot create its lock file "
                        f"({exc.strerror or type(exc).__name__})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EACCES, errno.EAGAIN):
            raise TuneError(f"output folder {path} is in use: another metaknow run holds it "
                            f"(pid {_holder(lock)}); wait for it to finish or choose another "
                            "--out") from None
        raise TuneError(f"output folder {path}: cannot lock it ({exc.strerror})") from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _holder(lock: Path) -> str:
    try:
        return lock.read_text().strip() or "?"
    except OSError:
        return "?"
