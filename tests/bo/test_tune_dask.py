"""``tune(scheduler=...)``: trials on a real local dask cluster (two worker processes).

A trial run on the cluster scores exactly as one run here, the run resumes from its
folder, and an unreachable scheduler is a one-line error.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from metaknow.dataset import load_dataset
from metaknow.evaluation import Protocol, evaluate, make_splits
from metaknow.exceptions import TuneError
from metaknow.tune import tune

distributed = pytest.importorskip("distributed")

WARM = [{"n_estimators": 20, "learning_rate": 0.1, "num_leaves": 8, "min_child_samples": 20,
         "subsample": 1.0, "colsample_bytree": 1.0, "reg_alpha": 1e-8, "reg_lambda": 1e-8,
         "max_bin": 63}]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as c:
        yield c


def test_trials_on_a_cluster_score_as_here_and_resume(cluster, tmp_path: Path) -> None:
    address = cluster.scheduler_address
    first = tune("sklearn:breast_cancer", budget=4, warm_start_configs=WARM, cv=3, seed=0,
                 out=tmp_path, refit=False, scheduler=address)
    assert len(first.run_history) == 4
    trial = first.run_history[0]
    dataset = load_dataset("sklearn:breast_cancer")
    folds = evaluate("lightgbm", trial.config, dataset, make_splits(dataset, Protocol(3, seed=0)))
    assert [f.metrics["roc_auc"] for f in folds] == [-c for c in trial.fold_costs]
    # the trials really ran as tasks of the cluster
    with distributed.Client(address) as client:
        prefixes = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes))
    assert "run_trial" in prefixes
    again = tune("sklearn:breast_cancer", budget=6, warm_start_configs=WARM, cv=3, seed=0,
                 out=tmp_path, refit=False, scheduler=address)
    # two trials run at once, so they may finish (and be recorded) out of order
    assert sorted(t.trial_id for t in again.run_history) == [0, 1, 2, 3, 4, 5]
    before = {t.trial_id: t.config for t in first.run_history}
    assert {t.trial_id: t.config for t in again.run_history if t.trial_id in before} == before


def test_wall_time_holds_on_the_cluster(cluster, tmp_path: Path) -> None:
    start = time.monotonic()
    wall = 25.0  # each dask worker starts its sandbox process on its first trial
    result = tune("sklearn:breast_cancer", budget=None, wall_time=wall, cv=3,
                  warm_start_configs=WARM * 1, seed=0, refit=False, out=tmp_path,
                  scheduler=cluster.scheduler_address)
    assert time.monotonic() - start < 1.1 * wall + 15
    assert len(result.run_history) >= 1
    assert all(t.status != "stopped" for t in result.run_history)


def test_an_unreachable_scheduler_is_a_one_line_error() -> None:
    with pytest.raises(TuneError, match="cannot reach the dask scheduler at tcp://127.0.0.1:9"):
        tune("sklearn:iris", budget=2, warm_start=0, scheduler="tcp://127.0.0.1:9")
