"""Copy committed result files into the documents that quote them, or check the copies.

README.md and docs/benchmarks.md hold blocks of the form::

    <!-- include benchmarks/results/first_pick/README.md -->
    ...copied text...
    <!-- end include -->

``python benchmarks/make_docs.py`` rewrites each block from its file (paths from the
repository root); ``--check`` changes nothing and exits 1 naming every stale block, which
``tests/test_benchmark_docs.py`` runs, so a figure in the documents cannot drift from its run.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("README.md", "docs/benchmarks.md", "docs/benchmarks/race.md")
BLOCK = re.compile(r"(<!-- include (?P<path>\S+) -->\n)(?P<body>.*?)(<!-- end include -->)", re.S)


def render(text: str, root: Path = ROOT) -> str:
    """``text`` with every include block refreshed from its file (a missing file: empty)."""
    def fill(m: re.Match[str]) -> str:
        path = root / m.group("path")
        body = path.read_text() if path.is_file() else ""
        if body and not body.endswith("\n"):
            body += "\n"
        return m.group(1) + body + m.group(4)

    return BLOCK.sub(fill, text)


def stale(root: Path = ROOT) -> list[str]:
    """``document: path`` of every block whose copy differs from its file."""
    out = []
    for doc in DOCUMENTS:
        text = (root / doc).read_text()
        for m in BLOCK.finditer(text):
            if render(m.group(0), root) != m.group(0):
                out.append(f"{doc}: {m.group('path')}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    if args.check:
        bad = stale()
        for b in bad:
            print(f"stale: {b} (run python benchmarks/make_docs.py)")
        return 1 if bad else 0
    for doc in DOCUMENTS:
        path = ROOT / doc
        path.write_text(render(path.read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
