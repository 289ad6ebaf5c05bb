"""Acquisition maximiser: conditional activity, local search, skipping taken configurations."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from metaknow.bo.maximizer import LocalAndRandomSearch, neighbour_moves as _moves, first_new, random_vectors
from metaknow.space import SearchSpace, config_hash


def _consistent(space: SearchSpace, V: np.ndarray) -> None:
    """NaN exactly where a parameter is inactive; decoded configs validate strictly."""
    for vec in V:
        config = space.from_vector(vec)
        space.validate(config)  # raises on inactive values or missing active ones
        active = set(space.active(config))
        for name, v in zip(space.names, vec):
            assert (name in active) == (not np.isnan(v))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_vectors_and_moves_respect_conditions(mixed_space: SearchSpace, seed: int) -> None:
    rng = np.random.default_rng(seed)
    V = random_vectors(mixed_space, rng, 20)
    _consistent(mixed_space, V)
    M, rows = _moves(mixed_space, V, rng, 3, 0.2)
    _consistent(mixed_space, M)
    assert len(M) == 60 and list(rows[:3]) == [0, 0, 0]
    # each move changes exactly one parameter that was active in its origin
    # (plus children switched on/off by a categorical parent)
    for m, r in zip(M, rows):
        changed = ~((m == V[r]) | (np.isnan(m) & np.isnan(V[r])))
        assert changed.sum() >= 1 or np.array_equal(m, V[r], equal_nan=True)


def test_local_search_finds_the_maximum_of_a_smooth_score(branin_space: SearchSpace) -> None:
    target = np.array([0.3, 0.8])
    score = lambda V: -np.sum((V - target) ** 2, axis=1)  # noqa: E731
    best = LocalAndRandomSearch(100, max_steps=50, scale=0.05).maximize(
        branin_space, score, np.array([[0.9, 0.1]]), np.random.default_rng(0))
    np.testing.assert_allclose(best[0], target, atol=0.03)


def test_first_new_skips_taken_configurations(branin_space: SearchSpace) -> None:
    V = np.array([[0.5, 0.5], [0.5, 0.5], [0.1, 0.9]])
    taken = {config_hash(branin_space.from_vector(V[0]))}
    config = first_new(branin_space, V, taken)
    assert config == branin_space.from_vector(V[2])
    assert first_new(branin_space, V[:2], taken) is None


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), choice=st.integers(0, 2))
def test_a_branch_search_stays_in_its_branch(mixed_space: SearchSpace, seed: int, choice: int) -> None:
    """``fixed=(i, k)``: every candidate keeps choice k of parameter i, and stays consistent."""
    rng = np.random.default_rng(seed)
    starts = random_vectors(mixed_space, rng, 8)
    score = lambda V: -np.nan_to_num(V, nan=0.5).sum(axis=1)  # noqa: E731
    V = LocalAndRandomSearch(50, max_steps=5).maximize(mixed_space, score, starts, rng,
                                                       fixed=(0, choice))
    assert len(V) > 50 and np.all(V[:, 0] == choice)
    _consistent(mixed_space, V)


def test_a_branch_search_climbs_within_the_branch(mixed_space: SearchSpace) -> None:
    """The best other-branch start cannot pull the search out; the in-branch optimum is found."""
    # score: branch 1 (quadratic) best at depth's unit value 0.8, branch 0 scores higher overall
    def score(V: np.ndarray) -> np.ndarray:
        in_quad = V[:, 0] == 1
        return np.where(in_quad, -np.abs(np.nan_to_num(V[:, 2], nan=0.0) - 0.8), 10.0)

    starts = np.array([[0.0, 0.5, np.nan, 0.5, 0.0, np.nan], [1.0, 0.5, 0.1, np.nan, np.nan, np.nan]])
    V = LocalAndRandomSearch(20, max_steps=30, scale=0.1).maximize(
        mixed_space, score, starts, np.random.default_rng(0), fixed=(0, 1))
    assert V[0, 0] == 1 and abs(V[0, 2] - 0.8) < 0.04
