"""``metaknow benchmark race``: metaknow against its peers under wall-clock budgets.

Per (table, seed) the rows are split once into a training part and a test part no tuner
sees (:mod:`~metaknow.benchmarking.race.tables`). Each tuner of
:data:`~metaknow.benchmarking.race.peers.TUNERS` runs in a process of its own with one
thread: metaknow for T seconds, every peer for 3T (the goal compares metaknow at T with
each peer at 3T); LightGBM's default and metaknow's first recommendation are fitted once.
Incumbents at T/3, T and 3T are refitted on all training rows and scored on the test
rows. Each finished cell appends one JSON line to ``OUT/results.jsonl`` (with ``--commit``
also committed), and a rerun skips finished cells.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from metaknow.exceptions import MetaknowError

HELP = "Wall-clock race on held-out test rows: metaknow at T against FLAML, Optuna, SMAC3, random at 3T."
EXAMPLE = ("Example: metaknow benchmark race --budgets 60 --seeds 0 --commit\n"
           "(resume: run the same command again; finished cells are skipped)")

__all__ = ["EXAMPLE", "HELP", "add_arguments", "plan", "run"]

DEFAULT_BUDGETS = (60.0, 300.0, 900.0)
DEFAULT_SEEDS = (0, 1, 2)
RESULTS = "results.jsonl"
ERRORS = "errors.jsonl"


def default_folders() -> list[Path]:
    from repository.builders.bundled import default_corpus, default_tables

    return [default_tables(), default_corpus()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from metaknow.benchmarking.race.tables import DEFAULT_TABLES

    parser.add_argument("--tables", nargs="+", default=list(DEFAULT_TABLES),
                        help="table names of the shared tables or corpus manifests")
    parser.add_argument("--budgets", nargs="+", type=float, default=list(DEFAULT_BUDGETS),
                        help="wall budgets T in seconds (peers run 3T)")
    parser.add_argument("--seeds", nargs="+", type=int, default=list(DEFAULT_SEEDS))
    parser.add_argument("--tuners", nargs="+", default=None, help="default: every tuner")
    parser.add_argument("--data", nargs="+", default=None,
                        help="folders with manifest.csv (default: ../shared/data/tables and corpus)")
    parser.add_argument("--repository", default="bundled")
    parser.add_argument("--out", default="benchmarks/results/race")
    parser.add_argument("--commit", action="store_true",
                        help="git-commit the results file after every finished cell")


def plan(tables: list[str], budgets: list[float], seeds: list[int],
         tuners: list[str]) -> list[tuple[str, int, str, float]]:
    """Cells in running order: budget, seed, table, then tuners (single fits once per
    table and seed, at budget 0)."""
    from metaknow.benchmarking.race.peers import TUNERS

    cells: list[tuple[str, int, str, float]] = []
    for budget in budgets:
        for seed in seeds:
            for table in tables:
                for name in tuners:
                    single = TUNERS[name].run_factor == 0
                    cell = (table, seed, name, 0.0 if single else float(budget))
                    if cell not in cells:
                        cells.append(cell)
    return cells


def _check(args: argparse.Namespace, folders: list[Path]) -> list[str]:
    from metaknow.benchmarking.race.peers import TUNERS
    from metaknow.benchmarking.race.tables import find_table

    tuners = list(args.tuners or TUNERS)
    unknown = [t for t in tuners if t not in TUNERS]
    if unknown:
        raise MetaknowError(f"unknown tuner {unknown[0]!r}; known: {', '.join(TUNERS)}")
    bad = [b for b in args.budgets if not (b > 0 and math.isfinite(b))]
    if bad:
        raise MetaknowError(f"a budget must be a positive number of seconds, got {bad[0]:g}")
    if any(s < 0 for s in args.seeds):
        raise MetaknowError(f"a seed must be >= 0, got {min(args.seeds)}")
    for table in args.tables:
        find_table(table, folders)
    return tuners


def run(args: argparse.Namespace) -> int:
    folders = [Path(f) for f in args.data] if args.data else default_folders()
    tuners = _check(args, folders)
    from metaknow.benchmarking.race.results import append_line, finished_cells

    out = Path(args.out)
    results = out / RESULTS
    cells = plan(args.tables, args.budgets, args.seeds, tuners)
    done = finished_cells(results)
    todo = [c for c in cells if c not in done]
    print(f"race: {len(cells)} cells, {len(cells) - len(todo)} already in {results}, "
          f"{len(todo)} to run", flush=True)
    for table, seed, tuner, budget in todo:
        spec = {"table": table, "seed": seed, "tuner": tuner, "budget": budget,
                "folders": [str(f) for f in folders], "repository": args.repository}
        line = run_in_process(spec)
        if "error" in line:
            append_line(out / ERRORS, line)
            print(f"race: {table} seed {seed} {tuner} T={budget:g}: FAILED {line['error']}",
                  flush=True)
            continue
        append_line(results, line)
        print(f"race: {table} seed {seed} {tuner} T={budget:g}: held-out {line['metric']} "
              + ", ".join(f"{k}s {v:.4f}" for k, v in line["heldout"].items())
              + f" ({line['cpu_seconds']:.0f} CPU s, {line['wall_seconds']:.0f} wall s, "
              f"{line['evaluations']} evaluations)", flush=True)
        if args.commit:
            commit(results, f"race: {table} seed {seed} {tuner} T={budget:g}")
    return 0


def run_in_process(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one cell in a fresh Python process with one thread per library; returns its
    line with the cell's own wall and CPU seconds (process + children) and the load
    average, or a line with ``error``."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONWARNINGS="ignore")
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        spec_file, out_file = Path(tmp) / "spec.json", Path(tmp) / "line.json"
        spec_file.write_text(json.dumps(spec))
        kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        limit = 600 + 4 * 3 * float(spec["budget"])
        try:
            proc = subprocess.run([sys.executable, "-m", "metaknow.benchmarking.race.cell",
                                   str(spec_file), str(out_file)], env=env, capture_output=True,
                                  text=True, timeout=limit, check=False)
            failure = None if proc.returncode == 0 and out_file.is_file() else \
                (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        except subprocess.TimeoutExpired:
            failure = f"the cell ran past {limit:g} s and was stopped"
        wall = time.perf_counter() - t0
        kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        line = json.loads(out_file.read_text()) if failure is None else dict(spec, error=failure)
    line.pop("folders", None)
    line.update(started_utc=started, cell_wall_seconds=round(wall, 3),
                cell_cpu_seconds=round(kids1.ru_utime + kids1.ru_stime
                                       - kids0.ru_utime - kids0.ru_stime, 3),
                load_average=[round(x, 2) for x in (*load_before, *os.getloadavg())],
                cpus=os.cpu_count())
    return line


def commit(path: Path, message: str) -> None:
    """Commit ``path`` alone (a failure is reported and the race goes on)."""
    try:
        where = path.resolve().parent
        subprocess.run(["git", "add", "--", path.name], cwd=where, check=True, capture_output=True)
        subprocess.run(["git", "commit", "-q", "-m", message, "--", path.name], cwd=where,
                       check=True, capture_output=True)
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        print(f"race: could not commit {path}: {exc}", flush=True)
