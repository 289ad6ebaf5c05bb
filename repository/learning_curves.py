"""Fit times along learning curves, read from an export folder (``repository/fidelity``).

The fidelity build (:mod:`repository.builders.fidelity`) fits the bundled design at
several training sizes on the larger tasks. The fit-cost model
(:mod:`metaknow.recommenders.fit_cost`) learns from those times how a configuration's
cost grows with the data, which the bundled repository (at most 1,334 training rows)
cannot tell. This module reads them straight from the export's plain files (no store to
materialise): one row per (task, training size), one column per configuration id
(``algorithm-hash``, as in a :class:`~repository.view.RepositoryView`).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable

import pandas as pd

__all__ = ["DEFAULT_FOLDER", "fit_times_by_size"]

#: The committed fidelity export.
DEFAULT_FOLDER = Path(__file__).resolve().parent / "fidelity"


def fit_times_by_size(algorithm: str, task_type: str, folder: str | Path = DEFAULT_FOLDER,
                      exclude: Iterable[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean seconds of one fit per (task, training size) and configuration.

    Parameters
    ----------
    algorithm : str
        Space name (``"lightgbm"``).
    task_type : {"classification", "regression"}
    folder : path
        An export folder with ``tasks.csv`` and ``evaluations/<algorithm>/<task>.csv``.
    exclude : iterable of str
        Task names to leave out (a benchmark's held-out task).

    Returns
    -------
    times : DataFrame
        Index ``"<task>@<n_train>"``, columns configuration ids; NaN where a fit failed.
    sizes : DataFrame
        Same index: ``n_train``, ``n_features``, ``n_classes``.
        Both are empty when the folder holds nothing for this space.
    """
    folder = Path(folder)
    empty = pd.DataFrame(), pd.DataFrame(columns=["n_train", "n_features", "n_classes"])
    tasks_file = folder / "tasks.csv"
    if not tasks_file.is_file():
        return empty
    with tasks_file.open(newline="") as fh:
        tasks = [r for r in csv.DictReader(fh) if r["task_type"] == task_type
                 and r["name"] not in set(exclude)]
    frames = []
    for task in tasks:
        path = folder / "evaluations" / algorithm / f"{task['name']}.csv"
        if not path.is_file():
            continue
        e = pd.read_csv(path, usecols=["config_hash", "n_train", "status", "fit_time"])
        e = e[(e["status"] == "ok") & (e["fit_time"] > 0)]
        e = e.assign(row=task["name"] + "@" + e["n_train"].astype(str),
                     config=algorithm + "-" + e["config_hash"].astype(str),
                     n_features=float(task["n_features"]),
                     n_classes=float(task["n_classes"]) if task["n_classes"] else float("nan"))
        frames.append(e)
    if not frames:
        return empty
    long = pd.concat(frames, ignore_index=True)
    times = long.pivot_table(index="row", columns="config", values="fit_time", aggfunc="mean")
    sizes = long.groupby("row")[["n_train", "n_features", "n_classes"]].first().loc[times.index]
    return times, sizes
