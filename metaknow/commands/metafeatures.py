"""``metaknow metafeatures DATA``: print the meta-features of a dataset."""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys

from metaknow.exceptions import DataError

HELP = "Compute the meta-features of a dataset (OpenML-compatible names)."
EXAMPLE = """Examples:
  metaknow metafeatures sklearn:iris --groups general,statistical
  metaknow metafeatures train.csv --target label --format json > mf.json
  metaknow metafeatures big.parquet --target y --max-rows 5000 --format csv"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from metafeatures import DEFAULT_MAX_ROWS

    parser.add_argument("data", metavar="DATA",
                        help="CSV/TSV/Parquet/ARFF file (optionally .gz) or sklearn:NAME")
    parser.add_argument("--target", help="target column (ARFF default: last attribute)")
    parser.add_argument("--task", choices=["classification", "regression"],
                        help="override the inferred task type")
    parser.add_argument("--groups", help="comma-separated groups (default: all): "
                        "general, statistical, info-theory, landmarking, model-based")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--max-rows", type=_positive_int, default=DEFAULT_MAX_ROWS,
                        help=f"row cap for expensive groups (default {DEFAULT_MAX_ROWS})")
    parser.add_argument("--openml-engine", choices=["today", "2018"], default="today",
                        help="OpenML definitions: today's (default) or the 2018 export's")
    parser.add_argument("--format", choices=["table", "json", "csv"], default="table",
                        help="output format (default table)")
    parser.add_argument("--verbose", action="store_true", help="show warnings")


def _json_value(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def render_json(series, dataset_name: str) -> str:
    """JSON document: names -> floats (NaN as null), timings and the subsample note."""
    doc = {
        "dataset": dataset_name,
        "metafeatures": {str(k): _json_value(float(v)) for k, v in series.items()},
        "timings": {k: round(v, 6) for k, v in series.attrs["timings"].items()},
        "subsampled": bool(series.attrs["subsampled"]),
        "n_rows_used": int(series.attrs["n_rows_used"]),
        "max_rows": int(series.attrs["max_rows"]),
        "extractor_version": series.attrs["extractor_version"],
    }
    return json.dumps(doc, indent=2)


def render_csv(series) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["name", "value"])
    for k, v in series.items():
        writer.writerow([k, "" if math.isnan(v) else repr(float(v))])
    return buf.getvalue()


def _subsample_note(series) -> str:
    if series.attrs["subsampled"]:
        return (f"expensive groups ran on a stratified subsample of {series.attrs['n_rows_used']} "
                f"rows (--max-rows {series.attrs['max_rows']})")
    return "no subsampling"


def render_table(series, dataset_name: str) -> None:
    from rich import box
    from rich.table import Table

    from metafeatures import all_groups
    from metaknow.commands._console import make_console

    owner = {name: g.name for g in all_groups() for name in g.definitions}
    openml = {name for g in all_groups() for name in g.openml}
    console = make_console(sys.stdout)
    # Under 100 columns, no vertical rules: the longest names still fit 80 columns whole.
    compact = {} if console.width >= 100 else {"box": box.SIMPLE_HEAD, "show_edge": False,
                                               "pad_edge": False}
    table = Table(title=f"meta-features of {dataset_name}", **compact)
    table.add_column("group", no_wrap=True)
    table.add_column("meta-feature", overflow="fold")
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("OpenML", justify="center", no_wrap=True)
    for name, value in series.items():
        table.add_row(owner.get(name, ""), str(name),
                      "NaN" if math.isnan(value) else f"{value:.6g}",
                      "yes" if name in openml else "")
    console.print(table)
    timings = ", ".join(f"{k} {v:.3f}s" for k, v in series.attrs["timings"].items())
    console.print(f"timings: {timings}; {_subsample_note(series)}")


def run(args: argparse.Namespace) -> int:
    from metafeatures import extract_dataset
    from metaknow.commands._console import print_data_notes
    from metaknow.dataset import load_dataset

    dataset = load_dataset(args.data, target=args.target, task=args.task)
    print_data_notes(dataset)
    series = extract_dataset(dataset, groups=args.groups, seed=args.seed, max_rows=args.max_rows,
                             openml_engine=args.openml_engine)
    if series.empty:
        raise DataError("no meta-feature computed")
    if args.format == "json":
        sys.stdout.write(render_json(series, dataset.name) + "\n")
    elif args.format == "csv":
        sys.stdout.write(render_csv(series))
        print(f"# {_subsample_note(series)}", file=sys.stderr)
    else:
        render_table(series, dataset.name)
    return 0
