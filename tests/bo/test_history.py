"""Run history: append-only JSONL, torn lines, resume, atomic JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from metaknow.bo.history import RunHistory, Trial, read_json, write_json_atomic
from metaknow.exceptions import TuneError


def _trial(i: int, cost: float, status: str = "ok") -> Trial:
    return Trial(i, {"x": float(i)}, [] if status == "crash" else [cost, cost], cost, status)


def test_round_trip_and_incumbent(tmp_path: Path) -> None:
    h = RunHistory(tmp_path)
    h.add(_trial(0, 3.0))
    h.add(_trial(1, math.inf, "crash"))
    h.add(_trial(2, 1.0, "raced"))
    h.add(_trial(3, 2.0))
    again = RunHistory(tmp_path)
    assert [t.trial_id for t in again] == [0, 1, 2, 3]
    assert again[1].cost == math.inf and again[1].failed
    assert again.incumbent().trial_id == 3  # raced trials never become the incumbent
    assert list(again.training_costs()) == [3.0, 3.0, 1.0, 2.0]  # crash -> worst seen
    assert again.next_id == 4 and again.contains({"x": 2.0})
    frame = again.to_frame()
    assert list(frame["best_cost"]) == [3.0, 3.0, 3.0, 2.0]


def test_torn_last_line_is_dropped_and_the_file_repaired(tmp_path: Path) -> None:
    h = RunHistory(tmp_path)
    h.add(_trial(0, 1.0))
    with open(h.path, "a") as fh:
        fh.write('{"trial_id": 1, "config": {"x"')  # killed mid-write
    resumed = RunHistory(tmp_path)
    assert len(resumed) == 1
    resumed.add(_trial(1, 0.5))
    lines = h.path.read_text().splitlines()
    assert [json.loads(line)["trial_id"] for line in lines] == [0, 1]


def test_foreign_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "history.jsonl").write_text("not json\n")
    with pytest.raises(TuneError, match="not a metaknow run history"):
        RunHistory(tmp_path)


def test_output_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(TuneError, match="output"):
        RunHistory(target)


def test_atomic_json(tmp_path: Path) -> None:
    write_json_atomic(tmp_path / "a.json", {"b": 1})
    write_json_atomic(tmp_path / "a.json", {"b": 2})
    assert read_json(tmp_path / "a.json") == {"b": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temporary left behind
