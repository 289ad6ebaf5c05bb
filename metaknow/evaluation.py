"""The one way metaknow evaluates a configuration on a dataset.

The repository builders and the tuning loop both call :func:`evaluate_fold` /
:func:`evaluate`, so a trial during tuning is scored exactly as a prior evaluation in
the store. A :class:`Protocol` (stored with every task) fixes the cross-validation;
:func:`make_splits` turns it into train/test index pairs.

Model failures never raise: a fit that crashes, runs out of time or memory comes back
as a :class:`FoldResult` whose ``status`` says so, with the reason in ``error``. Time
and memory limits are enforced by running the fit in a worker process
(:mod:`metaknow.sandbox`) that is killed when it runs away; workers are reused across
folds and configurations.
"""

from __future__ import annotations

import math
import signal
import time
import traceback
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
from scipy.stats import rankdata
from sklearn import config_context
from sklearn.model_selection import KFold, StratifiedKFold
from threadpoolctl import threadpool_limits

from metaknow.exceptions import DataError, SpaceError
from metaknow.io.columns import FLOAT32_MAX, largest_magnitude
from metaknow.spaces import get_algorithm, make_pipeline
from metaknow.spaces.algorithm import Algorithm

__all__ = ["METRICS", "PRIMARY_METRIC", "higher_is_better", "Protocol", "make_splits",
           "split_repeats", "subsample_rows", "splits_to_assignment", "assignment_to_splits", "FoldResult", "evaluate_fold", "evaluate",
           "score_predictions", "error_cause"]

METRICS: dict[str, tuple[str, ...]] = {
    "classification": ("accuracy", "balanced_accuracy", "roc_auc", "log_loss"),
    "regression": ("rmse", "r2"),
}
PRIMARY_METRIC: dict[str, str] = {"classification": "roc_auc", "regression": "r2"}

#: Metrics where smaller is better (anything else, including unknown names such as
#: OpenML's ``predictive_accuracy``, counts as larger-is-better).
LOSSES = frozenset({"log_loss", "rmse", "mse", "mae", "mean_absolute_error",
                    "mean_squared_error", "root_mean_squared_error", "error_rate",
                    "brier_score", "runtime", "par10"})
STATUSES = ("ok", "crash", "timeout", "memout")


def higher_is_better(metric: str) -> bool:
    """Whether larger values of ``metric`` are better (False for losses and errors)."""
    return metric.lower() not in LOSSES


