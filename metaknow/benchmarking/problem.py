"""A tuning problem shared by every method of a benchmark: one dataset, one space, fixed splits.

Every method calls :meth:`TuningProblem.evaluate` with a configuration; the problem
scores it with the repository's own evaluation code on the same splits for everyone,
caches scores by configuration (a repeated configuration costs nothing and counts as
one more evaluation of the method's budget), and records the trajectory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from metaknow.dataset import Dataset
from metaknow.space import Configuration, SearchSpace, config_hash

__all__ = ["TuningProblem", "Trial", "BudgetExhausted"]


class BudgetExhausted(Exception):
    """Raised inside a method's loop when it has used its evaluation budget."""


@dataclass
class Trial:
    index: int
    config_id: str
    score: float
    best_so_far: float
    elapsed: float
    config: dict[str, Any] = field(default_factory=dict)
    raw: bool = False


@dataclass
class TuningProblem:
    """One (dataset, space) tuning problem with a scoring function and a budget.

    Parameters
    ----------
    dataset : Dataset
    space : SearchSpace
    score_fn : callable (config, raw) -> float
        Mean cross-validated score, larger is better; NaN for a failed configuration
        (recorded as ``worst_score``). ``raw`` is True for a configuration that is not in
        the space's value form (passed to the model as is).
    budget : int
        Number of evaluations a method may make.
    worst_score : float
        Score given to failed configurations.
    test_fn : callable (config, raw) -> float, optional
        Score on a held-out split that ``score_fn`` never uses (see :meth:`test_scores`).
    """

    dataset: Dataset
    space: SearchSpace | None
    score_fn: Callable[[Mapping[str, Any], bool], float]
    budget: int
    worst_score: float = 0.0
    test_fn: Callable[[Mapping[str, Any], bool], float] | None = None
    cache: dict[str, tuple[float, float]] = field(default_factory=dict)
    test_cache: dict[str, float] = field(default_factory=dict)
    trials: list[Trial] = field(default_factory=list)
    _start: float = field(default_factory=time.perf_counter)
    _credited: float = 0.0

    def reset(self) -> None:
        """Forget the trajectory. The score cache is kept (scores do not depend on the
        method); a cache hit is charged the seconds the first evaluation took, so wall
        times stay honest."""
        self.trials = []
        self._start = time.perf_counter()
        self._credited = 0.0

    @property
    def remaining(self) -> int:
        return self.budget - len(self.trials)

    def evaluate(self, config: Mapping[str, Any], raw: bool = False) -> float:
        """Score ``config``; raises :class:`BudgetExhausted` once the budget is used.

        ``raw=True`` skips space validation (for a peer's configuration that lies outside
        our ranges, such as FLAML's zero-shot suggestion).
        """
        if self.remaining <= 0:
            raise BudgetExhausted
        cfg: Configuration = dict(config) if raw or self.space is None else self.space.validate(config)
        key = ("raw:" if raw else "") + config_hash(cfg)
        if key in self.cache:
            score, seconds = self.cache[key]
            self._credited += seconds
        else:
            t0 = time.perf_counter()
            score = float(self.score_fn(cfg, raw))
            score = self.worst_score if not np.isfinite(score) else score
            self.cache[key] = (score, time.perf_counter() - t0)
        best = max([t.score for t in self.trials] + [score])
        self.trials.append(Trial(len(self.trials) + 1, key, score, best,
                                 time.perf_counter() - self._start + self._credited, cfg, raw))
        return score

    def incumbent(self, n: int) -> Trial | None:
        """The best of the first ``n`` trials (the earliest among equals), or None."""
        first = self.trials[:n]
        return max(first, key=lambda t: (t.score, -t.index)) if first else None

    def test_scores(self, checkpoints: tuple[int, ...]) -> dict[int, float]:
        """Held-out score of the incumbent after each checkpoint the trajectory reaches
        (the last trial stands in for a trajectory shorter than every checkpoint)."""
        if self.test_fn is None or not self.trials:
            return {}
        reached = [n for n in checkpoints if n <= len(self.trials)] or [len(self.trials)]
        out = {}
        for n in reached:
            inc = self.incumbent(n)
            assert inc is not None
            if inc.config_id not in self.test_cache:
                value = float(self.test_fn(inc.config, inc.raw))
                self.test_cache[inc.config_id] = value if np.isfinite(value) else self.worst_score
            out[n] = self.test_cache[inc.config_id]
        return out
