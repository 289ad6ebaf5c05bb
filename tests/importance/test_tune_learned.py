"""``tune(..., learned_space=True)`` on real LightGBM fits, learned from a real store."""

from __future__ import annotations

import json

import pytest

from metaknow.exceptions import TuneError
from metaknow.space import SearchSpace
from metaknow.tune import tune


def test_tuning_stays_inside_the_learned_space_and_resumes(store_path, tmp_path) -> None:
    out = tmp_path / "run"
    kw = dict(space="lightgbm", warm_start=3, cv=2, repository=str(store_path), out=out,
              learned_space=True, refit=False)
    first = tune("sklearn:breast_cancer", budget=5, **kw)
    run = json.loads((out / "run.json").read_text())
    learned = SearchSpace.from_dict(run["learned_space_definition"])
    assert any(n.startswith("learned space from 5 nearest tasks") for n in first.notes)
    assert "-learned-" in learned.version
    lr = learned["learning_rate"]
    assert lr.high < 0.5  # the optima lie at u <= 0.8 of the log range: the top is cut
    for trial in first.run_history:
        assert learned.is_valid(trial.config)
    again = tune("sklearn:breast_cancer", budget=7, **kw)  # resumes in the same learned space
    assert len(again.history) == 7
    assert json.loads((out / "run.json").read_text())["learned_space_definition"] == run[
        "learned_space_definition"]
    for trial in again.run_history:
        assert learned.is_valid(trial.config)


def test_learned_space_refuses_priors_and_transfer() -> None:
    with pytest.raises(TuneError, match="cannot be combined with priors or transfer"):
        tune("sklearn:iris", budget=3, learned_space=True, transfer=True)
