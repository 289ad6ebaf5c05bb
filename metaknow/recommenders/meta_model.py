"""Learned meta-model: predict a configuration's normalised score on a new task.

Training rows are (prior task, configuration) pairs: the task's scaled meta-features
(:class:`MetaFeatureScaler`) next to the configuration's encoding
(:class:`ConfigEncoder`), with the normalised score as target. ``n_models`` LightGBM
regressors are each trained on a bootstrap sample of *tasks*; the mean of their
predictions ranks the candidates and the spread is the uncertainty (how much the answer
depends on which prior tasks were seen). Candidates are the repository's configurations
plus ``n_sampled`` configurations drawn at random from each registered space in ``fit``
(they carry ``source="sampled"``). As provenance, a repository configuration lists those
of the 5 prior tasks closest in (unweighted) scaled meta-features on which it scored at
least 0.9. On large repositories only the ``max_candidates``
repository configurations with the best mean normalised score are scored per query (a
shortlist fixed in ``fit``), which keeps a query's cost bounded: tree-model prediction
costs about 0.1 ms per candidate and model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metaknow.recommenders.base import Candidate, Recommender, column_stats
from metaknow.recommenders.config_encoding import ConfigEncoder
from metaknow.recommenders.metafeature_scaling import MetaFeatureScaler
from metaknow.space import config_hash
from repository.view import RepositoryView

__all__ = ["MetaModel"]


class MetaModel(Recommender):
    """Bagged LightGBM regressors from (meta-features, configuration) to normalised score.

    Parameters
    ----------
    n_models : int, default=5
    n_estimators : int, default=150
    learning_rate : float, default=0.05
    num_leaves : int, default=31
    max_rows : int, default=100000
        Training rows per model (a random subset beyond that).
    n_sampled : int, default=64
        Freshly sampled configurations per space ranked next to the repository's (0: none).
    max_candidates : int, default=256
        Repository configurations scored per query (those with the best mean score).
    seed : int, default=0
    """

    name = "meta_model"

    def __init__(self, *, n_models: int = 5, n_estimators: int = 150, learning_rate: float = 0.05,
                 num_leaves: int = 31, max_rows: int = 100_000, n_sampled: int = 64,
                 max_candidates: int = 256, seed: int = 0) -> None:
        self.n_models = n_models
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_rows = max_rows
        self.n_sampled = n_sampled
        self.max_candidates = max_candidates
        self.seed = seed

    def _fit(self, view: RepositoryView) -> None:
        import lightgbm as lgb

        rng = np.random.default_rng(self.seed)
        mf = view.metafeatures.reindex(view.performance.index)
        self.scaler_ = MetaFeatureScaler().fit(mf)
        Z = self.scaler_.transform(mf)
        self.Z_ = Z
        configs = [view.configurations[c] for c in self.config_ids_]
        self.encoder_ = ConfigEncoder().fit(configs)
        self.encoded_ = self.encoder_.transform(configs)
        mean = column_stats(self.normalised_)[0]
        self.shortlist_ = np.lexsort((np.arange(len(mean)), -mean))[: int(self.max_candidates)]
        self.sampled_ = self._sample(sorted({s for s, _ in configs}), rng)
        self.sampled_encoded_ = self.encoder_.transform(self.sampled_)
        T = len(self.tasks_)
        self.models_ = []
        for m in range(int(self.n_models)):
            tasks = rng.integers(T, size=T) if self.n_models > 1 else np.arange(T)
            ti, cj = [], []
            for t in tasks:
                ok = np.flatnonzero(~np.isnan(self.normalised_[t]))
                ti.append(np.full(len(ok), t))
                cj.append(ok)
            ti, cj = np.concatenate(ti), np.concatenate(cj)
            if len(ti) > self.max_rows:
                pick = rng.choice(len(ti), int(self.max_rows), replace=False)
                ti, cj = ti[pick], cj[pick]
            X = np.hstack([Z[ti], self.encoded_[cj]])
            model = lgb.LGBMRegressor(n_estimators=self.n_estimators, learning_rate=self.learning_rate,
                                      num_leaves=self.num_leaves, min_child_samples=10,
                                      subsample=0.8, subsample_freq=1, colsample_bytree=0.8,
                                      random_state=int(rng.integers(2**31 - 1)), n_jobs=1, verbosity=-1)
            model.fit(X, self.normalised_[ti, cj])
            self.models_.append(model)

    def _sample(self, space_keys: list[str], rng: np.random.Generator) -> list[tuple[str, dict]]:
        from metaknow.exceptions import MetaknowError
        from metaknow.spaces import get_space

        out: list[tuple[str, dict]] = []
        for key in space_keys:
            name, _, task = key.partition("/")
            try:
                space = get_space(name, task)
            except MetaknowError:
                continue  # a space this installation cannot sample from
            out.extend((key, c) for c in space.sample(rng, int(self.n_sampled)))
        return out

    def predict(self, metafeatures: pd.Series, encoded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation over the bagged models for encoded configurations."""
        z = self.scaler_.transform(metafeatures)
        X = np.hstack([np.repeat(z, len(encoded), axis=0), encoded])
        preds = np.stack([m.booster_.predict(X, num_threads=1) for m in self.models_])
        return preds.mean(axis=0), preds.std(axis=0)

    def _nearest(self, metafeatures: pd.Series, n: int) -> list[tuple[int, float]]:
        """Provenance only: the ``n`` prior tasks closest in mean absolute scaled difference."""
        if self.Z_.shape[1] == 0:
            return []
        with np.errstate(all="ignore"):
            d = np.nanmean(np.abs(self.Z_ - self.scaler_.transform(metafeatures)), axis=1)
        d = np.where(np.isnan(d), np.inf, d)
        order = np.lexsort((np.arange(len(d)), d))[:n]
        return [(int(i), float(d[i])) for i in order if np.isfinite(d[i])]

    def _recommend(self, metafeatures: pd.Series, k: int, excluded: frozenset[str]) -> list[Candidate]:
        short = self.encoded_[self.shortlist_]
        enc = np.vstack([short, self.sampled_encoded_]) if self.sampled_ else short
        mean, std = self.predict(metafeatures, enc)
        order = np.lexsort((np.arange(len(mean)), -mean))[:k]
        C = len(self.shortlist_)
        why = f"meta-model prediction ({len(self.models_)} bagged LightGBM models)"
        near = self._nearest(metafeatures, 5)
        out = []
        for j in order:
            if j < C:
                col = int(self.shortlist_[j])
                ev = [(self.tasks_[i], d) for i, d in near if self.normalised_[i, col] >= 0.9]
                out.append(self._candidate(col, mean[j], std[j], ev, why))
            else:
                key, params = self.sampled_[j - C]
                out.append(Candidate(config_hash(params), key, dict(params), float(mean[j]),
                                     float(std[j]), "sampled", (), why + ", freshly sampled"))
        return out
