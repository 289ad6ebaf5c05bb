"""``metaknow tune DATA``: warm-started Bayesian optimisation of one space on one dataset."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

HELP = ("Tune a search space on a dataset: metaknow's recommendations first, then SMAC-style "
        "random-forest Bayesian optimisation; writes the history, the best configuration and "
        "an anytime plot; rerun with the same --out to resume.")
EXAMPLE = """Trials: the library default first (the baseline), then the warm start (the two
take at most half the budget), then Bayesian optimisation. Challengers are
raced: evaluated fold by fold and stopped early ("raced") once they cannot beat
the best configuration so far on the same folds; only configurations that ran
every fold can become the best. One run at a time holds an --out folder; the
same command again resumes it.

Examples:
  metaknow tune train.csv --target label --space lightgbm --budget 50
  metaknow tune train.csv --target label --space all --budget 60  # + algorithm
  metaknow tune sklearn:breast_cancer --budget 30 --n-jobs 2 --out runs/bc
  metaknow tune data.arff --budget 100 --warm-start 0 --metric log_loss"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", help="CSV/TSV/Parquet/ARFF file (optionally .gz) or sklearn:NAME")
    parser.add_argument("--target", help="target column (ARFF default: the last attribute)")
    parser.add_argument("--task", help="classification or regression (default: inferred)")
    parser.add_argument("--space", default="lightgbm",
                        help="search space to tune, or 'all' for algorithm + configuration over "
                             "every registered space of the task (default: lightgbm)")
    parser.add_argument("--budget", type=int, default=None,
                        help="number of trials (default: 50, or no cap with --wall-time)")
    parser.add_argument("--warm-start", type=int, default=10,
                        help="recommended configurations to start from; with the library "
                             "default (always the first trial) they take at most half of "
                             "--budget, fewer are used otherwise, so Bayesian optimisation gets "
                             "the rest; 0 = cold start (default: 10)")
    parser.add_argument("--n-jobs", type=int, default=1, help="trials in parallel (default: 1)")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds per fold; slower folds count as a timeout (default: none)")
    parser.add_argument("--wall-time", type=float, default=None,
                        help="seconds for the whole run: a trial running at the end is stopped; "
                             "the warm start keeps configurations whose predicted trial fits in "
                             "a quarter of it (default: none)")
    parser.add_argument("--fidelity", choices=("rows",), default=None,
                        help="rows: successive halving over training rows (cheap subsamples "
                             "first; for large tables)")
    parser.add_argument("--scheduler", default=None,
                        help="dask.distributed scheduler address: run the trials on its workers")
    parser.add_argument("--metric", default=None,
                        help="metric to optimise (default: roc_auc / r2); see the evaluation protocol")
    parser.add_argument("--cv", type=int, default=5, help="cross-validation folds (default: 5)")
    parser.add_argument("--repository", default="bundled",
                        help="where recommendations come from (default: bundled)")
    parser.add_argument("--priors", action="store_true",
                        help="also feed the nearest prior tasks' evaluations to the surrogate")
    parser.add_argument("--transfer", action="store_true",
                        help="combine the nearest prior tasks' surrogates with the run's own, "
                             "weighted by how well each ranks this run's trials")
    parser.add_argument("--learned-space", action="store_true",
                        help="tune a space narrowed to the nearest prior tasks' good regions, "
                             "unimportant parameters fixed at learned defaults (see "
                             "'metaknow importance')")
    parser.add_argument("--out", default=None,
                        help="output folder (default: metaknow-tune-<data>-<space>); resumes if it "
                             "holds this run; refused while another run holds it")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--format", choices=("table", "json"), default="table")


