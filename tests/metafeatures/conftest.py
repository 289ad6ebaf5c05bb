"""Shared fixtures for the meta-feature tests: the ../shared data beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
MALFORMED = SHARED / "data" / "malformed"


@pytest.fixture(scope="session")
def malformed() -> Path:
    if not MALFORMED.is_dir():
        pytest.skip(f"needs the shared malformed files at {MALFORMED}")
    return MALFORMED


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "data" / "openml" / "openml100-flows" / "task_qualities.json.gz").exists():
        pytest.skip(f"needs OpenML's task qualities under {SHARED}")
    return SHARED
