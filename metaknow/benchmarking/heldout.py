"""Goal lines on the held-out test split: short warm-started runs against long cold ones.

The in-loop score of a run is the best of its noisy CV estimates, which favours long runs
(the maximum of 25 draws is more optimistic than the maximum of 10). A run made with
``--test-split`` also records its incumbent's score on rows no tuner saw; these lines
compare methods on that score. Per dataset the seeds are averaged; the mean difference
over datasets comes with a paired bootstrap interval (resampling datasets), so a gap that
the datasets do not agree on is not reported as one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaknow.benchmarking.methods import uses_recommendations

__all__ = ["best_of", "bootstrap_interval", "heldout_goal_lines"]

COLD = ("metaknow-cold", "random", "optuna-tpe", "smac3")


def bootstrap_interval(diff: np.ndarray, n_boot: int = 2000, level: float = 0.95,
                       seed: int = 0) -> tuple[float, float]:
    """Percentile interval of the mean of ``diff`` over ``n_boot`` resamples (seeded)."""
    diff = np.asarray(diff, dtype=float)
    if len(diff) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(len(diff), size=(n_boot, len(diff)))].mean(axis=1)
    tail = (1 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def best_of(per: pd.Series, methods: list[str], n: int, datasets: pd.Index) -> pd.Series:
    """Per dataset of ``datasets``, the best value ``per`` (indexed by method, checkpoint,
    dataset) holds among ``methods`` at checkpoint ``n``."""
    return pd.concat([per.loc[(m, n)].reindex(datasets) for m in methods], axis=1).max(axis=1)


def heldout_goal_lines(table: pd.DataFrame, short: int = 10, reference: int = 25) -> list[str]:
    """Each warm-started metaknow method after ``short`` evaluations against cold metaknow
    after ``reference`` and every cold method after the longest checkpoint, in test score."""
    if "test_score" not in table or table["test_score"].isna().all():
        return []
    ns = set(table["n"])
    last = int(table["n"].max())
    if short not in ns or reference not in ns:
        return []
    per = table.groupby(["method", "n", "dataset"])["test_score"].mean()
    methods = sorted({m for m in table["method"] if m.startswith("metaknow-") and uses_recommendations(m)})
    colds = [m for m in COLD if (m, last) in per.index]
    lines = []
    for name in methods:
        if (name, short) not in per.index or ("metaknow-cold", reference) not in per.index:
            continue
        ours = per.loc[(name, short)].dropna()
        cold = per.loc[("metaknow-cold", reference)].reindex(ours.index)
        ok = cold.notna()
        ours, cold = ours[ok], cold[ok]
        if ours.empty:
            continue
        diff = (ours - cold).to_numpy()
        lo, hi = bootstrap_interval(diff)
        line = (f"- Held-out test score: {name} after {short} evaluations {ours.mean():.4f} vs "
                f"metaknow-cold after {reference} {cold.mean():.4f} ({diff.mean():+.4f}, 95% "
                f"bootstrap interval over datasets {lo:+.4f} to {hi:+.4f}); at least as good on "
                f"{int((diff >= 0).sum())}/{len(diff)} datasets")
        if colds:
            best = best_of(per, colds, last, ours.index)
            line += (f", at least as good as every cold method after {last} "
                     f"({', '.join(colds)}) on {int((ours >= best - 1e-12).sum())}/{len(ours)}")
        lines.append(line)
    return lines
