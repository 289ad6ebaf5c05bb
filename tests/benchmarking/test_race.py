"""The race's protocol on a tiny table with tiny budgets: the test rows stay unseen, a
rerun skips finished cells, result lines parse, bad arguments are one-line errors."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from cli import main
from metaknow.benchmarking.race import cell as race_cell
from metaknow.benchmarking.race.objective import Trace
from metaknow.benchmarking.race.peers import TUNERS, RaceContext
from metaknow.benchmarking.race.results import append_line, finished_cells, read_lines
from metaknow.benchmarking.race.tables import heldout_split, load_race_table


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a 300-row classification table and a 240-row regression table."""
    folder = tmp_path_factory.mktemp("tables")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3))
    cls = pd.DataFrame(x, columns=["a", "b", "c"]).assign(
        colour=rng.choice(["red", "green"], 300),
        label=np.where(x[:, 0] + 0.5 * rng.normal(size=300) > 0, "yes", "no"))
    cls.to_csv(folder / "tiny_cls.csv", index=False)
    z = rng.normal(size=(240, 2))
    pd.DataFrame(z, columns=["u", "v"]).assign(y=z[:, 0] * 2 + rng.normal(size=240)).to_csv(
        folder / "tiny_reg.csv", index=False)
    pd.DataFrame({"name": ["tiny_cls", "tiny_reg"], "file": ["tiny_cls.csv", "tiny_reg.csv"],
                  "target": ["label", "y"], "task": ["classification", "regression"]}).to_csv(
        folder / "manifest.csv", index=False)
    return folder


def _race(tables: Path, out: Path, *extra: str) -> int:
    return main(["benchmark", "race", "--data", str(tables), "--out", str(out), *extra])


def test_the_split_is_seeded_disjoint_and_stratified(tables: Path) -> None:
    first = load_race_table("tiny_cls", [tables], seed=0)
    again = load_race_table("tiny_cls", [tables], seed=0)
    other = load_race_table("tiny_cls", [tables], seed=1)
    assert np.array_equal(first.test_idx, again.test_idx)
    assert not np.array_equal(first.test_idx, other.test_idx)
    assert not set(first.train_idx) & set(first.test_idx)
    assert len(first.train_idx) + len(first.test_idx) == first.full.n_rows
    codes = np.asarray(first.full.y.cat.codes)
    for code in np.unique(codes):
        share = np.mean(codes[first.test_idx] == code) - np.mean(codes == code)
        assert abs(share) < 0.02
    _, test = heldout_split(load_race_table("tiny_reg", [tables], 0).full, 0, 0.25)
    assert len(test) == 60


class _Spy:
    """A tuner that keeps what it was given and proposes the default."""

    name: ClassVar[str] = "spy"
    run_factor: ClassVar[float] = 1.0
    seen: ClassVar[list[Any]] = []

    def run(self, context: RaceContext, seconds: float) -> Trace:
        from metaknow.spaces import get_space

        objective = context.objective
        _Spy.seen.append(objective.train)
        objective.start()
        objective.evaluate(get_space("lightgbm", objective.train.task).default())
        return objective.trace


