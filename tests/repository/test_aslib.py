"""The ASlib scenario importer (records level)."""

from __future__ import annotations

import math
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from metaknow.exceptions import RepositoryError
from metaknow.space import SearchSpace
from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord
from repository.sources.aslib import ASlibScenario

TINY = Path(__file__).resolve().parent / "fixtures" / "aslib" / "TINY-2024"
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
WEKA = SHARED / "data" / "aslib" / "OPENML-WEKA-2017"


def _by_type(records: list) -> dict[type, list]:
    out: dict[type, list] = {}
    for r in records:
        out.setdefault(type(r), []).append(r)
    return out


def test_tiny_scenario_imports_tasks_features_space_and_every_run():
    groups = _by_type(list(ASlibScenario(TINY).records()))
    (space_rec,) = groups[SpaceRecord]
    space = SearchSpace.from_dict(dict(space_rec.definition))
    assert space_rec.key == "aslib_tiny_2024/classification"
    assert space["algorithm"].choices == ("weka.J48", "weka.NaiveBayes", "weka.RandomForest")
    tasks = {t.name: t for t in groups[TaskRecord]}
    assert set(tasks) == {"inst_a", "inst_b", "inst_c"}
    assert {t.source for t in tasks.values()} == {"aslib:TINY-2024"}
    assert (tasks["inst_a"].n_rows, tasks["inst_a"].n_features, tasks["inst_a"].n_classes) == (
        150, 4, 3)
    assert tasks["inst_b"].protocol["cv_fold_repetition_1"] == 2
    assert tasks["inst_a"].openml_task_id is None  # not an OpenML scenario
    # inst_c's feature run crashed: no meta-features for it.
    assert sorted(m.task_name for m in groups[MetaFeatureRecord]) == ["inst_a", "inst_b"]
    evals = groups[EvaluationRecord]
    assert len(evals) == 10
    assert Counter(e.status for e in evals) == Counter({"ok": 8, "timeout": 1, "crash": 1})
    rf_a = [e for e in evals if e.task_name == "inst_a" and e.config["algorithm"] ==
            "weka.RandomForest"]
    assert [(e.repeat, e.metrics["accuracy"]) for e in rf_a] == [(0, 0.86), (1, 0.85)]
    crash = next(e for e in evals if e.status == "crash")
    assert crash.metrics == {} and "crash" in crash.error
    for e in evals:
        assert space.is_valid(e.config)


def test_missing_file_and_missing_column_are_named(tmp_path):
    with pytest.raises(RepositoryError, match="not an ASlib scenario folder"):
        ASlibScenario(tmp_path / "nowhere")
    copy = tmp_path / "TINY"
    shutil.copytree(TINY, copy)
    (copy / "feature_values.arff").unlink()
    with pytest.raises(RepositoryError, match="lacks feature_values.arff"):
        ASlibScenario(copy)
    shutil.copy(TINY / "feature_values.arff", copy)
    runs = (copy / "algorithm_runs.arff").read_text().replace("predictive_accuracy", "acc")
    (copy / "algorithm_runs.arff").write_text(runs)
    with pytest.raises(RepositoryError, match="lacks columns predictive_accuracy"):
        ASlibScenario(copy)
    (copy / "description.txt").write_text("just: [unbalanced\n")
    with pytest.raises(RepositoryError, match="description"):
        ASlibScenario(copy)


@pytest.mark.shared
def test_openml_weka_2017_imports():
    if not WEKA.is_dir():
        pytest.skip(f"{WEKA} is absent (the shared ASlib scenario is not beside the checkout)")
    groups = _by_type(list(ASlibScenario(WEKA).records()))
    assert len(groups[TaskRecord]) == 105
    assert len(groups[MetaFeatureRecord]) == 105
    evals = groups[EvaluationRecord]
    assert len(evals) == 105 * 30
    assert Counter(len({e.config["algorithm"] for e in evals if e.task_name == t.name})
                   for t in groups[TaskRecord]) == Counter({30: 105})
    # Instances are OpenML tasks; the first data line is task 2097, MLP (8990) 0.883826.
    first = evals[0]
    assert (first.task_name, first.config["algorithm"], first.metrics["accuracy"]) == (
        "2097", "8990_weka.MultilayerPerceptron", 0.883826)
    t2097 = next(t for t in groups[TaskRecord] if t.name == "2097")
    assert t2097.openml_task_id == 2097 and t2097.n_rows == 6430
    mf = next(m for m in groups[MetaFeatureRecord] if m.task_name == "2097")
    assert len(mf.values) == 103 and mf.values["NumberOfInstances"] == 6430.0
    assert not any(math.isinf(v) for v in mf.values.values())


def test_cli_imports_a_scenario(tmp_path, capsys):
    from cli import main
    from repository.store import Store

    store = tmp_path / "a.sqlite"
    assert main(["repository", "import", "aslib", str(TINY), "--store", str(store)]) == 0
    assert "10 evaluations" in capsys.readouterr().out
    with Store.open(store) as s:
        view = s.view("aslib_tiny_2024", metric="accuracy")
        assert view.performance.shape == (3, 3)
        # inst_a's RandomForest ran twice: the view averages the repetitions.
        rf = next(c for c, (_, p) in view.configurations.items()
                  if p == {"algorithm": "weka.RandomForest"})
        assert view.performance.loc["inst_a", rf] == pytest.approx(0.855)
        assert np.isnan(view.performance.loc["inst_b", rf])  # the timeout has no score
    code = main(["repository", "import", "aslib", str(tmp_path / "none"), "--store", str(store)])
    assert code == 2 and "not an ASlib scenario folder" in capsys.readouterr().err
