"""``metaknow benchmark openml-proxy``: choose strategies offline, without fitting datasets.

The OpenML yardstick (:mod:`~metaknow.benchmarking.openml_yardstick`) evaluates every
recommendation by 10-fold CV on the local copy of a dataset — minutes per configuration,
and only for the ~24 OpenML100 tasks whose data is local. This proxy scores
recommendations on *all* tasks of the ``openml100`` repository in seconds:

* **Per-task surrogate.** For each task, a scikit-learn random forest (``--trees`` trees,
  bootstrap) is fitted on that task's own OpenML runs: configuration encoding ->
  accuracy. Configurations are encoded by
  :class:`~metaknow.recommenders.config_encoding.ConfigEncoder` after one conversion:
  ``max_features_kind = "sqrt"`` (scikit-learn's default, never among OpenML's random
  configurations, which all use a fraction) becomes the fraction it amounts to,
  ``1 / sqrt(number of features)``.
* **Proxy percentile** of a configuration on a task: the share of the task's runs whose
  *out-of-bag* surrogate prediction is below the configuration's prediction (ties count
  half). Comparing prediction with prediction keeps the surrogate's shrinkage towards
  the mean from deflating the percentile; the task's own best run usually lands in the
  90s, not at 100 (the row ``openml_best`` shows that ceiling).
* **Leave one task out.** Each method recommends ``--k`` configurations for every task
  from the other tasks (``recommend(..., exclude_tasks=[task])``, the recommender
  contract's guarantee that the task has no influence); top-1 and best-of-k proxy
  percentiles are averaged over tasks. References: ``sklearn_default`` (the space
  default), ``random`` (k uniform configurations), ``nearest_l1`` (the yardstick's
  baseline) and ``openml_best`` (the task's own best OpenML run: the proxy's ceiling).

A method is a strategy name, optionally with parameters as JSON values:
``surrogate_portfolio:global_weight=1.0,n_neighbors=5``. The surrogate of the held-out
task is the same model class as the ``surrogate_portfolio`` strategy uses on the *other*
tasks, which may favour that strategy a little: confirm a choice on the real yardstick.
Writes ``results.csv``, ``summary.csv`` and ``summary.md``.
"""

from __future__ import annotations

import argparse
import time
import zlib
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from metaknow.benchmarking.openml_yardstick import SPACE, nearest_l1, percentile, summarise
from metaknow.benchmarking.zero_shot import make_strategy
from metaknow.exceptions import RecommendError
from metaknow.recommenders.config_encoding import ConfigEncoder
from repository.view import RepositoryView

HELP = "Offline proxy of the OpenML yardstick: per-task surrogates score every strategy on all tasks."
EXAMPLE = """Examples:
  metaknow benchmark openml-proxy --out results/openml_proxy
  metaknow benchmark openml-proxy --methods nearest_portfolio surrogate_portfolio:global_weight=1.0"""

REFERENCES = ("sklearn_default", "random", "nearest_l1", "openml_best")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repository", default="openml100", help="openml100 (default) or a store")
    parser.add_argument("--methods", nargs="+", default=None,
                        help="strategies, optionally NAME:key=value,... (default: every registered "
                             "strategy but meta_model, plus the references)")
    parser.add_argument("--k", type=int, default=5, help="configurations per task (default 5)")
    parser.add_argument("--trees", type=int, default=100, help="trees of each task's surrogate")
    parser.add_argument("--max-tasks", type=int, default=None, help="only the first N tasks")
    parser.add_argument("--out", default="results/openml_proxy", help="output folder")


