"""Tunability and data-driven defaults on a landscape where only the learning rate matters."""

from __future__ import annotations

import numpy as np
import pytest

from metaknow.importance.analysis import importance
from metaknow.importance.tunability import ALL, tunability

from importance_landscape import OPTIMA, SPACE


def test_only_the_learning_rate_matters(view) -> None:
    r = importance(SPACE, view, pairs=False)
    assert r.summary.index[0] == "learning_rate"
    assert r.summary.loc["learning_rate", "median"] > 0.9
    others = r.summary.drop(index="learning_rate")
    assert (others["median"] < 0.02).all()


def test_tunability_known_answer(view) -> None:
    # Optima 0.2..0.3 and 0.7..0.8: the best default on average sits at u = 0.5 (the
    # mean of the optima); tuning the learning rate from there gains (0.5 - o)^2 on each
    # task: 0.09, 0.0625, 0.04, 0.04, 0.0625, 0.09 -> median 0.0625.
    r = tunability(SPACE, view, grid=64)
    u = SPACE["learning_rate"].to_unit(r.default["learning_rate"])
    assert u == pytest.approx(0.5, abs=0.06)
    gains = r.per_task["learning_rate"].to_numpy()
    expected = np.array([(0.5 - o) ** 2 for o in OPTIMA])
    assert gains == pytest.approx(expected, abs=0.015)
    assert r.summary.index[0] in ("learning_rate", ALL)
    assert r.summary.loc["learning_rate", "median"] == pytest.approx(0.0625, abs=0.015)
    for name in ("num_leaves", "subsample", "max_bin", "reg_alpha"):
        assert r.summary.loc[name, "median"] < 0.005
    assert r.summary.loc["learning_rate", "share"] > 0.9
    # LightGBM's default learning rate 0.1 sits at u = 0.68: the learned default gains.
    assert r.default_vs_library > 0


def test_tunability_json_round_trip(view) -> None:
    import json

    d = json.loads(tunability(SPACE, view, n_candidates=256).to_json())
    assert set(d["learned_default"]) == set(SPACE.names)
    assert {row["parameter"] for row in d["summary"]} == set(SPACE.names) | {ALL}


def test_unknown_task_is_a_one_line_repository_error(view) -> None:
    from metaknow.exceptions import RepositoryError

    with pytest.raises(RepositoryError, match="unknown task\\(s\\) nope: not in the repository's 6 tasks"):
        importance(SPACE, view, ["t0", "nope"])
