"""``metaknow benchmark zero-shot``: how good are the first k recommendations?

Leave-one-task-out over a repository: for every task, each strategy is fitted on the
*other* tasks, recommends ``k`` configurations from the task's meta-features, and the
true scores of those configurations are read from the performance matrix. The score of
a method at ``k`` on a task is the normalised score of the best of its first ``k``
(0 = worst configuration in that task's design, 1 = best; a configuration that failed
on the task counts as 0).

Baselines: ``random`` — the *exact expected* best-of-k of k configurations drawn
without replacement from the task's design (the limit of averaging over infinitely many
seeds), and ``default`` — the library default configuration of the space (one
configuration, the same for every ``k``).

Reported per method and ``k``: the mean normalised best-of-k, the mean rank among the
methods (1 = best; ties share ranks), the share of tasks on which the method beats
the library default strictly (ties reported separately), and the mean gain over the
default in the metric's own units. Writes ``results.csv`` (one row per task, method and
k), ``summary.csv``, ``summary.md`` and ``zero_shot.png``.

A strategy that recommends configurations outside the design (``optimised_portfolio``)
needs ``--evaluate``: those configurations are then run on the task's data with the
repository's own protocol (:class:`~metaknow.benchmarking.task_scores.TaskScorer`,
every result appended to ``OUT/evaluations.csv``, so a stopped run resumes) and
normalised against the task's design — above 1 means better than every design
configuration. Without ``--evaluate`` such a configuration counts as 0.

Knobs are chosen on part of the tasks only: :func:`task_split` puts every task in
``tune`` or ``holdout`` by a hash of its name (fixed, about half each); ``--split``
restricts a run to one half, and every row of ``results.csv`` carries its half.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy.special import comb

from metaknow.exceptions import RecommendError
from metaknow.recommenders.gains import reference_default
from repository.view import RepositoryView

HELP = "Leave-one-task-out zero-shot benchmark of the recommendation strategies."
EXAMPLE = """Examples:
  metaknow benchmark zero-shot
  metaknow benchmark zero-shot --space lightgbm --k 1 3 5 10 25 --out results/zero_shot
  metaknow benchmark zero-shot --strategies portfolio nearest_portfolio --max-tasks 20"""

DEFAULT_K = (1, 3, 5, 10, 25)
#: Strategy settings for the benchmark: only configurations in the matrix can be scored.
#: (Three bagged models instead of five: the ranking is their mean, only the spread changes.)
BENCHMARK_PARAMS: dict[str, dict[str, Any]] = {"meta_model": {"n_sampled": 0, "n_models": 3},
                                               "optimised_portfolio": {"cache": False}}


def make_strategy(spec: str) -> Any:
    """An unfitted recommender from ``name`` or ``name:param=value,param=value``.

    Values are read as JSON scalars (``5``, ``0.3``, ``true``), else kept as strings —
    so variants can be compared without registering them (nothing is evaluated).
    """
    import json

    from metaknow.recommenders import get_recommender

    name, _, rest = spec.partition(":")
    params = dict(BENCHMARK_PARAMS.get(name, {}))
    for item in filter(None, rest.split(",")):
        key, sep, raw = item.partition("=")
        if not sep:
            raise RecommendError(f"strategy {spec!r}: expected param=value, got {item!r}")
        try:
            params[key.strip()] = json.loads(raw)
        except ValueError:
            params[key.strip()] = raw
    try:
        return get_recommender(name, **params)
    except TypeError as exc:
        raise RecommendError(f"strategy {spec!r}: {exc}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from metaknow.recommenders import strategy_names

    parser.add_argument("--repository", default="bundled", help="bundled (default), openml100 or a store path")
    parser.add_argument("--space", default="lightgbm", help="space name or 'all' (default: lightgbm)")
    parser.add_argument("--task", default="classification", help="task type (default: classification)")
    parser.add_argument("--metric", default=None, help="metric (default: the store's)")
    parser.add_argument("--strategies", nargs="+", default=strategy_names(),
                        help="strategies to compare (default: every registered one); a variant "
                             "as name:param=value,... e.g. nearest_portfolio:n_neighbors=5")
    parser.add_argument("--k", nargs="+", type=int, default=list(DEFAULT_K), help="values of k")
    parser.add_argument("--max-tasks", type=int, default=None, help="only the first N tasks (smoke runs)")
    parser.add_argument("--split", choices=["tune", "holdout"], default=None,
                        help="only one fixed half of the tasks (knobs are chosen on 'tune')")
    parser.add_argument("--evaluate", action="store_true",
                        help="run recommended configurations the repository does not hold on the "
                             "task's data (needs --corpus; results cached in OUT/evaluations.csv)")
    parser.add_argument("--corpus", default=None,
                        help="datasets behind the repository's tasks (default: ../shared/data/corpus)")
    parser.add_argument("--out", default="results/zero_shot", help="output folder")


def run(args: argparse.Namespace) -> int:
    from metaknow.recommend import open_view

    for spec in args.strategies:
        make_strategy(spec)  # unknown names and bad parameters fail before any work
    if not args.k or min(args.k) < 1:
        raise RecommendError("every k must be a positive integer")
    view = open_view(args.repository, args.space, args.task, args.metric)
    out = Path(args.out)
    scorer = None
    if args.evaluate:
        from metaknow.benchmarking.task_scores import TaskScorer
        from repository.builders.bundled import default_corpus

        scorer = TaskScorer(args.corpus or default_corpus(), out / "evaluations.csv",
                            metric=view.metric)
    start = time.perf_counter()
    results = leave_one_task_out(view, args.strategies, args.k, max_tasks=args.max_tasks,
                                 scorer=scorer, split=args.split)
    summary = summarise(results)
    out.mkdir(parents=True, exist_ok=True)
    results.to_csv(out / "results.csv", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    info = {"repository": args.repository, "space": args.space, "task": args.task,
            "metric": view.metric, "n_tasks": int(results["task"].nunique()),
            "n_configurations": view.n_configurations, "seconds": time.perf_counter() - start,
            "command": "metaknow benchmark zero-shot " + " ".join(sys.argv[3:] if len(sys.argv) > 3 else [])}
    md = markdown(summary, info)
    (out / "summary.md").write_text(md)
    plot(summary, out / "zero_shot.png", info)
    print(md)
    print(f"wrote {out}/results.csv, summary.csv, summary.md, zero_shot.png")
    return 0


# ----------------------------------------------------------------- compute
def expected_best_of_random(scores: np.ndarray, k: int) -> float:
    """Exact mean of the best of ``k`` scores drawn without replacement from ``scores``."""
    v = np.sort(np.asarray(scores, dtype=float))
    n = len(v)
    k = min(k, n)
    i = np.arange(1, n + 1)
    p_at_most = comb(i, k) / comb(n, k)  # P(best <= v_i)
    p = np.diff(np.concatenate([[0.0], p_at_most]))
    return float(p @ v)


def task_split(name: str) -> str:
    """``"tune"`` or ``"holdout"``: a fixed half of the tasks by the parity of a hash of the name."""
    import hashlib

    return "tune" if int(hashlib.sha1(str(name).encode()).hexdigest(), 16) % 2 == 0 else "holdout"


def leave_one_task_out(view: RepositoryView, strategies: Sequence[str], ks: Sequence[int],
                       max_tasks: int | None = None, progress: bool = True, scorer: Any = None,
                       split: str | None = None) -> pd.DataFrame:
    """One row per (task, method, k) with the normalised and the raw best-of-k score.

    ``scorer`` (a :class:`~metaknow.benchmarking.task_scores.TaskScorer`) evaluates
    recommended configurations that the matrix does not hold; ``split`` keeps the tasks
    of one :func:`task_split` half.
    """
    from rich.progress import Progress

    if view.n_tasks < 3:
        raise RecommendError(f"the zero-shot benchmark needs at least 3 tasks; the repository has {view.n_tasks}")
    norm = view.normalised()
    default = reference_default(view)
    ks = sorted(set(int(k) for k in ks))
    names = _task_names(view)
    tasks = [t for t in view.performance.index if split is None or task_split(names[t]) == split]
    tasks = tasks[: max_tasks or None]
    rows: list[dict[str, Any]] = []
    with Progress(disable=not progress, transient=True) as bar:
        job = bar.add_task("zero-shot (leave one task out)", total=len(tasks))
        for task in tasks:
            truth = norm.loc[task].fillna(0.0)
            raw = view.performance.loc[task]
            rest = view.without_tasks([task])
            mf = view.metafeatures.loc[task] if task in view.metafeatures.index else pd.Series(dtype=float)
            d_score = float(truth[default]) if default is not None else np.nan
            d_raw = float(raw[default]) if default is not None else np.nan
            base = {"task": task, "name": names[task], "split": task_split(names[task]),
                    "default_raw": d_raw}
            for name in strategies:
                rec = make_strategy(name).fit(rest)
                vals, raws = _scores(rec.recommend(mf, max(ks)), truth, raw, names[task], scorer)
                for k in ks:
                    rows.append({**base, "method": name, "k": k,
                                 "score": float(vals[:k].max()) if len(vals) else 0.0,
                                 "raw": float(np.nanmax(raws[:k])) if np.isfinite(raws[:k]).any()
                                 else np.nan})
            for k in ks:
                rows.append({**base, "method": "random", "k": k, "raw": np.nan,
                             "score": expected_best_of_random(truth.to_numpy(), k)})
                rows.append({**base, "method": "default", "k": k, "score": d_score, "raw": d_raw})
            bar.advance(job)
    results = pd.DataFrame(rows)
    dflt = results[results["method"] == "default"].set_index(["task", "k"])["score"]
    results["default_score"] = dflt.reindex(pd.MultiIndex.from_frame(results[["task", "k"]])).to_numpy()
    return results


def _task_names(view: RepositoryView) -> dict[str, str]:
    names = view.tasks["name"] if "name" in view.tasks else pd.Series(dtype=str)
    return {str(t): str(names.get(t, t)) for t in view.performance.index}


def _scores(candidates: Sequence[Any], truth: pd.Series, raw: pd.Series, task_name: str,
            scorer: Any) -> tuple[np.ndarray, np.ndarray]:
    """Normalised and raw scores of the candidates on the held-out task.

    A configuration in the matrix is read from it; any other is evaluated by ``scorer``
    and normalised against the task's design (min-max over its configurations; a task
    whose design scored all alike counts a score at least as good as 1, else 0). A
    configuration that failed, or that cannot be scored, counts as 0.
    """
    lo, hi = float(raw.min()), float(raw.max())
    norm, vals = [], []
    for c in candidates:
        if c.config_id in truth.index:
            norm.append(float(truth[c.config_id]))
            vals.append(float(raw[c.config_id]))
            continue
        name = c.space_key.partition("/")[0]
        s = scorer.score(task_name, name, c.params) if scorer is not None else float("nan")
        vals.append(s)
        if not np.isfinite(s):
            norm.append(0.0)
        elif hi > lo:
            norm.append((s - lo) / (hi - lo))
        else:
            norm.append(1.0 if s >= lo - 1e-12 else 0.0)
    return np.array(norm, dtype=float), np.array(vals, dtype=float)


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean score, mean rank and wins/ties vs the default per (method, k)."""
    r = results.copy()
    r["rank"] = r.groupby(["task", "k"])["score"].rank(ascending=False, method="average")
    r["win"] = r["score"] > r["default_score"] + 1e-12
    r["tie"] = (r["score"] - r["default_score"]).abs() <= 1e-12
    if "raw" in r and "default_raw" in r:
        r["gain"] = r["raw"] - r["default_raw"]
    else:
        r["gain"] = np.nan
    g = r.groupby(["method", "k"])
    out = pd.DataFrame({"score": g["score"].mean(), "score_sem": g["score"].sem(),
                        "rank": g["rank"].mean(), "wins_vs_default": g["win"].mean(),
                        "ties_vs_default": g["tie"].mean(), "gain_vs_default": g["gain"].mean(),
                        "n_tasks": g["task"].nunique()}).reset_index()
    return out


