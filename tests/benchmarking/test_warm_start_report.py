"""The warm-start report: normalisation, checkpoints of short runs, ranks, outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metaknow.benchmarking.report import markdown_table, summarise, write_outputs


def _run(root: Path, space: str, dataset: str, method: str, seed: int, scores: list[float]) -> None:
    path = root / "runs" / space / dataset / f"{method}__seed{seed}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    best = pd.Series(scores).cummax()
    pd.DataFrame({"n": range(1, len(scores) + 1), "score": scores, "best_so_far": best,
                  "elapsed": [float(i) for i in range(1, len(scores) + 1)],
                  "config_id": [f"c{i}" for i in range(len(scores))]}).to_csv(path, index=False)


def test_normalised_scores_and_ranks_by_hand(tmp_path: Path) -> None:
    # dataset d: worst score seen 0.5, best 0.9
    _run(tmp_path, "lightgbm", "d", "a", 0, [0.5, 0.7, 0.9, 0.6, 0.6])
    _run(tmp_path, "lightgbm", "d", "b", 0, [0.8, 0.8, 0.8, 0.8, 0.8])
    _run(tmp_path, "lightgbm", "d", "single", 0, [0.6])
    table = summarise(tmp_path / "runs", (1, 5))
    got = table.set_index(["method", "n"])
    assert got.loc[("a", 1), "normalised"] == pytest.approx(0.0)
    assert got.loc[("a", 5), "normalised"] == pytest.approx(1.0)
    assert got.loc[("b", 5), "normalised"] == pytest.approx(0.75)
    # a single-configuration run keeps its value at every checkpoint
    assert got.loc[("single", 5), "normalised"] == pytest.approx(0.25)
    assert got.loc[("single", 5), "evaluations"] == 1
    # ranks at n=1: b (0.8) first, single (0.6) second, a (0.5) third
    assert got.loc[("b", 1), "rank"] == 1 and got.loc[("single", 1), "rank"] == 2
    assert got.loc[("a", 1), "rank"] == 3 and got.loc[("a", 5), "rank"] == 1


def test_outputs_written(tmp_path: Path) -> None:
    for seed in (0, 1):
        _run(tmp_path, "lightgbm", "d", "metaknow-warm10", seed, [0.9] * 10)
        _run(tmp_path, "lightgbm", "d", "random", seed, [0.5] * 9 + [0.8])
        _run(tmp_path, "lightgbm", "d", "flaml-zeroshot", seed, [0.85])
    table = summarise(tmp_path / "runs", (1, 10))
    text = write_outputs(table, tmp_path)
    assert (tmp_path / "results.csv").exists() and (tmp_path / "anytime.png").stat().st_size > 0
    assert "metaknow-warm10 after 10 evaluations (1.000) matches or beats random after 10" in text
    assert "beats FLAML's zero-shot configuration on 1/1 datasets" in text


def test_markdown_table() -> None:
    frame = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["a", "b"], name="m"))
    assert markdown_table(frame).splitlines() == ["| m | x |", "|---|---|", "| a | 1 |", "| b | 2 |"]


def test_a_dataset_in_progress_is_left_out_and_named(tmp_path: Path) -> None:
    for dataset in ("done", "half"):
        _run(tmp_path, "lightgbm", dataset, "metaknow-warm10", 0, [0.9] * 10)
    _run(tmp_path, "lightgbm", "done", "random", 0, [0.5] * 9 + [0.8])  # "half" lacks it
    table = summarise(tmp_path / "runs", (1, 10))
    assert set(table["dataset"]) == {"done"}
    text = write_outputs(table, tmp_path)
    assert "(1 datasets x 1 seeds)" in text and "Left out until all their runs exist: half." in text


def test_reference_line_uses_the_held_out_datasets_stored_scores(tmp_path: Path) -> None:
    # worst seen 0.5, best 0.9: a design best of 0.8 is 0.75 on that scale, the median 0.6 is 0.25
    _run(tmp_path, "lightgbm", "d", "metaknow-warm10", 0, [0.5] * 9 + [0.9])
    ref = tmp_path / "runs" / "lightgbm" / "d" / "references.csv"
    pd.DataFrame({"reference": ["design-best", "design-median"], "score": [0.8, 0.6],
                  "configurations": 64, "metric": "roc_auc"}).to_csv(ref, index=False)
    text = write_outputs(summarise(tmp_path / "runs", (1, 10)), tmp_path)
    assert "scores 0.750 on average over 1 datasets; the design's median configuration 0.250" in text
    assert "metaknow-warm10 after 10 evaluations reaches it on 1/1" in text


def test_warm_runs_are_charged_the_recorded_lookup_time(tmp_path: Path) -> None:
    # elapsed is 1, 2, ... seconds per evaluation; the lookup took 7.5 s
    _run(tmp_path, "lightgbm", "d", "metaknow-warm10", 0, [0.5] * 9 + [0.9] + [0.9] * 40)
    _run(tmp_path, "lightgbm", "d", "optuna-tpe-warm", 0, [0.5] * 50)
    _run(tmp_path, "lightgbm", "d", "metaknow-cold", 0, [0.6] * 50)
    pd.DataFrame({"seconds": [7.5]}).to_csv(tmp_path / "runs" / "lightgbm" / "d" / "lookup.csv",
                                            index=False)
    table = summarise(tmp_path / "runs", (1, 10, 50)).set_index(["method", "n"])
    assert table.loc[("metaknow-warm10", 1), "elapsed"] == pytest.approx(8.5)
    assert table.loc[("optuna-tpe-warm", 50), "elapsed"] == pytest.approx(57.5)
    assert table.loc[("metaknow-cold", 50), "elapsed"] == pytest.approx(50.0)  # not charged
    text = write_outputs(summarise(tmp_path / "runs", (1, 10, 50)), tmp_path)
    assert "| time@10 (s) | time@50 (s) |" in text
    assert ("metaknow-warm10's first 10 evaluations take 17.5 s on average, of which 7.5 s "
            "meta-features and recommendations; metaknow-cold's 50 take 50.0 s") in text


def test_record_lookup_keeps_the_first_measurement_unless_replaced(tmp_path: Path) -> None:
    from metaknow.benchmarking.records import load_lookups, record_lookup

    run_dir = tmp_path / "runs" / "lightgbm" / "d"
    record_lookup(run_dir, 3.0)
    record_lookup(run_dir, 9.0)
    assert load_lookups(tmp_path / "runs")["seconds"].tolist() == [3.0]
    record_lookup(run_dir, 9.0, replace=True)
    assert load_lookups(tmp_path / "runs").to_dict("records") == [
        {"space": "lightgbm", "dataset": "d", "seconds": 9.0}]


def test_summary_only_reports_the_datasets_and_seeds_asked_for(tmp_path: Path, capsys) -> None:
    from cli import main

    for dataset in ("d1", "d2"):
        for seed in (0, 1):
            _run(tmp_path, "lightgbm", dataset, "metaknow-cold", seed, [0.5] * 4 + [0.9])
            _run(tmp_path, "lightgbm", dataset, "random", seed, [0.5] * 4 + [0.6])
    # seed 1 of d1 would make random the winner: left out by --seeds 1
    _run(tmp_path, "lightgbm", "d1", "random", 1, [0.95] * 5)
    code = main(["benchmark", "warm-start", "--summary-only", "--out", str(tmp_path),
                 "--methods", "metaknow-cold,random", "--datasets", "d1", "--seeds", "1",
                 "--spaces", "lightgbm"])
    assert code == 0
    out = capsys.readouterr().out
    assert "(1 datasets x 1 seeds)" in out
    results = pd.read_csv(tmp_path / "results.csv")
    assert set(results["dataset"]) == {"d1"} and set(results["seed"]) == {0}
    best = results[results["n"] == 5].set_index("method")["normalised"]
    assert best["metaknow-cold"] == pytest.approx(1.0) and best["random"] == pytest.approx(0.25)


def test_heldout_goal_lines_by_hand() -> None:
    from metaknow.benchmarking.heldout import bootstrap_interval, heldout_goal_lines

    rows = []
    # per dataset: warm 10 after 10 and cold after 25 on the held-out split (seeds averaged)
    for d, (warm, cold, tpe) in {"a": ((0.90, 0.92), (0.86, 0.86), 0.95),
                                  "b": ((0.80, 0.80), (0.85, 0.85), 0.70),
                                  "c": ((0.70, 0.70), (0.70, 0.70), 0.60)}.items():
        for seed in (0, 1):
            rows.append({"dataset": d, "seed": seed, "method": "metaknow-warm10", "n": 10,
                         "test_score": warm[seed]})
            rows.append({"dataset": d, "seed": seed, "method": "metaknow-cold", "n": 25,
                         "test_score": cold[seed]})
            rows.append({"dataset": d, "seed": seed, "method": "optuna-tpe", "n": 25,
                         "test_score": tpe})
    lines = heldout_goal_lines(pd.DataFrame(rows))
    assert len(lines) == 1
    # diffs +0.05, -0.05, 0: mean 0; two datasets at least as good; every cold method
    # (cold, TPE) after 25 beaten or matched on b? no (0.80 < 0.85); on c yes; on a no (0.91 < 0.95)
    assert "metaknow-warm10 after 10 evaluations 0.8033 vs metaknow-cold after 25 0.8033 (+0.0000" in lines[0]
    assert "at least as good on 2/3 datasets" in lines[0]
    assert "(metaknow-cold, optuna-tpe) on 1/3" in lines[0]
    assert bootstrap_interval(np.full(5, 0.25)) == (0.25, 0.25)
    lo, hi = bootstrap_interval(np.array([-1.0, 1.0]))
    assert -1.0 <= lo < 0 < hi <= 1.0
    assert heldout_goal_lines(pd.DataFrame(rows).drop(columns="test_score")) == []
