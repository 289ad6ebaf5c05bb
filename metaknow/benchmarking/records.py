"""Side files of a warm-start run folder (``runs/SPACE/DATASET/``) besides the run CSVs.

* ``recommendations.csv``: the configuration ids, in order, that the warm-started runs of
  this (space, dataset) began with. Runs made from other recommendations are stale.
* ``references.csv``: the held-out dataset's own scores stored in the repository (which
  no method sees): the best and the median of the repository's design, measured with the
  same protocol as every run — the best is where a perfect zero-shot pick from the design
  would start.
* ``lookup.csv``: seconds metaknow spent before its first evaluation on this dataset
  (meta-feature extraction and recommendation), measured once when the recommendations
  were made. The report charges it to every run that starts from the recommendations.
* ``optimised.csv`` and ``lookup-optimised.csv``: the same two records for the methods
  that start from the optimised portfolio (``metaknow-portfolio10``);
  their lookup counts meta-features and the portfolio query, not the meta-surrogate's
  fit (done once per repository and cached in the product; refitted per held-out
  dataset here only to keep that dataset out of it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import pandas as pd

__all__ = ["RECOMMENDATIONS", "REFERENCES", "LOOKUP", "OPTIMISED", "LOOKUP_OPTIMISED", "own_tasks", "retire_stale_runs",
           "write_references", "load_references", "record_lookup", "load_lookups"]

RECOMMENDATIONS = "recommendations.csv"
REFERENCES = "references.csv"
LOOKUP = "lookup.csv"
OPTIMISED = "optimised.csv"
LOOKUP_OPTIMISED = "lookup-optimised.csv"


def own_tasks(view: Any, name: str) -> list[str]:
    """Task ids of ``view`` whose dataset is named ``name``."""
    names = view.tasks["name"] if "name" in view.tasks else pd.Series(dtype=str)
    return [t for t, n in names.items() if n == name]


def retire_stale_runs(run_dir: Path, config_ids: list[str],
                      uses_recommendations: Callable[[str], bool],
                      record_name: str = RECOMMENDATIONS) -> list[Path]:
    """Record the recommendations warm runs start from; delete warm runs made from others.

    When the repository or the recommender changes, the current list differs from the
    record and the warm runs no longer measure what the code recommends, so they are
    removed (to be rerun); runs of cold methods are kept. Warm runs found without a record
    count as stale too. Returns the removed files.
    """
    record = run_dir / record_name
    if record.exists() and pd.read_csv(record)["config_id"].tolist() == config_ids:
        return []
    removed = []
    if run_dir.exists():
        for path in sorted(run_dir.glob("*__seed*.csv")):
            if uses_recommendations(path.name.split("__")[0]):
                path.unlink()
                removed.append(path)
    _write_if_changed(record, pd.DataFrame(
        {"rank": range(1, len(config_ids) + 1), "config_id": config_ids}))
    return removed


def write_references(run_dir: Path, view: Any, name: str) -> None:
    """Write the held-out dataset's stored design best and median (nothing if not stored)."""
    own = own_tasks(view, name)
    scores = view.performance.loc[own[0]].dropna() if own else pd.Series(dtype=float)
    if scores.empty:
        return
    _write_if_changed(run_dir / REFERENCES, pd.DataFrame({
        "reference": ["design-best", "design-median"],
        "score": [float(scores.max()), float(scores.median())],
        "configurations": len(scores), "metric": view.metric}))


def load_references(runs: Path) -> pd.DataFrame:
    """Every ``references.csv`` under ``runs`` as one frame with space and dataset columns."""
    frames = []
    for path in sorted(Path(runs).glob(f"*/*/{REFERENCES}")):
        frame = pd.read_csv(path)
        frame["space"], frame["dataset"] = path.parent.parent.name, path.parent.name
        frames.append(frame)
    columns = ["space", "dataset", "reference", "score", "configurations", "metric"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def record_lookup(run_dir: Path, seconds: float, replace: bool = False,
                  name: str = LOOKUP) -> None:
    """Record the seconds meta-features and recommendations took, unless already recorded.

    ``replace=True`` (the recommendations changed and the warm runs are redone) records the
    new measurement instead of keeping the one the old runs were charged with.
    """
    path = run_dir / name
    if path.exists() and not replace:
        return
    _write_if_changed(path, pd.DataFrame({"seconds": [float(seconds)]}))


def load_lookups(runs: Path, name: str = LOOKUP) -> pd.DataFrame:
    """Every lookup file ``name`` under ``runs`` as one frame (space, dataset, seconds)."""
    rows = [{"space": path.parent.parent.name, "dataset": path.parent.name,
             "seconds": float(pd.read_csv(path)["seconds"].iloc[0])}
            for path in sorted(Path(runs).glob(f"*/*/{name}"))]
    return pd.DataFrame(rows, columns=["space", "dataset", "seconds"])


def _write_if_changed(path: Path, frame: pd.DataFrame) -> None:
    text = frame.to_csv(index=False, float_format="%.6g")
    if path.exists() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
