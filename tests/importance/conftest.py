"""Fixtures of the importance tests: the landscape of :mod:`importance_landscape` as a
view built by hand and as a real SQLite store."""

from __future__ import annotations

import pandas as pd
import pytest
from importance_landscape import OPTIMA, SPACE, configs, score
from sklearn.datasets import make_classification

from repository.view import RepositoryView


@pytest.fixture(scope="module")
def view() -> RepositoryView:
    cs = configs()
    tasks = [f"t{i}" for i in range(len(OPTIMA))]
    cids = [f"c{j:03d}" for j in range(len(cs))]
    perf = pd.DataFrame([[score(c, o) for c in cs] for o in OPTIMA], index=tasks, columns=cids)
    mf = pd.DataFrame({"m": OPTIMA}, index=tasks)
    return RepositoryView(perf, mf, {cid: (SPACE.key, c) for cid, c in zip(cids, cs)}, "roc_auc",
                          pd.DataFrame({"name": [f"task{i}" for i in range(len(OPTIMA))],
                                        "task_type": "classification"}, index=tasks))


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    """A real SQLite store of the same landscape, on real (small) datasets."""
    from metafeatures import extract_dataset
    from metaknow.dataset import load_dataset
    from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord
    from repository.store import Store

    cs = configs(60)
    records: list = [SpaceRecord(SPACE.key, SPACE.version, SPACE.to_dict())]
    for i, o in enumerate(OPTIMA):
        X, y = make_classification(n_samples=100 + 60 * i, n_features=4 + i, n_informative=3,
                                   n_redundant=0, random_state=i)
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).assign(y=y.astype(str))
        ds = load_dataset(frame, target="y", name=f"synth{i}")
        records.append(TaskRecord(ds.name, "test", "classification", ds.target, ds.n_rows,
                                  ds.n_features, 2, ds.content_hash()))
        mf = extract_dataset(ds, groups=["general"])
        records.append(MetaFeatureRecord(ds.name, "test", mf.to_dict(), "metaknow", "test"))
        for c in cs:
            records.append(EvaluationRecord(ds.name, "test", SPACE.key, SPACE.version, c, -1, 0,
                                            {"roc_auc": float(score(c, o))}))
    path = tmp_path_factory.mktemp("store") / "repo.sqlite"
    with Store.create(path) as store:
        store.ingest(records, provenance="importance test")
    return path
