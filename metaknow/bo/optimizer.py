"""The Bayesian optimisation loop: ask / tell / optimize.

One proposal (``ask``) goes: unevaluated initial-design configuration if any; else, at
the random-interleaving share, a random configuration; else fit the random-forest
surrogate on the history (failed trials at the worst cost seen, running trials at the
worst cost too — a "constant liar" so parallel proposals spread out), and return the
best new configuration the acquisition maximiser finds under log expected improvement —
over the whole space, or at the branch share within one branch of a top-level
categorical parameter (see ``branch_share``).

Every proposal ``i`` draws from ``numpy.random.default_rng([seed, i])``, so a run is
reproducible from its seed and a resumed run proposes what the uninterrupted one would
have (for serial runs).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from metaknow.bo.acquisition import ACQUISITIONS
from metaknow.bo.history import RunHistory, Trial
from metaknow.bo.initial_design import InitialDesign, SobolDesign, default_size
from metaknow.bo.intensifier import FoldRace, Intensifier
from metaknow.bo.maximizer import (AcquisitionMaximizer, LocalAndRandomSearch, RandomInterleaving,
                                   first_new, fix_activity)
from metaknow.bo.rolling_forest import RollingForestSurrogate
from metaknow.bo.runner import Outcome, ProcessRunner, Runner, SerialRunner
from metaknow.bo.surrogate import PriorObservations, RandomForestSurrogate
from metaknow.bo.transfer import TransferPrior
from metaknow.exceptions import TuneError
from metaknow.space import Configuration, SearchSpace, config_hash

__all__ = ["Optimizer", "TrialInfo", "OptimizeResult"]


@dataclass(frozen=True)
class TrialInfo:
    """A proposed trial: evaluate ``config`` and ``tell`` the result with this object."""

    trial_id: int
    config: Configuration
    origin: str


@dataclass
class OptimizeResult:
    """What :meth:`Optimizer.optimize` returns."""

    best_config: Configuration | None
    best_cost: float
    history: RunHistory
    interrupted: bool = False
    overhead: float = 0.0  # seconds spent proposing and recording (not in the objective)
    n_new: int = 0  # trials run by this call (not resumed ones)
    extras: dict[str, Any] = field(default_factory=dict)


class Optimizer:
    """SMAC-style random-forest Bayesian optimisation over a :class:`SearchSpace`.

    Parameters
    ----------
    space : SearchSpace
    seed : int
    initial_design : InitialDesign, optional
        Default: a Sobol design of :func:`default_size` configurations.
    n_trees : int
        Trees in the random-forest surrogate.
    log_costs : bool
        Model log-scaled costs (SMAC's choice for hyperparameter optimisation).
    acquisition : {"log_ei", "ei"}
    maximizer : AcquisitionMaximizer, optional
    random_share : float
        Share of model-phase proposals that are purely random.
    branch_share : float
        Share of the other model-phase proposals that maximise the acquisition within one
        branch: a top-level categorical parameter (one that others are conditioned on, or
        any if none is) fixed to a choice drawn among those other than the
        incumbent's (weighted ``1 / (1 + trials with that choice)``), the local search started from the best trials moved into that
        branch (shared parameters kept, the branch's own from its best trial) and from
        the branch's best trials, and expected improvement measured against that
        branch's best cost. When no parameter depends on the categorical (a space
        without conditions), the proposal is the incumbent with just that choice
        switched, if not yet evaluated. Without it a branch whose first random points look worse
        than another is never modelled well enough to be tried again (the stalls of
        issues 18 and 28).
    forest_refresh : int
        Trials between two growths of each tree of the surrogate (the trees are regrown
        in turns and every leaf's statistics kept current, see
        :class:`~metaknow.bo.rolling_forest.RollingForestSurrogate`); 1 regrows the whole
        forest at every proposal. With priors (while they weigh in) or transfer the
        whole forest is grown at every proposal.
    intensifier : Intensifier, optional
        Races challengers fold by fold when ``optimize`` is given ``n_folds``.
    priors : PriorObservations, optional
        Evaluations on related tasks that inform the surrogate early.
    transfer : TransferPrior, optional
        Surrogates of related tasks whose predicted improvements join the target's own
        log-EI, weighted by how well each ranks the target's trials (TAF with RGPE-style
        weights, :mod:`metaknow.bo.transfer`) at every model-based proposal; each
        proposal's weights are kept in ``transfer_weights`` (trial id -> weights).
    history : RunHistory or path, optional
        Where trials are recorded; a folder resumes the run stored there.
    budget_hint : int, optional
        Expected number of trials (caps the default initial design at a quarter of it).

    Examples
    --------
    Ask/tell for an objective metaknow does not own:

    >>> from metaknow.space import Float, SearchSpace
    >>> space = SearchSpace("quad", "regression", (Float("x", -2.0, 2.0, default=1.0),))
    >>> opt = Optimizer(space, seed=0)
    >>> for _ in range(15):
    ...     trial = opt.ask()
    ...     _ = opt.tell(trial, (trial.config["x"] - 0.5) ** 2)
    >>> abs(opt.incumbent.config["x"] - 0.5) < 0.2
    True
    """

    def __init__(self, space: SearchSpace, *, seed: int = 0,
                 initial_design: InitialDesign | None = None, n_trees: int = 10,
                 log_costs: bool = True, acquisition: str = "log_ei",
                 maximizer: AcquisitionMaximizer | None = None, random_share: float = 0.2,
                 intensifier: Intensifier | None = None, priors: PriorObservations | None = None,
                 transfer: TransferPrior | None = None,
                 history: RunHistory | str | os.PathLike[str] | None = None,
                 budget_hint: int | None = None, branch_share: float = 0.2,
                 forest_refresh: int = 4) -> None:
        if acquisition not in ACQUISITIONS:
            raise TuneError(f"unknown acquisition {acquisition!r}; known: {', '.join(ACQUISITIONS)}")
        self.space = space
        self.seed = int(seed)
        self.n_trees = n_trees
        self.log_costs = log_costs
        self.acquisition = acquisition
        self.maximizer = maximizer or LocalAndRandomSearch()
        self.interleaving = RandomInterleaving(random_share)
        if not 0.0 <= branch_share <= 1.0:
            raise TuneError(f"branch_share must lie in [0, 1], got {branch_share!r}")
        self.branch_share = branch_share
        self._branches = branch_parameters(space)
        parents = {p.condition.parent for p in space.params if p.condition is not None}
        self._childless = {i for i in self._branches if space.params[i].name not in parents}
        self.intensifier = intensifier or FoldRace()
        self.priors = priors
        self.transfer = transfer if transfer is not None and len(transfer) else None
        self.transfer_weights: dict[int, dict[str, float]] = {}
        self.history = history if isinstance(history, RunHistory) else RunHistory(history)
        design = initial_design or SobolDesign(default_size(space, budget_hint))
        self._initial = design.configs(space, self.seed)
        self._initial_hashes = [config_hash(config) for config, _ in self._initial]
        if isinstance(forest_refresh, bool) or int(forest_refresh) != forest_refresh or forest_refresh < 1:
            raise TuneError(f"forest_refresh must be a positive integer, got {forest_refresh!r}")
        self.forest_refresh = int(forest_refresh)
        self._forest: RollingForestSurrogate | None = None
        self._pending: dict[int, TrialInfo] = {}
        self._vector_cache: list[np.ndarray] = []
        self._next = self.history.next_id
        self.overhead = 0.0

    # ---------------------------------------------------------------- ask/tell
    def ask(self) -> TrialInfo:
        """Propose the next configuration to evaluate."""
        t0 = time.perf_counter()
        trial_id = self._next
        self._next += 1
        taken = self.history.hashes() | {config_hash(p.config) for p in self._pending.values()}
        config, origin = self._propose(trial_id, taken)
        info = TrialInfo(trial_id, config, origin)
        self._pending[trial_id] = info
        self.overhead += time.perf_counter() - t0
        return info

    def tell(self, trial: TrialInfo | Mapping[str, Any], cost: float | Sequence[float] | None = None,
             *, status: str = "ok", seconds: float = 0.0, error: str = "",
             fold_scores: Sequence[Mapping[str, Any]] | None = None) -> Trial:
        """Record the result of a trial (a :class:`TrialInfo` from ``ask`` or any configuration).

        ``cost`` is one cost or the per-fold costs (lower is better); give ``status``
        "crash"/"timeout"/"memout" (and no cost) for a failed evaluation; ``seconds`` is
        the time the evaluation took.
        """
        t0 = time.perf_counter()
        if isinstance(trial, TrialInfo):
            self._pending.pop(trial.trial_id, None)
            trial_id, config, origin = trial.trial_id, trial.config, trial.origin
        else:
            config = self.space.validate(trial)
            trial_id, origin = self._next, "told"
            self._next += 1
        costs = [] if cost is None else ([float(cost)] if np.ndim(cost) == 0 else
                                         [float(c) for c in cost])  # type: ignore[union-attr]
        if status in ("ok", "raced") and (not costs or not all(map(math.isfinite, costs))):
            status, error = "crash", error or f"no finite cost reported ({cost!r})"
        failed = status not in ("ok", "raced")
        record = Trial(trial_id, config, [] if failed else costs,
                       math.inf if failed else float(np.mean(costs)), status, float(seconds), origin,
                       error, [dict(s) for s in (fold_scores or [])])
        self.history.add(record)
        self.overhead += time.perf_counter() - t0
        return record

    @property
    def incumbent(self) -> Trial | None:
        return self.history.incumbent()

    # -------------------------------------------------------------- proposing
    def _propose(self, trial_id: int, taken: set[str]) -> tuple[Configuration, str]:
        for (config, origin), key in zip(self._initial, self._initial_hashes):
            if key not in taken:
                return config, origin
        rng = np.random.default_rng([self.seed, trial_id])
        trials = list(self.history)
        if len(trials) < 2 or self.interleaving.use_random(rng):
            return self._random_new(rng, taken), "random"
        X = self._vectors(trials)
        y = self.history.training_costs()
        if self._pending:  # constant liar: running trials count as the worst cost seen
            X = np.vstack([X, self.space.to_matrix([p.config for p in self._pending.values()])])
            y = np.concatenate([y, np.full(len(self._pending), float(y.max()))])
        if np.ptp(y) == 0 and self.priors is None and self.transfer is None:
            return self._random_new(rng, taken), "random"
        n_own = len(trials)
        order = np.argsort(y[:n_own], kind="stable")
        starts = X[order]  # evaluated configurations, best first
        fixed = self._draw_branch(rng, starts)
        if fixed is not None and fixed[0] in self._childless:
            switched = self._switched_incumbent(starts, fixed, taken)
            if switched is not None:
                return switched, "branch"
        surrogate = self._fit_surrogate(X, y, n_own, int(rng.integers(2 ** 31 - 1)))
        done = [t for t in trials if t.status == "ok"] or trials
        best = float(surrogate.transform(np.array([min(t.cost if math.isfinite(t.cost)
                                                       else math.inf for t in done)]))[0])
        if not math.isfinite(best):
            best = float(np.min(surrogate.y_train_))
        acq = ACQUISITIONS[self.acquisition]
        if fixed is not None:
            mine = starts[:, fixed[0]] == fixed[1]
            if mine.any() and self.transfer is None:  # improve on the branch's own best
                best = float(surrogate.transform(np.array([y[order][mine][0]]))[0])

        def score(V: np.ndarray) -> np.ndarray:
            mean, var = surrogate.predict(V)
            return acq(mean, var, best)

        if self.transfer is not None:  # the transfer acquisition replaces the target's own
            score = self.transfer.acquisition(surrogate, X[:n_own], y[:n_own], X[order[0]],
                                              best, rng)
            self.transfer_weights[trial_id] = score.weights_
        if fixed is not None:  # local searches also start from the best trials moved in
            starts = np.vstack([self._transplants(starts, fixed, rng), starts])
        candidates = self.maximizer.maximize(self.space, score, starts, rng, fixed=fixed)
        config = first_new(self.space, candidates, taken)
        if config is None:
            return self._random_new(rng, taken), "random"
        return config, "model" if fixed is None else "branch"

    def _fit_surrogate(self, X: np.ndarray, y: np.ndarray, n_own: int, seed: int
                       ) -> RandomForestSurrogate | RollingForestSurrogate:
        """The rolling forest on the task's own trials; a full forest with priors or transfer."""
        priors = None if self.transfer is not None else self.priors
        if self.transfer is None and (priors is None or not len(priors.y)
                                      or priors.weight(n_own) <= 0):
            if self._forest is None:
                self._forest = RollingForestSurrogate(self.n_trees, refresh=self.forest_refresh,
                                                      log_costs=self.log_costs, seed=self.seed)
            return self._forest.fit(X, y, n_history=n_own)
        return RandomForestSurrogate(self.n_trees, log_costs=self.log_costs, seed=seed).fit(
            X, y, priors=priors)

    def _draw_branch(self, rng: np.random.Generator, starts: np.ndarray
                     ) -> tuple[int, int] | None:
        """At the branch share, a (top-level categorical, choice) to search within.

        The choice is drawn among those other than the incumbent's (the incumbent's
        branch is what the ordinary model proposals already refine), with weights
        ``1 / (1 + trials with that choice)``: with many choices (a 30-way categorical)
        the rarely tried ones get their turn instead of about one try each per run.
        """
        if not self._branches or rng.random() >= self.branch_share:
            return None
        i = self._branches[int(rng.integers(len(self._branches)))]
        k = int(self.space.cat_sizes[i])
        tried = np.bincount(starts[:, i].astype(int), minlength=k) if len(starts) else np.zeros(k)
        weight = 1.0 / (1.0 + tried)  # choices tried least are known least
        if len(starts) and k > 1:
            weight[int(starts[0, i])] = 0.0
        return i, int(rng.choice(k, p=weight / weight.sum()))

    def _switched_incumbent(self, starts: np.ndarray, fixed: tuple[int, int], taken: set[str]
                            ) -> Configuration | None:
        """The incumbent with categorical ``i`` switched to choice ``k``, unless evaluated.

        For a categorical no parameter depends on, that single switch is the branch's
        most informative trial: every other value is the best known.
        """
        if not len(starts):
            return None
        vec = starts[0].copy()
        vec[fixed[0]] = fixed[1]
        config = self.space.validate(self.space.from_vector(vec), fill_defaults=True)
        return None if config_hash(config) in taken else config

    def _transplants(self, starts: np.ndarray, fixed: tuple[int, int],
                     rng: np.random.Generator, n: int = 3) -> np.ndarray:
        """The best ``n`` trials outside the branch, moved into it.

        Parameters active in both keep their values; those only the branch activates
        take the values of the branch's best trial (random if it has none). In a
        conditional space the shared parameters are usually best learnt where most
        trials are, and the branch's own parameters where its trials are.
        """
        i, k = fixed
        mine = starts[:, i] == k
        out = starts[~mine][:n].copy()
        if not len(out):
            return out
        out[:, i] = k
        out = fix_activity(self.space, out, rng)
        if mine.any():
            donor = starts[mine][0]
            fresh = ~np.isnan(donor) & np.isnan(starts[~mine][:n])  # the branch's own parameters
            take = fresh & ~np.isnan(out)
            out[take] = np.broadcast_to(donor, out.shape)[take]
            out = fix_activity(self.space, out, rng)  # a copied choice may switch on others
        return out

    def _vectors(self, trials: list[Trial]) -> np.ndarray:
        """Vector forms of ``trials`` (the history only grows: each is converted once)."""
        cache = self._vector_cache
        for t in trials[len(cache):]:
            cache.append(self.space.to_vector(t.config))
        return np.vstack(cache[: len(trials)])

    def _random_new(self, rng: np.random.Generator, taken: set[str]) -> Configuration:
        for _ in range(100):
            config = self.space.sample(rng)[0]
            if config_hash(config) not in taken:
                return config
        return config  # tiny space, everything evaluated: repeat is unavoidable

    # --------------------------------------------------------------- the loop
    def optimize(self, objective: Callable[..., Any], n_trials: int | None = None, *,
                 wall_time: float | None = None, time_limit: float | None = None,
                 n_jobs: int = 1, n_folds: int | None = None,
                 callback: Callable[[Trial, "Optimizer"], None] | None = None,
                 runner: Runner | None = None) -> OptimizeResult:
        """Run trials until the history holds ``n_trials`` or ``wall_time`` seconds pass.

        Parameters
        ----------
        objective : callable
            ``objective(config)`` -> cost / per-fold costs / Evaluation, or with
            ``n_folds``, ``objective(config, fold)`` -> cost / Evaluation (raced).
        n_trials : int, optional
            Total trials in the history (resumed ones count).
        wall_time : float, optional
            Seconds for this call; running trials are stopped (not recorded) at the end.
        time_limit : float, optional
            Seconds per trial; a trial past it is killed and recorded as a timeout.
        n_jobs : int
            Trials evaluated in parallel (child processes).
        callback : callable, optional
            Called with each recorded trial.

        Ctrl-C stops the loop cleanly: finished trials are already on disk; the result
        has ``interrupted=True``.
        """
        _check_budget(n_trials, wall_time, time_limit, n_jobs)
        if runner is None:
            runner = (SerialRunner() if n_jobs == 1 and time_limit is None
                      else ProcessRunner(n_jobs, time_limit))
        start = time.monotonic()
        before = len(self.history)
        interrupted = False
        keys: dict[int, TrialInfo] = {}
        try:
            while True:
                elapsed = time.monotonic() - start
                in_time = wall_time is None or elapsed < wall_time
                while (runner.running < runner.n_jobs and in_time and
                       (n_trials is None or len(self.history) + len(keys) < n_trials)):
                    info = self.ask()
                    keys[info.trial_id] = info
                    inc = self.incumbent
                    runner.submit(info.trial_id, objective, info.config, n_folds,
                                  None if inc is None else inc.fold_costs, self.intensifier)
                if runner.running == 0:
                    break
                left = None if wall_time is None else max(0.0, wall_time - (time.monotonic() - start))
                for key, outcome in runner.poll(timeout=left):
                    trial = self._record(keys.pop(key), outcome)
                    if callback is not None:
                        callback(trial, self)
                if wall_time is not None and time.monotonic() - start >= wall_time:
                    for key in runner.cancel_all():
                        self._pending.pop(key, None)
                        keys.pop(key, None)
                    break
        except KeyboardInterrupt:
            interrupted = True
            for key in runner.cancel_all():
                self._pending.pop(key, None)
        finally:
            runner.close()
        inc = self.incumbent
        return OptimizeResult(None if inc is None else inc.config,
                              math.inf if inc is None else inc.cost, self.history, interrupted,
                              self.overhead, len(self.history) - before)

    def _record(self, info: TrialInfo, outcome: Outcome) -> Trial:
        return self.tell(info, outcome.fold_costs or None, status=outcome.status,
                         seconds=outcome.time, error=outcome.error, fold_scores=outcome.fold_scores)


