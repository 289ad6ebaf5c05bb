"""Transfer inside the BO loop: prior tasks' surrogates, weighted by how well they rank the target.

The transfer acquisition function (TAF, Wistuba, Schilling & Schmidt-Thieme 2018) with
ranking-based weights (as TAF-R and RGPE, Feurer et al. 2018), on SMAC's random forests:

* one random forest per prior task (a *source*), fitted once on that task's stored
  evaluations; the target's own forest is the loop's usual surrogate;
* acquisition: ``w_t * EI_t(x) + sum_i w_i * max(0, mu_i(x*) - mu_i(x))``, the target's
  expected improvement plus each source's predicted improvement over the target's
  incumbent ``x*`` — every term in its own model's standardised units. A source only
  adds a bonus where it believes the target's incumbent can be beaten; the fine search
  near the optimum is the target's own EI;
* weights from a ranking loss on the target's observations: for each of ``n_bootstrap``
  bootstrap samples of the observed trials, count the pairs each model orders wrongly
  (the target forest from its out-of-bag predictions, so it is not judged on points it
  memorised); a model's weight is the share of samples on which it has the lowest loss
  (ties split);
* a source whose median loss exceeds the 95th percentile of the target forest's losses
  is dropped (weight 0) before the shares are counted: a prior that ranks the target's
  configurations worse than the target's own data is switched off, and as the target's
  trials accumulate its forest wins more samples and the priors fade by themselves;
* optionally (``handover``) the run's own forest gets at least ``n / (n + handover)`` of
  the weight after ``n`` trials (:func:`with_target_floor`), whatever the losses say.
  Measured on the warm-start benchmark's held-out half (README, "Transfer in the loop"):
  it did not beat the plain rule, so it is off by default.

Measured before choosing TAF (synthetic 9-parameter bowl, 10 sources sharing its
optimum, 200 trials): an RGPE-style ensemble *mean* of the forests kept 90% of the weight
on the sources, whose 64-point forests are too coarse near the optimum, and ended worse
than no transfer (regret 0.36 vs 0.18); TAF leaves the fine search to the target.

:class:`TransferPrior` holds the fitted sources; :meth:`TransferPrior.acquisition` builds
the score function of one proposal from the target's forest and trials, which is all
:class:`~metaknow.bo.optimizer.Optimizer` needs to know about transfer.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from metaknow.bo.surrogate import RandomForestSurrogate

__all__ = ["SourceTask", "TransferPrior", "TransferAcquisition", "ranking_losses",
           "rgpe_weights", "with_target_floor", "sources_from_view"]


@dataclass(frozen=True)
class SourceTask:
    """Evaluations of the space on one prior task: vector forms and costs (lower is better)."""

    name: str
    X: np.ndarray
    y: np.ndarray


class _Standardised:
    """A fitted forest and the mean/sd of its training targets (its z-scale)."""

    def __init__(self, forest: RandomForestSurrogate, target: np.ndarray) -> None:
        self.forest = forest
        self.mu = float(np.mean(target))
        sd = float(np.std(target))
        self.sd = sd if sd > 0 else 1.0

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, var = self.forest.predict(X)
        return (mean - self.mu) / self.sd, var / self.sd ** 2


def ranking_losses(preds: np.ndarray, y: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Misranked pairs of each model on each bootstrap sample, shape ``(models, samples)``.

    ``preds`` is models x observations, ``y`` the observed costs, ``counts`` samples x
    observations (how often each observation is drawn). A pair ``(j, k)`` is misranked
    when ``(pred_j < pred_k) != (y_j < y_k)``; drawn pairs count with multiplicity.
    """
    lower_y = y[:, None] < y[None, :]
    out = np.empty((len(preds), len(counts)))
    C = counts.astype(float)
    for i, p in enumerate(preds):
        wrong = ((p[:, None] < p[None, :]) != lower_y).astype(float)
        out[i] = ((C @ wrong) * C).sum(axis=1) / 2.0
    return out


def rgpe_weights(losses: np.ndarray) -> np.ndarray:
    """Ensemble weights from ranking losses (last row: the target model).

    Sources whose median loss is above the 95th percentile of the target's losses get
    weight 0; every model's weight is then the share of samples on which it has the
    lowest loss, ties split evenly.
    """
    losses = np.asarray(losses, dtype=float)
    n_models = losses.shape[0]
    target_q95 = float(np.percentile(losses[-1], 95))
    keep = np.ones(n_models, dtype=bool)
    keep[:-1] = np.median(losses[:-1], axis=1) <= target_q95
    L = np.where(keep[:, None], losses, np.inf)
    best = L.min(axis=0)
    winners = (L == best[None, :]).astype(float)
    winners /= winners.sum(axis=0, keepdims=True)
    return winners.mean(axis=1)


