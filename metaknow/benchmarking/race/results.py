"""The race's results file: one JSON line per finished cell, appended as cells finish.

A cell is ``(table, seed, tuner, budget)``; a rerun skips the cells whose line is there,
so a killed race resumes where it stopped. A line that does not parse (a write cut short)
is ignored and its cell rerun.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["CELL_KEYS", "append_line", "cell_key", "finished_cells", "read_lines"]

CELL_KEYS = ("table", "seed", "tuner", "budget")


def cell_key(line: dict[str, Any]) -> tuple[str, int, str, float]:
    """The cell a result line belongs to."""
    return (str(line["table"]), int(line["seed"]), str(line["tuner"]), float(line["budget"]))


def read_lines(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Every complete result line of ``path`` (none when it does not exist)."""
    path = Path(path)
    if not path.is_file():
        return
    with path.open() as fh:
        for text in fh:
            try:
                line = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(line, dict) and all(k in line for k in CELL_KEYS):
                yield line


def finished_cells(path: str | os.PathLike[str]) -> set[tuple[str, int, str, float]]:
    """Keys of the cells ``path`` already holds."""
    return {cell_key(line) for line in read_lines(path)}


def append_line(path: str | os.PathLike[str], line: dict[str, Any]) -> None:
    """Append ``line`` as one JSON line (flushed and synced before returning). A previous
    write cut short without its newline is ended first, so it spoils only itself."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(line, sort_keys=True, allow_nan=True) + "\n"
    with path.open("a+b") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() > 0:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                text = "\n" + text
        fh.write(text.encode())
        fh.flush()
        os.fsync(fh.fileno())
