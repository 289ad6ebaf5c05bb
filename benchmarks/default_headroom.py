"""How often can any stored configuration beat the library default at all? (per bundled space)

    python benchmarks/default_headroom.py

For each bundled space, the share of tasks on which the best of the space's design scores
strictly above the library default's stored score (the ceiling of "top-1 beats the
default" for any recommender that picks from the design), and the share where the default
already ties the design's best (e.g. ROC AUC 1.0).
"""

from __future__ import annotations

import numpy as np


def main() -> None:
    from metaknow.recommend import open_view

    print("| space | tasks | some design configuration beats the default | default ties the design's best |")
    print("|---|---:|---:|---:|")
    for space in ("lightgbm", "random_forest", "extra_trees", "hist_gradient_boosting", "svm",
                  "logistic_regression", "knn"):
        view = open_view("bundled", space, "classification", None)
        default = [c for c in view.defaults.values() if c in view.performance.columns]
        if len(default) != 1:
            print(f"| {space} | no single default stored | | |")
            continue
        perf = view.performance
        d = perf[default[0]].to_numpy(dtype=float)
        best = np.nanmax(perf.drop(columns=default[0]).to_numpy(dtype=float), axis=1)
        ok = np.isfinite(d) & np.isfinite(best)
        beats = (best[ok] > d[ok]).mean()
        ties = (best[ok] == d[ok]).mean()
        print(f"| {space} | {ok.sum()} | {beats:.0%} | {ties:.0%} |")


if __name__ == "__main__":
    main()
