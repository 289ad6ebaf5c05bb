"""``metaknow benchmark warm-start``: does warm-starting reach a good model in fewer evaluations?

Leave-one-dataset-out on real data. For each held-out corpus dataset and space, the
repository used is the given one *without that dataset*; every method tunes the same
problem (same splits, same metric, same evaluation code as the repository) for
``--budget`` evaluations and ``--seeds`` seeds. Each finished (space, dataset, method,
seed) run is written atomically as its own CSV under ``OUT/runs/``, so the benchmark
resumes where it stopped and can be run on subsets. ``OUT/results.csv``,
``OUT/summary.md`` and ``OUT/anytime.png`` are rebuilt from all run files at the end.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from metaknow.benchmarking.methods import (METHODS, SINGLE_CONFIGURATION, MethodContext, run_method,
                                           uses_learned, uses_meta_source, uses_nearest,
                                           uses_optimised, uses_recommendations, uses_transfer,
                                           applies_to)
from metaknow.benchmarking.peer_configs import raw_lightgbm
from metaknow.benchmarking.problem import BudgetExhausted, TuningProblem
from metaknow.benchmarking.records import (LOOKUP, LOOKUP_OPTIMISED, OPTIMISED, RECOMMENDATIONS,
                                           own_tasks, record_lookup, retire_stale_runs,
                                           write_references)
from metaknow.benchmarking.report import CHECKPOINTS, load_runs, summarise, write_outputs
from metaknow.exceptions import MetaknowError

HELP = "Leave-one-dataset-out benchmark of warm-started tuning against cold tuners and peers."
EXAMPLE = """Examples:
  metaknow benchmark warm-start --datasets diabetes,credit.g --seeds 1 --budget 10
  metaknow benchmark warm-start --spaces lightgbm,random_forest --out results/warm_start
