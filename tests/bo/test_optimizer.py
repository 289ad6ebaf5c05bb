"""The BO loop end to end on synthetic objectives: convergence, determinism, failures, resume."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from bo_problems import BRANIN_OPTIMUM, BRANIN_SPACE, MIXED_SPACE, TRAP_SPACE, branin, mixed, trap

from metaknow.bo import Evaluation, Optimizer, RunHistory
from metaknow.bo.initial_design import WarmStartDesign
from metaknow.exceptions import TuneError
from metaknow.space import Categorical, Float, SearchSpace

ROOT = Path(__file__).resolve().parents[2]

#: Stated tolerance: within 50 evaluations the best Branin value is within 0.05 of 0.397887
#: in at least 4 of seeds 0-4. Not every seed gets there: over seeds 0-39, 28 runs of 40 did
#: (31 of 40 for ecb4d62, before the rolling forest; seed 1 is one of the 12 that did not;
#: benchmarks/short_budget.py, results in benchmarks/results/short_budget/).
BRANIN_TOLERANCE = 0.05


def test_approaches_branin_optimum() -> None:
    results = [Optimizer(BRANIN_SPACE, seed=seed).optimize(branin, n_trials=50) for seed in range(5)]
    assert all(len(r.history) == 50 for r in results)
    assert sum(r.best_cost - BRANIN_OPTIMUM < BRANIN_TOLERANCE for r in results) >= 4
    origins = {t.origin for t in results[0].history}
    assert {"initial", "model"} <= origins


def test_beats_random_search_on_branin() -> None:
    rng = np.random.default_rng(0)
    random_best = np.mean([min(branin(c) for c in BRANIN_SPACE.sample(rng, 50)) for _ in range(5)])
    bo_best = np.mean([Optimizer(BRANIN_SPACE, seed=s).optimize(branin, n_trials=50).best_cost
                       for s in range(3)])
    assert bo_best < random_best


def test_the_trap_branch_is_found() -> None:
    """Issue 18's stall: every point of branch "wide" beats most of "narrow", where the optimum is.

    Before branch proposals the loop never left "wide" (best 0.3 at 100 trials in every
    seed); now most seeds reach the narrow basin.
    """
    found = 0
    for seed in range(6):
        result = Optimizer(TRAP_SPACE, seed=seed).optimize(trap, n_trials=100)
        assert any(t.origin == "branch" for t in result.history)
        found += result.best_cost < 0.1
    assert found >= 3


def _trajectory(seed: int, n: int = 25) -> list[dict]:
    result = Optimizer(MIXED_SPACE, seed=seed).optimize(mixed, n_trials=n)
    return [t.config for t in result.history]


def test_same_seed_same_trajectory() -> None:
    assert _trajectory(3) == _trajectory(3)
    assert _trajectory(3) != _trajectory(4)


def test_conditional_space_never_proposes_inactive_values() -> None:
    results = [Optimizer(MIXED_SPACE, seed=seed, random_share=0.1).optimize(mixed, n_trials=40)
               for seed in range(5)]
    for result in results:
        assert sum(t.origin in ("model", "branch") for t in result.history) >= 15
        for t in result.history:
            assert MIXED_SPACE.validate(t.config) == t.config  # strict: no inactive, none missing
        hashes = [t.config_hash for t in result.history]
        assert len(set(hashes)) == len(hashes)
    # optimum 0 (kind=quadratic, depth=11, x=0.7); over seeds 0-29, 27 runs of 30 end
    # below 0.15 (25 of 30 for ecb4d62; its seed 0 did, this one's seed 0 ends at 0.196;
    # benchmarks/short_budget.py)
    assert sum(r.best_cost < 0.15 for r in results) >= 4


def test_ask_tell_interface() -> None:
    opt = Optimizer(BRANIN_SPACE, seed=0)
    a, b = opt.ask(), opt.ask()  # two pending proposals differ
    assert a.trial_id == 0 and b.trial_id == 1 and a.config != b.config
    opt.tell(b, branin(b.config))
    opt.tell(a, [1.0, 3.0])  # per-fold costs
    told = opt.tell({"x1": 0.0, "x2": 0.0}, 5.0)  # an evaluation nobody asked for
    assert told.origin == "told" and told.trial_id == 2
    assert opt.history[1].cost == 2.0 and opt.history[1].fold_costs == [1.0, 3.0]
    failed = opt.tell(opt.ask(), status="crash", error="boom")
    assert failed.failed and failed.cost == math.inf
    assert opt.tell(opt.ask(), float("nan")).status == "crash"
    # pending proposals keep being spread out in the model phase (constant liar)
    for _ in range(10):
        info = opt.ask()
        opt.tell(info, branin(info.config))
    pending = [opt.ask() for _ in range(4)]
    assert len({str(p.config) for p in pending}) == 4


def test_warm_start_configs_come_first() -> None:
    warm = [{"x1": 3.1, "x2": 2.2}, {"x1": -3.1, "x2": 12.2}]
    opt = Optimizer(BRANIN_SPACE, seed=0, initial_design=WarmStartDesign(warm, n_min=3))
    result = opt.optimize(branin, n_trials=5)
    assert [t.config for t in result.history][:2] == warm
    assert [t.origin for t in result.history][:3] == ["warm_start", "warm_start", "initial"]


def test_crashes_get_worst_cost_and_the_loop_goes_on() -> None:
    def objective(c: dict) -> float:
        if c["x1"] > 5:
            raise ValueError("model diverged")
        return branin(c)

    result = Optimizer(BRANIN_SPACE, seed=1).optimize(objective, n_trials=30)
    crashed = [t for t in result.history if t.status == "crash"]
    assert crashed and len(result.history) == 30
    assert all("model diverged" in t.error for t in crashed)
    assert result.best_config["x1"] <= 5
    costs = result.history.training_costs()
    worst = max(t.cost for t in result.history if math.isfinite(t.cost))
    assert all(costs[i] == worst for i, t in enumerate(result.history) if t.status == "crash")


def test_per_fold_racing_drops_clearly_worse_challengers() -> None:
    calls: list[int] = []

    def objective(c: dict, fold: int) -> Evaluation:
        calls.append(fold)
        return Evaluation(branin(c) * (1 + 0.01 * fold), scores={"fold": fold})

    result = Optimizer(BRANIN_SPACE, seed=0).optimize(objective, n_trials=25, n_folds=5)
    raced = [t for t in result.history if t.status == "raced"]
    assert raced and all(len(t.fold_costs) < 5 for t in raced)
    assert len(calls) < 25 * 5
    assert result.history.incumbent().status == "ok"
    assert len(result.history.incumbent().fold_costs) == 5


def test_timeouts_are_recorded_and_killed() -> None:
    def objective(c: dict) -> float:
        if c["x1"] < 0:
            time.sleep(30)
        return branin(c)

    start = time.monotonic()
    result = Optimizer(BRANIN_SPACE, seed=0).optimize(objective, n_trials=8, time_limit=2.0)
    timed_out = [t for t in result.history if t.status == "timeout"]
    assert timed_out and all("time limit" in t.error for t in timed_out)
    assert len(result.history) == 8
    assert time.monotonic() - start < 8 * 30  # the sleepers were killed, not awaited


def test_parallel_trials_in_processes() -> None:
    result = Optimizer(BRANIN_SPACE, seed=0).optimize(lambda c: branin(c), n_trials=12, n_jobs=2)
    assert len(result.history) == 12
    assert len({t.config_hash for t in result.history}) == 12
    assert sorted(t.trial_id for t in result.history) == list(range(12))


def test_keyboard_interrupt_stops_cleanly(tmp_path: Path) -> None:
    count = {"n": 0}

    def objective(c: dict) -> float:
        count["n"] += 1
        if count["n"] == 6:
            raise KeyboardInterrupt
        return branin(c)

    result = Optimizer(BRANIN_SPACE, seed=0, history=tmp_path).optimize(objective, n_trials=20)
    assert result.interrupted and len(result.history) == 5
    assert len(RunHistory(tmp_path)) == 5


def test_resume_continues_the_same_trajectory(tmp_path: Path) -> None:
    Optimizer(MIXED_SPACE, seed=5, history=tmp_path).optimize(mixed, n_trials=15)
    resumed = Optimizer(MIXED_SPACE, seed=5, history=tmp_path).optimize(mixed, n_trials=25)
    assert resumed.n_new == 10
    ids = [t.trial_id for t in RunHistory(tmp_path)]
    assert ids == list(range(25))
    assert [t.config for t in RunHistory(tmp_path)] == _trajectory(5, 25)


def test_resume_past_the_rolling_forests_start_continues_the_same_trajectory(tmp_path: Path) -> None:
    """Beyond 50 trials the trees are regrown in turns: a resumed run rebuilds the same forest."""
    Optimizer(MIXED_SPACE, seed=1, history=tmp_path, random_share=0.05).optimize(mixed, n_trials=57)
    Optimizer(MIXED_SPACE, seed=1, history=tmp_path, random_share=0.05).optimize(mixed, n_trials=70)
    straight = Optimizer(MIXED_SPACE, seed=1, random_share=0.05).optimize(mixed, n_trials=70)
    assert [t.config for t in RunHistory(tmp_path)] == [t.config for t in straight.history]


_KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    from bo_problems import MIXED_SPACE, mixed
    from metaknow.bo import Optimizer

    def slow(c):
        time.sleep(0.15)
        return mixed(c)

    Optimizer(MIXED_SPACE, seed=2, history=sys.argv[1]).optimize(slow, n_trials=int(sys.argv[2]))
""")


