"""The zero-shot benchmark: exact random baseline, leave-one-task-out bookkeeping, outputs."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cli
from metaknow.benchmarking.zero_shot import expected_best_of_random, leave_one_task_out, summarise


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=7), st.integers(1, 8))
def test_random_baseline_equals_enumeration(values, k):
    subsets = list(itertools.combinations(values, min(k, len(values))))
    assert expected_best_of_random(np.array(values), k) == pytest.approx(np.mean([max(s) for s in subsets]))


def test_leave_one_task_out_on_the_hand_matrix(hand_view):
    res = leave_one_task_out(hand_view, ["portfolio"], [1, 2], progress=False)
    got = res.pivot_table(index=["method", "k"], columns="task", values="score")
    # Without A the portfolio is c2 (means over B,C,D: .6 > .467 > .4 = .4), then c3
    # (best-of sums 2.5 > c1 2.3 > c4 1.9); on A, c2 scores 0 and c3 0.5.
    assert got.loc[("portfolio", 1), "A"] == pytest.approx(0.0)
    assert got.loc[("portfolio", 2), "A"] == pytest.approx(0.5)
    # default = c1: its normalised score on each task
    assert list(got.loc[("default", 1)]) == pytest.approx([1.0, 0.0, 0.2, 1.0])
    s = summarise(res).set_index(["method", "k"])
    assert s.loc[("default", 1), "wins_vs_default"] == 0 and s.loc[("default", 1), "ties_vs_default"] == 1
    assert s.loc[("random", 1), "score"] == pytest.approx(np.mean([0.425, 0.5, 0.375, 0.525]))
    assert set(s["n_tasks"]) == {4}


def test_benchmark_command_writes_table_csv_and_plot(synth_view, tmp_path, capsys):
    from metaknow.benchmarking import zero_shot

    # The command opens a repository; feed it the synthetic view through its Python entry.
    res = zero_shot.leave_one_task_out(synth_view, ["average_rank", "nearest_portfolio"], [1, 3],
                                       max_tasks=6, progress=False)
    summary = zero_shot.summarise(res)
    info = {"repository": "synthetic", "space": "lightgbm", "task": "classification",
            "metric": "roc_auc", "n_tasks": 6, "n_configurations": 20, "seconds": 1.0}
    md = zero_shot.markdown(summary, info)
    zero_shot.plot(summary, tmp_path / "z.png", info)
    assert (tmp_path / "z.png").read_bytes()[:4] == b"\x89PNG"
    assert "| nearest_portfolio |" in md and "**6 tasks**" in md and "k=3" in md


def test_benchmark_cli_errors(capsys):
    assert cli.main(["benchmark", "zero-shot", "--strategies", "nope"]) == 2
    assert "unknown strategy 'nope'" in capsys.readouterr().err
    assert cli.main(["benchmark", "zero-shot", "--k", "0", "--strategies", "portfolio"]) == 2
    assert "k must be a positive" in capsys.readouterr().err


def test_strategy_variants_on_the_command_line():
    from metaknow.benchmarking.zero_shot import make_strategy

    rec = make_strategy("nearest_portfolio:n_neighbors=3,global_weight=0.5,learn_weights=false")
    assert rec.get_params()["n_neighbors"] == 3 and rec.get_params()["learn_weights"] is False
    assert make_strategy("meta_model").get_params()["n_sampled"] == 0  # only scoreable configs
    with pytest.raises(Exception, match="unexpected keyword|param=value"):
        make_strategy("portfolio:bogus=1")
    with pytest.raises(Exception, match="param=value"):
        make_strategy("portfolio:max_size")


def test_view_without_metafeatures_gives_the_portfolio(synth_view):
    from metaknow.recommenders import get_recommender
    from repository.view import RepositoryView

    bare = RepositoryView(synth_view.performance, pd.DataFrame(index=synth_view.performance.index),
                          synth_view.configurations, synth_view.metric, synth_view.tasks, synth_view.defaults)
    got = get_recommender("nearest_portfolio").fit(bare).recommend(pd.Series(dtype=float), 4)
    want = get_recommender("portfolio").fit(bare).recommend(pd.Series(dtype=float), 4)
    assert [c.config_id for c in got] == [c.config_id for c in want]
    assert "no meta-features" in got[0].rationale
