"""How well the fit-cost model predicts fits at sizes it never saw.

The model (:mod:`metaknow.recommenders.fit_cost`) is fitted on the bundled repository,
whose fits used at most 1,334 training rows. The fidelity build (``repository/fidelity``)
fitted the same 64-configuration LightGBM design on the larger tasks at 1,000, 4,000,
16,000, ... rows. For each fidelity task the model is refitted on the bundled view
**without that task** (the same data at its small size is left out too) and asked for the
seconds of every (configuration, size) the fidelity build measured.

Reported per training size: the median absolute error in log10 units (0.3 = a factor 2),
the share of predictions within a factor 2, the median signed error (bias, + = too
slow), and the Spearman correlation between predicted and measured seconds over the 64
configurations of each (task, size), averaged: whether the model orders candidates by
cost correctly, which is what an affordability filter needs. The two builds ran on the
same machine at different loads, so part of the level error is the machine, not the
model; the rank correlation is free of it.

``--measure`` adds the test that matters to a user: on the large real tables (Fertility,
Shuttle, CPSSW8; 80 % of the rows, as a training fold of a 5-fold CV) it fits the library
default and configurations spread over the predicted costs, timing each fit's CPU seconds
(the fitting thread, one native thread), and compares them with the prediction of the
model fitted on the bundled view without that table's task. Finished fits are appended to
``measured.csv`` (the run resumes where it stopped).

    PYTHONPATH=. python benchmarks/fit_cost.py --out benchmarks/results/fit_cost \
        --measure ../shared/data/tables
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from metaknow.recommenders.fit_cost import FitCostModel
from repository import export
from repository.builders.fidelity import FIDELITY_DIR
from repository.learning_curves import fit_times_by_size
from repository.named import open_repository

#: The models compared: fitted on the bundled view alone, or with the fidelity export's
#: learning curves too (what ``recommend`` uses).
MODELS = {"bundled": None, "bundled + curves": "curves"}

SPACES = (("lightgbm", "classification"), ("lightgbm", "regression"))


def measured(store, space_key: str) -> pd.DataFrame:
    """The fidelity build's successful fits with each task's size columns."""
    e = store.evaluations(space=space_key)
    e = e[e["status"] == "ok"]
    tasks = store.tasks().set_index("name")[["n_features", "n_classes"]]
    return e.join(tasks, on="task")


def model_without(view, task: str, curves: str | None) -> FitCostModel:
    """The fit-cost model of ``view`` without ``task``; with the learning curves of the
    export folder ``curves`` (without ``task`` either) when given."""
    held_out = view.without_tasks([t for t in view.performance.index
                                   if view.tasks.loc[t, "name"] == task])
    algorithm = next(iter(view.defaults)).split("/")[0]
    task_type = str(view.tasks["task_type"].iloc[0])
    by_size = None if curves is None else \
        fit_times_by_size(algorithm, task_type, curves, exclude=[task])
    return FitCostModel().fit(held_out, by_size)


def evaluate(bundled, fidelity, algorithm: str, task_type: str, curves: str) -> pd.DataFrame:
    view = bundled.view(algorithm, task_type)
    key = f"{algorithm}/{task_type}"
    fits = measured(fidelity, key)
    rows = []
    for (task, group), (model_name, source) in itertools.product(
            fits.groupby("task"), MODELS.items()):
        model = model_without(view, task, None if source is None else curves)
        for n_train, g in group.groupby("n_train"):
            first = g.iloc[0]
            ids = [f"{algorithm}-{h}" for h in g["config_hash"]]
            pred = model.predict(ids, float(n_train), float(first["n_features"]),
                                 None if pd.isna(first["n_classes"]) else float(first["n_classes"]))
            err = np.log10(pred) - np.log10(g["fit_time"].to_numpy(dtype=float))
            rho = spearmanr(pred, g["fit_time"], nan_policy="omit").statistic
            rows.append({"model": model_name, "space": key, "task": task,
                         "n_train": int(n_train),
                         "size": _size_label(int(n_train)), "n": int(np.isfinite(err).sum()),
                         "median_abs_log10": float(np.nanmedian(np.abs(err))),
                         "within_2x": float(np.nanmean(np.abs(err) < np.log10(2))),
                         "bias_log10": float(np.nanmedian(err)), "spearman": float(rho)})
    return pd.DataFrame(rows)


#: Large real tables of the measured part: file stem and target column.
LARGE_TABLES = {"Fertility": "morekids", "Shuttle": "Class", "CPSSW8": "earnings"}
#: Configurations measured per table besides the default, spread over predicted cost.
N_MEASURED = 7


def measure(bundled, tables: Path, out: Path, curves: str) -> pd.DataFrame:
    """Fit the default and :data:`N_MEASURED` configurations on each large table, once,
    timing CPU seconds; rows already in ``out`` are not fitted again."""
    import time

    from sklearn import config_context
    from threadpoolctl import threadpool_limits

    from metaknow.dataset import load_dataset
    from metaknow.spaces import get_algorithm, make_pipeline

    done = pd.read_csv(out) if out.exists() else pd.DataFrame(columns=["table", "config"])
    for stem, target in LARGE_TABLES.items():
        data = load_dataset(tables / f"{stem}.csv.gz", target=target)
        view = bundled.view("lightgbm", data.task)
        model = model_without(view, stem, None)
        default = view.defaults[f"lightgbm/{data.task}"]
        rows = np.random.default_rng(0).permutation(data.n_rows)[: int(0.8 * data.n_rows)]
        classes = float(data.y.nunique()) if data.task == "classification" else None
        ids = list(view.performance.columns)
        pred = model.predict(ids, float(len(rows)), float(data.X.shape[1]), classes)
        order = np.argsort(pred)
        picks = [default] + [ids[order[i]] for i in
                             np.linspace(0, len(ids) - 1, N_MEASURED).round().astype(int)]
        y = np.asarray(data.y.cat.codes) if data.task == "classification" \
            else data.y.to_numpy(float)
        for cid in dict.fromkeys(picks):
            if ((done["table"] == stem) & (done["config"] == cid)).any():
                continue
            pipe = make_pipeline(get_algorithm("lightgbm"), dict(view.configurations[cid][1]),
                                 data.task, data.numeric_columns, data.categorical_columns, 0)
            with threadpool_limits(limits=1), config_context(assume_finite=True):
                start = time.thread_time()
                pipe.fit(data.X.iloc[rows], y[rows])
                seconds = time.thread_time() - start
            line = pd.DataFrame([{"table": stem, "task_type": data.task, "config": cid,
                                  "is_default": cid == default, "n_train": len(rows),
                                  "n_features": data.X.shape[1], "n_classes": classes,
                                  "measured_cpu_s": seconds}])
            line.to_csv(out, mode="a", header=not out.exists(), index=False, float_format="%.4f")
            done = pd.concat([done, line])
    return with_predictions(bundled, pd.read_csv(out), curves)


def with_predictions(bundled, m: pd.DataFrame, curves: str) -> pd.DataFrame:
    """``m`` with ``model`` and ``predicted_s``, one copy per model, each fitted without
    the table's own task (the predictions are made here: a changed model needs no new fits)."""
    out = []
    for (stem, task_type), g in m.groupby(["table", "task_type"], sort=False):
        view = bundled.view("lightgbm", task_type)
        first = g.iloc[0]
        classes = None if pd.isna(first["n_classes"]) else float(first["n_classes"])
        for name, source in MODELS.items():
            model = model_without(view, stem, None if source is None else curves)
            out.append(g.assign(model=name, predicted_s=model.predict(
                list(g["config"]), float(first["n_train"]), float(first["n_features"]), classes)))
    return pd.concat(out)


