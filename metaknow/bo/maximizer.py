"""Acquisition maximisers: which configuration to evaluate next.

:class:`LocalAndRandomSearch` (SMAC's ``LocalAndSortedRandomSearch`` idea) scores a batch
of random configurations, then hill-climbs from the best evaluated configurations and
the best random ones through one-parameter moves, and returns candidates best first.
Moves follow :meth:`metaknow.space.SearchSpace.neighbours` — a Gaussian step of
``scale`` on one numeric parameter or a switch to another choice of one categorical,
children that become active take a random value — but are generated on whole arrays of
vector forms at once, which keeps the optimiser's own overhead to milliseconds.

``maximize(..., fixed=(i, k))`` searches one branch only: categorical parameter ``i``
stays at choice ``k`` (random candidates, starts and moves alike).

:class:`RandomInterleaving` decides, at a set share, to propose a purely random
configuration instead (keeps exploring where the surrogate is confidently wrong).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Callable

import numpy as np

from metaknow.space import Categorical, Configuration, SearchSpace, config_hash

__all__ = ["AcquisitionMaximizer", "LocalAndRandomSearch", "RandomInterleaving",
           "random_vectors", "fix_activity", "neighbour_moves"]

Score = Callable[[np.ndarray], np.ndarray]  # vectors -> acquisition value (larger is better)


def random_vectors(space: SearchSpace, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` uniformly random vector forms with inactive parameters set to NaN."""
    sizes = space.cat_sizes
    V = rng.random((n, len(space)))
    for i in np.flatnonzero(sizes):
        V[:, i] = rng.integers(sizes[i], size=n)
    return fix_activity(space, V, rng)


_PLANS: dict[int, tuple[SearchSpace, list[tuple[int, np.ndarray | None]]]] = {}


def _activity_plan(space: SearchSpace) -> list[tuple[int, np.ndarray | None]]:
    """Per parameter: (parent index or -1, which parent choices activate it, if categorical)."""
    cached = _PLANS.get(id(space))
    if cached is not None and cached[0] is space:
        return cached[1]
    names = space.names
    plan: list[tuple[int, np.ndarray | None]] = []
    for p in space.params:
        if p.condition is None:
            plan.append((-1, None))
            continue
        j = names.index(p.condition.parent)
        parent = space.params[j]
        ok = (np.array([c in p.condition.values for c in parent.choices], dtype=bool)
              if isinstance(parent, Categorical) else None)
        plan.append((j, ok))
    if len(_PLANS) > 64:  # spaces are few; keep the cache small anyway
        _PLANS.clear()
    _PLANS[id(space)] = (space, plan)
    return plan


_ARRAYS: dict[int, tuple[SearchSpace, np.ndarray, np.ndarray]] = {}


def _space_arrays(space: SearchSpace) -> tuple[np.ndarray, np.ndarray]:
    """(choices per parameter, 0 if numeric; whether other parameters depend on it)."""
    cached = _ARRAYS.get(id(space))
    if cached is not None and cached[0] is space:
        return cached[1], cached[2]
    parents = np.zeros(len(space), dtype=bool)
    parents[[j for j, _ in _activity_plan(space) if j >= 0]] = True
    if len(_ARRAYS) > 64:
        _ARRAYS.clear()
    _ARRAYS[id(space)] = (space, space.cat_sizes, parents)
    return space.cat_sizes, parents


