"""The OpenML mapping and the import of OpenML flow exports (records level)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from metaknow.exceptions import RepositoryError, SpaceError
from metaknow.spaces import get_space
from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord
from repository.sources.openml_export import OpenMLExport, read_header, read_qualities
from repository.sources.openml_mapping import (
    OpenMLRun, RunMapper, flow_mapping, normalise_parameter_name, parse_value, task_name,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "openml"


def _by_type(records: list) -> dict[type, list]:
    out: dict[type, list] = {}
    for r in records:
        out.setdefault(type(r), []).append(r)
    return out


# ---------------------------------------------------------------- the mapping
@pytest.mark.parametrize("raw, expected", [
    ("true", True), ("True", True), ("false", False), ("None", None), ("null", None),
    ('"gini"', "gini"), ("gini", "gini"), ("0.5", 0.5), ("100", 100), ("SAMME.R", "SAMME.R"),
    (0.25, 0.25), (True, True),
])
def test_parse_value_reads_server_json_and_export_tokens(raw, expected):
    value = parse_value(raw)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("name, expected", [
    ("randomforestclassifier__bootstrap", "randomforestclassifier__bootstrap"),
    ("sklearn.ensemble.forest.RandomForestClassifier(16)_bootstrap",
     "randomforestclassifier__bootstrap"),
    ("sklearn.tree.tree.DecisionTreeClassifier(17)_max_depth", "decisiontreeclassifier__max_depth"),
    ("sklearn.pipeline.Pipeline(imputation=openmlstudy14.preprocessing.ConditionalImputer,"
     "classifier=sklearn.ensemble.forest.RandomForestClassifier)(1)_memory", "pipeline__memory"),
])
def test_parameter_names_normalise_to_component_and_parameter(name, expected):
    assert normalise_parameter_name(name) == expected


def test_live_setup_names_and_export_names_give_the_same_configuration():
    mapper = RunMapper(6969)
    export = {"randomforestclassifier__bootstrap": "False", "randomforestclassifier__criterion":
              "entropy", "randomforestclassifier__max_features": 0.3,
              "randomforestclassifier__min_samples_leaf": "4",
              "randomforestclassifier__min_samples_split": "9",
              "randomforestclassifier__max_depth": "None",
              "columntransformer__numeric__imputer__strategy": "most_frequent"}
    rf = "sklearn.ensemble.forest.RandomForestClassifier(16)_"
    live = {rf + "bootstrap": "false", rf + "criterion": '"entropy"', rf + "max_features": "0.3",
            rf + "min_samples_leaf": "4", rf + "min_samples_split": "9", rf + "max_depth": "null",
            rf + "n_jobs": "1", rf + "n_estimators": "100",
            "openmlstudy14.preprocessing.ConditionalImputer(1)_strategy": '"most_frequent"'}
    expected = {"imputer_strategy": "most_frequent", "bootstrap": False, "criterion": "entropy",
                "max_features_kind": "fraction", "max_features": 0.3, "min_samples_leaf": 4,
                "min_samples_split": 9}
    assert mapper.config(export) == expected
    assert mapper.config(live) == expected
    assert get_space("random_forest", "classification").validate(expected) == expected


def test_runs_outside_the_space_are_skipped_with_their_reason():
    mapper = RunMapper(6969)
    params = {"randomforestclassifier__bootstrap": "True", "randomforestclassifier__criterion":
              "gini", "randomforestclassifier__max_features": 0.5,
              "randomforestclassifier__min_samples_leaf": 1,
              "randomforestclassifier__min_samples_split": 2,
              "randomforestclassifier__n_estimators": 500,
              "columntransformer__numeric__imputer__strategy": "mean"}
    assert mapper.evaluation(OpenMLRun(3, params, 0.9)) is None
    assert mapper.skipped == Counter({
        "randomforestclassifier__n_estimators=500 is outside the random_forest space "
        "(fixed at 100)": 1})
    with pytest.raises(SpaceError, match="min_samples_leaf"):
        mapper.config({**params, "randomforestclassifier__n_estimators": 100,
                       "randomforestclassifier__min_samples_leaf": 50})
    assert mapper.evaluation(OpenMLRun(3, {**params, "randomforestclassifier__n_estimators": 100},
                                       math.nan)) is None
    assert mapper.skipped["no predictive_accuracy value"] == 1
    assert mapper.mapped == 0


def test_unknown_flow_names_the_mapped_ones():
    with pytest.raises(RepositoryError, match=r"flow 1234 has no mapping.*6969.*6970"):
        flow_mapping(1234)


def test_adaboost_run_keeps_samme_r():
    mapper = RunMapper(6970)
    ev = mapper.evaluation(OpenMLRun(3, {
        "adaboostclassifier__algorithm": "SAMME.R", "adaboostclassifier__learning_rate": 0.05,
        "adaboostclassifier__base_estimator__max_depth": 3.0,
        "adaboostclassifier__n_estimators": 120.0,
        "columntransformer__numeric__imputer__strategy": "median"}, 0.97, run_id=42))
    assert ev.space_key == "adaboost/classification"
    assert ev.config == {"algorithm": "SAMME.R", "learning_rate": 0.05, "max_depth": 3,
                         "n_estimators": 120, "imputer_strategy": "median"}
    assert ev.metrics == {"predictive_accuracy": 0.97, "accuracy": 0.97}
    assert (ev.fold, ev.repeat, ev.task_name, ev.task_source) == (-1, 0, "openml-task-3", "openml")


# ------------------------------------------------------- a small export fixture
def test_small_export_maps_every_row_keeps_duplicates_and_reports_skips():
    mapper = RunMapper(6969)
    export = OpenMLExport(FIXTURES / "export_small.arff", FIXTURES / "qualities_small.json")
    assert export.header.flow_id == 6969 and export.header.measures == ("predictive_accuracy",)
    records = list(export.records(mapper))
    groups = _by_type(records)
    assert [r.key for r in groups[SpaceRecord]] == ["random_forest/classification"]
    tasks = {t.openml_task_id: t for t in groups[TaskRecord]}
    assert set(tasks) == {11, 37}
    assert (tasks[11].n_rows, tasks[11].n_features, tasks[11].n_classes) == (625, 4, 3)
    assert (tasks[37].n_rows, tasks[37].n_features, tasks[37].n_classes) == (768, 8, 2)
    mf = {m.task_name: m for m in groups[MetaFeatureRecord]}
    assert mf[task_name(11)].extractor == "openml"
    assert mf[task_name(11)].values["MajorityClassSize"] == 288.0
    assert math.isnan(mf[task_name(37)].values["MaxNominalAttDistinctValues"])  # null -> NaN
    evals = groups[EvaluationRecord]
    assert len(evals) == 4 and mapper.mapped == 4
    assert sum(mapper.skipped.values()) == 2  # max_depth=10, and the row without a value
    assert any("max_depth=10" in reason for reason in mapper.skipped)
    on_11 = [e for e in evals if e.task_name == task_name(11)]
    assert [(e.repeat, e.metrics["accuracy"]) for e in on_11] == [(0, 0.8352), (0, 0.7617),
                                                                   (1, 0.8368)]
    assert on_11[0].config == on_11[2].config


def test_header_and_qualities_errors_name_the_problem(tmp_path):
    bad = tmp_path / "plain.arff"
    bad.write_text("@RELATION x\n@ATTRIBUTE a NUMERIC\n@DATA\n1\n")
    with pytest.raises(RepositoryError, match="no JSON header"):
        read_header(bad)
    broken = tmp_path / "broken.arff"
    broken.write_text('% {"flow_id": 6969, "col_parameters": [\n@RELATION x\n')
    with pytest.raises(RepositoryError, match=r"broken.arff:1: the JSON header cannot be read"):
        read_header(broken)
    lacking = tmp_path / "lacking.arff"
    lacking.write_text('% {"flow_id": 6969, "col_parameters": ["a"]}\n')
    with pytest.raises(RepositoryError, match="lacks 'col_measures'"):
        read_header(lacking)
    with pytest.raises(RepositoryError, match="no such file"):
        read_header(tmp_path / "missing.arff.gz")
    unknown = tmp_path / "unknown_flow.arff"
    unknown.write_text((FIXTURES / "export_small.arff").read_text().replace('"flow_id": 6969',
                                                                            '"flow_id": 5'))
    with pytest.raises(RepositoryError, match="flow 5 has no mapping"):
        list(OpenMLExport(unknown).records())
    q = tmp_path / "q.json"
    q.write_text('{"abc": {}}')
    with pytest.raises(RepositoryError, match="'abc' is not an OpenML task id"):
        read_qualities(q)
    q.write_text('{"3": {"NumberOfInstances": "many"}}')
    with pytest.raises(RepositoryError, match="'NumberOfInstances' of task 3 is not a number"):
        read_qualities(q)
    q.write_text("not json")
    with pytest.raises(RepositoryError, match="not a readable JSON qualities file"):
        read_qualities(q)


def test_missing_columns_are_named(tmp_path):
    text = (FIXTURES / "export_small.arff").read_text().replace(
        '"col_measures": ["predictive_accuracy"]', '"col_measures": ["area_under_roc_curve"]')
    path = tmp_path / "auc.arff"
    path.write_text(text)
    with pytest.raises(RepositoryError, match="missing: area_under_roc_curve"):
        OpenMLExport(path)


# The real OpenML100 files (47,000 and 40,000 runs, per-task counts) are checked at the
# store level in test_openml100.py.


# ---------------------------------------------------------------------- CLI
def test_cli_imports_an_export_into_a_store(tmp_path, capsys):
    from cli import main
    from repository.store import Store

    store = tmp_path / "o.sqlite"
    code = main(["repository", "import", "openml-export", str(FIXTURES / "export_small.arff"),
                 "--qualities", str(FIXTURES / "qualities_small.json"), "--store", str(store)])
    out = capsys.readouterr().out
    assert code == 0
    assert "4 evaluations" in out and "runs skipped (no predictive_accuracy value)" in out
    with Store.open(store) as s:
        ev = s.evaluations(space="random_forest/classification")
        assert len(ev) == 4 and sorted(ev["repeat"]) == [0, 0, 0, 1]
        assert s.task(task_name(11), "openml")["n_rows"] == 625
    # Importing the same file again updates, it does not duplicate.
    assert main(["repository", "import", "openml-export", str(FIXTURES / "export_small.arff"),
                 "--store", str(store)]) == 0
    with Store.open(store) as s:
        assert len(s.evaluations()) == 4


def test_cli_bad_export_is_one_line_and_writes_nothing(tmp_path, capsys):
    from cli import main

    bad = tmp_path / "bad.arff"
    bad.write_text("@RELATION x\n@ATTRIBUTE a NUMERIC\n@DATA\n1\n")
    store = tmp_path / "o.sqlite"
    code = main(["repository", "import", "openml-export", str(bad), "--store", str(store)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "no JSON header" in err
    assert not store.exists()  # a failed import leaves no (empty) store behind
