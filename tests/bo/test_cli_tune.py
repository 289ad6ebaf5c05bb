"""``metaknow tune`` end to end through cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cli


def test_tune_end_to_end_and_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    argv = ["tune", "sklearn:breast_cancer", "--budget", "4", "--warm-start", "0", "--cv", "3",
            "--out", str(out), "--no-progress"]
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert "best roc_auc" in text and "Best configuration" in text
    for name in ("history.jsonl", "history.csv", "best_config.json", "anytime.png", "run.json"):
        assert (out / name).exists(), name
    assert (out / "anytime.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    best = json.loads((out / "best_config.json").read_text())
    assert best["space"] == "lightgbm/classification" and best["metric"] == "roc_auc"
    first_lines = (out / "history.jsonl").read_text().splitlines()
    assert len(first_lines) == 4
    # rerun with a larger budget: resumes, keeps the first four trials as they were
    argv[3] = "6"
    assert cli.main(argv + ["--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_trials"] == 6 and summary["best_config"] == json.loads(
        (out / "best_config.json").read_text())["config"]
    lines = (out / "history.jsonl").read_text().splitlines()
    assert lines[:4] == first_lines and len(lines) == 6
    assert [json.loads(line)["trial_id"] for line in lines] == list(range(6))


@pytest.mark.parametrize("extra, message", [
    (["--budget", "0"], "--budget must be a positive number of trials"),
    (["--budget", "-5"], "--budget must be a positive number of trials"),
    (["--n-jobs", "0"], "--n-jobs must be at least 1"),
    (["--time-limit", "0"], "--time-limit must be positive"),
    (["--space", "nope"], "unknown space"),
    (["--metric", "f1"], "unknown classification metric"),
])
def test_bad_arguments_give_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                extra: list[str], message: str) -> None:
    code = cli.main(["tune", "sklearn:iris", "--warm-start", "0", "--no-progress",
                     "--out", str(tmp_path / "x"), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["tune", str(tmp_path / "nope.csv"), "--no-progress",
                     "--out", str(tmp_path / "o")]) == 2
    assert "error" in capsys.readouterr().err