# ------------------------------------------------------------------ output
def markdown(summary: pd.DataFrame, info: dict[str, Any]) -> str:
    ks = sorted(summary["k"].unique())
    order = (summary[summary["k"] == ks[0]].sort_values("score", ascending=False)["method"].tolist())
    head = (f"Zero-shot benchmark (leave one task out): repository `{info['repository']}`, space "
            f"`{info['space']}` ({info['task']}), metric `{info['metric']}`, "
            f"**{info['n_tasks']} tasks** x {info['n_configurations']} configurations; "
            f"{info['seconds']:.0f} s.\n\n")
    lines = [head, "Mean normalised best-of-k (1 = best configuration of the task's design), "
             "mean rank among methods in brackets:\n",
             "| method | " + " | ".join(f"k={k}" for k in ks) + " |",
             "|---|" + "---:|" * len(ks)]
    s = summary.set_index(["method", "k"])
    for m in order:
        lines.append(f"| {m} | " + " | ".join(f"{s.loc[(m, k), 'score']:.3f} ({s.loc[(m, k), 'rank']:.2f})"
                                               for k in ks) + " |")
    lines += ["", "Share of tasks where the best of k beats the library default (strictly; ties "
              "in brackets):", "", "| method | " + " | ".join(f"k={k}" for k in ks) + " |",
              "|---|" + "---:|" * len(ks)]
    for m in order:
        if m == "default":
            continue
        lines.append(f"| {m} | " + " | ".join(
            f"{100 * s.loc[(m, k), 'wins_vs_default']:.0f}% ({100 * s.loc[(m, k), 'ties_vs_default']:.0f}%)"
            for k in ks) + " |")
    if summary["gain_vs_default"].notna().any():
        lines += ["", f"Mean gain of the best of k over the library default, in {info['metric']}:",
                  "", "| method | " + " | ".join(f"k={k}" for k in ks) + " |",
                  "|---|" + "---:|" * len(ks)]
        for m in order:
            if m in ("default", "random"):
                continue
            lines.append(f"| {m} | " + " | ".join(f"{s.loc[(m, k), 'gain_vs_default']:+.4f}"
                                                   for k in ks) + " |")
    return "\n".join(lines) + "\n"


def plot(summary: pd.DataFrame, path: Path, info: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for method, g in summary.groupby("method"):
        g = g.sort_values("k")
        style = {"random": dict(ls="--", color="grey"), "default": dict(ls=":", color="black")}.get(method, {})
        ax.errorbar(g["k"], g["score"], yerr=g["score_sem"], marker="o", ms=3, capsize=2,
                    label=method, **style)
    ax.set_xscale("log")
    ax.set_xticks(sorted(summary["k"].unique()))
    ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.set_xlabel("k (configurations recommended)")
    ax.set_ylabel("mean normalised best-of-k")
    ax.set_title(f"Zero-shot, {info['space']} ({info['n_tasks']} tasks, {info['repository']})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