def test_tuners_never_see_the_test_rows(tables: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(TUNERS, "spy", _Spy)
    _Spy.seen.clear()
    line = race_cell.run_cell({"table": "tiny_cls", "seed": 3, "tuner": "spy", "budget": 30.0,
                               "folders": [str(tables)], "repository": "bundled"})
    split = load_race_table("tiny_cls", [tables], seed=3)
    seen = _Spy.seen[0]
    assert seen.n_rows == len(split.train_idx) == line["n_train"]
    rows = split.full.X.assign(y=split.full.y.astype(str)).round(12)
    test_rows = {tuple(r) for r in rows.iloc[split.test_idx].itertuples(index=False)}
    seen_rows = {tuple(r) for r in seen.X.assign(y=seen.y.astype(str)).round(12).itertuples(index=False)}
    assert not test_rows & seen_rows
    # one incumbent, refitted on the training rows and scored on the test rows, at T/3 and T
    assert set(line["heldout"]) == {"10", "30"} and 0.5 < line["heldout"]["30"] <= 1.0


def test_the_raced_table_is_left_out_of_the_repository() -> None:
    from metaknow.benchmarking.records import own_tasks
    from metaknow.recommend import open_view

    class Named:
        name, task = "letter", "classification"

    full = open_view("bundled", "lightgbm", "classification", None)
    assert own_tasks(full, "letter")
    rest = race_cell.held_out_view("bundled", Named())
    assert not own_tasks(rest, "letter") and len(rest.tasks) == len(full.tasks) - len(own_tasks(full, "letter"))


def test_a_rerun_skips_finished_cells_and_lines_parse(tables: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "race"
    args = ("--tables", "tiny_cls", "tiny_reg", "--budgets", "1", "--seeds", "0",
            "--tuners", "lightgbm-default", "random")
    assert _race(tables, out, *args) == 0
    lines = list(read_lines(out / "results.jsonl"))
    assert {(x["table"], x["tuner"], x["budget"]) for x in lines} == {
        ("tiny_cls", "lightgbm-default", 0.0), ("tiny_cls", "random", 1.0),
        ("tiny_reg", "lightgbm-default", 0.0), ("tiny_reg", "random", 1.0)}
    for x in lines:
        assert x["metric"] == ("roc_auc" if x["table"] == "tiny_cls" else "r2")
        assert x["cpu_seconds"] >= 0 and x["cell_wall_seconds"] > 0 and len(x["load_average"]) == 6
        assert all(isinstance(v, float) for v in x["heldout"].values())
        assert all(len(point) == 2 for point in x["trace"])
    random_cls = next(x for x in lines if x["tuner"] == "random" and x["table"] == "tiny_cls")
    assert random_cls["run_seconds"] == 3.0 and set(random_cls["heldout"]) <= {"0.333333", "1", "3"}
    before = (out / "results.jsonl").read_text()
    capsys.readouterr()
    assert _race(tables, out, *args) == 0
    assert "0 to run" in capsys.readouterr().out
    assert (out / "results.jsonl").read_text() == before


def test_a_cut_line_is_ignored_and_its_cell_rerun(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    good = {"table": "t", "seed": 0, "tuner": "random", "budget": 60.0, "heldout": {"60": math.nan}}
    append_line(path, good)
    with path.open("a") as fh:
        fh.write('{"table": "t", "seed": 1, "tuner": "ran')
    append_line(path, dict(good, seed=2))
    assert finished_cells(path) == {("t", 0, "random", 60.0), ("t", 2, "random", 60.0)}
    assert len(path.read_text().splitlines()) == 3


@pytest.mark.parametrize("extra, message", [
    (("--tuners", "hyperopt"), "unknown tuner 'hyperopt'"),
    (("--tables", "no_such_table"), "table 'no_such_table' is in no manifest.csv"),
    (("--budgets", "-5"), "a budget must be a positive number of seconds"),
    (("--seeds", "-1"), "a seed must be >= 0"),
])
def test_bad_arguments_are_one_line_errors(tables: Path, tmp_path: Path, extra: tuple[str, ...],
                                           message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _race(tables, tmp_path / "race", "--tables", "tiny_cls", *extra) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "race" / "results.jsonl").exists()


def test_a_peer_is_scored_at_t_and_3t_and_metaknow_at_t() -> None:
    assert race_cell.checkpoints(60, 180) == [20, 60, 180]
    assert race_cell.checkpoints(60, 60) == [20, 60]
    assert race_cell.checkpoints(60, 0) == [0.0]
    trace = Trace()
    trace.offer(5.0, 0.7, {"a": 1})
    trace.offer(9.0, 0.6, {"a": 2})
    trace.offer(30.0, 0.8, {"a": 3})
    assert trace.at(4.0) is None and trace.at(20.0).config == {"a": 1}
    assert trace.at(60.0).config == {"a": 3}
    assert json.loads(json.dumps([[i.seconds, i.score] for i in trace.incumbents]))[1] == [30.0, 0.8]


def test_flaml_configurations_become_lightgbm_parameters() -> None:
    from metaknow.benchmarking.race.peers.flaml_automl import flaml_params

    assert flaml_params({"log_max_bin": 8, "FLAML_sample_size": 1000, "num_leaves": 4}) == {
        "max_bin": 255, "num_leaves": 4}
