"""The BO loop's own CPU time per trial (ask + tell, objective excluded), this checkout
against another one (``--ref``, say the main branch before a change) in the same run.

Each (function, seed) runs ``--trials`` ask/tell steps of ``metaknow.bo.Optimizer`` in a
fresh interpreter per checkout, alternating the two so both see the same machine load.
Reported: mean CPU ms per trial over the whole run and over its last quarter, and the
ratio this / ref. Functions come from ``benchmarks/synthetic_bo.py``.

    python benchmarks/bo_overhead.py --ref /path/to/old/checkout --seeds 2 --trials 200
    python benchmarks/bo_overhead.py --profile algo6   # cProfile of 30 asks after 200 trials
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

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


def run_child(checkout: Path, fname: str, seed: int, n: int) -> list[float]:
    code = _CHILD.format(root=str(checkout), fname=fname, seed=seed, n=n)
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=checkout, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", type=Path, default=None)
    parser.add_argument("--functions", nargs="+", default=["branin", "algo6", "mixed15"])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--profile", metavar="FUNCTION", default=None)
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.profile, args.trials)
        return 0
    if args.ref is not None and not (args.ref / "metaknow" / "bo" / "optimizer.py").is_file():
        print(f"bo_overhead: error: {args.ref} is not a metaknow checkout", file=sys.stderr)
        return 2
    checkouts = {"this": ROOT} if args.ref is None else {"this": ROOT, "ref": args.ref.resolve()}
    print(f"{args.trials} trials, {args.seeds} seeds; " +
          ", ".join(f"{k} = {v}" for k, v in checkouts.items()) + "\n")
    head = " | ".join(f"{k} ms/trial | {k} last quarter" for k in checkouts)
    print(f"| function | {head} |" + (" this / ref |" if len(checkouts) == 2 else ""))
    print("|---|" + "---:|---:|" * len(checkouts) + ("---:|" if len(checkouts) == 2 else ""))
    q = max(1, args.trials // 4)
    for fname in args.functions:
        whole: dict[str, list[float]] = {k: [] for k in checkouts}
        last: dict[str, list[float]] = {k: [] for k in checkouts}
        for seed in range(args.seeds):
            for k, path in checkouts.items():
                cpu = run_child(path, fname, seed, args.trials)
                whole[k].append(1e3 * statistics.mean(cpu))
                last[k].append(1e3 * statistics.mean(cpu[-q:]))
        cells = " | ".join(f"{statistics.mean(whole[k]):.2f} | {statistics.mean(last[k]):.2f}"
                           for k in checkouts)
        ratio = (f" {statistics.mean(whole['this']) / statistics.mean(whole['ref']):.2f} |"
                 if len(checkouts) == 2 else "")
        print(f"| {fname} | {cells} |{ratio}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
