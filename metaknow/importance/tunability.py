"""Tunability (Probst, Bischl & Boulesteix, JMLR 2019), from the per-task surrogates.

* The **data-driven default** ``θ*`` is the configuration with the best score averaged
  over the prior tasks' surrogates, searched over a scrambled-Sobol sample of the unit
  hypercube together with the library default and each task's best evaluated
  configuration, within the range the tasks evaluated (the union of the surrogates'
  domains: a forest only extrapolates beyond it). Parameters that no task varied keep
  their one observed value.
* The **tunability of the algorithm** on task ``t`` is ``max_θ f_t(θ) - f_t(θ*)``, the
  same maximum taken over the same candidates.
* The **tunability of parameter** ``i`` on task ``t`` is ``max_v f_t(θ*[i = v]) -
  f_t(θ*)``: the predicted gain from tuning ``i`` alone, everything else at ``θ*``, over
  a grid of ``v`` across the evaluated range (every choice of a categorical). A
  conditional child that ``θ*`` leaves inactive gains nothing (the surrogate is flat in
  it there); tuning its parent alone moves the child's value at ``θ*`` with it.

Scores are in the metric's units (larger is better), as Probst et al. report AUC gains.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy.stats import qmc

from metaknow.importance.surrogates import TaskSurrogate, fit_surrogates, from_unit, to_unit
from metaknow.space import Categorical, Configuration, SearchSpace

__all__ = ["TunabilityResult", "tunability", "tunability_of", "learned_default"]

ALL = "(all parameters)"


@dataclass
class TunabilityResult:
    """Data-driven default and tunability per parameter.

    Attributes
    ----------
    default : dict
        The data-driven default ``θ*`` (value form).
    library_default : dict
    per_task : DataFrame, tasks x (parameters + ``ALL``)
        Predicted gain over ``θ*`` from tuning each parameter alone (``ALL``: every one).
    summary : DataFrame
        Per parameter: ``median``, ``q25``, ``q75``, ``mean`` gain, ``share`` (median of
        the per-task ratio gain / gain of tuning everything), ``learned_default``,
        ``library_default``; sorted by median gain.
    default_vs_library : float
        Mean predicted score of ``θ*`` minus that of the library default.
    """

    default: Configuration
    library_default: Configuration
    per_task: pd.DataFrame
    summary: pd.DataFrame
    default_vs_library: float
    space: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        rows = [{"parameter": k, **{c: (None if isinstance(v, float) and np.isnan(v) else
                                        round(v, 6) if isinstance(v, float) else v)
                                    for c, v in r.items()}}
                for k, r in self.summary.iterrows()]
        return {"space": self.space, "learned_default": _plain(self.default),
                "library_default": _plain(self.library_default),
                "default_vs_library": (None if np.isnan(self.default_vs_library)
                                       else round(float(self.default_vs_library), 6)),
                "n_tasks": int(self.per_task.shape[0]), "summary": rows, "notes": self.notes}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)


def _plain(config: Configuration) -> dict[str, Any]:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in config.items()}


def _fixed_dims(surrogates: Sequence[TaskSurrogate]) -> dict[int, float]:
    """Unit value of each parameter no task varied (its one observed value)."""
    varied = np.any([s.varied for s in surrogates], axis=0)
    return {int(j): float(np.median(np.concatenate([s.U[:, j] for s in surrogates])))
            for j in np.flatnonzero(~varied)}


def _domain(surrogates: Sequence[TaskSurrogate]) -> np.ndarray:
    """Union of the surrogates' domains, ``(d, 2)``."""
    doms = np.stack([s.domain for s in surrogates])
    return np.column_stack([doms[:, :, 0].min(axis=0), doms[:, :, 1].max(axis=0)])


def _candidates(surrogates: Sequence[TaskSurrogate], n: int, seed: int) -> np.ndarray:
    space = surrogates[0].space
    d = len(space)
    dom = _domain(surrogates)
    sob = dom[:, 0] + (dom[:, 1] - dom[:, 0]) * qmc.Sobol(d=d, scramble=True, seed=seed).random(int(n))
    best = [s.U[int(np.argmax(s.y))] for s in surrogates]
    C = np.vstack([sob, to_unit(space, [space.default()], seed), *best])
    for j, u in _fixed_dims(surrogates).items():
        C[:, j] = u
    return C


