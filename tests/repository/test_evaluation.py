"""The one evaluation path: splits, metrics against sklearn, failures as results."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, log_loss,
                             mean_squared_error, r2_score, roc_auc_score)

from metaknow import load_dataset, sandbox
from metaknow.dataset import Dataset
from metaknow.evaluation import (FoldResult, Protocol, evaluate, evaluate_fold, higher_is_better,
                                 make_splits, score_predictions, split_repeats,
                                 splits_to_assignment, subsample_rows)
from metaknow.exceptions import SpaceError
from metaknow.space import Integer, SearchSpace
from metaknow.spaces import get_space
from metaknow.spaces.algorithm import Algorithm


def _toy(n: int = 60, k: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                      "c": pd.Categorical(rng.choice(["x", "y", None], size=n))})
    X.loc[::7, "a"] = np.nan
    y = pd.Categorical(np.array(list("pqrs")[:k])[np.arange(n) % k])
    return load_dataset((X, pd.Series(y)), task="classification", name="toy")


def test_metrics_equal_sklearn_multiclass() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 50)
    p = rng.dirichlet(np.ones(3), 50)
    pred = p.argmax(1)
    got = score_predictions("classification", y, pred, p, 3)
    assert got["accuracy"] == pytest.approx(accuracy_score(y, pred))
    assert got["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y, pred))
    assert got["roc_auc"] == pytest.approx(roc_auc_score(y, p, multi_class="ovr", average="macro"))
    assert got["log_loss"] == pytest.approx(log_loss(y, p))


def test_metrics_binary_and_regression_known_values() -> None:
    y = np.array([0, 0, 1, 1])
    p = np.array([[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]])
    got = score_predictions("classification", y, p.argmax(1), p, 2)
    assert got["roc_auc"] == pytest.approx(0.75)  # hand count: 3 of 4 pairs ordered right
    assert got["accuracy"] == pytest.approx(0.75)
    yt, yp = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0])
    reg = score_predictions("regression", yt, yp)
    assert reg["rmse"] == pytest.approx(np.sqrt(4 / 3))
    assert reg["rmse"] == pytest.approx(np.sqrt(mean_squared_error(yt, yp)))
    assert reg["r2"] == pytest.approx(r2_score(yt, yp))
    assert not higher_is_better("rmse") and not higher_is_better("log_loss")
    assert higher_is_better("roc_auc") and higher_is_better("predictive_accuracy")


def test_class_missing_from_training_fold_is_aligned() -> None:
    ds = _toy(30, 3)
    codes = np.asarray(ds.y.cat.codes)
    train = np.flatnonzero(codes != 2)          # class 2 never seen in training
    test = np.arange(30)
    res = evaluate_fold("lightgbm", get_space("lightgbm", "classification").default(), ds,
                        train, test)
    assert res.status == "ok"
    assert set(res.metrics) == {"accuracy", "balanced_accuracy", "roc_auc", "log_loss"}
    assert res.metrics["accuracy"] <= 2 / 3 + 1e-9


def test_splits_stratified_seeded_and_subsampled() -> None:
    ds = _toy(90, 3)
    proto = Protocol(n_splits=3, n_repeats=2, seed=5, max_rows=60)
    splits = make_splits(ds, proto)
    assert [f for f, _, _ in splits] == [0, 1, 2, 0, 1, 2]
    assert split_repeats(splits) == [0, 0, 0, 1, 1, 1]
    rows = subsample_rows(ds, 60, 5)
    assert len(rows) == 60 and np.bincount(np.asarray(ds.y.cat.codes)[rows]).tolist() == [20, 20, 20]
    for rep in (0, 1):
        tests = np.concatenate([te for (f, tr, te), r in zip(splits, split_repeats(splits)) if r == rep])
        assert sorted(tests.tolist()) == rows.tolist()
    for _, tr, te in splits:
        assert not set(tr) & set(te)
        counts = np.bincount(np.asarray(ds.y.cat.codes)[te], minlength=3)
        assert counts.min() >= 6 and counts.max() <= 7  # 20 per class over 3 folds
    again = make_splits(ds, proto)
    assert all(np.array_equal(a[2], b[2]) for a, b in zip(splits, again))
    assign = splits_to_assignment(splits, ds.n_rows)
    assert len(assign) == 2 * 90 and sum(v >= 0 for v in assign) == 120
    assert Protocol.from_dict(proto.to_dict()) == proto


def test_knn_larger_than_the_training_set_votes_over_all_of_it() -> None:
    """k is capped at the training rows: k = 50 on 10 rows predicts as scikit-learn's
    k-NN with k = 10 (which is also the majority vote of the training fold)."""
    from sklearn.neighbors import KNeighborsClassifier

    ds = _toy(20, 2)
    (f, tr, te), = make_splits(ds, Protocol(n_splits=2))[:1]
    big = dict(get_space("knn", "classification").default(), n_neighbors=50)
    res = evaluate_fold("knn", big, ds, tr, te)
    assert res.status == "ok"
    # with every training row a neighbour, features do not matter: all-zero inputs
    ref = KNeighborsClassifier(n_neighbors=len(tr)).fit(np.zeros((len(tr), 1)), ds.y.iloc[tr])
    expected = accuracy_score(ds.y.iloc[te], ref.predict(np.zeros((len(te), 1))))
    assert res.metrics["accuracy"] == pytest.approx(expected)


class _Exploding:
    def fit(self, X, y):
        raise RuntimeError("kaboom")


def test_estimator_that_raises_is_a_crash() -> None:
    space = SearchSpace("boom", "classification", (Integer("k", 1, 3, default=1),))
    algo = Algorithm("boom", {"classification": space}, lambda c, t, s: _Exploding())
    ds = _toy(20, 2)
    (f, tr, te), = make_splits(ds, Protocol(n_splits=2))[:1]
    res = evaluate_fold(algo, {"k": 2}, ds, tr, te)
    assert res.status == "crash" and "kaboom" in res.error
    with pytest.raises(SpaceError):
        evaluate_fold(algo, {"k": 9}, ds, tr, te)


def test_timeout_kills_the_fit_and_the_worker_is_reused() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(3000, 20)), columns=[f"f{i}" for i in range(20)])
    y = pd.Series(np.where(X["f0"] + rng.normal(size=3000) > 0, "a", "b"))
    ds = load_dataset((X, y), task="classification")
    splits = make_splits(ds, Protocol(n_splits=2))
    slow = dict(get_space("lightgbm", "classification").default(), n_estimators=1024,
                num_leaves=256, min_child_samples=2, learning_rate=0.005, max_bin=511)
    res = evaluate("lightgbm", slow, ds, splits[:1], time_limit=0.05)
    assert res[0].status == "timeout" and "time limit" in res[0].error
    fast = dict(get_space("lightgbm", "classification").default(), n_estimators=8)
    after = evaluate("lightgbm", fast, ds, splits, time_limit=120)
    assert [r.status for r in after] == ["ok", "ok"]
    assert FoldResult.from_dict(after[0].to_dict()) == after[0]
    # The sandboxed path scores exactly as the in-process path.
    inproc = evaluate("lightgbm", fast, ds, splits)
    assert [r.metrics for r in inproc] == [r.metrics for r in after]


def test_memory_limit_reports_memout_and_caller_goes_on() -> None:
    ds = _toy(30, 2)
    (f, tr, te), = make_splits(ds, Protocol(n_splits=2))[:1]
    cfg = get_space("knn", "classification").default()
    res = evaluate_fold("knn", cfg, ds, tr, te, memory_limit_mb=100, time_limit=60)
    assert res.status == "memout" and res.error
    assert evaluate_fold("knn", cfg, ds, tr, te, time_limit=60).status == "ok"


def test_metrics_with_ties_missing_classes_and_constant_target() -> None:
    y = np.array([0, 0, 2, 2, 2, 0])                      # class 1 absent from this fold
    s = np.array([[0.5, 0.2, 0.3], [0.5, 0.2, 0.3], [0.2, 0.2, 0.6], [0.5, 0.2, 0.3],
                  [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    pred = s.argmax(1)
    got = score_predictions("classification", y, pred, s, 3)
    ref_auc = np.mean([roc_auc_score(y == c, s[:, c]) for c in (0, 2)])
    assert got["roc_auc"] == pytest.approx(ref_auc)
    assert got["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y, pred))
    assert got["log_loss"] == pytest.approx(log_loss(y, s, labels=[0, 1, 2]))
    const = score_predictions("regression", np.array([2.0, 2.0]), np.array([2.0, 2.0]))
    assert const["r2"] == r2_score([2.0, 2.0], [2.0, 2.0]) == 1.0


def _slow_fold() -> tuple[Dataset, dict, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(2000, 10)), columns=[f"f{i}" for i in range(10)])
    y = pd.Series(np.where(X["f0"] + rng.normal(size=2000) > 0, "a", "b"))
    ds = load_dataset((X, y), task="classification")
    (_, tr, te), = make_splits(ds, Protocol(n_splits=2))[:1]
    cfg = dict(get_space("lightgbm", "classification").default(), n_estimators=1000,
               num_leaves=64, min_child_samples=2)
    return ds, cfg, tr, te


def _warm_worker(ds: Dataset, tr: np.ndarray, te: np.ndarray) -> sandbox.Sandbox:
    """The pooled worker (no memory limit) that the next evaluate_fold borrows, started
    and holding ``ds``."""
    with sandbox.acquire(None) as box:
        box.call(ds, "metaknow.evaluation.fit_and_score",
                 dict(algorithm="knn", config=get_space("knn", "classification").default(),
                      train_idx=tr[:50], test_idx=te[:50], seed=0, fold=0, repeat=0), 60)
    return box


def _signal_when_busy(pid_of, signum: int, cpu_seconds: float) -> threading.Thread:
    """Send ``signum`` to the worker once it has used ``cpu_seconds`` of CPU (mid-fit)."""
    from metaknow.sandbox import _cpu_and_state

    pid = pid_of()
    baseline = _cpu_and_state(pid)[0]

    def run() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            probe = _cpu_and_state(pid)
            if probe and probe[0] - baseline >= cpu_seconds:
                os.kill(pid, signum)
                return
            time.sleep(0.01)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs /proc (Linux)")
def test_time_limit_counts_cpu_not_wall_time() -> None:
    """A worker kept off the CPU (SIGSTOP for 3 s, as a loaded machine would) does not
    time out under a 2-s limit; a fit using more CPU than the limit does."""
    ds, cfg, tr, te = _slow_fold()
    pid = _warm_worker(ds, tr, te).pid
    assert pid is not None
    fast = dict(cfg, n_estimators=100)
    t0 = time.monotonic()
    stopper = threading.Timer(0.05, lambda: (os.kill(pid, signal.SIGSTOP), time.sleep(3),
                                             os.kill(pid, signal.SIGCONT)))
    stopper.start()
    res = evaluate_fold("lightgbm", fast, ds, tr, te, time_limit=2.0)
    stopper.join()
    assert res.status == "ok" and time.monotonic() - t0 > 2.0
    assert evaluate_fold("lightgbm", cfg, ds, tr, te, time_limit=0.2).status == "timeout"


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs /proc (Linux)")
def test_a_worker_stopped_from_outside_is_retried_but_a_crash_is_recorded() -> None:
    ds, cfg, tr, te = _slow_fold()
    box = _warm_worker(ds, tr, te)
    first = box.pid
    killer = _signal_when_busy(lambda: box.pid, signal.SIGTERM, 0.3)
    res = evaluate_fold("lightgbm", cfg, ds, tr, te, time_limit=120)
    killer.join()
    assert res.status == "ok", res.error  # the fold ran again in a fresh worker
    assert box.pid != first
    killer = _signal_when_busy(lambda: box.pid, signal.SIGSEGV, 0.3)
    res = evaluate_fold("lightgbm", cfg, ds, tr, te, time_limit=120)
    killer.join()
    assert res.status == "crash" and "SIGSEGV" in res.error
