"""The command line as a newcomer meets it: every command documents an example, and
every user mistake ends in one clear line and a non-zero exit (never a traceback)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

import cli


def _commands() -> list[list[str]]:
    """Every command and sub-command path, e.g. ["repository", "build"]."""
    out: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if path:
            out.append(path)
        for action in subs:
            for name, child in action.choices.items():
                walk(child, path + [name])

    walk(cli.build_parser(), [])
    return out


def test_every_planned_command_is_registered() -> None:
    top = {p[0] for p in _commands()}
    assert top == set(cli.COMMANDS)


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p))
def test_help_shows_an_example(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(path + ["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "example" in text.lower(), f"`metaknow {' '.join(path)} --help` shows no example"


@pytest.fixture()
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    rows = ["a,b,label"] + [f"{i},{i % 3},{'yes' if i % 2 else 'no'}" for i in range(30)]
    path.write_text("\n".join(rows) + "\n")
    return path


MISTAKES = [
    ("missing file", ["metafeatures", "{missing}"], "no such file"),
    ("wrong target", ["metafeatures", "{csv}", "--target", "nope"], "target 'nope'"),
    ("unsupported format", ["metafeatures", "{xlsx}", "--target", "x"], "unsupported format"),
    ("no target for csv", ["metafeatures", "{csv}"], "no target"),
    ("unknown space (recommend)", ["recommend", "{csv}", "--target", "label", "--space", "nonsense"],
     "nonsense"),
    ("unknown space (tune)", ["tune", "{csv}", "--target", "label", "--space", "nonsense",
                              "--budget", "2"], "nonsense"),
    ("budget of 0", ["tune", "{csv}", "--target", "label", "--space", "lightgbm", "--budget", "0"],
     "budget"),
    ("missing file (tune)", ["tune", "{missing}", "--target", "label"], "no such file"),
    ("missing repository", ["recommend", "{csv}", "--target", "label", "--repository",
                            "{missing_db}"], "missing.sqlite"),
]


@pytest.mark.parametrize("what,argv,needle", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_user_mistakes_give_one_line_and_exit_2(what: str, argv: list[str], needle: str,
                                                csv_file: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    xlsx = tmp_path / "data.xlsx"
    xlsx.write_bytes(b"PK\x03\x04 not really a spreadsheet")
    subst = {"{csv}": str(csv_file), "{missing}": str(tmp_path / "missing.csv"),
             "{xlsx}": str(xlsx), "{missing_db}": str(tmp_path / "missing.sqlite")}
    code = cli.main([subst.get(a, a) for a in argv])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert needle.lower() in err.lower()
    assert "Traceback" not in err


def test_a_real_process_exits_non_zero_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "cli", "metafeatures", str(tmp_path / "nope.csv")],
                          capture_output=True, text=True, cwd=Path(cli.__file__).parent)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "no such file" in proc.stderr
    assert "Traceback" not in proc.stderr
