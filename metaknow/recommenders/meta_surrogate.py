"""The meta-surrogate: one model of how any configuration of a space scores on any task.

Training rows are every stored evaluation of one space: (the configuration's vector form
in the space's unit cube, the task's scaled meta-features) -> the configuration's
within-task score, either its normalised score (0 = worst configuration of the task's
design, 1 = best) or its within-task quantile rank (0 = worst, 1 = best; robust to one
disastrous configuration compressing every other). ``n_models`` LightGBM regressors are
each trained on a bootstrap sample of *tasks*: the mean of their predictions is the
estimate and their spread its uncertainty (how much the answer depends on which prior
tasks were seen). Because configurations enter as vectors of the space, the model can
be asked about configurations that no prior task ever ran, which is what
:mod:`metaknow.recommenders.optimised_portfolio` does.

A fitted surrogate round-trips through :meth:`MetaSurrogate.to_dict` /
:meth:`MetaSurrogate.from_dict` (JSON values and LightGBM's own text model format; no
pickle), so it can be cached per repository content.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from metaknow.exceptions import RecommendError
from metaknow.recommenders.metafeature_scaling import MetaFeatureScaler
from metaknow.space import SearchSpace

__all__ = ["MetaSurrogate", "within_task_ranks", "design_configurations", "design_vectors"]

TARGETS = ("normalised", "rank")


def within_task_ranks(performance: np.ndarray) -> np.ndarray:
    """Per row, the quantile rank of each value among the row's finite values (0..1).

    Ties share their mean rank; a row with one finite value gets 0.5; NaN stays NaN.
    """
    out = np.full(performance.shape, np.nan)
    for i, row in enumerate(performance):
        ok = np.isfinite(row)
        n = int(ok.sum())
        if n == 1:
            out[i, ok] = 0.5
        elif n > 1:
            out[i, ok] = (pd.Series(row[ok]).rank(method="average").to_numpy() - 1) / (n - 1)
    return out


def design_configurations(view: Any, space: SearchSpace, ids: Any = None,
                          ) -> tuple[list[str], list[dict[str, Any]]]:
    """The view's configurations of ``space`` (of ``ids`` only, default every column), as
    (ids, validated configurations); other spaces' and ones that no longer validate (stored
    under another version of the space) are skipped."""
    from metaknow.exceptions import SpaceError

    kept, configs = [], []
    for cid in map(str, view.performance.columns if ids is None else ids):
        key, params = view.configurations[cid]
        if key not in (space.key, space.name):
            continue
        try:
            configs.append(space.validate(params, fill_defaults=True))
        except SpaceError:
            continue
        kept.append(cid)
    return kept, configs


def design_vectors(view: Any, space: SearchSpace) -> tuple[list[str], np.ndarray]:
    """The view's configurations of ``space`` as (ids, vector forms); others are skipped."""
    ids, configs = design_configurations(view, space)
    rows = [space.to_vector(c) for c in configs]
    return ids, (np.vstack(rows) if rows else np.empty((0, len(space))))


