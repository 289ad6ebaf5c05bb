"""Synthetic prior evaluations where the answer is known: only ``learning_rate`` matters.

Task ``t`` scores a LightGBM configuration ``0.9 - (u_lr - o_t)^2`` (``u_lr`` the
learning rate's position on its log scale, ``o_t`` the task's optimum), so every other
parameter has zero importance and zero tunability, and the optimum moves with the task.
"""

from __future__ import annotations

from metaknow.spaces import get_space
from repository.view import RepositoryView

SPACE = get_space("lightgbm", "classification")
OPTIMA = (0.2, 0.25, 0.3, 0.7, 0.75, 0.8)


def score(config: dict, optimum: float) -> float:
    return 0.9 - (SPACE["learning_rate"].to_unit(config["learning_rate"]) - optimum) ** 2


def configs(n: int = 150, seed: int = 0) -> list[dict]:
    return SPACE.design(n, seed=seed)


def best_config(view: RepositoryView, task: str) -> dict:
    """The best evaluated configuration of ``task``."""
    return view.configurations[view.performance.loc[task].idxmax()][1]
