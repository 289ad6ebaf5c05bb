"""``metaknow importance SPACE``: which hyperparameters matter, by the prior evaluations."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

HELP = ("Which hyperparameters of a space matter: per-task random-forest surrogates of the "
        "prior evaluations, decomposed by functional ANOVA (shares of variance, with their "
        "spread across tasks); optionally tunability and data-driven defaults.")
EXAMPLE = """Examples:
  metaknow importance random_forest --repository openml100 --plot rf.png
  metaknow importance lightgbm --near train.csv --target label --tunability
  metaknow importance lightgbm --task diabetes --format json"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from metaknow.importance import method_names

    parser.add_argument("space", help="search space name (lightgbm, random_forest, ...)")
    parser.add_argument("--repository", default="bundled",
                        help="bundled (default), openml100, or the path of a repository store")
    parser.add_argument("--task-type", default="classification",
                        choices=("classification", "regression"),
                        help="which version of the space (default: classification)")
    parser.add_argument("--metric", default=None,
                        help="metric of the prior evaluations (default: the store's)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--task", action="append", default=None,
                       help="a prior task to analyse (repeatable; default: every task)")
    which.add_argument("--near", metavar="DATA",
                       help="analyse the prior tasks nearest to this dataset (file or sklearn:NAME)")
    parser.add_argument("--target", help="target column of --near DATA")
    parser.add_argument("--n-near", type=int, default=10, help="nearest tasks with --near (default: 10)")
    parser.add_argument("--method", default="fanova", choices=method_names(),
                        help="importance method (default: fanova)")
    parser.add_argument("--no-pairs", action="store_true", help="main effects only")
    parser.add_argument("--tunability", action="store_true",
                        help="also report data-driven defaults and the gain from tuning each "
                             "parameter alone")
    parser.add_argument("--top", type=int, default=15, help="rows shown in the table (default: 15)")
    parser.add_argument("--domain", choices=("observed", "space"), default="observed",
                        help="integrate over the range each task's evaluations cover (default) "
                             "or over the whole space")
    parser.add_argument("--trees", type=int, default=32, help="trees per task surrogate (default: 32)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--plot", metavar="FILE", help="write a box plot (PNG) of the shares")
    parser.add_argument("--format", choices=("table", "json"), default="table")


def run(args: argparse.Namespace) -> int:
    from metaknow.exceptions import MetaknowError
    from metaknow.importance.analysis import importance
    from metaknow.recommend import open_view
    from metaknow.spaces import get_space

    for name in ("top", "trees", "n_near"):
        if getattr(args, name) < 1:
            raise MetaknowError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    space = get_space(args.space, args.task_type)
    view = open_view(args.repository, args.space, args.task_type, args.metric)
    notes: list[str] = []
    tasks = None
    if args.task:
        tasks = [resolve_task(view, t) for t in args.task]
    elif args.near:
        tasks = nearest_tasks(args.near, args.target, args.space, args.repository, args.n_near)
        notes.append(f"the {len(tasks)} prior tasks nearest to {args.near}: {', '.join(tasks)}")
    result = importance(space, view, tasks, method=args.method, pairs=not args.no_pairs,
                        n_trees=args.trees, domain=args.domain, seed=args.seed)
    result.notes = notes + result.notes
    tun = None
    if args.tunability:
        from metaknow.importance.tunability import tunability

        tun = tunability(space, view, tasks, n_trees=args.trees, domain=args.domain,
                         seed=args.seed)
    if args.plot:
        from metaknow.importance.plot import plot_importance

        try:
            plot_importance(result, args.plot, top=args.top)
        except OSError as exc:
            raise MetaknowError(f"cannot write the plot {args.plot}: {exc.strerror or exc}") from None
    if args.format == "json":
        out: dict[str, Any] = result.to_dict()
        if tun is not None:
            out["tunability"] = tun.to_dict()
        sys.stdout.write(json.dumps(out, indent=2, default=str) + "\n")
    else:
        print(format_importance(result, args.top))
        if tun is not None:
            print()
            print(format_tunability(tun))
        if args.plot:
            print(f"\nplot: {args.plot}")
    return 0


def resolve_task(view: Any, name: str) -> str:
    """The view's id of a task given by id or name; one-line error if unknown."""
    from metaknow.exceptions import RepositoryError

    if name in view.performance.index:
        return str(name)
    if "name" in view.tasks:
        hits = [str(t) for t, n in view.tasks["name"].items() if n == name]
        if len(hits) == 1:
            return hits[0]
    some = ", ".join(map(str, list(view.performance.index[:5])))
    raise RepositoryError(f"unknown task {name!r}: the repository holds {view.n_tasks} tasks of "
                          f"this space (e.g. {some})")


def nearest_tasks(data: str, target: str | None, space: str, repository: str, n: int) -> list[str]:
    """Ids of the ``n`` prior tasks nearest to a dataset (metaknow's task distance)."""
    import warnings

    from metaknow.recommend import recommend

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = recommend(data, target=target, space=space, k=1, repository=repository, n_nearest=n)
    return [t.task_id for t in rec.nearest_tasks]


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join([_row(header, widths), _row(["-" * w for w in widths], widths),
                      *(_row(r, widths) for r in rows)])


def format_importance(result: Any, top: int) -> str:
    """Plain-text table of the summary's first ``top`` rows, with the notes."""
    s = result.summary.head(top)
    rows = [[k.replace(":", " x "), f"{r['median']:.3f}", f"{r['q25']:.3f}", f"{r['q75']:.3f}",
             f"{r['mean']:.3f}", str(int(r["n_tasks"]))] for k, r in s.iterrows()]
    head = (f"{result.space}: {result.method} variance shares over {result.per_task.shape[0]} "
            f"tasks" + (f" ({result.metric})" if result.metric else ""))
    table = _table(["parameter(s)", "median", "q25", "q75", "mean", "tasks"], rows)
    return "\n".join([head, table, *(f"note: {n}" for n in result.notes)])


def format_tunability(tun: Any) -> str:
    """Plain-text tunability table."""
    rows = [[k, f"{r['median']:.4f}", f"{r['q25']:.4f}", f"{r['q75']:.4f}",
             "" if r["share"] != r["share"] else f"{r['share']:.2f}",
             str(r["learned_default"]), str(r["library_default"])] for k, r in tun.summary.iterrows()]
    lines = [f"tunability over {tun.per_task.shape[0]} tasks: predicted gain from tuning one",
             "parameter alone, over the data-driven default (learned; library = its own)",
             _table(["parameter", "median", "q25", "q75", "share", "learned", "library"], rows)]
    if tun.default_vs_library == tun.default_vs_library:
        lines.append(f"data-driven default vs library default: {tun.default_vs_library:+.4f} "
                     "(mean predicted score)")
    return "\n".join([*lines, *(f"note: {n}" for n in tun.notes)])
