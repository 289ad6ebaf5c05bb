"""The ``metaknow`` command: wiring only.

Each command lives in its own module under :mod:`metaknow.commands` and exposes
``add_arguments(parser)`` and ``run(args) -> int``. Adding a command = one module and
one line in ``COMMANDS``. Every :class:`~metaknow.exceptions.MetaknowError` becomes one
line on stderr and exit code 2; Ctrl-C exits with 130.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
import warnings
from typing import Sequence

COMMANDS: dict[str, str] = {
    "metafeatures": "metaknow.commands.metafeatures",
    "repository": "metaknow.commands.repository",
    "recommend": "metaknow.commands.recommend",
    "tune": "metaknow.commands.tune",
    "benchmark": "metaknow.commands.benchmark",
    "importance": "metaknow.commands.importance",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The full parser, or with ``argv``, one whose only fully built command is the one named.

    Every command is listed with its help line; its arguments (whose defaults and choices
    may need the command's heavy dependencies) are added only for the command being run,
    so ``metaknow --help`` and ``metaknow tune ...`` do not import the other commands' parts.
    """
    chosen = None if argv is None else next((a for a in argv if not a.startswith("-")), "")
    parser = argparse.ArgumentParser(
        prog="metaknow",
        description="Warm-start hyperparameter tuning from prior evaluations on similar datasets.",
        epilog="Example: metaknow recommend train.csv --target label --space lightgbm --k 5",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)  # light: heavy imports sit in run()
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # command not built yet
        description = textwrap.fill(module.HELP, 79, break_on_hyphens=False)  # 80 columns
        p = sub.add_parser(name, help=module.HELP, description=description,
                           epilog=getattr(module, "EXAMPLE", None),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        if chosen is None or chosen == name:
            module.add_arguments(p)
            p.set_defaults(_run=module.run)
    return parser


def _version() -> str:
    try:
        from importlib.metadata import version

        return f"metaknow {version('metaknow')}"
    except Exception:  # pragma: no cover - not installed
        return "metaknow (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    from metaknow.exceptions import MetaknowError

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            if not getattr(args, "verbose", False):
                warnings.simplefilter("ignore")
            return int(args._run(args) or 0)
    except MetaknowError as exc:
        print(f"metaknow {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"metaknow {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into head
        return 0


def entry_point() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
