"""A local build stores the extractor's meta-features of every task it builds, once per
extractor version, so a user-built store serves recommendations out of the box."""

from __future__ import annotations

from pathlib import Path

import cli
from metafeatures import STORE_ENGINE, engine_version
from repository.store import Store


def test_build_adds_metafeatures_once(small_manifest: Path, tmp_path: Path, capsys) -> None:
    store = tmp_path / "mf.sqlite"
    argv = ["repository", "build", str(small_manifest), "--store", str(store), "--spaces",
            "lightgbm", "--task-types", "classification", "--n-configs", "2", "--folds", "2",
            "--no-progress"]
    assert cli.main(argv) == 0
    with Store.open(store) as s:
        mf = s.metafeatures("metaknow")
        built = set(s.tasks()["name"])
    assert set(mf["task"]) == built and len(built) >= 2  # the malformed file is skipped
    # stores are built under the stores' conventions (2018 = extractor 1.0), not today's default
    assert set(mf["extractor_version"]) == {engine_version(STORE_ENGINE)} == {"1.0"}
    assert (mf.groupby("task")["name"].count() > 100).all()
    # --metafeatures-only has nothing left to do, and a rerun adds no duplicate rows
    assert cli.main(argv + ["--metafeatures-only"]) == 0
    assert "added meta-features of 0 task(s)" in capsys.readouterr().out
    with Store.open(store) as s:
        assert len(s.metafeatures("metaknow")) == len(mf)
        view = s.view("lightgbm", "classification")
    assert view.metafeatures.shape[0] == view.performance.shape[0]
