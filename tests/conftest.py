"""Fixtures shared by every test folder: the ../shared data beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CORPUS = SHARED / "data" / "corpus"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder (``manifest.csv`` + datasets); skips when it is absent."""
    if not (CORPUS / "manifest.csv").is_file():
        pytest.skip(f"shared corpus not found at {CORPUS} (needs ../shared beside the checkout)")
    return CORPUS
