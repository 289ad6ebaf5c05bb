"""The ARFF reader's vectorised path against its careful line-by-line path, on the corpus.

    python benchmarks/arff_reader.py [--shared ../shared]

Reads every corpus file both ways in one run, checks that the frames are identical and
prints the total wall-clock and CPU seconds of each and their ratio. (The careful path is
the reader as it was before the vectorised path was added; it still handles quoted,
sparse and irregular files.)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from metaknow.io.arff import read_arff


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[1] / ".." / "shared")
    args = parser.parse_args(argv)
    files = sorted((args.shared / "data" / "corpus").glob("*.arff.gz"))
    totals = {True: [0.0, 0.0], False: [0.0, 0.0]}
    for path in files:
        frames = {}
        for fast in (True, False):
            wall, cpu = time.perf_counter(), time.process_time()
            frames[fast] = read_arff(path, fast=fast)[0]
            totals[fast][0] += time.perf_counter() - wall
            totals[fast][1] += time.process_time() - cpu
        pd.testing.assert_frame_equal(frames[True], frames[False])
    print(f"{len(files)} corpus files, identical frames both ways")
    for fast, label in ((True, "vectorised"), (False, "careful")):
        print(f"  {label:10s} wall {totals[fast][0]:6.2f} s  cpu {totals[fast][1]:6.2f} s")
    print(f"  speed-up (cpu): {totals[False][1] / totals[True][1]:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
