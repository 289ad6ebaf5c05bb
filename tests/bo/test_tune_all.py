"""``tune --space all``: the algorithm and its configuration tuned together."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import cli
from metaknow.exceptions import SpaceError, TuneError
from metaknow.spaces import get_space, space_names
from metaknow.spaces.joint import ALGORITHM_PARAM, join, joint_space, split
from metaknow.tune import tune


def test_joint_space_is_every_registered_space_behind_an_algorithm_choice() -> None:
    space = joint_space("classification")
    algorithm = space[ALGORITHM_PARAM]
    assert list(algorithm.choices) == space_names("classification")
    assert algorithm.default == "lightgbm"
    assert space.default() == join("lightgbm", get_space("lightgbm", "classification").default())
    svm = get_space("svm", "classification")
    for p in svm.params:
        joint = space[f"svm:{p.name}"]
        if p.condition is None:
            assert (joint.condition.parent, joint.condition.values) == (ALGORITHM_PARAM, ("svm",))
        else:  # a condition inside the space stays, on the renamed parent
            assert joint.condition.parent == f"svm:{p.condition.parent}"
    assert len(space) == 1 + sum(len(get_space(n, "classification"))
                                 for n in space_names("classification"))
    regression = joint_space("regression")
    assert list(regression[ALGORITHM_PARAM].choices) == space_names("regression")


def test_joint_configurations_round_trip_and_encode_inactive_as_nan() -> None:
    space = joint_space("classification")
    knn = {"n_neighbors": 7, "weights": "distance", "p": 1}
    config = space.validate(join("knn", knn))
    assert split(config) == ("knn", knn)
    vec = space.to_vector(config)
    active = [space.names.index(n) for n in config]
    assert np.isfinite(vec[active]).all() and np.isnan(np.delete(vec, active)).all()
    assert space.from_vector(vec) == config
    with pytest.raises(SpaceError, match="inactive"):
        space.validate({**config, "lightgbm:num_leaves": 31})
    for c in space.design(12, seed=1):  # every design point evaluates as its own space
        name, own = split(c)
        assert get_space(name, "classification").validate(own) == own


def test_tune_all_end_to_end_with_resume(tmp_path: Path) -> None:
    out = tmp_path / "all"
    result = tune("sklearn:iris", space="all", budget=4, warm_start=0, cv=2, out=out, seed=0)
    assert result.space == "all/classification"
    origins = list(result.history["origin"])
    assert origins[0] == "default" and result.history["param_algorithm"].iloc[0] == "lightgbm"
    best = json.loads((out / "best_config.json").read_text())
    algorithm, params = split(result.best_config)
    assert best["algorithm"] == algorithm and best["params"] == params
    assert best["config"] == result.best_config
    assert get_space(algorithm, "classification").validate(params) == params
    assert type(result.model.named_steps["model"]).__module__.split(".")[0] in (
        "sklearn", "lightgbm", "metaknow")
    from metaknow.dataset import load_dataset

    ds = load_dataset("sklearn:iris")
    assert (result.model.predict(ds.X) == ds.target_values()).mean() > 0.8
    first = (out / "history.jsonl").read_text().splitlines()
    again = tune("sklearn:iris", space="all", budget=5, warm_start=0, cv=2, out=out, seed=0,
                 refit=False)
    lines = (out / "history.jsonl").read_text().splitlines()
    assert lines[:4] == first and len(lines) == 5 and len(again.history) == 5
    assert any(n.startswith("resumed run in") for n in again.notes)
    assert math.isfinite(again.best_score) and again.best_score >= result.best_score


def test_tune_all_warm_starts_from_cross_space_recommendations() -> None:
    result = tune("sklearn:breast_cancer", space="all", budget=6, warm_start=2, cv=2,
                  refit=False)
    if any(note.startswith("no warm start") for note in result.notes):
        pytest.skip(f"recommender unavailable here: {result.notes}")
    from metaknow.recommend import recommend

    rec = recommend("sklearn:breast_cancer", space="all", k=2, n_nearest=10)
    expected = [join(c.space_key.split("/")[0], c.params) for c in rec.configurations]
    warm = result.history[result.history["origin"] == "warm_start"]
    got = [{k[len("param_"):]: v for k, v in row.items()
            if k.startswith("param_") and v == v} for _, row in warm.iterrows()]
    space = joint_space("classification")
    assert [space.validate(g) for g in got] == [space.validate(e) for e in expected][:len(got)]


def test_cli_tune_space_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli-all"
    assert cli.main(["tune", "sklearn:wine", "--space", "all", "--budget", "3", "--warm-start",
                     "0", "--cv", "2", "--no-progress", "--out", str(out), "--format",
                     "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["space"] == "all/classification"
    assert summary["algorithm"] == summary["best_config"][ALGORITHM_PARAM]
    assert all(f"{summary['algorithm']}:{k}" in summary["best_config"] for k in summary["params"])
    assert (out / "anytime.png").exists()


@pytest.mark.parametrize("kwargs", [{"use_priors": True}, {"transfer": True},
                                    {"learned_space": True}])
def test_tune_all_refuses_single_space_options(kwargs: dict) -> None:
    with pytest.raises(TuneError, match="cannot be combined"):
        tune("sklearn:iris", space="all", budget=2, **kwargs)
