"""Successive halving over training rows (``tune --fidelity rows``).

On a large table most of a trial's cost is fitting on many rows and predicting many rows,
yet a poor configuration is usually already poor on a fraction of them. Here a trial
climbs *rungs*: at rung ``k`` every cross-validation fold trains on a nested, seeded
(stratified) subsample of its training rows of ``1 / eta ** (R - 1 - k)`` of their
number, and is scored on a nested subsample of its test rows of the same share (at least
``min_test`` rows: with many trees prediction costs as much as fitting, so a low rung
that scored every test row would cost nearly a full evaluation); the last rung is the
ordinary evaluation, all training and test rows. After each rung the
:class:`SuccessiveHalving` intensifier decides asynchronously (ASHA, Li et al. 2020)
whether the trial goes on: only if its cost there is among the best ``ceil(n / eta)`` of
the ``n`` trials that have reached that rung (itself included). Every trial, warm-started
ones included, enters at the first rung; the first trial always climbs to the top, so
there is an incumbent early.

The pieces plug into the ordinary loop: :class:`RungObjective` is the objective (its
"folds" are the rungs, each the mean over the CV folds), :class:`SuccessiveHalving` the
intensifier, and :class:`RungRunner` wraps the runner so that a trial's recorded cost is
its cost at the highest rung it reached (per-rung costs and training sizes stay in its
``fold_scores``). Only trials that reached the top rung can become the incumbent (status
``ok``); the others are ``raced``.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from metaknow.bo.intensifier import Intensifier
from metaknow.bo.runner import Evaluation, Outcome, Runner, WrappedRunner
from metaknow.evaluation import evaluate_fold
from metaknow.space import Configuration

__all__ = ["nested_order", "rung_sizes", "RungObjective", "SuccessiveHalving", "RungRunner"]


def nested_order(codes: np.ndarray | None, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``rows`` in a seeded order whose every prefix holds the classes in proportion.

    Each row's position is its random rank within its class divided by the class size;
    rows are sorted by position (ties by a random key), so the first rows hold one row of
    each class and a longer prefix contains a shorter one. Without classes (``codes``
    ``None``, regression) a plain permutation.
    """
    key = rng.random(len(rows))
    if codes is None:
        return rows[np.argsort(key, kind="stable")]
    position = np.empty(len(rows))
    for c in np.unique(codes):
        members = np.flatnonzero(codes == c)
        ranks = np.argsort(np.argsort(key[members], kind="stable"), kind="stable")
        position[members] = ranks / len(members)
    return rows[np.lexsort((key, position))]


def rung_sizes(n_train: int, eta: int = 3, min_rows: int = 1000, max_rungs: int = 4) -> list[int]:
    """Training rows per rung: ``n_train / eta ** j`` down to ``min_rows`` (at most
    ``max_rungs`` rungs), ascending; one rung (the full rows) for small data."""
    sizes = [n_train]
    while len(sizes) < max_rungs and math.ceil(sizes[-1] / eta) >= min_rows:
        sizes.append(math.ceil(sizes[-1] / eta))
    return sorted(sizes)


