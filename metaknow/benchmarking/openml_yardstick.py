"""``metaknow benchmark openml-yardstick``: recommendations measured against OpenML's users.

For every OpenML100 task whose dataset is also in the local corpus (matched by shape:
rows, features, classes, missing values, symbolic features — and by name when the store
knows the dataset's name), the task is left out of the ``openml100`` repository and

* the recommender (``--strategy``, default the project's default strategy; several may be
  named, and variants as ``name:param=value,...``) proposes 5
  random-forest configurations from the other tasks, the held-out task being described
  by OpenML's own qualities of it;
* a plain baseline does the same: the best configuration of each of the 5 nearest tasks
  by L1 distance on standardised qualities (``nearest_l1``);
* scikit-learn's default random forest (the space default) and 5 configurations drawn
  uniformly from the space are the references;
* two calibration references use the held-out task's *own* OpenML runs (never available
  to a recommender): ``openml_best``, the configuration with the best OpenML accuracy on
  the task, and ``openml_median``, the one with the median accuracy. Evaluated locally,
  they show how far local CV and OpenML's agree: if OpenML's own best lands at the 70th
  percentile locally, no recommendation can be expected much above that.

Each configuration is evaluated locally by :mod:`metaknow.evaluation` (10-fold stratified
CV accuracy on the whole dataset) and placed among the accuracies OpenML's users got on
that task with flow 6969 (500 runs): its *percentile* is the share of those runs it
beats (ties count half). Reported per method: top-1 (first configuration) and best-of-5
percentiles, per task and on average.

Caveat, stated in every summary: local and OpenML accuracies come from different folds,
scikit-learn versions and preprocessing (OpenML's pipeline one-hot encoded categoricals),
so the default and random references measured the same way calibrate the comparison.

Resumable: every evaluation is appended to ``results.csv`` as it finishes; a rerun skips
what is there. Writes ``results.csv``, ``summary.csv`` and ``summary.md``.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from metaknow.exceptions import DataError, MetaknowError, RecommendError, RepositoryError
from repository.view import RepositoryView

HELP = "Recommended random forests vs the 500 runs OpenML users made on each OpenML100 task."
EXAMPLE = """Examples:
  metaknow benchmark openml-yardstick --out results/openml_yardstick
  nice -n 10 metaknow benchmark openml-yardstick --max-rows 3000   # smallest datasets only"""

SPACE = "random_forest"
K = 5
SEED = 0
COLUMNS = ["task", "openml_task_id", "dataset", "method", "rank", "config", "accuracy",
           "percentile", "openml_median", "openml_best", "seconds"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repository", default="openml100", help="openml100 (default) or a store")
    parser.add_argument("--corpus", default=None,
                        help="folder with manifest.csv (default: ../shared/data/corpus)")
    parser.add_argument("--strategy", nargs="+", default=None,
                        help="recommender strategies (default: the project's default)")
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--max-rows", type=int, default=None,
                        help="only datasets with at most this many rows (smoke runs)")
    parser.add_argument("--max-tasks", type=int, default=None, help="only the first N matches")
    parser.add_argument("--out", default="benchmarks/results/openml_yardstick",
                        help="output folder (default: benchmarks/results/openml_yardstick)")


def run(args: argparse.Namespace) -> int:
    from metaknow.benchmarking.zero_shot import make_strategy
    from metaknow.recommend import open_view
    from metaknow.recommenders import DEFAULT_STRATEGY

    strategies = args.strategy or [DEFAULT_STRATEGY]
    strategies = [strategies] if isinstance(strategies, str) else list(strategies)
    for name in strategies:
        make_strategy(name)  # unknown names and bad variants fail before any work
    strategy = ", ".join(strategies)
    view = open_view(args.repository, SPACE, "classification", "accuracy")
    corpus = Path(args.corpus) if args.corpus else default_corpus()
    matches = match_corpus(view, corpus)
    if args.max_rows is not None:
        matches = matches[matches["n_rows"] <= args.max_rows]
    matches = matches.sort_values("n_rows").head(args.max_tasks or None)
    if matches.empty:
        raise RecommendError(f"no OpenML task of the repository matches a dataset in {corpus}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"{len(matches)} OpenML tasks with local data: " + ", ".join(
        f"{r.dataset} (task {r.openml_task_id})" for r in matches.itertuples()))
    results = run_yardstick(view, matches, corpus, strategies, out / "results.csv", folds=args.folds)
    summary, per_task = summarise(results)
    summary.to_csv(out / "summary.csv", index=False)
    md = markdown(summary, per_task, strategy, args)
    (out / "summary.md").write_text(md)
    print(md)
    print(f"wrote {out}/results.csv, summary.csv, summary.md")
    return 0