class MetaSurrogate:
    """Bagged LightGBM over (configuration vector, task meta-features) -> within-task score.

    Parameters
    ----------
    target : {"rank", "normalised"}, default="rank"
        What is learned per task (see the module docstring).
    n_models : int, default=5
        Bagged models (bootstrap samples of tasks); their spread is the uncertainty.
    n_estimators, learning_rate, num_leaves, min_child_samples : LightGBM settings
    features : list of str, optional
        Meta-features to use (default: every meta-feature the scaler keeps).
    seed : int, default=0
    """

    def __init__(self, *, target: str = "rank", n_models: int = 5, n_estimators: int = 250,
                 learning_rate: float = 0.05, num_leaves: int = 15, min_child_samples: int = 20,
                 features: list[str] | None = None, seed: int = 0) -> None:
        self.target = target
        self.n_models = n_models
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.features = features
        self.seed = seed

    def get_params(self) -> dict[str, Any]:
        """The constructor arguments."""
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}

    # ------------------------------------------------------------------ fit
    def fit(self, view: Any, space: SearchSpace) -> "MetaSurrogate":
        """Learn from every evaluation of ``space`` in ``view`` (a RepositoryView)."""
        import lightgbm as lgb

        if self.target not in TARGETS:
            raise RecommendError(f"target must be one of {', '.join(TARGETS)}, got {self.target!r}")
        if int(self.n_models) < 1:
            raise RecommendError(f"n_models must be at least 1, got {self.n_models!r}")
        ids, V = design_vectors(view, space)
        if not ids:
            raise RecommendError(f"the repository view holds no configuration of space {space.key}")
        perf = view.performance[ids].to_numpy(dtype=float)
        keep = np.isfinite(perf).sum(axis=1) >= 2
        if keep.sum() < 2:
            raise RecommendError("the meta-surrogate needs at least 2 tasks with 2 evaluations each")
        tasks = [str(t) for t, k in zip(view.performance.index, keep) if k]
        perf = perf[keep]
        mf = view.metafeatures.reindex(tasks)
        if self.features is not None:
            mf = mf.reindex(columns=[f for f in self.features if f in mf.columns])
        self.scaler_ = MetaFeatureScaler().fit(mf)
        Z = self.scaler_.transform(mf)
        Y = within_task_ranks(perf) if self.target == "rank" else _normalise_rows(perf)
        self.space_key_ = space.key
        self.tasks_ = tasks
        self.n_params_ = V.shape[1]
        rng = np.random.default_rng(self.seed)
        T = len(tasks)
        self.models_: list[Any] = []
        for _ in range(int(self.n_models)):
            bag = rng.integers(T, size=T) if self.n_models > 1 else np.arange(T)
            ti = np.concatenate([np.full(int(np.isfinite(Y[t]).sum()), t) for t in bag])
            cj = np.concatenate([np.flatnonzero(np.isfinite(Y[t])) for t in bag])
            X = np.hstack([V[cj], Z[ti]])
            model = lgb.LGBMRegressor(
                n_estimators=int(self.n_estimators), learning_rate=float(self.learning_rate),
                num_leaves=int(self.num_leaves), min_child_samples=int(self.min_child_samples),
                subsample=0.8, subsample_freq=1, colsample_bytree=0.8,
                random_state=int(rng.integers(2 ** 31 - 1)), n_jobs=1, verbosity=-1)
            model.fit(X, Y[ti, cj])
            self.models_.append(model.booster_)
        return self

    # -------------------------------------------------------------- predict
    def task_matrix(self, metafeatures: pd.Series | pd.DataFrame) -> np.ndarray:
        """Scaled meta-features of one task (Series) or several (DataFrame), as rows."""
        self._check_fitted()
        return np.atleast_2d(self.scaler_.transform(metafeatures))

    def predict(self, Z: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and spread over the bagged models, shape ``(len(Z), len(V))`` each.

        ``Z`` holds scaled task rows (:meth:`task_matrix`), ``V`` vector forms (NaN =
        inactive).
        """
        preds = self.predict_members(Z, V)
        return preds.mean(axis=0), preds.std(axis=0)

    def predict_members(self, Z: np.ndarray, V: np.ndarray) -> np.ndarray:
        """Every bagged model's prediction, shape ``(n_models, len(Z), len(V))``."""
        self._check_fitted()
        Z, V = np.atleast_2d(Z), np.atleast_2d(V)
        X = np.hstack([np.tile(V, (len(Z), 1)), np.repeat(Z, len(V), axis=0)])
        preds = np.stack([b.predict(X, num_threads=1) for b in self.models_])
        return preds.reshape(len(self.models_), len(Z), len(V))

    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise RecommendError("MetaSurrogate is not fitted: call fit(view, space) first")

    # ---------------------------------------------------------- round trip
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state (parameters, scaler, LightGBM text models)."""
        self._check_fitted()
        return {"params": self.get_params(),
                "space_key": self.space_key_, "tasks": self.tasks_, "n_params": self.n_params_,
                "scaler": _scaler_state(self.scaler_),
                "models": [b.model_to_string() for b in self.models_]}

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> "MetaSurrogate":
        """Rebuild a fitted surrogate from :meth:`to_dict` output."""
        import lightgbm as lgb

        out = cls(**state["params"])
        out.space_key_ = str(state["space_key"])
        out.tasks_ = [str(t) for t in state["tasks"]]
        out.n_params_ = int(state["n_params"])
        out.scaler_ = _scaler_from_state(state["scaler"])
        out.models_ = [lgb.Booster(model_str=text) for text in state["models"]]
        return out


def _normalise_rows(perf: np.ndarray) -> np.ndarray:
    lo = np.nanmin(perf, axis=1, keepdims=True)
    span = np.nanmax(perf, axis=1, keepdims=True) - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(span > 0, (perf - lo) / np.where(span > 0, span, 1.0), 0.5)


def _scaler_state(scaler: MetaFeatureScaler) -> dict[str, Any]:
    return {"max_missing": scaler.max_missing, "clip": scaler.clip, "features": scaler.features_,
            "log": scaler.log_.tolist(), "center": scaler.center_.tolist(),
            "scale": scaler.scale_.tolist()}


def _scaler_from_state(state: dict[str, Any]) -> MetaFeatureScaler:
    scaler = MetaFeatureScaler(max_missing=float(state["max_missing"]), clip=float(state["clip"]))
    scaler.features_ = [str(f) for f in state["features"]]
    scaler.log_ = np.asarray(state["log"], dtype=bool)
    scaler.center_ = np.asarray(state["center"], dtype=float)
    scaler.scale_ = np.asarray(state["scale"], dtype=float)
    return scaler
