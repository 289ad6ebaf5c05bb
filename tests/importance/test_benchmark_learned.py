"""``metaknow-learned10`` in ``metaknow benchmark warm-start``: a tiny real run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cli import main
import metaknow.benchmarking.warm_start  # noqa: F401 - registers the metaknow methods
from metaknow.benchmarking.methods import METHODS, uses_learned, uses_nearest


def test_learned_method_is_registered_as_a_nearest_tasks_method() -> None:
    assert "metaknow-learned10" in METHODS
    assert uses_learned("metaknow-learned10") and uses_nearest("metaknow-learned10")
    assert not uses_learned("metaknow-warm10")


def test_small_run(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["benchmark", "warm-start", "--datasets", "labor", "--spaces", "lightgbm",
            "--methods", "metaknow-learned10,metaknow-warm10", "--seeds", "1", "--budget", "3",
            "--corpus", str(corpus), "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "labor: learned space from 5 nearest tasks" in out
    run_dir = tmp_path / "runs" / "lightgbm" / "labor"
    learned = pd.read_csv(run_dir / "metaknow-learned10__seed0.csv")
    warm = pd.read_csv(run_dir / "metaknow-warm10__seed0.csv")
    assert len(learned) == 3 and learned["score"].between(0, 1).all()
    # Projected into the learned space, the warm start differs from the plain one
    # wherever it fixes or cuts a parameter the recommendations set otherwise.
    assert len(warm) == 3
