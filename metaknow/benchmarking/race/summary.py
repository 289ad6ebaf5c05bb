"""Summaries of the race's results file: the three goals, costs, and the anytime plot.

* **budget goal**: per (table, T), metaknow's held-out score at T against every peer's at
  3T (seeds averaged; a peer with no incumbent by then counts as beaten); met when
  metaknow is at least as good as the best peer (within :data:`TIE`) on >= 75 % of cells;
* **first-pick goal**: per (table, seed), metaknow's first recommendation fitted once
  against LightGBM's default fitted once; met on >= 90 %;
* **wall-time goal**: the ``metaknow.tune(wall_time=T)`` call ends within 1.1 T (the
  call itself, so Python's start-up is left out).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from metaknow.benchmarking.race.results import read_lines

__all__ = [
    "PEERS",
    "TIE",
    "budget_goal",
    "costs",
    "first_pick_goal",
    "load_results",
    "markdown",
    "plot",
    "wall_time_goal",
]

TIE = 1e-4
PEERS = ("flaml", "optuna-tpe-hyperband", "smac3-multifidelity", "random")
SINGLE = ("lightgbm-default", "metaknow-first")


def load_results(path: str | Path) -> pd.DataFrame:
    """One row per result line (``heldout`` kept as a dict)."""
    return pd.DataFrame(list(read_lines(path)))


def _at(frame: pd.DataFrame, tuner: str, budget: float, point: float) -> pd.Series:
    """Held-out score of ``tuner``'s cells of ``budget`` at ``point`` seconds, by (table, seed)."""
    rows = frame[(frame["tuner"] == tuner) & (frame["budget"] == budget)]
    values = {(r.table, r.seed): r.heldout.get(f"{point:g}", np.nan) for r in rows.itertuples()}
    return pd.Series(values, dtype=float)