def fix_activity(space: SearchSpace, V: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Set inactive entries to NaN; give newly active (NaN) entries a random value."""
    V = V.copy()
    has_nan = np.isnan(V).any(axis=0)
    for i, (p, (j, ok)) in enumerate(zip(space.params, _activity_plan(space))):
        if j < 0:
            if not has_nan[i]:
                continue  # always active and set: nothing to do
            active = np.ones(len(V), dtype=bool)
        else:
            col = V[:, j]
            off = np.isnan(col)
            if ok is not None:
                active = ~off & ok[np.where(off, 0, col).astype(int)]
            else:
                parent = space.params[j]
                cond = p.condition.values  # type: ignore[union-attr]
                active = np.array([not np.isnan(u) and parent.from_unit(u) in cond for u in col],
                                  dtype=bool)
            V[~active, i] = np.nan
        fill = active & np.isnan(V[:, i])
        if fill.any():
            V[fill, i] = (rng.integers(len(p.choices), size=fill.sum()) if isinstance(p, Categorical)
                          else rng.random(fill.sum()))
    return V


def neighbour_moves(space: SearchSpace, V: np.ndarray, rng: np.random.Generator, per_row: int,
                    scale: float, frozen: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``per_row`` one-parameter moves of every row of ``V``; returns (moves, row of origin).

    The rows of ``V`` must be consistent (NaN exactly where a parameter is inactive), as
    :func:`random_vectors`, :func:`fix_activity` and ``SearchSpace.to_vector`` give them.

    ``frozen`` (boolean mask over the parameters) marks parameters no move may change.
    """
    rows = np.repeat(np.arange(len(V)), per_row)
    M = V[rows]
    sizes, parents = _space_arrays(space)
    active = ~np.isnan(M)
    if frozen is not None:
        active &= ~frozen
    # pick one active parameter per move (uniformly among the active ones)
    keys = np.where(active, rng.random(M.shape), -1.0)
    col = keys.argmax(axis=1)
    at = np.arange(len(M)) * M.shape[1] + col  # the moved entry of each row, in M.ravel()
    flat = M.reshape(-1)
    k = sizes[col]
    is_cat = k > 0
    # categorical: switch to another choice
    cat_at, k = at[is_cat], k[is_cat]
    cur = flat[cat_at]
    shift = 1 + np.floor(rng.random(len(cat_at)) * np.maximum(k - 1, 1))
    flat[cat_at] = np.where(k > 1, (cur + shift) % np.maximum(k, 1), cur)
    # numeric: Gaussian step in the unit interval
    num_at = at[~is_cat]
    flat[num_at] = np.minimum(np.maximum(flat[num_at] + rng.normal(0.0, scale, len(num_at)),
                                         0.0), 1.0)
    if frozen is not None:  # rows with nothing left to move stay where they are
        stuck = ~active.any(axis=1)
        M[stuck] = V[rows[stuck]]
    # only a move of a parameter others are conditioned on can switch activity (the rows
    # of V are consistent); fixing just those rows makes the same random draws
    switch = np.flatnonzero(parents[col])
    if len(switch):
        M[switch] = fix_activity(space, M[switch], rng)
    return M, rows


class AcquisitionMaximizer(ABC):
    """Finds vector forms of high acquisition value.

    ``maximize`` returns candidate vectors sorted best first (possibly with duplicates of
    configurations already evaluated: the optimiser skips those).
    """

    @abstractmethod
    def maximize(self, space: SearchSpace, score: Score, starts: np.ndarray,
                 rng: np.random.Generator, fixed: tuple[int, int] | None = None) -> np.ndarray:
        """Candidates best first; ``starts`` are vector forms of the best evaluated configs.

        ``fixed = (i, k)`` restricts the search to configurations whose categorical
        parameter ``i`` takes its ``k``-th choice (a branch of the space).
        """


class LocalAndRandomSearch(AcquisitionMaximizer):
    """Random sampling plus hill-climbing local search.

    Parameters
    ----------
    n_random : int
        Random configurations scored per call.
    n_starts : int
        Local searches run from the best ``n_starts`` evaluated configurations and the
        best ``n_starts`` random ones.
    n_neighbours : int
        Moves tried per search and step.
    max_steps : int
        Hill-climbing steps at most (a search stops earlier when no move improves).
    scale : float
        Standard deviation of a numeric move in the unit interval.
    plateau_steps : int
        Consecutive moves to an equally good neighbour allowed (a tree surrogate is
        piecewise constant: without them a search stops at the first flat region).
    """

    def __init__(self, n_random: int = 1000, *, n_starts: int = 5, n_neighbours: int = 16,
                 max_steps: int = 20, scale: float = 0.2, plateau_steps: int = 5) -> None:
        self.n_random = n_random
        self.n_starts = n_starts
        self.n_neighbours = n_neighbours
        self.max_steps = max_steps
        self.scale = scale
        self.plateau_steps = plateau_steps

    def maximize(self, space: SearchSpace, score: Score, starts: np.ndarray,
                 rng: np.random.Generator, fixed: tuple[int, int] | None = None) -> np.ndarray:
        R = random_vectors(space, rng, self.n_random)
        frozen = None
        if fixed is not None:
            i, k = fixed
            R[:, i] = k
            R = fix_activity(space, R, rng)
            starts = starts[starts[:, i] == k] if len(starts) else starts
            frozen = np.zeros(len(space), dtype=bool)
            frozen[i] = True
        r_score = score(R)
        top = np.argsort(-r_score, kind="stable")[: self.n_starts]
        S = np.vstack([starts[: self.n_starts], R[top]]) if len(starts) else R[top]
        s_score = score(S)
        all_V, all_s = [R, S], [r_score, s_score]
        live = np.ones(len(S), dtype=bool)
        flat = np.zeros(len(S), dtype=int)
        for _ in range(self.max_steps):
            if not live.any():
                break
            idx = np.flatnonzero(live)
            M, _ = neighbour_moves(space, S[idx], rng, self.n_neighbours, self.scale, frozen)
            m_score = score(M)
            all_V.append(M)
            all_s.append(m_score)
            per = m_score.reshape(len(idx), self.n_neighbours)  # moves are grouped by search
            best = per.max(axis=1)
            first = np.argmax(per == best[:, None], axis=1)  # first move reaching the best
            cur = s_score[idx]
            better = best > cur
            move = better | ((best == cur) & (flat[idx] < self.plateau_steps))
            go = idx[move]
            flat[go] = np.where(better[move], 0, flat[go] + 1)
            S[go] = M[np.flatnonzero(move) * self.n_neighbours + first[move]]
            s_score[go] = best[move]
            live[idx[~move]] = False
        V = np.vstack(all_V)
        s = np.concatenate(all_s)
        return V[np.argsort(-s, kind="stable")]


class RandomInterleaving:
    """Propose a purely random configuration with probability ``share``."""

    def __init__(self, share: float = 0.2) -> None:
        if not 0.0 <= share <= 1.0:
            raise ValueError("share must lie in [0, 1]")
        self.share = share

    def use_random(self, rng: np.random.Generator) -> bool:
        return bool(rng.random() < self.share)


def first_new(space: SearchSpace, candidates: np.ndarray, taken: set[str],
              limit: int = 2000) -> Configuration | None:
    """The first candidate whose configuration is not in ``taken`` (by hash), or None."""
    seen: set[bytes] = set()
    for vec in candidates[:limit]:
        key = vec.tobytes()
        if key in seen:  # the same vector again (local searches revisit points)
            continue
        seen.add(key)
        config = space.validate(space.from_vector(vec), fill_defaults=True)
        if config_hash(config) not in taken:
            return config
    return None