def measured_figures(m: pd.DataFrame) -> list[dict[str, object]]:
    """Per model and table: median error factor and rank correlation (for the headline)."""
    out = []
    for (model, table), g in m.groupby(["model", "table"], sort=False):
        err = np.abs(np.log10(g["predicted_s"]) - np.log10(g["measured_cpu_s"]))
        out.append({"model": model, "table": table, "median_factor": float(10 ** np.median(err)),
                    "spearman": float(spearmanr(g["predicted_s"], g["measured_cpu_s"]).statistic)})
    return out


def measured_summary(m: pd.DataFrame) -> str:
    err = np.log10(m["predicted_s"]) - np.log10(m["measured_cpu_s"])
    m = m.assign(err=err)
    lines = ["| model | table | training rows | fits | default: predicted / measured CPU s "
             "| median abs. error (log10) | within 2× | rank correlation |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for (model, table), g in m.groupby(["model", "table"], sort=False):
        d = g[g["is_default"]].iloc[0]
        rho = spearmanr(g["predicted_s"], g["measured_cpu_s"]).statistic
        lines.append(f"| {model} | {table} | {int(g['n_train'].iloc[0]):,} | {len(g)} "
                     f"| {d['predicted_s']:.2f} / {d['measured_cpu_s']:.2f} "
                     f"| {np.median(np.abs(g['err'])):.2f} | {np.mean(np.abs(g['err']) < np.log10(2)):.0%} "
                     f"| {rho:.2f} |")
    return "\n".join(lines) + "\n"


def _size_label(n: int) -> str:
    low = 0
    for size in (1000, 4000, 16000, 64000):
        if n <= size:
            return f"≤{size:,}" if low == 0 else f"{low + 1:,}–{size:,}"
        low = size
    return ">64,000"


def summary(per_task: pd.DataFrame) -> str:
    g = per_task.groupby(["model", "space", "size"], sort=False)
    table = g.agg(tasks=("task", "nunique"), fits=("n", "sum"),
                  median_abs_log10=("median_abs_log10", "median"),
                  within_2x=("within_2x", "mean"), bias_log10=("bias_log10", "median"),
                  spearman=("spearman", "mean")).reset_index()
    lines = ["| model | space | training rows | tasks | fits | median abs. error (log10) "
             "| within 2× | bias (log10) | rank correlation |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in table.itertuples():
        lines.append(f"| {r.model} | {r.space} | {r.size} | {r.tasks} | {r.fits} | {r.median_abs_log10:.2f} "
                     f"| {r.within_2x:.0%} | {r.bias_log10:+.2f} | {r.spearman:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/fit_cost")
    parser.add_argument("--fidelity", default=str(FIDELITY_DIR),
                        help="fidelity export folder (default: the committed one)")
    parser.add_argument("--measure", default=None, metavar="TABLES",
                        help="folder of the real tables: also time fits at full size")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    bundled = open_repository("bundled")
    with tempfile.TemporaryDirectory() as tmp:
        fidelity = export.materialise(args.fidelity, Path(tmp) / "fidelity.sqlite")
        per_task = pd.concat([evaluate(bundled, fidelity, a, t, args.fidelity) for a, t in SPACES])
        fidelity.close()
    per_task = per_task.sort_values(["model", "space", "n_train", "task"], kind="stable")
    per_task.to_csv(out / "per_task.csv", index=False, float_format="%.4f")
    (out / "summary.md").write_text(summary(per_task))
    command = "PYTHONPATH=. python benchmarks/fit_cost.py --out " + str(args.out)
    print(summary(per_task))
    if args.measure:
        command += " --measure " + args.measure
        m = measure(bundled, Path(args.measure), out / "measured.csv", args.fidelity)
        (out / "measured.md").write_text(measured_summary(m))
        (out / "measured.json").write_text(json.dumps(measured_figures(m), indent=1) + "\n")
        print(measured_summary(m))
    (out / "command.json").write_text(json.dumps({"command": command}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