"""

#: 24 classification datasets of the corpus: 57 to 20,000 rows, numeric and nominal
#: features, with and without missing values, 2 to 19 classes.
DEFAULT_DATASETS = (
    "labor", "hepatitis", "sonar", "glass", "heart.statlog", "breast.cancer", "ionosphere",
    "colic", "vote", "balance.scale", "soybean", "credit.a", "diabetes", "vehicle",
    "tic-tac-toe", "credit.g", "cmc", "car", "segment", "kr.vs.kp", "sick", "spambase",
    "optdigits", "letter",
)
DEFAULT_METHODS = ("metaknow-warm10", "metaknow-warm5", "metaknow-cold", "random", "optuna-tpe",
                   "optuna-tpe-warm", "smac3", "flaml-zeroshot", "library-default",
                   "metaknow-transfer")


#: The strategy behind the nearest-tasks warm starts (``metaknow-warm*``, Optuna enqueued):
#: fixed here, so that a change of the product's default does not retire their runs.
NEAREST_STRATEGY = "nearest_portfolio"
#: Spaces a run covers unless ``--spaces`` says otherwise.
DEFAULT_SPACES = ("lightgbm", "random_forest")
#: Nearest-tasks recommendations the transfer loop starts from.
TRANSFER_WARM_START = 5
#: Nearest prior tasks whose surrogates the transfer loop combines.
TRANSFER_SOURCES = 10


# ------------------------------------------------------------ metaknow methods
def _metaknow(problem: TuningProblem, ctx: MethodContext, k: int, priors: bool = False,
              optimised: bool = False, transfer: bool = False, handover: float | None = None,
              meta: bool = False, learned: bool = False) -> None:
    from metaknow.bo.initial_design import WarmStartDesign
    from metaknow.bo.optimizer import Optimizer

    prior = ctx.transfer if transfer else None
    if prior is not None and (handover is not None or meta):  # same fitted forests
        if meta and ctx.meta_source is None:
            raise MetaknowError("no meta-surrogate source was prepared for this dataset")
        prior = prior.variant(handover=handover,
                              extra=[("meta-surrogate", ctx.meta_source)] if meta else ())

    warm = ctx.optimised if optimised else ctx.recommendations
    space = problem.space
    if learned and ctx.learned is not None and not ctx.learned.fallback:
        space = ctx.learned.space  # the warm start projected into it (duplicates dropped)
        warm = [ctx.learned.project(c) for c in warm]
    design = WarmStartDesign(warm[:k]) if k else None
    prior_obs = ctx.prior if priors else None
    opt = Optimizer(space, seed=ctx.seed, initial_design=design,
                    budget_hint=problem.budget, priors=prior_obs,
                    transfer=prior)
    try:
        while True:
            info = opt.ask()
            score = problem.evaluate(info.config)
            opt.tell(info, -score)
    except BudgetExhausted:
        return


METHODS["metaknow-cold"] = lambda p, c: _metaknow(p, c, 0)
METHODS["metaknow-warm5"] = lambda p, c: _metaknow(p, c, 5)
METHODS["metaknow-warm10"] = lambda p, c: _metaknow(p, c, 10)
METHODS["metaknow-warm10-priors"] = lambda p, c: _metaknow(p, c, 10, priors=True)
METHODS["metaknow-portfolio10"] = lambda p, c: _metaknow(p, c, 10, optimised=True)
METHODS["metaknow-transfer"] = lambda p, c: _metaknow(p, c, TRANSFER_WARM_START, transfer=True)
METHODS["metaknow-transfer-h10"] = lambda p, c: _metaknow(p, c, TRANSFER_WARM_START,
                                                         transfer=True, handover=10.0)
METHODS["metaknow-transfer-meta"] = lambda p, c: _metaknow(p, c, TRANSFER_WARM_START,
                                                          transfer=True, meta=True)
METHODS["metaknow-learned10"] = lambda p, c: _metaknow(p, c, 10, learned=True)


# --------------------------------------------------------------------- CLI
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--datasets", default=None,
                        help="comma-separated corpus dataset names (default: 24 varied ones; "
                             "with --summary-only: every dataset with runs)")
    parser.add_argument("--spaces", default=None,
                        help=f"comma-separated space names (default: {','.join(DEFAULT_SPACES)}; "
                             "with --summary-only: every space with runs)")
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                        help="comma-separated methods; known: " + ", ".join(METHODS))
    parser.add_argument("--seeds", type=int, default=3,
                        help="number of seeds (default 3; with --summary-only: report seeds 0 to N-1)")
    parser.add_argument("--budget", type=int, default=50, help="evaluations per run (default 50)")
    parser.add_argument("--repository", default="bundled",
                        help="repository the recommendations come from (default: bundled)")
    parser.add_argument("--corpus", default=None,
                        help="folder holding manifest.csv and the datasets "
                             "(default: ../shared/data/corpus beside the checkout)")
    parser.add_argument("--n-splits", type=int, default=3, help="CV folds per evaluation (default 3)")
    parser.add_argument("--max-rows", type=int, default=2000,
                        help="stratified subsample cap per dataset (default 2000, as the bundled build)")
    parser.add_argument("--time-limit", type=float, default=120.0,
                        help="seconds per fold before an evaluation counts as failed (default 120)")
    parser.add_argument("--out", default="benchmarks/results/warm_start", help="output folder")
    parser.add_argument("--test-split", type=float, default=None,
                        help="hold out this share of each dataset (stratified, seeded) before "
                             "tuning; every run records its incumbent's score on it at the "
                             "checkpoints (use another --out: the tuning problem changes)")
    parser.add_argument("--summary-to", default=None,
                        help="folder for results.csv, summary.md and the plot (default: --out)")
    parser.add_argument("--summary-only", action="store_true",
                        help="only rebuild results.csv, summary.md and the plot from finished runs "
                             "(of the --methods, --datasets, --spaces and first --seeds seeds given)")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if args.budget < 1:
        raise MetaknowError(f"--budget must be at least 1, got {args.budget}")
    if args.seeds < 1:
        raise MetaknowError(f"--seeds must be at least 1, got {args.seeds}")
    if args.test_split is not None and not 0.0 < args.test_split < 0.9:
        raise MetaknowError(f"--test-split must lie between 0 and 0.9, got {args.test_split}")
    methods = _names(args.methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise MetaknowError(f"unknown method(s) {', '.join(unknown)}; known: {', '.join(METHODS)}")
    if not args.summary_only:
        corpus = Path(args.corpus) if args.corpus else _default_corpus()
        run_all(corpus, _names(args.datasets or ",".join(DEFAULT_DATASETS)),
                _names(args.spaces or ",".join(DEFAULT_SPACES)), methods, args.seeds,
                args.budget, args.repository, args.n_splits, args.max_rows, args.time_limit, out,
                args.test_split)
    long = load_runs(out / "runs")
    if not long.empty:  # the report covers the methods asked for
        long = long[long["method"].isin(methods)]
    if not long.empty and args.summary_only:  # a report of part of the runs
        long = long[long["seed"] < args.seeds]
        if args.datasets:
            long = long[long["dataset"].isin(_names(args.datasets))]
        if args.spaces:
            long = long[long["space"].isin(_names(args.spaces))]
    table = summarise(long, CHECKPOINTS)
    if table.empty:
        raise MetaknowError(f"no finished runs of {', '.join(methods)} under {out / 'runs'}")
    print(write_outputs(table, Path(args.summary_to) if args.summary_to else out, long,
                        out / "runs"))
    return 0


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _default_corpus() -> Path:
    env = os.environ.get("METAKNOW_CORPUS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "corpus"


# ------------------------------------------------------------------ the runs
def run_all(corpus: Path, datasets: Sequence[str], spaces: Sequence[str], methods: Sequence[str],
            n_seeds: int, budget: int, repository: str, n_splits: int, max_rows: int,
            time_limit: float, out: Path, test_split: float | None = None) -> None:
    """Run every missing (space, dataset, method, seed) and write one CSV per run.

    With ``test_split``, a stratified share of each dataset is held out first: tuning,
    meta-features and recommendations see only the rest, and every run file records the
    held-out score of its incumbent at the checkpoints (column ``test_score``).
    """
    from metaknow.dataset import load_dataset
    from metaknow.recommend import open_view
    from metaknow.space import config_hash
    from metaknow.spaces import get_space

    for method in methods:
        left_out = [s for s in spaces if not applies_to(method, s)]
        if left_out:
            print(f"note: {method} does not apply to {', '.join(left_out)}; left out there",
                  flush=True)
    manifest = _manifest(corpus)
    missing = [d for d in datasets if d not in manifest.index]
    if missing:
        raise MetaknowError(f"dataset(s) not in {corpus / 'manifest.csv'}: {', '.join(missing)}")
    for name in datasets:
        row = manifest.loc[name]
        loaded: list[Any] = []

        def dataset() -> Any:
            if not loaded:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    full = load_dataset(corpus / row["file"], target=row["target"],
                                        task=row["task"], name=name)
                loaded.extend(holdout_split(full, test_split) if test_split else (full, None))
            return loaded[0]

        for space_name in spaces:
            run_dir = out / "runs" / space_name / name
            view = open_view(repository, space_name, row["task"], None)
            if not test_split:  # stored scores are of the whole dataset: no reference then
                write_references(run_dir, view, name)
            ctx = MethodContext(0)
            if any(uses_recommendations(m) for m in methods):
                space = get_space(space_name, dataset().task)
                ctx, lookups = _contexts(dataset(), space_name, view,
                                         any(uses_optimised(m) for m in methods),
                                         any(uses_transfer(m) for m in methods),
                                         any(uses_meta_source(m) for m in methods),
                                         any(uses_learned(m) for m in methods))
                lists = [(ctx.recommendations, uses_nearest, RECOMMENDATIONS, LOOKUP)]
                if ctx.optimised:
                    lists.append((ctx.optimised, uses_optimised, OPTIMISED, LOOKUP_OPTIMISED))
                for configs, which, record, lookup_file in lists:
                    retired = retire_stale_runs(run_dir, [config_hash(space.validate(c)) for c in configs],
                                                which, record)
                    for path in retired:
                        print(f"{name}: recommendations changed, redoing {path.name}", flush=True)
                    record_lookup(run_dir, lookups[lookup_file], replace=bool(retired), name=lookup_file)
            pending = [(m, seed) for m in methods if applies_to(m, space_name)
                       for seed in range(n_seeds)
                       if not _run_done(_run_file(out, space_name, name, m, seed), m, budget)]
            if not pending:
                continue
            splits = _splits(dataset(), n_splits, max_rows)
            problem = TuningProblem(dataset(), get_space(space_name, dataset().task),
                                    _score_fn(dataset(), space_name, splits, time_limit), budget,
                                    test_fn=None if loaded[1] is None else _test_fn(
                                        dataset(), loaded[1], space_name, splits))
            for method, seed in pending:
                if _run_done(_run_file(out, space_name, name, method, seed), method, budget):
                    continue  # another process on the same folder finished it meanwhile
                t0 = time.perf_counter()
                run_method(method, problem, MethodContext(seed, ctx.recommendations, ctx.prior,
                                                          ctx.optimised, ctx.transfer,
                                                          meta_source=ctx.meta_source,
                                                          learned=ctx.learned))
                _write_run(out, space_name, name, method, seed, problem)
                best = problem.trials[-1].best_so_far if problem.trials else float("nan")
                print(f"{space_name:>14} {name:>16} {method:>22} seed {seed}: "
                      f"best {best:.4f} after {len(problem.trials)} in {time.perf_counter() - t0:.0f}s",
                      flush=True)


def _manifest(corpus: Path) -> pd.DataFrame:
    path = corpus / "manifest.csv"
    if not path.exists():
        raise MetaknowError(f"no corpus manifest at {path}; pass --corpus FOLDER")
    return pd.read_csv(path).set_index("name")


def _splits(dataset: Any, n_splits: int, max_rows: int) -> Any:
    """The fixed CV splits every method of a (dataset, space) problem is scored on."""
    from metaknow.evaluation import Protocol, make_splits

    return make_splits(dataset, Protocol(n_splits=n_splits, seed=0, max_rows=max_rows))


def _score_fn(dataset: Any, space_name: str, splits: Any, time_limit: float) -> Any:
    """Mean CV score on ``splits``, with the repository's evaluation code."""
    from metaknow.evaluation import PRIMARY_METRIC, evaluate, fit_and_score, split_repeats
    metric = PRIMARY_METRIC[dataset.task]
    raw_algorithm = raw_lightgbm()

    def score(config: dict[str, Any], raw: bool) -> float:
        if raw:
            results = [fit_and_score(dataset, raw_algorithm, config, tr, te, fold=f, repeat=r)
                       for (f, tr, te), r in zip(splits, split_repeats(splits))]
            values = [r["metrics"].get(metric, np.nan) for r in results if r["status"] == "ok"]
        else:
            folds = evaluate(space_name, config, dataset, splits, time_limit=time_limit)
            values = [f.metrics.get(metric, np.nan) for f in folds if f.ok]
        if len(values) < len(splits):
            return float("nan")  # any failed fold fails the configuration
        return float(np.mean(values))

    return score