def run(args: argparse.Namespace) -> int:
    from metaknow.recommend import open_view
    from metaknow.recommenders import strategy_names

    methods = args.methods or [s for s in strategy_names() if s != "meta_model"] + list(REFERENCES)
    for m in methods:
        parse_method(m)  # bad names and parameters fail before any work
    if args.k < 1 or args.trees < 1:
        raise RecommendError("--k and --trees must be positive")
    view = open_view(args.repository, SPACE, "classification", "accuracy")
    tasks = list(view.performance.index)[: args.max_tasks or None]
    start = time.perf_counter()
    proxy = TaskProxy(n_trees=args.trees).fit(view, tasks)
    print(f"{len(tasks)} task surrogates in {time.perf_counter() - start:.0f}s; median Spearman of "
          f"out-of-bag prediction vs accuracy {np.nanmedian(list(proxy.fidelity_.values())):.2f}",
          flush=True)
    results = run_proxy(view, proxy, methods, tasks, k=args.k)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results.to_csv(out / "results.csv", index=False)
    summary, per_task = summarise(results)
    summary.to_csv(out / "summary.csv", index=False)
    md = markdown(summary, proxy, args)
    (out / "summary.md").write_text(md)
    print(md)
    return 0


def parse_method(spec: str) -> str:
    """Check a method: a reference name, or a strategy variant ``name:param=value,...``
    (:func:`~metaknow.benchmarking.zero_shot.make_strategy`); returns it unchanged."""
    name, _, rest = spec.partition(":")
    if name in REFERENCES:
        if rest:
            raise RecommendError(f"reference {name!r} takes no parameters")
    else:
        make_strategy(spec)
    return spec


def effective(config: Mapping[str, Any], n_features: float) -> dict[str, Any]:
    """The configuration with ``max_features_kind="sqrt"`` written as the fraction it is."""
    c = dict(config)
    if c.get("max_features_kind") == "sqrt":
        c["max_features_kind"] = "fraction"
        c["max_features"] = 1.0 / np.sqrt(max(float(n_features), 1.0))
    return c


class TaskProxy:
    """One random-forest surrogate per task, fitted on the task's own evaluations.

    Parameters
    ----------
    n_trees : int, default=100
    seed : int, default=0
    """

    def __init__(self, *, n_trees: int = 100, seed: int = 0) -> None:
        self.n_trees = n_trees
        self.seed = seed

    def fit(self, view: RepositoryView, tasks: Iterable[str] | None = None) -> "TaskProxy":
        from scipy.stats import spearmanr
        from sklearn.ensemble import RandomForestRegressor

        tasks = list(view.performance.index if tasks is None else tasks)
        mf = view.metafeatures
        self.encoder_ = ConfigEncoder().fit(view.configurations[c] for c in view.performance.columns)
        self.n_features_, self.models_, self.oob_, self.fidelity_ = {}, {}, {}, {}
        for task in tasks:
            row = view.performance.loc[task].dropna()
            if len(row) < 10:
                continue
            nf = mf.loc[task, "NumberOfFeatures"] - 1 if "NumberOfFeatures" in mf.columns else np.nan
            self.n_features_[task] = float(nf) if pd.notna(nf) else 10.0
            X = self.encode(task, [view.configurations[c] for c in row.index])
            model = RandomForestRegressor(n_estimators=int(self.n_trees), min_samples_leaf=2,
                                          oob_score=True, n_jobs=1,
                                          random_state=(self.seed + zlib.crc32(task.encode())) % 2**31)
            model.fit(X, row.to_numpy(dtype=float))
            self.models_[task] = model
            self.oob_[task] = model.oob_prediction_
            self.fidelity_[task] = float(spearmanr(model.oob_prediction_, row).statistic)
        return self

    def encode(self, task: str, configs: Iterable[tuple[str, Mapping[str, Any]]]) -> np.ndarray:
        nf = self.n_features_[task]
        return self.encoder_.transform((s, effective(p, nf)) for s, p in configs)

    def percentiles(self, task: str, configs: list[tuple[str, Mapping[str, Any]]]) -> np.ndarray:
        """Proxy percentile (0-100) of each configuration on ``task``."""
        pred = self.models_[task].predict(self.encode(task, configs))
        return np.array([percentile(p, self.oob_[task]) for p in pred])