class RungObjective:
    """A :class:`~metaknow.tune.FoldObjective` evaluated rung by rung.

    ``objective(config, k)`` fits every CV fold on its first ``fractions[k]`` share of a
    nested order of its training rows, scores it on the same share of its test rows (at
    least ``min_test``), and returns the mean cost over the folds, with
    ``{"rung": k, "n_train": rows, "n_test": rows, "cost": cost, <mean metrics>}`` as
    scores.

    Parameters
    ----------
    folds : FoldObjective
    eta : int
        Reduction factor between rungs.
    min_rows : int
        Training rows of the smallest rung (at least).
    min_test : int
        Test rows per fold below the top rung (at least).
    """

    def __init__(self, folds: Any, eta: int = 3, min_rows: int = 1000,
                 min_test: int = 1000) -> None:
        self.folds = folds
        self.sign = folds.sign
        self.metric = folds.metric
        smallest = min(len(train) for _, train, _ in folds.splits)
        self.sizes = rung_sizes(smallest, eta, min_rows)
        self.fractions = [s / smallest for s in self.sizes]
        data = folds.dataset
        codes = np.asarray(data.y.cat.codes) if data.task == "classification" else None
        self.min_test = min_test
        self._orders, self._tests = [], []
        for i, (_, train, test) in enumerate(folds.splits):
            train, test = np.asarray(train), np.asarray(test)
            rng = np.random.default_rng([folds.seed, 7919, i])
            self._orders.append(nested_order(None if codes is None else codes[train], train, rng))
            self._tests.append(nested_order(None if codes is None else codes[test], test, rng))

    @property
    def n_folds(self) -> int:
        """Rungs (the loop's "folds")."""
        return len(self.sizes)

    def __call__(self, config: Configuration, rung: int) -> Evaluation:
        f = self.folds
        costs, metrics = [], []
        n_used = n_scored = 0
        top = rung == len(self.sizes) - 1
        for i, (number, _, test) in enumerate(f.splits):
            order, tests = self._orders[i], self._tests[i]
            n = len(order) if top else max(1, int(round(self.fractions[rung] * len(order))))
            m = len(tests) if top else min(len(tests), max(self.min_test, int(round(
                self.fractions[rung] * len(tests)))))
            train = np.sort(order[:n])
            test = test if top else np.sort(tests[:m])
            n_used, n_scored = max(n_used, n), max(n_scored, m)
            r = evaluate_fold(f.algorithm, config, f.dataset, train, test, seed=f.seed,
                              fold=number, repeat=f.repeats[i], time_limit=f.time_limit,
                              deadline=f.deadline)
            if r.status != "ok":
                return Evaluation(math.inf, r.status, r.error or r.status)
            value = r.metrics.get(f.metric, math.nan)
            if not math.isfinite(value):
                return Evaluation(math.inf, "crash", f"{f.metric} is undefined on fold {i} at "
                                  f"{n} training rows")
            costs.append(f.sign * value)
            metrics.append(r.metrics)
        cost = float(np.mean(costs))
        mean = {m: float(np.mean([x[m] for x in metrics])) for m in metrics[0]}
        return Evaluation(cost, "ok", "", {"rung": rung, "n_train": n_used, "n_test": n_scored,
                                           "cost": cost, **mean})


class SuccessiveHalving(Intensifier):
    """Asynchronous successive halving: continue only among the best ``1/eta`` at a rung.

    Parameters
    ----------
    history : RunHistory
        Where the other trials' rung costs are read (their ``fold_scores``).
    n_rungs : int
        A trial that finished the last rung is complete, never stopped.
    eta : int
    """

    def __init__(self, history: Any, n_rungs: int, eta: int = 3) -> None:
        if int(eta) < 2:
            raise ValueError(f"eta must be at least 2, got {eta!r}")
        self.history = history
        self.n_rungs = int(n_rungs)
        self.eta = int(eta)

    def rung_costs(self, rung: int) -> list[float]:
        """Costs at ``rung`` of every recorded trial that reached it."""
        out = []
        for t in self.history:
            for s in t.fold_scores:
                if s.get("rung") == rung and math.isfinite(s.get("cost", math.inf)):
                    out.append(float(s["cost"]))
        return out

    def should_stop(self, challenger: Sequence[float], incumbent: Sequence[float] | None) -> bool:
        rung = len(challenger) - 1
        if rung < 0 or rung >= self.n_rungs - 1:
            return False
        mine = float(challenger[-1])
        costs = self.rung_costs(rung) + [mine]
        keep = math.ceil(len(costs) / self.eta)
        rank = sum(c < mine for c in costs)  # trials strictly better (ties favour the challenger)
        return rank >= keep


class RungRunner(WrappedRunner):
    """Wraps a runner: a finished trial's cost is its cost at the highest rung it reached
    (not the mean over rungs); ``ok`` only when that is the top rung."""

    def __init__(self, inner: Runner, n_rungs: int) -> None:
        super().__init__(inner)
        self.n_rungs = n_rungs

    def poll(self, timeout: float | None = None) -> list[tuple[Any, Outcome]]:
        out = []
        for key, o in self.inner.poll(timeout):
            if o.fold_costs:
                status = "ok" if o.status == "ok" and len(o.fold_costs) == self.n_rungs else \
                    ("raced" if o.status in ("ok", "raced") else o.status)
                o = Outcome([o.fold_costs[-1]], status, o.time, o.error, o.fold_scores)
            out.append((key, o))
        return out