def holdout_split(dataset: Any, share: float, seed: int = 1) -> tuple[Any, Any]:
    """``(tuning part, held-out part)``: a stratified ``share`` of the rows held out."""
    from dataclasses import replace

    from metaknow.evaluation import subsample_rows

    test = subsample_rows(dataset, max(1, int(round(share * dataset.n_rows))), seed=seed)
    rest = np.setdiff1d(np.arange(dataset.n_rows), test)

    def part(rows: np.ndarray) -> Any:
        return replace(dataset, X=dataset.X.iloc[rows].reset_index(drop=True),
                       y=dataset.y.iloc[rows].reset_index(drop=True), X_unlabelled=None)

    return part(rest), part(test)


def _test_fn(tuning: Any, held_out: Any, space_name: str, splits: Any) -> Any:
    """Fit on the rows the CV ``splits`` use, score on the held-out part (capped at 5,000 rows)."""
    from dataclasses import replace

    from metaknow.evaluation import PRIMARY_METRIC, fit_and_score

    train = np.unique(np.concatenate([np.concatenate([tr, te]) for _, tr, te in splits]))
    held = held_out.X.iloc[:5000], held_out.y.iloc[:5000]
    both = replace(tuning, X=pd.concat([tuning.X, held[0]], ignore_index=True),
                   y=pd.concat([tuning.y, held[1]], ignore_index=True))
    test = np.arange(tuning.n_rows, both.n_rows)
    metric = PRIMARY_METRIC[tuning.task]

    def score(config: dict[str, Any], raw: bool) -> float:
        algorithm = _raw_lightgbm() if raw else space_name
        result = fit_and_score(both, algorithm, config, train, test)
        return float(result["metrics"].get(metric, np.nan)) if result["status"] == "ok" else float("nan")

    return score