def default_corpus() -> Path:
    return (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "corpus").resolve()


# ------------------------------------------------------------------- matching
def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def match_corpus(view: RepositoryView, corpus: Path) -> pd.DataFrame:
    """OpenML tasks of ``view`` whose dataset is in the corpus (one row per match).

    A task matches a classification dataset of ``manifest.csv`` when OpenML's qualities
    give the same rows, features (+ target), classes, missing cells and symbolic features
    (+ the nominal target); when the store knows the dataset's name it must agree too.
    Tasks matching several datasets are left out.
    """
    manifest_file = corpus / "manifest.csv"
    if not manifest_file.is_file():
        raise RepositoryError(f"{corpus}: no manifest.csv (the local corpus is needed)")
    man = pd.read_csv(manifest_file)
    man = man[man["task"] == "classification"]
    mf = view.metafeatures
    names = {}
    if "protocol" in view.tasks.columns:  # stores built from OpenML know dataset names
        for t, p in view.tasks["protocol"].items():
            try:
                names[t] = json.loads(p).get("dataset_name") if isinstance(p, str) else None
            except ValueError:
                names[t] = None
    rows = []
    need = ["NumberOfInstances", "NumberOfFeatures", "NumberOfClasses", "NumberOfMissingValues",
            "NumberOfSymbolicFeatures"]
    if not set(need) <= set(mf.columns):
        raise RepositoryError("the repository's tasks lack OpenML's size qualities "
                              "(NumberOfInstances...): is it an OpenML repository?")
    for task in view.performance.index:
        if task not in mf.index:
            continue
        q = mf.loc[task, need].to_numpy(dtype=float)
        if np.isnan(q).any():
            continue
        hit = man[(man["n_rows"] == q[0]) & (man["n_features"] + 1 == q[1])
                  & (man["n_classes"] == q[2]) & (man["n_missing_cells"] == q[3])
                  & (man["n_categorical"] + 1 == q[4])]
        if names.get(task):
            hit = hit[hit["name"].map(_norm) == _norm(str(names[task]))]
        if len(hit) != 1:
            continue
        h = hit.iloc[0]
        tid = view.tasks.loc[task, "openml_task_id"] if "openml_task_id" in view.tasks else None
        rows.append({"task": task, "openml_task_id": None if pd.isna(tid) else int(tid),
                     "dataset": h["name"], "file": str(corpus / h["file"]),
                     "target": h["target"], "n_rows": int(h["n_rows"])})
    return pd.DataFrame(rows, columns=["task", "openml_task_id", "dataset", "file", "target",
                                       "n_rows"])


_PROFILE = ("NumberOfClasses", "MajorityClassSize", "MinorityClassSize")


def _class_profile(y: pd.Series, names: Sequence[str] = _PROFILE) -> tuple[int, ...]:
    counts = y.value_counts()
    counts = counts[counts > 0]
    full = {"NumberOfClasses": len(counts), "MajorityClassSize": counts.max(),
            "MinorityClassSize": counts.min()}
    return tuple(int(full[n]) for n in names)


def _column_names(file: str) -> list[str]:
    if ".arff" in Path(file).name.lower():
        from metaknow.io.arff import read_arff

        return [a.name for a in read_arff(file)[1]]
    return list(pd.read_csv(file, nrows=0).columns)


def load_task_data(file: str, target: str, qualities: pd.Series) -> Any:
    """The local dataset with the OpenML task's target.

    The corpus names the last attribute as target, which is not always the OpenML task's
    (profb: OpenML predicts ``Home/Away``). The target is the column whose classes have
    OpenML's count, majority and minority sizes (those of the three qualities known) — the
    manifest's first, then any other column that makes a classification task;
    :class:`DataError` if none does.
    """
    from metaknow.dataset import load_dataset

    names = [q for q in _PROFILE if q in qualities.index and pd.notna(qualities[q])]
    want = tuple(int(qualities[q]) for q in names)
    try:
        data = load_dataset(file, target=target)
        if _class_profile(data.y, names) == want:
            return data
    except DataError:
        pass
    for column in _column_names(file):
        if column == target:
            continue
        try:
            other = load_dataset(file, target=column)
        except DataError:
            continue
        if other.task == "classification" and _class_profile(other.y, names) == want:
            return other
    raise DataError(f"no column of {Path(file).name} has the OpenML task's classes "
                    f"({', '.join(f'{n}={v}' for n, v in zip(names, want))})")


