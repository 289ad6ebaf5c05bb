"""Our OpenML-named landmarkers rank the matched OpenML100 tasks like OpenML's (issue 7).

Needs ``../shared`` (the corpus and OpenML's published qualities); skipped without it.
Goal: Spearman >= 0.9 per landmarker quality. Some OpenML columns mix two definitions:
its engine lost the learner options after the first dataset of each run, so most tasks
published Weka's defaults and a few the named options (see ``metafeatures.landmarking``).
For those the goal is asserted on the tasks that published the definition we implement
(``spearman_same``); the all-task figure is printed by ``python -m
metafeatures.openml_landmarkers``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from metafeatures.landmarking import LANDMARKERS
from metafeatures.openml_landmarkers import GOAL, TOLERANCE

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
QUALITIES = [n for lm in LANDMARKERS if lm.openml for n in lm.output_names()]

#: Columns whose published values mix OpenML's two definitions (see module docstring).
MIXED = ("RandomTreeDepth", "CfsSubsetEval_")

#: Qualities that miss the goal, and why (kept honest: the test fails if one starts passing).
KNOWN_MISSES: dict[str, str] = {}

pytestmark = [pytest.mark.shared, pytest.mark.slow]


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, object]]:
    if not (SHARED / "data" / "corpus").is_dir():
        pytest.skip(f"no shared data at {SHARED} (corpus and OpenML qualities needed)")
    from metafeatures.openml_agreement import load_qualities
    from metafeatures.openml_landmarkers import landmarker_values, spearman_table

    ours = landmarker_values(SHARED)
    return {r["quality"]: r for r in spearman_table(ours, load_qualities(SHARED))}


@pytest.mark.parametrize("quality", QUALITIES)
def test_landmarker_ranks_tasks_like_openml(table, quality: str) -> None:
    row = table[quality]
    assert row["n"] >= 20, f"only {row['n']} matched tasks"
    mixed = quality.startswith(MIXED)
    rho = row["spearman_same"] if mixed else row["spearman"]
    if quality in KNOWN_MISSES:
        assert rho < GOAL - TOLERANCE, f"{quality} reaches {rho:.3f}: drop it from KNOWN_MISSES"
        pytest.xfail(KNOWN_MISSES[quality])
    assert rho >= GOAL - TOLERANCE, f"{quality}: Spearman {rho:.3f} < {GOAL} over {row['n']} tasks"
