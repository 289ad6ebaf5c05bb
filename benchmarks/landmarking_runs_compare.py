"""Two runs of ``landmarking_vs_pymfe.py`` compared, dataset by dataset.

    git show 0f11756:benchmarks/results/landmarking_vs_pymfe/corpus.jsonl > /tmp/before.jsonl
    python benchmarks/landmarking_runs_compare.py /tmp/before.jsonl \
        benchmarks/results/landmarking_vs_pymfe/corpus.jsonl

Prints, for each run, the summary over the datasets timed against a finished pymfe run
(min / median ratio, geometric mean, under 1x) and, over the datasets timed in both:
metaknow's CPU seconds before / after (median and geometric mean of the per-dataset
factor, totals), pymfe's totals (how comparable the two runs' machine load was), and the
datasets that crossed 1x either way. Each run's ratio is measured within one process
(metaknow and pymfe one after the other); the before / after factors of metaknow's own
time compare two runs, so they carry the difference in machine load between them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def load_run(path: Path) -> dict[str, dict]:
    """The rows of one run's JSON lines, keyed by dataset."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {row["dataset"]: row for row in rows}


def ratio_summary(run: dict[str, dict]) -> str:
    ratios = np.array([r["ratio"] for r in run.values() if r["ratio"] is not None])
    loads = [r["load_average"] for r in run.values()]
    return (f"{len(ratios)} timed: min {ratios.min():.2f}, median {np.median(ratios):.2f}, "
            f"geometric mean {np.exp(np.log(ratios).mean()):.2f}, "
            f"under 1x {int((ratios < 1.0).sum())}; load {min(loads):.1f}-{max(loads):.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    before, after = load_run(args.before), load_run(args.after)
    print("before:", ratio_summary(before))
    print("after: ", ratio_summary(after))
    both = sorted(set(before) & set(after))
    ours_before = np.array([before[d]["metaknow_cpu_s"] for d in both])
    ours_after = np.array([after[d]["metaknow_cpu_s"] for d in both])
    factor = ours_before / ours_after
    print(f"metaknow CPU over {len(both)} datasets: before / after median {np.median(factor):.2f}, "
          f"geometric mean {np.exp(np.log(factor).mean()):.2f}, "
          f"range {factor.min():.2f}-{factor.max():.2f}; "
          f"total {ours_before.sum():.1f} s -> {ours_after.sum():.1f} s")
    finished = [d for d in both if before[d]["ratio"] is not None and after[d]["ratio"] is not None]
    theirs = [sum(float(run[d]["pymfe_cpu_s"]) for d in finished) for run in (before, after)]
    print(f"pymfe CPU total over {len(finished)} datasets: {theirs[0]:.1f} s -> {theirs[1]:.1f} s")
    crossed_up = [d for d in finished if before[d]["ratio"] < 1.0 <= after[d]["ratio"]]
    crossed_down = [d for d in finished if after[d]["ratio"] < 1.0 <= before[d]["ratio"]]
    print("now at or above 1x:", ", ".join(crossed_up) or "none")
    print("now under 1x:", ", ".join(crossed_down) or "none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
