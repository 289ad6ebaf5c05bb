"""Hand metaknow's recommendations to Optuna: they are tried first, then TPE takes over.

Run: python examples/02_recommend_then_optuna.py   (needs optuna: pip install optuna)
"""

from __future__ import annotations

import os

import numpy as np
import optuna
from sklearn.model_selection import StratifiedKFold, cross_val_score

import metaknow
from metaknow.integrations.optuna import suggest
from metaknow.spaces import get_algorithm, get_space, make_pipeline

N_TRIALS = int(os.environ.get("EXAMPLE_TRIALS", "30"))

data = metaknow.load_dataset("sklearn:wine")
rec = metaknow.recommend(data, space="lightgbm", k=5)
print(f"nearest prior tasks: {[t.name for t in rec.nearest_tasks]}")

space = get_space("lightgbm", data.task)
algorithm = get_algorithm("lightgbm")
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)


def objective(trial: optuna.Trial) -> float:
    config = suggest(trial, space)  # metaknow's space, define-by-run
    model = make_pipeline(algorithm, config, data.task, data.numeric_columns,
                          data.categorical_columns, seed=0)
    return float(np.mean(cross_val_score(model, data.X, data.y, cv=cv, scoring="roc_auc_ovr")))


optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=0))
print(f"enqueued {rec.enqueue_optuna(study)} recommended configurations")
study.optimize(objective, n_trials=N_TRIALS)
first = max(t.value for t in study.trials[:5])
print(f"best of the 5 recommended: {first:.4f}; best after {N_TRIALS} trials: {study.best_value:.4f}")
print("best parameters:", study.best_params)
