"""The ask/tell example in the Optimizer docstring runs and holds."""

from __future__ import annotations

import doctest

import metaknow.bo.optimizer


def test_optimizer_docstring_example() -> None:
    result = doctest.testmod(metaknow.bo.optimizer, verbose=False)
    assert result.attempted > 0 and result.failed == 0
