"""``metaknow repository build | import | info | verify | export``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from metaknow.exceptions import RepositoryError

HELP = "Build, import, inspect, verify and export repositories of prior evaluations."
EXAMPLE = """Examples:
  metaknow repository info                      # the bundled repository
  metaknow repository build ../shared/data/corpus/manifest.csv --store my.sqlite \\
      --spaces lightgbm random_forest --n-configs 16 --folds 3 --max-rows 2000 --n-jobs 2
  metaknow repository build --bundled --n-jobs 1   # (re)build/resume the bundled default
  metaknow repository import openml-export runs.arff.gz --qualities q.json.gz --store o.sqlite
  metaknow repository verify --repository my.sqlite
  metaknow repository export --repository my.sqlite --to exported/"""

_BUILD_EXAMPLE = """Examples:
  metaknow repository build ../shared/data/corpus/manifest.csv --store my.sqlite \\
      --spaces lightgbm knn --n-configs 16 --folds 3 --max-rows 2000 --time-limit 60 --n-jobs 2
  metaknow repository build data/ --store my.sqlite --scheduler tcp://127.0.0.1:8786
  metaknow repository build --bundled --n-jobs 1       # build/resume the bundled default"""
_IMPORT_EXAMPLE = """Examples:
  metaknow repository import openml-export runs.arff.gz --qualities q.json.gz --store o.sqlite
  metaknow repository import aslib ../shared/data/aslib/OPENML-WEKA-2017 --store a.sqlite"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    fmt = argparse.RawDescriptionHelpFormatter
    b = sub.add_parser("build", help="evaluate a configuration design on datasets",
                       formatter_class=fmt, epilog=_BUILD_EXAMPLE)
    b.add_argument("data", nargs="*", help="folders, manifests (name,file,task,target) or data files")
    b.add_argument("--store", help="repository file to create or extend")
    b.add_argument("--spaces", nargs="+", default=["all"], help="algorithm names, or all")
    b.add_argument("--task-types", nargs="+", default=["classification", "regression"],
                   choices=["classification", "regression"])
    b.add_argument("--n-configs", type=int, default=64, help="design size per space (default first)")
    b.add_argument("--design-seed", type=int, default=0)
    b.add_argument("--folds", type=int, default=5)
    b.add_argument("--repeats", type=int, default=1)
    b.add_argument("--seed", type=int, default=0, help="seeds subsample, splits and models")
    b.add_argument("--max-rows", type=int, default=None, help="stratified subsample above this")
    b.add_argument("--time-limit", type=float, default=None, help="seconds per fold")
    b.add_argument("--memory-limit", type=int, default=None, help="MiB per worker process")
    b.add_argument("--n-jobs", type=int, default=1, help="local worker processes")
    b.add_argument("--scheduler", default=None, help="dask.distributed scheduler address")
    b.add_argument("--source", default="local", help="source name of the tasks")
    b.add_argument("--no-progress", action="store_true")
    b.add_argument("--retry-failed", action="store_true",
                   help="run the stored failed evaluations (crash, timeout, memout) of the "
                        "spaces being built again, e.g. after raising --time-limit")
    b.add_argument("--bundled", action="store_true",
                   help="build/resume the bundled default into repository/bundled")
    b.add_argument("--fidelity", action="store_true",
                   help="build/resume the fidelity repository (the bundled design at several "
                        "training sizes on the larger tasks) into repository/fidelity")
    b.add_argument("--work", default=None,
                   help="working store of --bundled / --fidelity, outside git (default "
                        "/work/bundled-build/work.sqlite, /work/fidelity-build/work.sqlite)")
    b.add_argument("--corpus", default=None, help="corpus folder for --bundled")
    b.add_argument("--tables", default=None,
                   help="real-world tables folder for --bundled (default ../shared/data/tables)")
    b.add_argument("--only", nargs="+", default=None, help="--bundled: only these algorithms; --fidelity: only these tasks")
    b.add_argument("--metafeatures-only", action="store_true",
                   help="only compute missing meta-features of the stored tasks (with "
                        "--bundled: rewrite repository/bundled/metafeatures.csv)")
    b.set_defaults(_action=_build)

    i = sub.add_parser("import", help="import published meta-data (OpenML, ASlib)",
                       formatter_class=fmt, epilog=_IMPORT_EXAMPLE)
    isub = i.add_subparsers(dest="kind", metavar="KIND")
    from repository.sources import available

    for kind, module in available().items():
        example = getattr(module, "IMPORT_EXAMPLE", None) or \
            f"Example: metaknow repository import {kind} ... --store repo.sqlite"
        p = isub.add_parser(kind, help=module.IMPORT_HELP, description=module.IMPORT_HELP,
                            formatter_class=fmt, epilog=example)
        module.add_import_arguments(p)
        p.add_argument("--store", required=True, help="repository file to create or extend")
        p.set_defaults(_importer=module)
    i.set_defaults(_action=_import)

    for name, fn, help_ in (("info", _info, "summarise a repository"),
                            ("verify", _verify, "check integrity and schema version")):
        p = sub.add_parser(name, help=help_, formatter_class=fmt,
                           epilog=f"Example: metaknow repository {name} --repository my.sqlite")
        p.add_argument("--repository", default="bundled", help="a name (bundled) or a file")
        if name == "info":
            p.add_argument("--format", choices=["table", "json"], default="table")
        else:
            p.add_argument("--migrate", action="store_true", help="migrate an older schema")
        p.set_defaults(_action=fn)

    e = sub.add_parser("export", help="write the compact per-dataset files of a repository",
                       formatter_class=fmt,
                       epilog="Example: metaknow repository export --repository my.sqlite --to out/")
    e.add_argument("--repository", default="bundled")
    e.add_argument("--to", required=True, help="output folder")
    e.set_defaults(_action=_export)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "_action", None) is None:
        raise RepositoryError("name an action: build, import, info, verify or export")
    return int(args._action(args) or 0)


# ------------------------------------------------------------------ actions
def _build(args: argparse.Namespace) -> int:
    from metaknow.evaluation import Protocol
    from repository.builders import bundled
    from repository.builders.local import LocalBuilder, collect_datasets
    from repository.store import Store

    if args.fidelity:
        from repository.builders import fidelity

        counts = fidelity.build_fidelity(
            bundled.default_sources(args.corpus, args.tables),
            args.work or "/work/fidelity-build/work.sqlite", n_jobs=args.n_jobs,
            scheduler=args.scheduler, only=args.only, log=_log)
        print(f"fidelity build: {counts['evaluated']} new evaluations, "
              f"{counts['already_done']} already stored")
        return 0
    if args.bundled:
        sources = bundled.default_sources(args.corpus, args.tables)
        if args.metafeatures_only:
            n = bundled.compute_metafeatures(sources, log=_log)
            print(f"wrote meta-features of {n} tasks to {bundled.BUNDLED_DIR / 'metafeatures.csv'}")
            return 0
        bundled.build_bundled(sources, args.work or "/work/bundled-build/work.sqlite", n_jobs=args.n_jobs, scheduler=args.scheduler,
                              progress=not args.no_progress, only=args.only,
                              retry_failed=args.retry_failed, log=_log)
        return 0
    if not args.data:
        raise RepositoryError("name the datasets to build from (folders, manifests or files)")
    if not args.store:
        raise RepositoryError("--store PATH is required (the repository file to fill)")
    protocol = Protocol(n_splits=args.folds, n_repeats=args.repeats, seed=args.seed,
                        max_rows=args.max_rows, time_limit=args.time_limit)
    datasets = collect_datasets(args.data)
    if args.spaces != ["all"]:
        from metaknow.spaces import get_algorithm

        for name in args.spaces:
            get_algorithm(name)  # a typo fails before any file is created
    store = Store.create(args.store, exist_ok=True)
    try:
        builder = LocalBuilder(store, protocol, source=args.source, n_jobs=args.n_jobs,
                               scheduler=args.scheduler, memory_limit_mb=args.memory_limit,
                               progress=not args.no_progress, retry_failed=args.retry_failed)
        spaces: Any = "all" if args.spaces == ["all"] else args.spaces
        if args.metafeatures_only:
            n = builder.add_metafeatures(datasets)
            print(f"added meta-features of {n} task(s) to {args.store}")
            return 0
        summary = builder.build(datasets, spaces, args.n_configs, args.design_seed,
                                task_types=args.task_types)
    finally:
        store.close()
    print(f"evaluated {summary.evaluated} folds ({summary.already_done} already stored); "
          f"failures {summary.failures or 'none'}; skipped {len(summary.skipped)} dataset(s)")
    for name, reason in summary.skipped.items():
        print(f"  skipped {name}: {reason}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from repository.store import Store

    if getattr(args, "_importer", None) is None:
        from repository.sources import SOURCES

        raise RepositoryError("name what to import: " + ", ".join(SOURCES))
    fresh = not Path(args.store).exists()
    store = Store.create(args.store, exist_ok=True)
    try:
        counts = args._importer.import_into(store, args)
    except BaseException:
        store.close()
        if fresh:  # leave no empty repository behind (the import itself is one transaction)
            for suffix in ("", "-wal", "-shm"):
                Path(str(args.store) + suffix).unlink(missing_ok=True)
        raise
    store.close()
    print("imported " + ", ".join(f"{v} {k}" for k, v in dict(counts).items()))
    return 0


#: Terminal width from which ``repository info`` shows its spaces as a table.
WIDE_INFO = 100


def _info(args: argparse.Namespace) -> int:
    from repository.named import open_repository

    with open_repository(args.repository) as store:
        info = store.info()
    if args.format == "json":
        print(json.dumps(info, indent=2))
        return 0
    from metaknow.commands._console import make_console
    from rich.table import Table

    console = make_console(sys.stdout)
    console.print(f"[bold]{info['path']}[/bold] (schema {info['schema_version']})")
    console.print(f"tasks: {info['tasks']} ({', '.join(f'{k}: {v}' for k, v in info['tasks_by_source'].items())}); "
                  f"configurations: {info['configurations']}; evaluations: {info['evaluations']}; "
                  f"skipped datasets: {info['skipped']}")
    if console.width >= WIDE_INFO:
        table = Table("space", "version", "tasks", "configs", "evaluations", "ok", "crash",
                      "timeout", "memout")
        for s in info["spaces"]:
            table.add_row(s["space"], str(s["version"]), str(s["tasks"]),
                          str(s["configurations"]), str(s["evaluations"]), str(s["ok"]),
                          str(s["crash"]), str(s["timeout"]), str(s["memout"]))
        console.print(table)
    else:  # a narrow terminal: one line per space (nothing cut off)
        console.print("spaces:")
        for s in info["spaces"]:
            failed = ", ".join(f"{s[k]} {k}" for k in ("crash", "timeout", "memout") if s[k])
            status = f"{s['ok']} ok, {failed}" if failed else "all ok"
            console.print(f"  {s['space']} v{s['version']}: {s['tasks']} tasks, "
                          f"{s['configurations']} configs, {s['evaluations']} evaluations "
                          f"({status})", highlight=False)
    mf = info["metafeatures"]
    console.print("meta-features: " + (", ".join(f"{k} ({v} tasks)" for k, v in mf.items()) or "none"))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from repository.named import repository_path
    from repository.store import Store

    path = repository_path(args.repository)
    with Store.open(path, readonly=not args.migrate) as store:
        problems = store.verify()
        version = store.schema_version
    if problems:
        for p in problems:
            print(f"problem: {p}", file=sys.stderr)
        print(f"{path}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{path}: ok (schema version {version})")
    return 0


def _export(args: argparse.Namespace) -> int:
    from repository import export
    from repository.named import open_repository

    with open_repository(args.repository) as store:
        n = export.export_store(store, args.to)
    print(f"exported {n} (space, task) pair file(s) to {args.to}")
    return 0


def _log(msg: str) -> None:
    from datetime import datetime, timezone

    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} {msg}", flush=True)
