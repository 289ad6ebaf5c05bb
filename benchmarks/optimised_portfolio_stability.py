"""Query cost of the optimised portfolio, and how much its picks depend on the search's candidates.

    python benchmarks/optimised_portfolio_stability.py [--space lightgbm] [--queries 40]

One meta-surrogate fit of the bundled repository (cached on disk as ``recommend`` caches it);
then, for ``--queries`` stored tasks' meta-features (every third task), the top-5 of the
default knobs, of variants with other numbers of random candidates (``n_random``) and pool
sizes (``pool``), and of two knob sets with another seed. Prints, per variant, the CPU time
per query (``time.process_time`` of this process, after meta-features), how often its picks
equal the default's, how far its top-1 is from the default's (root-mean-square difference
of the unit-cube vectors, inactive = -1; against the median distance between two design
configurations), and how much worse the default's meta-surrogate predicts its top-1 to be
than the default's own (within-task rank, 0..1). Picks that move but are predicted as good
are a flat optimum, not a lost one; what they score for real is the zero-shot benchmark's
``--evaluate`` (README, "Beyond the design").
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

VARIANTS = {"default (n_random=0, pool=100)": {},
            "n_random=2000, pool=200 (the defaults before)": {"n_random": 2000, "pool": 200},
            "n_random=500, pool=200": {"n_random": 500, "pool": 200},
            "n_random=0, pool=200": {"pool": 200},
            "n_random=0, pool=50": {"pool": 50},
            "default knobs, seed=1": {"seed": 1},
            "n_random=2000, pool=200, seed=1": {"n_random": 2000, "pool": 200, "seed": 1}}


def main() -> None:
    from metaknow.recommend import open_view
    from metaknow.recommenders import get_recommender

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--space", default="lightgbm")
    ap.add_argument("--queries", type=int, default=40)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    view = open_view("bundled", args.space, "classification", None)
    recs = {name: get_recommender("optimised_portfolio", **kw).fit(view) for name, kw in VARIANTS.items()}
    tasks = list(view.performance.index)[::3][: args.queries]
    ref_rec = recs[next(iter(VARIANTS))]
    design = ref_rec.design_V_
    pairs = [_distance(design[i], design[j]) for i in range(len(design)) for j in range(i)]
    distance = dict.fromkeys(VARIANTS, 0.0)
    rank_gap = dict.fromkeys(VARIANTS, 0.0)
    same_top1 = dict.fromkeys(VARIANTS, 0)
    overlap = dict.fromkeys(VARIANTS, 0)
    cpu = dict.fromkeys(VARIANTS, 0.0)
    for task in tasks:
        mf = view.metafeatures.loc[task]
        picks = {}
        for name, rec in recs.items():
            rec.surrogate(mf)  # the cached fit, loaded once: not part of the query
            t0 = time.process_time()
            picks[name] = rec.recommend(mf, 5)
            cpu[name] += time.process_time() - t0
        ref = picks[next(iter(VARIANTS))]
        model = ref_rec.surrogate(mf)
        z, space = model.task_matrix(mf), ref_rec.space_
        for name in VARIANTS:
            ids = [c.config_id for c in picks[name]]
            same_top1[name] += ids[0] == ref[0].config_id
            overlap[name] += len(set(ids) & {c.config_id for c in ref})
            a, b = space.to_vector(ref[0].params), space.to_vector(picks[name][0].params)
            distance[name] += _distance(a, b)
            mean, _ = model.predict(z, np.vstack([a, b]))
            rank_gap[name] += float(mean[0, 0] - mean[0, 1])
    n = len(tasks)
    print(f"{args.space}: {n} queries, {view.n_tasks} tasks x {view.n_configurations} configurations")
    print(f"median distance between two design configurations: {np.median(pairs):.2f}")
    print("| variant | CPU per query (ms) | top-1 as the default's | top-5 shared with the default's "
          "| top-1 distance to the default's | predicted rank below the default's top-1 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in VARIANTS:
        print(f"| {name} | {1000 * cpu[name] / n:.0f} | {same_top1[name]}/{n} | {overlap[name] / n:.2f} of 5 "
              f"| {distance[name] / n:.2f} | {rank_gap[name] / n:.3f} |")


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    """Root-mean-square difference of two vector forms (an inactive parameter counts as -1)."""
    return float(np.sqrt(np.mean((np.nan_to_num(a, nan=-1.0) - np.nan_to_num(b, nan=-1.0)) ** 2)))


if __name__ == "__main__":
    main()
