"""The fit-cost model: predicted seconds of one fit of a configuration on a table.

The repository stores how long every evaluation's fit took (the build machine's wall
seconds, one thread per fit) and on how many training rows. The model has two parts, both
fitted on a view's :attr:`~repository.view.RepositoryView.fit_times`:

* **the library default's cost curve** of each space, over the prior tasks::

      seconds = K**a * (exp(b0) + exp(b1) * n**d * p**c)

  with ``n`` training rows, ``p`` features and ``K`` the number of classes when there
  are more than two (1 otherwise): a fixed overhead plus a part that grows with the data.
  It is fitted by robust least squares on ``log(seconds)``;
* **every configuration's cost relative to its space's default**, as a line in the
  training size: ``log(seconds of the configuration / seconds of the default)`` on the
  same task, fitted by least squares against ``log n`` over the prior tasks. On small
  tables the fixed overhead hides most of the difference (a 1,000-tree configuration
  costs little more than the default's 100 trees on 200 rows); the slope carries the
  difference to larger tables, up to the largest prior task (a line fitted on a few
  hundred to a thousand rows is not carried a hundred times further).

A prediction is the default's curve at the new table's size times the configuration's
relative cost. Both parts are the build machine's seconds: read them as a scale (is this
one fit a second or ten minutes?) and as ratios between candidates, not as a promise
about another machine. How well they hold on sizes the model never saw is measured by
``benchmarks/fit_cost.py`` against the fidelity build's fits at 4,000 rows and more.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from repository.view import RepositoryView

__all__ = ["FitCostModel"]

#: Bounds of the curve's exponents ``d`` (rows), ``c`` (features) and ``a`` (classes).
_BOUNDS = ([-np.inf, -np.inf, 0.3, 0.0, 0.0], [np.inf, np.inf, 2.5, 2.0, 2.0])


class FitCostModel:
    """Predicted seconds of one fit of a configuration (see the module docstring).

    Attributes
    ----------
    curves_ : dict
        Space key -> the default's curve parameters ``(b0, b1, d, c, a)``.
    relative_ : DataFrame
        Configuration id -> ``level`` and ``slope`` of the log of its cost relative to its
        space's default at ``log n = centre``, held constant beyond ``log n = top`` (both
        0 for the default itself).
    space_of_ : dict
        Configuration id -> space key.
    """

    def fit(self, view: RepositoryView,
            by_size: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> "FitCostModel":
        """Fit both parts on ``view.fit_times`` and, when given, fit times at more training
        sizes (``(times, sizes)`` as :func:`repository.learning_curves.fit_times_by_size`
        returns them; their columns are matched to the view's configurations by id).
        The model is empty when there are no times at all."""
        self.curves_: dict[str, tuple[float, ...]] = {}
        self.space_of_ = {c: view.configurations[c][0] for c in view.performance.columns}
        self.relative_ = pd.DataFrame(columns=["level", "slope", "centre", "top"], dtype=float)
        times, tasks = view.fit_times, view.tasks
        if times.empty or "n_train" not in tasks:
            return self
        if by_size is not None and not by_size[0].empty:
            times = pd.concat([times, by_size[0].reindex(columns=times.columns)])
            tasks = pd.concat([tasks.reindex(view.fit_times.index), by_size[1]])
        sizes = _sizes(tasks.reindex(times.index))
        relative = []
        for space, default in view.defaults.items():
            cols = [c for c in times.columns if self.space_of_.get(c) == space]
            if default not in times.columns or not cols:
                continue
            base = times[default]
            ok = base.notna() & (base > 0) & sizes.notna().all(axis=1)
            if ok.sum() < 5:
                continue
            self.curves_[space] = _fit_curve(sizes[ok], np.log(base[ok].to_numpy()))
            ratio = np.log(times.loc[ok, cols].div(base[ok], axis=0).where(lambda r: r > 0))
            relative.append(_relative_lines(ratio, np.log(sizes.loc[ok, "n"].to_numpy(float))))
        if relative:
            self.relative_ = pd.concat(relative).dropna()
        return self

    def predict(self, config_ids: Sequence[str], n_train: float, n_features: float,
                n_classes: float | None = None) -> np.ndarray:
        """Seconds of one fit of each configuration on ``n_train`` rows and ``n_features``
        features (``n_classes``: classes of a classification target); NaN where the model
        knows neither the configuration nor its space's default curve."""
        row = _sizes(pd.DataFrame({"n_train": [n_train], "n_features": [n_features],
                                   "n_classes": [n_classes]}))
        out = np.full(len(config_ids), np.nan)
        if row.isna().any(axis=None):
            return out
        log_n = float(np.log(row["n"].iloc[0]))
        base = {space: float(_log_curve(curve, row)[0]) for space, curve in self.curves_.items()}
        for i, cid in enumerate(config_ids):
            space = self.space_of_.get(cid, "")
            if space not in base or cid not in self.relative_.index:
                continue
            level, slope, centre, top = self.relative_.loc[cid, ["level", "slope", "centre", "top"]]
            out[i] = float(np.exp(base[space] + level + slope * (min(log_n, top) - centre)))
        return out


def _relative_lines(log_ratio: pd.DataFrame, log_n: np.ndarray) -> pd.DataFrame:
    """Least-squares line of each column of ``log_ratio`` (tasks x configurations)
    against ``log_n``, centred on the mean ``log_n`` of the tasks it is known on, with the
    largest of those ``log_n``."""
    rows = {}
    for cid, y in log_ratio.items():
        known = y.notna().to_numpy()
        if known.sum() < 3:
            continue
        x, v = log_n[known], y.to_numpy(float)[known]
        centre = float(x.mean())
        spread = float(((x - centre) ** 2).sum())
        slope = float(((x - centre) * (v - v.mean())).sum() / spread) if spread > 0 else 0.0
        rows[cid] = (float(v.mean()), slope, centre, float(x.max()))
    return pd.DataFrame.from_dict(rows, orient="index", columns=["level", "slope", "centre", "top"])


def _sizes(tasks: pd.DataFrame) -> pd.DataFrame:
    """``n`` (training rows), ``p`` (features, at least 1) and ``k`` (classes when more
    than two, else 1) of each task."""
    classes = pd.to_numeric(tasks.get("n_classes"), errors="coerce") if "n_classes" in tasks \
        else pd.Series(np.nan, index=tasks.index)
    return pd.DataFrame({
        "n": pd.to_numeric(tasks["n_train"], errors="coerce").clip(lower=1),
        "p": pd.to_numeric(tasks["n_features"], errors="coerce").clip(lower=1),
        "k": classes.where(classes > 2, 1.0).fillna(1.0),
    }, index=tasks.index)


def _log_curve(theta: Sequence[float], sizes: pd.DataFrame) -> np.ndarray:
    b0, b1, d, c, a = theta
    n, p, k = (sizes[col].to_numpy(dtype=float) for col in ("n", "p", "k"))
    growing = b1 + d * np.log(n) + c * np.log(p)
    return a * np.log(k) + np.logaddexp(b0, growing)


def _fit_curve(sizes: pd.DataFrame, log_seconds: np.ndarray) -> tuple[float, ...]:
    floor = float(np.quantile(log_seconds, 0.05))
    start = np.array([floor, floor - np.log(sizes["n"].median() * sizes["p"].median()), 1.0,
                      1.0, 1.0])
    fit = least_squares(lambda th: _log_curve(th, sizes) - log_seconds, start, loss="soft_l1",
                        f_scale=0.3, bounds=_BOUNDS)
    return tuple(float(v) for v in fit.x)
