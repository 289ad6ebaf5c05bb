"""How often the loop meets the short-budget bounds of ``tests/bo/test_optimizer.py``.

Those tests assert a bound on a few seeds: the best Branin value within 0.05 of the
optimum after 50 trials, the best value of the tests' mixed conditional space below 0.15
after 40 trials (``random_share=0.1``). This runs many seeds of both, for this checkout and
optionally another (``--ref``), each in a fresh interpreter with that checkout's code and
problems, and reports how many seeds meet each bound.

    PYTHONPATH=. python benchmarks/short_budget.py --ref /path/to/old/checkout \
        --jsonl benchmarks/results/short_budget/runs.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: problem -> (trials, bound on best value minus optimum, seeds, optimiser keywords)
CASES = {"branin": (50, 0.05, 40, "{}"), "mixed": (40, 0.15, 30, "{'random_share': 0.1}")}

_CHILD = """
import json, sys
sys.path[:0] = [{root!r}, {root!r} + "/tests/bo"]
import bo_problems as b
from metaknow.bo import Optimizer
space, f, optimum = ((b.BRANIN_SPACE, b.branin, b.BRANIN_OPTIMUM) if {name!r} == "branin"
                     else (b.MIXED_SPACE, b.mixed, 0.0))
out = [Optimizer(space, seed=s, **{kwargs}).optimize(f, n_trials={trials}).best_cost - optimum
       for s in range({seeds})]
print(json.dumps(out))
"""


def run(checkout: Path, name: str) -> list[float]:
    trials, _, seeds, kwargs = CASES[name]
    code = _CHILD.format(root=str(checkout), name=name, trials=trials, seeds=seeds, kwargs=kwargs)
    env = {**os.environ, "PYTHONPATH": str(checkout), "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=checkout, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", type=Path, default=None)
    parser.add_argument("--jsonl", type=Path, default=None)
    args = parser.parse_args(argv)
    checkouts = {"this": ROOT} if args.ref is None else {"this": ROOT, "ref": args.ref.resolve()}
    print("| problem | trials | bound | checkout | seeds meeting it | mean gap |")
    print("|---|---:|---:|---|---:|---:|")
    for name, (trials, bound, seeds, _) in CASES.items():
        for label, path in checkouts.items():
            gaps = run(path, name)
            met = sum(g < bound for g in gaps)
            print(f"| {name} | {trials} | {bound} | {label} | {met} of {seeds} | "
                  f"{sum(gaps) / len(gaps):.3g} |", flush=True)
            if args.jsonl is not None:
                args.jsonl.parent.mkdir(parents=True, exist_ok=True)
                with args.jsonl.open("a") as fh:
                    fh.write(json.dumps({"problem": name, "checkout": label, "path": str(path),
                                         "trials": trials, "gaps": gaps}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