# ------------------------------------------------------------ recommendations
def nearest_l1(view: RepositoryView, metafeatures: pd.Series, k: int = K) -> list[str]:
    """Baseline: the best configuration of each of the ``k`` nearest tasks.

    Distance = mean absolute difference of the qualities, each standardised over the
    prior tasks (qualities missing on either side are ignored).
    """
    mf = view.metafeatures.reindex(view.performance.index)
    cols = [c for c in mf.columns if c in metafeatures.index]
    x = mf[cols].to_numpy(dtype=float)
    mu, sd = np.nanmean(x, axis=0), np.nanstd(x, axis=0)
    sd = np.where(sd > 0, sd, np.nan)
    z = (x - mu) / sd
    q = (metafeatures[cols].to_numpy(dtype=float) - mu) / sd
    diff = np.abs(z - q)
    with np.errstate(invalid="ignore"):
        dist = np.nanmean(np.where(np.isfinite(diff), diff, np.nan), axis=1)
    order = np.argsort(np.where(np.isnan(dist), np.inf, dist), kind="stable")
    picks = []
    for i in order[:k]:
        picks.append(str(view.performance.iloc[i].idxmax()))
    return picks


def candidates(view: RepositoryView, task: str, strategy: str | Sequence[str], seed: int = SEED,
               k: int = K) -> dict[str, list[dict[str, Any]]]:
    """The configurations each method proposes for ``task`` (left out of ``view``).

    Besides the strategies' recommendations and the references, ``openml_best`` and
    ``openml_median`` are the task's own OpenML configurations with the best and the
    median accuracy (calibration of local against OpenML evaluation).
    """
    from metaknow.benchmarking.zero_shot import make_strategy
    from metaknow.spaces import get_space

    space = get_space(SPACE, "classification")
    rest = view.without_tasks([task])
    mf = view.metafeatures.loc[task]
    out: dict[str, list[dict[str, Any]]] = {}
    for name in [strategy] if isinstance(strategy, str) else strategy:
        rec = make_strategy(name).fit(rest)
        out[name] = [dict(c.params) for c in rec.recommend(mf, k)]
    out["nearest_l1"] = [dict(rest.configurations[c][1]) for c in nearest_l1(rest, mf, k)]
    rng = np.random.default_rng([seed, int(view.tasks.loc[task, "openml_task_id"] or 0)])
    out["sklearn_default"] = [space.default()]
    out["random"] = space.sample(rng, k)
    own = view.performance.loc[task].dropna().sort_values(kind="stable")
    if len(own):
        out["openml_best"] = [dict(view.configurations[str(own.index[-1])][1])]
        out["openml_median"] = [dict(view.configurations[str(own.index[(len(own) - 1) // 2])][1])]
    return out


def expected_rows(strategy: str | Sequence[str], k: int = K,
                  has_own: bool = True) -> set[tuple[str, int]]:
    """The (method, rank) rows :func:`candidates` yields for a task when each method fills ``k``."""
    names = [strategy] if isinstance(strategy, str) else list(strategy)
    rows = {(m, r) for m in [*names, "nearest_l1", "random"] for r in range(1, k + 1)}
    rows.add(("sklearn_default", 1))
    if has_own:
        rows |= {("openml_best", 1), ("openml_median", 1)}
    return rows


# ----------------------------------------------------------------- evaluation
def percentile(value: float, population: np.ndarray) -> float:
    """Share (in %) of ``population`` below ``value``, ties counting half."""
    pop = np.asarray(population, dtype=float)
    pop = pop[~np.isnan(pop)]
    if not len(pop) or np.isnan(value):
        return float("nan")
    return float(100.0 * (np.sum(pop < value) + 0.5 * np.sum(pop == value)) / len(pop))


def run_yardstick(view: RepositoryView, matches: pd.DataFrame, corpus: Path,
                  strategy: str | Sequence[str],
                  results_file: Path, folds: int = 10, k: int = K) -> pd.DataFrame:
    """Evaluate every method's configurations on every matched task (resumable)."""
    from metaknow.evaluation import Protocol, evaluate, make_splits, mean_metrics
    from metaknow.space import canonical_json

    done = pd.read_csv(results_file) if results_file.is_file() else pd.DataFrame(columns=COLUMNS)
    seen = {(str(t), m, int(r)) for t, m, r in zip(done["task"], done["method"], done["rank"])}
    for match in matches.itertuples():
        openml = view.performance.loc[match.task].dropna().to_numpy()
        if expected_rows(strategy, k, has_own=len(openml) > 0) <= {
                (m, r) for t, m, r in seen if t == str(match.task)}:
            continue  # finished: no need to refit every strategy without this task
        todo = [(m, i, c) for m, cs in candidates(view, match.task, strategy, k=k).items()
                for i, c in enumerate(cs, start=1) if (str(match.task), m, i) not in seen]
        if not todo:
            continue
        try:
            data = load_task_data(match.file, match.target, view.metafeatures.loc[match.task])
            splits = make_splits(data, Protocol(n_splits=folds, seed=SEED))
        except MetaknowError as exc:
            print(f"  skipped {match.dataset} (task {match.openml_task_id}): {exc}", flush=True)
            continue
        cache: dict[str, float] = {}
        for method, rank, config in todo:
            key = canonical_json(config)
            start = time.perf_counter()
            if key not in cache:
                results = evaluate(SPACE, config, data, splits, seed=SEED)
                cache[key] = mean_metrics(results).get("accuracy", float("nan"))
            acc = cache[key]
            row = {"task": match.task, "openml_task_id": match.openml_task_id,
                   "dataset": match.dataset, "method": method, "rank": rank, "config": key,
                   "accuracy": acc, "percentile": percentile(acc, openml),
                   "openml_median": float(np.median(openml)), "openml_best": float(openml.max()),
                   "seconds": round(time.perf_counter() - start, 2)}
            pd.DataFrame([row], columns=COLUMNS).to_csv(
                results_file, mode="a", header=not results_file.is_file(), index=False)
            print(f"  {match.dataset:<24} {method:<18} #{rank} accuracy {acc:.4f} "
                  f"percentile {row['percentile']:5.1f}", flush=True)
    return pd.read_csv(results_file)


# -------------------------------------------------------------------- report
def summarise(results: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per method: mean top-1 and best-of-5 percentile (over tasks with all 5 done)."""
    rows = []
    for (task, method), g in results.groupby(["task", "method"], sort=False):
        g = g.sort_values("rank")
        rows.append({"task": task, "dataset": g["dataset"].iloc[0], "method": method,
                     "top1": float(g["percentile"].iloc[0]),
                     "best_of_k": float(g["percentile"].max()), "k": int(len(g))})
    per_task = pd.DataFrame(rows)
    summary = (per_task.groupby("method")
               .agg(tasks=("task", "nunique"), top1_mean=("top1", "mean"),
                    top1_median=("top1", "median"), best_of_k_mean=("best_of_k", "mean"),
                    share_top1_above_80=("top1", lambda s: float((s > 80).mean())),
                    share_best_above_95=("best_of_k", lambda s: float((s > 95).mean())))
               .reset_index())
    return summary, per_task


def markdown(summary: pd.DataFrame, per_task: pd.DataFrame, strategy: str,
             args: argparse.Namespace) -> str:
    lines = ["# OpenML yardstick (random forest, OpenML100 flow 6969)", "",
             f"Recommender: `{strategy}`; baseline `nearest_l1`; references: scikit-learn's "
             "default random forest and 5 uniform random configurations. Percentile = share of "
             "the OpenML users' runs on the task that the locally measured accuracy beats.",
             "", "Calibration: `openml_best` / `openml_median` are the held-out task's own OpenML "
             "configurations with the best / median OpenML accuracy, evaluated locally like the "
             "others (no recommender sees them): where OpenML's own best lands is the ceiling "
             "this comparison allows.",
             "", "Local 10-fold CV differs from OpenML's (folds, scikit-learn version, "
             "preprocessing): compare methods with each other and with the references.", "",
             "| method | tasks | top-1 mean pct | top-1 median | best-of-k mean pct | "
             "top-1 > 80th | best-of-k > 95th |", "|---|---|---|---|---|---|---|"]
    for r in summary.itertuples():
        lines.append(f"| {r.method} | {r.tasks} | {r.top1_mean:.1f} | {r.top1_median:.1f} | "
                     f"{r.best_of_k_mean:.1f} | {r.share_top1_above_80:.0%} | "
                     f"{r.share_best_above_95:.0%} |")
    lines += ["", "Per task (top-1 / best-of-k percentile):", "",
              "| dataset | " + " | ".join(summary["method"]) + " |",
              "|---|" + "---|" * len(summary)]
    for dataset, g in per_task.groupby("dataset", sort=False):
        cells = []
        for m in summary["method"]:
            r = g[g["method"] == m]
            cells.append("" if r.empty else f"{r['top1'].iloc[0]:.0f} / {r['best_of_k'].iloc[0]:.0f}")
        lines.append(f"| {dataset} | " + " | ".join(cells) + " |")
    lines += ["", "Command: `metaknow benchmark openml-yardstick " +
              " ".join(f"--{k.replace('_', '-')} "
                       f"{' '.join(v) if isinstance(v, (list, tuple)) else v}"
                       for k, v in vars(args).items()
                       if k in ("max_rows", "max_tasks", "folds", "strategy") and v is not None) + "`"]
    return "\n".join(lines) + "\n"
