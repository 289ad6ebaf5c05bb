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
                       include_self=args.include_self, n_nearest=args.nearest)
    if args.format == "json":
        sys.stdout.write(result.to_json() + "\n")
    else:
        print_tables(result)
    return 0


def print_tables(result) -> None:  # noqa: ANN001 - a Recommendation
    """Render a recommendation as rich tables on stdout."""
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
    for col in ("#", "task", "id", "distance", "similarity"):
        near.add_column(col, justify="right" if col in ("#", "distance", "similarity") else "left")
    for i, nb in enumerate(result.nearest_tasks, start=1):
        near.add_row(str(i), nb.name, nb.task_id, f"{nb.distance:.3f}", f"{nb.similarity:.2f}")
    if result.nearest_tasks:
        console.print(near)
    # A terminal narrower than WIDE_TABLE lists each configuration's parameters under
    # the table, wrapped between key=value tokens, never inside one.
    wide = console.width >= WIDE_TABLE
    conf = Table(title=f"Recommended configurations ({result.space})")
    for col in ("#", "space", "predicted", "±", "why") + (("parameters",) if wide else ()):
        conf.add_column(col, justify="right" if col in ("#", "predicted", "±") else "left",
                        no_wrap=col != "why" and col != "parameters")
    listed = []
    for i, c in enumerate(result.configurations, start=1):
        params = ", ".join(f"{k}={_fmt(v)}" for k, v in c.params.items())
        cells = [str(i), c.space_key.split("/")[0], f"{c.score:.3f}", f"{c.uncertainty:.3f}",
                 c.rationale]
        conf.add_row(*cells, *((params,) if wide else ()))
        listed.append(f"{i}. {c.space_key.split('/')[0]}: {params}")
    console.print(conf)
    if not wide:
        console.print("parameters:")
        for line in listed:
            console.print(line, highlight=False)
    console.print(f"predicted = {result.score_meaning or Recommender.score_meaning}")


#: Terminal width from which the parameters are a column of the table.
WIDE_TABLE = 120


def _fmt(v: object) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