def run(args: argparse.Namespace) -> int:
    from metaknow.exceptions import DataError, TuneError
    from metaknow.rundir import hold_run_dir
    from metaknow.spaces.joint import JOINT
    from metaknow.spaces.joint import split as joint_split
    from metaknow.tune import tune

    if args.task is not None and args.task not in ("classification", "regression"):
        raise DataError(f"--task must be classification or regression, got {args.task!r}")
    if args.budget is None and args.wall_time is None:
        args.budget = 50
    if args.budget is not None and args.budget < 1:
        raise TuneError(f"--budget must be a positive number of trials, got {args.budget}")
    if args.warm_start < 0:
        raise TuneError(f"--warm-start must be 0 or more, got {args.warm_start}")
    if args.n_jobs < 1:
        raise TuneError(f"--n-jobs must be at least 1, got {args.n_jobs}")
    for name in ("time_limit", "wall_time"):
        value = getattr(args, name)
        if value is not None and not value > 0:
            raise TuneError(f"--{name.replace('_', '-')} must be positive, got {value:g}")
    if args.cv < 2:
        raise TuneError(f"--cv must be at least 2 folds, got {args.cv}")
    out = Path(args.out) if args.out else Path(f"metaknow-tune-{_slug(args.data)}-{args.space}")
    with hold_run_dir(out), _Progress(args.budget, enabled=not args.no_progress) as progress:
        result = tune(args.data, target=args.target, task=args.task, space=args.space,
                      budget=args.budget, warm_start=args.warm_start, metric=args.metric,
                      cv=args.cv, n_jobs=args.n_jobs, time_limit=args.time_limit,
                      wall_time=args.wall_time, out=out, seed=args.seed,
                      repository=args.repository, use_priors=args.priors, transfer=args.transfer,
                      learned_space=args.learned_space, callback=progress.update, refit=False,
                      messages=_say, scheduler=args.scheduler, fidelity=args.fidelity)
        result.history.to_csv(out / "history.csv", index=False)
        plot_anytime(result.history, result.metric, out / "anytime.png",
                     dataset=result.dataset, space=result.space)
    summary = {"space": result.space, "metric": result.metric, "best_score": result.best_score,
               "best_config": result.best_config, "n_trials": int(len(result.history)),
               "interrupted": result.interrupted, "out": str(out), "notes": result.notes,
               "files": {"history": str(out / "history.jsonl"), "history_csv": str(out / "history.csv"),
                         "best_config": str(out / "best_config.json"), "plot": str(out / "anytime.png")}}
    if result.space.split("/")[0] == JOINT:
        algorithm, params = joint_split(result.best_config)
        summary.update(algorithm=algorithm, params=params)
    if args.format == "json":
        sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")
    else:
        _print_summary(summary, result.history)
    if result.interrupted:
        print(f"metaknow tune: interrupted after {len(result.history)} trials; rerun with "
              f"--out {out} to resume", file=sys.stderr)
        return 130
    return 0


def _say(message: str) -> None:
    print(f"metaknow tune: {message}", file=sys.stderr, flush=True)


def _slug(data: str) -> str:
    stem = Path(str(data).split(":", 1)[-1]).name
    stem = re.sub(r"\.(csv|tsv|parquet|arff)(\.gz)?$", "", stem, flags=re.I)
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem) or "data"


class _Progress:
    """A rich progress bar (on stderr): trials done, best score so far, ETA."""

    def __init__(self, total: int, enabled: bool = True) -> None:
        self.total = total
        self.enabled = enabled
        self._bar: Any = None

    def __enter__(self) -> "_Progress":
        return self  # the bar starts with the first trial: input errors print one line only

    def _start(self) -> None:
        if self.enabled and self._bar is None:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeElapsedColumn, TimeRemainingColumn)

            self._bar = Progress(TextColumn("tuning"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("best {task.fields[best]}"), TimeElapsedColumn(),
                                 TextColumn("ETA"), TimeRemainingColumn(),
                                 console=Console(file=sys.stderr), transient=False)
            self._bar.__enter__()
            self._task = self._bar.add_task("tune", total=self.total, best="-")

    def update(self, trial: Any, best: float | None, done: int) -> None:
        self._start()
        if self._bar is not None:
            self._bar.update(self._task, completed=done, best="-" if best is None else f"{best:.4f}")

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _print_summary(summary: dict[str, Any], history: Any) -> None:
    from rich.table import Table

    from metaknow.commands._console import make_console

    console = make_console(sys.stdout)
    for note in summary["notes"]:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)
    counts = history["status"].value_counts().to_dict() if len(history) else {}
    console.print(f"[bold]{summary['space']}[/bold]: best {summary['metric']} "
                  f"{summary['best_score']:.5f} after {summary['n_trials']} trials "
                  f"({', '.join(f'{v} {k}' for k, v in sorted(counts.items()))})")
    if counts.get("raced"):
        console.print(f"raced = {RACED_MEANING}")
    params = summary.get("params", summary["best_config"])
    title = "Best configuration"
    if "algorithm" in summary:
        title = f"Best configuration: {summary['algorithm']}"
    table = Table(title=title)
    table.add_column("parameter")
    table.add_column("value", justify="right", no_wrap=True)
    for k, v in params.items():
        table.add_row(k, f"{v:.6g}" if isinstance(v, float) else str(v))
    console.print(table)
    files = summary["files"]
    console.print(f"history: {files['history']}")
    console.print(f"best: {files['best_config']}")
    console.print(f"plot: {files['plot']}")


