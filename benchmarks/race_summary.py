"""Summarise the race: ``python benchmarks/race_summary.py`` (after ``metaknow benchmark race``).

Reads ``benchmarks/results/race/results.jsonl`` and writes ``summary.md`` (the goals, per
cell, and the tuners' CPU and wall seconds) and ``anytime.png`` beside it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from metaknow.benchmarking.race.summary import load_results, markdown, plot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(ROOT / "benchmarks/results/race/results.jsonl"))
    args = parser.parse_args(argv)
    results = Path(args.results)
    frame = load_results(results)
    if frame.empty:
        print(f"race_summary: error: no result lines in {results}", file=sys.stderr)
        return 2
    (results.parent / "summary.md").write_text(markdown(frame))
    plot(frame, results.parent / "anytime.png")
    print((results.parent / "summary.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