def budget_goal(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (table, T) where metaknow ran: its score at T, each peer's at 3T."""
    out = []
    for budget in sorted(frame.loc[frame["tuner"] == "metaknow", "budget"].unique()):
        ours = _at(frame, "metaknow", budget, budget)
        peers = {p: _at(frame, p, budget, 3 * budget) for p in PEERS}
        for table in dict.fromkeys(t for t, _ in ours.index):
            seeds = [s for t, s in ours.index if t == table
                     and all((table, s) in peers[p].index for p in PEERS)]
            if not seeds:
                continue
            row: dict[str, Any] = {"table": table, "T": budget, "seeds": len(seeds),
                                   "metaknow@T": float(np.nanmean([ours[(table, s)] for s in seeds]))}
            for p in PEERS:
                vals = [peers[p][(table, s)] for s in seeds]
                row[f"{p}@3T"] = float(np.nanmean(vals)) if np.isfinite(vals).any() else np.nan
            best = np.nanmax([row[f"{p}@3T"] for p in PEERS] + [-np.inf])
            row["met"] = bool(np.isfinite(row["metaknow@T"]) and row["metaknow@T"] >= best - TIE)
            row["strict"] = bool(np.isfinite(row["metaknow@T"]) and row["metaknow@T"] >= best)
            out.append(row)
    return pd.DataFrame(out)


def first_pick_goal(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (table, seed): the first recommendation and the default, each fitted once."""
    first = _at(frame, "metaknow-first", 0.0, 0.0)
    default = _at(frame, "lightgbm-default", 0.0, 0.0)
    both = first.index.intersection(default.index)
    rows = [{"table": t, "seed": s, "default": default[(t, s)], "first": first[(t, s)],
             "gain": first[(t, s)] - default[(t, s)],
             "met": bool(first[(t, s)] >= default[(t, s)] - TIE)} for t, s in both]
    return pd.DataFrame(rows)


def wall_time_goal(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per metaknow cell: the seconds ``tune`` took against 1.1 T."""
    rows = []
    for r in frame[frame["tuner"] == "metaknow"].itertuples():
        took = next((float(m.group(1)) for n in r.notes
                     if (m := re.match(r"tune call seconds: ([\d.]+)", n))), np.nan)
        rows.append({"table": r.table, "seed": r.seed, "T": r.budget, "seconds": took,
                     "ratio": took / r.budget, "met": bool(took <= 1.1 * r.budget)})
    return pd.DataFrame(rows)


def costs(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (tuner, T): cells, mean CPU and wall seconds of the tuning (the single fits'
    fit is their refit), CPU share of the wall clock, evaluations on every fold."""
    frame = frame.assign(cpu=np.where(frame["run_seconds"] > 0, frame["cpu_seconds"], np.nan),
                         wall=np.where(frame["run_seconds"] > 0, frame["wall_seconds"],
                                       frame["refit_seconds"]))
    out = frame.groupby(["tuner", "budget"], sort=False).agg(
        cells=("table", "size"), run=("run_seconds", "mean"), cpu=("cpu", "mean"),
        wall=("wall", "mean"), evaluations=("evaluations", "mean")).reset_index()
    out["cpu_share"] = out["cpu"] / out["wall"]
    return out


def _num(v: float, digits: int = 4) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def _verdict(goal: pd.DataFrame, target: float, extra: str = "") -> str:
    """``met on k of n (share) within TIE{extra} — goal met.`` (or not met)."""
    share = float(goal["met"].mean())
    return (f"met on {int(goal['met'].sum())} of {len(goal)} ({share:.0%}) within {TIE:g}{extra} — "
            + ("goal met." if share >= target else "goal not met."))


def markdown(frame: pd.DataFrame) -> str:
    """The summary a document includes."""
    goal1, goal2, goal3 = budget_goal(frame), first_pick_goal(frame), wall_time_goal(frame)
    loads = np.array([x for x in frame["load_average"]]) if len(frame) else np.zeros((0, 6))
    lines = ["Held-out test score (ROC AUC, one-vs-rest macro for several classes; R² for "
             "regression) of each tuner's incumbent refitted on all training rows. "
             f"{len(frame)} cells, seeds {sorted(set(frame['seed']))}, budgets T = "
             + ", ".join(f"{b:g}" for b in sorted(set(frame['budget']) - {0.0})) + " s; "
             f"1-minute load average {loads[:, 0].min():.1f} to {loads[:, 3].max():.1f} on "
             f"{int(frame['cpus'].iloc[0])} cores during the cells." if len(frame) else "No cells yet.",
             ""]
    if len(goal1):
        lines += ["**Budget goal** (metaknow at T ≥ every peer at 3T on ≥ 75 % of (table, T)): "
                  + _verdict(goal1, 0.75, f"; {int(goal1['strict'].sum())} of {len(goal1)} "
                                          "without that tolerance"), "",
                  "| table | T (s) | seeds | metaknow @T | " + " | ".join(f"{p} @3T" for p in PEERS)
                  + " | ≥ every peer |", "|---|---:|---:|---:|" + "---:|" * len(PEERS) + "---|"]
        for r in goal1.to_dict("records"):
            lines.append(f"| {r['table']} | {r['T']:g} | {r['seeds']} | {_num(r['metaknow@T'])} | "
                         + " | ".join(_num(r[f'{p}@3T']) for p in PEERS)
                         + f" | {'yes' if r['met'] else 'no'} |")
        lines.append("")
    if len(goal2):
        lines += ["**First-pick goal** (first recommendation fitted once ≥ LightGBM's default "
                  "on ≥ 90 %): " + _verdict(goal2, 0.9), "",
                  "| table | seed | LightGBM default | metaknow first | gain |", "|---|---:|---:|---:|---:|"]
        for r in goal2.to_dict("records"):
            lines.append(f"| {r['table']} | {r['seed']} | {_num(r['default'])} | {_num(r['first'])} "
                         f"| {r['gain']:+.4f} |")
        lines.append("")
    if len(goal3):
        lines += [(f"**Wall-time goal** (`tune(wall_time=T)` returns within 1.1 T): met on "
                   f"{int(goal3['met'].sum())} of {len(goal3)}; longest {goal3['ratio'].max():.3f} T."), ""]
    cost = costs(frame)
    lines += ["| tuner | T (s) | cells | run (s) | CPU s | wall s | CPU / wall | evaluations |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in cost.to_dict("records"):
        lines.append(f"| {r['tuner']} | {r['budget']:g} | {r['cells']} | {r['run']:g} | "
                     f"{_num(r['cpu'], 1)} | {_num(r['wall'], 1)} | {_num(r['cpu_share'], 2)} | "
                     f"{r['evaluations']:.1f} |")
    return "\n".join(lines) + "\n"


def plot(frame: pd.DataFrame, path: str | Path) -> None:
    """Anytime curves: per table, each tuner's held-out score at the reported seconds,
    averaged over the seeds every tuner has finished (any seed while none has); the
    single fits as horizontal lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    tables = list(dict.fromkeys(frame["table"]))
    cols = min(3, len(tables))
    rows = -(-len(tables) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.6 * rows), squeeze=False)
    colours = {"metaknow": "C3", "flaml": "C0", "optuna-tpe-hyperband": "C1",
               "smac3-multifidelity": "C2", "random": "C7"}
    every = set(frame["tuner"])
    for ax, table in zip(axes.flat, tables):
        part = frame[frame["table"] == table]
        complete = [s for s, g in part.groupby("seed") if set(g["tuner"]) == every]
        part = part[part["seed"].isin(complete)] if complete else part
        for tuner, colour in colours.items():
            for budget in sorted(part.loc[part["tuner"] == tuner, "budget"].unique()):
                cells = part[(part["tuner"] == tuner) & (part["budget"] == budget)]
                # a point only where every seed has an incumbent (no mean over a subset)
                points = pd.DataFrame(list(cells["heldout"])).astype(float).mean(skipna=False)
                points.index = points.index.astype(float)
                points = points.sort_index().dropna()
                ax.plot(points.index, points.values, "o-", color=colour, ms=4, lw=1.5,
                        label=f"{tuner} (runs {'T' if tuner == 'metaknow' else '3T'})")
        for tuner, style in (("lightgbm-default", "--"), ("metaknow-first", ":")):
            cells = part[part["tuner"] == tuner]
            if len(cells):
                value = float(np.nanmean([h.get("0", np.nan) for h in cells["heldout"]]))
                ax.axhline(value, color="k", ls=style, lw=1, label=f"{tuner} (one fit)")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        ticks = sorted({float(k) for h in part["heldout"] for k in h} - {0.0})
        if ticks:
            ax.set_xticks(ticks)
        ax.set_title(f"{table} ({part['metric'].iloc[0]}, {int(part['n_train'].iloc[0]):,} train rows, "
                     f"{part['seed'].nunique()} seed(s))", fontsize=9)
        ax.set_xlabel("seconds since the tuner started", fontsize=8)
        ax.set_ylabel("held-out score", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(tables):]:
        ax.axis("off")
    legend: dict[str, Any] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    handles, labels = list(legend.values()), list(legend)
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.08 if rows > 1 else 0.14, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
