"""Fixtures of the BO tests (problems live in bo_problems.py)."""

from __future__ import annotations

import pytest
from bo_problems import BRANIN_SPACE, MIXED_SPACE

from metaknow.space import SearchSpace


@pytest.fixture(scope="session")
def branin_space() -> SearchSpace:
    return BRANIN_SPACE


@pytest.fixture(scope="session")
def mixed_space() -> SearchSpace:
    return MIXED_SPACE
