"""What a new user meets (issue 27): target types, run folders, target checks, notes,
CLI wording, semicolon CSVs, file modes, the warm-start cap, the resume message and the
anytime plot."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cli
from metaknow.dataset import MANY_CLASSES, load_dataset
from metaknow.exceptions import DataError, TuneError
from metaknow.rundir import LOCK_FILE, hold_run_dir
from metaknow.tune import tune

ROOT = Path(__file__).resolve().parents[1]


def _frame(n: int = 160, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["y"] = df["a"] > 0
    return df


def _one_line_error(err: str, *needles: str) -> None:
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err


# ------------------------------------------------------------- 1. target values
@pytest.mark.parametrize("convert", [lambda y: y, lambda y: y.astype(int)], ids=["bool", "int"])
def test_tuned_model_predicts_the_users_own_target_values(convert) -> None:
    from sklearn.metrics import accuracy_score

    df = _frame()
    df["y"] = convert(df["y"])
    result = tune(df, target="y", budget=1, warm_start=0, cv=2)
    pred = result.model.predict(df[["a", "b"]])
    assert pred.dtype == df["y"].dtype
    assert accuracy_score(df["y"], pred) > 0.9 and (pred == df["y"].to_numpy()).mean() > 0.9


@pytest.mark.parametrize("values, dtype, expected", [
    (pd.Series([True, False, True]), bool, [False, True]),
    (pd.Series([1, 0, 1]), np.int64, [0, 1]),
    (pd.Series([1, 0, 1], dtype="Int64"), np.int64, [0, 1]),
    (pd.Series(["yes", "no", "yes"]), object, ["no", "yes"]),
    (pd.Series(pd.Categorical([3, 7, 3])), np.int64, [3, 7]),
    (pd.Series([2.0, 1.0, 2.0]), np.float64, [1.0, 2.0]),
])
def test_target_values_keep_the_input_dtype(values: pd.Series, dtype: type,
                                            expected: list) -> None:
    ds = load_dataset((pd.DataFrame({"x": [0.0, 1.0, 2.0]}), values))
    assert ds.task == "classification"
    assert list(ds.label_values) == expected and ds.label_values.dtype == np.dtype(dtype)
    back = ds.target_values()
    assert back.dtype == np.dtype(dtype) and list(back) == list(values.astype(object))


def test_mixed_target_labels_fall_back_to_text() -> None:
    ds = load_dataset((pd.DataFrame({"x": [0.0, 1.0, 2.0]}), pd.Series(["True", False, "True"],
                                                                       dtype=object)))
    assert ds.label_values is None and list(ds.target_values()) == ["True", "False", "True"]


# ----------------------------------------------------------- 2. one run per folder
HOLDER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from metaknow.rundir import hold_run_dir
    with hold_run_dir({out!r}):
        print("held", flush=True)
        time.sleep(120)
""")


