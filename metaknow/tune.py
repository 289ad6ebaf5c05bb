"""``metaknow.tune``: warm-started Bayesian optimisation of one space on one dataset.

A trial is evaluated exactly as the repository evaluates a configuration
(:func:`metaknow.evaluation.evaluate_fold` on the folds of a
:class:`~metaknow.evaluation.Protocol`), fold by fold so the intensifier can drop a
clearly worse challenger early. The initial design is metaknow's recommendation for the
dataset (``warm_start`` configurations), explicit ``warm_start_configs``, or a Sobol
design. With ``out``, every trial is written as it finishes and a rerun with the same
folder resumes.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from metaknow.bo.history import RunHistory, Trial, read_json, write_json_atomic
from metaknow.bo.initial_design import (InitialDesign, SobolDesign, WarmStartDesign,
                                        default_size, recommended_configs)
from metaknow.bo.intensifier import FoldRace
from metaknow.bo.optimizer import Optimizer
from metaknow.bo.deadline import Deadline, DeadlineRunner
from metaknow.bo.runner import Evaluation, Runner, SerialRunner, ThreadRunner
from metaknow.dataset import Dataset, load_dataset
from metaknow.evaluation import (METRICS, PRIMARY_METRIC, Protocol, error_cause, evaluate_fold,
                                 higher_is_better, make_splits, split_repeats)
from metaknow.exceptions import MetaknowError, RepositoryError, TuneError
from metaknow.rundir import hold_run_dir
from metaknow.space import Configuration, SearchSpace
from metaknow.spaces import get_algorithm, get_space, make_pipeline
from metaknow.spaces.joint import JOINT, joint_space
from metaknow.spaces.joint import split as joint_split

__all__ = ["tune", "TuneResult", "FoldObjective"]

RUN_FILE = "run.json"
BEST_FILE = "best_config.json"


@dataclass
class TuneResult:
    """What :func:`tune` returns.

    Attributes
    ----------
    best_config : dict
        The incumbent configuration (value form).
    best_score : float
        Its mean cross-validated ``metric``.
    metric : str
    space : str
        ``name/task`` key of the space tuned.
    history : DataFrame
        One row per trial (``score`` column in metric units, ``best_score`` so far).
    model : estimator or None
        The best configuration's pipeline refitted on all rows (``refit=True``).
    interrupted : bool
        The run was stopped by Ctrl-C (rerun with the same ``out`` to resume).
    notes : list of str
        What happened on the way (e.g. no recommender available, cold start used).
    run_history : RunHistory
        The trials themselves (per-fold costs and scores).
    dataset : str
        The dataset's name.
    """

    best_config: Configuration
    best_score: float
    metric: str
    space: str
    history: pd.DataFrame
    model: Any = None
    interrupted: bool = False
    out: str | None = None
    notes: list[str] = field(default_factory=list)
    overhead: float = 0.0
    run_history: RunHistory | None = None
    dataset: str = ""


class FoldObjective:
    """Cost of a configuration on one fold: ``evaluate_fold`` of the repository protocol.

    Picklable (module-level class) so it can run in worker processes.
    """

    def __init__(self, algorithm: str, dataset: Dataset, splits: Sequence[tuple[int, Any, Any]],
                 metric: str, seed: int = 0, time_limit: float | None = None,
                 deadline: float | None = None) -> None:
        self.algorithm = algorithm
        self.dataset = dataset
        self.splits = list(splits)
        self.repeats = split_repeats(self.splits)
        self.metric = metric
        self.sign = -1.0 if higher_is_better(metric) else 1.0
        self.seed = seed
        self.time_limit = time_limit
        self.deadline = deadline  # epoch seconds: the run's wall-clock end (folds past it stop)

    @property
    def n_folds(self) -> int:
        return len(self.splits)

    def __call__(self, config: Configuration, fold: int) -> Evaluation:
        number, train, test = self.splits[fold]
        algorithm = self.algorithm
        if algorithm == JOINT:
            algorithm, config = joint_split(config)
        result = evaluate_fold(algorithm, config, self.dataset, train, test, seed=self.seed,
                               fold=number, repeat=self.repeats[fold], time_limit=self.time_limit,
                               deadline=self.deadline)
        if result.status != "ok":
            return Evaluation(math.inf, result.status, result.error or result.status)
        value = result.metrics.get(self.metric, math.nan)
        if not math.isfinite(value):
            return Evaluation(math.inf, "crash", f"{self.metric} is undefined on fold {fold}: its "
                              "test rows hold one class, or the predictions are not finite")
        return Evaluation(self.sign * value, "ok", "", dict(result.metrics))


def tune(data: Any, target: str | None = None, *, space: str = "lightgbm", budget: int | None = 50,
         warm_start: int = 10, warm_start_configs: Sequence[Mapping[str, Any]] | None = None,
         metric: str | None = None, cv: int | Protocol = 5, n_jobs: int = 1,
         time_limit: float | None = None, wall_time: float | None = None,
         out: str | os.PathLike[str] | None = None, seed: int = 0,
         repository: Any = "bundled", use_priors: bool = False, transfer: bool = False,
         refit: bool = True, task: str | None = None, learned_space: bool = False,
         callback: Callable[[Trial, float | None, int], None] | None = None,
         messages: Callable[[str], None] | None = None, scheduler: str | None = None,
         fidelity: str | None = None) -> TuneResult:
    """Tune ``space`` on a dataset with warm-started random-forest Bayesian optimisation.

    Parameters
    ----------
    data : path, DataFrame, (X, y), Dataset or ``"sklearn:NAME"``
        Anything :func:`metaknow.load_dataset` reads.
    target : str, optional
        Target column (files and DataFrames).
    space : str
        Registered space name (``"lightgbm"``...), or ``"all"``: the algorithm and its
        configuration tuned together (:mod:`metaknow.spaces.joint`; parameters named
        ``ALGORITHM:PARAMETER``, warm-started from ``recommend(..., space="all")``).
    budget : int
        Total number of trials (resumed trials count).
    warm_start : int
        Number of recommended configurations to start from (0 = cold start, Sobol);
        with the default trial they take at most half the budget (:data:`WARM_START_SHARE`;
        fewer are used, with a note).
        The library default configuration is always the first trial (origin
        ``"default"``): the baseline.
    warm_start_configs : list of dict, optional
        Explicit starting configurations (skips the recommender).
    metric : str, optional
        Metric to optimise; default ROC AUC (classification) / R² (regression).
    cv : int or Protocol
        Folds of the evaluation protocol (seeded with ``seed``).
    n_jobs : int
        Trials evaluated in parallel.
    time_limit : float, optional
        Seconds per fold; a fold past it is stopped and the trial recorded as a timeout.
    wall_time : float, optional
        Seconds for the whole run, counted from the call: no trial starts after it, a
        fold running at the deadline is killed (its trial is not recorded; a resumed run
        evaluates it again), and the refit runs only when the incumbent's fit times say
        it ends within 5 % past the deadline (else a note says it was skipped). With
        ``budget`` too, whichever comes first ends the run. Recommended configurations
        whose predicted trial (one fit per fold) exceeds :data:`WARM_START_TRIAL_SHARE`
        of it are not used to start (a note says how many).
    out : path, optional
        Output folder: ``history.jsonl``, ``run.json``, ``best_config.json``. Resumes
        when it already holds this run. Checked before any work, and held by one run at
        a time (:func:`metaknow.rundir.hold_run_dir`): a second run into a folder in use
        is refused.
    seed : int
    repository : str or RepositoryView
        Where recommendations (and priors) come from.
    use_priors : bool
        Feed the nearest tasks' prior evaluations to the surrogate (see :mod:`metaknow.bo.priors`).
    transfer : bool
        Combine per-task surrogates of the 10 nearest prior tasks with the run's own in the
        acquisition, weighted by how well each ranks this run's trials
        (:mod:`metaknow.bo.transfer`); a prior that ranks them worse than the run's own
        data gets weight 0. Each proposal's weights are in ``result.notes``' last line.
    refit : bool
        Refit the best configuration on all rows (``result.model``).
    learned_space : bool
        Tune a space learned from the :data:`LEARNED_NEIGHBOURS` nearest prior tasks
        (:func:`metaknow.importance.learn_space`): ranges narrowed to their best
        configurations, unimportant parameters fixed at their data-driven defaults; the
        full space when too few neighbours are known. Warm-start configurations are
        projected into it. Not combinable with ``use_priors`` / ``transfer``.
    callback : callable, optional
        Called after each trial with ``(trial, best score so far or None, trials done)``.
    messages : callable, optional
        Called with a line of progress news before the trials start (e.g. ``"resuming run
        in DIR: N trial(s) done"``); the CLI prints them on stderr.
    scheduler : str, optional
        Address of a dask.distributed scheduler: trials run as tasks on its workers
        (as many at once as it has worker threads; ``n_jobs`` is then ignored).
    fidelity : {"rows"}, optional
        ``"rows"``: successive halving over training rows
        (:mod:`metaknow.bo.successive_halving`): a trial is cross-validated on a third,
        a ninth... of the training rows first and goes on to more rows only while it is
        among the best third at its rung. ``None``: every trial on all rows, raced fold
        by fold.

    Returns
    -------
    TuneResult

    Raises
    ------
    TuneError, DataError, SpaceError
        One-line messages naming the problem (bad budget, unusable folder...).
    """
    _check_arguments(budget, warm_start, wall_time, learned_space, use_priors, transfer, space,
                     fidelity)
    _check_repository(repository)
    # locals() here are exactly tune's arguments, which _tune takes by the same names
    if out is None:
        return _tune(**locals())
    with hold_run_dir(out):
        return _tune(**locals())


def _check_arguments(budget: Any, warm_start: Any, wall_time: Any, learned_space: bool,
                     use_priors: bool, transfer: bool, space: str, fidelity: str | None) -> None:
    """Argument errors, before any work (one line each)."""
    if budget is None and wall_time is None:
        raise TuneError("give a budget (number of trials) and/or a wall time")
    if wall_time is not None and (isinstance(wall_time, bool) or not isinstance(
            wall_time, (int, float, np.integer, np.floating)) or not wall_time > 0):
        raise TuneError(f"the wall time must be a positive number of seconds, got {wall_time!r}")
    if fidelity not in (None, "rows"):
        raise TuneError(f"unknown fidelity {fidelity!r}; use 'rows' (successive halving over "
                        "training rows) or none")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, np.integer))
                               or budget < 1):
        raise TuneError(f"the budget must be a positive number of trials, got {budget!r}")
    if isinstance(warm_start, bool) or not isinstance(warm_start, (int, np.integer)) or warm_start < 0:
        raise TuneError(f"warm_start must be a number of configurations >= 0, got {warm_start!r}")
    if learned_space and (use_priors or transfer):
        raise TuneError("the learned space cannot be combined with priors or transfer (their "
                        "prior evaluations are encoded in the full space)")
    if space == JOINT and (learned_space or use_priors or transfer):
        raise TuneError(f"space {JOINT!r} (algorithm + configuration) cannot be combined with "
                        "priors, transfer or a learned space (they model one algorithm's space)")


def _check_repository(repository: Any) -> None:
    """A repository given as a file must open (as :func:`metaknow.recommend` requires),
    even when this run would not read it: a corrupt or missing file is an error, never a
    silent cold start. Named repositories (``"bundled"``) are opened when used."""
    if not isinstance(repository, (str, os.PathLike)):
        return
    from repository.named import NAMED, open_repository

    if str(repository) in NAMED:
        return
    open_repository(repository).close()


def _tune(data: Any, target: str | None, space: str, budget: int | None, warm_start: int,
          warm_start_configs: Sequence[Mapping[str, Any]] | None, metric: str | None,
          cv: int | Protocol, n_jobs: int, time_limit: float | None, wall_time: float | None,
          out: Any, seed: int, repository: Any, use_priors: bool, transfer: bool, refit: bool,
          task: str | None, learned_space: bool,
          callback: Callable[[Trial, float | None, int], None] | None,
          messages: Callable[[str], None] | None, scheduler: str | None,
          fidelity: str | None) -> TuneResult:
    deadline = Deadline(float(wall_time)) if wall_time is not None else None
    dataset = load_dataset(data, target=target, task=task)
    the_space = joint_space(dataset.task) if space == JOINT else get_space(space, dataset.task)
    metric = metric or PRIMARY_METRIC[dataset.task]
    if metric not in METRICS[dataset.task]:
        raise TuneError(f"unknown {dataset.task} metric {metric!r}; choose from "
                        f"{', '.join(METRICS[dataset.task])}")
    protocol = cv if isinstance(cv, Protocol) else Protocol(n_splits=_int(cv, "cv"), seed=seed)
    splits = make_splits(dataset, protocol)
    notes: list[str] = [f"data: {note}" for note in dataset.notes]
    settings = {"data": dataset.content_hash(), "space": the_space.key,
                "space_version": the_space.version, "metric": metric,
                "protocol": protocol.to_dict(), "seed": seed}
    if learned_space:
        settings["learned_space"] = True
    if fidelity is not None:
        settings["fidelity"] = fidelity
    run = _load_run(out, settings)
    if run is not None and run.get("fidelity") != fidelity:
        raise TuneError(f"{out} holds a different run (fidelity differs: {run.get('fidelity')!r} "
                        f"vs {fidelity!r}); choose another output folder")
    if run is not None:
        starts, prior_tasks = run["warm_start_configs"], run.get("prior_tasks", [])
        notes = list(run.get("notes", []))
        if run.get("learned_space_definition"):
            the_space = SearchSpace.from_dict(run["learned_space_definition"])
        done = len(RunHistory(out))
        if messages is not None:
            messages(f"resuming run in {out}: {done} trial(s) done")
        notes.append(f"resumed run in {out}: {done} trial(s) were done before")
    else:
        k = _capped_warm_start(warm_start, budget, notes)
        starts, prior_tasks = _warm_start(dataset, the_space, k, warm_start_configs,
                                          repository, notes,
                                          _affordable_fit(wall_time, len(splits)))
        if learned_space:
            the_space, starts = _learned(dataset, the_space, starts, prior_tasks, repository, notes)
        if out is not None:
            extra = {"learned_space_definition": the_space.to_dict()} if learned_space else {}
            write_json_atomic(Path(out) / RUN_FILE, {**settings, "warm_start_configs": starts,
                                                      "prior_tasks": prior_tasks, "notes": notes,
                                                      **extra})
    design = DefaultFirst(WarmStartDesign(starts, n_min=min(3, len(starts))) if starts
                          else SobolDesign(default_size(the_space, budget)))
    priors = _priors(use_priors, prior_tasks[:5], the_space, repository, notes)
    sources = _transfer(transfer, prior_tasks, the_space, repository, notes)
    history = RunHistory(out)
    objective: Any = FoldObjective(the_space.name, dataset, splits, metric, seed, time_limit,
                                   None if deadline is None else deadline.at)
    intensifier: Any = FoldRace()
    runner = _runner(n_jobs, scheduler, deadline)
    if fidelity == "rows":
        from metaknow.bo.successive_halving import RungObjective, RungRunner, SuccessiveHalving

        objective = RungObjective(objective)
        intensifier = SuccessiveHalving(history, objective.n_folds)
        runner = RungRunner(runner, objective.n_folds)
        notes.append("fidelity: successive halving over training rows, rungs of "
                     + ", ".join(map(str, objective.sizes)) + " rows per fold")
    optimizer = Optimizer(the_space, seed=seed, initial_design=design, priors=priors,
                          transfer=sources, history=history, budget_hint=budget,
                          intensifier=intensifier)

    def report(trial: Trial, opt: Optimizer) -> None:
        if callback is not None:
            inc = opt.incumbent
            callback(trial, None if inc is None else objective.sign * inc.cost, len(opt.history))

    if deadline is not None and deadline.passed:
        runner.close()
        raise TuneError(f"the wall time of {deadline.seconds:g} s ran out before the first trial "
                        "(loading the data and the warm start took it); allow more --wall-time")
    result = optimizer.optimize(objective, budget, n_jobs=runner.n_jobs,
                                wall_time=None if deadline is None else max(deadline.left(), 1e-3),
                                n_folds=objective.n_folds, callback=report, runner=runner)
    inc = optimizer.incumbent
    if optimizer.transfer_weights:
        last = optimizer.transfer_weights[max(optimizer.transfer_weights)]
        shares = ", ".join(f"{k} {v:.2f}" for k, v in last.items() if v > 0)
        notes.append(f"transfer weights at the last model-based proposal: {shares}")
    if inc is None:
        if deadline is not None and deadline.passed and not len(history):
            raise TuneError(f"no trial finished within the wall time of {deadline.seconds:g} s; "
                            "allow more --wall-time")
        raise TuneError(no_incumbent_message(history, out))
    sign = objective.sign
    best_score = sign * inc.cost
    if out is not None:
        write_json_atomic(Path(out) / BEST_FILE, best_config_document(
            the_space, metric, best_score, inc.trial_id, inc.config))
    if refit and deadline is not None and not _refit_fits(inc, objective.n_folds, deadline):
        refit = False
        notes.append("refit skipped: at the incumbent's fit times it would not end within "
                     "the wall time; refit best_config yourself")
    model = _refit(the_space, inc.config, dataset, seed) if refit else None
    return TuneResult(inc.config, best_score, metric, the_space.key,
                      history_frame(history, sign, metric), model, result.interrupted,
                      None if out is None else str(out), notes, result.overhead, history,
                      dataset.name)


def best_config_document(space: SearchSpace, metric: str, score: float, trial: int,
                         config: Configuration) -> dict[str, Any]:
    """What ``best_config.json`` holds; for the joint space also the chosen ``algorithm``
    and its own ``params`` (its parameters without the ``ALGORITHM:`` prefix)."""
    doc: dict[str, Any] = {"space": space.key, "metric": metric, "score": score,
                           "trial": trial, "config": config}
    if space.name == JOINT:
        algorithm, params = joint_split(config)
        doc.update(algorithm=algorithm, params=params)
    return doc


#: The library default and the warm start take at most this share of the budget, so
#: that Bayesian optimisation gets the rest.
WARM_START_SHARE = 0.5


#: With a wall time, a recommended configuration starts the run only when its predicted
#: trial (one fit per fold, :mod:`metaknow.recommenders.fit_cost`) takes at most this
#: share of the wall time.
WARM_START_TRIAL_SHARE = 0.25


def _affordable_fit(wall_time: float | None, n_folds: int) -> float | None:
    """Predicted seconds of one fit a warm-start configuration may take (None: any)."""
    if wall_time is None:
        return None
    return float(wall_time) * WARM_START_TRIAL_SHARE / max(1, n_folds)


def _capped_warm_start(k: int, budget: int | None, notes: list[str]) -> int:
    """``k``, or fewer (at least 1, with a note) so that the default trial and the warm
    start take at most :data:`WARM_START_SHARE` of the budget."""
    if budget is None or k == 0:
        return k
    cap = max(1, int(budget * WARM_START_SHARE) - 1)
    if k > cap:
        notes.append(f"warm start capped at {cap} of {k} configurations: with the library "
                     f"default they take half the budget of {budget} trials, so that Bayesian "
                     "optimisation gets the other half")
        return cap
    return k


class DefaultFirst(InitialDesign):
    """An initial design whose first configuration is the library default (origin
    ``"default"``; moved to the front when the design already holds it). The first trial
    runs every fold (there is no incumbent to race against yet), so its score is a full
    cross-validated baseline, the one the anytime plot draws."""

    def __init__(self, design: InitialDesign) -> None:
        self.design = design

    def configs(self, space: SearchSpace, seed: int) -> list[tuple[Configuration, str]]:
        from metaknow.space import config_hash

        default = space.default()
        key = config_hash(default)
        rest = [(c, o) for c, o in self.design.configs(space, seed) if config_hash(c) != key]
        return [(default, "default")] + rest


#: What to do when every trial failed the same way, by status (crashes carry their own).
_HINTS = {"timeout": "allow more seconds per fold (--time-limit, time_limit=)",
          "memout": "give the fits more memory, or subsample the data"}


def no_incumbent_message(history: RunHistory, out: Any = None) -> str:
    """Why no configuration finished every fold: the first failed trial's one-line cause
    and what to do, and where the full errors are."""
    where = (f" (full errors in {Path(out) / 'history.jsonl'})" if out is not None
             else " (pass out=FOLDER to keep every trial's full error)")
    failed = [t for t in history if t.failed]
    if not failed:
        return f"no configuration finished every fold; no trial failed{where}"
    first = failed[0]
    hint = _HINTS.get(first.status)
    return (f"no configuration finished every fold: {len(failed)} of {len(history)} trial(s) "
            f"failed; the first ({first.status}): {error_cause(first.error)}"
            + (f"; {hint}" if hint else "") + where)


def history_frame(history: RunHistory, sign: float, metric: str) -> pd.DataFrame:
    """The history as a DataFrame with scores in metric units."""
    frame = history.to_frame()
    if len(frame):
        cost = frame["cost"].where(np.isfinite(frame["cost"]))
        best = frame.pop("best_cost")
        frame.insert(1, "score", sign * cost)
        frame.insert(2, "best_score", sign * best.where(np.isfinite(best)))
        frame.attrs["metric"] = metric
    return frame


def _runner(n_jobs: int, scheduler: str | None, deadline: Deadline | None) -> Runner:
    """Where trials run: this process, threads, or a dask cluster; stopped trials dropped
    when the run has a deadline."""
    if scheduler is not None:
        from metaknow.bo.dask_runner import DaskRunner

        runner: Runner = DaskRunner(scheduler)
    else:
        runner = SerialRunner() if n_jobs == 1 else ThreadRunner(_int(n_jobs, "n_jobs"))
    return runner if deadline is None else DeadlineRunner(runner)


def _refit_fits(trial: Trial, n_folds: int, deadline: Deadline) -> bool:
    """Whether refitting ``trial``'s configuration on all rows ends by 5 % past the
    deadline: one fold's time scaled by the rows (``k / (k - 1)`` of a fold's), doubled
    for safety."""
    per_fold = trial.time / max(1, len(trial.fold_costs) or n_folds)
    estimate = 2.0 * per_fold * n_folds / max(1, n_folds - 1)
    return estimate <= deadline.left() + 0.05 * deadline.seconds


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise TuneError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _load_run(out: Any, settings: dict[str, Any]) -> dict[str, Any] | None:
    if out is None or not (Path(out) / RUN_FILE).exists():
        return None
    run = read_json(Path(out) / RUN_FILE)
    for key, value in settings.items():
        if run.get(key) != json_ready(value):
            raise TuneError(f"{out} holds a different run ({key} differs: {run.get(key)!r} vs "
                            f"{json_ready(value)!r}); choose another output folder")
    return run


def json_ready(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value))


def _warm_start(dataset: Dataset, space: SearchSpace, k: int,
                explicit: Sequence[Mapping[str, Any]] | None, repository: Any,
                notes: list[str], max_fit_seconds: float | None = None
                ) -> tuple[list[Configuration], list[list[Any]]]:
    """The recommended starting configurations and the nearest prior tasks
    (``max_fit_seconds``: only those predicted to fit within it, see :func:`_affordable_fit`).

    A repository that cannot be opened (a corrupt or missing file) is an error, as in
    :func:`metaknow.recommend`; a recommender that has nothing for this space falls back
    to a Sobol design, with a note.
    """
    if explicit is not None:
        configs = WarmStartDesign(explicit, n_min=0, strict=True).configs(space, 0)
        return [c for c, _ in configs], []
    if k == 0:
        return [], []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if space.name == JOINT:
                configs, rec = _joint_recommended(dataset, space, k, repository, max_fit_seconds)
            else:
                configs, rec = recommended_configs(dataset, space, k, repository, n_nearest=10,
                                                   max_fit_seconds=max_fit_seconds)
    except RepositoryError:
        raise
    except MetaknowError as exc:
        notes.append(f"no warm start ({exc}); started from a Sobol design")
        return [], []
    tasks = [[t.task_id, float(t.similarity)] for t in getattr(rec, "nearest_tasks", [])]
    notes.append(f"warm start: {len(configs)} configurations recommended "
                 f"({getattr(rec, 'strategy', '?')} strategy)")
    notes += [f"warm start: {n}" for n in getattr(rec, "notes", []) if n.startswith("left out")]
    return configs, tasks


def _joint_recommended(dataset: Dataset, space: SearchSpace, k: int, repository: Any,
                       max_fit_seconds: float | None = None) -> tuple[list[Configuration], Any]:
    """Cross-space recommendations as configurations of the joint space (algorithms
    whose space is not in the joint space, or invalid ones, are skipped)."""
    from metaknow.recommend import recommend
    from metaknow.spaces.joint import join

    rec = recommend(dataset, space=JOINT, k=k, repository=repository, n_nearest=10,
                    max_fit_seconds=max_fit_seconds)
    configs = []
    for item in rec.configurations:
        name, _, task = item.space_key.partition("/")
        joint = join(name, item.params)
        if task == space.task and space.is_valid(joint):
            configs.append(joint)
    return configs[:k], rec


#: Nearest prior tasks a learned space is learned from.
LEARNED_NEIGHBOURS = 5
#: ``transfer=True``'s handover (:class:`metaknow.bo.transfer.TransferPrior`): after ``n``
#: trials the run's own forest gets at least ``n / (n + 10)`` of the acquisition's weight.
#: Chosen on the tune half of the warm-start datasets (benchmark method
#: ``metaknow-transfer-h10``); on the other half it ended level with warm start alone
#: where transfer without it fell behind (README, "Three more ways to make the prior last").
TRANSFER_HANDOVER = 10.0


def _learned(dataset: Dataset, space: SearchSpace, starts: list[Configuration],
             prior_tasks: list[list[Any]], repository: Any, notes: list[str]
             ) -> tuple[SearchSpace, list[Configuration]]:
    """The learned space for ``dataset`` and the warm start projected into it; the full
    space (with a note saying why) when it cannot be learned."""
    from metaknow.importance.learned_space import learn_space
    from metaknow.recommend import open_view
    from metaknow.space import config_hash

    try:
        tasks = [t for t, _ in prior_tasks]
        if not tasks:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _, rec = recommended_configs(dataset, space, 1, repository,
                                             n_nearest=LEARNED_NEIGHBOURS)
            tasks = [t.task_id for t in rec.nearest_tasks]
        view = open_view(repository, space.name, space.task, None)
    except MetaknowError as exc:
        notes.append(f"learned space unavailable ({exc}); tuning the full space")
        return space, starts
    learned = learn_space(space, view, tasks[:LEARNED_NEIGHBOURS])
    notes.append(learned.describe())
    if learned.fallback:
        return space, starts
    projected: dict[str, Configuration] = {}
    for c in starts:
        p = learned.project(c)
        projected.setdefault(config_hash(p), p)
    return learned.space, list(projected.values())


def _nearest_view(use: bool, what: str, tasks: list[list[Any]], space: SearchSpace,
                  repository: Any, notes: list[str]) -> Any:
    """The repository's view of ``space`` when ``what`` (priors, transfer) is asked for and
    nearest tasks are known; else None, with a note saying why."""
    if not use:
        return None
    if not tasks:
        notes.append(f"{what} requested but no nearest tasks are known (no warm start?)")
        return None
    from metaknow.recommend import open_view

    try:
        return open_view(repository, space.name, space.task, None)
    except MetaknowError as exc:
        notes.append(f"{what} unavailable ({exc})")
        return None


def _transfer(use: bool, tasks: list[list[Any]], space: SearchSpace, repository: Any,
              notes: list[str]) -> Any:
    view = _nearest_view(use, "transfer", tasks, space, repository, notes)
    if view is None:
        return None
    from metaknow.bo.transfer import TransferPrior, sources_from_view

    prior = TransferPrior(sources_from_view(view, space, [t for t, _ in tasks]),
                          handover=TRANSFER_HANDOVER)
    notes.append(f"transfer: surrogates of {len(prior)} nearest tasks join the acquisition "
                 f"(the run's own forest gets at least n / (n + {TRANSFER_HANDOVER:g}) of the "
                 f"weight after n trials)")
    return prior if len(prior) else None


def _priors(use: bool, tasks: list[list[Any]], space: SearchSpace, repository: Any,
            notes: list[str]) -> Any:
    view = _nearest_view(use, "priors", tasks, space, repository, notes)
    if view is None:
        return None
    from metaknow.bo.priors import priors_from_view

    priors = priors_from_view(view, space, [t for t, _ in tasks], [s for _, s in tasks])
    if priors is None:
        notes.append("priors: the nearest tasks have no evaluations of this space")
    else:
        notes.append(f"priors: {len(priors.y)} evaluations on {len(set(priors.task))} nearest "
                     f"tasks inform the surrogate (fading out by trial {priors.fade_after})")
    return priors


def _refit(space: SearchSpace, config: Configuration, dataset: Dataset, seed: int) -> Any:
    algorithm = space.name
    if algorithm == JOINT:
        algorithm, config = joint_split(config)
    model = make_pipeline(get_algorithm(algorithm), config, dataset.task,
                          dataset.numeric_columns, dataset.categorical_columns, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(dataset.X, dataset.target_values())
    return model
