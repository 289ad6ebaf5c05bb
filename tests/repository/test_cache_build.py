"""The bundled cache's first build: progress on stderr, no orphan temporary files."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import cli
from metaknow.spaces import get_space
from repository import export
from repository.named import BuildProgress
from repository.records import EvaluationRecord, SpaceRecord, TaskRecord
from repository.store import Store

KNN = get_space("knn", "classification")


def _export(tmp_path: Path, n_tasks: int = 3) -> Path:
    with Store.create(tmp_path / "r.sqlite") as store:
        for t in range(n_tasks):
            store.ingest([TaskRecord(f"t{t}", "test", "classification", "y", 30, 2, 2, "abc",
                                     protocol={"n_splits": 2}),
                          SpaceRecord(KNN.key, KNN.version, KNN.to_dict()),
                          EvaluationRecord(f"t{t}", "test", KNN.key, KNN.version, KNN.default(),
                                           0, 0, {"roc_auc": 0.5 + t / 10})])
    out = tmp_path / "exported"
    assert cli.main(["repository", "export", "--repository", str(tmp_path / "r.sqlite"),
                     "--to", str(out)]) == 0
    return out


def test_materialise_reports_each_evaluation_file(tmp_path: Path) -> None:
    folder = _export(tmp_path)
    calls: list[tuple[int, int]] = []

    def record(done: int, total: int) -> None:
        calls.append((done, total))

    with export.materialise(folder, tmp_path / "c.sqlite", progress=record) as s:
        assert s.info()["evaluations"] == 3
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert [p.name for p in tmp_path.glob(".c.sqlite*")] == []  # no temporary left


def test_build_progress_lines() -> None:
    stream = io.StringIO()
    progress = BuildProgress(stream)
    for done in range(0, 21):
        progress(done, 20)
    lines = stream.getvalue().splitlines()
    assert lines[0] == ("metaknow: building the bundled repository cache (first use, about a "
                        "minute): 20 evaluation files")
    assert lines[1] == "metaknow: building the bundled repository cache: 2/20 files"
    assert len(lines) == 11 and lines[-1].startswith("metaknow: bundled repository cache built in")


def test_temporaries_of_dead_builders_are_stale_and_live_ones_are_not(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = int(done.stdout)
    names = {f".bundled-ab.sqlite.{dead}.x1.sqlite": True,
             f".bundled-ab.sqlite.{dead}.x1.sqlite-wal": True,
             f".bundled-ab.sqlite.{os.getpid()}.x2.sqlite": False,
             ".bundled-ab.sqlite.oldstyle.sqlite": False,  # no pid, recent: kept for an hour
             "bundled-ab.sqlite": False}
    for name in names:
        (tmp_path / name).write_text("x")
    old = tmp_path / ".bundled-ab.sqlite.older.sqlite"
    old.write_text("x")
    os.utime(old, (0, 0))
    stale = {p.name for p in export.stale_temporaries(tmp_path, "bundled-")}
    assert stale == {n for n, s in names.items() if s} | {old.name}
