"""Time metaknow's landmarking and model-based groups against pymfe's, side by side.

    python benchmarks/expensive_groups_vs_pymfe.py [--shared ../shared] [--datasets a b ...]

Both tools get the same input: the extractor's stratified sample (at most
``DEFAULT_MAX_ROWS`` rows) of each dataset - a generated 50,000 x 64 table and some
corpus datasets. metaknow then applies its own, smaller row caps inside the groups
(``landmarking.MAX_ROWS``, ``model_based.MAX_ROWS``); pymfe runs with its defaults
(``lm_sample_frac=1``). pymfe needs numeric input without missing values, so it gets
the table one-hot encoded and mean-imputed (preparation not timed). Prints wall
seconds per group (and metaknow's CPU seconds: on a busy machine wall time overstates
the cost) and the speed ratio pymfe / metaknow (wall).
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from metafeatures import landmarking, model_based
from metafeatures.context import DatasetContext
from metaknow.dataset import load_dataset

CORPUS = ["credit.g", "segment", "splice", "mushroom", "letter"]


def generated(n: int = 50_000, p: int = 64, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, p)), columns=[f"x{i}" for i in range(p)])
    y = pd.Series(np.where(X["x0"] + X["x1"] + rng.normal(size=n) > 0, "a", "b"))
    return load_dataset((X, y), task="classification", name=f"generated_{n}x{p}")


def pymfe_input(ds) -> tuple[np.ndarray, np.ndarray]:
    X = pd.get_dummies(ds.X, dummy_na=False).astype(float)
    X = X.fillna(X.mean()).fillna(0.0)
    return X.to_numpy(), np.asarray(ds.y.cat.codes)


def time_pymfe(X: np.ndarray, y: np.ndarray, group: str) -> float:
    from pymfe.mfe import MFE

    start = time.perf_counter()
    mfe = MFE(groups=[group], random_state=0)
    mfe.fit(X, y, transform_num=False, transform_cat=None, precomput=True)
    mfe.extract()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[1] / ".." / "shared")
    parser.add_argument("--datasets", nargs="*", default=CORPUS)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    data = [generated()]
    corpus = args.shared / "data" / "corpus"
    for name in args.datasets:
        if (corpus / f"{name}.arff.gz").exists():
            data.append(load_dataset(corpus / f"{name}.arff.gz", task="classification"))
    print(f"{'dataset':24s} {'rows':>6s} {'group':12s} {'metaknow s':>10s} {'(cpu s)':>8s} "
          f"{'pymfe s':>9s} {'ratio':>7s}")
    for ds in data:
        ctx = DatasetContext(ds, seed=0)
        sample = ctx.sample_context
        X, y = pymfe_input(sample.dataset)
        groups = (("landmarking", landmarking.compute), ("model-based", model_based.compute))
        for group, ours in groups:
            start, cpu = time.perf_counter(), time.process_time()
            ours(sample)
            t_ours, c_ours = time.perf_counter() - start, time.process_time() - cpu
            t_pymfe = time_pymfe(X, y, group)
            print(f"{ds.name[:24]:24s} {sample.dataset.n_rows:6d} {group:12s} {t_ours:10.2f} "
                  f"{c_ours:8.2f} {t_pymfe:9.2f} {t_pymfe / t_ours:7.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
