"""metaknow's landmarking group against pymfe's, on every classification corpus dataset.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python benchmarks/landmarking_vs_pymfe.py \
        [--shared ../shared] [--datasets a b ...] [--repeat 2] [--timeout 60] [--out NAME]

Both tools run in this one process, one after the other on each dataset, with one BLAS
thread each, timed by ``process_time`` (CPU seconds); ``--repeat N`` keeps the fastest of
N runs of each. The protocol is ``benchmarks/metafeatures_vs_pymfe.py``'s (its timing
functions are reused): metaknow gets the raw dataset (``extract_dataset(...,
groups="landmarking")``, its memos emptied first, so each run does all the work, the
dataset context included); pymfe gets the same stratified sample of at most
``DEFAULT_MAX_ROWS`` rows, one-hot encoded and mean-imputed (not timed), and
``MFE(groups=["landmarking"])``. A pymfe run longer than ``--timeout`` seconds (wall) is
stopped and counts as ``timeout``. Regression datasets are left out: pymfe's landmarking
group needs classes.

Writes ``benchmarks/results/landmarking_vs_pymfe/<NAME>.jsonl`` (one line per dataset:
rows, attributes, both CPU times, ratio = pymfe CPU / metaknow CPU, load average) and
``<NAME>.md`` (the summary: min / median ratio, the datasets under 1x, the slowest ones).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout's packages
sys.path.insert(0, str(HERE))

from metafeatures_vs_pymfe import pymfe_input, time_metaknow, time_pymfe

RESULTS = HERE / "results" / "landmarking_vs_pymfe"


def classification_datasets(corpus: Path) -> list[str]:
    """Names of the corpus's classification datasets, in name order."""
    manifest = pd.read_csv(corpus / "manifest.csv")
    return sorted(manifest.loc[manifest["task"] == "classification", "name"])


def measure(name: str, corpus: Path, repeat: int, timeout: int) -> dict:
    """One dataset: both tools' best CPU seconds over ``repeat`` runs."""
    from metafeatures import DEFAULT_MAX_ROWS
    from metaknow.dataset import load_dataset

    source = name if name.startswith("sklearn:") else corpus / f"{name}.arff.gz"
    ds = load_dataset(source, task="classification")
    sample = ds.subsample(DEFAULT_MAX_ROWS, seed=0)
    _, ours = time_metaknow(ds, "landmarking", repeat)
    X, y = pymfe_input(sample)
    values: dict = {}
    _, theirs = time_pymfe(X, y, "landmarking", timeout, repeat, values)
    computed = sum(np.isfinite(np.asarray(v, dtype=float)).all() for v in values.values())
    return {"dataset": name, "rows": int(ds.n_rows), "attributes": int(ds.n_features),
            "metaknow_cpu_s": round(ours, 4),
            "pymfe_cpu_s": round(theirs, 4) if np.isfinite(theirs) else "timeout",
            "pymfe_values": f"{computed}/{len(values)}" if values else "-",
            "ratio": round(theirs / ours, 3) if np.isfinite(theirs) else None,
            "load_average": round(os.getloadavg()[0], 1)}


def summary(rows: list[dict], command: str, slowest: int = 15) -> str:
    """The markdown summary of a run."""
    done = [r for r in rows if r["ratio"] is not None]
    timeouts = [r for r in rows if r["ratio"] is None]
    ratios = np.array([r["ratio"] for r in done])
    under = sorted((r for r in done if r["ratio"] < 1.0), key=lambda r: r["ratio"])
    loads = [r["load_average"] for r in rows]
    lines = [
        f"`{command}`",
        "",
        (f"{len(rows)} classification datasets; ratio = pymfe CPU s / metaknow CPU s "
         f"(above 1: metaknow faster); load average {min(loads):.1f}–{max(loads):.1f}."),
        "",
        "| datasets | min ratio | median ratio | geometric mean | under 1× | pymfe stopped |",
        "|---:|---:|---:|---:|---:|---:|",
        (f"| {len(done)} | {ratios.min():.2f} | {np.median(ratios):.2f} | "
         f"{np.exp(np.log(ratios).mean()):.2f} | {len(under)} | {len(timeouts)} |"),
        "",
        f"Slowest for metaknow ({slowest}), and every dataset under 1×:",
        "",
        ("| dataset | rows | attributes | metaknow CPU s | pymfe CPU s | pymfe / metaknow "
         "| pymfe values finite |"),
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    shown = sorted(rows, key=lambda r: -r["metaknow_cpu_s"])[:slowest]
    shown += [r for r in under if r not in shown]
    for r in shown:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "–"
        lines.append(f"| {r['dataset']} | {r['rows']:,} | {r['attributes']} | "
                     f"{r['metaknow_cpu_s']:.3f} | {r['pymfe_cpu_s']} | {ratio} | "
                     f"{r.get('pymfe_values', '-')} |")
    if timeouts:
        lines += ["", "pymfe stopped at the timeout on: "
                  + ", ".join(r["dataset"] for r in timeouts) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent / ".." / "shared")
    parser.add_argument("--datasets", nargs="*",
                        help="default: every classification dataset of the corpus; also "
                             "sklearn:NAME (one bundled with scikit-learn, e.g. sklearn:digits)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=60)
    parser.add_argument("--out", default="corpus")
    args = parser.parse_args(argv)
    corpus = args.shared / "data" / "corpus"
    names = args.datasets or classification_datasets(corpus)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{args.out}.jsonl"
    out.write_text("")
    rows = []
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    measure(names[0], corpus, 1, args.timeout)  # warm-up, not recorded: first imports
    for name in names:
        try:
            row = measure(name, corpus, args.repeat, args.timeout)
        except Exception as exc:  # a dataset that fails to load is reported, not timed
            print(f"{name:28s} failed: {type(exc).__name__}: {exc}", flush=True)
            continue
        rows.append(row)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")
        print(f"{name:28s} {row['rows']:7d} {row['metaknow_cpu_s']:8.3f} "
              f"{row['pymfe_cpu_s']!s:>8s} {row['ratio']!s:>7s}", flush=True)
    argv_shown = " ".join(argv if argv is not None else sys.argv[1:])
    command = f"python benchmarks/landmarking_vs_pymfe.py {argv_shown}".strip()
    (RESULTS / f"{args.out}.md").write_text(summary(rows, command))
    print(summary(rows, command))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
