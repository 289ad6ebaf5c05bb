"""The BO loop's own CPU time per trial (ask + tell, objective excluded), this checkout
against another one (``--ref``, say the main branch before a change) and/or Optuna's TPE
sampler (``--peer optuna_tpe``) in the same run.

Each (function, seed) runs ``--trials`` ask/tell steps of ``metaknow.bo.Optimizer`` (or
of an Optuna study) in a fresh interpreter per contestant, one BLAS thread each,
alternating the contestants so all see the same machine load. Reported: mean CPU ms per
trial over the whole run and over its last quarter, and the ratios this / ref and
this / peer. Functions come from ``benchmarks/synthetic_bo.py``. ``--jsonl FILE`` appends
one line per (function, seed, contestant).

    python benchmarks/bo_overhead.py --ref /path/to/old/checkout --seeds 2 --trials 200
    python benchmarks/bo_overhead.py --peer optuna_tpe --seeds 3 --functions branin algo6
    python benchmarks/bo_overhead.py --profile algo6   # cProfile of 30 asks after 200 trials
    python benchmarks/bo_overhead.py --parts mixed15   # CPU of the parts of 60 asks after 200
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, sys, time
sys.path[:0] = [{root!r}, {root!r} + "/benchmarks"]
from synthetic_bo import PROBLEMS
from metaknow.bo import Optimizer
p = PROBLEMS[{fname!r}]
cpu = []
opt = Optimizer(p.space, seed={seed}, budget_hint={n})
for i in range({n}):
    c = time.process_time(); info = opt.ask(); t = time.process_time() - c
    v = p.f(info.config)
    c = time.process_time(); opt.tell(info, v); cpu.append(t + time.process_time() - c)
print(json.dumps(cpu))
"""

_TPE_CHILD = """
import json, sys, time
sys.path[:0] = [{root!r}, {root!r} + "/benchmarks"]
import optuna
from synthetic_bo import PROBLEMS
from metaknow.integrations.optuna import suggest
optuna.logging.set_verbosity(optuna.logging.WARNING)
p = PROBLEMS[{fname!r}]
cpu = []
study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed={seed}))
for i in range({n}):
    c = time.process_time(); trial = study.ask(); config = suggest(trial, p.space)
    t = time.process_time() - c
    v = p.f(config)
    c = time.process_time(); study.tell(trial, v); cpu.append(t + time.process_time() - c)
print(json.dumps(cpu))
"""
PEERS = {"optuna_tpe": _TPE_CHILD}