def _holder(out: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER.format(root=str(ROOT), out=str(out))],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["exit", "kill-9"])
def test_a_second_run_into_a_folder_in_use_is_refused(tmp_path: Path, stop: int,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    argv = ["tune", "sklearn:iris", "--budget", "1", "--warm-start", "0", "--cv", "2",
            "--no-progress", "--out", str(out)]
    holder = _holder(out)
    try:
        assert cli.main(argv) == 2
        _one_line_error(capsys.readouterr().err, str(out), "another metaknow run holds it",
                        f"pid {holder.pid}")
        assert not (out / "history.jsonl").exists()
    finally:
        holder.send_signal(stop)
        holder.wait()
    assert cli.main(argv) == 0  # the OS released the lock, however the holder ended
    capsys.readouterr()
    argv[3] = "2"
    assert cli.main(argv) == 0  # and a resume gets it too
    assert "resuming run in" in capsys.readouterr().err
    ids = [json.loads(line)["trial_id"] for line in
           (out / "history.jsonl").read_text().splitlines()]
    assert ids == [0, 1]


def test_holding_a_folder_is_reentrant_in_one_process(tmp_path: Path) -> None:
    with hold_run_dir(tmp_path / "r") as path:
        with hold_run_dir(tmp_path / "r"):
            assert (path / LOCK_FILE).read_text().strip() == str(os.getpid())
    holder = _holder(tmp_path / "r")  # released: another process can take it
    holder.kill()
    holder.wait()


# -------------------------------------------------------------- 4. unusable --out
def _unusable(tmp_path: Path, kind: str) -> Path:
    afile = tmp_path / "ok.csv"
    afile.write_text("a,y\n1,0\n")
    if kind == "existing file":
        return afile
    if kind == "under a file":
        return afile / "run"
    if not Path("/proc/self").is_dir():
        pytest.skip("no /proc here")
    return Path("/proc/x")


@pytest.mark.parametrize("kind, message", [("existing file", "is an existing file"),
                                           ("under a file", "is a file, not a folder"),
                                           ("proc", "cannot be created")])
def test_an_unusable_out_is_refused_before_any_work(tmp_path: Path, kind: str, message: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = _unusable(tmp_path, kind)
    # the data file does not exist: the folder must be the first thing checked
    code = cli.main(["tune", str(tmp_path / "absent.csv"), "--target", "y", "--budget", "2",
                     "--no-progress", "--out", str(out)])
    assert code == 2
    _one_line_error(capsys.readouterr().err, str(out), message)
    with pytest.raises(TuneError, match=message):
        tune(tmp_path / "absent.csv", target="y", budget=2, out=out)


def test_a_folder_created_for_a_failed_run_is_removed(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        tune(tmp_path / "absent.csv", target="y", budget=2, out=tmp_path / "new")
    assert not (tmp_path / "new").exists()


# ---------------------------------------------------------------- 5. target checks
def test_a_continuous_target_forced_to_classification_is_refused(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    df = _frame()
    df["y"] = df["a"] * 3.3
    with pytest.raises(DataError, match=r"continuous \(160 distinct fractional values in 160 "
                                        r"rows\).*--task regression"):
        load_dataset(df, target="y", task="classification")
    df.to_csv(tmp_path / "c.csv", index=False)
    assert cli.main(["metafeatures", str(tmp_path / "c.csv"), "--target", "y", "--task",
                     "classification"]) == 2
    _one_line_error(capsys.readouterr().err, "is continuous")
    # a few fractional values repeated many times are classes, and pass
    df["y"] = np.round(df["a"]).clip(-1, 1) / 2
    assert load_dataset(df, target="y", task="classification").task == "classification"


def test_many_classes_and_single_row_classes_get_a_note() -> None:
    n = 2 * (MANY_CLASSES + 1)
    df = pd.DataFrame({"a": np.arange(n, dtype=float), "y": [f"c{i // 2}" for i in range(n)]})
    notes = load_dataset(df, target="y").notes
    assert any(f"has {MANY_CLASSES + 1} classes (more than {MANY_CLASSES})" in n for n in notes)
    assert not any("single row" in n for n in notes)
    fewer = df.iloc[: 2 * MANY_CLASSES - 1]  # 100 classes, the last with one row
    notes = load_dataset(fewer, target="y").notes
    assert not any("more than" in n for n in notes)
    assert any("1 class(es) with a single row" in n for n in notes)


# --------------------------------------------------------- 7. a corrupt repository
def test_tune_refuses_a_corrupt_repository_like_recommend(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database at all" * 50)
    tune_argv = ["tune", "sklearn:iris", "--budget", "2", "--no-progress", "--out",
                 str(tmp_path / "run")]
    # refused even when the run would not read it (no warm start)
    for command in (["recommend", "sklearn:iris"], tune_argv, [*tune_argv, "--warm-start", "0"]):
        assert cli.main([*command, "--repository", str(bad)]) == 2
        _one_line_error(capsys.readouterr().err, "not a metaknow repository")
    assert not (tmp_path / "run" / "history.jsonl").exists()


# --------------------------------------------------- 9. data notes on stderr, JSON ok
@pytest.mark.parametrize("command", [["metafeatures", "--groups", "general"],
                                     ["recommend", "--k", "2"]])
def test_recommend_and_metafeatures_print_data_notes_on_stderr(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    df = _frame(120)
    df["y"] = df["y"].astype(object)
    df.loc[:2, "y"] = None
    path = tmp_path / "d.csv"
    df.to_csv(path)  # with its unnamed index column
    assert cli.main([command[0], str(path), "--target", "y", "--format", "json",
                     *command[1:]]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)
    assert "note: data: set aside 3 row(s) whose target is missing" in captured.err
    assert "note: data: the first column has no name and is used as a feature" in captured.err


# --------------------------------------------------------------- minor items
def test_semicolon_csv_with_decimal_commas(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text("a;b;y\n1,5;x;1\n2,5;y;0\n3,0;x;1\n4,25;y;0\n")
    ds = load_dataset(path, target="y")
    assert list(ds.X.columns) == ["a", "b"] and list(ds.X["a"]) == [1.5, 2.5, 3.0, 4.25]
    assert ds.notes[0] == "read as semicolon-separated"
    comma = tmp_path / "comma.csv"
    comma.write_text('a,b,y\n"1;2",3,1\n"4;5",6,0\n')  # a ';' inside quotes does not count
    assert list(load_dataset(comma, target="y").X.columns) == ["a", "b"]


def test_run_files_are_written_with_normal_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        tune("sklearn:iris", budget=1, warm_start=0, cv=2, out=tmp_path / "r", refit=False)
    finally:
        os.umask(old)
    for name in ("run.json", "best_config.json"):
        assert (tmp_path / "r" / name).stat().st_mode & 0o777 == 0o644, name


def test_cli_wording_for_a_text_regression_target(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": ["u", "v", "u"]}).to_csv(path, index=False)
    assert cli.main(["metafeatures", str(path), "--target", "y", "--task", "regression"]) == 2
    _one_line_error(capsys.readouterr().err, "use --task classification")


# ------------------------------------- 10. warm start cap, default trial, help, plot
def test_warm_start_is_capped_and_the_default_runs_first() -> None:
    result = tune("sklearn:breast_cancer", budget=6, warm_start=10, cv=2, refit=False)
    if any(note.startswith("no warm start") for note in result.notes):
        pytest.skip(f"recommender unavailable here: {result.notes}")
    assert any(n.startswith("warm start capped at 2 of 10 configurations") for n in result.notes)
    origins = list(result.history["origin"])
    assert origins[:3] == ["default", "warm_start", "warm_start"]
    assert result.history["status"].iloc[0] == "ok"  # nothing to race against: every fold
    assert set(origins[3:]) & {"model", "random", "branch", "local"}  # BO got the rest


def test_tune_help_explains_racing_and_the_warm_start_cap(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["tune", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "stopped early (\"raced\") once they cannot beat the best configuration" in text
    assert "at most half of --budget" in text and "'all' for algorithm + configuration" in text


def test_anytime_plot_draws_the_default_baseline_and_explains_racing() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from metaknow.commands.tune import _draw_trials

    history = pd.DataFrame({"trial": [0, 1, 2, 3], "score": [0.90, 0.93, 0.80, 0.95],
                            "best_score": [0.90, 0.93, 0.93, 0.95],
                            "status": ["ok", "ok", "raced", "ok"],
                            "origin": ["default", "warm_start", "model", "model"]})
    fig, ax = plt.subplots()
    try:
        _draw_trials(ax, history)
        labels = ax.get_legend_handles_labels()[1]
        assert "library default (0.9)" in labels
        assert "raced: stopped early, score on the folds run" in labels
        baseline = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
        assert len(baseline) == 1 and list(baseline[0].get_ydata()) == [0.9, 0.9]
    finally:
        plt.close(fig)


# ------------------------------------------------------------- 6. table widths
def _recommended_tokens(capsys: pytest.CaptureFixture[str]) -> list[list[str]]:
    assert cli.main(["recommend", "sklearn:breast_cancer", "--k", "3", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    from metaknow.commands.recommend import _fmt

    return [[f"{k}={_fmt(v)}" for k, v in c["params"].items()] for c in doc["configurations"]]


def test_piped_tables_never_fold_a_token(capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    tokens = _recommended_tokens(capsys)
    assert cli.main(["recommend", "sklearn:breast_cancer", "--k", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for config in tokens:  # each configuration's parameters on one line, whole
        assert any(all(t in line for t in config) for line in lines), config


def test_tables_fit_an_80_column_terminal(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    tokens = _recommended_tokens(capsys)
    for argv in (["recommend", "sklearn:breast_cancer", "--k", "3"], ["repository", "info"],
                 ["metafeatures", "sklearn:iris", "--groups", "general,statistical"]):
        assert cli.main(argv) == 0
        text = capsys.readouterr().out
        assert max(len(line) for line in text.splitlines()) <= 80, argv
        assert "…" not in text, argv  # nothing cut off
        if argv[0] == "recommend":
            words = set(text.replace(",", " ").split())
            assert all(t in words for config in tokens for t in config)  # none split


def test_another_thread_cannot_enter_a_held_folder(tmp_path: Path) -> None:
    import threading

    errors: list[Exception] = []

    def second() -> None:
        try:
            with hold_run_dir(tmp_path / "r"):
                pass
        except TuneError as exc:
            errors.append(exc)

    with hold_run_dir(tmp_path / "r"):
        thread = threading.Thread(target=second)
        thread.start()
        thread.join()
    assert len(errors) == 1 and "another thread" in str(errors[0])
