"""``MetaSearchCV``: a scikit-learn drop-in for ``RandomizedSearchCV`` driven by metaknow's BO loop.

Two ways to use it:

* ``MetaSearchCV("lightgbm", n_iter=30, warm_start=10)`` — a registered space: trials are
  evaluated exactly as ``metaknow.tune`` does (the repository's evaluation protocol, with
  warm-start recommendations), and ``best_estimator_`` is metaknow's preprocessing +
  model pipeline refitted on all of ``X``.
* ``MetaSearchCV(SomeEstimator(), {"C": Float("C", 1e-3, 1e3, default=1.0, log=True),
  "kernel": ["rbf", "linear"]})`` — any estimator; the values of ``param_distributions``
  are metaknow hyperparameters (:class:`~metaknow.space.Float`, ``Integer``,
  ``Categorical``) or lists of choices, or the whole thing is a
  :class:`~metaknow.space.SearchSpace`. Folds come from ``cv`` (``check_cv``), scores
  from ``scoring`` (``check_scoring``).
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Mapping

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv

from metaknow.bo.history import RunHistory, Trial
from metaknow.bo.initial_design import SobolDesign, WarmStartDesign, default_size
from metaknow.bo.optimizer import Optimizer
from metaknow.bo.runner import Evaluation
from metaknow.exceptions import TuneError
from metaknow.rundir import hold_run_dir
from metaknow.space import Categorical, Float, Integer, SearchSpace

__all__ = ["MetaSearchCV"]


class _EstimatorObjective:
    """Cost of a configuration on one fold of a user estimator (negated score)."""

    def __init__(self, estimator: Any, X: Any, y: Any, splits: list[tuple[np.ndarray, np.ndarray]],
                 scoring: Any) -> None:
        self.estimator, self.X, self.y, self.splits, self.scoring = estimator, X, y, splits, scoring

    def __call__(self, config: Mapping[str, Any], fold: int) -> Evaluation:
        train, test = self.splits[fold]
        model = clone(self.estimator).set_params(**config)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(_rows(self.X, train), _rows(self.y, train))
            score = float(self.scoring(model, _rows(self.X, test), _rows(self.y, test)))
        return Evaluation(-score, "ok", "", {"score": score})


def _rows(a: Any, idx: np.ndarray) -> Any:
    return a.iloc[idx] if hasattr(a, "iloc") else np.asarray(a)[idx]


class MetaSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Hyperparameter search by warm-started random-forest Bayesian optimisation.

    Parameters
    ----------
    estimator : str or estimator
        A registered space name (``"lightgbm"``...) or a scikit-learn estimator.
    param_distributions : SearchSpace or dict, optional
        Required for an estimator object: name -> ``Float``/``Integer``/``Categorical``
        or a list of choices. Ignored for a space name.
    n_iter : int
        Number of trials.
    scoring : str or callable, optional
        For a space name: a metric of the evaluation protocol (``"roc_auc"``,
        ``"accuracy"``, ``"r2"``...; default ROC AUC / R²). For an estimator: anything
        ``sklearn.metrics.check_scoring`` accepts (default: the estimator's ``score``).
    cv : int or splitter
        Folds (an int for a space name).
    warm_start : int
        Recommended configurations to start from (space names only; 0 = Sobol).
    warm_start_configs : list of dict, optional
        Explicit starting configurations.
    n_jobs : int
        Trials in parallel.
    refit : bool
        Refit the best configuration on all data (needed for ``predict``).
    random_state : int, optional
    time_limit : float, optional
        Seconds per fold (space names) or per trial (estimators).
    out : str, optional
        Folder for the run history (resumable).
    repository : str
        Source of recommendations.
    """

    def __init__(self, estimator: Any = "lightgbm", param_distributions: Any = None, *,
                 n_iter: int = 20, scoring: Any = None, cv: Any = 5, warm_start: int = 0,
                 warm_start_configs: Any = None, n_jobs: int = 1, refit: bool = True,
                 random_state: int | None = None, time_limit: float | None = None,
                 out: str | None = None, repository: Any = "bundled") -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.scoring = scoring
        self.cv = cv
        self.warm_start = warm_start
        self.warm_start_configs = warm_start_configs
        self.n_jobs = n_jobs
        self.refit = refit
        self.random_state = random_state
        self.time_limit = time_limit
        self.out = out
        self.repository = repository

    # -------------------------------------------------------------------- fit
    def fit(self, X: Any, y: Any) -> "MetaSearchCV":
        """Run the search on ``X, y`` and (with ``refit``) refit the best configuration."""
        if isinstance(self.n_iter, bool) or not isinstance(self.n_iter, (int, np.integer)) \
                or self.n_iter < 1:
            raise TuneError(f"n_iter must be a positive integer, got {self.n_iter!r}")
        seed = 0 if self.random_state is None else int(self.random_state)
        if isinstance(self.estimator, str):
            self._fit_space(X, y, seed)
        elif self.out is not None:
            with hold_run_dir(self.out):  # one run at a time in a folder
                self._fit_estimator(X, y, seed)
        else:
            self._fit_estimator(X, y, seed)
        return self

    def _fit_space(self, X: Any, y: Any, seed: int) -> None:
        from metaknow.dataset import load_dataset
        from metaknow.spaces import get_algorithm, make_pipeline
        from metaknow.tune import tune

        if not isinstance(self.cv, (int, np.integer)):
            raise TuneError("with a space name, cv must be a number of folds")
        dataset = load_dataset((X, y))
        result = tune(dataset, space=self.estimator, budget=self.n_iter, warm_start=self.warm_start,
                      warm_start_configs=self.warm_start_configs, metric=self.scoring, cv=int(self.cv),
                      n_jobs=self.n_jobs, time_limit=self.time_limit, out=self.out, seed=seed,
                      repository=self.repository, refit=False)
        self.feature_names_in_ = np.asarray(dataset.X.columns, dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        self.scorer_ = _metric_scorer(result.metric, len(dataset.classes))
        self._set_results(result.run_history, result.best_config, result.best_score)
        if self.refit:
            model = make_pipeline(get_algorithm(self.estimator), result.best_config, dataset.task,
                                  dataset.numeric_columns, dataset.categorical_columns, seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(dataset.X, dataset.target_values())
            self.best_estimator_ = model

    def _fit_estimator(self, X: Any, y: Any, seed: int) -> None:
        space = self._space(X, y)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = [(np.asarray(tr), np.asarray(te)) for tr, te in cv.split(X, y)]
        scorer = check_scoring(self.estimator, scoring=self.scoring)
        objective = _EstimatorObjective(self.estimator, X, y, splits, scorer)
        design = (WarmStartDesign(self.warm_start_configs, n_min=min(3, len(self.warm_start_configs)),
                                  strict=True)
                  if self.warm_start_configs else SobolDesign(default_size(space, self.n_iter)))
        optimizer = Optimizer(space, seed=seed, initial_design=design, history=self.out,
                              budget_hint=self.n_iter)
        optimizer.optimize(objective, self.n_iter, n_jobs=int(self.n_jobs), time_limit=self.time_limit,
                           n_folds=len(splits))
        inc = optimizer.incumbent
        if inc is None:
            from metaknow.tune import no_incumbent_message

            raise TuneError(no_incumbent_message(optimizer.history, self.out))
        self.scorer_ = scorer
        self._set_results(optimizer.history, inc.config, -inc.cost)
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = int(np.shape(X)[1])
        if self.refit:
            model = clone(self.estimator).set_params(**inc.config)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X, y)
            self.best_estimator_ = model

    def _space(self, X: Any, y: Any) -> SearchSpace:
        dist = self.param_distributions
        if isinstance(dist, SearchSpace):
            return dist
        if not isinstance(dist, Mapping) or not dist:
            raise TuneError("param_distributions must be a SearchSpace or a non-empty dict of "
                            "name -> Float/Integer/Categorical or list of choices")
        params = []
        for name, value in dist.items():
            if isinstance(value, (Float, Integer, Categorical)):
                params.append(dataclasses.replace(value, name=name))
            elif isinstance(value, (list, tuple)) and len(value):
                params.append(Categorical(name, tuple(value), default=value[0]))
            else:
                raise TuneError(f"param_distributions[{name!r}] must be a metaknow Float, Integer, "
                                f"Categorical or a list of choices (scipy distributions are not "
                                f"supported), got {type(value).__name__}")
        task = "classification" if is_classifier(self.estimator) else "regression"
        return SearchSpace(type(self.estimator).__name__, task, tuple(params))

    def _set_results(self, history: RunHistory, best: Mapping[str, Any], best_score: float) -> None:
        """``best_*_`` and ``cv_results_`` in RandomizedSearchCV's layout."""
        trials = list(history)
        self.best_params_ = dict(best)
        self.best_score_ = float(best_score)
        self.cv_results_ = _cv_results(trials)
        inc = history.incumbent()
        self.best_index_ = [t.trial_id for t in trials].index(inc.trial_id) if inc else None
        self.n_splits_ = max((len(t.fold_costs) for t in trials), default=0)
        self.history_ = history.to_frame()

    # ---------------------------------------------------------------- predict
    def _check_fitted(self) -> Any:
        if not hasattr(self, "best_estimator_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("MetaSearchCV is not fitted with refit=True; call fit first")
        return self.best_estimator_

    def _input(self, X: Any) -> Any:
        """Arrays as a frame with the training columns; the pipeline's first step
        (:class:`~metaknow.spaces.pipeline.ColumnTypes`) then types them as in training."""
        if isinstance(self.estimator, str) and not isinstance(X, pd.DataFrame):
            return pd.DataFrame(np.asarray(X), columns=list(self.feature_names_in_))
        return X

    def predict(self, X: Any) -> np.ndarray:
        return self._check_fitted().predict(self._input(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        return self._check_fitted().predict_proba(self._input(X))

    def decision_function(self, X: Any) -> np.ndarray:
        return self._check_fitted().decision_function(self._input(X))

    def score(self, X: Any, y: Any) -> float:
        """The search's metric on ``X, y`` (larger is better)."""
        model = self._check_fitted()
        if callable(getattr(self, "scorer_", None)):
            return float(self.scorer_(model, self._input(X), y))
        return float(model.score(self._input(X), y))

    @property
    def classes_(self) -> np.ndarray:
        return self._check_fitted().classes_


def _cv_results(trials: list[Trial]) -> dict[str, Any]:
    """Per-trial scores (negated costs); folds a raced trial did not run are NaN."""
    n_splits = max((len(t.fold_costs) for t in trials), default=0)
    scores = np.full((len(trials), n_splits), np.nan)
    for i, t in enumerate(trials):
        scores[i, : len(t.fold_costs)] = [-c for c in t.fold_costs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # all-NaN rows of failed trials
        mean = np.nanmean(scores, axis=1) if n_splits else np.full(len(trials), np.nan)
        std = np.nanstd(scores, axis=1) if n_splits else np.full(len(trials), np.nan)
    status = np.array([t.status for t in trials], dtype=object)
    # complete trials rank first (by score), then raced ones, then failures
    tier = np.where(status == "ok", 0, np.where(status == "raced", 1, 2))
    order = np.lexsort((-np.nan_to_num(mean, nan=-np.inf), tier))
    rank = np.empty(len(trials), dtype=np.int32)
    rank[order] = np.arange(1, len(trials) + 1)
    out: dict[str, Any] = {
        "mean_fit_time": np.array([t.time / max(1, len(t.fold_costs)) for t in trials]),
        "params": [dict(t.config) for t in trials],
        "mean_test_score": mean, "std_test_score": std, "rank_test_score": rank,
        "status": status, "n_folds_run": np.array([len(t.fold_costs) for t in trials]),
        "trial": np.array([t.trial_id for t in trials]),
    }
    for k in range(n_splits):
        out[f"split{k}_test_score"] = scores[:, k]
    for name in sorted({n for t in trials for n in t.config}):
        out[f"param_{name}"] = np.ma.MaskedArray([t.config.get(name) for t in trials],
                                                 mask=[name not in t.config for t in trials],
                                                 dtype=object)
    return out


_SCORERS = {"accuracy": "accuracy", "balanced_accuracy": "balanced_accuracy",
            "log_loss": "neg_log_loss", "rmse": "neg_root_mean_squared_error", "r2": "r2"}


def _metric_scorer(metric: str, n_classes: int) -> Any:
    """A scikit-learn scorer for a metric of the evaluation protocol (larger is better)."""
    from sklearn.metrics import get_scorer

    if metric == "roc_auc":
        return get_scorer("roc_auc" if n_classes <= 2 else "roc_auc_ovr")
    return get_scorer(_SCORERS[metric])
