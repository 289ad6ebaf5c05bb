"""What a user waits for: ``recommend`` in a process, and the whole CLI, beside FLAML.

Two measurements, CPU time (user + system), one BLAS thread each side:

1. **In one process**: the first ``metaknow.recommend(data)`` (fits the strategy, or loads
   it from the disk cache), then the second and later calls on other datasets, with
   meta-feature extraction and after it (``recommend_from_view`` alone).
2. **Whole process**: ``metaknow recommend sklearn:NAME --format json`` against a Python
   process that loads the same data and asks FLAML for its zero-shot LightGBM
   configuration (``flaml.default.preprocess_and_suggest_hyperparams``), run alternately
   ``--repeats`` times each after one warm-up; the ratio is taken pair by pair.

Results are appended to ``benchmarks/results/recommend_latency/runs.jsonl`` and written
to ``summary.md`` there::

    python benchmarks/recommend_end_to_end.py --repeats 5

``--repository FILE`` measures against a fixed store file (the bundled repository's
materialised cache, say) while the bundled folder is being rebuilt.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "recommend_latency"
DATASETS = ("breast_cancer", "wine", "digits", "iris")
FLAML_SCRIPT = """
import warnings; warnings.simplefilter("ignore")
from sklearn.datasets import load_{name}
from flaml.default import preprocess_and_suggest_hyperparams
X, y = load_{name}(return_X_y=True, as_frame=True)
print(preprocess_and_suggest_hyperparams("classification", X, y, "lgbm")[0])
"""


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def in_process(repository: str) -> dict[str, float]:
    """CPU seconds of the first and later recommend() calls in this process."""
    import metaknow
    from metaknow.dataset import load_dataset
    from metaknow.recommend import _extract, open_view, recommend_from_view

    out: dict[str, float] = {}
    t = cpu()
    metaknow.recommend(f"sklearn:{DATASETS[0]}", space="lightgbm", k=5, repository=repository)
    out["first_call"] = cpu() - t
    later, after = [], []
    for name in DATASETS[1:]:
        data = load_dataset(f"sklearn:{name}")
        t = cpu()
        metaknow.recommend(data, space="lightgbm", k=5, repository=repository)
        later.append(cpu() - t)
        mf = _extract(data, None, 0)
        view = open_view(repository, "lightgbm", data.task, None)
        t = cpu()
        recommend_from_view(view, mf, k=5, dataset=data, space="lightgbm")
        after.append(cpu() - t)
    out["later_call_median"] = statistics.median(later)
    out["after_metafeatures_median"] = statistics.median(after)
    return out


def child_cpu(cmd: list[str]) -> float:
    """CPU seconds of one child process (it and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                        "MKL_NUM_THREADS": "1"})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def whole_process(name: str, repeats: int, repository: str) -> dict[str, float]:
    ours = [sys.executable, str(ROOT / "cli.py"), "recommend", f"sklearn:{name}", "--format", "json",
            "--repository", repository]
    peer = [sys.executable, "-c", FLAML_SCRIPT.format(name=name)]
    child_cpu(ours), child_cpu(peer)  # warm-up: caches, page cache
    a, b = [], []
    for _ in range(repeats):
        a.append(child_cpu(ours))
        b.append(child_cpu(peer))
    ratios = [x / y for x, y in zip(a, b)]
    return {"metaknow_cpu_median": statistics.median(a), "flaml_cpu_median": statistics.median(b),
            "ratio_median": statistics.median(ratios), "ratio_min": min(ratios),
            "ratio_max": max(ratios)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dataset", default="breast_cancer")
    parser.add_argument("--repository", default="bundled",
                        help="repository to recommend from (default: the bundled one)")
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    record = {"when": time.strftime("%Y-%m-%d %H:%M"), "load": os.getloadavg()[0],
              "repository": args.repository, **in_process(args.repository), "dataset": args.dataset,
              **whole_process(args.dataset, args.repeats, args.repository)}
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "runs.jsonl").open("a") as fh:
        fh.write(json.dumps(record) + "\n")
    (OUT / "summary.md").write_text(summary(record))
    print(summary(record))
    return 0


def summary(r: dict[str, float]) -> str:
    return (
        f"`python benchmarks/recommend_end_to_end.py --repeats 5 --repository {r['repository']}` "
        f"({r['when']}, load average "
        f"{r['load']:.1f}; CPU seconds, one BLAS thread):\n\n"
        "| what | CPU s |\n|---|---:|\n"
        f"| first `metaknow.recommend()` in a process (fit or disk cache) | {r['first_call']:.2f} |\n"
        f"| a later `metaknow.recommend()`, with meta-features | {r['later_call_median']:.3f} |\n"
        f"| a later call after meta-features (`recommend_from_view`) | {r['after_metafeatures_median']:.3f} |\n"
        f"| `metaknow recommend sklearn:{r['dataset']} --format json`, whole process | "
        f"{r['metaknow_cpu_median']:.2f} |\n"
        f"| FLAML zero-shot suggestion on the same data, whole process | {r['flaml_cpu_median']:.2f} |\n"
        f"| ratio metaknow / FLAML (median of pairs; min–max) | {r['ratio_median']:.2f} "
        f"({r['ratio_min']:.2f}–{r['ratio_max']:.2f}) |\n")


if __name__ == "__main__":
    sys.exit(main())