# ------------------------------------------------------------------ protocol
@dataclass(frozen=True)
class Protocol:
    """How configurations are evaluated on a task.

    Parameters
    ----------
    n_splits : int
        Folds of (stratified, for classification) k-fold cross-validation.
    n_repeats : int
        Independent repetitions of the k-fold split (fold numbers restart per repeat).
    seed : int
        Seeds the subsample and the shuffling of every repeat.
    max_rows : int, optional
        Datasets with more rows are first subsampled (stratified, seeded) to this many.
    time_limit : float, optional
        Seconds allowed per fold (fit + predict); ``None`` = unlimited.
    """

    n_splits: int = 5
    n_repeats: int = 1
    seed: int = 0
    max_rows: int | None = None
    time_limit: float | None = None

    def __post_init__(self) -> None:
        if int(self.n_splits) < 2:
            raise DataError(f"a protocol needs n_splits >= 2, got {self.n_splits}")
        if int(self.n_repeats) < 1:
            raise DataError(f"a protocol needs n_repeats >= 1, got {self.n_repeats}")
        if self.max_rows is not None and int(self.max_rows) < self.n_splits:
            raise DataError(f"max_rows={self.max_rows} is below n_splits={self.n_splits}")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "kfold", **asdict(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Protocol":
        known = {"n_splits", "n_repeats", "seed", "max_rows", "time_limit"}
        return cls(**{k: v for k, v in data.items() if k in known})


def subsample_rows(dataset: Any, n: int, seed: int = 0) -> np.ndarray:
    """Sorted row indices of a seeded (stratified for classification) subsample of ``n`` rows.

    Each class keeps its share, rounded, and at least one row; the total is exactly
    ``min(n, n_rows)``.
    """
    total = dataset.n_rows
    if total <= n:
        return np.arange(total)
    rng = np.random.default_rng(seed)
    if dataset.task != "classification":
        return np.sort(rng.choice(total, size=n, replace=False))
    codes = np.asarray(dataset.y.cat.codes)
    classes, counts = np.unique(codes, return_counts=True)
    quota = np.maximum(1, np.floor(n * counts / total)).astype(int)
    quota = np.minimum(quota, counts)
    # Hand out the remaining rows to the classes with the largest remainders.
    remainder = n * counts / total - np.floor(n * counts / total)
    for i in np.argsort(-remainder, kind="stable"):
        if quota.sum() >= n:
            break
        if quota[i] < counts[i]:
            quota[i] += 1
    while quota.sum() > n:  # many tiny classes forced up to one row each
        quota[int(np.argmax(quota))] -= 1
    chosen = [rng.choice(np.flatnonzero(codes == c), size=q, replace=False)
              for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(chosen))


def make_splits(dataset: Any, protocol: Protocol) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Train/test row indices of every fold, as ``(fold, train_idx, test_idx)``.

    Indices refer to rows of ``dataset.X``; rows left out by ``max_rows`` appear in no
    fold. Fold numbers run ``0..n_splits-1`` within each repeat, repeats follow each
    other (see :func:`split_repeats`). Classification uses stratified k-fold (plain k-fold
    when no class has ``n_splits`` members), regression plain k-fold, both shuffled with a seed derived from ``protocol.seed`` and the repeat.
    """
    rows = (subsample_rows(dataset, int(protocol.max_rows), protocol.seed)
            if protocol.max_rows is not None else np.arange(dataset.n_rows))
    if len(rows) < protocol.n_splits:
        raise DataError(f"{dataset.name}: {len(rows)} rows cannot make {protocol.n_splits} folds")
    out: list[tuple[int, np.ndarray, np.ndarray]] = []
    for repeat in range(protocol.n_repeats):
        state = int(np.random.default_rng([protocol.seed, repeat]).integers(2**31 - 1))
        codes = np.asarray(dataset.y.cat.codes)[rows] if dataset.task == "classification" else None
        if codes is not None and np.bincount(codes).max() >= protocol.n_splits:
            splitter: Any = StratifiedKFold(protocol.n_splits, shuffle=True, random_state=state)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # classes smaller than n_splits
                parts = list(splitter.split(np.zeros(len(rows)), codes))
        else:  # regression, or no class large enough to stratify: plain shuffled k-fold
            parts = list(KFold(protocol.n_splits, shuffle=True, random_state=state).split(rows))
        for fold, (tr, te) in enumerate(parts):
            out.append((fold, rows[tr], rows[te]))
    return out


def split_repeats(splits: Sequence[tuple[int, Any, Any]]) -> list[int]:
    """The repeat number of each split: it increases whenever fold numbering restarts."""
    repeats, repeat, last = [], 0, None
    for fold, _, _ in splits:
        if last is not None and fold <= last:
            repeat += 1
        repeats.append(repeat)
        last = fold
    return repeats


def splits_to_assignment(splits: Sequence[tuple[int, Any, Any]], n_rows: int) -> tuple[int, ...]:
    """Encode splits as the test fold of every row, ``-1`` for unused rows.

    With several repeats the per-repeat assignments are concatenated.
    """
    repeats = split_repeats(splits)
    n_rep = (max(repeats) + 1) if repeats else 1
    out = np.full(n_rep * n_rows, -1, dtype=np.int64)
    for (fold, _, test), rep in zip(splits, repeats):
        out[rep * n_rows + np.asarray(test)] = fold
    return tuple(int(v) for v in out)


# ------------------------------------------------------------------ results
@dataclass(frozen=True)
class FoldResult:
    """The outcome of fitting on one fold's training rows and scoring its test rows.

    ``fit_time`` and ``predict_time`` are CPU seconds of the thread that fitted and
    predicted (every model runs on one native thread): a machine under load stretches
    wall seconds, not these. Evaluations stored before this was so (the bundled
    repository's, and the fidelity build's units of up to 4,000 rows) hold wall seconds.
    """

    fold: int
    repeat: int
    status: str
    metrics: dict[str, float] = field(default_factory=dict)
    fit_time: float = 0.0
    predict_time: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FoldResult":
        return cls(int(data["fold"]), int(data["repeat"]), str(data["status"]),
                   {str(k): float(v) for k, v in dict(data.get("metrics") or {}).items()},
                   float(data.get("fit_time") or 0.0), float(data.get("predict_time") or 0.0),
                   data.get("error"))


def score_predictions(task: str, y_true: np.ndarray, pred: np.ndarray,
                      scores: np.ndarray | None = None, n_classes: int = 0,
                      probabilistic: bool = True) -> dict[str, float]:
    """The metrics of :data:`METRICS` for one fold (plain numpy; equal to sklearn.metrics).

    Classification: ``y_true``/``pred`` are class codes ``0..n_classes-1``; ``scores`` is
    ``(n, n_classes)`` (probabilities when ``probabilistic``, else decision scores, for
    which log loss is undefined and left out). Balanced accuracy averages the recall of
    the classes present in ``y_true``. ROC AUC is the binary AUC of the second class, or
    for multiclass the macro average of one-vs-rest AUCs over the classes present in
    ``y_true`` (sklearn's ``multi_class="ovr", average="macro"``). Log loss clips
    probabilities to ``[eps, 1 - eps]`` and renormalises rows.
    """
    if task == "regression":
        y_true, pred = np.asarray(y_true, float), np.asarray(pred, float)
        resid = float(np.sum((y_true - pred) ** 2))
        out = {"rmse": float(np.sqrt(resid / len(y_true)))}
        total = float(np.sum((y_true - y_true.mean()) ** 2))
        if len(y_true) < 2:
            out["r2"] = math.nan
        elif total == 0.0:  # constant target: sklearn's convention
            out["r2"] = 1.0 if resid == 0.0 else 0.0
        else:
            out["r2"] = 1.0 - resid / total
        return out
    y_true, pred = np.asarray(y_true, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    out = {"accuracy": float(np.mean(y_true == pred))}
    present = np.unique(y_true)
    out["balanced_accuracy"] = float(np.mean([np.mean(pred[y_true == c] == c) for c in present]))
    if scores is not None:
        out["roc_auc"] = _roc_auc(y_true, scores, n_classes, present)
        if probabilistic:
            p = _clip_proba(np.asarray(scores, float))
            out["log_loss"] = float(-np.mean(np.log(p[np.arange(len(y_true)), y_true])))
    return out


def _binary_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Mann-Whitney AUC with average ranks for ties (equals sklearn's roc_auc_score)."""
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _roc_auc(y_true: np.ndarray, scores: np.ndarray, n_classes: int,
             present: np.ndarray) -> float:
    if len(present) < 2:
        return math.nan
    if n_classes == 2:
        return _binary_auc(y_true == 1, scores[:, 1])
    return float(np.mean([_binary_auc(y_true == c, scores[:, c]) for c in present]))


def _clip_proba(p: np.ndarray) -> np.ndarray:
    eps = np.finfo(np.float64).eps
    p = np.clip(p, eps, 1 - eps)
    return p / p.sum(axis=1, keepdims=True)


def fit_and_score(dataset: Any, algorithm: str | Algorithm, config: Mapping[str, Any],
                  train_idx: np.ndarray, test_idx: np.ndarray, seed: int = 0,
                  fold: int = 0, repeat: int = 0) -> dict[str, Any]:
    """Fit and score in this process; returns :meth:`FoldResult.to_dict` (never raises
    for model failures). This is what a sandbox worker runs."""
    algo = get_algorithm(algorithm) if isinstance(algorithm, str) else algorithm
    fit_time = predict_time = 0.0
    try:
        with warnings.catch_warnings(), threadpool_limits(limits=1), \
                config_context(assume_finite=True, skip_parameter_validation=True):
            # One native thread per fit, as in the repository's workers: comparable
            # timings, and no OpenMP oversubscription when several fits run at once.
            # Inputs are validated by load_dataset; skip sklearn's repeated checks.
            warnings.simplefilter("ignore")
            model = make_pipeline(algo, dict(config), dataset.task, dataset.numeric_columns,
                                  dataset.categorical_columns, seed)
            X = dataset.X
            Xtr, Xte = X.iloc[train_idx], X.iloc[test_idx]
            if dataset.task == "classification":
                codes = np.asarray(dataset.y.cat.codes)
                ytr, yte = codes[train_idx], codes[test_idx]
            else:
                y = dataset.y.to_numpy(dtype=float)
                ytr, yte = y[train_idx], y[test_idx]
            start = time.thread_time()
            model.fit(Xtr, ytr)
            fit_time = time.thread_time() - start
            start = time.thread_time()
            pred = np.asarray(model.predict(Xte))
            scores, probabilistic, k = None, True, len(dataset.classes)
            if dataset.task == "classification":
                scores, probabilistic = _class_scores(model, Xte, k)
            predict_time = time.thread_time() - start
        metrics = score_predictions(dataset.task, yte, pred, scores, k, probabilistic)
        return FoldResult(fold, repeat, "ok", metrics, fit_time, predict_time).to_dict()
    except MemoryError:
        return FoldResult(fold, repeat, "memout", {}, fit_time, predict_time,
                          "MemoryError: the fit exceeded the memory limit").to_dict()
    except Exception as exc:  # any model failure is a result, not an exception
        message = f"{type(exc).__name__}: {exc}"
        # native libraries report a failed allocation as their own error type
        status = "memout" if "bad_alloc" in message or "Unable to allocate" in message else "crash"
        return FoldResult(fold, repeat, status, {}, fit_time, predict_time,
                          _failure_text(exc, dataset, train_idx, algo.name)).to_dict()


def _failure_text(exc: BaseException, dataset: Any, train_idx: np.ndarray, algorithm: str) -> str:
    """A failed fit's error: its one-line cause (see :func:`error_cause`), then the full
    exception with its traceback."""
    cause = _diagnose(dataset, train_idx, algorithm)
    if cause is None:
        lines = str(exc).strip().splitlines()
        cause = f"{type(exc).__name__}: {lines[0] if lines else ''}".strip()
    return cause + "\n" + "".join(traceback.format_exception(exc)).rstrip()


def _diagnose(dataset: Any, train_idx: np.ndarray, algorithm: str) -> str | None:
    """A cause in the data that explains a failed fit, naming the column, or ``None``."""
    for name in dataset.numeric_columns:
        peak = largest_magnitude(dataset.X[name].to_numpy(dtype=float)[train_idx])
        if peak > FLOAT32_MAX:
            return (f"column {name!r} holds values as large as {peak:.3g}, too large for "
                    f"{algorithm} to fit (keep within ±3.4e+38, the float32 range): rescale "
                    "the column (e.g. a log transform) or drop it")
    return None


def error_cause(error: str | None) -> str:
    """The one-line cause of a failed evaluation's error text (its first line)."""
    lines = (error or "").strip().splitlines()
    return lines[0] if lines else "unknown error"


def _class_scores(model: Any, X: Any, n_classes: int) -> tuple[np.ndarray, bool]:
    """Per-class scores aligned to all ``n_classes`` codes (classes unseen in training
    get probability 0 / the lowest decision score)."""
    trained = np.asarray(model.classes_, dtype=int)
    if hasattr(model, "predict_proba"):
        raw, probabilistic, fill = np.asarray(model.predict_proba(X), float), True, 0.0
    else:
        raw = np.asarray(model.decision_function(X), float)
        if raw.ndim == 1:  # binary: score of classes_[1]
            raw = np.column_stack([-raw, raw])
        probabilistic, fill = False, float(raw.min()) - 1.0
    full = np.full((raw.shape[0], n_classes), fill)
    if len(trained) == 1:  # a training fold with one class: it gets all the mass
        full[:, trained[0]] = 1.0 if probabilistic else fill + 1.0
    else:
        full[:, trained] = raw
    return full, probabilistic


# ---------------------------------------------------------------- entry points
def evaluate_fold(algorithm: str | Algorithm, config: Mapping[str, Any], dataset: Any,
                  train_idx: np.ndarray, test_idx: np.ndarray, *, seed: int = 0,
                  fold: int = 0, repeat: int = 0, time_limit: float | None = None,
                  memory_limit_mb: int | None = None, deadline: float | None = None) -> FoldResult:
    """Fit ``algorithm`` with ``config`` on ``train_idx`` rows and score on ``test_idx``.

    Parameters
    ----------
    algorithm : str or Algorithm
        A registered algorithm name (``"lightgbm"``...); an :class:`Algorithm` object is
        evaluated in this process (it cannot be sent to a worker).
    config : mapping
        A configuration of the algorithm's space for ``dataset.task`` (validated here).
    dataset : Dataset
    train_idx, test_idx : array of int
        Row positions in ``dataset.X``.
    seed : int
        Seeds the model.
    time_limit : float, optional
        Seconds for fit + predict; when given (or ``memory_limit_mb`` is), the fit runs in
        a pooled worker process that is killed on timeout. The seconds are the worker's CPU
        time (plus any time it hangs), so a loaded machine does not turn slow fits into
        timeouts; wall-clock time where ``/proc`` is missing. A worker stopped from
        outside (SIGTERM, SIGINT, SIGHUP) is restarted and the fold run once more.
    memory_limit_mb : int, optional
        Address-space limit of the worker.
    deadline : float, optional
        Wall-clock end (``time.time()`` epoch seconds) of the run this fold belongs to;
        the worker is killed when it passes, and the result has status ``"stopped"``
        (the budget ran out, which says nothing about the configuration: not a store
        status, callers drop it).

    Returns
    -------
    FoldResult
        ``status`` is ``"ok"``, ``"crash"``, ``"timeout"`` or ``"memout"`` (or
        ``"stopped"`` with a ``deadline``).

    Raises
    ------
    SpaceError
        The configuration is not valid for the space (a caller error, not a model failure).
    """
    from metaknow import sandbox

    algo = get_algorithm(algorithm) if isinstance(algorithm, str) else algorithm
    space = algo.space(dataset.task)
    if space is None:
        raise SpaceError(f"space {algo.name!r} has no {dataset.task} version")
    config = space.validate(config)
    kwargs = dict(algorithm=algorithm, config=config, train_idx=np.asarray(train_idx),
                  test_idx=np.asarray(test_idx), seed=seed, fold=fold, repeat=repeat)
    if deadline is not None and time.time() >= deadline:
        return FoldResult(fold, repeat, "stopped", error="not started: the run's deadline had passed")
    if (time_limit is None and memory_limit_mb is None and deadline is None) \
            or not isinstance(algorithm, str):
        return FoldResult.from_dict(fit_and_score(dataset, **kwargs))
    for attempt in (1, 2):
        with sandbox.acquire(memory_limit_mb) as box:
            try:
                out = box.call(dataset, "metaknow.evaluation.fit_and_score", kwargs, time_limit,
                               deadline)
            except sandbox.SandboxDeadline:
                return FoldResult(fold, repeat, "stopped", {}, 0.0, 0.0,
                                  "stopped at the run's wall-clock deadline")
            except sandbox.SandboxTimeout:
                return FoldResult(fold, repeat, "timeout", {}, float(time_limit or 0.0), 0.0,
                                  f"fit and predict exceeded the time limit of {time_limit:g} s")
            except sandbox.SandboxMemout as exc:
                return FoldResult(fold, repeat, "memout", {}, 0.0, 0.0, str(exc))
            except sandbox.SandboxDied as exc:
                if exc.stopped_from_outside and attempt == 1:
                    continue  # someone stopped the worker, not the model: run the fold again
                status = "memout" if memory_limit_mb is not None and exc.signum == signal.SIGKILL \
                    else "crash"
                return FoldResult(fold, repeat, status, {}, 0.0, 0.0, str(exc))
        return FoldResult.from_dict(out)
    raise AssertionError("unreachable")


def evaluate(algorithm: str | Algorithm, config: Mapping[str, Any], dataset: Any,
             splits: Sequence[tuple[int, np.ndarray, np.ndarray]], *, seed: int = 0,
             time_limit: float | None = None,
             memory_limit_mb: int | None = None) -> list[FoldResult]:
    """:func:`evaluate_fold` on every split (see :func:`make_splits`), in order."""
    return [evaluate_fold(algorithm, config, dataset, tr, te, seed=seed, fold=fold,
                          repeat=rep, time_limit=time_limit, memory_limit_mb=memory_limit_mb)
            for (fold, tr, te), rep in zip(splits, split_repeats(splits))]


def mean_metrics(results: Sequence[FoldResult]) -> dict[str, float]:
    """Mean of every metric over the folds that finished ``ok`` (NaN if none did)."""
    ok = [r for r in results if r.ok]
    names = sorted({m for r in ok for m in r.metrics})
    return {m: float(np.nanmean([r.metrics.get(m, math.nan) for r in ok])) for m in names}


def assignment_to_splits(assignment: Sequence[int], n_rows: int
                         ) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Inverse of :func:`splits_to_assignment`: the splits a stored assignment encodes."""
    arr = np.asarray(assignment, dtype=np.int64)
    if n_rows <= 0 or len(arr) % n_rows:
        raise DataError(f"a split assignment of length {len(arr)} does not fit {n_rows} rows")
    out: list[tuple[int, np.ndarray, np.ndarray]] = []
    for rep in range(len(arr) // n_rows):
        part = arr[rep * n_rows:(rep + 1) * n_rows]
        used = part >= 0
        for fold in np.unique(part[used]):
            out.append((int(fold), np.flatnonzero(used & (part != fold)),
                        np.flatnonzero(part == fold)))
    return out
