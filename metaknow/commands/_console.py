"""The one place the CLI makes its rich consoles: the real terminal width, or no folding.

On a terminal, tables take the terminal's width (``COLUMNS`` overrides it, as rich
does): an 80-column terminal gets 80-column tables, their long cells wrapped between
words. Piped or redirected (not a TTY), output is for files and other programs: lines
are never wrapped (unless ``COLUMNS`` is set explicitly), so a number or a
``key=value`` token is never cut in two (``l2_regularization=0.08`` + newline +
``434``). Every cell of a table on a narrow terminal wraps only between words
(:func:`token_column` settings).
"""

from __future__ import annotations

import os
import sys
from typing import IO, Any

__all__ = ["make_console", "print_data_notes", "PIPE_WIDTH"]

#: Width given to output that is not a terminal: wide enough that nothing wraps.
PIPE_WIDTH = 10_000


def make_console(file: IO[str] | None = None) -> Any:
    """A rich ``Console`` writing to ``file`` (default stdout) at the right width."""
    from rich.console import Console

    file = file if file is not None else sys.stdout
    if _is_tty(file) or os.environ.get("COLUMNS", "").strip().isdigit():
        return Console(file=file)
    return Console(file=file, width=PIPE_WIDTH, no_color=True, highlight=False)


def _is_tty(file: IO[str]) -> bool:
    try:
        return file.isatty()
    except (AttributeError, ValueError):
        return False


def print_data_notes(dataset: Any) -> None:
    """What loading did (``Dataset.notes``), one ``note: data: ...`` line each, on stderr
    (stdout stays a clean table or JSON document)."""
    for note in dataset.notes:
        print(f"note: data: {note}", file=sys.stderr)
