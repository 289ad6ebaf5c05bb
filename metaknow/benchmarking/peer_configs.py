"""Configurations a peer would start from, scored by a given protocol and cached.

:class:`FlamlZeroShot` asks FLAML's zero-shot recommender (``flaml.default``, its
data-dependent LightGBM defaults) for a configuration on a table, evaluates it with our
preprocessing on the splits a judge store holds for that table (same subsample, splits
and seed, so its score compares with the judge's design), and appends the result to a CSV so a rerun
evaluates nothing twice.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from metaknow.exceptions import MetaknowError

__all__ = ["FlamlZeroShot", "flaml_suggestion", "raw_lightgbm"]


def raw_lightgbm() -> Any:
    """LightGBM taking parameters as given (a peer's suggestion may lie outside our ranges),
    with our preprocessing."""
    from metaknow.spaces.algorithm import Algorithm

    def make(config: dict[str, Any], task: str, seed: int) -> Any:
        import lightgbm as lgb

        cls = lgb.LGBMClassifier if task == "classification" else lgb.LGBMRegressor
        return cls(**config, random_state=seed, n_jobs=1, verbosity=-1)

    return Algorithm(name="lightgbm-raw", spaces={}, make_model=make, preprocessing="ordinal")


def flaml_suggestion(dataset: Any) -> dict[str, Any]:
    """FLAML's zero-shot LightGBM hyperparameters for a :class:`~metaknow.dataset.Dataset`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from flaml.default import preprocess_and_suggest_hyperparams

        params, *_ = preprocess_and_suggest_hyperparams(
            "classification" if dataset.task == "classification" else "regression",
            dataset.X, dataset.y, "lgbm")
    return {k: v for k, v in params.items() if k not in ("verbose", "verbosity", "n_jobs")}


class FlamlZeroShot:
    """``scorer(table)`` -> mean judge-protocol score of FLAML's configuration on it.

    Parameters
    ----------
    folder : path
        Folder with ``manifest.csv`` (``name, file, target, task``) and the tables.
    cache : path
        CSV of finished evaluations (``table, score, params``), appended to.
    store : Store
        The judge store (its stored splits and seed of each table are used).
    metric : str
    source : str, default="tables"
    """

    def __init__(self, folder: str | Path, cache: str | Path, store: Any, metric: str,
                 source: str = "tables") -> None:
        self.folder, self.cache = Path(folder), Path(cache)
        self.store, self.metric, self.source = store, metric, source
        self.manifest = pd.read_csv(self.folder / "manifest.csv").set_index("name")
        self.scores: dict[str, float] = {}
        if self.cache.is_file():
            done = pd.read_csv(self.cache)
            self.scores = dict(zip(done["table"].astype(str), done["score"].astype(float)))

    def __call__(self, table: str) -> float:
        if table in self.scores:
            return self.scores[table]
        if table not in self.manifest.index:
            raise MetaknowError(f"table {table!r} is not in {self.folder / 'manifest.csv'}")
        from metaknow.dataset import load_dataset
        from metaknow.evaluation import assignment_to_splits, fit_and_score, split_repeats

        stored = self.store.task(table, self.source)
        if stored is None or not stored.get("splits"):
            raise MetaknowError(f"the judge store holds no splits of {table!r}")
        row = self.manifest.loc[table]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = load_dataset(self.folder / row["file"], target=row["target"], task=row["task"],
                                name=table)
            params = flaml_suggestion(data)
            splits = assignment_to_splits(stored["splits"], data.n_rows)
            seed, algo = int(stored["protocol"].get("seed", 0)), raw_lightgbm()
            folds = [fit_and_score(data, algo, params, tr, te, seed=seed, fold=f, repeat=r)
                     for (f, tr, te), r in zip(splits, split_repeats(splits))]
        values = [f["metrics"].get(self.metric, np.nan) for f in folds if f["status"] == "ok"]
        sign = -1.0 if self.metric in ("rmse", "log_loss") else 1.0
        score = sign * float(np.mean(values)) if len(values) == len(splits) else float("nan")
        self.scores[table] = score
        new = not self.cache.exists()
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        with self.cache.open("a") as fh:
            pd.DataFrame([[table, score, json.dumps(params, sort_keys=True, default=str)]],
                         columns=["table", "score", "params"]).to_csv(
                fh, header=new, index=False, float_format="%.6g")
        return score
