"""Synthetic benchmark of the BO loop: metaknow vs SMAC3 vs Optuna TPE vs random search.

Functions with a known optimum: Branin (2-d), Hartmann-6 (6-d) and ``mixed``, a
categorical/conditional function defined here (optimum 0). For every function, seed
and method, the optimiser runs ``--trials`` trials through its ask/tell interface; we
record the regret (best value found minus the optimum) at 25/50/100/200 trials and the
optimiser's own overhead per trial (set-up + ask + tell, the objective excluded), as
process CPU time and as wall-clock time.

``metaknow+priors`` additionally gives the surrogate evaluations of three *related
tasks* — the same function with its inputs shifted by small random offsets and its
output rescaled (similarities 0.9 / 0.7 / 0.5, 60 random evaluations each) — to show
whether prior observations help early.

Results are appended to ``<out>/runs.csv`` as each run finishes (a rerun skips finished
runs), and summarised in ``<out>/summary.md``. Peers (smac, optuna) are the optional
``bench`` extra and are imported lazily.

    python benchmarks/synthetic_bo.py --out results/synthetic_bo
    python benchmarks/synthetic_bo.py --seeds 2 --trials 50 --functions branin mixed
    python benchmarks/synthetic_bo.py --out results/synthetic_bo --summary-only  # partial run
    python benchmarks/synthetic_bo.py --first-seed 2 --seeds 3 ...  # seed 2 only, in parallel
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from metaknow.bo import Optimizer
from metaknow.bo.surrogate import PriorObservations
from metaknow.integrations.optuna import suggest
from metaknow.space import Categorical, Condition, Float, Integer, SearchSpace

CHECKPOINTS = (25, 50, 100, 200)
FIELDS = ["function", "method", "seed", "trials", "regret", "best", "overhead_per_trial",
          "overhead_last_quarter", "cpu_overhead_per_trial", "cpu_overhead_last_quarter", "wall"]


class Clock:
    """Accumulates wall-clock and process-CPU seconds of the optimiser's own work.

    CPU time is the fairer figure on a shared machine (waiting for a core is not the
    optimiser's cost); both are reported.
    """

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self._w = self._c = 0.0

    def start(self) -> None:
        self._w, self._c = time.perf_counter(), time.process_time()

    def stop(self, add: bool = False) -> None:
        w, c = time.perf_counter() - self._w, time.process_time() - self._c
        if add:
            self.wall[-1] += w
            self.cpu[-1] += c
        else:
            self.wall.append(w)
            self.cpu.append(c)


# --------------------------------------------------------------------- functions
@dataclass(frozen=True)
class Problem:
    name: str
    space: SearchSpace
    f: Callable[[dict[str, Any]], float]
    optimum: float


def branin(c: dict[str, Any]) -> float:
    x1, x2 = c["x1"], c["x2"]
    return ((x2 - 5.1 / (4 * math.pi ** 2) * x1 ** 2 + 5 / math.pi * x1 - 6) ** 2
            + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10)


_H_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                 [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                        [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(c: dict[str, Any]) -> float:
    x = np.array([c[f"x{i}"] for i in range(1, 7)])
    return float(-np.sum(_H_ALPHA * np.exp(-np.sum(_H_A * (x - _H_P) ** 2, axis=1))))


_COLOUR = {"red": 0.6, "green": 0.3, "blue": 0.0, "yellow": 0.9}


def mixed(c: dict[str, Any]) -> float:
    """Optimum 0 at kind=quadratic, depth=11, x=0.7, colour=blue."""
    value = 4.0 * (c["x"] - 0.7) ** 2 + _COLOUR[c["colour"]]
    if c["kind"] == "quadratic":
        value += ((c["depth"] - 11) / 5.0) ** 2
    elif c["kind"] == "linear":
        value += 0.2 + 0.25 * (math.log10(c["rate"]) + 2.0) ** 2
    else:
        value += 1.0
    return float(value)


def algo6(c: dict[str, Any]) -> float:
    """The issue-18 space. Optimum 0 at algo=c, u=0.3, v=0.8, lr=1e-3, mode=m2.

    ``algo=a`` (with its integer ``k``) is broadly good, ``algo=c`` (with its log-float
    ``lr``) is the only branch reaching 0 but only near ``lr=1e-3``.
    """
    value = 2.0 * (c["u"] - 0.3) ** 2 + 2.0 * (c["v"] - 0.8) ** 2
    value += {"m0": 0.3, "m1": 0.2, "m2": 0.0, "m3": 0.5}[c["mode"]]
    if c["algo"] == "a":
        value += 0.15 + 0.02 * abs(c["k"] - 6)
    elif c["algo"] == "b":
        value += 0.6
    else:
        value += 0.8 * (1.0 - math.exp(-((math.log10(c["lr"]) + 3.0) / 0.5) ** 2))
    return float(value)


def trap(c: dict[str, Any]) -> float:
    """Optimum 0 in ``branch=narrow``, whose random points are mostly worse than ``wide``'s."""
    if c["branch"] == "wide":
        return float(0.3 + 0.5 * (c["a"] - 0.5) ** 2)
    d = (c["b1"] - 0.2) ** 2 + (c["b2"] - 0.75) ** 2
    return float(1.0 - math.exp(-d / 0.02))


def nested(c: dict[str, Any]) -> float:
    """Two levels of conditions: model -> kernel -> gamma / degree. Optimum 0."""
    value = (c["x"] - 0.4) ** 2
    if c["model"] == "linear":
        return float(value + 0.4 + 0.1 * (math.log10(c["C"]) - 1.0) ** 2)
    if c["model"] == "tree":
        return float(value + 0.25 + 0.01 * (c["depth"] - 8) ** 2 / 4)
    if c["kernel"] == "rbf":
        return float(value + 0.3 * (math.log10(c["gamma"]) + 2.0) ** 2)
    return float(value + 0.2 + 0.05 * abs(c["degree"] - 3))


_HIGHCAT = {f"c{i:02d}": 0.05 * ((i * 7) % 30) for i in range(30)}  # c00 -> 0, others 0.05..1.45


def highcat(c: dict[str, Any]) -> float:
    """A 30-way categorical (only ``c00`` reaches 0) plus two floats. Optimum 0."""
    return float(_HIGHCAT[c["cat"]] + (c["x"] - 0.6) ** 2 + (c["y"] - 0.1) ** 2)


def mixed15(c: dict[str, Any]) -> float:
    """15 parameters: 8 floats, 2 integers, 3 categoricals, 2 conditional. Optimum 0."""
    value = sum((c[f"f{i}"] - 0.1 * (i + 1)) ** 2 for i in range(8))
    value += ((c["i0"] - 3) / 10.0) ** 2 + ((c["i1"] - 17) / 20.0) ** 2
    value += {"p": 0.0, "q": 0.2, "r": 0.4}[c["g0"]] + {"s": 0.1, "t": 0.0}[c["g1"]]
    if c["g2"] == "on":
        value += 0.5 * (math.log10(c["lam"]) + 1.0) ** 2 / 9.0 + ((c["steps"] - 40) / 50.0) ** 2
    else:
        value += 0.3
    return float(value)


def mixed20(c: dict[str, Any]) -> float:
    """20 parameters: mixed15 plus a 3-way switch with its own conditional children. Optimum 0."""
    value = mixed15(c) + 0.5 * (c["f8"] - 0.5) ** 2
    if c["sw"] == "x":
        value += 0.2
    elif c["sw"] == "y":
        value += (c["ya"] - 0.9) ** 2 + 0.1 * c["yb"]
    else:
        value += 0.4 * abs(c["zc"] - 0.3)
    return float(value)


def _mixed15_params() -> tuple[Any, ...]:
    return (tuple(Float(f"f{i}", 0.0, 1.0, default=0.5) for i in range(8)) + (
        Integer("i0", 1, 30, default=15), Integer("i1", 1, 30, default=5),
        Categorical("g0", ("p", "q", "r"), default="r"), Categorical("g1", ("s", "t"), default="s"),
        Categorical("g2", ("off", "on"), default="off"),
        Float("lam", 1e-4, 1e2, default=1.0, log=True, condition=Condition("g2", ("on",))),
        Integer("steps", 1, 100, default=10, condition=Condition("g2", ("on",)))))


PROBLEMS: dict[str, Problem] = {
    "branin": Problem("branin", SearchSpace("branin", "regression", (
        Float("x1", -5.0, 10.0, default=2.5), Float("x2", 0.0, 15.0, default=7.5))),
        branin, 0.397887357729739),
    "hartmann6": Problem("hartmann6", SearchSpace("hartmann6", "regression", tuple(
        Float(f"x{i}", 0.0, 1.0, default=0.5) for i in range(1, 7))), hartmann6, -3.32236801141551),
    "mixed": Problem("mixed", SearchSpace("mixed", "regression", (
        Categorical("kind", ("linear", "quadratic", "constant"), default="linear"),
        Float("x", 0.0, 1.0, default=0.5),
        Categorical("colour", ("red", "green", "blue", "yellow"), default="red"),
        Integer("depth", 1, 16, default=4, condition=Condition("kind", ("quadratic",))),
        Float("rate", 1e-4, 1.0, default=0.1, log=True, condition=Condition("kind", ("linear",))),
    )), mixed, 0.0),
    "algo6": Problem("algo6", SearchSpace("algo6", "regression", (
        Categorical("algo", ("a", "b", "c"), default="a"),
        Float("u", 0.0, 1.0, default=0.5), Float("v", 0.0, 1.0, default=0.5),
        Integer("k", 1, 20, default=10, condition=Condition("algo", ("a",))),
        Float("lr", 1e-5, 1.0, default=1e-2, log=True, condition=Condition("algo", ("c",))),
        Categorical("mode", ("m0", "m1", "m2", "m3"), default="m0"),
    )), algo6, 0.0),
    "trap": Problem("trap", SearchSpace("trap", "regression", (
        Categorical("branch", ("wide", "narrow"), default="wide"),
        Float("a", 0.0, 1.0, default=0.5, condition=Condition("branch", ("wide",))),
        Float("b1", 0.0, 1.0, default=0.5, condition=Condition("branch", ("narrow",))),
        Float("b2", 0.0, 1.0, default=0.5, condition=Condition("branch", ("narrow",))),
    )), trap, 0.0),
    "nested": Problem("nested", SearchSpace("nested", "regression", (
        Categorical("model", ("linear", "tree", "kernel"), default="linear"),
        Float("x", 0.0, 1.0, default=0.5),
        Float("C", 1e-3, 1e3, default=1.0, log=True, condition=Condition("model", ("linear",))),
        Integer("depth", 1, 32, default=4, condition=Condition("model", ("tree",))),
        Categorical("kernel", ("rbf", "poly"), default="poly", condition=Condition("model", ("kernel",))),
        Float("gamma", 1e-5, 10.0, default=1.0, log=True, condition=Condition("kernel", ("rbf",))),
        Integer("degree", 1, 6, default=2, condition=Condition("kernel", ("poly",))),
    )), nested, 0.0),
    "highcat": Problem("highcat", SearchSpace("highcat", "regression", (
        Categorical("cat", tuple(_HIGHCAT), default="c01"),
        Float("x", 0.0, 1.0, default=0.5), Float("y", 0.0, 1.0, default=0.5),
    )), highcat, 0.0),
    "mixed15": Problem("mixed15", SearchSpace("mixed15", "regression", _mixed15_params()),
                       mixed15, 0.0),
    "mixed20": Problem("mixed20", SearchSpace("mixed20", "regression", _mixed15_params() + (
        Float("f8", 0.0, 1.0, default=0.2),
        Categorical("sw", ("x", "y", "z"), default="x"),
        Float("ya", 0.0, 1.0, default=0.5, condition=Condition("sw", ("y",))),
        Float("yb", 0.0, 1.0, default=0.5, condition=Condition("sw", ("y",))),
        Float("zc", 0.0, 1.0, default=0.5, condition=Condition("sw", ("z",))),
    )), mixed20, 0.0),
}


# ------------------------------------------------------------------------ methods
Runner = Callable[[Problem, int, int], tuple[list[float], "Clock"]]


def run_metaknow(problem: Problem, seed: int, n: int, priors: PriorObservations | None = None,
                 ) -> tuple[list[float], Clock]:
    clock = Clock()
    clock.start()
    opt = Optimizer(problem.space, seed=seed, budget_hint=n, priors=priors)
    clock.stop()
    values = []
    for i in range(n):
        clock.start()
        info = opt.ask()
        clock.stop(add=i == 0)
        v = problem.f(info.config)
        clock.start()
        opt.tell(info, v)
        clock.stop(add=True)
        values.append(v)
    return values, clock


def related_priors(problem: Problem, seed: int, n_per_task: int = 60) -> PriorObservations:
    """Three shifted/rescaled versions of ``problem``, evaluated at random configurations."""
    rng = np.random.default_rng([seed, 7919])
    space = problem.space
    X, y, task, sim = [], [], [], []
    for k, (shift, similarity) in enumerate([(0.02, 0.9), (0.05, 0.7), (0.10, 0.5)]):
        offset = rng.normal(0.0, shift, len(space))
        scale, bias = rng.uniform(0.7, 1.3), rng.normal(0.0, 1.0)
        for config in space.sample(rng, n_per_task):
            vec = space.to_vector(config)
            moved = vec.copy()
            numeric = space.cat_sizes == 0
            moved[numeric] = np.clip(vec[numeric] + offset[numeric], 0.0, 1.0)
            value = scale * problem.f(space.validate(space.from_vector(moved), fill_defaults=True)) + bias
            X.append(vec)
            y.append(value)
            task.append(f"related{k}")
            sim.append(similarity)
    return PriorObservations(np.vstack(X), np.array(y), np.array(task), np.array(sim), fade_after=40)


def run_metaknow_priors(problem: Problem, seed: int, n: int) -> tuple[list[float], Clock]:
    return run_metaknow(problem, seed, n, related_priors(problem, seed))


def run_random(problem: Problem, seed: int, n: int) -> tuple[list[float], Clock]:
    rng = np.random.default_rng(seed)
    values, clock = [], Clock()
    for _ in range(n):
        clock.start()
        config = problem.space.sample(rng)[0]
        clock.stop()
        values.append(problem.f(config))
    return values, clock


def _configspace(problem: Problem, seed: int) -> Any:
    from ConfigSpace import Categorical as CSCat
    from ConfigSpace import ConfigurationSpace, EqualsCondition, InCondition
    from ConfigSpace import Float as CSFloat
    from ConfigSpace import Integer as CSInt

    cs = ConfigurationSpace(seed=seed)
    hps = {}
    for p in problem.space.params:
        if isinstance(p, Float):
            hp = CSFloat(p.name, (p.low, p.high), default=p.default, log=p.log)
        elif isinstance(p, Integer):
            hp = CSInt(p.name, (p.low, p.high), default=p.default, log=p.log)
        else:
            hp = CSCat(p.name, list(p.choices), default=p.default)
        hps[p.name] = hp
    cs.add(list(hps.values()))
    for p in problem.space.params:
        if p.condition is not None:
            parent = hps[p.condition.parent]
            values = list(p.condition.values)
            cs.add(EqualsCondition(hps[p.name], parent, values[0]) if len(values) == 1
                   else InCondition(hps[p.name], parent, values))
    return cs


def run_smac(problem: Problem, seed: int, n: int) -> tuple[list[float], Clock]:
    from smac import HyperparameterOptimizationFacade, Scenario
    from smac.runhistory.dataclasses import TrialValue

    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        clock.start()
        cs = _configspace(problem, seed)
        scenario = Scenario(cs, deterministic=True, n_trials=n, seed=seed, output_directory=Path(tmp))
        smac = HyperparameterOptimizationFacade(scenario, lambda config, seed=0: 0.0,
                                                overwrite=True, logging_level=40)
        clock.stop()
        values = []
        for i in range(n):
            clock.start()
            info = smac.ask()
            clock.stop(add=i == 0)
            v = problem.f(dict(info.config))
            clock.start()
            smac.tell(info, TrialValue(cost=v))
            clock.stop(add=True)
            values.append(v)
    return values, clock


def run_optuna(problem: Problem, seed: int, n: int) -> tuple[list[float], Clock]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    clock = Clock()
    clock.start()
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    clock.stop()
    values = []
    for i in range(n):
        clock.start()
        trial = study.ask()
        config = suggest(trial, problem.space)
        clock.stop(add=i == 0)
        v = problem.f(config)
        clock.start()
        study.tell(trial, v)
        clock.stop(add=True)
        values.append(v)
    return values, clock


METHODS: dict[str, Runner] = {
    "metaknow": run_metaknow,
    "metaknow+priors": run_metaknow_priors,
    "smac3": run_smac,
    "optuna_tpe": run_optuna,
    "random": run_random,
}


# ------------------------------------------------------------------------- driver
def _done(path: Path) -> set[tuple[str, str, int]]:
    if not path.exists():
        return set()
    frame = pd.read_csv(path)
    return {(r.function, r.method, int(r.seed)) for r in frame.itertuples()}


def run(functions: list[str], methods: list[str], seeds: int, trials: int, out: Path,
        first_seed: int = 0) -> pd.DataFrame:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "runs.csv"
    done = _done(path)
    checkpoints = [c for c in CHECKPOINTS if c <= trials] or [trials]
    if trials not in checkpoints:
        checkpoints.append(trials)
    for seed in range(first_seed, seeds):  # seed-major: a partial run covers every function and method
        for fname in functions:
            problem = PROBLEMS[fname]
            for method in methods:
                if (fname, method, seed) in done:
                    continue
                start = time.perf_counter()
                values, clock = METHODS[method](problem, seed, trials)
                wall = time.perf_counter() - start
                best = np.minimum.accumulate(values)
                q = max(1, trials // 4)
                rows = [{"function": fname, "method": method, "seed": seed, "trials": c,
                         "regret": float(best[c - 1] - problem.optimum), "best": float(best[c - 1]),
                         "overhead_per_trial": float(np.mean(clock.wall[:c])),
                         "overhead_last_quarter": float(np.mean(clock.wall[-q:])),
                         "cpu_overhead_per_trial": float(np.mean(clock.cpu[:c])),
                         "cpu_overhead_last_quarter": float(np.mean(clock.cpu[-q:])), "wall": wall}
                        for c in checkpoints]
                new = not path.exists()
                with open(path, "a", newline="") as fh:
                    writer = csv.DictWriter(fh, FIELDS)
                    if new:
                        writer.writeheader()
                    writer.writerows(rows)
                print(f"{fname:10s} {method:16s} seed {seed}: regret@{trials} "
                      f"{rows[-1]['regret']:.4g}, overhead {rows[-1]['overhead_per_trial'] * 1e3:.1f} "
                      f"ms/trial wall, {rows[-1]['cpu_overhead_per_trial'] * 1e3:.1f} ms/trial CPU",
                      flush=True)
    frame = pd.read_csv(path)
    frame = frame[frame.function.isin(functions) & frame.method.isin(methods)]
    (out / "summary.md").write_text(summarise(frame))
    return frame


def summarise(frame: pd.DataFrame) -> str:
    """Markdown: mean regret and mean rank per function/checkpoint, overall rank, overhead."""
    lines = []
    frame = frame.copy()
    frame["rank"] = frame.groupby(["function", "seed", "trials"])["regret"].rank(method="average")
    n_seeds = frame.groupby(["function", "method"]).seed.nunique()
    lines.append(f"Seeds per function and method: {int(n_seeds.min())}–{int(n_seeds.max())}\n")
    for fname, sub in frame.groupby("function", sort=False):
        lines.append(f"### {fname}: mean regret (mean rank)\n")
        checkpoints = sorted(sub.trials.unique())
        lines.append("| method | " + " | ".join(f"@{c}" for c in checkpoints) + " |")
        lines.append("|---|" + "---|" * len(checkpoints))
        for method, m in sub.groupby("method", sort=False):
            cells = []
            for c in checkpoints:
                at = m[m.trials == c]
                cells.append(f"{at.regret.mean():.4g} ({at['rank'].mean():.2f})")
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("### Average rank over functions, seeds and checkpoints; overhead per trial\n")
    lines.append("| method | mean rank | CPU ms/trial (whole run) | CPU ms/trial (last quarter) "
                 "| wall ms/trial (whole run) | wall ms/trial (last quarter) |")
    lines.append("|---|---|---|---|---|---|")
    last = frame[frame.trials == frame.trials.max()]
    for method, m in frame.groupby("method", sort=False):
        lm = last[last.method == method]
        lines.append(f"| {method} | {m['rank'].mean():.3f} "
                     f"| {lm.cpu_overhead_per_trial.mean() * 1e3:.2f} "
                     f"| {lm.cpu_overhead_last_quarter.mean() * 1e3:.2f} "
                     f"| {lm.overhead_per_trial.mean() * 1e3:.2f} "
                     f"| {lm.overhead_last_quarter.mean() * 1e3:.2f} |")
    lines.append(ratio_table(last))
    for col, label in (("cpu_overhead_per_trial", "CPU"), ("overhead_per_trial", "wall-clock")):
        oh = last.groupby("method")[col].mean()
        if "smac3" in oh and "metaknow" in oh and oh["metaknow"] > 0:
            lines.append(f"\nSMAC3 / metaknow {label} overhead ratio at {int(last.trials.max())} "
                         f"trials: {oh['smac3'] / oh['metaknow']:.1f}x")
    return "\n".join(lines) + "\n"


def ratio_table(last: pd.DataFrame, me: str = "metaknow") -> str:
    """Markdown: metaknow's mean regret and CPU overhead per trial as ratios to each peer."""
    peers = [m for m in ("smac3", "optuna_tpe") if m in set(last.method)]
    if me not in set(last.method) or not peers:
        return ""
    lines = [f"\n### {me} / peer at {int(last.trials.max())} trials (mean regret ratio; CPU "
             "overhead ratio; below 1 = metaknow better)\n",
             "| function | " + " | ".join(f"regret / {p} | CPU / {p}" for p in peers) + " |",
             "|---|" + "---|---|" * len(peers)]
    for fname, sub in last.groupby("function", sort=False):
        g = sub.groupby("method")
        reg, cpu = g.regret.mean(), g.cpu_overhead_per_trial.mean()
        cells = []
        for p in peers:
            rr = reg[me] / reg[p] if reg.get(p, 0) > 0 else float("inf") if reg[me] > 0 else 1.0
            cells.append(f"{rr:.3g} | {cpu[me] / cpu[p]:.2f}")
        lines.append(f"| {fname} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--functions", nargs="+", default=list(PROBLEMS), choices=list(PROBLEMS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="start at this seed (to split one run over several processes)")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("results/synthetic_bo"))
    parser.add_argument("--summary-only", action="store_true",
                        help="only rewrite summary.md from the runs already in runs.csv")
    args = parser.parse_args(argv)
    if args.summary_only:
        if not (args.out / "runs.csv").is_file():
            print(f"synthetic_bo: error: no runs at {args.out / 'runs.csv'}", file=sys.stderr)
            return 2
        frame = pd.read_csv(args.out / "runs.csv")
        frame = frame[frame.function.isin(args.functions) & frame.method.isin(args.methods)]
        # compare methods only on (function, seed) pairs every method finished
        complete = frame.groupby(["function", "seed"]).method.nunique() == frame.method.nunique()
        keep = set(complete[complete].index)
        frame = frame[[(f, s) in keep for f, s in zip(frame.function, frame.seed)]]
        (args.out / "summary.md").write_text(summarise(frame))
        print((args.out / "summary.md").read_text())
        return 0
    if args.seeds < 1 or args.trials < 2:
        parser.error("--seeds must be >= 1 and --trials >= 2")
    run(args.functions, args.methods, args.seeds, args.trials, args.out, args.first_seed)
    print((args.out / "summary.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
