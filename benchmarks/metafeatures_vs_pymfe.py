"""metaknow's extractor and pymfe side by side, in one run, on the same data and groups.

    python benchmarks/metafeatures_vs_pymfe.py [--shared ../shared] [--datasets a b ...]
                                               [--rows 50000] [--cols 64] [--timeout 300]
                                               [--groups g ...] [--repeat 1]

Datasets: some corpus datasets (classification; pymfe's landmarking needs classes; also
``sklearn:NAME`` for one bundled with scikit-learn, e.g. ``sklearn:digits``) and a
generated ``rows x cols`` table. For each dataset and group both tools compute the same
group once:

* cheap groups (general, statistical, info-theory) on the full data;
* expensive groups (landmarking, model-based): metaknow runs them on its stratified
  subsample above ``DEFAULT_MAX_ROWS``; pymfe gets that same subsample (its own default
  would use every row), so both see the same rows.

pymfe needs numeric input without missing values: it gets the table one-hot encoded and
mean-imputed (not timed) and ``transform_num=True`` for info-theory as its docs advise.
metaknow gets the raw table and its time includes the shared dataset context (each
group timed in its own ``extract_dataset`` call, so nothing is shared across groups).
Reported: wall-clock seconds and CPU seconds of this process for each, and the ratio
pymfe / metaknow of CPU seconds (on a shared machine wall-clock mostly measures waiting).
Both run with one BLAS thread (metaknow's extractor limits itself to one; idle BLAS
threads spinning on a busy machine would count as CPU time). ``--repeat N`` times each
call N times and keeps the fastest (metaknow's fit memos are emptied before each run).
A pymfe call slower than ``--timeout`` seconds is stopped and reported as ``>timeout``.
Every measurement is also appended to ``benchmarks/results/metafeatures_vs_pymfe/runs.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

# this checkout's packages, not an installed copy (the script's own folder is sys.path[0])
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from threadpoolctl import threadpool_limits

from metafeatures import DEFAULT_MAX_ROWS, extract_dataset, get_group
from metafeatures.learners.table import Memo
from metaknow.dataset import Dataset, load_dataset

CORPUS = ["credit.g", "kr.vs.kp", "segment", "mushroom", "optdigits", "letter"]
GROUPS = ["general", "statistical", "info-theory", "landmarking", "model-based"]


def generated(rows: int, cols: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(rows, cols)), columns=[f"x{i}" for i in range(cols)])
    y = pd.Series(np.where(X["x0"] + X["x1"] + rng.normal(size=rows) > 0, "a", "b"))
    return load_dataset((X, y), task="classification", name=f"generated_{rows}x{cols}")


def pymfe_input(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    X = pd.get_dummies(ds.X, dummy_na=False).astype(float)
    X = X.fillna(X.mean()).fillna(0.0)
    return X.to_numpy(), np.asarray(ds.y.cat.codes)


class _Timeout(Exception):
    pass


def _alarm(signum, frame):  # pragma: no cover - signal handler
    raise _Timeout


def time_pymfe(X: np.ndarray, y: np.ndarray, group: str, timeout: int,
               repeat: int = 1, values: dict | None = None) -> tuple[float, float]:
    """Best (wall, CPU) seconds of ``repeat`` pymfe runs; ``values``, when given, receives
    the last run's meta-features (name -> value)."""
    from pymfe.mfe import MFE

    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(timeout)
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            # one BLAS thread, as metaknow's extractor uses: spinning BLAS threads on a
            # shared machine would add CPU time that is no work
            with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
                warnings.simplefilter("ignore")
                mfe = MFE(groups=[group], random_state=0)
                mfe.fit(X, y, transform_num=(group == "info-theory"), transform_cat=None)
                names, extracted = mfe.extract()
        except _Timeout:
            return float("inf"), float("inf")
        finally:
            signal.alarm(0)
        run = (time.perf_counter() - wall, time.process_time() - cpu)
        best = (min(best[0], run[0]), min(best[1], run[1]))
        if values is not None:
            values.update(zip(names, extracted))
    return best


def time_metaknow(ds: Dataset, group: str, repeat: int = 1) -> tuple[float, float]:
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        Memo.clear_all()  # nothing carried over from an earlier run
        wall, cpu = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            extract_dataset(ds, groups=group, seed=0)
        run = (time.perf_counter() - wall, time.process_time() - cpu)
        best = (min(best[0], run[0]), min(best[1], run[1]))
    return best


