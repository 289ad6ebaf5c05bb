"""Tuning methods compared by the warm-start benchmark, one small function each.

A method receives a :class:`~metaknow.benchmarking.problem.TuningProblem` and a
:class:`MethodContext` and calls ``problem.evaluate`` until the budget raises
:class:`~metaknow.benchmarking.problem.BudgetExhausted`. Adding a method = one function
+ one line in ``METHODS``. Peers (Optuna, SMAC3, FLAML) are imported lazily: they are
the optional ``bench`` extra.
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from metaknow.benchmarking.problem import BudgetExhausted, TuningProblem
from metaknow.exceptions import MetaknowError

__all__ = ["MethodContext", "METHODS", "SINGLE_CONFIGURATION", "run_method", "uses_recommendations",
           "uses_optimised", "uses_nearest", "uses_transfer", "uses_meta_source", "uses_learned",
           "applies_to"]


@dataclass
class MethodContext:
    """What a method may use besides the problem.

    ``recommendations`` are metaknow's recommended configurations for this dataset,
    computed from the repository *without* this dataset (leave-one-dataset-out), by the
    nearest-tasks strategy; ``optimised`` those of the optimised portfolio.
    ``prior`` holds surrogate priors from the nearest tasks, ``transfer`` their fitted
    per-task surrogates (a :class:`~metaknow.bo.transfer.TransferPrior`), or None;
    ``meta_source`` the meta-surrogate conditioned on the dataset
    (:class:`~metaknow.bo.meta_source.MetaSurrogateSource`), or None; ``learned`` the
    space learned from the nearest tasks (a
    :class:`~metaknow.importance.learned_space.LearnedSpace`), or None.
    """

    seed: int
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    prior: Any = None
    optimised: list[dict[str, Any]] = field(default_factory=list)
    transfer: Any = None
    meta_source: Any = None
    learned: Any = None


def _until_exhausted(step: Callable[[], None]) -> None:
    try:
        while True:
            step()
    except BudgetExhausted:
        return


def random_search(problem: TuningProblem, ctx: MethodContext) -> None:
    """Uniform (log-uniform on log scales) random configurations."""
    rng = np.random.default_rng(ctx.seed)
    _until_exhausted(lambda: problem.evaluate(problem.space.sample(rng)[0]))


def library_default(problem: TuningProblem, ctx: MethodContext) -> None:
    """The library's own default configuration (a single evaluation)."""
    problem.evaluate(problem.space.default())


def _optuna(problem: TuningProblem, ctx: MethodContext, warm: bool) -> None:
    from metaknow.integrations.optuna import enqueue, require_optuna, suggest

    optuna = require_optuna()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=ctx.seed))
    if warm:
        enqueue(study, problem.space, ctx.recommendations)

    def objective(trial: Any) -> float:
        return problem.evaluate(suggest(trial, problem.space))

    try:
        study.optimize(objective, n_trials=problem.remaining, catch=())
    except BudgetExhausted:
        return


def optuna_tpe(problem: TuningProblem, ctx: MethodContext) -> None:
    """Optuna's TPE sampler from a cold start."""
    _optuna(problem, ctx, warm=False)


def optuna_tpe_warm(problem: TuningProblem, ctx: MethodContext) -> None:
    """Optuna's TPE with metaknow's recommendations enqueued first."""
    _optuna(problem, ctx, warm=True)


def smac_hpo(problem: TuningProblem, ctx: MethodContext) -> None:
    """SMAC3's HyperparameterOptimizationFacade (random forest + EI), cold start."""
    try:
        from smac import HyperparameterOptimizationFacade, Scenario
    except ImportError:
        raise MetaknowError("this method needs SMAC3: pip install 'metaknow[bench]'") from None
    from metaknow.integrations.configspace import from_configuration, to_configspace

    cs = to_configspace(problem.space, seed=ctx.seed)

    def target(config: Any, seed: int = 0) -> float:
        return -problem.evaluate(from_configuration(problem.space, config))

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scenario = Scenario(cs, deterministic=True, n_trials=problem.remaining, seed=ctx.seed,
                            output_directory=tmp)
        smac = HyperparameterOptimizationFacade(scenario, target, overwrite=True, logging_level=40)
        try:
            smac.optimize()
        except BudgetExhausted:
            return


def flaml_zeroshot(problem: TuningProblem, ctx: MethodContext) -> None:
    """FLAML's zero-shot configuration for LightGBM (one evaluation, our preprocessing)."""
    if problem.space.name != "lightgbm":
        raise MetaknowError("flaml-zeroshot exists for the lightgbm space only")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from flaml.default import preprocess_and_suggest_hyperparams  # noqa: F401
    except ImportError:
        raise MetaknowError("this method needs FLAML: pip install 'flaml[automl]'") from None
    from metaknow.benchmarking.peer_configs import flaml_suggestion

    params = flaml_suggestion(problem.dataset)
    problem.evaluate(params, raw=True)


#: name -> method. The metaknow methods are registered by the warm-start benchmark,
#: which owns the recommender and optimizer wiring.
METHODS: dict[str, Callable[[TuningProblem, MethodContext], None]] = {
    "random": random_search,
    "library-default": library_default,
    "optuna-tpe": optuna_tpe,
    "optuna-tpe-warm": optuna_tpe_warm,
    "smac3": smac_hpo,
    "flaml-zeroshot": flaml_zeroshot,
}


#: Methods that evaluate one configuration whatever the budget.
SINGLE_CONFIGURATION = frozenset({"library-default", "flaml-zeroshot"})


#: Methods that exist for some spaces only (others run on every space).
ONLY_FOR_SPACES = {"flaml-zeroshot": frozenset({"lightgbm"})}


def applies_to(name: str, space_name: str) -> bool:
    """Whether method ``name`` can tune space ``space_name``."""
    return space_name in ONLY_FOR_SPACES.get(name, frozenset({space_name}))


def uses_optimised(name: str) -> bool:
    """Whether method ``name`` starts from the optimised portfolio (its runs are stale once
    that portfolio changes for the dataset)."""
    return name.startswith("metaknow-portfolio")


def uses_recommendations(name: str) -> bool:
    """Whether method ``name`` starts from metaknow's recommendations of either kind (it is
    charged the lookup time)."""
    return (name.startswith(("metaknow-warm", "optuna-tpe-warm")) or uses_transfer(name)
            or uses_optimised(name) or uses_learned(name))


def uses_transfer(name: str) -> bool:
    """Whether method ``name`` runs the loop with the nearest tasks' surrogates."""
    return name.startswith("metaknow-transfer")


def uses_meta_source(name: str) -> bool:
    """Whether method ``name`` adds the meta-surrogate to the transfer loop's sources."""
    return uses_transfer(name) and name.endswith("-meta")


def uses_learned(name: str) -> bool:
    """Whether method ``name`` tunes the space learned from the nearest tasks."""
    return name.startswith("metaknow-learned")


def uses_nearest(name: str) -> bool:
    """Whether method ``name`` starts from the nearest-tasks recommendations."""
    return uses_recommendations(name) and not uses_optimised(name)


def run_method(name: str, problem: TuningProblem, ctx: MethodContext) -> None:
    """Run method ``name`` on ``problem`` from a fresh trajectory."""
    if name not in METHODS:
        raise MetaknowError(f"unknown method {name!r}; known: {', '.join(METHODS)}")
    problem.reset()
    METHODS[name](problem, ctx)
