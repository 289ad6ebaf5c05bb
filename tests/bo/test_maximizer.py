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
