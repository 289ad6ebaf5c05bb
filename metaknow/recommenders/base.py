"""The recommender contract: learn from a :class:`~repository.view.RepositoryView`,
then rank configurations for a new task's meta-features.

Every strategy is a small subclass of :class:`Recommender` (one module each, registered
in :mod:`metaknow.recommenders`). The contract, checked for every registered strategy
by ``tests/recommenders/test_contract.py``:

* ``__init__`` only stores keyword arguments; ``get_params()`` returns them.
* ``fit(view)`` validates the view and returns ``self``; everything learned is held in
  attributes ending in ``_`` (``tasks_``, ``config_ids_``, ...). A strategy keeps no
  other state: refitting on the same view gives the same recommendations.
* ``recommend(metafeatures, k, exclude_tasks=())`` returns at most ``k`` distinct
  :class:`Candidate` objects, best first, each with a predicted normalised score
  (0 = worst configuration of a prior task's design, 1 = its best), an uncertainty and
  the prior tasks behind it. Tasks in ``exclude_tasks`` never influence the answer.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterable

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from metaknow.exceptions import RecommendError
from repository.view import RepositoryView

__all__ = ["Candidate", "NeighbourTask", "Recommender"]


@dataclass(frozen=True)
class NeighbourTask:
    """A prior task close to the new one in meta-feature space."""

    task_id: str
    name: str
    distance: float
    similarity: float


@dataclass(frozen=True)
class Candidate:
    """One recommended configuration.

    Attributes
    ----------
    config_id : str
        Configuration id in the repository; for a configuration the repository does not
        hold, its hash (:func:`metaknow.space.config_hash`).
    space_key : str
        ``"name/task"`` of its search space.
    params : dict
        Value form of the configuration.
    score : float
        Predicted normalised score on the new task (1 = as good as the best prior config).
    uncertainty : float
        Standard deviation of that prediction (spread over the supporting tasks or models).
    source : str
        ``"repository"``, ``"sampled"`` (drawn at random from the space) or
        ``"optimised"`` (found by optimising a meta-surrogate).
    evidence : tuple of (task id, distance)
        Prior tasks on which this configuration did well, with their distance to the new
        task (``nan`` when the strategy does not use distances).
    rationale : str
        One phrase saying why it was chosen.
    gain, gain_low, gain_high : float
        Predicted gain over the library default in the metric's units, and the interval
        the measured gain is expected in (NaN when the strategy does not predict gains).
    is_default : bool
        This is the library default configuration.
    fit_seconds : float
        Predicted seconds of one fit on all rows of the new table, on the machine that
        built the repository (:mod:`metaknow.recommenders.fit_cost`); NaN when unknown.
    """

    config_id: str
    space_key: str
    params: dict[str, Any]
    score: float
    uncertainty: float
    source: str = "repository"
    evidence: tuple[tuple[str, float], ...] = field(default_factory=tuple)
    rationale: str = ""
    gain: float = float("nan")
    gain_low: float = float("nan")
    gain_high: float = float("nan")
    is_default: bool = False
    fit_seconds: float = float("nan")


class Recommender(ABC):
    """Base class of every strategy (see the module docstring for the contract)."""

    #: Registry name, set by each subclass.
    name: ClassVar[str] = ""
    #: Whether ``_recommend`` honours ``exclude_tasks`` itself; otherwise the base class
    #: refits a copy without those tasks (cached for the last exclusion set).
    handles_exclusion: ClassVar[bool] = False
    #: What a candidate's ``score`` is, in words a table footer can show.
    score_meaning: ClassVar[str] = ("normalised score (1 = as good as the best configuration of "
                                    "a prior task's design, 0 = the worst)")

    # ------------------------------------------------------------ params
    def get_params(self) -> dict[str, Any]:
        """The constructor arguments (scikit-learn style)."""
        return {k: v for k, v in vars(self).items() if not k.endswith("_") and not k.startswith("_")}

    def clone(self) -> "Recommender":
        """An unfitted copy with the same parameters."""
        return type(self)(**copy.deepcopy(self.get_params()))

    # --------------------------------------------------------------- fit
    def fit(self, view: RepositoryView) -> "Recommender":
        """Learn from the prior evaluations in ``view``; returns ``self``."""
        perf = view.performance
        if perf.shape[0] < 1 or perf.shape[1] < 1:
            raise RecommendError("the repository view holds no tasks or no configurations")
        if perf.notna().to_numpy().sum() == 0:
            raise RecommendError("the repository view holds no successful evaluation")
        missing = [c for c in perf.columns if c not in view.configurations]
        if missing:
            raise RecommendError(f"configuration {missing[0]!r} of the matrix is not described in the view")
        self.view_ = view
        self.tasks_ = [str(t) for t in perf.index]
        self.config_ids_ = [str(c) for c in perf.columns]
        norm = view.normalised().to_numpy(dtype=float)
        self.normalised_ = norm
        self.prior_std_ = float(np.nanstd(norm)) if np.isfinite(norm).any() else 0.0
        self._excluded_cache: tuple[frozenset[str], Recommender] | None = None
        # Multi-threaded BLAS on tall-skinny products is slower than one thread, and far
        # slower on a busy machine (threads spin): fits use one BLAS thread.
        with threadpool_limits(limits=1, user_api="blas"):
            self._fit(view)
        return self

    @abstractmethod
    def _fit(self, view: RepositoryView) -> None:
        """Compute the fitted attributes (the view is already validated)."""

    # ---------------------------------------------------------- recommend
    def recommend(self, metafeatures: pd.Series, k: int = 10,
                  exclude_tasks: Iterable[str] = ()) -> list[Candidate]:
        """The ``k`` most promising configurations for a task with ``metafeatures``."""
        if not hasattr(self, "view_"):
            raise RecommendError(f"{type(self).__name__} is not fitted: call fit(view) first")
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise RecommendError(f"k must be a positive integer, got {k!r}")
        if not isinstance(metafeatures, pd.Series):
            raise RecommendError("metafeatures must be a pandas Series (name -> value)")
        excluded = frozenset(str(t) for t in exclude_tasks) & frozenset(self.tasks_)
        if excluded and not self.handles_exclusion:
            if len(excluded) == len(self.tasks_):
                raise RecommendError("every prior task is excluded: nothing to learn from")
            return self._without(excluded).recommend(metafeatures, int(k))
        return self._recommend(metafeatures, int(k), excluded)[: int(k)]

    @abstractmethod
    def _recommend(self, metafeatures: pd.Series, k: int,
                   excluded: frozenset[str]) -> list[Candidate]:
        """Rank configurations (``excluded`` is empty unless ``handles_exclusion``)."""

    def _without(self, excluded: frozenset[str]) -> "Recommender":
        if self._excluded_cache is None or self._excluded_cache[0] != excluded:
            fitted = self.clone().fit(self.view_.without_tasks(set(excluded)))
            self._excluded_cache = (excluded, fitted)
        return self._excluded_cache[1]

    # ------------------------------------------------------------ helpers
    def _candidate(self, j: int, score: float, uncertainty: float,
                   evidence: Iterable[tuple[str, float]] = (), rationale: str = "") -> Candidate:
        cid = self.config_ids_[j]
        space_key, params = self.view_.configurations[cid]
        return Candidate(cid, space_key, dict(params), float(score), float(uncertainty),
                         "repository", tuple((str(t), float(d)) for t, d in evidence), rationale)


def column_stats(values: np.ndarray, weights: np.ndarray | None = None,
                 prior_std: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """NaN-skipping (weighted) mean of each column and the uncertainty of that mean.

    The uncertainty is ``sqrt(spread**2 + prior_std**2 / n_eff)``: the weighted spread
    over the supporting tasks plus a term that shrinks with their effective number
    ``n_eff = (sum w)**2 / sum w**2`` — a configuration seen on one task only is not
    known to within 0. A column without any value gets mean 0 and ``prior_std``.
    """
    ok = ~np.isnan(values)
    w = np.ones(values.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    W = ok * w[:, None]
    tot = W.sum(axis=0)
    filled = np.where(ok, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (W * filled).sum(axis=0) / tot
        var = (W * (filled - np.nan_to_num(mean)) ** 2).sum(axis=0) / tot
        n_eff = tot ** 2 / (W ** 2).sum(axis=0)
        extra = np.where(n_eff > 0, prior_std ** 2 / n_eff, prior_std ** 2)
    return np.nan_to_num(mean, nan=0.0), np.sqrt(np.nan_to_num(var, nan=0.0) + np.nan_to_num(extra, nan=prior_std ** 2))
