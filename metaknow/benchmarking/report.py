"""Summaries of anytime tuning runs: normalised score, mean rank and wall time at checkpoints.

Input: one CSV per run at ``runs/<space>/<dataset>/<method>__seed<k>.csv`` with columns
``n, score, best_so_far, elapsed``. A run shorter than a checkpoint (a single-configuration
method) keeps its last value. Per (space, dataset), 0 is the worst score any method saw
and 1 the best. A run that starts from metaknow's recommendations is charged the seconds
its dataset's meta-features and recommendations took (``lookup.csv``), so wall times
compare what a user waits for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from metaknow.benchmarking.heldout import COLD, best_of, heldout_goal_lines
from metaknow.benchmarking.methods import uses_optimised, uses_recommendations
from metaknow.benchmarking.records import LOOKUP_OPTIMISED, load_lookups, load_references

__all__ = ["CHECKPOINTS", "load_runs", "summarise", "write_outputs", "markdown_table",
           "reference_scores", "incomplete_datasets"]

CHECKPOINTS = (1, 5, 10, 25, 50)


def load_runs(runs: Path) -> pd.DataFrame:
    """All run files as one long frame (space, dataset, method, seed, n, score, ...).

    ``elapsed`` of a run that starts from the recommendations includes its dataset's
    recorded lookup seconds (column ``lookup``, 0 where none is recorded or charged).
    """
    frames = []
    for path in sorted(Path(runs).glob("*/*/*__seed*.csv")):
        method, seed = path.stem.rsplit("__seed", 1)
        frame = pd.read_csv(path)
        if frame.empty:
            continue
        frame["space"], frame["dataset"] = path.parent.parent.name, path.parent.name
        frame["method"], frame["seed"] = method, int(seed)
        frames.append(frame)
    if not frames:
        return pd.DataFrame()
    long = pd.concat(frames, ignore_index=True)
    keys = pd.MultiIndex.from_arrays([long["space"], long["dataset"]])

    def seconds(name: str | None = None) -> np.ndarray:
        table = (load_lookups(runs) if name is None else load_lookups(runs, name))
        return table.set_index(["space", "dataset"])["seconds"].reindex(keys).fillna(0.0).to_numpy()

    charged = long["method"].map(uses_recommendations).to_numpy(dtype=bool)
    optimised = long["method"].map(uses_optimised).to_numpy(dtype=bool)
    long["lookup"] = np.where(optimised, seconds(LOOKUP_OPTIMISED), np.where(charged, seconds(), 0.0))
    long["elapsed"] = long["elapsed"] + long["lookup"]
    return long


def incomplete_datasets(long: pd.DataFrame) -> dict[str, list[str]]:
    """Per space, datasets lacking a (method, seed) run that other datasets of the space have."""
    out: dict[str, list[str]] = {}
    for space, sub in long.groupby("space"):
        pairs = sub.groupby("dataset").apply(lambda d: frozenset(zip(d["method"], d["seed"])))
        every = frozenset().union(*pairs)
        out[str(space)] = sorted(d for d, have in pairs.items() if have != every)
    return out


def summarise(runs: Path | pd.DataFrame,
              checkpoints: tuple[int, ...] = CHECKPOINTS) -> pd.DataFrame:
    """Per (space, dataset, method, seed, checkpoint): best so far, normalised, rank, time.

    ``runs`` is the runs folder or the frame :func:`load_runs` read from it. Only datasets
    with every (method, seed) run of their space count (a dataset still in progress would
    compare methods on different datasets).
    """
    long = runs if isinstance(runs, pd.DataFrame) else load_runs(runs)
    if long.empty:
        return long
    partial = incomplete_datasets(long)
    long = long[[d not in partial.get(s, []) for s, d in zip(long["space"], long["dataset"])]]
    if long.empty:
        return long
    longest = int(long["n"].max())
    checkpoints = tuple(c for c in checkpoints if c <= longest) or (longest,)
    bounds = long.groupby(["space", "dataset"])["score"].agg(["min", "max"])
    rows = []
    for (space, dataset, method, seed), run in long.groupby(["space", "dataset", "method", "seed"]):
        run = run.sort_values("n")
        lo, hi = bounds.loc[(space, dataset)]
        for n in checkpoints:
            if 1 < int(run["n"].max()) < n:
                continue  # a one-evaluation method keeps its value; a shorter budget says nothing
            upto = run[run["n"] <= n]
            last = upto.iloc[-1] if len(upto) else run.iloc[0]
            best = float(last["best_so_far"])
            norm = 1.0 if hi <= lo else (best - lo) / (hi - lo)
            rows.append({"space": space, "dataset": dataset, "method": method, "seed": seed,
                         "n": n, "evaluations": int(last["n"]), "best_so_far": best,
                         "normalised": norm, "elapsed": float(last["elapsed"]),
                         "lookup": float(last.get("lookup", 0.0)),
                         "test_score": float(last.get("test_score", np.nan))})
    table = pd.DataFrame(rows)
    table["rank"] = table.groupby(["space", "dataset", "seed", "n"])["best_so_far"].rank(
        ascending=False, method="average")
    return table


def _fmt(pattern: str) -> Any:
    return lambda v: "" if pd.isna(v) else pattern.format(v)


def _space_table(table: pd.DataFrame) -> pd.DataFrame:
    if "test_score" not in table:
        table = table.assign(test_score=np.nan)
    agg = table.groupby(["method", "n"]).agg(normalised=("normalised", "mean"),
                                             rank=("rank", "mean"), elapsed=("elapsed", "mean"),
                                             test=("test_score", "mean"))
    wide = agg.unstack("n")
    out = pd.DataFrame(index=wide.index)
    ns = sorted(table["n"].unique())
    for n in ns:
        out[f"score@{n}"] = wide[("normalised", n)].map(_fmt("{:.3f}"))
    for n in ns:
        out[f"rank@{n}"] = wide[("rank", n)].map(_fmt("{:.2f}"))
    if table["test_score"].notna().any():  # the incumbent's score on the held-out split
        for n in ns:
            out[f"test@{n}"] = wide[("test", n)].map(_fmt("{:.4f}"))
    last = max(ns)
    for n in sorted({min(10, last), last}):
        out[f"time@{n} (s)"] = wide[("elapsed", n)].map(_fmt("{:.1f}"))
    order = wide[("normalised", last)].fillna(wide[("normalised", min(10, last))] - 1)
    return out.loc[order.sort_values(ascending=False).index]


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table of ``frame`` (index as the first column)."""
    head = [str(frame.index.name or "")] + [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for idx, row in frame.iterrows():
        lines.append("| " + " | ".join([str(idx)] + [str(v) for v in row]) + " |")
    return "\n".join(lines)


def _goals(table: pd.DataFrame) -> list[str]:
    lines = []
    last = int(table["n"].max())
    per = table.groupby(["method", "n", "dataset"])["normalised"].mean()
    methods = set(table["method"])
    if "metaknow-warm10" in methods and 10 in set(table["n"]):
        warm = per.loc[("metaknow-warm10", 10)]
        for cold in [m for m in COLD if m in methods]:
            other = per.loc[(cold, last)]
            both = warm.index.intersection(other.index)
            verdict = "matches or beats" if warm[both].mean() >= other[both].mean() else "does NOT match"
            lines.append(f"- metaknow-warm10 after 10 evaluations ({warm[both].mean():.3f}) "
                         f"{verdict} {cold} after {last} ({other[both].mean():.3f}); it is at least "
                         f"as good on {int((warm[both] >= other[both]).sum())}/{len(both)} datasets")
        if "flaml-zeroshot" in methods:
            flaml = per.loc[("flaml-zeroshot", last)]
            both = warm.index.intersection(flaml.index)
            wins = int((warm[both] > flaml[both]).sum())
            lines.append(f"- metaknow-warm10 after 10 evaluations beats FLAML's zero-shot "
                         f"configuration on {wins}/{len(both)} datasets")
        lines.extend(_time_line(table, last))
    lines.extend(_transfer_goals(per, methods, set(table["n"]), last))
    lines.extend(heldout_goal_lines(table))
    return lines


def _transfer_goals(per: pd.Series, methods: set[str], ns: set[int], last: int) -> list[str]:
    """metaknow-transfer after 10 against cold metaknow after 25 and every cold method after ``last``."""
    if "metaknow-transfer" not in methods or 10 not in ns:
        return []
    lines = []
    ours = per.loc[("metaknow-transfer", 10)]
    if "metaknow-cold" in methods and 25 in ns:
        cold = per.loc[("metaknow-cold", 25)].reindex(ours.index)
        verdict = "matches or beats" if ours.mean() >= cold.mean() else "does NOT match"
        lines.append(f"- metaknow-transfer after 10 evaluations ({ours.mean():.3f}) {verdict} "
                     f"metaknow-cold after 25 ({cold.mean():.3f})")
    colds = [m for m in COLD if m in methods and (m, last) in per.index]
    if colds and last > 10:
        best = best_of(per, colds, last, ours.index)
        lines.append(f"- metaknow-transfer after 10 evaluations is at least as good as every cold "
                     f"method after {last} ({', '.join(colds)}) on "
                     f"{int((ours >= best - 1e-12).sum())}/{len(ours)} datasets")
    return lines


def _time_line(table: pd.DataFrame, last: int) -> list[str]:
    """Wall time of warm 10 after 10 against cold metaknow after ``last``."""
    warm = table[(table["method"] == "metaknow-warm10") & (table["n"] == 10)]
    cold = table[(table["method"] == "metaknow-cold") & (table["n"] == last)]
    if warm.empty or cold.empty:
        return []
    lookup = (f", of which {warm['lookup'].mean():.1f} s meta-features and recommendations"
              if warm["lookup"].gt(0).any() else "")
    return [f"- Wall time: metaknow-warm10's first 10 evaluations take "
            f"{warm['elapsed'].mean():.1f} s on average{lookup}; metaknow-cold's "
            f"{last} take {cold['elapsed'].mean():.1f} s"]


def reference_scores(references: pd.DataFrame, long: pd.DataFrame, space: str) -> pd.DataFrame:
    """Design best/median per dataset of ``space``, normalised like the runs (dataset x reference).

    ``references`` as :func:`~metaknow.benchmarking.records.load_references` and ``long``
    as :func:`load_runs` read them. Values above 1 mean the repository's design holds a
    configuration better than any method found.
    """
    refs = references[references["space"] == space]
    long = long[long["space"] == space]
    if refs.empty or long.empty:
        return pd.DataFrame()
    bounds = long.groupby("dataset")["score"].agg(["min", "max"])
    refs = refs[refs["dataset"].isin(bounds.index)]
    lo = bounds.loc[refs["dataset"], "min"].to_numpy()
    hi = bounds.loc[refs["dataset"], "max"].to_numpy()
    span = np.where(hi > lo, hi - lo, 1.0)
    refs = refs.assign(normalised=(refs["score"].to_numpy() - lo) / span)
    return refs.pivot(index="dataset", columns="reference", values="normalised")


def _reference_lines(refs: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    if refs.empty or "design-best" not in refs:
        return []
    per = table.groupby(["method", "n", "dataset"])["normalised"].mean()
    line = (f"- Reference, seen by no method: the best of the repository's design on the "
            f"held-out dataset itself, same protocol (a perfect zero-shot pick from the "
            f"design), scores {refs['design-best'].mean():.3f} on average over "
            f"{len(refs)} datasets; the design's median configuration "
            f"{refs['design-median'].mean():.3f}")
    if ("metaknow-warm10", 10) in per.index:
        warm = per.loc[("metaknow-warm10", 10)]
        both = warm.index.intersection(refs.index)
        line += (f"; metaknow-warm10 after 10 evaluations reaches it on "
                 f"{int((warm[both] >= refs.loc[both, 'design-best'] - 1e-12).sum())}/{len(both)}")
    return [line]


def write_outputs(table: pd.DataFrame, out: Path, long: pd.DataFrame | None = None,
                  runs: Path | None = None) -> str:
    """Write results.csv, summary.md and anytime.png under ``out``; return the markdown.

    ``runs`` is the folder of run files (default ``out / "runs"``); ``long`` its runs as
    :func:`load_runs` read them (read here when not given; pass the frame given to
    :func:`summarise` to read the files once).
    """
    out = Path(out)
    runs = out / "runs" if runs is None else Path(runs)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "results.csv", index=False, float_format="%.6g")
    long = load_runs(runs) if long is None else long
    references = load_references(runs)
    refs = {}  # per space: the references of the datasets the table shows
    for space, sub in table.groupby("space"):
        scores = reference_scores(references, long, str(space))
        refs[str(space)] = scores.loc[scores.index.intersection(sub["dataset"].unique())]
    parts = []
    partial = incomplete_datasets(long)
    for space, sub in table.groupby("space"):
        n_data, n_seeds = sub["dataset"].nunique(), sub["seed"].nunique()
        parts.append(f"### {space} ({n_data} datasets x {n_seeds} seeds)\n")
        if partial.get(str(space)):
            parts.append(f"Left out until all their runs exist: {', '.join(partial[str(space)])}.\n")
        parts.append("Mean normalised best score (per dataset: 0 = worst configuration any "
                     "method saw, 1 = best) and mean rank after n evaluations; mean wall "
                     "time after n evaluations (runs started from metaknow's recommendations "
                     "include the meta-features and the recommendation).\n")
        parts.append(markdown_table(_space_table(sub)))
        parts.append("")
        parts.extend(_goals(sub))
        parts.extend(_reference_lines(refs[str(space)], sub))
        parts.append("")
    text = "\n".join(parts)
    (out / "summary.md").write_text(text + "\n")
    _plot(long, refs, table, out / "anytime.png")
    return text


def _plot(long: pd.DataFrame, references: dict[str, pd.DataFrame], table: pd.DataFrame,
          path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spaces = sorted(table["space"].unique())
    fig, axes = plt.subplots(1, len(spaces), figsize=(6.5 * len(spaces), 4.5), squeeze=False)
    for ax, space in zip(axes[0], spaces):
        shown = table.loc[table["space"] == space, "dataset"].unique()
        sub = long[(long["space"] == space) & long["dataset"].isin(shown)]
        bounds = sub.groupby("dataset")["score"].agg(["min", "max"])
        budget = int(sub["n"].max())
        grid = np.arange(1, budget + 1)
        for method, runs_m in sub.groupby("method"):
            curves = []
            for (dataset, _), run in runs_m.groupby(["dataset", "seed"]):
                lo, hi = bounds.loc[dataset]
                best = run.set_index("n")["best_so_far"].reindex(grid).ffill().bfill()
                curves.append(((best - lo) / (hi - lo)).to_numpy() if hi > lo else np.ones(len(grid)))
            style = "-" if method.startswith("metaknow") else "--"
            if runs_m["n"].max() == 1:
                style = ":"
            ax.plot(grid, np.mean(curves, axis=0), style, label=method)
        refs = references[str(space)]
        if "design-best" in refs:
            ax.axhline(refs["design-best"].mean(), color="grey", lw=0.8, ls=":",
                       label="design best (reference)")
        ax.set_xscale("log")
        ax.set_xlabel("evaluations")
        ax.set_ylabel("mean normalised best score")
        ax.set_title(f"{space}: anytime performance")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
