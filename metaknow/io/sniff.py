"""Which delimiter (and decimal mark) a ``.csv`` file uses: ``,`` or ``;``.

Spreadsheets in many locales save "CSV" with ``;`` between fields and ``,`` as the
decimal mark. :func:`csv_dialect` reads the first lines only: the header decides the
delimiter (``;`` when it holds more semicolons than commas outside quotes); with ``;``,
numbers written ``1,5`` in the sample mean a decimal comma.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

__all__ = ["csv_dialect"]

#: Bytes read to decide (the header and a few rows).
SAMPLE_BYTES = 65_536
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")


def csv_dialect(path: Path) -> tuple[str, str]:
    """``(delimiter, decimal mark)`` of a CSV file, plain or ``.gz``."""
    lines = _sample_lines(path)
    if not lines:
        return ",", "."
    header = _unquoted(lines[0])
    if header.count(";") <= header.count(","):
        return ",", "."
    fields = [f for line in lines[1:] for f in _unquoted(line).split(";")]
    decimal = "," if any(_DECIMAL_COMMA.match(f) for f in fields) else "."
    return ";", decimal


def _sample_lines(path: Path) -> list[str]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read(SAMPLE_BYTES)
    except (OSError, EOFError):
        return []  # the reader proper reports the problem
    text = raw.decode("utf-8", errors="replace")
    lines = text.splitlines()
    if len(raw) == SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # possibly cut mid-line
    return [line for line in lines if line.strip()][:50]


def _unquoted(line: str) -> str:
    """The line without its double-quoted parts (delimiters inside quotes do not count)."""
    return re.sub(r'"[^"]*"', "", line)