def test_resume_after_sigkill_has_no_duplicates(tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text(_KILL_SCRIPT.format(tests=str(Path(__file__).parent)))
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, str(script), str(out), "40"], cwd=ROOT)
    history = out / "history.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if history.exists() and len(history.read_text().splitlines()) >= 8:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = len(RunHistory(out))
    assert 8 <= before < 40
    subprocess.run([sys.executable, str(script), str(out), "40"], cwd=ROOT, check=True)
    trials = list(RunHistory(out))
    assert [t.trial_id for t in trials] == list(range(40))
    assert len({t.config_hash for t in trials}) == 40
    assert [t.config for t in trials] == _trajectory(2, 40)  # same as an uninterrupted run


@pytest.mark.parametrize("kwargs, message", [
    ({"n_trials": 0}, "positive number of trials"),
    ({"n_trials": -3}, "positive number of trials"),
    ({"n_trials": None}, "give a budget"),
    ({"n_trials": 5, "time_limit": 0}, "time limit"),
    ({"n_trials": 5, "n_jobs": 0}, "n_jobs"),
])
def test_bad_budgets(kwargs: dict, message: str) -> None:
    with pytest.raises(TuneError, match=message):
        Optimizer(BRANIN_SPACE).optimize(branin, **kwargs)


def test_wall_time_budget_stops_the_loop() -> None:
    def slow(c: dict) -> float:
        time.sleep(0.2)
        return branin(c)

    result = Optimizer(BRANIN_SPACE, seed=0).optimize(slow, n_trials=1000, wall_time=1.5)
    assert 1 <= len(result.history) < 20
    assert not result.interrupted


