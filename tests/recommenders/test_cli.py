"""``metaknow recommend`` end to end through cli.main, on a real SQLite store built here.

The store, the extractor and the data loading are the real ones; only the scores are
made up (seeded), so the test does not spend minutes training models.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

import cli
from metafeatures import extract_dataset
from metaknow.dataset import load_dataset
from metaknow.spaces import get_space
from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord
from repository.store import Store


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    space = get_space("lightgbm", "classification")
    configs = space.design(8, seed=0)
    datasets = [load_dataset(f"sklearn:{n}") for n in ("iris", "wine", "breast_cancer")]
    for i, (n, f) in enumerate([(300, 5), (800, 20), (150, 3), (2000, 8), (500, 40)]):
        X, y = make_classification(n_samples=n, n_features=f, n_informative=min(f, 3), n_redundant=0,
                                   random_state=i)
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(f)]).assign(y=y.astype(str))
        datasets.append(load_dataset(frame, target="y", name=f"synth{i}"))
    rng = np.random.default_rng(0)
    records: list = [SpaceRecord(space.key, space.version, space.to_dict())]
    for ds in datasets:
        records.append(TaskRecord(ds.name, "test", "classification", ds.target, ds.n_rows, ds.n_features,
                                  len(ds.classes), ds.content_hash()))
        mf = extract_dataset(ds, groups=["general"])
        records.append(MetaFeatureRecord(ds.name, "test", mf.to_dict(), "metaknow", "test"))
        for config in configs:
            records.append(EvaluationRecord(ds.name, "test", space.key, space.version, config, -1, 0,
                                            {"roc_auc": float(rng.uniform(0.6, 0.99))}))
    path = tmp_path_factory.mktemp("store") / "repo.sqlite"
    with Store.create(path) as store:
        store.ingest(records, provenance="recommender CLI test")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["recommend", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_output_leaves_the_dataset_itself_out(store_path, capsys):
    code, out, err = run(capsys, "sklearn:iris", "--repository", str(store_path), "--groups", "general",
                         "--k", "3", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["excluded_tasks"] == ["iris"]  # same content hash as the stored task
    assert "iris" not in [n["task_id"] for n in result["nearest_tasks"]]
    assert len(result["configurations"]) == 3 and result["repository"]["n_tasks"] == 8
    assert result["metric"] == "roc_auc" and result["space"] == "lightgbm"


def test_table_output(store_path, capsys):
    code, out, err = run(capsys, "sklearn:wine", "--repository", str(store_path), "--groups", "general",
                         "--k", "2", "--strategy", "nearest_tasks", "--include-self")
    assert code == 0, err
    assert "Nearest prior tasks" in out and "Recommended configurations" in out
    assert "wine" in out and "num_leaves=" in out


def test_the_footer_says_what_the_predicted_score_is(store_path, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("METAKNOW_CACHE", str(tmp_path))
    base = ("sklearn:wine", "--repository", str(store_path), "--groups", "general", "--k", "2")
    code, out, err = run(capsys, *base, "--strategy", "nearest_portfolio")
    assert code == 0, err
    assert "score = normalised score" in " ".join(out.split())
    code, out, err = run(capsys, *base, "--strategy", "expected_gain")
    assert code == 0, err
    assert "gain = predicted gain over the library default in roc_auc" in " ".join(out.split())
    code, out, err = run(capsys, *base, "--strategy", "optimised_portfolio")
    assert code == 0, err
    assert "score = the meta-surrogate's predicted within-task rank" in " ".join(out.split())
    code, out, err = run(capsys, *base, "--strategy", "optimised_portfolio", "--format", "json")
    assert json.loads(out)["score_meaning"].startswith("the meta-surrogate's predicted within-task rank")


@pytest.mark.parametrize("argv, message", [
    (["sklearn:iris", "--space", "nope"], "unknown space 'nope'"),
    (["sklearn:iris", "--space", "random_forest"], "no classification evaluations of space 'random_forest'"),
    (["sklearn:iris", "--strategy", "nope"], "unknown strategy 'nope'"),
    (["missing.csv", "--target", "y"], "missing.csv: no such file"),
    (["sklearn:iris", "--target", "nope"], "target 'nope' is not a column"),
    (["sklearn:iris", "--k", "0"], "k must be a positive integer"),
    (["sklearn:iris", "--task", "clustering"], "--task must be classification or regression"),
])
def test_bad_input_is_one_line_and_exit_2(store_path, capsys, argv, message):
    code, out, err = run(capsys, *argv, "--repository", str(store_path), "--groups", "general")
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_repository_file(tmp_path, capsys):
    code, _, err = run(capsys, "sklearn:iris", "--repository", str(tmp_path / "nope.sqlite"))
    assert code == 2 and "nope.sqlite" in err and len(err.strip().splitlines()) == 1
