"""Time and peak memory of meta-feature extraction as the row count grows, beside pymfe.

    python benchmarks/extract_scaling.py [--rows 10000 100000 1000000] [--timeout 600]
                                         [--tools metaknow pymfe] [--force]

Each (tool, size) runs in a fresh subprocess on a generated mixed table (``--cols``
columns, 70% numeric and 30% categorical with 2-20 levels, 5% missing values, a
binary target that depends on three columns; seeded, so every run sees the same
data). A run records CPU seconds (``process_time``), wall seconds and peak RSS of
the whole worker process (``ru_maxrss``, so it includes the generated table; the
table's own RSS before extraction is recorded as ``rss_data_mb``). metaknow runs
``extract()`` with all groups and its defaults (expensive groups on a 10,000-row
subsample). pymfe 0.4.x runs all its groups except ``relative`` with default
summaries and ``lm_sample_frac=1``; it needs numeric input without missing values,
so it gets the table one-hot encoded and mean-imputed (preparation not timed).
A run that exceeds ``--timeout`` seconds is recorded as a timeout.

Results are appended, one JSON object per line, to
``benchmarks/results/extract_scaling/runs.jsonl``; a (tool, rows, cols) already
recorded there is skipped unless ``--force``, so an interrupted run resumes.
The table printed at the end is the latest record of each (tool, rows).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "extract_scaling" / "runs.jsonl"
SEED = 0


def generated(n_rows: int, n_cols: int = 100, missing: float = 0.05,
              seed: int = SEED) -> tuple[pd.DataFrame, pd.Series]:
    """A seeded mixed table: 70% numeric, 30% categorical columns, ``missing`` NaN."""
    rng = np.random.default_rng(seed)
    n_cat = int(round(0.3 * n_cols))
    n_num = n_cols - n_cat
    cols: dict[str, object] = {}
    for j in range(n_num):
        x = rng.standard_normal(n_rows)
        if j % 3 == 1:
            x = np.exp(x)  # skewed
        elif j % 3 == 2:
            x = np.round(x * 4)  # few distinct values
        x[rng.random(n_rows) < missing] = np.nan
        cols[f"x{j}"] = x
    for j in range(n_cat):
        k = 2 + (j * 7) % 19
        codes = rng.integers(0, k, n_rows)
        codes[rng.random(n_rows) < missing] = -1
        cols[f"c{j}"] = pd.Categorical.from_codes(codes, categories=[f"v{i}" for i in range(k)])
    X = pd.DataFrame(cols, copy=False)  # the columns as generated: no second copy of the table
    signal = np.nan_to_num(X["x0"].to_numpy()) + np.nan_to_num(X["x3"].to_numpy())
    signal += np.asarray(X["c0"].cat.codes == 1, dtype=float) + rng.normal(size=n_rows)
    y = pd.Series(np.where(signal > 0.5, "pos", "neg"), name="class").astype("category")
    return X, y


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 1024.0 ** 2
    except OSError:
        return float("nan")


def worker(tool: str, n_rows: int, n_cols: int) -> dict:
    """Generate the table, run one tool on it, return the measurements."""
    warnings.simplefilter("ignore")
    X, y = generated(n_rows, n_cols)
    extra: dict = {}
    if tool == "metaknow":
        sys.path.insert(0, str(ROOT))
        from metafeatures import extract
        rss_data = _current_rss_mb()
        cpu, wall = time.process_time(), time.perf_counter()
        out = extract((X, y), task="classification")
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        extra = {"n_values": int(out.notna().sum()),
                 "groups_s": {k: round(v, 3) for k, v in out.attrs["timings"].items()}}
    elif tool == "pymfe":
        from pymfe.mfe import MFE
        Xn = pd.get_dummies(X, dummy_na=False).astype(float)
        Xn = Xn.fillna(Xn.mean()).fillna(0.0).to_numpy()
        yn = np.asarray(y.cat.codes)
        del X
        rss_data = _current_rss_mb()
        cpu, wall = time.process_time(), time.perf_counter()
        mfe = MFE(groups=["general", "statistical", "info-theory", "landmarking",
                          "model-based"], random_state=SEED)
        mfe.fit(Xn, yn, transform_num=False, transform_cat=None, precomput=True)
        names, _ = mfe.extract()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        extra = {"n_values": len(names)}
    else:
        raise ValueError(f"unknown tool {tool!r}")
    return {"tool": tool, "rows": n_rows, "cols": n_cols, "status": "ok",
            "cpu_s": round(cpu, 2), "wall_s": round(wall, 2),
            "peak_rss_mb": round(_peak_rss_mb(), 1), "rss_data_mb": round(rss_data, 1),
            **extra}


def _load() -> list[dict]:
    if not RESULTS.exists():
        return []
    return [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()]


def _run(tool: str, n_rows: int, n_cols: int, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", tool, "--rows", str(n_rows),
           "--cols", str(n_cols)]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"tool": tool, "rows": n_rows, "cols": n_cols, "status": f"timeout>{timeout:g}s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"tool": tool, "rows": n_rows, "cols": n_cols,
                "status": f"failed: {last[:200]}", "wall_s": round(time.perf_counter() - start, 1)}
    return json.loads(lines[-1])


def _fmt(rec: dict | None, key: str, spec: str) -> str:
    width = int(re.match(r"\d+", spec).group())
    if rec is None:
        return "-".rjust(width)
    if rec.get("status") != "ok":
        return rec.get("status", "?").split(":")[0].rjust(width)
    return format(rec[key], spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--tools", nargs="+", default=["metaknow", "pymfe"],
                        choices=["metaknow", "pymfe"])
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--force", action="store_true", help="rerun recorded sizes")
    parser.add_argument("--worker", choices=["metaknow", "pymfe"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.rows[0], args.cols)), flush=True)
        return 0
    if args.cols < 4 or min(args.rows) < 100:
        print("error: need --cols >= 4 and --rows >= 100", file=sys.stderr)
        return 2
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    done = {(r["tool"], r["rows"], r["cols"]) for r in _load()}
    for n_rows in args.rows:
        for tool in args.tools:
            if (tool, n_rows, args.cols) in done and not args.force:
                continue
            rec = _run(tool, n_rows, args.cols, args.timeout)
            rec["recorded"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            rec["host"] = platform.node()
            with RESULTS.open("a") as fh:
                fh.write(json.dumps(rec) + "\n")
            print(f"{tool:9s} {n_rows:>9,d} rows: {rec.get('status')} "
                  f"cpu={rec.get('cpu_s', '-')} s wall={rec.get('wall_s', '-')} s "
                  f"peak={rec.get('peak_rss_mb', '-')} MB", flush=True)
    latest = {(r["tool"], r["rows"]): r for r in _load() if r["cols"] == args.cols}
    print(f"\n{'rows':>9s} | {'metaknow cpu s':>14s} {'wall s':>7s} {'peak MB':>8s} | "
          f"{'pymfe cpu s':>11s} {'wall s':>7s} {'peak MB':>8s} | {'cpu ratio':>9s}")
    for n_rows in sorted({r for _, r in latest}):
        ours, peer = latest.get(("metaknow", n_rows)), latest.get(("pymfe", n_rows))
        ratio = "-"
        if ours and peer and ours.get("status") == peer.get("status") == "ok":
            ratio = f"{peer['cpu_s'] / ours['cpu_s']:.1f}x"
        print(f"{n_rows:>9,d} | {_fmt(ours, 'cpu_s', '14.1f')} {_fmt(ours, 'wall_s', '7.1f')} "
              f"{_fmt(ours, 'peak_rss_mb', '8.0f')} | {_fmt(peer, 'cpu_s', '11.1f')} "
              f"{_fmt(peer, 'wall_s', '7.1f')} {_fmt(peer, 'peak_rss_mb', '8.0f')} | {ratio:>9s}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
