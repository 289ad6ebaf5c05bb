"""``metaknow.recommend``: configurations for a new dataset from the most similar prior tasks.

The one public entry point of recommendation: load the data (through
:func:`metaknow.load_dataset`), describe it by meta-features (:mod:`metafeatures`), open a
repository view, leave the dataset itself out when the repository already holds it,
fit the chosen strategy (:mod:`metaknow.recommenders`) and return a
:class:`~metaknow.recommenders.result.Recommendation`.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from metaknow.dataset import Dataset, load_dataset
from metaknow.exceptions import RecommendError, RepositoryError
from metaknow.recommenders import DEFAULT_STRATEGY, get_recommender
from metaknow.recommenders.fit_cost import FitCostModel
from metaknow.recommenders.result import Recommendation
from metaknow.recommenders.surrogate_portfolio import sparse_share
from metaknow.recommenders.task_distance import TaskDistance, shared_distance
from repository.view import RepositoryView

__all__ = ["recommend", "recommend_from_view", "Recommendation", "open_view", "DEFAULT_GROUPS"]

#: Meta-feature groups extracted by default. Measured (one busy 2-core machine, seconds for
#: letter 20000x16 / breast_cancer 569x30): general 0.24/0.09, statistical 1.6/0.9,
#: info-theory 0.45/0.12, model-based 1.1/0.23, landmarking 24.6/8.3. Landmarking is
#: not fast enough for an interactive default: ask for it with ``groups=["all"]`` (every
#: registered group). Meta-features the dataset was not described by are left out of the
#: task distance (the remaining weights are rescaled).
DEFAULT_GROUPS: tuple[str, ...] = ("general", "statistical", "info-theory", "model-based")

#: Strategies that already ignore the new task's meta-features (no fallback needed).
_GLOBAL = {"average_rank", "portfolio"}
#: Used instead of the default strategy on a sparse repository (most configurations
#: evaluated on one task only, e.g. OpenML's random flow runs): it pools evidence across
#: tasks through per-task surrogates and falls back to its robust global choice by itself
#: (``metaknow benchmark openml-proxy``: top-1 82 vs 75 for the default on OpenML100).
SPARSE_STRATEGY = "surrogate_portfolio"


def recommend(data: Any = None, target: str | None = None, *, task: str | None = None,
              space: str = "lightgbm", k: int = 10, strategy: str | None = None,
              repository: str | RepositoryView = "bundled", metric: str | None = None,
              metafeatures: pd.Series | None = None, groups: Iterable[str] | None = None,
              include_self: bool = False, n_nearest: int = 5, fallback: bool = True,
              seed: int = 0, max_fit_seconds: float | None = None) -> Recommendation:
    """Recommend ``k`` configurations of ``space`` for a dataset.

    Parameters
    ----------
    data : path, DataFrame, (X, y), Dataset or ``"sklearn:NAME"``
        Anything :func:`metaknow.load_dataset` reads. May be omitted when
        ``metafeatures`` and ``task`` are given.
    target : str, optional
        Target column (files and DataFrames).
    task : {"classification", "regression"}, optional
        Overrides the inferred task type.
    space : str, default="lightgbm"
        A registered space name, or ``"all"`` for algorithm + configuration (CASH).
    k : int, default=10
    strategy : str, optional
        A name from :func:`metaknow.recommenders.strategy_names`; default
        :data:`~metaknow.recommenders.DEFAULT_STRATEGY`.
    repository : str or RepositoryView, default="bundled"
        ``"bundled"``, ``"openml100"``, a store path, or a ready view.
    metric : str, optional
        Metric of the prior evaluations (the store's default for the task type).
    metafeatures : Series, optional
        Precomputed meta-features (skips extraction).
    groups : iterable of str, optional
        Meta-feature groups to extract (default :data:`DEFAULT_GROUPS`, those registered).
    include_self : bool, default=False
        Let a prior task that *is* this dataset (same content hash, or meta-features at
        distance ~0) contribute. By default it is left out.
    n_nearest : int, default=5
        Nearest prior tasks reported in the result.
    fallback : bool, default=True
        When the dataset is far from every prior task, recommend the global portfolio; on
        a sparse repository (most configurations evaluated on one task only), recommend
        with :data:`SPARSE_STRATEGY` instead of the default strategy.
    seed : int, default=0
    max_fit_seconds : float, optional
        Leave out configurations whose predicted seconds for one fit on all rows of this
        table exceed this (:mod:`metaknow.recommenders.fit_cost`; the build machine's
        seconds): the first picks are then affordable on a large table. Every candidate
        carries its prediction (``fit_seconds``) either way.

    Returns
    -------
    Recommendation

    Raises
    ------
    DataError, SpaceError, RepositoryError, RecommendError
        One-line messages naming the problem.
    """
    name = DEFAULT_STRATEGY if strategy is None else strategy
    recommender = get_recommender(name)  # unknown strategy fails before any work
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise RecommendError(f"k must be a positive integer, got {k!r}")
    if max_fit_seconds is not None and (isinstance(max_fit_seconds, bool) or not (
            isinstance(max_fit_seconds, (int, float, np.integer, np.floating))
            and max_fit_seconds > 0)):
        raise RecommendError(f"max_fit_seconds must be a positive number, got {max_fit_seconds!r}")
    dataset: Dataset | None = None
    if data is not None:
        dataset = load_dataset(data, target=target, task=task)
        task = dataset.task
    elif metafeatures is None:
        raise RecommendError("give the data (or its meta-features and task type)")
    elif task not in ("classification", "regression"):
        raise RecommendError("with precomputed meta-features, task must be 'classification' or 'regression'")
    if space != "all":
        from metaknow.spaces import get_space

        get_space(space, task)  # unknown space / no such task version -> SpaceError
    view = open_view(repository, space, task, metric)
    if metafeatures is None:
        metafeatures = _extract(dataset, groups, seed)
    return recommend_from_view(view, metafeatures, k=k, strategy=name, recommender=recommender,
                               dataset=dataset, space=space, include_self=include_self,
                               n_nearest=n_nearest, fallback=fallback,
                               repository_name=repository if isinstance(repository, str) else "view",
                               max_fit_seconds=max_fit_seconds)


def recommend_from_view(view: RepositoryView, metafeatures: pd.Series, *, k: int = 10,
                        strategy: str | None = None, recommender: Any = None,
                        dataset: Dataset | None = None, space: str = "all",
                        include_self: bool = False, n_nearest: int = 5, fallback: bool = True,
                        repository_name: str = "view",
                        max_fit_seconds: float | None = None) -> Recommendation:
    """Recommend from an open view for known meta-features (the step after extraction)."""
    name = DEFAULT_STRATEGY if strategy is None else strategy
    recommender = recommender if recommender is not None else get_recommender(name)
    shared = set(metafeatures.index) & set(map(str, view.metafeatures.columns))
    if not shared and view.metafeatures.shape[1] > 0:
        raise RecommendError("the dataset's meta-features and the repository's have no name in "
                             "common (extracted with other groups or another extractor?)")
    used = name
    if fallback and name == DEFAULT_STRATEGY and sparse_share(view.performance) > 0.5:
        used, recommender = SPARSE_STRATEGY, get_recommender(SPARSE_STRATEGY)
    fitted = fitted_recommender(recommender, view)
    # One task distance serves the strategy and this report (fitted once per repository).
    distance = getattr(fitted, "distance_", None) or shared_distance(view)
    same = _same_tasks(view, distance, metafeatures, dataset)
    excluded = [] if include_self else same
    notes = []
    if used != name:
        notes.append(f"most configurations of this repository were evaluated on one task only: "
                     f"recommending with {SPARSE_STRATEGY} instead of {name}")
    if same:
        names = ", ".join(distance.task_names_[distance.tasks_.index(t)] for t in same)
        notes.append(f"this dataset is already in the repository ({names}); " +
                     ("its own evaluations were used" if include_self else "it was left out"))
    if len(excluded) >= view.n_tasks:
        raise RecommendError("the repository holds no prior task other than this dataset")
    nearest = distance.nearest(metafeatures, n_nearest, excluded) if distance.features_ else []
    far = bool(nearest) and distance.is_far(nearest[0].distance)
    global_ok = _GLOBAL | {SPARSE_STRATEGY, "expected_gain"}
    if not distance.features_:
        notes.append("the repository holds no usable meta-features: similarity cannot be measured")
        if used == "expected_gain":
            notes.append("gains are averaged over every prior task instead of the nearest")
        elif fallback and used not in global_ok:
            used, fitted = "portfolio", fitted_recommender(get_recommender("portfolio"), view)
            notes.append(f"recommending the global portfolio instead of {name}")
    if far:
        notes.append(f"this dataset is unlike every prior task (nearest distance "
                     f"{nearest[0].distance:.3g} > {distance.far_threshold_:.3g})")
        if used == "expected_gain":
            notes.append("gains are averaged over every prior task instead of the nearest")
        elif fallback and used not in global_ok:
            used, fitted = "portfolio", fitted_recommender(get_recommender("portfolio"), view)
            notes.append(f"recommending the global portfolio instead of {name}")
    costs = fitted_cost_model(view, learning_curves=repository_name == "bundled")
    size = _table_size(dataset, metafeatures)
    pool = k if max_fit_seconds is None else view.n_configurations
    candidates = _with_costs(fitted.recommend(metafeatures, pool, exclude_tasks=excluded),
                             costs, size)
    if max_fit_seconds is not None:
        affordable = [c for c in candidates if c.is_default or not c.fit_seconds > max_fit_seconds]
        if len(affordable) < len(candidates):
            notes.append(f"left out {len(candidates) - len(affordable)} configuration(s) "
                         f"predicted to take over {max_fit_seconds:g} s per fit")
        candidates = affordable[:k]
    if len(candidates) < k:
        notes.append(f"only {len(candidates)} configurations available")
    default, no_signal = _default_row(fitted, metafeatures, excluded, candidates)
    if default is not None and not any(default is c for c in candidates):
        default = _with_costs([default], costs, size)[0]
    if candidates and candidates[0].is_default:
        notes.append("the evidence does not support a change: the library default comes first")
    elif no_signal:
        notes.append("no signal: no configuration is expected to beat the library default with "
                     "confidence (every interval reaches below 0)")
    weights = dict(zip(distance.features_, map(float, distance.weights_)))
    return Recommendation(
        configurations=candidates, nearest_tasks=nearest,
        metafeatures={str(n): float(v) for n, v in metafeatures.items()},
        strategy=used, requested_strategy=name, space=space,
        task_type=_task_type(view, dataset), metric=view.metric, metafeature_weights=weights,
        repository=_summary(view, repository_name), dataset=_describe(dataset, metafeatures),
        far_from_prior=far, excluded_tasks=list(excluded), notes=notes,
        score_meaning=str(fitted.score_meaning), default=default, no_signal=no_signal)


# ------------------------------------------------------------------ helpers
#: Views read in this process, by repository file identity (path, size and modification
#: time of the file and its write-ahead log), space, task type and metric.
_VIEWS: dict[tuple[Any, ...], RepositoryView] = {}
#: Recommenders fitted in this process, by view content, strategy and parameters.
_FITTED: dict[tuple[str, ...], Any] = {}
#: Content digests of the views met in this process, by object identity (the view is held
#: too, so an id is not reused while its entry lives).
_DIGESTS: dict[int, tuple[RepositoryView, str, str]] = {}
#: Fit-cost models fitted in this process, by view content.
_COSTS: dict[tuple[str, str, bool], FitCostModel] = {}


def open_view(repository: str | RepositoryView, space: str, task: str, metric: str | None) -> RepositoryView:
    """The repository's view for ``space`` (``"all"``: every space) and ``task`` (read once
    per process while the repository file is unchanged)."""
    if isinstance(repository, str):
        key = _view_key(repository, space, task, metric)
        if key is not None and key in _VIEWS:
            return _VIEWS[key]
        view = _read_view(repository, space, task, metric)
        if key is not None:
            if len(_VIEWS) >= 8:
                _VIEWS.pop(next(iter(_VIEWS)))
            _VIEWS[key] = view
        return view
    return _read_view(repository, space, task, metric)


def _view_key(repository: str, space: str, task: str, metric: str | None) -> tuple[Any, ...] | None:
    from pathlib import Path

    try:
        from repository.named import repository_path

        path = repository_path(repository)
    except (ImportError, RepositoryError):
        return None
    stamps = []
    for p in (path, Path(f"{path}-wal")):
        st = p.stat() if p.exists() else None
        stamps.append((st.st_size, st.st_mtime_ns) if st else None)
    return (str(path.resolve()), *stamps, space, task, metric)


def fitted_recommender(recommender: Any, view: RepositoryView) -> Any:
    """``recommender`` fitted on ``view``, or the one fitted on the same content with the
    same strategy and parameters earlier in this process."""
    import json

    key = (_content_digest(view), type(recommender).__name__,
           json.dumps(recommender.get_params(), sort_keys=True, default=str))
    if key not in _FITTED:
        if len(_FITTED) >= 8:
            _FITTED.pop(next(iter(_FITTED)))
        _FITTED[key] = recommender.fit(view)
    return _FITTED[key]


def _read_view(repository: str | RepositoryView, space: str, task: str, metric: str | None) -> RepositoryView:
    if isinstance(repository, RepositoryView):
        view = repository
        if space != "all":
            keep = [c for c in view.performance.columns
                    if view.configurations[c][0] in (f"{space}/{task}", space)]
            if not keep:
                raise RepositoryError(f"the repository has no evaluations of space {space!r} for {task}")
            view = replace(view, performance=view.performance[keep],
                           fit_times=view.fit_times.reindex(columns=keep))
    else:
        store = _open_store(repository)
        view = store.view(space=space, task_type=task, metric=metric, metafeatures="metaknow")
    perf = view.performance.dropna(how="all")
    if perf.shape[0] == 0 or perf.shape[1] == 0:
        raise RepositoryError(f"the repository has no {task} evaluations of space {space!r}")
    return view


def _open_store(repository: str) -> Any:
    try:
        from repository.named import open_repository
    except ImportError:  # named repositories not installed: a plain store path still works
        from pathlib import Path

        from repository.store import Store

        if repository in ("bundled", "openml100") and not Path(repository).exists():
            raise RepositoryError(f"the {repository!r} repository is not available in this "
                                  "installation") from None
        return Store.open(repository, readonly=True)
    return open_repository(repository)


def _extract(dataset: Dataset | None, groups: Iterable[str] | None, seed: int) -> pd.Series:
    from metafeatures import STORE_ENGINE, extract_dataset, group_names

    chosen = list(groups) if groups is not None else [g for g in DEFAULT_GROUPS if g in group_names()]
    if chosen == ["all"]:
        chosen = group_names()
    return extract_dataset(dataset, groups=chosen, seed=seed, openml_engine=STORE_ENGINE)


#: Exact counts that together identify a dataset across extractors (ours vs OpenML's).
IDENTITY_FEATURES = ("NumberOfInstances", "NumberOfFeatures", "NumberOfClasses",
                     "NumberOfNumericFeatures", "NumberOfSymbolicFeatures",
                     "NumberOfMissingValues", "MajorityClassSize", "MinorityClassSize")


def _same_tasks(view: RepositoryView, distance: TaskDistance, mf: pd.Series,
                dataset: Dataset | None) -> list[str]:
    """Prior tasks that are this dataset: same content hash, meta-features at distance ~0,
    or the same exact counts (at least four of :data:`IDENTITY_FEATURES`, all equal) —
    the last catches OpenML tasks whose other qualities another extractor computed."""
    same: list[str] = []
    if dataset is not None and "content_hash" in view.tasks:
        h = dataset.content_hash()
        same = [str(t) for t, v in view.tasks["content_hash"].items()
                if v == h and str(t) in distance.tasks_]
    same += distance.same_tasks(mf)
    cols = [c for c in IDENTITY_FEATURES if c in view.metafeatures.columns and pd.notna(mf.get(c))]
    if len(cols) >= 4:
        prior = view.metafeatures.reindex(distance.tasks_)[cols].to_numpy(dtype=float)
        mine = np.array([float(mf[c]) for c in cols])
        known = ~np.isnan(prior)
        hit = (known.sum(axis=1) >= 4) & np.all(~known | (prior == mine), axis=1)
        same += [distance.tasks_[i] for i in np.flatnonzero(hit)]
    return list(dict.fromkeys(same))


def _content_digest(view: RepositoryView, with_times: bool = False) -> Any:
    """:func:`~metaknow.recommenders.fit_cache.view_digest` of ``view`` (and a digest of its
    fit times), computed once per view object in this process."""
    from metaknow.recommenders import fit_cache

    held = _DIGESTS.get(id(view))
    if held is None or held[0] is not view:
        times = np.ascontiguousarray(view.fit_times.to_numpy(dtype=float))
        held = (view, fit_cache.view_digest(view), hashlib.sha256(times.tobytes()).hexdigest())
        if len(_DIGESTS) >= 8:
            _DIGESTS.pop(next(iter(_DIGESTS)))
        _DIGESTS[id(view)] = held
    return held[1:] if with_times else held[1]


def fitted_cost_model(view: RepositoryView, learning_curves: bool = False) -> FitCostModel:
    """The fit-cost model of ``view`` (fitted once per view content in this process);
    ``learning_curves``: with those of the bundled repository's fidelity build
    (:mod:`repository.learning_curves`) for the spaces it covers."""
    from repository.learning_curves import fit_times_by_size

    key = (*_content_digest(view, with_times=True), learning_curves)
    if key not in _COSTS:
        if len(_COSTS) >= 8:
            _COSTS.pop(next(iter(_COSTS)))
        curves = [fit_times_by_size(*space.split("/")) for space in view.defaults
                  if learning_curves]
        curves = [c for c in curves if not c[0].empty]
        by_size = (pd.concat([t for t, _ in curves]), pd.concat([s for _, s in curves])) \
            if curves else None
        _COSTS[key] = FitCostModel().fit(view, by_size)
    return _COSTS[key]


def _table_size(dataset: Dataset | None, mf: pd.Series) -> tuple[float, float, float | None]:
    """Rows, features and classes (None for regression) of the new table, from its
    meta-features, else from the dataset."""
    def number(name: str, of_dataset: Callable[[Dataset], float]) -> float:
        value = mf.get(name)
        if value is not None and pd.notna(value):
            return float(value)
        try:
            return float(of_dataset(dataset))
        except (AttributeError, TypeError):  # no dataset, or a stand-in without that part
            return float("nan")

    rows = number("NumberOfInstances", lambda d: d.n_rows)
    features = number("NumberOfFeatures", lambda d: d.X.shape[1])
    classes = number("NumberOfClasses", lambda d: len(d.classes) if d.task == "classification"
                     else float("nan"))
    return rows, features, classes if classes > 0 else None


def _with_costs(candidates: list[Any], costs: FitCostModel,
                size: tuple[float, float, float | None]) -> list[Any]:
    seconds = costs.predict([c.config_id for c in candidates], *size)
    return [replace(c, fit_seconds=float(s)) for c, s in zip(candidates, seconds)]


def _default_row(fitted: Any, metafeatures: pd.Series, excluded: list[str],
                 candidates: list[Any]) -> tuple[Any, bool]:
    """The library default's predicted-gain row (None when the strategy predicts no gains)
    and whether the recommendation has no signal (no candidate's interval lies above 0)."""
    ref = getattr(fitted, "reference_id_", None)
    if ref is None:
        return None, False
    default = next((c for c in candidates if c.is_default), None)
    if default is None:
        default = fitted.predicted_gain(metafeatures, [ref], frozenset(excluded))[0]
    others = [c for c in candidates if not c.is_default]
    return default, not any(c.gain_low > 0 for c in others)


def _task_type(view: RepositoryView, dataset: Dataset | None) -> str:
    if dataset is not None:
        return dataset.task
    if "task_type" in view.tasks and len(view.tasks):
        return str(view.tasks["task_type"].iloc[0])
    return ""


def _summary(view: RepositoryView, name: str) -> dict[str, Any]:
    spaces = sorted({view.configurations[c][0] for c in view.performance.columns})
    return {"name": name, "n_tasks": view.n_tasks, "n_configurations": view.n_configurations,
            "spaces": spaces, "metric": view.metric,
            "n_evaluations": int(view.performance.notna().to_numpy().sum())}


def _describe(dataset: Dataset | None, mf: pd.Series) -> dict[str, Any]:
    if dataset is None:
        return {"name": str(mf.name) if mf.name is not None else ""}
    return {"name": dataset.name, "content_hash": dataset.content_hash(),
            "n_rows": dataset.n_rows, "n_features": dataset.n_features}
