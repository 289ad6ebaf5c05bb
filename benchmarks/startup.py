"""Start-up time of ``import metaknow`` and of the command line's ``--help``.

Each command runs ``--repeats`` times in a fresh interpreter; we report the median CPU
time (user + system of the child, from ``resource.getrusage``) and the median wall-clock
time. ``--ref PATH`` measures another checkout (say the main branch before a change) in
the same run, alternating the two, so both see the same machine load.

    python benchmarks/startup.py --repeats 15
    python benchmarks/startup.py --repeats 15 --ref /work/main
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMANDS: dict[str, list[str]] = {
    "python (empty)": ["-c", "pass"],
    "import numpy": ["-c", "import numpy"],
    "import metaknow": ["-c", "import metaknow"],
    "from metaknow import tune": ["-c", "from metaknow import tune"],
    "metaknow --help": ["-c", "import sys, cli; sys.argv[0] = 'metaknow'; cli.entry_point()", "--help"],
    "metaknow tune --help": ["-c", "import sys, cli; sys.argv[0] = 'metaknow'; cli.entry_point()",
                             "tune", "--help"],
}


def measure(checkout: Path, args: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of ``python args`` with ``checkout`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=checkout, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--ref", type=Path, default=None, help="another checkout to measure alongside")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    if args.ref is not None and not (args.ref / "metaknow" / "__init__.py").is_file():
        print(f"startup: error: {args.ref} is not a metaknow checkout", file=sys.stderr)
        return 2
    checkouts = {"this": ROOT} if args.ref is None else {"this": ROOT, "ref": args.ref.resolve()}
    cols = " | ".join(f"{k} CPU s | {k} wall s" for k in checkouts)
    print(f"median of {args.repeats} runs; python {sys.version.split()[0]}; "
          + ", ".join(f"{k} = {v}" for k, v in checkouts.items()) + "\n")
    print(f"| command | {cols} |")
    print("|---|" + "---:|---:|" * len(checkouts))
    for label, cmd in COMMANDS.items():
        runs: dict[str, list[tuple[float, float]]] = {k: [] for k in checkouts}
        for _ in range(args.repeats):
            for k, path in checkouts.items():  # alternate, so load changes hit both alike
                runs[k].append(measure(path, cmd))
        cells = " | ".join(f"{statistics.median(c for c, _ in r):.3f} | "
                           f"{statistics.median(w for _, w in r):.3f}" for r in runs.values())
        print(f"| {label} | {cells} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