def _contexts(dataset: Any, space_name: str, full_view: Any, optimised: bool,
              transfer: bool, meta_source: bool = False, learned: bool = False,
              ) -> tuple[MethodContext, dict[str, float]]:
    """What the warm methods start from, from the repository without ``dataset``.

    The nearest-tasks top 10 with surrogate priors from the nearest tasks; with
    ``optimised``, also the optimised portfolio's top 10; with ``transfer``, the transfer
    loop's per-task surrogates of the :data:`TRANSFER_SOURCES` nearest tasks; with
    ``meta_source``, the meta-surrogate conditioned on the dataset; with ``learned``, the
    space learned from the nearest tasks as ``tune(learned_space=True)`` learns it. Returns the
    context (seed 0) and the lookup seconds of each list (meta-features included in both).
    """
    from metafeatures import STORE_ENGINE, extract
    from metaknow.bo.priors import priors_from_view
    from metaknow.bo.transfer import TransferPrior, sources_from_view
    from metaknow.recommend import recommend_from_view
    from metaknow.recommenders import get_recommender
    from metaknow.spaces import get_space

    view = full_view.without_tasks(own_tasks(full_view, dataset.name))
    space = get_space(space_name, dataset.task)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mf = extract(dataset, seed=0, openml_engine=STORE_ENGINE)
    extraction = time.perf_counter() - t0
    rec = recommend_from_view(view, mf, k=10, space=space_name, strategy=NEAREST_STRATEGY,
                              n_nearest=max(5, TRANSFER_SOURCES))
    lookups = {LOOKUP: time.perf_counter() - t0}
    configs = [dict(c.params) for c in rec.configurations if c.space_key in (space.key, space_name)]
    near = rec.nearest_tasks[:5]
    prior = priors_from_view(view, space, [t.task_id for t in near],
                             [t.similarity for t in near]) if near else None
    ctx = MethodContext(0, configs, prior)
    if transfer:
        ctx.transfer = TransferPrior(sources_from_view(
            view, space, [t.task_id for t in rec.nearest_tasks[:TRANSFER_SOURCES]]))
    if meta_source:
        ctx.meta_source = _meta_source(view, space, mf)
    if learned:
        from metaknow.importance.learned_space import learn_space
        from metaknow.tune import LEARNED_NEIGHBOURS

        ctx.learned = learn_space(space, view, [t.task_id for t in rec.nearest_tasks[:LEARNED_NEIGHBOURS]])
        print(f"{dataset.name}: {ctx.learned.describe()}", flush=True)
    if optimised:
        strategy = get_recommender("optimised_portfolio", cache=False).fit(view)
        strategy.surrogate(mf)  # the per-repository fit a user's cache holds: not charged
        t1 = time.perf_counter()
        picks = strategy.recommend(mf, 10)
        lookups[LOOKUP_OPTIMISED] = extraction + time.perf_counter() - t1
        ctx.optimised = [dict(c.params) for c in picks]
    return ctx, lookups