#: What a "raced" trial is, for the summary, the plot and the help.
RACED_MEANING = ("stopped early by racing: evaluated fold by fold and dropped once it could "
                 "not beat the best configuration so far on the same folds")


def plot_anytime(history: Any, metric: str, path: Path, dataset: str = "",
                 space: str = "") -> None:
    """Best score so far vs trial number (PNG).

    Trials that ran every fold are filled dots (squares for the warm start); trials
    stopped early by racing are hollow (their score is on the folds they ran); the
    library default's score, when it ran every fold, is a dashed horizontal line.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from metaknow.evaluation import higher_is_better

    higher = higher_is_better(metric)
    fig, ax = plt.subplots(figsize=(7.2, 4.4), dpi=110)
    try:
        if len(history):
            _draw_trials(ax, history, higher)
        ax.set_xlabel("trial")
        ax.set_ylabel(f"{metric}, cross-validated ({'higher' if higher else 'lower'} is better)")
        title = " · ".join(x for x in (dataset, space, metric) if x)
        ax.set_title(f"metaknow tune: {title}" if title else "metaknow tune", fontsize=10)
        ax.legend(loc="best", fontsize=7.5, framealpha=0.85)
        ax.grid(alpha=0.25)
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)


def _draw_trials(ax: Any, history: Any, higher: bool = True) -> None:
    import numpy as np

    x = history["trial"].to_numpy() + 1
    score = history["score"].to_numpy(dtype=float)
    status = history["status"].to_numpy()
    origin = history["origin"].to_numpy()
    full = status == "ok"
    warm = origin == "warm_start"
    for mask, kw in ((full & ~warm, dict(marker="o", label="trial: all folds")),
                     (full & warm, dict(marker="s", label="warm start: all folds")),
                     (status == "raced", dict(marker="o", facecolors="none",
                                              edgecolors="tab:purple",
                                              label="raced: stopped early, score on the folds run"))):
        if mask.any():
            ax.scatter(x[mask], score[mask], s=16, alpha=0.7, **kw)
    failed = ~np.isin(status, ("ok", "raced"))
    if failed.any():
        ax.scatter(x[failed], np.full(failed.sum(), np.nanmin(score) if np.isfinite(score).any()
                                      else 0.0), marker="x", s=16, color="grey",
                   label="failed (crash/timeout)")
    ax.step(x, history["best_score"], where="post", color="black", label="best so far")
    default = (origin == "default") & np.isfinite(score)
    if default.any():
        partial = "" if full[default][0] else ", partial CV"
        ax.axhline(score[default][0], color="tab:red", linestyle="--", linewidth=1,
                   label=f"library default ({score[default][0]:.4g}{partial})")
    _zoom(ax, score, full, higher)


def _zoom(ax: Any, score: Any, full: Any, higher: bool = True) -> None:
    """Y range: every trial that ran all folds, and the better three quarters of all;
    raced-out stragglers far from the best are left off the axis, with a count."""
    import numpy as np

    finite = np.isfinite(score)
    if not finite.any():
        return
    sign = 1.0 if higher else -1.0  # work as if higher were better
    values = sign * score[finite]
    keep = sign * score[finite & full] if (finite & full).any() else values
    worst = min(float(keep.min()), float(np.quantile(values, 0.25)))
    best = float(values.max())
    pad = 0.05 * (best - worst or 1.0)
    hidden = int((values < worst - pad).sum())
    ax.set_ylim(*sorted((sign * (worst - pad), sign * (best + pad))))
    if hidden:
        where = "below" if higher else "above"
        ax.text(0.01, 0.01, f"{hidden} raced trial(s) {where} the axis",
                fontsize=7, transform=ax.transAxes, color="tab:purple")
