"""``metaknow benchmark first-pick``: is the first recommendation better than the default?

For every real-world table of the repository (source ``tables``: business, medical and
social-science tables of R data packages) and every space, each strategy is refitted on
the repository *without that table* and asked for its top 3. What the picks are worth is
read from a **judge**: a second store holding the same 64-configuration design evaluated
on the tables with another protocol (``--judge``; for LightGBM 5-fold CV x 3 repeats,
seed 1, at most 10,000 rows), or else the repository's own evaluations of the table
(3-fold, seed 0, at most 2,000 rows), which the strategy never saw. Reported per method:

* **gain** of the top-1 over the library default, in the metric's units (ROC AUC, R²);
  the share of tables where it is at least as good as the default (within 1e-4), its worst;
* **best of 3** against the expected best of 15 random design configurations;
* for LightGBM, the share of tables where the top-1 beats FLAML's zero-shot configuration
  (evaluated by the judge's protocol on the same splits, cached in ``extra.csv``);
* **coverage**: how often the measured gain of a changed top-1 lies in its predicted
  interval (strategies that predict gains).

The tables are split into two fixed halves (:data:`TUNE_TABLES`): knobs are chosen on the
corpus and the ``tune`` half; the ``holdout`` half is what a result is reported on.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from metaknow.exceptions import MetaknowError

HELP = "Top-1 and best-of-3 gain over the library default on held-out real-world tables."
EXAMPLE = ("Example: metaknow benchmark first-pick --spaces lightgbm --judge judge.sqlite "
           "--out benchmarks/results/first_pick")

#: The half of ../shared/data/tables on which knobs may be chosen (every other table is
#: held out): alternate tables in name order, classification and regression alike.
TUNE_TABLES = frozenset({"CollegeDistance", "Fertility", "Shuttle", "ad_data", "cells",
                         "income", "pd_speech", "CPSSW8", "Sacramento", "car_prices"})
DEFAULT_STRATEGIES = ("expected_gain", "nearest_portfolio", "portfolio", "average_rank", "meta_model")
SPACES = ("lightgbm", "random_forest", "extra_trees", "hist_gradient_boosting", "svm",
          "logistic_regression", "knn")
TIE = 1e-4


def table_split(name: str) -> str:
    """``"tune"`` or ``"holdout"`` (see :data:`TUNE_TABLES`)."""
    return "tune" if name in TUNE_TABLES else "holdout"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spaces", nargs="+", default=list(SPACES))
    parser.add_argument("--task-types", nargs="+", default=["classification", "regression"],
                        choices=["classification", "regression"])
    parser.add_argument("--strategies", nargs="+", default=list(DEFAULT_STRATEGIES),
                        help="strategy specs, e.g. expected_gain 'expected_gain:kappa=1'")
    parser.add_argument("--repository", default="bundled")
    parser.add_argument("--judge", default=None,
                        help="store with the design evaluated by another protocol (default: "
                             "the repository's own evaluations of each table)")
    parser.add_argument("--tables", default=None,
                        help="folder of the tables (manifest.csv) to evaluate FLAML's zero-shot "
                             "configuration with the judge's protocol (default ../shared/data/tables)")
    parser.add_argument("--split", choices=["tune", "holdout", "all"], default="all")
    parser.add_argument("--queries", choices=["tables", "corpus"], default="tables",
                        help="the tasks left out in turn: the real-world tables (default) or the "
                             "corpus (judged by the stored evaluations; --split halves it by a "
                             "hash of the name, as the zero-shot benchmark does)")
    parser.add_argument("--max-tasks", type=int, default=None, help="at most this many queries")
    parser.add_argument("--out", default="benchmarks/results/first_pick")


def run(args: argparse.Namespace) -> int:
    from metaknow.benchmarking.zero_shot import make_strategy
    from repository.named import open_repository

    for spec in args.strategies:
        make_strategy(spec)  # a typo fails before any work
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = open_repository(args.repository)
    judge = _open_judge(args.judge)
    rows: list[dict[str, Any]] = []
    for space in args.spaces:
        for task_type in args.task_types:
            try:
                view = store.view(space, task_type)
            except Exception:  # no such space/task type in this repository
                continue
            jview = _judge_view(judge, space, task_type)
            flaml = _flaml_scorer(args, judge, jview, out) if space == "lightgbm" else None
            rows += evaluate_space(view, args.strategies, jview, flaml, args.split,
                                   queries=args.queries, max_tasks=args.max_tasks,
                                   log=lambda m: print(m, flush=True))
            pd.DataFrame(rows).to_csv(out / "results.csv", index=False, float_format="%.6g")
    results = pd.DataFrame(rows)
    if results.empty:
        raise MetaknowError("no table of the repository matched the spaces and split asked for")
    summary = summarise(results)
    summary.to_csv(out / "summary.csv", index=False, float_format="%.6g")
    (out / "summary.md").write_text(markdown(summary))
    print(markdown(summary))
    return 0


# ------------------------------------------------------------------ compute
def evaluate_space(view: Any, strategies: Sequence[str], judge: Any, flaml: Any, split: str,
                   queries: str = "tables", max_tasks: int | None = None,
                   log: Any = print) -> list[dict[str, Any]]:
    """One row per (table, method) of one space's view (see the module docstring)."""
    from metaknow.benchmarking.zero_shot import expected_best_of_random, make_strategy
    from metaknow.recommenders.gains import reference_default

    default = reference_default(view)
    if default is None or "source" not in view.tasks:
        return []
    from metaknow.benchmarking.zero_shot import task_split

    def split_of(task: str) -> str:
        return table_split(task) if queries == "tables" else f"corpus-{task_split(task)}"

    tables = [t for t in view.performance.index if view.tasks.loc[t, "source"] == queries
              and (split == "all" or split_of(str(t)).endswith(split))]
    tables = tables[: max_tasks or None]
    rows: list[dict[str, Any]] = []
    space_key = view.configurations[default][0]
    for task in tables:
        truth = _truth(view, judge, task)
        if truth is None or not np.isfinite(truth.get(default, np.nan)):
            continue
        gains = truth - truth[default]
        base = {"space": space_key, "table": task, "split": split_of(str(task)),
                "judge": "judge" if judge is not None and task in judge.performance.index else "own"}
        design = gains.drop(default).to_numpy(dtype=float)
        design = np.where(np.isnan(design), np.nanmin(design), design)
        rows.append({**base, "method": "random", "gain1": float(np.mean(design)),
                     "gain3": expected_best_of_random(design, 3),
                     "random15": expected_best_of_random(design, 15),
                     "oracle": float(np.max(design))})
        rows.append({**base, "method": "library-default", "gain1": 0.0, "gain3": 0.0})
        rest = view.without_tasks([task])
        mf = view.metafeatures.loc[task]
        for spec in strategies:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cands = make_strategy(spec).fit(rest).recommend(mf, 3)
            vals = [float(gains.get(c.config_id, np.nan)) for c in cands]
            vals = [v if np.isfinite(v) else float(np.nanmin(design)) for v in vals]
            top = cands[0]
            rows.append({**base, "method": spec, "gain1": vals[0], "gain3": max(vals),
                         "predicted": top.gain, "low": top.gain_low, "high": top.gain_high,
                         "is_default": top.is_default, "config_id": top.config_id})
        if flaml is not None and base["judge"] == "judge":
            rows.append({**base, "method": "flaml-zeroshot", "gain1": flaml(task) - truth[default]})
        log(f"first-pick {space_key} {task}: " + ", ".join(
            f"{r['method']} {r['gain1']:+.4f}" for r in rows if r["table"] == task
            and r["space"] == space_key))
    return rows