RESULTS = Path(__file__).resolve().parent / "results" / "metafeatures_vs_pymfe" / "runs.jsonl"


def _json_time(t: float) -> float | str:
    return round(t, 3) if np.isfinite(t) else "timeout"


def _record(row: dict) -> None:
    """Append one measurement to ``RESULTS`` (JSON lines)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    row["recorded"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with RESULTS.open("a") as fh:
        fh.write(json.dumps(row) + "\n")


def _fmt(t: float) -> str:
    return "  >timeout" if not np.isfinite(t) else f"{t:10.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[1] / ".." / "shared")
    parser.add_argument("--datasets", nargs="*", default=CORPUS)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--cols", type=int, default=64)
    parser.add_argument("--groups", nargs="*", default=GROUPS)
    parser.add_argument("--timeout", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=1,
                        help="time each (tool, dataset, group) this many times; report the "
                             "fastest (CPU and wall separately)")
    args = parser.parse_args(argv)

    datasets: list[Dataset] = []
    for name in args.datasets:
        path = args.shared / "data" / "corpus" / f"{name}.arff.gz"
        if name.startswith("sklearn:"):  # a dataset bundled with scikit-learn
            datasets.append(load_dataset(name, task="classification"))
        elif path.exists():
            datasets.append(load_dataset(path, task="classification"))
        else:
            print(f"(skipping {name}: {path} not found)")
    datasets.append(generated(args.rows, args.cols))
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}; "
          f"row cap for expensive groups: {DEFAULT_MAX_ROWS}")
    header = (f"{'dataset':22s} {'group':12s} {'rows':>6s} {'mk wall':>10s} {'mk cpu':>10s} "
              f"{'pymfe wall':>10s} {'pymfe cpu':>10s} {'ratio cpu':>9s}")
    print(header)
    results = []
    for ds in datasets:
        for group in args.groups:
            expensive = get_group(group).expensive
            rows_seen = ds.subsample(DEFAULT_MAX_ROWS, seed=0) if expensive else ds
            mk_wall, mk_cpu = time_metaknow(ds, group, args.repeat)
            X, y = pymfe_input(rows_seen)
            py_wall, py_cpu = time_pymfe(X, y, group, args.timeout, args.repeat)
            ratio = py_cpu / mk_cpu if mk_cpu > 0 else float("nan")
            results.append((ds.name, group, mk_wall, mk_cpu, py_wall, py_cpu, ratio))
            _record({"dataset": ds.name, "group": group, "rows": rows_seen.n_rows,
                     "metaknow_cpu_s": round(mk_cpu, 3), "metaknow_wall_s": round(mk_wall, 3),
                     "pymfe_cpu_s": _json_time(py_cpu), "pymfe_wall_s": _json_time(py_wall),
                     "repeat": args.repeat, "load_average": round(os.getloadavg()[0], 1)})
            print(f"{ds.name:22s} {group:12s} {rows_seen.n_rows:6d} {mk_wall:10.3f} {mk_cpu:10.3f} "
                  f"{_fmt(py_wall)} {_fmt(py_cpu)} {ratio:9.1f}", flush=True)
    frame = pd.DataFrame(results, columns=["dataset", "group", "mk_wall", "mk_cpu", "py_wall",
                                           "py_cpu", "ratio"])
    print("\nper group: geometric mean of the CPU ratio pymfe / metaknow over datasets "
          "(a '>' ratio counts pymfe at the timeout)")
    for group, part in frame.groupby("group", sort=False):
        r = part["py_cpu"].clip(upper=args.timeout) / part["mk_cpu"]
        print(f"  {group:12s} {float(np.exp(np.log(r).mean())):8.1f}x")
    totals = frame.groupby("dataset", sort=False)[["mk_wall", "mk_cpu", "py_cpu"]].sum()
    print("\nall selected groups, per dataset (seconds):")
    for name, row in totals.iterrows():
        print(f"  {name:22s} metaknow wall {row.mk_wall:7.2f}  cpu {row.mk_cpu:7.2f}   "
              f"pymfe cpu {_fmt(row.py_cpu).strip()}")
    big = datasets[-1]
    Memo.clear_all()
    wall, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        extract_dataset(big, groups=args.groups)
    print(f"\none extract() call, all groups, {big.name}: wall {time.perf_counter() - wall:.2f} s, "
          f"cpu {time.process_time() - cpu:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
