"""One cell of the race, run in a process of its own: ``python -m
metaknow.benchmarking.race.cell SPEC.json OUT.json``.

The cell loads the table, splits off the test rows, gives the tuner the training rows
only, lets it run, then refits its incumbent at each reported time (T/3, T, 3T within its
run) on all training rows and scores it on the test rows. Running each cell in a fresh
process keeps cells independent and lets the parent count the CPU seconds of the cell
and of every worker process it started.
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from metaknow.space import canonical_json

__all__ = ["checkpoints", "cpu_seconds", "run_cell"]

#: Metaknow's recommendations and the repository it reads them from.
NEEDS_VIEW = frozenset({"metaknow", "metaknow-first"})


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def checkpoints(budget: float, run_seconds: float) -> list[float]:
    """The reported times within a run of ``run_seconds``: T/3, T and 3T (a single fit,
    ``run_seconds == 0``, is reported once, at 0)."""
    if run_seconds <= 0:
        return [0.0]
    return [c for c in (budget / 3, budget, 3 * budget) if c <= run_seconds + 1e-9]


def held_out_view(repository: str, table: Any) -> Any:
    """The repository's LightGBM view without any task named like the raced table."""
    from metaknow.benchmarking.records import own_tasks
    from metaknow.recommend import open_view

    view = open_view(repository, "lightgbm", table.task, None)
    rest = view.without_tasks(own_tasks(view, table.name))
    if own_tasks(rest, table.name):  # pragma: no cover - guards the leakage the race must not have
        raise AssertionError(f"{table.name} is still in the repository view")
    return rest


def run_cell(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the cell ``spec`` (table, seed, tuner, budget, folders, repository) and return
    its result line (without the parent's measurements)."""
    from metaknow import sandbox
    from metaknow.benchmarking.peer_configs import raw_lightgbm
    from metaknow.benchmarking.race.objective import CVObjective
    from metaknow.benchmarking.race.peers import TUNERS, RaceContext
    from metaknow.benchmarking.race.tables import load_race_table
    from metaknow.evaluation import PRIMARY_METRIC, fit_and_score

    t0 = time.perf_counter()
    seed, budget = int(spec["seed"]), float(spec["budget"])
    race_table = load_race_table(spec["table"], [Path(f) for f in spec["folders"]], seed)
    full, train = race_table.full, race_table.train
    tuner = TUNERS[spec["tuner"]]()
    run_seconds = tuner.run_factor * budget
    view = held_out_view(spec["repository"], full) if tuner.name in NEEDS_VIEW else None
    objective = CVObjective(train, seed, run_seconds)
    load_seconds = time.perf_counter() - t0
    cpu0 = cpu_seconds()
    trace = tuner.run(RaceContext(objective, seed, view), run_seconds)
    tuner_wall = objective.elapsed
    sandbox.shutdown()  # its workers' CPU time counts once they are reaped
    tuner_cpu = cpu_seconds() - cpu0
    metric = PRIMARY_METRIC[full.task]
    heldout: dict[str, float] = {}
    configs: dict[str, Any] = {}
    scored: dict[str, float] = {}
    t1 = time.perf_counter()
    for point in checkpoints(budget, run_seconds):
        inc = trace.at(point) if run_seconds > 0 else (trace.incumbents or [None])[-1]
        label = f"{point:g}"
        if inc is None:
            heldout[label], configs[label] = math.nan, None
            continue
        key = ("raw:" if inc.raw else "") + canonical_json(inc.config)
        if key not in scored:
            algorithm = raw_lightgbm() if inc.raw else "lightgbm"
            result = fit_and_score(full, algorithm, inc.config, race_table.train_idx,
                                   race_table.test_idx, seed=seed)
            scored[key] = float(result["metrics"].get(metric, math.nan)) \
                if result["status"] == "ok" else math.nan
        heldout[label], configs[label] = scored[key], inc.config
    return {
        "table": full.name, "task": full.task, "metric": metric, "seed": seed,
        "tuner": tuner.name, "budget": budget, "run_seconds": run_seconds,
        "n_train": len(race_table.train_idx), "n_test": len(race_table.test_idx),
        "heldout": heldout, "test_score": list(heldout.values())[-1], "configs": configs,
        "cpu_seconds": round(tuner_cpu, 3), "wall_seconds": round(tuner_wall, 3),
        "load_seconds": round(load_seconds, 3),
        "refit_seconds": round(time.perf_counter() - t1, 3),
        "evaluations": trace.evaluations,
        "trace": [[round(i.seconds, 3), None if math.isnan(i.score) else round(i.score, 6)]
                  for i in trace.incumbents],
        "notes": trace.notes,
        "repository_tasks": None if view is None else len(view.tasks),
    }


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    line = run_cell(spec)
    Path(argv[1]).write_text(json.dumps(line, allow_nan=True))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main(sys.argv[1:]))
