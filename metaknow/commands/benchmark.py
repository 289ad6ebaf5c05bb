"""``metaknow benchmark NAME``: the benchmarks a user can rerun.

Each benchmark is one module under :mod:`metaknow.benchmarking` exposing ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``; adding one = one module + one line.
"""

from __future__ import annotations

import argparse
import importlib

HELP = "Run a benchmark (zero-shot recommendation, warm-started tuning, OpenML yardstick)."
EXAMPLE = "Example: metaknow benchmark zero-shot --k 1 3 5 10 25 --out results/zero_shot"

BENCHMARKS: dict[str, str] = {
    "zero-shot": "metaknow.benchmarking.zero_shot",
    "first-pick": "metaknow.benchmarking.first_pick",
    "warm-start": "metaknow.benchmarking.warm_start",
    "openml-yardstick": "metaknow.benchmarking.openml_yardstick",
    "openml-proxy": "metaknow.benchmarking.openml_proxy",
    "race": "metaknow.benchmarking.race.command",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="benchmark", metavar="NAME")
    for name, module_name in BENCHMARKS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        p = sub.add_parser(name, help=module.HELP, description=module.HELP,
                           epilog=getattr(module, "EXAMPLE", None),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(_bench=module.run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "_bench", None) is None:
        from metaknow.exceptions import MetaknowError

        raise MetaknowError("name a benchmark: " + ", ".join(BENCHMARKS))
    return int(args._bench(args) or 0)
