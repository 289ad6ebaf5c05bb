"""Do good configurations at 1,000 training rows stay good at the largest size built?

The bundled repository knows each configuration's score on at most 2,000 rows; a
size-aware recommender would be worth building only if what is good there is not what
is good on the full table. The fidelity build (``repository/fidelity``) scores the same
64 LightGBM configurations at 1,000 rows and at larger sizes on the same test rows. Per
task, this compares the smallest size with the largest built so far:

* the Spearman correlation of the 64 scores;
* the gain over the library default, at the largest size, of the configuration that was
  best at 1,000 rows, against the best gain at the largest size (the oracle); gains in
  the metric's units (ROC AUC, R²), clipped to ±0.05 as the recommender's are.

    PYTHONPATH=. python benchmarks/size_transfer.py --out benchmarks/results/size_transfer
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from metaknow.space import config_hash
from metaknow.spaces import get_space
from repository.learning_curves import DEFAULT_FOLDER

CLIP = 0.05


def per_task(folder: Path) -> pd.DataFrame:
    tasks = pd.read_csv(folder / "tasks.csv").set_index("name")
    rows = []
    for path in sorted((folder / "evaluations" / "lightgbm").glob("*.csv")):
        name = path.stem
        task_type = tasks.loc[name, "task_type"]
        metric = "roc_auc" if task_type == "classification" else "r2"
        default = config_hash(get_space("lightgbm", task_type).default())
        e = pd.read_csv(path)
        scores = e[e["status"] == "ok"].pivot_table(index="config_hash", columns="n_train",
                                                     values=metric)
        if scores.shape[1] < 2 or default not in scores.index:
            continue
        small, large = min(scores.columns), max(scores.columns)
        both = scores[[small, large]].dropna()
        gain_small = (both[small] - both.loc[default, small]).clip(-CLIP, CLIP)
        gain_large = (both[large] - both.loc[default, large]).clip(-CLIP, CLIP)
        rows.append({"task": name, "task_type": task_type, "small": int(small),
                     "large": int(large),
                     "spearman": float(spearmanr(both[small], both[large]).statistic),
                     "best_small_gain_at_large": float(gain_large[gain_small.idxmax()]),
                     "oracle_gain_at_large": float(gain_large.max())})
    return pd.DataFrame(rows)


def summary(t: pd.DataFrame) -> str:
    lines = ["| tasks | sizes compared | median rank correlation | mean gain of the best at "
             "1,000 rows, at the largest size | mean oracle gain at the largest size "
             "| tasks where it is within 0.005 of the oracle |",
             "|---:|---|---:|---:|---:|---:|"]
    for kind, g in t.groupby("task_type"):
        lines.append(f"| {len(g)} {kind} | 1,000 vs {g['large'].min():,}–{g['large'].max():,} "
                     f"| {g['spearman'].median():.2f} | {g['best_small_gain_at_large'].mean():+.4f} "
                     f"| {g['oracle_gain_at_large'].mean():+.4f} "
                     f"| {np.mean(g['oracle_gain_at_large'] - g['best_small_gain_at_large'] <= 0.005):.0%} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/size_transfer")
    parser.add_argument("--fidelity", default=str(DEFAULT_FOLDER))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t = per_task(Path(args.fidelity))
    t.to_csv(out / "per_task.csv", index=False, float_format="%.4f")
    (out / "summary.md").write_text(summary(t))
    (out / "command.json").write_text(json.dumps(
        {"command": f"PYTHONPATH=. python benchmarks/size_transfer.py --out {args.out}"}) + "\n")
    print(summary(t))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