def with_target_floor(weights: np.ndarray, floor: float) -> np.ndarray:
    """``weights`` (last: the target) with the target's weight raised to at least ``floor``;
    the sources keep their proportions and share the rest (all of it goes to the target
    when no source has weight)."""
    w = np.asarray(weights, dtype=float).copy()
    floor = float(np.clip(floor, 0.0, 1.0))
    if w[-1] >= floor:
        return w
    rest = w[:-1].sum()
    w[:-1] = w[:-1] * ((1.0 - floor) / rest) if rest > 0 else 0.0
    w[-1] = floor if rest > 0 else 1.0
    return w


def _check_handover(handover: float | None) -> None:
    if handover is not None and not handover > 0:
        raise ValueError(f"handover must be positive, got {handover!r}")


def _oob_predictions(surrogate: RandomForestSurrogate, X: np.ndarray) -> np.ndarray:
    """Out-of-bag mean prediction of each training row (in-bag mean where no tree left it out)."""
    from metaknow.bo.surrogate import _as_tree_input, impute_inactive

    Xi = _as_tree_input(impute_inactive(X))
    n = len(X)
    total, count, full = np.zeros(n), np.zeros(n), np.zeros(n)
    for tree, means, rows in zip(surrogate.forest_.estimators_, surrogate.leaf_mean_,
                                 surrogate.forest_.estimators_samples_):
        pred = means[tree.apply(Xi, check_input=False)]
        full += pred
        out = np.ones(n, dtype=bool)
        out[rows] = False
        total[out] += pred[out]
        count[out] += 1
    return np.where(count > 0, total / np.maximum(count, 1), full / len(surrogate.leaf_mean_))


