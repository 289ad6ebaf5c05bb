"""Successive halving over rows vs. today's loop, under the same wall budget.

For each table: the fidelity build's held-out test split
(:func:`repository.builders.fidelity.holdout_plan`: a seeded, stratified
``min(10,000, 20 %)`` of the rows) is set aside; ``metaknow.tune`` runs on the other rows
with ``wall_time`` seconds, once as today (every trial on all rows, raced fold by fold)
and once with ``fidelity="rows"``, each warm-started the same way. The incumbent of each
run is then fitted on all tuning rows and scored on the held-out rows through
:func:`metaknow.evaluation.evaluate_fold` (the one evaluation code path). One JSON line
per (table, method) is appended to ``--out``.

    python -m metaknow.benchmarking.fidelity_rows --tables CPSSW8 Fertility --wall-time 300 \\
        --out fidelity-rows.jsonl
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

__all__ = ["compare"]

TABLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "tables"


def compare(name: str, wall_time: float, *, tables: Path = TABLES, cv: int = 3,
            warm_start: int = 10, seed: int = 0,
            methods: Sequence[str | None] = (None, "rows")) -> list[dict[str, Any]]:
    """Tune table ``name`` with each method under ``wall_time``; held-out scores."""
    from metaknow.dataset import load_dataset
    from metaknow.evaluation import PRIMARY_METRIC, evaluate_fold
    from metaknow.tune import tune
    from repository.builders.fidelity import holdout_plan

    with (Path(tables) / "manifest.csv").open(newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["name"] == name)
    data = load_dataset(Path(tables) / row["file"], target=row["target"], task=row["task"],
                        name=name)
    plan = holdout_plan(data)
    pool = np.sort(plan.order)
    frame = data.X.iloc[pool].reset_index(drop=True)
    frame[data.target] = data.y.iloc[pool].reset_index(drop=True)
    metric = PRIMARY_METRIC[data.task]
    if warm_start:
        from repository.named import repository_path

        repository_path("bundled")  # materialise the cache now, not inside a timed run
    out = []
    for method in methods:
        start = time.monotonic()
        result = tune(frame, target=data.target, task=data.task, budget=None,
                      wall_time=wall_time, cv=cv, warm_start=warm_start, seed=seed,
                      refit=False, fidelity=method)
        elapsed = time.monotonic() - start
        test = evaluate_fold("lightgbm", result.best_config, data, pool, plan.test, seed=seed)
        hist = result.run_history
        out.append({"table": name, "rows": int(data.n_rows), "method": method or "folds",
                    "wall_time": wall_time, "elapsed": round(elapsed, 1),
                    "trials": len(hist), "complete": sum(t.status == "ok" for t in hist),
                    "cv_score": result.best_score, "test_" + metric: test.metrics.get(metric),
                    "test_status": test.status, "best_config": result.best_config,
                    "notes": result.notes})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=["CPSSW8", "Fertility"])
    parser.add_argument("--wall-time", type=float, default=300.0)
    parser.add_argument("--cv", type=int, default=3)
    parser.add_argument("--warm-start", type=int, default=10)
    parser.add_argument("--out", default="fidelity-rows.jsonl")
    a = parser.parse_args(argv)
    for name in a.tables:
        for rec in compare(name, a.wall_time, cv=a.cv, warm_start=a.warm_start):
            with open(a.out, "a") as fh:
                fh.write(json.dumps(rec, default=str) + "\n")
            print(json.dumps({k: v for k, v in rec.items() if k not in ("best_config", "notes")}),
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