def recommendations(view: RepositoryView, method: str, tasks: list[str], k: int, seed: int = 0
                    ) -> Iterable[tuple[str, list[tuple[str, dict]]]]:
    """``(task, configurations)`` for every task, each recommended without that task."""
    from metaknow.spaces import get_space

    space = get_space(SPACE, "classification")
    key = f"{SPACE}/classification"
    if method not in REFERENCES:
        rec = make_strategy(method).fit(view)
    for task in tasks:
        mf = view.metafeatures.loc[task]
        if method == "sklearn_default":
            configs = [(key, space.default())]
        elif method == "random":
            rng = np.random.default_rng([seed, zlib.crc32(task.encode())])
            configs = [(key, c) for c in space.sample(rng, k)]
        elif method == "nearest_l1":
            rest = view.without_tasks([task])
            configs = [view.configurations[c] for c in nearest_l1(rest, mf, k)]
        elif method == "openml_best":
            configs = [view.configurations[str(view.performance.loc[task].idxmax())]]
        else:
            configs = [(c.space_key, c.params) for c in rec.recommend(mf, k, exclude_tasks=[task])]
        yield task, configs


def run_proxy(view: RepositoryView, proxy: TaskProxy, methods: list[str], tasks: list[str],
              k: int = 5) -> pd.DataFrame:
    """One row per (task, method, rank): the proxy percentile of each recommendation."""
    from metaknow.space import canonical_json

    rows = []
    tasks = [t for t in tasks if t in proxy.models_]
    for spec in methods:
        parse_method(spec)
        start = time.perf_counter()
        for task, configs in recommendations(view, spec, tasks, k):
            pct = proxy.percentiles(task, configs)
            rows += [{"task": task, "dataset": task, "method": spec, "rank": r,
                      "config": canonical_json(c), "percentile": float(p)}
                     for r, ((_, c), p) in enumerate(zip(configs, pct), start=1)]
        done = pd.DataFrame([r for r in rows if r["method"] == spec])
        best = done.groupby("task")["percentile"].max().mean()
        top1 = done[done["rank"] == 1]["percentile"].mean()
        print(f"  {spec:<48} top-1 {top1:5.1f}  best-of-k {best:5.1f}  "
              f"({time.perf_counter() - start:.0f}s)", flush=True)
    return pd.DataFrame(rows, columns=["task", "dataset", "method", "rank", "config", "percentile"])


def markdown(summary: pd.DataFrame, proxy: TaskProxy, args: argparse.Namespace) -> str:
    fid = np.array(list(proxy.fidelity_.values()))
    lines = ["# OpenML proxy (random forest, OpenML100 flow 6969, leave one task out)", "",
             f"{len(proxy.models_)} tasks; each task's surrogate: random forest of {args.trees} "
             f"trees on its own 500 OpenML runs (out-of-bag Spearman with the accuracy: median "
             f"{np.nanmedian(fid):.2f}, 10th percentile {np.nanpercentile(fid, 10):.2f}). Proxy "
             "percentile = share of the task's runs whose out-of-bag prediction is below the "
             "recommendation's prediction. `openml_best` is the task's own best run (the ceiling).",
             "", f"| method | tasks | top-1 mean | top-1 median | best-of-{args.k} mean | "
             f"top-1 > 80th | best-of-{args.k} > 95th |", "|---|---|---|---|---|---|---|"]
    for r in summary.sort_values("top1_mean", ascending=False).itertuples():
        lines.append(f"| {r.method} | {r.tasks} | {r.top1_mean:.1f} | {r.top1_median:.1f} | "
                     f"{r.best_of_k_mean:.1f} | {r.share_top1_above_80:.0%} | "
                     f"{r.share_best_above_95:.0%} |")
    cmd = f"metaknow benchmark openml-proxy --k {args.k} --trees {args.trees}"
    if args.max_tasks:
        cmd += f" --max-tasks {args.max_tasks}"
    if args.methods:
        cmd += " --methods " + " ".join(args.methods)
    return "\n".join(lines + ["", f"Command: `{cmd}`"]) + "\n"
