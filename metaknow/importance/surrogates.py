"""Per-task random-forest surrogates on the unit hypercube: what every importance method reads.

The *unit encoding* puts every parameter of a space on ``[0, 1]`` so that the uniform
measure on the hypercube is the space's own sampling distribution:

* numeric parameters keep their vector form (uniform, or log-uniform on log scales;
  integers own equal slices of the interval, see :class:`~metaknow.space.Integer`);
* a categorical with ``k`` choices maps choice ``c`` to ``(c + 0.5) / k``, so each
  choice owns a slice of width ``1/k`` and a tree's split between two neighbouring codes
  falls on the slice boundary;
* **inactive** parameters (a conditional child whose parent switches it off, NaN in the
  vector form) are imputed with a *random* unit value. The forest then learns a function
  that does not depend on the child where the child is inactive, which is what
  "inactive" means; the child's effect shows up as its main effect and its interaction
  with the parent. (The BO surrogate imputes ``-1`` instead, to split on "inactive";
  here the function must be defined on the whole hypercube, so it cannot.)

One forest is fitted per task on that task's evaluations (scores, larger is better).
Parameters that the task's evaluations never vary are flagged (``varied``) and left out
of the decomposition: nothing can be learned about them.

The **domain** the decomposition integrates over is, by default, the range the task's
evaluations cover (``domain="observed"``): per numeric parameter from its smallest to
its largest evaluated value (an integer's slices included whole), every choice of a
categorical. Beyond the evaluated range a forest only repeats its edge values, so
counting that region would mix extrapolation into the shares (the OpenML100
random-forest runs sample ``max_features`` in [0.1, 0.9], inside our [0.05, 1.0]);
``domain="space"`` integrates over the whole space instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from metaknow.exceptions import RepositoryError, SpaceError
from metaknow.space import Categorical, Configuration, Integer, SearchSpace

__all__ = ["TaskSurrogate", "to_unit", "from_unit", "observed_domain", "fit_surrogate",
           "fit_surrogates", "task_evaluations", "DOMAINS"]

DOMAINS = ("observed", "space")


def to_unit(space: SearchSpace, configs: Iterable[Mapping[str, Any]],
            rng: np.random.Generator | int | None = 0, domain: np.ndarray | None = None
            ) -> np.ndarray:
    """Unit encoding of configurations, inactive entries drawn uniformly (seeded) from
    ``domain`` (``(d, 2)`` bounds in unit coordinates; default the whole interval)."""
    rng = np.random.default_rng(rng)
    U = space.to_matrix(list(configs))
    for j, p in enumerate(space.params):
        if isinstance(p, Categorical):
            U[:, j] = (U[:, j] + 0.5) / len(p.choices)
    nan = np.isnan(U)
    if nan.any():
        draws = rng.random(U.shape)
        if domain is not None:
            draws = domain[:, 0] + draws * (domain[:, 1] - domain[:, 0])
        for j, p in enumerate(space.params):  # inactive categoricals take a choice's centre
            if isinstance(p, Categorical):
                k = len(p.choices)
                draws[:, j] = (np.floor(draws[:, j] * k) + 0.5) / k
        U[nan] = draws[nan]
    return U


def observed_domain(space: SearchSpace, X: np.ndarray) -> np.ndarray:
    """``(d, 2)`` unit bounds of the evaluated range of each parameter (vector forms ``X``).

    Floats: smallest to largest value; integers: the outer edges of those values'
    slices; categoricals and parameters evaluated at one value only: ``[0, 1]``.
    """
    dom = np.tile([0.0, 1.0], (len(space), 1))
    for j, p in enumerate(space.params):
        vals = np.unique(X[~np.isnan(X[:, j]), j])
        if isinstance(p, Categorical) or len(vals) < 2:
            continue
        lo, hi = p.from_unit(vals[0]), p.from_unit(vals[-1])
        if isinstance(p, Integer):
            lo, hi = lo - 0.5, hi + 0.5
        dom[j] = np.clip([p.to_unit(lo), p.to_unit(hi)], 0.0, 1.0)
    return dom


def from_unit(space: SearchSpace, u: Sequence[float]) -> Configuration:
    """The configuration (value form) at a point of the unit hypercube."""
    vec = np.asarray(u, dtype=float).copy()
    for j, p in enumerate(space.params):
        if isinstance(p, Categorical):
            vec[j] = min(int(np.floor(vec[j] * len(p.choices))), len(p.choices) - 1)
    return space.from_vector(vec)


@dataclass
class TaskSurrogate:
    """A forest fitted to one task's evaluations, on the unit encoding of ``space``.

    Attributes
    ----------
    task : str
    space : SearchSpace
    forest : RandomForestRegressor
    varied : array of bool, one per parameter
        Whether the task's evaluations take more than one (active) value of it.
    n_evaluations : int
    y : array
        The scores the forest was fitted on.
    U : array (n, d)
        Their unit encoding (inactive entries as imputed).
    domain : array (d, 2)
        Unit bounds the decomposition integrates over (see the module docstring).
    """

    task: str
    space: SearchSpace
    forest: RandomForestRegressor
    varied: np.ndarray
    n_evaluations: int
    y: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0))
    U: np.ndarray = field(repr=False, default_factory=lambda: np.empty((0, 0)))
    domain: np.ndarray = field(repr=False, default_factory=lambda: np.empty((0, 2)))

    def __post_init__(self) -> None:
        if len(self.domain) == 0:
            self.domain = np.tile([0.0, 1.0], (len(self.space), 1))

    @property
    def names(self) -> list[str]:
        return self.space.names

    @property
    def dims(self) -> list[int]:
        """Indices of the parameters the decomposition covers (the varied ones)."""
        return [int(j) for j in np.flatnonzero(self.varied)]

    def predict(self, U: np.ndarray) -> np.ndarray:
        """Predicted score at unit points ``U`` (n, d)."""
        return self.forest.predict(np.atleast_2d(np.asarray(U, dtype=float)))


def fit_surrogate(space: SearchSpace, configs: Sequence[Mapping[str, Any]], y: Sequence[float],
                  task: str = "task", *, n_trees: int = 32, min_samples_leaf: int = 3,
                  domain: str = "observed", seed: int = 0) -> TaskSurrogate:
    """Fit one task's forest (bootstrap, every input considered at each split).

    ``min_samples_leaf=3`` keeps the trees from carving single noisy evaluations into
    spurious interactions; 32 trees make the per-tree average of the decomposition stable.
    ``domain`` is ``"observed"`` or ``"space"`` (see the module docstring).
    """
    if domain not in DOMAINS:
        raise SpaceError(f"domain must be one of {', '.join(DOMAINS)}, got {domain!r}")
    y = np.asarray(y, dtype=float)
    if len(configs) != len(y):
        raise SpaceError(f"{len(configs)} configurations but {len(y)} scores")
    X = space.to_matrix(configs)
    varied = np.array([len(np.unique(col[~np.isnan(col)])) > 1 for col in X.T], dtype=bool)
    dom = observed_domain(space, X) if domain == "observed" else np.tile([0.0, 1.0], (len(space), 1))
    U = to_unit(space, configs, seed, dom)
    forest = RandomForestRegressor(n_estimators=int(n_trees), min_samples_leaf=int(min_samples_leaf),
                                   max_features=1.0, bootstrap=True, random_state=seed, n_jobs=1)
    forest.fit(U, y)
    return TaskSurrogate(task, space, forest, varied, len(y), y, U, dom)


def task_evaluations(view: Any, space: SearchSpace, task: str
                     ) -> tuple[list[Configuration], np.ndarray]:
    """The configurations of ``space`` evaluated on ``task`` in a repository view, and scores."""
    from metaknow.recommenders.meta_surrogate import design_configurations

    row = view.performance.loc[task]
    row = row[row.notna()]
    ids, configs = design_configurations(view, space, row.index)
    return configs, row[ids].to_numpy(dtype=float)


def fit_surrogates(view: Any, space: SearchSpace, tasks: Sequence[str] | None = None, *,
                   min_evaluations: int = 10, n_trees: int = 32, min_samples_leaf: int = 3,
                   domain: str = "observed", seed: int = 0
                   ) -> tuple[list[TaskSurrogate], list[str]]:
    """One surrogate per task of a :class:`~repository.view.RepositoryView`.

    Tasks with fewer than ``min_evaluations`` evaluations of ``space``, or whose scores
    are all equal, are skipped; the returned notes say which and why.
    """
    tasks = list(view.performance.index) if tasks is None else list(tasks)
    unknown = [str(t) for t in tasks if t not in view.performance.index]
    if unknown:
        raise RepositoryError(f"unknown task(s) {', '.join(unknown[:5])}: not in the repository's "
                              f"{view.n_tasks} tasks of space {space.key}")
    out: list[TaskSurrogate] = []
    few, flat = [], []
    for t in tasks:
        configs, y = task_evaluations(view, space, t)
        if len(y) < min_evaluations:
            few.append(str(t))
        elif np.ptp(y) <= 0:
            flat.append(str(t))
        else:
            out.append(fit_surrogate(space, configs, y, str(t), n_trees=n_trees,
                                     min_samples_leaf=min_samples_leaf, domain=domain, seed=seed))
    notes = []
    if few:
        notes.append(f"{len(few)} task(s) with fewer than {min_evaluations} evaluations left out")
    if flat:
        notes.append(f"{len(flat)} task(s) where every configuration scored the same left out")
    if not out:
        raise RepositoryError(f"no task has {min_evaluations} or more evaluations of space "
                              f"{space.key} with differing scores")
    return out, notes
