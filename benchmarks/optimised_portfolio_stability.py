"""Query cost of the optimised portfolio, and how much its picks depend on the search's candidates.

    python benchmarks/optimised_portfolio_stability.py [--space lightgbm] [--queries 40]

One meta-surrogate fit of the bundled repository (cached on disk as ``recommend`` caches it);
then, for ``--queries`` stored tasks' meta-features (every third task), the top-5 of the
default knobs and of variants with fewer random candidates (``n_random``) and a smaller
pool (``pool``), and of the default knobs with another seed. Prints, per variant, the CPU time per query (``time.process_time`` of this
process, after meta-features) and how often its picks equal the default's. Fewer candidates
is the obvious way under 100 ms; it only keeps the product's behaviour if the picks stay.
"""

from __future__ import annotations

import argparse
import time
import warnings

VARIANTS = {"default (n_random=2000, pool=200)": {}, "n_random=500": {"n_random": 500},
            "n_random=0": {"n_random": 0}, "n_random=500, pool=100": {"n_random": 500, "pool": 100},
            "n_random=0, pool=100": {"n_random": 0, "pool": 100},
            "default knobs, seed=1": {"seed": 1}}


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
    same_top1 = dict.fromkeys(VARIANTS, 0)
    overlap = dict.fromkeys(VARIANTS, 0)
    cpu = dict.fromkeys(VARIANTS, 0.0)
    for task in tasks:
        mf = view.metafeatures.loc[task]
        picks = {}
        for name, rec in recs.items():
            rec.surrogate(mf)  # the cached fit, loaded once: not part of the query
            t0 = time.process_time()
            picks[name] = [c.config_id for c in rec.recommend(mf, 5)]
            cpu[name] += time.process_time() - t0
        ref = picks[next(iter(VARIANTS))]
        for name in VARIANTS:
            same_top1[name] += picks[name][0] == ref[0]
            overlap[name] += len(set(picks[name]) & set(ref))
    n = len(tasks)
    print(f"{args.space}: {n} queries, {view.n_tasks} tasks x {view.n_configurations} configurations")
    print("| variant | CPU per query (ms) | top-1 as the default's | top-5 shared with the default's |")
    print("|---|---:|---:|---:|")
    for name in VARIANTS:
        print(f"| {name} | {1000 * cpu[name] / n:.0f} | {same_top1[name]}/{n} | {overlap[name] / n:.2f} of 5 |")


if __name__ == "__main__":
    main()
