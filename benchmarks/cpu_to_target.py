"""CPU seconds to reach Optuna's 30-trial cross-validation score (issue 29's spambase goal).

On one dataset, with the same 5-fold splits, the same LightGBM space and the same
objective (mean ROC AUC over the folds, every fit on one thread, in this process):

* **optuna_tpe**: Optuna's TPE sampler, 30 trials, each configuration evaluated on every
  fold by :func:`metaknow.evaluation.evaluate_fold`;
* **metaknow**: ``metaknow.tune`` with a budget of 30 trials (its default trial, the
  warm start from the bundled repository without this dataset, then BO with the fold race).

The target of a seed is Optuna's best mean score after its 30 trials. For each tuner the
record holds the CPU seconds (``process_time`` of this process, which runs every fit) at
which its best fully evaluated score first reached the target; the goal is metaknow's
≤ 0.5 × Optuna's. Each (seed, tuner) run is appended to ``runs.jsonl`` when it ends (a
rerun skips those done).

    PYTHONPATH=. python benchmarks/cpu_to_target.py --data ../shared/data/corpus/spambase.arff.gz \\
        --seeds 0 1 2 --out benchmarks/results/cpu_to_target
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np

N_TRIALS = 30
N_FOLDS = 5


def run_optuna(dataset: Any, splits: list, seed: int) -> list[tuple[float, float]]:
    """(CPU seconds, best mean score so far) after each of Optuna's trials."""
    import optuna

    from metaknow.evaluation import evaluate_fold
    from metaknow.integrations.optuna import suggest
    from metaknow.spaces import get_space

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = get_space("lightgbm", dataset.task)
    start = time.process_time()
    trace: list[tuple[float, float]] = []
    best = -np.inf

    def objective(trial: Any) -> float:
        config = space.validate(suggest(trial, space))
        scores = [evaluate_fold("lightgbm", config, dataset, train, test, seed=seed, fold=n)
                  .metrics.get("roc_auc", np.nan) for n, train, test in splits]
        return float(np.mean(scores)) if np.all(np.isfinite(scores)) else -np.inf

    def record(study: Any, trial: Any) -> None:
        nonlocal best
        if trial.value is not None:
            best = max(best, trial.value)
        trace.append((time.process_time() - start, best))

    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=N_TRIALS, callbacks=[record])
    return trace


def run_metaknow(dataset: Any, seed: int) -> list[tuple[float, float]]:
    """(CPU seconds, best fully evaluated mean score so far) after each trial of tune."""
    from metaknow.evaluation import Protocol
    from metaknow.tune import tune

    start = time.process_time()
    trace: list[tuple[float, float]] = []

    def record(trial: Any, best: float | None, done: int) -> None:
        trace.append((time.process_time() - start, -np.inf if best is None else float(best)))

    tune(dataset, space="lightgbm", budget=N_TRIALS, cv=Protocol(n_splits=N_FOLDS, seed=seed),
         seed=seed, refit=False, callback=record)
    return trace


def cpu_to(trace: list[tuple[float, float]], target: float) -> float | None:
    for cpu, best in trace:
        if best >= target - 1e-12:
            return cpu
    return None


def seed_pairs(runs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Per seed with both tuners: Optuna's final score (the target), each tuner's CPU to
    it (metaknow's None when never reached), and both runs."""
    by = {(r["seed"], r["tuner"]): r for r in runs}
    for seed in sorted({r["seed"] for r in runs}):
        o, m = by.get((seed, "optuna_tpe")), by.get((seed, "metaknow"))
        if o is None or m is None:
            continue
        target = o["trace"][-1][1]
        yield {"seed": seed, "target": target, "optuna": o, "metaknow": m,
               "cpu_optuna": cpu_to(o["trace"], target), "cpu_metaknow": cpu_to(m["trace"], target)}


def ratio(pair: dict[str, Any]) -> float | None:
    """metaknow's CPU to the target over Optuna's (None: metaknow never reached it)."""
    cm = pair["cpu_metaknow"]
    return None if cm is None else cm / pair["cpu_optuna"]


def ratios(runs: list[dict[str, Any]]) -> list[float | None]:
    """:func:`ratio` of every seed with both tuners."""
    return [ratio(p) for p in seed_pairs(runs)]


def summarise(runs: list[dict[str, Any]]) -> str:
    lines = ["| seed | Optuna's 30-trial score | Optuna: CPU s to it | metaknow: CPU s to it "
             "| ratio | metaknow's 30-trial score | CPU s of 30 trials: Optuna / metaknow |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for p in seed_pairs(runs):
        cm, r = p["cpu_metaknow"], ratio(p)
        o, m = p["optuna"]["trace"], p["metaknow"]["trace"]
        lines.append(f"| {p['seed']} | {p['target']:.5f} | {p['cpu_optuna']:.0f} | "
                     f"{'not reached' if cm is None else f'{cm:.0f}'} | "
                     f"{'–' if r is None else f'{r:.2f}'} | {m[-1][1]:.5f} | "
                     f"{o[-1][0]:.0f} / {m[-1][0]:.0f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--target", default=None, help="target column (ARFF: the last)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", default="benchmarks/results/cpu_to_target")
    args = parser.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    from metaknow.dataset import load_dataset
    from metaknow.evaluation import Protocol, make_splits

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = out / "runs.jsonl"
    runs = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    dataset = load_dataset(args.data, target=args.target)
    for seed in args.seeds:
        splits = make_splits(dataset, Protocol(n_splits=N_FOLDS, seed=seed))
        for tuner in ("optuna_tpe", "metaknow"):
            if any(r["seed"] == seed and r["tuner"] == tuner for r in runs):
                continue
            trace = run_optuna(dataset, splits, seed) if tuner == "optuna_tpe" \
                else run_metaknow(dataset, seed)
            record = {"dataset": dataset.name, "seed": seed, "tuner": tuner, "trace": trace,
                      "load": os.getloadavg()[0]}
            with log.open("a") as fh:
                fh.write(json.dumps(record) + "\n")
            runs.append(record)
            print(f"seed {seed} {tuner}: best {trace[-1][1]:.4f} after {trace[-1][0]:.0f} CPU s",
                  flush=True)
    (out / "summary.md").write_text(summarise(runs))
    (out / "command.json").write_text(json.dumps({"command": (
        f"PYTHONPATH=. python benchmarks/cpu_to_target.py --data {args.data} --seeds "
        + " ".join(map(str, args.seeds)) + f" --out {args.out}")}) + "\n")
    print(summarise(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
