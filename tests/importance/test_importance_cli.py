"""``metaknow importance`` end to end through cli.main, on a real SQLite store built here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cli


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["importance", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_table_puts_the_learning_rate_first(store_path, capsys, tmp_path) -> None:
    plot = tmp_path / "imp.png"
    code, out, err = run(capsys, "lightgbm", "--repository", str(store_path), "--plot", str(plot),
                         "--top", "5")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("lightgbm/classification: fanova variance shares over 6 tasks")
    assert lines[1].split() == ["parameter(s)", "median", "q25", "q75", "mean", "tasks"]
    assert lines[3].split()[0] == "learning_rate" and float(lines[3].split()[1]) > 0.9
    assert len([ln for ln in lines if ln and not ln.startswith(("note", "plot", "-"))]) == 2 + 5
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_json_shape_with_tunability(store_path, capsys) -> None:
    code, out, err = run(capsys, "lightgbm", "--repository", str(store_path), "--format", "json",
                         "--no-pairs", "--tunability", "--task", "synth0", "--task", "synth4")
    assert code == 0, err
    d = json.loads(out)
    assert d["method"] == "fanova" and d["space"] == "lightgbm/classification"
    assert d["n_tasks"] == 2 and set(d["per_task"]) == {"synth0", "synth4"}
    assert all(len(row["parameters"]) == 1 for row in d["summary"])  # no pairs asked for
    assert {"median", "q25", "q75", "mean", "n_tasks", "kind"} <= set(d["summary"][0])
    assert d["summary"][0]["parameters"] == ["learning_rate"]
    assert set(d["tunability"]["learned_default"]) >= {"learning_rate", "num_leaves"}


def test_total_effect_method(store_path, capsys) -> None:
    code, out, err = run(capsys, "lightgbm", "--repository", str(store_path), "--method",
                         "total_effect", "--format", "json")
    assert code == 0, err
    d = json.loads(out)
    assert d["method"] == "total_effect" and d["summary"][0]["parameters"] == ["learning_rate"]


def test_near_a_dataset_uses_its_nearest_tasks(store_path, capsys) -> None:
    code, out, err = run(capsys, "lightgbm", "--repository", str(store_path), "--near",
                         "sklearn:iris", "--n-near", "3", "--no-pairs")
    assert code == 0, err
    assert "over 3 tasks" in out.splitlines()[0]
    assert "note: the 3 prior tasks nearest to sklearn:iris: synth" in out


@pytest.mark.parametrize("argv, message", [
    (["nope"], "unknown space 'nope'; known spaces:"),
    (["random_forest"], "no classification evaluations of space 'random_forest'"),
    (["lightgbm", "--task", "nope"], "unknown task 'nope': the repository holds 6 tasks"),
    (["lightgbm", "--top", "0"], "--top must be at least 1"),
])
def test_mistakes_give_one_line_and_exit_2(store_path, capsys, argv, message) -> None:
    code, out, err = run(capsys, *argv, "--repository", str(store_path))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("metaknow importance: error: ")
    assert message in err


def test_a_real_process_fails_without_traceback(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, str(root / "cli.py"), "importance", "nope"],
                          capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin",
                               "METAKNOW_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "unknown space 'nope'" in proc.stderr
