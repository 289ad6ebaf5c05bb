"""Per dataset, is method A better than method B after n evaluations? (from a warm-start results.csv)

    python benchmarks/warm_start_pairs.py RESULTS_CSV METHOD_A METHOD_B [--n 25]

Averages each method's best score so far over seeds per dataset, then counts the datasets
where A is above, below or level with B, and prints the mean difference in the metric.
"""

from __future__ import annotations

import argparse

import pandas as pd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--n", type=int, default=25)
    args = ap.parse_args()
    r = pd.read_csv(args.results)
    r = r[r["n"] == args.n]
    means = r.groupby(["space", "dataset", "method"])["best_so_far"].mean().unstack()
    for space, t in means.groupby(level="space"):
        d = (t[args.a] - t[args.b]).dropna()
        print(f"{space}: {args.a} vs {args.b} after {args.n}: better on {(d > 1e-9).sum()}, "
              f"worse on {(d < -1e-9).sum()}, level on {(d.abs() <= 1e-9).sum()} of {len(d)} "
              f"datasets; mean difference {d.mean():+.4f}")


if __name__ == "__main__":
    main()
