"""Score configurations that a repository never ran, on its own tasks, by its own protocol.

A strategy that recommends beyond the stored design (``optimised_portfolio``) cannot be
judged from the performance matrix: its picks must be evaluated. :class:`TaskScorer`
loads a repository task's dataset from the corpus it was built from, evaluates a
configuration with the bundled protocol (same subsample, same stored splits, same
metric: :data:`repository.builders.bundled.PROTOCOL`), and appends every result to a
CSV (``task, space, config_id, score, seconds, params``), so a benchmark that stops
resumes without re-evaluating anything. :meth:`TaskScorer.check` re-evaluates a stored
configuration and compares it with the stored score, which proves the protocol matches.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from metaknow.exceptions import MetaknowError
from metaknow.space import config_hash

__all__ = ["TaskScorer"]

COLUMNS = ["task", "space", "config_id", "score", "seconds", "params"]


class TaskScorer:
    """Evaluate configurations on corpus datasets with the bundled protocol, cached on disk.

    Parameters
    ----------
    corpus : path
        Folder with ``manifest.csv`` and the datasets (``../shared/data/corpus``).
    cache : path
        Append-only CSV of every evaluation made (created if missing).
    metric : str, default="roc_auc"
    protocol : Protocol, optional
        Evaluation protocol (default: the bundled repository's,
        :data:`repository.builders.bundled.PROTOCOL`).
    """

    def __init__(self, corpus: str | os.PathLike[str], cache: str | os.PathLike[str],
                 metric: str = "roc_auc", protocol: Any = None) -> None:
        if protocol is None:
            from repository.builders.bundled import PROTOCOL as protocol
        self.protocol = protocol
        self.corpus = Path(corpus)
        self.cache = Path(cache)
        self.metric = metric
        manifest = self.corpus / "manifest.csv"
        if not manifest.is_file():
            raise MetaknowError(f"no corpus manifest at {manifest}")
        self._manifest = pd.read_csv(manifest).set_index("name")
        self._scores: dict[tuple[str, str, str], float] = {}
        if self.cache.is_file():
            for row in pd.read_csv(self.cache).itertuples(index=False):
                self._scores[(str(row.task), str(row.space), str(row.config_id))] = float(row.score)
        self._problems: dict[str, tuple[Any, Any]] = {}

    def score(self, task: str, space: str, params: Mapping[str, Any]) -> float:
        """Mean score of ``params`` (space value form) over the task's folds; NaN if any fold fails."""
        from metaknow.spaces import get_space

        if task not in self._manifest.index:
            raise MetaknowError(f"task {task!r} is not in {self.corpus / 'manifest.csv'}")
        task_type = str(self._manifest.loc[task, "task"])
        config = get_space(space, task_type).validate(params, fill_defaults=True)
        key = (task, space, config_hash(config))
        if key in self._scores:
            return self._scores[key]
        from metaknow.evaluation import evaluate

        dataset, splits = self._problem(task)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            folds = evaluate(space, config, dataset, splits, seed=self.protocol.seed, time_limit=120.0)
        values = [f.metrics.get(self.metric, np.nan) for f in folds if f.ok]
        value = float(np.mean(values)) if len(values) == len(splits) else float("nan")
        self._append(key, value, time.perf_counter() - t0, config)
        return value

    def check(self, task: str, space: str, params: Mapping[str, Any], stored: float,
              tol: float = 1e-6) -> None:
        """Raise :class:`MetaknowError` when a fresh evaluation differs from ``stored``."""
        fresh = self.score(task, space, params)
        if not abs(fresh - stored) <= tol:
            raise MetaknowError(f"{task}/{space}: a fresh evaluation gives {fresh:.6f}, the "
                                f"repository holds {stored:.6f}: the protocols differ")

    # ----------------------------------------------------------------- helpers
    def _problem(self, task: str) -> tuple[Any, Any]:
        if task not in self._problems:
            from metaknow.dataset import load_dataset
            from metaknow.evaluation import make_splits

            row = self._manifest.loc[task]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                dataset = load_dataset(self.corpus / row["file"], target=row["target"],
                                       task=row["task"], name=task)
            self._problems[task] = (dataset, make_splits(dataset, self.protocol))
        return self._problems[task]

    def _append(self, key: tuple[str, str, str], value: float, seconds: float,
                config: Mapping[str, Any]) -> None:
        self._scores[key] = value
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        new = not self.cache.exists()
        row = pd.DataFrame([[*key, value, round(seconds, 3), json.dumps(dict(config), sort_keys=True)]],
                           columns=COLUMNS)
        with self.cache.open("a") as fh:  # one short line per evaluation: a crash loses at most it
            row.to_csv(fh, header=new, index=False, float_format="%.6g")
