"""Property-based tests of the store: what goes in is what the view, the evaluations and an
export round trip give back, whatever the mix of tasks, configurations, folds and failures.

The expected matrix is computed here with plain Python (mean of the ``ok`` folds' values
per task and configuration), independently of the store's SQL.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metaknow.space import config_hash
from metaknow.spaces import get_space
from repository import export
from repository.records import EvaluationRecord, SpaceRecord, TaskRecord
from repository.store import Store

KNN = get_space("knn", "classification")
CONFIGS = [dict(KNN.default(), n_neighbors=k) for k in (1, 3, 5, 9)]
TASKS = ("t0", "t1", "t2")

# one evaluation: (task, configuration index, fold, status, ROC AUC, accuracy or missing)
_evaluation = st.tuples(st.sampled_from(TASKS), st.integers(0, len(CONFIGS) - 1),
                        st.integers(0, 2), st.sampled_from(["ok", "ok", "ok", "crash", "timeout"]),
                        st.floats(0.0, 1.0, allow_nan=False),
                        st.one_of(st.none(), st.floats(0.0, 1.0, allow_nan=False)))
_batch = st.lists(_evaluation, min_size=1, max_size=40)
_SETTINGS = settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _records(batch: list[tuple]) -> list:
    out: list = [SpaceRecord(KNN.key, KNN.version, KNN.to_dict())]
    out += [TaskRecord(t, "prop", "classification", "y", 30, 2, 2) for t in TASKS]
    for task, c, fold, status, auc, acc in batch:
        metrics = {} if status != "ok" else ({"roc_auc": auc} if acc is None
                                             else {"roc_auc": auc, "accuracy": acc})
        out.append(EvaluationRecord(task, "prop", KNN.key, KNN.version, CONFIGS[c], fold, 0,
                                    metrics, status, error=None if status == "ok" else status))
    return out


def _last_writes(batch: list[tuple]) -> dict[tuple[str, int, int], tuple]:
    """The record that stands for every (task, configuration, fold): the last one given."""
    return {(t, c, f): (s, auc, acc) for t, c, f, s, auc, acc in batch}


def _expected_auc(batch: list[tuple]) -> dict[tuple[str, str], float]:
    folds: dict[tuple[str, str], list[float]] = {}
    for (task, c, _), (status, auc, _) in _last_writes(batch).items():
        if status == "ok":
            folds.setdefault((task, f"knn-{config_hash(CONFIGS[c])}"), []).append(auc)
    return {k: float(np.mean(v)) for k, v in folds.items()}


def _view_cells(store: Store) -> dict[tuple[str, str], float]:
    perf = store.view("knn", metric="roc_auc").performance
    return {(t, c): float(v) for (t, c), v in perf.stack().dropna().items()}


@_SETTINGS
@given(_batch)
def test_view_is_the_mean_of_the_ok_folds(batch: list[tuple]) -> None:
    expected = _expected_auc(batch)
    with tempfile.TemporaryDirectory() as tmp, Store.create(Path(tmp) / "r.sqlite") as store:
        store.ingest(_records(batch))
        if not expected:
            return
        got = _view_cells(store)
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            assert got[key] == pytest.approx(value, abs=1e-12)


@_SETTINGS
@given(_batch, _batch)
def test_a_later_write_replaces_status_and_metrics(first: list[tuple], second: list[tuple]) -> None:
    """Ingesting ``first`` then ``second`` stores, per (task, configuration, fold), exactly
    the last record given: no duplicate rows, no metric left over from a replaced one."""
    with tempfile.TemporaryDirectory() as tmp, Store.create(Path(tmp) / "r.sqlite") as store:
        store.ingest(_records(first))
        store.ingest(_records(second))
        standing = _last_writes(first + second)
        ev = store.evaluations(space=KNN.key)
        assert len(ev) == len(standing)
        by_hash = {config_hash(c): i for i, c in enumerate(CONFIGS)}
        for row in ev.to_dict("records"):
            status, auc, acc = standing[(row["task"], by_hash[row["config_hash"]], row["fold"])]
            assert row["status"] == status
            if status == "ok":
                assert row["roc_auc"] == pytest.approx(auc, abs=1e-12)
                assert (acc is None and np.isnan(row.get("accuracy", np.nan))) or \
                    row["accuracy"] == pytest.approx(acc, abs=1e-12)
            else:
                assert np.isnan(row.get("roc_auc", np.nan)) and np.isnan(row.get("accuracy", np.nan))
        ok_tasks = {t for (t, _, _), (status, _, _) in standing.items() if status == "ok"}
        only_failed = sorted(set(TASKS) - ok_tasks - {t for t in TASKS if t not in ev["task"].values})
        expected = [f"{len(only_failed)} task(s) have only failed evaluations: "
                    f"{', '.join(only_failed)}"] if only_failed else []
        assert store.verify() == expected


@_SETTINGS
@given(_batch)
def test_export_round_trip_keeps_every_evaluation(batch: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        with Store.create(tmp_path / "a.sqlite") as store:
            store.ingest(_records(batch))
            export.export_store(store, tmp_path / "out")
            before = store.evaluations(space=KNN.key)
        with Store.create(tmp_path / "b.sqlite") as again:
            again.ingest(export.read_export(tmp_path / "out"))
            after = again.evaluations(space=KNN.key)
        keys = ["task", "config_hash", "fold", "repeat"]
        before, after = before.sort_values(keys, ignore_index=True), after.sort_values(keys, ignore_index=True)
        assert before[keys + ["status", "error"]].equals(after[keys + ["status", "error"]])
        for metric in ("roc_auc", "accuracy"):
            if metric in before:
                np.testing.assert_allclose(before[metric], after[metric], rtol=1e-9, equal_nan=True)