def _meta_source(view: Any, space: Any, mf: Any) -> Any:
    """The meta-surrogate of ``view`` (fitted as the optimised portfolio fits it, not
    cached: the view changes per held-out dataset), conditioned on ``mf``."""
    from metaknow.bo.maximizer import random_vectors
    from metaknow.bo.meta_source import MetaSurrogateSource
    from metaknow.recommenders import get_recommender

    surrogate = get_recommender("optimised_portfolio", cache=False).fit(view).surrogate(mf)
    reference = random_vectors(space, np.random.default_rng(0), 500)
    return MetaSurrogateSource(surrogate, mf, reference)


def held_out_view(repository: str, space_name: str, dataset: Any) -> Any:
    """The repository's view of ``space_name`` without every task named like ``dataset``."""
    from metaknow.recommend import open_view

    view = open_view(repository, space_name, dataset.task, None)
    return view.without_tasks(own_tasks(view, dataset.name))


def _run_done(path: Path, method: str, budget: int) -> bool:
    """A run file counts as done when it holds the whole budget (a file from a run with a
    smaller budget is redone)."""
    if not path.exists():
        return False
    with path.open() as fh:
        rows = sum(1 for _ in fh) - 1
    return rows >= (1 if method in SINGLE_CONFIGURATION else budget)


def _run_file(out: Path, space: str, dataset: str, method: str, seed: int) -> Path:
    return out / "runs" / space / dataset / f"{method}__seed{seed}.csv"


def _write_run(out: Path, space: str, dataset: str, method: str, seed: int,
               problem: TuningProblem) -> None:
    path = _run_file(out, space, dataset, method, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame([{"n": t.index, "score": t.score, "best_so_far": t.best_so_far,
                           "elapsed": t.elapsed, "config_id": t.config_id} for t in problem.trials])
    if problem.test_fn is not None:
        from metaknow.space import canonical_json

        tests = problem.test_scores(CHECKPOINTS)
        frame["test_score"] = frame["n"].map(tests)
        frame["config"] = [canonical_json(t.config) for t in problem.trials]
    tmp = path.with_suffix(".csv.tmp")
    frame.to_csv(tmp, index=False, float_format="%.6g")
    os.replace(tmp, path)