def test_branch_starts_move_the_best_trials_into_the_branch() -> None:
    """Issue 28: shared parameters kept, the branch's own taken from its best trial."""
    opt = Optimizer(MIXED_SPACE, seed=0)
    nan = np.nan
    # kind: 0 linear, 1 quadratic, 2 constant; columns kind, x, depth, rate, solver, tol
    starts = np.array([[0, 0.3, nan, 0.2, 1, 0.9],     # best: linear, solver b (tol active)
                       [1, 0.8, 0.6, nan, nan, nan],   # the quadratic branch's best
                       [2, 0.1, nan, nan, nan, nan],
                       [1, 0.5, 0.1, nan, nan, nan]])
    moved = opt._transplants(starts, (0, 1), np.random.default_rng(0))
    assert moved.shape == (2, 6)  # the trials outside the branch, best first
    np.testing.assert_array_equal(moved[:, 0], [1, 1])
    np.testing.assert_array_equal(moved[:, 1], [0.3, 0.1])  # shared parameter kept
    np.testing.assert_array_equal(moved[:, 2], [0.6, 0.6])  # the branch's own, from its best
    assert np.isnan(moved[:, 3:]).all()  # linear's parameters are inactive there


@pytest.mark.parametrize("seed", range(20))
def test_branch_proposals_avoid_the_incumbents_choice(seed: int) -> None:
    opt = Optimizer(MIXED_SPACE, seed=0, branch_share=1.0)
    starts = np.array([[2, 0.1, np.nan, np.nan, np.nan, np.nan]])  # incumbent: constant
    fixed = opt._draw_branch(np.random.default_rng(seed), starts)
    assert fixed is not None and fixed[0] == 0 and fixed[1] in (0, 1)


def test_branch_proposals_favour_the_least_tried_choices() -> None:
    opt = Optimizer(MIXED_SPACE, seed=0, branch_share=1.0)
    starts = np.full((21, 6), np.nan)
    starts[:, 0] = [2] + [0] * 20  # incumbent: constant; linear tried 20 times, quadratic never
    drawn = [opt._draw_branch(np.random.default_rng(s), starts)[1] for s in range(400)]  # type: ignore[index]
    assert 2 not in drawn
    # weights 1/21 (linear) and 1/1 (quadratic): quadratic 21 times in 22
    assert 0.9 < drawn.count(1) / 400 < 0.99


def test_without_conditions_a_branch_proposal_switches_the_incumbents_choice() -> None:
    space = SearchSpace("cat", "regression", (
        Categorical("c", tuple(f"c{i}" for i in range(8)), default="c1"), Float("x", 0.0, 1.0, default=0.5)))
    opt = Optimizer(space, seed=0, branch_share=1.0, random_share=0.0)
    for _ in range(40):
        trial = opt.ask()
        if trial.origin != "initial":
            break
        opt.tell(trial, (trial.config["x"] - 0.3) ** 2 + int(trial.config["c"][1:]))
    incumbent = opt.incumbent.config  # type: ignore[union-attr]
    assert trial.origin == "branch"
    assert trial.config["x"] == incumbent["x"] and trial.config["c"] != incumbent["c"]
