"""``metaknow recommend DATA``: configurations to try first, and the prior tasks behind them."""

from __future__ import annotations

import argparse
import sys

HELP = ("Recommend configurations for a dataset from the most similar prior tasks "
        "(nearest tasks with distances, configurations with predicted scores).")
EXAMPLE = """Examples:
  metaknow recommend train.csv --target label --space lightgbm --k 5
  metaknow recommend sklearn:breast_cancer --space all --k 10 --format json
  metaknow recommend data.arff --strategy portfolio --repository my_store.sqlite"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from metaknow.recommenders import DEFAULT_STRATEGY, strategy_names

    parser.add_argument("data", help="CSV/TSV/Parquet/ARFF file (optionally .gz) or sklearn:NAME")
    parser.add_argument("--target", help="target column (ARFF default: the last attribute)")
    parser.add_argument("--task", help="classification or regression (default: inferred)")
    parser.add_argument("--space", default="lightgbm",
                        help="search space to recommend from, or 'all' for algorithm + configuration "
                             "(default: lightgbm)")
    parser.add_argument("--k", type=int, default=10, help="number of configurations (default: 10)")
    parser.add_argument("--strategy", default=None,
                        help=f"one of {', '.join(strategy_names())} (default: {DEFAULT_STRATEGY})")
    parser.add_argument("--repository", default="bundled",
                        help="bundled (default), openml100, or the path of a repository store")
    parser.add_argument("--metric", default=None, help="metric of the prior evaluations (default: the store's)")
    parser.add_argument("--groups", default=None,
                        help="comma-separated meta-feature groups, or 'all' (default: general, "
                             "statistical, info-theory, model-based; landmarking is slower)")
    parser.add_argument("--nearest", type=int, default=5, help="prior tasks to list (default: 5)")
    parser.add_argument("--include-self", action="store_true",
                        help="let the repository's copy of this very dataset contribute")
    parser.add_argument("--max-fit-seconds", type=float, default=None, metavar="S",
                        help="leave out configurations predicted to take over S seconds per fit "
                             "on all rows of this table (column 'fit s')")
    parser.add_argument("--format", choices=("table", "json"), default="table")


def run(args: argparse.Namespace) -> int:
    from metaknow.commands._console import print_data_notes
    from metaknow.dataset import load_dataset
    from metaknow.exceptions import DataError
    from metaknow.recommend import recommend

    if args.task is not None and args.task not in ("classification", "regression"):
        raise DataError(f"--task must be classification or regression, got {args.task!r}")
    dataset = load_dataset(args.data, target=args.target, task=args.task)
    print_data_notes(dataset)
    result = recommend(dataset, target=args.target, task=args.task, space=args.space, k=args.k,
                       strategy=args.strategy, repository=args.repository, metric=args.metric,
                       groups=args.groups.split(",") if args.groups else None,
                       include_self=args.include_self, n_nearest=args.nearest,
                       max_fit_seconds=args.max_fit_seconds)
    if args.format == "json":
        sys.stdout.write(result.to_json() + "\n")
    else:
        print_tables(result)
    return 0


def print_tables(result) -> None:  # noqa: ANN001 - a Recommendation
    """Render a recommendation as rich tables on stdout (readable at 80 columns)."""
    from metaknow.commands._console import make_console
    from rich.table import Table

    from metaknow.recommenders.base import Recommender

    console = make_console(sys.stdout)
    repo = result.repository
    ds = result.dataset
    console.print(f"[bold]{ds.get('name', 'dataset')}[/bold] ({result.task_type}"
                  + (f", {ds['n_rows']} rows x {ds['n_features']} features" if "n_rows" in ds else "")
                  + f") vs repository [bold]{repo.get('name')}[/bold]: {repo.get('n_tasks')} tasks, "
                  f"{repo.get('n_configurations')} configurations, metric {result.metric}; "
                  f"strategy {result.strategy}")
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    near = Table(title="Nearest prior tasks")
    for col in ("#", "task", "distance", "similarity"):
        near.add_column(col, justify="left" if col == "task" else "right")
    for i, nb in enumerate(result.nearest_tasks, start=1):
        near.add_row(str(i), nb.name, f"{nb.distance:.3f}", f"{nb.similarity:.2f}")
    if result.nearest_tasks:
        console.print(near)
    console.print(_configuration_table(result))
    console.print(f"{'gain' if _has_gains(result) else 'score'} = "
                  f"{result.score_meaning or Recommender.score_meaning}", soft_wrap=False)
    if any(c.fit_seconds == c.fit_seconds for c in result.configurations):
        console.print("fit s = predicted seconds of one fit on all rows, as timed on the machine "
                      "that built the repository (one thread); a scale, not a promise",
                      soft_wrap=False)


def _has_gains(result) -> bool:  # noqa: ANN001
    return any(c.gain == c.gain for c in result.configurations)


def _configuration_table(result):  # noqa: ANN001, ANN202
    """Configurations best first (with predicted gains, the library default's row too),
    then their parameters, wrapped between ``key=value`` tokens, never inside one."""
    from rich.console import Group
    from rich.table import Table

    gains = _has_gains(result)
    multi = len(result.spaces) > 1
    table = Table(title=f"Recommended configurations ({result.space})", title_justify="left")
    table.add_column("#", justify="right")
    if multi:
        table.add_column("space")
    if gains:
        table.add_column("gain", justify="right")
        table.add_column("interval", justify="right", no_wrap=True)
    else:
        table.add_column("score", justify="right")
        table.add_column("±", justify="right")
    costs = any(c.fit_seconds == c.fit_seconds for c in result.configurations)
    if costs:
        table.add_column("fit s", justify="right")
    table.add_column("why")
    rows = [(str(i), c) for i, c in enumerate(result.configurations, start=1)]
    if gains and result.default is not None and not any(c.is_default for c in result.configurations):
        rows.append(("-", result.default))
    params = Table.grid(padding=(0, 1))
    params.add_column(justify="right")
    params.add_column()
    for label, c in rows:
        cells = [label] + ([c.space_key.split("/")[0]] if multi else [])
        if gains:
            cells += [f"{c.gain:+.4f}", f"[{c.gain_low:+.3f}, {c.gain_high:+.3f}]"]
        else:
            cells += [f"{c.score:.3f}", f"{c.uncertainty:.3f}"]
        if costs:
            cells.append(_seconds(c.fit_seconds))
        table.add_row(*cells, c.rationale, style="bold" if c.is_default else None)
        params.add_row(label, "library default" if c.is_default and not c.params else
                       " ".join(f"{k}={_fmt(v)}" for k, v in c.params.items()))
    return Group(table, "[bold]Parameters[/bold]", params)


def _seconds(s: float) -> str:
    """Predicted seconds, to two significant figures ("?" when unknown)."""
    if s != s:
        return "?"
    return f"{s:.2g}" if s < 100 else f"{s:,.0f}"


def _fmt(v: object) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
