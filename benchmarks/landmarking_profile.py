"""Where landmarking spends its CPU time: per landmarker, and optionally a cProfile.

    PYTHONPATH=. python benchmarks/landmarking_profile.py [--datasets sklearn:digits credit.g ...]
                                                          [--cprofile 25]

For each dataset: the landmarking context (at most ``landmarking.MAX_ROWS`` rows, as the
extractor builds it), then each landmarker cross-validated on its own (memos emptied
first, so each pays its own fits; ``--shared``: kept, in output order, so each pays
what the extractor makes it pay; landmarkers sharing a key are timed once) with its
``process_time``. ``--cprofile N`` profiles one whole ``landmarking.compute`` per dataset
with a CPU-time timer and prints the N costliest functions (cumulative and own time).
Diagnostic figures, not a benchmark: the comparison with pymfe is
``benchmarks/landmarking_vs_pymfe.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits

DATASETS = ["sklearn:digits", "credit.g", "segment", "letter"]


def _context(name: str, corpus: Path):
    from metafeatures import landmarking
    from metafeatures.context import DatasetContext
    from metaknow.dataset import load_dataset

    ds = load_dataset(name if name.startswith("sklearn:") else corpus / f"{name}.arff.gz",
                      task="classification")
    ctx = DatasetContext(ds, seed=0).sample_context
    return landmarking.capped(ctx, landmarking.MAX_ROWS)


def per_landmarker(ctx, shared: bool = False) -> list[tuple[str, float]]:
    """CPU seconds of each landmarker (one per shared key) on the context; ``shared``:
    in output order with the memos kept, as ``landmarking.compute`` runs them (a
    landmarker then pays only what an earlier one did not compute)."""
    from metafeatures import landmarking
    from metafeatures.learners.evaluation import cv_folds
    from metafeatures.learners.table import Memo

    table, y, n_classes = landmarking.table_of(ctx)
    out, seen = [], set()
    for lm in landmarking.LANDMARKERS:
        if lm.task != "classification" or (lm.key and lm.key in seen):
            continue
        seen.add(lm.key)
        if not shared:
            Memo.clear_all()
        folds = cv_folds(y, lm.folds, ctx.seed, stratified=True)
        start = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            landmarking.evaluate(lm, table, y, n_classes, ctx.seed, folds)
        out.append((lm.key or lm.name, time.process_time() - start))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=DATASETS)
    parser.add_argument("--corpus", type=Path, default=ROOT / ".." / "shared" / "data" / "corpus")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    parser.add_argument("--shared", action="store_true",
                        help="keep the memos between landmarkers (the extractor's costs)")
    args = parser.parse_args(argv)
    from metafeatures import landmarking
    from metafeatures.learners.table import Memo

    with threadpool_limits(limits=1, user_api="blas"):
        for name in args.datasets:
            ctx = _context(name, args.corpus)
            Memo.clear_all()
            times = per_landmarker(ctx, args.shared)
            total = sum(t for _, t in times)
            print(f"\n{name}: {ctx.dataset.n_rows} rows, {ctx.dataset.n_features} attributes; "
                  f"sum {total:.3f} s CPU")
            for key, t in sorted(times, key=lambda kv: -kv[1]):
                print(f"  {key:28s} {t:7.3f}")
            if args.cprofile:
                Memo.clear_all()
                profiler = cProfile.Profile(time.process_time)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    profiler.runcall(landmarking.compute, ctx)
                stats = pstats.Stats(profiler)
                stats.sort_stats("cumulative").print_stats(args.cprofile)
                stats.sort_stats("tottime").print_stats(args.cprofile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
