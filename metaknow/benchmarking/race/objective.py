"""The objective every tuner of the race optimises, and the trace of its incumbents.

Every peer scores a configuration by the same cross-validation of the training part
(:class:`metaknow.evaluation.Protocol` with 5 folds, seeded with the race seed: the folds
``metaknow.tune`` uses), fold by fold in a worker process that is killed when the run's
deadline passes (:func:`metaknow.evaluation.evaluate_fold`, as in ``metaknow.tune``). A
configuration evaluated on every fold is a candidate incumbent; :class:`Trace` keeps
each improvement with the seconds since the tuner started.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from metaknow.dataset import Dataset
from metaknow.evaluation import (
    PRIMARY_METRIC,
    Protocol,
    evaluate_fold,
    make_splits,
    split_repeats,
)

__all__ = ["N_FOLDS", "CVObjective", "Incumbent", "OutOfTime", "Trace"]

N_FOLDS = 5


class OutOfTime(Exception):
    """The run's deadline passed: a tuner's loop stops here."""


@dataclass
class Incumbent:
    """A configuration that became the best so far.

    ``seconds`` since the tuner started; ``score`` its mean CV score (larger is better;
    NaN when the tuner reports a loss of its own, e.g. FLAML); ``raw`` a LightGBM
    parameter dict outside metaknow's space (a peer's own space).
    """

    seconds: float
    score: float
    config: dict[str, Any]
    raw: bool = False


@dataclass
class Trace:
    """Incumbent changes of one run, in time order, and how many evaluations it made."""

    incumbents: list[Incumbent] = field(default_factory=list)
    evaluations: int = 0
    notes: list[str] = field(default_factory=list)

    def offer(self, seconds: float, score: float, config: Mapping[str, Any], raw: bool = False) -> None:
        """Record ``config`` when it beats the incumbent (a NaN score always replaces it)."""
        best = self.incumbents[-1].score if self.incumbents else -math.inf
        if math.isnan(score) or score > best:
            self.incumbents.append(Incumbent(float(seconds), float(score), dict(config), raw))

    def at(self, seconds: float) -> Incumbent | None:
        """The incumbent at ``seconds`` (None before the first one)."""
        found = None
        for inc in self.incumbents:
            if inc.seconds <= seconds:
                found = inc
        return found


class CVObjective:
    """Mean 5-fold CV score of a configuration on the training part, fold by fold.

    Parameters
    ----------
    train : Dataset
        The rows tuners may see.
    seed : int
        Seeds the folds and the models.
    seconds : float
        The run length; ``start()`` sets the deadline that many seconds ahead.
    """

    def __init__(self, train: Dataset, seed: int, seconds: float) -> None:
        self.train, self.seed, self.seconds = train, seed, float(seconds)
        self.metric = PRIMARY_METRIC[train.task]
        self.splits = make_splits(train, Protocol(n_splits=N_FOLDS, seed=seed))
        self.repeats = split_repeats(self.splits)
        self.trace = Trace()
        self.t0 = time.perf_counter()
        self.deadline = time.time() + self.seconds

    def start(self) -> None:
        """Start the tuner's clock (and its deadline)."""
        self.t0 = time.perf_counter()
        self.deadline = time.time() + self.seconds

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def fold(self, config: Mapping[str, Any], fold: int, algorithm: Any = "lightgbm") -> float:
        """Score of ``config`` on fold ``fold`` (NaN when the fit failed); raises
        :class:`OutOfTime` once the deadline has passed."""
        if time.time() >= self.deadline:
            raise OutOfTime
        number, train_idx, test_idx = self.splits[fold]
        result = evaluate_fold(algorithm, dict(config), self.train, train_idx, test_idx,
                               seed=self.seed, fold=number, repeat=self.repeats[fold],
                               deadline=self.deadline)
        if result.status == "stopped" or time.time() >= self.deadline:
            raise OutOfTime
        value = result.metrics.get(self.metric, math.nan) if result.status == "ok" else math.nan
        return float(value)

    def evaluate(self, config: Mapping[str, Any], folds: int = N_FOLDS) -> float:
        """Mean score over the first ``folds`` folds; a run over every fold is offered to
        the trace. A failed fit scores NaN (tuners see it as the worst score)."""
        values = [self.fold(config, f) for f in range(folds)]
        return self.record(config, values)

    def record(self, config: Mapping[str, Any], values: list[float]) -> float:
        """Mean of the fold scores ``values`` (NaN when one failed); offered to the trace
        when they cover every fold."""
        score = float(np.mean(values)) if all(np.isfinite(values)) else math.nan
        if len(values) == N_FOLDS:
            self.trace.evaluations += 1
            if np.isfinite(score):
                self.trace.offer(self.elapsed, score, config)
        return score
