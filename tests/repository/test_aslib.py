"""The ASlib scenario importer (records level)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from metaknow.exceptions import RepositoryError
from metaknow.space import SearchSpace
from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord
from repository.sources.aslib import ASlibScenario

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
WEKA = SHARED / "data" / "aslib" / "OPENML-WEKA-2017"

#: A 3 instances x 3 algorithms scenario, hand-written for these tests, with a timeout,
#: a crash without a value, a repeated run and a failed feature run. It is written
#: into a temporary folder by the ``tiny`` fixture (the file names are the format's).
TINY_FILES = {
    "description.txt": """\
scenario_id: TINY-2024
performance_measures:
- predictive_accuracy
maximize:
- true
performance_type:
- solution_quality
algorithm_cutoff_time: 0
algorithm_cutoff_memory: '?'
features_cutoff_time: '?'
features_cutoff_memory: '?'
algorithms_deterministic:
- weka.J48
- weka.NaiveBayes
- weka.RandomForest
algorithms_stochastic: ''
features_deterministic:
- NumberOfInstances
- NumberOfFeatures
- NumberOfClasses
- ClassEntropy
features_stochastic: ''
number_of_feature_steps: 1
default_steps:
- ALL
feature_steps:
  ALL:
    provides:
    - NumberOfInstances
    - NumberOfFeatures
    - NumberOfClasses
    - ClassEntropy
""",
    "feature_values.arff": """\
@RELATION FEATURES_TINY-2024

@ATTRIBUTE instance_id STRING
@ATTRIBUTE repetition NUMERIC
@ATTRIBUTE NumberOfInstances NUMERIC
@ATTRIBUTE NumberOfFeatures NUMERIC
@ATTRIBUTE NumberOfClasses NUMERIC
@ATTRIBUTE ClassEntropy NUMERIC

@DATA
inst_a,1,150,5,3,1.584962500721156
inst_b,1,768,9,2,0.9331343166407831
inst_c,1,1000,21,2,?
""",
    "feature_runstatus.arff": """\
@RELATION FEATURES_RUNSTATUS_TINY-2024

@ATTRIBUTE instance_id STRING
@ATTRIBUTE repetition NUMERIC
@ATTRIBUTE ALL {ok, timeout, memout, not_applicable, crash, other}

@DATA
inst_a,1,ok
inst_b,1,ok
inst_c,1,crash
""",
    "algorithm_runs.arff": """\
% Hand-written for metaknow's tests: 3 instances x 3 algorithms, one timeout,
% one crash without a value, and a second repetition of one run.
@RELATION ALGORITHM_RUNS_TINY-2024

@ATTRIBUTE instance_id STRING
@ATTRIBUTE repetition NUMERIC
@ATTRIBUTE algorithm STRING
@ATTRIBUTE predictive_accuracy NUMERIC
@ATTRIBUTE runstatus {ok, timeout, memout, not_applicable, crash, other}

@DATA
inst_a,1,weka.J48,0.81,ok
inst_a,1,weka.NaiveBayes,0.77,ok
inst_a,1,weka.RandomForest,0.86,ok
inst_a,2,weka.RandomForest,0.85,ok
inst_b,1,weka.J48,0.64,ok
inst_b,1,weka.NaiveBayes,0.70,ok
inst_b,1,weka.RandomForest,?,timeout
inst_c,1,weka.J48,0.91,ok
inst_c,1,weka.NaiveBayes,?,crash
inst_c,1,weka.RandomForest,0.95,ok
""",
    "cv.arff": """\
@RELATION CV_TINY-2024

@ATTRIBUTE instance_id STRING
@ATTRIBUTE repetition NUMERIC
@ATTRIBUTE fold NUMERIC

@DATA
inst_a,1,1
inst_b,1,2
inst_c,1,1
""",
}


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """The TINY-2024 scenario in a fresh folder."""
    folder = tmp_path / "TINY-2024"
    folder.mkdir()
    for name, text in TINY_FILES.items():
        (folder / name).write_text(text)
    return folder


def _by_type(records: list) -> dict[type, list]:
    out: dict[type, list] = {}
    for r in records:
        out.setdefault(type(r), []).append(r)
    return out


def test_tiny_scenario_imports_tasks_features_space_and_every_run(tiny):
    groups = _by_type(list(ASlibScenario(tiny).records()))
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


def test_missing_file_and_missing_column_are_named(tmp_path, tiny):
    with pytest.raises(RepositoryError, match="not an ASlib scenario folder"):
        ASlibScenario(tmp_path / "nowhere")
    copy = tiny
    (copy / "feature_values.arff").unlink()
    with pytest.raises(RepositoryError, match="lacks feature_values.arff"):
        ASlibScenario(copy)
    (copy / "feature_values.arff").write_text(TINY_FILES["feature_values.arff"])
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


def test_cli_imports_a_scenario(tmp_path, tiny, capsys):
    from cli import main
    from repository.store import Store

    store = tmp_path / "a.sqlite"
    assert main(["repository", "import", "aslib", str(tiny), "--store", str(store)]) == 0
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
