"""TaskScorer: configurations the repository never ran, scored by the repository's own protocol."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from metaknow.benchmarking.task_scores import TaskScorer
from metaknow.exceptions import MetaknowError
from metaknow.recommend import open_view


@pytest.fixture(scope="module")
def view():
    return open_view("bundled", "lightgbm", "classification", None)


def _task(view, name: str) -> str:
    return view.tasks.index[view.tasks["name"] == name][0]


def test_a_fresh_evaluation_reproduces_the_stored_score(corpus: Path, tmp_path: Path, view) -> None:
    scorer = TaskScorer(corpus, tmp_path / "evaluations.csv")
    task = _task(view, "labor")
    for cid in list(view.performance.columns[:2]) + [view.defaults["lightgbm/classification"]]:
        scorer.check("labor", "lightgbm", view.configurations[cid][1],
                     float(view.performance.loc[task, cid]))
    with pytest.raises(MetaknowError, match="protocols differ"):
        scorer.check("labor", "lightgbm", view.configurations[cid][1], 0.123)


def test_results_are_cached_on_disk_and_reused(corpus: Path, tmp_path: Path, view) -> None:
    cache = tmp_path / "evaluations.csv"
    params = dict(view.configurations[view.performance.columns[5]][1], learning_rate=0.0123)
    first = TaskScorer(corpus, cache).score("labor", "lightgbm", params)
    rows = pd.read_csv(cache)
    assert len(rows) == 1 and rows["score"].iloc[0] == pytest.approx(first, abs=1e-6)
    again = TaskScorer(corpus, cache)
    assert again.score("labor", "lightgbm", params) == pytest.approx(first, abs=1e-6)
    assert again._problems == {}  # answered from the file: the dataset was never loaded
    assert len(pd.read_csv(cache)) == 1


def test_unknown_task_is_one_line(corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(MetaknowError, match="not in"):
        TaskScorer(corpus, tmp_path / "e.csv").score("no-such-task", "lightgbm", {})