class TransferPrior:
    """Fitted per-task source forests, ready to be combined with the target's trials.

    Parameters
    ----------
    sources : sequence of SourceTask
        At least two evaluations each; tasks whose costs are all equal are skipped.
    n_trees : int, default=10
    n_bootstrap : int, default=50
        Bootstrap samples of the target's trials for the ranking losses.
    max_ranked : int, default=100
        Trials the ranking losses look at (the most recent ones beyond that: the loss
        costs the square of this number).
    handover : float, optional
        With ``n`` trials of its own, the run's own forest gets at least the weight
        ``n / (n + handover)`` (the sources share the rest in their ranking-loss
        proportions): half the weight after ``handover`` trials, whatever the ranking
        losses say. On small, noisy targets the out-of-bag ranking of the run's own
        forest is rarely better than a prior's, so without a floor the priors keep
        steering to the end of the run. None (the default) leaves the weights as the
        ranking losses give them.
    seed : int, default=0
    """

    def __init__(self, sources: Sequence[SourceTask], *, n_trees: int = 10,
                 n_bootstrap: int = 50, max_ranked: int = 100, handover: float | None = None,
                 seed: int = 0) -> None:
        _check_handover(handover)
        self.n_trees = n_trees
        self.n_bootstrap = n_bootstrap
        self.max_ranked = max_ranked
        self.handover = handover
        self.seed = seed
        self.names: list[str] = []
        self.models: list[Any] = []
        for i, src in enumerate(sources):
            y = np.asarray(src.y, dtype=float)
            ok = np.isfinite(y)
            if ok.sum() < 2 or np.ptp(y[ok]) == 0:
                continue
            forest = RandomForestSurrogate(n_trees, log_costs=False, seed=seed + i)
            forest.fit(np.asarray(src.X, dtype=float)[ok], y[ok])
            self.models.append(_Standardised(forest, y[ok]))
            self.names.append(src.name)

    def __len__(self) -> int:
        return len(self.models)

    def variant(self, *, handover: float | None = None,
                extra: Sequence[tuple[str, Any]] = ()) -> "TransferPrior":
        """The same fitted sources with another ``handover`` and ``extra`` ready sources
        (``(name, model)`` pairs, see :meth:`add_source`) appended; ``self`` is unchanged."""
        _check_handover(handover)
        out = copy.copy(self)
        out.names, out.models, out.handover = list(self.names), list(self.models), handover
        for name, model in extra:
            out.add_source(name, model)
        return out

    def add_source(self, name: str, model: Any) -> None:
        """Add a ready source: anything whose ``predict(V)`` returns ``(mean, var)`` of the
        cost in its own standardised units (e.g. :class:`~metaknow.bo.meta_source.MetaSurrogateSource`)."""
        self.names.append(str(name))
        self.models.append(model)

    def weights(self, target: RandomForestSurrogate, X: np.ndarray, y: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:
        """Ranking-loss weights of the sources and (last) the target forest.

        ``X``/``y`` are the target's observed trials (the first rows of what ``target`` was
        fitted on). With fewer than 3 trials every model weighs the same.
        """
        n_models, n_own = len(self.models) + 1, len(y)
        if len(y) < 3:
            return np.full(n_models, 1.0 / n_models)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            own = _oob_predictions(target, target.X_train_)[: len(y)]
        keep = slice(max(0, len(y) - int(self.max_ranked)), len(y))
        X, y, own = X[keep], y[keep], own[keep]
        preds = np.vstack([np.stack([m.predict(X)[0] for m in self.models]), own])
        counts = rng.multinomial(len(y), np.full(len(y), 1.0 / len(y)), size=int(self.n_bootstrap))
        weights = rgpe_weights(ranking_losses(preds, y, counts))
        if self.handover is None:
            return weights
        return with_target_floor(weights, n_own / (n_own + float(self.handover)))

    def acquisition(self, target: RandomForestSurrogate, X: np.ndarray, y: np.ndarray,
                    incumbent: np.ndarray, best: float, rng: np.random.Generator,
                    ) -> "TransferAcquisition":
        """The score function of one proposal (see the module docstring)."""
        return TransferAcquisition(self, target, self.weights(target, X, y, rng), incumbent, best)


class TransferAcquisition:
    """``log(w_t * EI_t(x) + sum_i w_i * max(0, mu_i(x*) - mu_i(x)))``, larger is better.

    Computed in log space (``logaddexp`` of the target's log-EI and the log of the
    sources' bonus), so that where no source promises anything the ranking is exactly
    the loop's log-EI, which keeps ranking candidates far into EI's tail where plain EI
    underflows to zero. ``weights_`` maps each source name and ``"target"`` to its weight.
    """

    def __init__(self, prior: TransferPrior, target: RandomForestSurrogate, weights: np.ndarray,
                 incumbent: np.ndarray, best: float) -> None:
        from metaknow.bo.acquisition import log_expected_improvement

        self._log_ei = log_expected_improvement
        self.target = target
        self.best = float(best)
        sd = float(np.std(target.y_train_))
        self.target_sd = sd if sd > 0 else 1.0
        self.weights = np.asarray(weights, dtype=float)
        self.weights_ = dict(zip([*prior.names, "target"], map(float, self.weights)))
        x_star = np.atleast_2d(np.asarray(incumbent, dtype=float))
        self.sources = [(w, m, float(m.predict(x_star)[0][0]))
                        for w, m in zip(self.weights[:-1], prior.models) if w > 0]

    def __call__(self, V: np.ndarray) -> np.ndarray:
        mean, var = self.target.predict(V)
        with np.errstate(divide="ignore"):
            own = np.log(self.weights[-1]) + self._log_ei(mean, var, self.best) - np.log(self.target_sd)
            if not self.sources:
                return own
            bonus = np.zeros(len(mean))
            for w, model, at_incumbent in self.sources:
                bonus += w * np.maximum(at_incumbent - model.predict(V)[0], 0.0)
            return np.logaddexp(own, np.log(bonus))


def sources_from_view(view: Any, space: Any, task_ids: Sequence[str]) -> list[SourceTask]:
    """One :class:`SourceTask` per task in ``task_ids`` from a repository view (costs are
    negated scores); configurations of other spaces or that no longer validate are skipped."""
    from metaknow.recommenders.meta_surrogate import design_vectors

    ids, V = design_vectors(view, space)
    out = []
    for t in task_ids:
        if t not in view.performance.index:
            continue
        scores = view.performance.loc[t, ids].to_numpy(dtype=float)
        ok = np.isfinite(scores)
        if ok.sum() >= 2:
            out.append(SourceTask(str(t), V[ok], -scores[ok]))
    return out
