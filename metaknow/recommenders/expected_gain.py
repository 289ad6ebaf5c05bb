"""Expected gain over the library default (the default strategy).

Each configuration's gain on a prior task is its score minus the library default's, in
the metric's units and clipped (:mod:`~metaknow.recommenders.gains`), so a task whose
configurations all score alike casts a vote near 0 instead of a full one. For a new task:

1. the ``n_neighbors`` nearest prior tasks, by a distance whose meta-feature weights were
   learned to predict how alike two tasks' *gain vectors* are
   (:func:`~metaknow.recommenders.gains.gain_dissimilarity`), weighted by
   ``exp(-d / median neighbour distance)``;
2. each configuration's weighted mean gain over them, and the standard error of that mean
   (weighted spread over the effective number of neighbours);
3. its **predicted gain** = mean - ``kappa`` x standard error: a configuration must beat
   the default by more than the disagreement of the neighbours to be put before it. The
   library default is a candidate with gain 0, so it comes first when nothing is
   predicted to beat it;
4. an **interval** for the gain actually measured on the new task: the predicted gain plus
   quantiles of held-out residuals, in units of the neighbours' spread of *unclipped*
   gains (what is measured). The quantiles are calibrated at fit time by leaving each
   prior task out in turn and scoring the top ``calibration_top`` picks made for it (so
   the winner's optimism is in the interval).

Candidates come best first by predicted gain, which is their ``score``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from metaknow.exceptions import RecommendError
from metaknow.recommenders.base import Candidate, NeighbourTask, Recommender
from metaknow.recommenders.gains import gain_dissimilarity, gain_matrix
from metaknow.recommenders.task_distance import TaskDistance, shared_distance
from repository.view import RepositoryView

__all__ = ["ExpectedGain", "SIZE_FEATURES"]

#: The size-only description of a task (FLAML's and auto-sklearn 2.0's few meta-features).
SIZE_FEATURES = ("NumberOfInstances", "NumberOfFeatures", "NumberOfClasses",
                 "NumberOfNumericFeatures", "NumberOfSymbolicFeatures", "PercentageOfMissingValues",
                 "MinorityClassPercentage")


class ExpectedGain(Recommender):
    """Configurations ranked by their predicted gain over the library default.

    Parameters
    ----------
    n_neighbors : int, default=10
        Prior tasks whose gains are averaged.
    kappa : float, default=1.0
        Standard errors subtracted from the mean gain (0 = rank by the mean alone). Chosen
        with ``metaknow benchmark first-pick`` on the corpus's tune half and the tune half of
        the real-world tables (LightGBM; kappa 1 against 2: mean top-1 gain +0.0485 vs
        +0.0469 on 55 corpus tasks, +0.0183 vs +0.0090 on 10 tables).
    clip : float, default=0.05
        Gains are clipped to ``[-clip, clip]`` metric units; a failed evaluation counts
        ``-clip``.
    similarity : {"gain", "rank", "uniform"}, default="gain"
        What the meta-feature weights of the distance are learned to predict: the mean
        absolute difference of two tasks' gains, ``1 - Spearman`` of their normalised scores
        (the other strategies' distance), or nothing (plain L1).
    level : float, default=0.8
        Coverage of the gain intervals.
    calibration_top : int, default=1
        Picks per held-out prior task used to calibrate the intervals.
    features : {"all", "size"}, default="all"
        Meta-features of the distance: every one the repository holds, or only the size
        counts of :data:`SIZE_FEATURES` (the baseline a learned similarity must beat).
    seed : int, default=0
    """

    name = "expected_gain"

    def __init__(self, *, n_neighbors: int = 10, kappa: float = 1.0, clip: float = 0.05,
                 similarity: str = "gain", level: float = 0.8, calibration_top: int = 1,
                 features: str = "all", seed: int = 0) -> None:
        self.n_neighbors = n_neighbors
        self.kappa = kappa
        self.clip = clip
        self.similarity = similarity
        self.level = level
        self.calibration_top = calibration_top
        self.features = features
        self.seed = seed

    @property
    def score_meaning(self) -> str:  # type: ignore[override]
        metric = getattr(self, "metric_", "the metric")
        ref = getattr(self, "reference_col_", None)
        which = "the library default"
        if ref is not None and len({self.view_.configurations[c][0] for c in self.config_ids_}) > 1:
            which = f"the {self.view_.configurations[self.config_ids_[ref]][0].split('/')[0]} default"
        return (f"predicted gain over {which} in {metric} (mean gain on the nearest "
                f"prior tasks minus {float(self.kappa):g} standard "
                f"error{'' if float(self.kappa) == 1 else 's'}); interval: where the "
                f"measured gain is expected, {float(self.level):.0%} of the time")

    # ---------------------------------------------------------------- fit
    def _fit(self, view: RepositoryView) -> None:
        self._check_params()
        self.metric_ = view.metric
        if self.features == "size":
            keep = [c for c in SIZE_FEATURES if c in view.metafeatures.columns]
            view = replace(view, metafeatures=view.metafeatures[keep])
        self.gains_, self.raw_gains_, self.reference_col_ = gain_matrix(view, float(self.clip))
        self.distance_ = self._distance(view)
        self.row_ = {t: i for i, t in enumerate(self.tasks_)}
        self.interval_ = self._calibrate()

    def _check_params(self) -> None:
        if int(self.n_neighbors) < 1:
            raise RecommendError(f"n_neighbors must be at least 1, got {self.n_neighbors}")
        if not np.isfinite(float(self.kappa)) or float(self.kappa) < 0:
            raise RecommendError(f"kappa must be a non-negative number, got {self.kappa!r}")
        if not float(self.clip) > 0:
            raise RecommendError(f"clip must be positive, got {self.clip!r}")
        if self.similarity not in ("gain", "rank", "uniform"):
            raise RecommendError(f"similarity must be gain, rank or uniform, got {self.similarity!r}")
        if self.features not in ("all", "size"):
            raise RecommendError(f"features must be all or size, got {self.features!r}")
        if not 0 < float(self.level) < 1:
            raise RecommendError(f"level must lie strictly between 0 and 1, got {self.level!r}")

    def _distance(self, view: RepositoryView) -> TaskDistance:
        if self.similarity == "uniform":
            return shared_distance(view, learn_weights=False, seed=int(self.seed))
        if self.similarity == "rank":
            return shared_distance(view, seed=int(self.seed))
        return shared_distance(view, target=f"gain:{float(self.clip)}", seed=int(self.seed),
                               dissimilarity=lambda: gain_dissimilarity(self.gains_))

    def _calibrate(self) -> tuple[float, float]:
        """Quantiles of ``(measured - predicted gain) / spread`` over held-out prior tasks."""
        z: list[float] = []
        for t in np.flatnonzero(~np.isnan(self.gains_).any(axis=1)):
            d = self.distance_.prior_distances(int(t))
            pred, _, spread, tie, _ = self._query(d, frozenset({self.tasks_[t]}))
            for j in _order(pred, tie)[: int(self.calibration_top)]:
                if j != self.reference_col_ and np.isfinite(self.raw_gains_[t, j]):
                    z.append((self.raw_gains_[t, j] - pred[j]) / spread[j])
        if len(z) < 10:
            return (-2.0, 2.0)
        a = (1 - float(self.level)) / 2
        lo, hi = np.quantile(z, [a, 1 - a])
        return float(lo), float(hi)

    # --------------------------------------------------------------- query
    def _query(self, d: np.ndarray, excluded: frozenset[str]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[NeighbourTask]]:
        """Predicted gain, its standard error, the neighbours' spread (floored at a tenth of
        ``clip``) and a tie-break per configuration, and the neighbours."""
        no_gains = {self.tasks_[i] for i in np.flatnonzero(np.isnan(self.gains_).any(axis=1))}
        neigh = self.distance_.rank(d, int(self.n_neighbors), set(excluded) | no_gains)
        far = not self.distance_.features_ or (bool(neigh) and self.distance_.is_far(neigh[0].distance))
        if far:  # unlike every prior task (or nothing to compare): every prior task votes alike
            neigh = self.distance_.rank(d, len(d), set(excluded) | no_gains)
        C = self.gains_.shape[1]
        floor = float(self.clip) / 10
        if not neigh:
            return np.zeros(C), np.full(C, np.inf), np.full(C, float(self.clip)), np.zeros(C), neigh
        dist = np.array([nb.distance for nb in neigh])
        w = np.ones(len(dist)) if far else np.exp(-dist / (float(np.median(dist)) or 1.0))
        rows = [self.row_[nb.task_id] for nb in neigh]
        g = self.gains_[rows]
        mean = w @ g / w.sum()
        clipped_spread = np.maximum(np.sqrt(w @ (g - mean) ** 2 / w.sum()), floor)
        se = clipped_spread / np.sqrt(w.sum() ** 2 / (w ** 2).sum())
        pred = mean - float(self.kappa) * se
        raw = np.where(np.isnan(self.raw_gains_[rows]), -float(self.clip), self.raw_gains_[rows])
        # ties at the clipped cap are broken by the unclipped mean gain (a failure: -clip);
        # intervals scale with the spread of the unclipped gains, which is what is measured
        tie = w @ raw / w.sum()
        spread = np.maximum(np.sqrt(w @ (raw - tie) ** 2 / w.sum()), floor)
        if self.reference_col_ is not None:
            j = self.reference_col_
            pred[j], se[j], spread[j], tie[j] = 0.0, 0.0, 0.0, 0.0
        return pred, se, spread, tie, neigh

    def _recommend(self, metafeatures: pd.Series, k: int, excluded: frozenset[str]) -> list[Candidate]:
        pred, se, spread, tie, neigh = self._query(self.distance_.distances(metafeatures), excluded)
        order = _order(pred, tie)[:k]
        return [self._gain_candidate(int(j), pred, se, spread, neigh) for j in order]

    def predicted_gain(self, metafeatures: pd.Series, config_ids: list[str],
                       exclude_tasks: frozenset[str] = frozenset()) -> list[Candidate]:
        """The same prediction for named configurations of the view (e.g. the default),
        learned without ``exclude_tasks``."""
        excluded = frozenset(map(str, exclude_tasks)) & frozenset(self.tasks_)
        model = self._without(excluded) if excluded else self
        pred, se, spread, _, neigh = model._query(model.distance_.distances(metafeatures), frozenset())
        return [model._gain_candidate(model.config_ids_.index(c), pred, se, spread, neigh)
                for c in config_ids]

    @property
    def reference_id_(self) -> str | None:
        """Configuration id of the library default gains are measured against."""
        return None if self.reference_col_ is None else self.config_ids_[self.reference_col_]

    def _gain_candidate(self, j: int, pred: np.ndarray, se: np.ndarray, spread: np.ndarray,
                        neigh: list[NeighbourTask]) -> Candidate:
        lo, hi = self.interval_
        low, high = pred[j] + lo * spread[j], pred[j] + hi * spread[j]
        col = [self.gains_[self.row_[nb.task_id], j] for nb in neigh]
        helped = [nb for nb, g in zip(neigh, col) if g > 0]
        if j == self.reference_col_:
            why = "library default"
        elif not neigh:
            why = "no prior task to learn from"
        else:
            why = f"beats it on {len(helped)} of {len(neigh)} nearest tasks"
        c = self._candidate(j, pred[j], se[j], [(nb.task_id, nb.distance) for nb in helped], why)
        return Candidate(c.config_id, c.space_key, c.params, c.score, c.uncertainty, c.source,
                         c.evidence, c.rationale, gain=float(pred[j]), gain_low=float(low),
                         gain_high=float(high), is_default=j == self.reference_col_)


def _order(pred: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """Columns by predicted gain, best first; ties (e.g. at the clipped cap) by the
    unclipped mean gain, then by column."""
    return np.lexsort((np.arange(len(pred)), -np.round(tie, 12), -np.round(pred, 12)))
