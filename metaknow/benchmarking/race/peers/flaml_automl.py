"""FLAML's AutoML restricted to LightGBM, on its own terms.

``AutoML().fit(time_budget=..., estimator_list=["lgbm"], metric=...)`` with one thread:
FLAML searches its own LightGBM space (its ranges, ``log_max_bin`` instead of
``max_bin``, sample size as a fidelity) and validates by its own rule (``eval_method
="auto"``: hold-out on large tables), so its scores are not our CV scores. Its log
(every trial) gives the incumbent over time: the lowest validation loss recorded
by then, as FLAML's ``retrain_from_log`` picks it. The incumbent is refitted as a plain
LightGBM with FLAML's parameters and metaknow's preprocessing, like every other tuner's.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any, ClassVar

from metaknow.benchmarking.race.objective import Trace
from metaknow.benchmarking.race.peers.base import RaceContext
from metaknow.exceptions import MetaknowError

__all__ = ["FlamlAutoML", "flaml_params"]


def flaml_params(config: dict[str, Any]) -> dict[str, Any]:
    """FLAML's LightGBM configuration as LightGBM parameters."""
    params = {k: v for k, v in config.items() if k != "FLAML_sample_size"}
    if "log_max_bin" in params:
        params["max_bin"] = (1 << int(params.pop("log_max_bin"))) - 1
    return params


class FlamlAutoML:
    """FLAML AutoML with ``estimator_list=["lgbm"]``."""

    name: ClassVar[str] = "flaml"
    run_factor: ClassVar[float] = 3.0

    def run(self, context: RaceContext, seconds: float) -> Trace:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from flaml import AutoML
                from flaml.automl.training_log import training_log_reader
        except ImportError:
            raise MetaknowError("this tuner needs FLAML: pip install 'flaml[automl]'") from None
        objective = context.objective
        train = objective.train
        if train.task == "regression":
            task, metric = "regression", "r2"
        else:
            task = "classification"
            metric = "roc_auc" if len(train.classes) == 2 else "roc_auc_ovr"
        trace = objective.trace
        with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            log = Path(tmp) / "flaml.log"
            automl = AutoML()
            objective.start()
            automl.fit(X_train=train.X, y_train=train.y, task=task, metric=metric,
                       time_budget=seconds, estimator_list=["lgbm"], n_jobs=1,
                       seed=context.seed, log_file_name=str(log), verbose=0,
                       retrain_full=False, log_type="all")
            with training_log_reader(str(log)) as reader:
                records = sorted(reader.records(), key=lambda r: r.wall_clock_time)
        best = float("inf")
        for record in records:
            trace.evaluations += 1
            if record.validation_loss < best:
                best = record.validation_loss
                trace.offer(record.wall_clock_time, 1.0 - best, flaml_params(record.config), raw=True)
        method = getattr(getattr(automl, "_state", None), "eval_method", "auto")
        trace.notes.append(f"FLAML validation: {method}")
        return trace