def learned_default(surrogates: Sequence[TaskSurrogate], n_candidates: int = 2048,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(θ* in unit form, tasks x candidates predictions)``: the candidate best on average."""
    C = _candidates(surrogates, n_candidates, seed)
    P = np.vstack([s.predict(C) for s in surrogates])
    return C[int(np.argmax(P.mean(axis=0)))], P


def _grid(p: Any, n: int, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    if isinstance(p, Categorical):
        k = len(p.choices)
        return (np.arange(k) + 0.5) / k
    return lo + (hi - lo) * (np.arange(n) + 0.5) / n


def tunability_of(surrogates: Sequence[TaskSurrogate], *, n_candidates: int = 2048,
                  grid: int = 32, seed: int = 0) -> TunabilityResult:
    """Tunability from fitted per-task surrogates (see the module docstring)."""
    space = surrogates[0].space
    star, P = learned_default(surrogates, n_candidates, seed)
    fixed = _fixed_dims(surrogates)
    dom = _domain(surrogates)
    at_star = np.array([s.predict(star[None])[0] for s in surrogates])
    rows: dict[str, dict[str, float]] = {}
    for s, f0, best in zip(surrogates, at_star, P.max(axis=1)):
        gains = {ALL: max(float(best - f0), 0.0)}
        for j, p in enumerate(space.params):
            if j in fixed:
                continue
            values = _grid(p, grid, *dom[j])
            pts = np.repeat(star[None], len(values), axis=0)
            pts[:, j] = values
            gains[p.name] = max(float(s.predict(pts).max() - f0), 0.0)
        rows[s.task] = gains
    per_task = pd.DataFrame.from_dict(rows, orient="index")
    default = from_unit(space, star)
    lib = space.default()
    lib_u = to_unit(space, [lib], seed)
    notes = [f"never varied, kept at the observed value: {space.params[j].name}" for j in fixed]
    outside = [space.params[j].name for j, u in fixed.items() if abs(lib_u[0, j] - u) > 1e-9]
    if outside:  # the surrogates know nothing about the library default
        lib_score = float("nan")
        notes.append(f"the library default sets {', '.join(outside)} to a value no task "
                     "evaluated: it is not compared")
    else:
        lib_score = float(np.mean([s.predict(lib_u)[0] for s in surrogates]))
    summary = _summary(per_task, space, default, lib)
    return TunabilityResult(default, lib, per_task, summary, float(at_star.mean()) - lib_score,
                            space.key, notes)


def _summary(per_task: pd.DataFrame, space: SearchSpace, default: Configuration,
             lib: Configuration) -> pd.DataFrame:
    q = per_task.quantile([0.25, 0.5, 0.75])
    all_gain = per_task[ALL].where(per_task[ALL] > 0)
    share = per_task.div(all_gain, axis=0).clip(upper=1.0).median()
    out = pd.DataFrame({"median": q.loc[0.5], "q25": q.loc[0.25], "q75": q.loc[0.75],
                        "mean": per_task.mean(), "share": share})
    out["learned_default"] = [_fmt(default.get(n, "inactive")) if n != ALL else "" for n in out.index]
    out["library_default"] = [_fmt(lib.get(n, "inactive")) if n != ALL else "" for n in out.index]
    return out.sort_values("median", ascending=False)


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def tunability(space: SearchSpace, view: Any, tasks: Sequence[str] | None = None, *,
               n_trees: int = 32, min_evaluations: int = 10, n_candidates: int = 2048,
               grid: int = 32, domain: str = "observed", seed: int = 0) -> TunabilityResult:
    """Data-driven default and per-parameter tunability over a view's tasks.

    Parameters
    ----------
    space : SearchSpace
    view : RepositoryView
    tasks : sequence of str, optional
        Task ids to use (default: all).
    n_trees, min_evaluations : int
        Surrogate settings (see :func:`~metaknow.importance.surrogates.fit_surrogates`).
    n_candidates : int, default=2048
        Sobol candidates searched for the default and the per-task optimum.
    grid : int, default=32
        Values tried per numeric parameter when tuning it alone.
    domain : {"observed", "space"}, default="observed"
        Range searched (see :mod:`~metaknow.importance.surrogates`).
    seed : int, default=0

    Returns
    -------
    TunabilityResult
    """
    surrogates, notes = fit_surrogates(view, space, tasks, min_evaluations=min_evaluations,
                                       n_trees=n_trees, domain=domain, seed=seed)
    result = tunability_of(surrogates, n_candidates=n_candidates, grid=grid, seed=seed)
    result.notes = notes + result.notes
    return result
