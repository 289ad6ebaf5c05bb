"""The committed bundled repository: well-formed files, materialisation, sane numbers."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import numpy as np
import pytest

from repository.builders.bundled import (BUNDLED_DIR, IN_PROGRESS, N_CONFIGS, PROTOCOL,
                                        _mark_in_progress, phases_in_progress)
from repository.export import pair_path
from repository.named import open_repository, repository_path

pytestmark = pytest.mark.skipif(not (BUNDLED_DIR / "FORMAT").is_file(),
                                reason="no bundled repository committed yet")


def test_committed_pair_files_are_complete() -> None:
    spaces = {p.stem: json.loads(p.read_text()) for p in (BUNDLED_DIR / "spaces").glob("*.json")}
    tasks = {r["name"]: r for r in csv.DictReader((BUNDLED_DIR / "tasks.csv").open())}
    files = sorted((BUNDLED_DIR / "evaluations").glob("*/*.csv.gz"))
    assert files
    for path in files:
        task = tasks[path.name[: -len(".csv.gz")]]
        assert json.loads(task["protocol"])["n_splits"] == PROTOCOL.n_splits
        space = spaces[f"{path.parent.name}-{task['task_type']}"]
        rows = list(csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode())))
        hashes = {r["config_hash"] for r in rows}
        assert len(hashes) == N_CONFIGS and hashes <= set(space["configurations"])
        assert len(rows) == N_CONFIGS * PROTOCOL.n_splits
        assert any(r["status"] == "ok" for r in rows), f"{path}: every evaluation failed"


def test_bundled_materialises_once_and_is_sane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METAKNOW_CACHE", str(tmp_path))
    path = repository_path("bundled")
    assert path.parent == tmp_path and path.name.startswith("bundled-")
    stamp = path.stat().st_mtime_ns
    assert repository_path("bundled") == path and path.stat().st_mtime_ns == stamp  # cached
    with open_repository() as store:
        assert store.verify() == []
        info = store.info()
        keys = [s["space"] for s in info["spaces"]]
        assert "lightgbm/classification" in keys
        views = {key: store.view(*key.split("/")) for key in keys}
    for key, view in views.items():
        default = view.defaults[key]
        perf = view.performance
        assert perf.shape[1] == N_CONFIGS, key
        # every stored task has at least one scored configuration
        assert perf.notna().any(axis=1).all(), key
        # the library default is not the best configuration everywhere
        assert (perf[default] < perf.max(axis=1) - 1e-12).any(), key
        if key.endswith("/classification"):  # ROC AUC
            assert np.nanmax(perf.to_numpy()) <= 1.0 and np.nanmin(perf.to_numpy()) >= 0.0, key


def test_every_bundled_space_covers_every_task_of_its_type() -> None:
    # a space registered after the build has no spaces/*.json yet and is not checked
    tasks = list(csv.DictReader((BUNDLED_DIR / "tasks.csv").open()))
    skipped = {r["name"] for r in csv.DictReader((BUNDLED_DIR / "skipped.csv").open())}
    assert not skipped & {t["name"] for t in tasks}
    keys = [json.loads(p.read_text())["key"] for p in (BUNDLED_DIR / "spaces").glob("*.json")]
    assert len(keys) >= 8
    # a phase the build started and has not finished is named in in_progress.txt: only its
    # pairs may be missing, and a phase named there must really be missing some
    running = phases_in_progress(BUNDLED_DIR)
    for key in keys:
        wanted = [t for t in tasks if t["task_type"] == key.split("/")[1]]
        missing = [t for t in wanted if not pair_path(BUNDLED_DIR, key, t["name"]).is_file()]
        unexplained = [t["name"] for t in missing if (key, t["source"]) not in running]
        assert not unexplained, f"{key}: missing {unexplained[:5]}"
    for key, source in running:
        wanted = [t["name"] for t in tasks if t["source"] == source
                  and t["task_type"] == key.split("/")[1]]
        assert any(not pair_path(BUNDLED_DIR, key, t).is_file() for t in wanted), \
            f"{IN_PROGRESS} names {key} {source}, which is complete"


def test_phases_in_progress_round_trip(tmp_path: Path) -> None:
    assert phases_in_progress(tmp_path) == set()
    _mark_in_progress(tmp_path, ("svm/classification", "tables"), started=True)
    _mark_in_progress(tmp_path, ("knn/classification", "corpus"), started=True)
    assert (tmp_path / IN_PROGRESS).read_text() == ("knn/classification corpus\n"
                                                     "svm/classification tables\n")
    _mark_in_progress(tmp_path, ("knn/classification", "corpus"), started=False)
    assert phases_in_progress(tmp_path) == {("svm/classification", "tables")}
    _mark_in_progress(tmp_path, ("svm/classification", "tables"), started=False)
    assert not (tmp_path / IN_PROGRESS).exists()
