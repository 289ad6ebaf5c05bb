"""Box plot of per-task variance shares (one box per parameter / pair, sorted by median)."""

from __future__ import annotations

from pathlib import Path

from metaknow.importance.analysis import ImportanceResult

__all__ = ["plot_importance"]


def plot_importance(result: ImportanceResult, path: str | Path, top: int = 12) -> Path:
    """Write a PNG of the ``top`` rows of ``result.summary``: the spread across tasks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(result.summary.index[:top])[::-1]
    data = [result.per_task[c].dropna().to_numpy() for c in labels]
    fig, ax = plt.subplots(figsize=(7.0, 0.35 * len(labels) + 1.5), dpi=110)
    try:
        ax.boxplot(data, vert=False, showfliers=True, flierprops={"markersize": 2, "alpha": 0.4})
        ax.set_yticks(range(1, len(labels) + 1))
        ax.set_yticklabels([c.replace(":", " x ") for c in labels], fontsize=8)
        ax.set_xlabel("share of variance per task")
        ax.set_xlim(0, 1)
        ax.set_title(f"{result.space}: {result.method} over {result.per_task.shape[0]} tasks"
                     + (f" ({result.metric})" if result.metric else ""), fontsize=10)
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return Path(path)