def branch_parameters(space: SearchSpace) -> list[int]:
    """Indices of the parameters whose choices split the space into branches.

    The always-active categorical parameters (two or more choices) that other parameters
    are conditioned on; when there are none, every always-active categorical.
    """
    top = [i for i, (p, k) in enumerate(zip(space.params, space.cat_sizes))
           if k >= 2 and p.condition is None]
    parents = {p.condition.parent for p in space.params if p.condition is not None}
    return [i for i in top if space.params[i].name in parents] or top


def _check_budget(n_trials: int | None, wall_time: float | None, time_limit: float | None,
                  n_jobs: int) -> None:
    if n_trials is None and wall_time is None:
        raise TuneError("give a budget: a number of trials and/or a wall time")
    if n_trials is not None and (isinstance(n_trials, bool) or int(n_trials) != n_trials
                                 or n_trials < 1):
        raise TuneError(f"the budget must be a positive number of trials, got {n_trials!r}")
    if wall_time is not None and not wall_time > 0:
        raise TuneError(f"the wall time must be positive, got {wall_time!r}")
    if time_limit is not None and not time_limit > 0:
        raise TuneError(f"the per-trial time limit must be positive, got {time_limit!r}")
    if isinstance(n_jobs, bool) or int(n_jobs) != n_jobs or n_jobs < 1:
        raise TuneError(f"n_jobs must be a positive integer, got {n_jobs!r}")
