"""A search space learned from the nearest prior tasks' good regions.

For a new dataset and its nearest prior tasks (metaknow's task distance, as in
:func:`metaknow.recommend`):

1. each neighbour's best ``top_q`` share of evaluated configurations (at least
   ``min_top``) is pooled;
2. every numeric parameter's range shrinks to the smallest interval holding the pooled
   configurations' values, widened by ``pad`` of the unit interval on each side (log
   scales stay log scales; the neighbours' top configurations always lie inside);
   a categorical keeps the choices the pooled configurations use;
3. a parameter whose median fANOVA main-effect share over the neighbours is below
   ``fix_below`` (the least important first, at most ``max_fixed`` of them: when one
   parameter dominates, every other one falls below any threshold) is *fixed* at its
   data-driven default (the configuration best on
   average over the neighbours' surrogates, :mod:`~metaknow.importance.tunability`),
   as a one-choice categorical, so it costs the search nothing;
4. with fewer than ``min_neighbours`` neighbours holding enough evaluations, the full
   space is returned unchanged (``fallback=True``).

The learned space keeps the full space's name, so its configurations build the same
estimator; :meth:`LearnedSpace.project` maps any configuration of the full space into it
(numeric values clipped into the range, an absent choice replaced by the default).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from metaknow.importance.surrogates import fit_surrogates, from_unit, task_evaluations
from metaknow.space import (Categorical, Configuration, Float, Hyperparameter, Integer,
                            SearchSpace, choice_key)

__all__ = ["LearnedSpace", "learn_space"]


@dataclass
class LearnedSpace:
    """A narrowed space and how it was learned.

    Attributes
    ----------
    space : SearchSpace
        The learned space (the full space itself when ``fallback``).
    full : SearchSpace
    fallback : bool
    neighbours : list of str
        Prior tasks it was learned from.
    fixed : dict
        Parameters fixed at their learned default.
    importance : dict
        Median main-effect share of each parameter over the neighbours.
    notes : list of str
    """

    space: SearchSpace
    full: SearchSpace
    fallback: bool
    neighbours: list[str] = field(default_factory=list)
    fixed: dict[str, Any] = field(default_factory=dict)
    importance: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def project(self, config: Mapping[str, Any]) -> Configuration:
        """The configuration of the learned space nearest to ``config`` (per parameter)."""
        out: dict[str, Any] = {}
        for p in self.space.params:
            if p.name not in config:
                continue
            v = config[p.name]
            if isinstance(p, Categorical):
                out[p.name] = v if choice_key(v) in {choice_key(c) for c in p.choices} else p.default
            else:
                out[p.name] = type(p.low)(min(max(v, p.low), p.high))
        return self.space.validate(out, fill_defaults=True)

    def describe(self) -> str:
        """One line: what was narrowed and fixed."""
        if self.fallback:
            return "learned space: fallback to the full space (" + "; ".join(self.notes) + ")"
        changed = []
        for p, q in zip(self.full.params, self.space.params):
            if p.name in self.fixed:
                changed.append(f"{p.name}={_fmt(self.fixed[p.name])} (fixed)")
            elif isinstance(q, Categorical) and len(q.choices) < len(p.choices):
                changed.append(f"{p.name} in {list(q.choices)}")
            elif not isinstance(q, Categorical) and (q.low, q.high) != (p.low, p.high):
                changed.append(f"{p.name} in [{_fmt(q.low)}, {_fmt(q.high)}]")
        return (f"learned space from {len(self.neighbours)} nearest tasks: "
                + (", ".join(changed) if changed else "nothing narrowed"))

    def to_dict(self) -> dict[str, Any]:
        return {"space": self.space.to_dict(), "fallback": self.fallback,
                "neighbours": self.neighbours, "fixed": self.fixed,
                "importance": {k: round(v, 6) for k, v in self.importance.items()},
                "notes": self.notes}


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _top_configs(view: Any, space: SearchSpace, tasks: Sequence[str], top_q: float,
                 min_top: int) -> list[Configuration]:
    pooled: list[Configuration] = []
    for t in tasks:
        configs, y = task_evaluations(view, space, t)
        n = min(len(y), max(int(min_top), math.ceil(top_q * len(y))))
        pooled += [configs[i] for i in np.argsort(-y, kind="stable")[:n]]
    return pooled


def _narrow(p: Hyperparameter, values: list[Any], default: Any, pad: float) -> Hyperparameter:
    """``p`` restricted to the values of the pooled top configurations."""
    if isinstance(p, Categorical):
        seen = {choice_key(v) for v in values}
        kept = tuple(c for c in p.choices if choice_key(c) in seen) or p.choices
        keys = [choice_key(c) for c in kept]
        if choice_key(default) not in keys:
            default = kept[int(np.argmax([sum(choice_key(v) == k for v in values) for k in keys]))]
        return Categorical(p.name, kept, default, p.condition)
    if not values:
        return p
    u = [p.to_unit(v) for v in values]
    low = min(p.from_unit(max(0.0, min(u) - pad)), min(values))
    high = max(p.from_unit(min(1.0, max(u) + pad)), max(values))
    if isinstance(p, Integer):
        low, high = int(low), int(high)
        if low == high:
            low, high = (low - 1, high) if low > p.low else (low, high + 1)
        return Integer(p.name, low, high, int(min(max(default, low), high)), p.log, p.condition)
    if not low < high:
        return p
    return Float(p.name, float(low), float(high), float(min(max(default, low), high)), p.log,
                 p.condition)


def learn_space(space: SearchSpace, view: Any, neighbours: Sequence[str], *, top_q: float = 0.05,
                min_top: int = 3, pad: float = 0.05, fix_below: float = 0.02,
                max_fixed: int | None = None,
                min_neighbours: int = 3, min_evaluations: int = 10, n_trees: int = 32,
                seed: int = 0) -> LearnedSpace:
    """Narrow ``space`` to the good regions of the ``neighbours`` (task ids of ``view``).

    Parameters
    ----------
    space : SearchSpace
    view : RepositoryView
    neighbours : sequence of str
        The nearest prior tasks, nearest first.
    top_q : float, default=0.05
        Share of each neighbour's evaluations counted as its good region.
    min_top : int, default=3
        At least this many configurations per neighbour.
    pad : float, default=0.05
        Widening of each numeric range on each side, in units of the full unit interval.
    fix_below : float, default=0.02
        Main-effect share below which a parameter is fixed at its learned default
        (0 fixes nothing).
    max_fixed : int, optional
        At most this many parameters are fixed (default: a third of them, rounded down).
    min_neighbours : int, default=3
        Fewer usable neighbours: fall back to the full space.
    min_evaluations, n_trees, seed :
        Surrogate settings (:func:`~metaknow.importance.surrogates.fit_surrogates`).

    Returns
    -------
    LearnedSpace
    """
    from metaknow.importance.analysis import importance_of
    from metaknow.importance.tunability import learned_default

    known = [t for t in neighbours if t in view.performance.index]
    usable = [t for t in known if len(task_evaluations(view, space, t)[1]) >= min_evaluations]
    if len(usable) < min_neighbours:
        return LearnedSpace(space, space, True, usable, notes=[
            f"{len(usable)} nearest task(s) with {min_evaluations}+ evaluations, "
            f"fewer than {min_neighbours}"])
    surrogates, notes = fit_surrogates(view, space, usable, min_evaluations=min_evaluations,
                                       n_trees=n_trees, seed=seed)
    shares = importance_of(surrogates, "fanova", pairs=False)
    imp = {c: float(shares[c].median()) for c in shares.columns}
    star = from_unit(space, learned_default(surrogates, seed=seed)[0])
    pooled = _top_configs(view, space, usable, top_q, min_top)
    cap = len(space) // 3 if max_fixed is None else int(max_fixed)
    weak = sorted((v, n) for n, v in imp.items() if v < fix_below and n in star)
    to_fix = {n for _, n in weak[:cap]}
    params: list[Hyperparameter] = []
    fixed: dict[str, Any] = {}
    for p in space.params:
        active = [c[p.name] for c in pooled if p.name in c]
        default = star.get(p.name, p.default)
        if p.name in to_fix:
            fixed[p.name] = default = _in_range(p, default)
            params.append(Categorical(p.name, (default,), default, p.condition))
        else:
            params.append(_narrow(p, active, default, pad))
    digest = hashlib.sha256(json.dumps([q.to_dict() for q in params], default=str)
                            .encode()).hexdigest()[:8]
    learned = SearchSpace(space.name, space.task, tuple(params), f"{space.version}-learned-{digest}",
                          dict(space.fixed))
    return LearnedSpace(learned, space, False, usable, fixed, imp, notes)


def _in_range(p: Hyperparameter, value: Any) -> Any:
    return value if isinstance(p, Categorical) else p.check(value)