def _truth(view: Any, judge: Any, task: str) -> pd.Series | None:
    if judge is not None and task in judge.performance.index:
        return judge.performance.loc[task]
    return view.performance.loc[task] if task in view.performance.index else None


def _open_judge(path: str | None) -> Any:
    if path is None:
        return None
    from repository.store import Store

    return Store.open(path, readonly=True)


def _judge_view(judge: Any, space: str, task_type: str) -> Any:
    if judge is None:
        return None
    try:
        return judge.view(space, task_type)
    except Exception:  # the judge holds other spaces only
        return None


def _flaml_scorer(args: argparse.Namespace, judge: Any, judge_view: Any, out: Path) -> Any:
    """task -> the judge-protocol score of FLAML's zero-shot LightGBM configuration, or None
    when FLAML or the tables are not available."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from flaml.default import preprocess_and_suggest_hyperparams  # noqa: F401
    except ImportError:
        return None
    from repository.builders.bundled import default_tables

    folder = Path(args.tables) if args.tables else default_tables()
    if not (folder / "manifest.csv").is_file() or judge_view is None:
        return None
    from metaknow.benchmarking.peer_configs import FlamlZeroShot

    return FlamlZeroShot(folder, out / f"flaml-{judge_view.metric}.csv", judge, judge_view.metric)


# ------------------------------------------------------------------ report
def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Per (space, split, method): tables, mean/worst top-1 gain, share >= default, best of
    3, the random-15 and oracle references, share beating FLAML, interval coverage."""
    out = []
    for (space, split, method), g in results.groupby(["space", "split", "method"], sort=False):
        ref = results[(results["space"] == space) & (results["split"] == split)
                      & (results["method"] == "random")].set_index("table")
        fl = results[(results["space"] == space) & (results["split"] == split)
                     & (results["method"] == "flaml-zeroshot")].set_index("table")["gain1"]
        g = g.set_index("table")
        row = {"space": space, "split": split, "method": method, "tables": len(g),
               "gain1": g["gain1"].mean(), "at_least_default": (g["gain1"] >= -TIE).mean(),
               "worst": g["gain1"].min(), "gain3": g["gain3"].mean() if "gain3" in g else np.nan,
               "random15": ref["random15"].reindex(g.index).mean(),
               "oracle": ref["oracle"].reindex(g.index).mean()}
        both = g.index.intersection(fl.index)
        row["beats_flaml"] = float((g.loc[both, "gain1"] > fl[both] + TIE).mean()) if len(both) else np.nan
        if "low" in g and g["low"].notna().any():
            changed = g[(g.get("is_default") != True) & g["low"].notna()]  # noqa: E712
            inside = (changed["gain1"] >= changed["low"]) & (changed["gain1"] <= changed["high"])
            row["coverage"] = float(inside.mean()) if len(changed) else np.nan
            row["default_first"] = float((g.get("is_default") == True).mean())  # noqa: E712
        out.append(row)
    return pd.DataFrame(out)


def markdown(summary: pd.DataFrame) -> str:
    lines = []
    for (space, split), g in summary.groupby(["space", "split"], sort=False):
        lines += [f"\n### {space}, {split} tables ({int(g['tables'].max())})\n",
                  "| method | top-1 gain | ≥ default | worst | best of 3 | random 15 | oracle | "
                  "beats FLAML | interval coverage | default first |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in g.itertuples(index=False):
            d = r._asdict()
            lines.append(f"| {r.method} | {r.gain1:+.4f} | {r.at_least_default:.0%} | {r.worst:+.4f} | "
                         + " | ".join(_cell(d.get(c), c) for c in
                                      ("gain3", "random15", "oracle", "beats_flaml", "coverage",
                                       "default_first")) + " |")
    return "\n".join(lines).lstrip() + "\n"


def _cell(v: Any, column: str) -> str:
    if v is None or not np.isfinite(v):
        return "—"
    return f"{v:.0%}" if column in ("beats_flaml", "coverage", "default_first") else f"{v:+.4f}"