def run_child(checkout: Path, fname: str, seed: int, n: int, template: str = _CHILD
              ) -> list[float]:
    code = template.format(root=str(checkout), fname=fname, seed=seed, n=n)
    env = {**os.environ, "PYTHONPATH": str(checkout), "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=checkout, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _time_function(runs: dict[str, tuple[Path, str]], fname: str, seeds: int, n: int,
                   jsonl: Path | None) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Mean CPU ms per trial (whole run, last quarter) of every contestant, per seed."""
    whole: dict[str, list[float]] = {k: [] for k in runs}
    last: dict[str, list[float]] = {k: [] for k in runs}
    q = max(1, n // 4)
    for seed in range(seeds):
        for k, (path, template) in runs.items():
            cpu = run_child(path, fname, seed, n, template)
            whole[k].append(1e3 * statistics.mean(cpu))
            last[k].append(1e3 * statistics.mean(cpu[-q:]))
            if jsonl is not None:
                _append(jsonl, {"function": fname, "seed": seed, "contestant": k,
                                "trials": n, "cpu_ms_per_trial": round(whole[k][-1], 3),
                                "cpu_ms_last_quarter": round(last[k][-1], 3),
                                "load_average": round(os.getloadavg()[0], 1),
                                "recorded": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return whole, last


def _append(path: Path, row: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fh.write(json.dumps(row) + "\n")


def profile(fname: str, n: int) -> None:
    import cProfile
    import pstats

    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    from synthetic_bo import PROBLEMS

    from metaknow.bo import Optimizer

    p = PROBLEMS[fname]
    opt = Optimizer(p.space, seed=0, budget_hint=n)
    for _ in range(n):
        info = opt.ask()
        opt.tell(info, p.f(info.config))
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(30):
        info = opt.ask()
        opt.tell(info, p.f(info.config))
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


def parts(fname: str, n: int, asks: int = 60) -> None:
    """CPU ms per ask of the loop's parts, ``asks`` asks after ``n`` trials (seed 0).

    Each part is wrapped by a ``process_time`` timer (the real code runs; nested parts
    are also inside their callers' figures).
    """
    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    from synthetic_bo import PROBLEMS

    from metaknow.bo import maximizer, optimizer, rolling_forest

    spent: dict[str, float] = {}

    def timed(label: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - start
        return run

    p = PROBLEMS[fname]
    opt = optimizer.Optimizer(p.space, seed=0, budget_hint=n)
    for _ in range(n):
        info = opt.ask()
        opt.tell(info, p.f(info.config))
    forest = rolling_forest.RollingForestSurrogate
    for owner, name, label in [
            (forest, "fit", "surrogate fit"), (rolling_forest, "grow_tree", "  growing trees"),
            (maximizer.LocalAndRandomSearch, "maximize", "acquisition maximiser"),
            (forest, "predict", "  forest predictions"),
            (maximizer, "neighbour_moves", "  neighbour moves")]:
        setattr(owner, name, timed(label, getattr(owner, name)))
    optimizer.ACQUISITIONS["log_ei"] = timed("  log-EI", optimizer.ACQUISITIONS["log_ei"])
    start = time.process_time()
    for _ in range(asks):
        info = opt.ask()
        opt.tell(info, p.f(info.config))
    total = time.process_time() - start
    print(f"{fname}: CPU ms per ask over {asks} asks after {n} trials (seed 0)")
    print(f"  whole ask + tell: {1e3 * total / asks:.2f}")
    for label in ["surrogate fit", "  growing trees", "acquisition maximiser",
                  "  forest predictions", "  log-EI", "  neighbour moves"]:
        print(f"  {label}: {1e3 * spent.get(label, 0.0) / asks:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", type=Path, default=None)
    parser.add_argument("--functions", nargs="+", default=["branin", "algo6", "mixed15"])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--peer", choices=sorted(PEERS), default=None,
                        help="also time this optimiser (its ask + tell) in the same run")
    parser.add_argument("--jsonl", type=Path, default=None,
                        help="append one JSON line per (function, seed, contestant) here")
    parser.add_argument("--profile", metavar="FUNCTION", default=None)
    parser.add_argument("--parts", metavar="FUNCTION", default=None,
                        help="CPU per ask of the surrogate fit, maximiser, predictions, ...")
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.profile, args.trials)
        return 0
    if args.parts:
        parts(args.parts, args.trials)
        return 0
    if args.ref is not None and not (args.ref / "metaknow" / "bo" / "optimizer.py").is_file():
        print(f"bo_overhead: error: {args.ref} is not a metaknow checkout", file=sys.stderr)
        return 2
    checkouts = {"this": ROOT} if args.ref is None else {"this": ROOT, "ref": args.ref.resolve()}
    runs = {k: (path, _CHILD) for k, path in checkouts.items()}
    if args.peer:
        runs[args.peer] = (ROOT, PEERS[args.peer])
    print(f"{args.trials} trials, {args.seeds} seeds; " +
          ", ".join(f"{k} = {v}" for k, v in checkouts.items()) +
          (f"; peer = {args.peer}" if args.peer else "") + "\n")
    others = [k for k in runs if k != "this"]
    head = " | ".join(f"{k} ms/trial | {k} last quarter" for k in runs)
    print(f"| function | {head} |" + "".join(f" this / {k} |" for k in others))
    print("|---|" + "---:|---:|" * len(runs) + "---:|" * len(others))
    for fname in args.functions:
        whole, last = _time_function(runs, fname, args.seeds, args.trials, args.jsonl)
        mean = {k: statistics.mean(v) for k, v in whole.items()}
        cells = " | ".join(f"{mean[k]:.2f} | {statistics.mean(last[k]):.2f}" for k in runs)
        ratios = "".join(f" {mean['this'] / mean[k]:.2f} |" for k in others)
        print(f"| {fname} | {cells} |{ratios}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
