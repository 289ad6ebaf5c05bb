"""Optuna bridge: suggest a metaknow configuration inside an Optuna trial.

Optuna is an optional dependency (``pip install 'metaknow[bench]'`` or ``pip install optuna``).
Conditional parameters are suggested only when active (define-by-run), so Optuna never
sees an inactive value.
"""

from __future__ import annotations

from typing import Any, Mapping

from metaknow.exceptions import MetaknowError
from metaknow.space import Categorical, Configuration, Float, Integer, SearchSpace

__all__ = ["require_optuna", "suggest", "enqueue"]


def require_optuna() -> Any:
    """Import optuna or raise a one-line error saying how to install it."""
    try:
        import optuna
    except ImportError:
        raise MetaknowError("this needs optuna: pip install optuna") from None
    return optuna


def _choice_label(value: Any) -> Any:
    # Optuna stores categorical choices as None/bool/int/float/str: all of ours qualify.
    return value


def suggest(trial: Any, space: SearchSpace) -> Configuration:
    """Draw a configuration of ``space`` through ``trial.suggest_*`` (active parameters only)."""
    config: Configuration = {}
    for p in space.params:
        if p.condition is not None and not p.condition.holds(config):
            continue
        if isinstance(p, Float):
            config[p.name] = trial.suggest_float(p.name, p.low, p.high, log=p.log)
        elif isinstance(p, Integer):
            config[p.name] = trial.suggest_int(p.name, p.low, p.high, log=p.log)
        elif isinstance(p, Categorical):
            config[p.name] = trial.suggest_categorical(p.name, [_choice_label(c) for c in p.choices])
    return config


def enqueue(study: Any, space: SearchSpace, configs: list[Mapping[str, Any]]) -> int:
    """Enqueue validated configurations into ``study`` (evaluated first, in order).

    Returns the number enqueued.
    """
    n = 0
    for config in configs:
        study.enqueue_trial(dict(space.validate(config)), skip_if_exists=True)
        n += 1
    return n
