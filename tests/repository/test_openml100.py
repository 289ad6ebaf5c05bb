"""The OpenML100 store built from the shared flow exports, and the named repository."""

from __future__ import annotations

import gzip
import os
from collections import Counter
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from metaknow.dataset import load_dataset
from metaknow.exceptions import RepositoryError
from metaknow.spaces import get_algorithm, get_space, make_pipeline
from repository.sources import openml100
from repository.sources.openml_mapping import task_name
from repository.store import Store

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
FLOWS = SHARED / "data" / "openml" / "openml100-flows"
CORPUS = SHARED / "data" / "corpus"

pytestmark = pytest.mark.shared


def _raw_task_counts(path: Path) -> Counter:
    with gzip.open(path, "rt") as fh:
        lines = fh.read().split("@DATA", 1)[1].splitlines()
    return Counter(int(float(line.rsplit(",", 1)[1])) for line in lines
                   if line.strip() and not line.startswith("%"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Iterator[Store]:
    """The named repository, built once into a temporary cache folder."""
    if not all((FLOWS / f).is_file() for f in [*openml100.FILES.values(), openml100.QUALITIES]):
        pytest.skip(f"{FLOWS} lacks the OpenML100 flow exports (shared data not beside the "
                    "checkout)")
    cache = tmp_path_factory.mktemp("cache")
    saved = {k: os.environ.get(k) for k in ("METAKNOW_CACHE", "METAKNOW_OPENML100_DIR")}
    os.environ["METAKNOW_CACHE"] = str(cache)
    os.environ["METAKNOW_OPENML100_DIR"] = str(FLOWS)
    try:
        store = openml100.open_openml100()
        yield store
        store.close()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_store_holds_every_run_per_task(built):
    info = {s["space"]: s for s in built.info()["spaces"]}
    assert info["random_forest/classification"]["evaluations"] == 47_000
    assert info["adaboost/classification"]["evaluations"] == 40_000
    expected = (_raw_task_counts(FLOWS / openml100.FILES[6969])
                + _raw_task_counts(FLOWS / openml100.FILES[6970]))
    tasks = built.tasks()
    stored = dict(zip(tasks["openml_task_id"].astype(int), tasks["n_evaluations"].astype(int)))
    assert stored == dict(expected)
    assert set(tasks["source"]) == {"openml"}
    # Qualities are the meta-features: 119 names for most tasks, values as in the file.
    mf = built.metafeatures(extractor="openml")
    kr = mf[mf["task"] == task_name(3)].set_index("name")["value"]
    assert kr["NumberOfInstances"] == 3196.0 and kr["NumberOfClasses"] == 2.0


def test_view_serves_openml_tasks_to_recommenders(built):
    view = built.view("random_forest", metric="accuracy")
    assert view.performance.shape == (94, 47_000)
    assert (view.performance.notna().sum(axis=1) == 500).all()
    assert view.metafeatures.shape[0] == 94 and "ClassEntropy" in view.metafeatures.columns
    assert set(view.tasks["openml_task_id"]) <= set(_raw_task_counts(FLOWS / openml100.FILES[6969]))


def test_second_use_opens_the_cached_build(built):
    from repository.named import cache_dir, repository_path

    path = repository_path("openml100")
    assert path.parent == cache_dir()
    mtime = path.stat().st_mtime_ns
    again = openml100.open_openml100()
    again.close()
    assert path.stat().st_mtime_ns == mtime
    assert not list(path.parent.glob("*.partial-*"))


@pytest.mark.parametrize("space, dataset, task_id, cheap", [
    ("random_forest", "credit.g", 31, {}),
    ("adaboost", "diabetes", 37, {"algorithm": "SAMME.R", "max_n_estimators": 150}),
])
def test_best_stored_configuration_fits_a_real_pipeline(built, space, dataset, task_id, cheap):
    """OpenML's best configuration on a task, read back, runs on the same local dataset.

    For AdaBoost: the best SAMME.R configuration with at most 150 trees (quick to fit,
    and SAMME.R, which scikit-learn no longer has, must still build and run).
    """
    file = CORPUS / f"{dataset}.arff.gz"
    if not file.is_file():
        pytest.skip(f"{file} is absent")
    view = built.view(space, metric="accuracy")
    row = view.performance.loc[task_name(task_id)].dropna()
    if cheap:
        keep = [c for c in row.index
                if view.configurations[c][1]["algorithm"] == cheap["algorithm"]
                and view.configurations[c][1]["n_estimators"] <= cheap["max_n_estimators"]]
        row = row[keep]
    best = row.idxmax()
    key, config = view.configurations[best]
    sp = get_space(space, "classification")
    assert key == sp.key and sp.validate(config) == config
    data = load_dataset(file)
    pipe = make_pipeline(get_algorithm(space), config, "classification", data.numeric_columns,
                         data.categorical_columns, seed=0)
    train, test = train_test_split(np.arange(len(data.y)), test_size=0.3, random_state=0,
                                   stratify=data.y)
    pipe.fit(data.X.iloc[train], data.y.iloc[train])
    score = pipe.score(data.X.iloc[test], data.y.iloc[test])
    majority = data.y.value_counts(normalize=True).max()
    assert score > majority  # learns something real
    assert abs(score - row.max()) < 0.08  # and lands near OpenML's 10-fold CV value


def test_missing_exports_give_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("METAKNOW_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("METAKNOW_OPENML100_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(RepositoryError, match=r"adaboost.arff.gz.*not in .*nowhere.*"
                                              r"metaknow repository import openml --suite OpenML100"):
        openml100.open_openml100()
    assert not list((tmp_path / "cache").glob("openml100-*"))


def test_a_network_build_in_the_cache_is_used_without_the_exports(tmp_path, monkeypatch):
    from repository.named import repository_path

    monkeypatch.setenv("METAKNOW_CACHE", str(tmp_path))
    monkeypatch.setenv("METAKNOW_OPENML100_DIR", str(tmp_path / "nowhere"))
    Store.create(tmp_path / openml100.NETWORK_BUILD).close()
    assert repository_path("openml100") == tmp_path / openml100.NETWORK_BUILD
