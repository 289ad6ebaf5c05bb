"""README's headline table, computed from the committed result files.

``python benchmarks/headline.py`` writes ``benchmarks/results/headline.md`` and
``benchmarks/results/first_pick/other_spaces.md`` (then
``python benchmarks/make_docs.py`` copies it into README.md). A row whose result file is
missing is left out, never guessed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOCS = "docs/benchmarks.md"


def _first_pick_rows() -> list[str]:
    paths = sorted((RESULTS / "first_pick").glob("lightgbm*/summary.csv"))
    if not paths:
        return []
    s = pd.concat([pd.read_csv(p) for p in paths])
    rows = []
    for space in s["space"].unique():
        h = s[(s["space"] == space) & (s["split"] == "holdout")].set_index("method")
        if "expected_gain" not in h.index:
            continue
        eg = h.loc["expected_gain"]
        parts = [f"top-1 gain over the default **{eg['gain1']:+.4f}** (at least as good on "
                 f"{eg['at_least_default']:.0%} of {int(eg['tables'])} tables, worst {eg['worst']:+.4f})",
                 f"best of 3 {eg['gain3']:+.4f} vs best of 15 random {eg['random15']:+.4f}"]
        if "nearest_portfolio" in h.index:
            parts.append(f"previous default {h.loc['nearest_portfolio', 'gain1']:+.4f}")
        if "flaml-zeroshot" in h.index and pd.notna(eg.get("beats_flaml")):
            parts.append(f"FLAML zero-shot {h.loc['flaml-zeroshot', 'gain1']:+.4f}; "
                         f"top-1 beats FLAML on {eg['beats_flaml']:.0%}")
        if pd.notna(eg.get("coverage")):
            parts.append(f"80% intervals cover {eg['coverage']:.0%}")
        rows.append(f"| First recommendation, held-out real tables, {space} (5-fold x 3 CV judge) | "
                    + "; ".join(parts) + f" | [first pick]({DOCS}#first-recommendation-on-real-tables) |")
    return rows


def _other_spaces_row() -> list[str]:
    frames = [pd.read_csv(p) for p in sorted((RESULTS / "first_pick").glob("other_spaces_*/summary.csv"))]
    if not frames:
        return []
    s = pd.concat(frames)
    eg = s[(s["method"] == "expected_gain") & (s["split"] == "holdout")]
    cells = ", ".join(f"{r.space.split('/')[0]} {r.gain1:+.4f} ({r.at_least_default:.0%} ≥ default)"
                      for r in eg.itertuples())
    return [f"| First recommendation, held-out tables, other spaces (own-evaluation judge) | "
            f"{cells} | [first pick]({DOCS}#first-recommendation-on-real-tables) |"]


def _latency_rows() -> list[str]:
    path = RESULTS / "recommend_latency" / "runs.jsonl"
    if not path.is_file():
        return []
    r = json.loads(path.read_text().splitlines()[-1])
    return [f"| `recommend` latency (CPU) | a later call in a process {r['later_call_median']:.2f} s with "
            f"meta-features, {r['after_metafeatures_median']:.3f} s after them; the CLI end to end "
            f"{r['metaknow_cpu_median']:.1f} s = {r['ratio_median']:.2f}x FLAML's zero-shot "
            f"suggestion in its own process | [speed]({DOCS}#speed) |"]


def _bo_rows() -> list[str]:
    path = RESULTS / "bo_overhead" / "issue28_rolling.jsonl"
    if not path.is_file():
        return []
    runs = pd.DataFrame([json.loads(line) for line in path.read_text().splitlines() if line.strip()])
    ms = runs.groupby(["function", "contestant"])["cpu_ms_per_trial"].mean().unstack()
    cells = ", ".join(f"{f} {ms.loc[f, 'this']:.1f} ms ({ms.loc[f, 'this'] / ms.loc[f, 'optuna_tpe']:.1f}x "
                      f"Optuna TPE)" for f in ms.index)
    return [f"| BO loop overhead per trial at 200 trials (CPU, same run as the peer) | {cells} | "
            f"[speed]({DOCS}#speed) |"]


def _fit_cost_rows() -> list[str]:
    path = RESULTS / "fit_cost" / "measured.json"
    if not path.is_file():
        return []
    rows = [r for r in json.loads(path.read_text()) if r["model"] == "bundled + curves"]
    cells = ", ".join(f"{r['table']} {r['median_factor']:.1f}x (rank correlation "
                      f"{r['spearman']:.2f})" for r in rows)
    return [f"| Predicted seconds of one fit, held-out large tables (median error factor) | "
            f"{cells} | [fit cost]({DOCS}#predicted-fit-cost) |"]


def _cpu_to_target_rows() -> list[str]:
    from cpu_to_target import ratios

    path = RESULTS / "cpu_to_target" / "runs.jsonl"
    if not path.is_file():
        return []
    got = ratios([json.loads(line) for line in path.read_text().splitlines() if line.strip()])
    cells = ", ".join("not reached" if r is None else f"{r:.2f}" for r in got)
    return [f"| CPU to reach Optuna TPE's 30-trial CV score, spambase (metaknow / Optuna, per "
            f"seed) | {cells} | [CPU to target]({DOCS}#cpu-to-reach-optunas-30-trial-score-spambase) |"]


def _race_rows() -> list[str]:
    from metaknow.benchmarking.race.summary import budget_goal, first_pick_goal, load_results

    path = RESULTS / "race" / "results.jsonl"
    if not path.is_file():
        return []
    frame = load_results(path)
    budget, first = budget_goal(frame), first_pick_goal(frame)
    if budget.empty:
        return []
    budgets = ", ".join(f"{b:g}" for b in sorted(budget["T"].unique()))
    return [f"| Wall-clock race, {budget['table'].nunique()} tables of 20,000+ rows, held-out "
            f"test rows (T = {budgets} s) | metaknow at T at least as good as every peer at 3T "
            f"(FLAML, Optuna + Hyperband, SMAC3 multi-fidelity, random) on "
            f"{int(budget['met'].sum())} of {len(budget)} tables; first recommendation fitted once "
            f"≥ LightGBM's default on {int(first['met'].sum())} of {len(first)} (table, seed) "
            f"| [race](docs/benchmarks/race.md) |"]


def other_spaces_page() -> None:
    """``first_pick/other_spaces.md``: the summaries of the runs on the other spaces."""
    parts = [p.read_text() for p in sorted((RESULTS / "first_pick").glob("other_spaces_*/summary.md"))]
    (RESULTS / "first_pick" / "other_spaces.md").write_text("\n".join(parts))


def main() -> int:
    other_spaces_page()
    rows = (_first_pick_rows() + _other_spaces_row() + _latency_rows() + _bo_rows()
            + _fit_cost_rows() + _cpu_to_target_rows() + _race_rows())
    text = "| what | result | details |\n|---|---|---|\n" + "\n".join(rows) + "\n"
    (RESULTS / "headline.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
