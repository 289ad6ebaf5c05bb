"""Latency of recommending from a large repository once meta-features are known.

    python benchmarks/recommend_latency.py [--tasks 1000] [--configs 1000] [--metafeatures 50]

Builds a synthetic repository view (``metaknow.recommenders.synthetic``: tasks x
configurations with a hidden structure), fits every registered strategy once (the fit is
what a long-running service or a cached repository would precompute) and then times
``recommend(metafeatures, k=10)`` plus the nearest-task lookup that the result reports,
for 30 held-out query tasks. Reports fit time, median and 95th-percentile query time,
both wall-clock and CPU time of this process (``time.process_time``): on a shared,
overloaded machine the wall-clock figure mostly measures waiting for a core, so the
load average is printed too.

What ``fit`` caches, per strategy: average_rank — the rank order; portfolio — the greedy
order (50 long); nearest_tasks(_l1) — scaled meta-feature matrix, learned weights,
neighbour-gap percentiles; nearest_portfolio — the same plus the global portfolio and
each task's top configurations (the greedy search's pool); meta_model — the bagged
LightGBM models and the encoded repository (and sampled) configurations.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def main() -> None:
    from metaknow.recommenders import STRATEGIES, get_recommender
    from metaknow.recommenders.synthetic import synthetic_view
    from metaknow.recommenders.task_distance import TaskDistance

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--configs", type=int, default=1000)
    ap.add_argument("--metafeatures", type=int, default=50)
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--strategies", nargs="+", default=list(STRATEGIES))
    args = ap.parse_args()

    t0 = time.perf_counter()
    full = synthetic_view(args.tasks + args.queries, args.configs, args.metafeatures,
                          n_informative=8, seed=0)
    queries = list(full.performance.index[-args.queries:])
    view = full.without_tasks(queries)
    print(f"synthetic repository: {view.n_tasks} tasks x {view.n_configurations} configurations, "
          f"{args.metafeatures} meta-features (built in {time.perf_counter() - t0:.1f} s)")
    t0 = time.perf_counter()
    distance = TaskDistance().fit(view)
    print(f"task distance (reported nearest tasks) fit: {time.perf_counter() - t0:.2f} s")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| strategy | fit (s) | query median wall (ms) | query p95 wall (ms) "
          "| query median CPU (ms) | query p95 CPU (ms) | < 100 ms |")
    print("|---|---:|---:|---:|---:|---:|:---:|")
    for name in args.strategies:
        rec = get_recommender(name)
        t0 = time.perf_counter()
        rec.fit(view)
        fit = time.perf_counter() - t0
        rec.recommend(full.metafeatures.loc[queries[0]], 10)  # warm-up (imports, caches)
        wall, cpu = [], []
        for q in queries:
            mf = full.metafeatures.loc[q]
            t0, c0 = time.perf_counter(), time.process_time()
            distance.nearest(mf, 5)
            cands = rec.recommend(mf, 10)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            assert len(cands) == 10
        w, c = 1000 * np.array(wall), 1000 * np.array(cpu)
        ok = "yes" if np.percentile(c, 95) < 100 else "NO"
        print(f"| {name} | {fit:.2f} | {np.median(w):.1f} | {np.percentile(w, 95):.1f} | "
              f"{np.median(c):.1f} | {np.percentile(c, 95):.1f} | {ok} |", flush=True)


if __name__ == "__main__":
    main()
