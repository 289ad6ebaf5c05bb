"""A small end-to-end run of ``metaknow benchmark warm-start`` on two real corpus datasets.

The smoke version of the benchmark CI can afford: two small classification datasets of the
shared corpus, the bundled repository without each of them, a budget of 4 evaluations, one
seed. It checks the run files, the leave-one-dataset-out view, that both warm-started
methods start from the same recommendations, the report, and that a rerun resumes
instead of recomputing.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from cli import main
from metaknow.benchmarking.warm_start import held_out_view

DATASETS = ("labor", "analcatdata_creditscore")
METHODS = ("metaknow-warm5", "metaknow-cold", "random", "optuna-tpe-warm", "library-default",
           "metaknow-transfer", "metaknow-portfolio10")
BUDGET = 4


@pytest.fixture(scope="module")
def finished(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("optuna")
    out = tmp_path_factory.mktemp("warm_start")
    argv = ["benchmark", "warm-start", "--datasets", ",".join(DATASETS), "--spaces", "lightgbm",
            "--methods", ",".join(METHODS), "--seeds", "1", "--budget", str(BUDGET),
            "--corpus", str(corpus), "--out", str(out)]
    assert main(argv) == 0
    return out


def _run(out: Path, dataset: str, method: str) -> pd.DataFrame:
    return pd.read_csv(out / "runs" / "lightgbm" / dataset / f"{method}__seed0.csv")


def test_every_run_uses_its_budget(finished: Path) -> None:
    for dataset in DATASETS:
        for method in METHODS:
            run = _run(finished, dataset, method)
            assert len(run) == (1 if method == "library-default" else BUDGET), (dataset, method)
            assert run["best_so_far"].is_monotonic_increasing
            assert (run["best_so_far"] >= run["score"]).all()
            assert run["score"].between(0, 1).all()  # ROC AUC


def test_warm_methods_start_from_the_same_recommendations(finished: Path) -> None:
    for dataset in DATASETS:
        ours = _run(finished, dataset, "metaknow-warm5")["config_id"].tolist()
        optuna = _run(finished, dataset, "optuna-tpe-warm")["config_id"].tolist()
        assert ours == optuna  # budget 4 < 5 recommendations: both evaluate only those
        cold = _run(finished, dataset, "metaknow-cold")["config_id"].tolist()
        default = _run(finished, dataset, "library-default")["config_id"].tolist()
        assert cold[0] == default[0]  # the cold design starts at the library default


def test_report_written(finished: Path) -> None:
    results = pd.read_csv(finished / "results.csv")
    assert set(results["method"]) == set(METHODS)
    assert set(results["n"]) >= {1}
    summary = (finished / "summary.md").read_text()
    assert "metaknow-warm5" in summary
    assert (finished / "anytime.png").stat().st_size > 0


def test_rerun_resumes_without_recomputing(finished: Path, corpus: Path) -> None:
    files = sorted((finished / "runs").rglob("*.csv"))
    before = {p: p.stat().st_mtime_ns for p in files}
    argv = ["benchmark", "warm-start", "--datasets", ",".join(DATASETS), "--spaces", "lightgbm",
            "--methods", ",".join(METHODS), "--seeds", "1", "--budget", str(BUDGET),
            "--corpus", str(corpus), "--out", str(finished)]
    assert main(argv) == 0
    assert {p: p.stat().st_mtime_ns for p in files} == before


def test_recommendations_are_recorded(finished: Path) -> None:
    for dataset in DATASETS:
        record = pd.read_csv(finished / "runs" / "lightgbm" / dataset / "recommendations.csv")
        assert record["rank"].tolist() == list(range(1, len(record) + 1))
        assert len(record) == 10
        warm = _run(finished, dataset, "metaknow-warm5")["config_id"].tolist()
        assert warm == record["config_id"].tolist()[:BUDGET]


def test_lookup_time_is_recorded_and_charged_to_warm_runs(finished: Path) -> None:
    results = pd.read_csv(finished / "results.csv").set_index(["dataset", "method", "n"])
    for dataset in DATASETS:
        lookup = pd.read_csv(finished / "runs" / "lightgbm" / dataset / "lookup.csv")["seconds"]
        assert len(lookup) == 1 and lookup.iloc[0] > 0
        raw = _run(finished, dataset, "metaknow-warm5")["elapsed"].iloc[0]
        assert results.loc[(dataset, "metaknow-warm5", 1), "elapsed"] == pytest.approx(
            raw + lookup.iloc[0], rel=1e-4)
        cold = _run(finished, dataset, "metaknow-cold")["elapsed"].iloc[0]
        assert results.loc[(dataset, "metaknow-cold", 1), "elapsed"] == pytest.approx(cold, rel=1e-4)


def test_references_are_the_held_out_datasets_stored_scores(finished: Path) -> None:
    """The design's best and median on the held-out dataset, measured with the benchmark's
    own protocol: the library default (one of the design) scores what the repository holds."""
    from metaknow.recommend import open_view

    view = open_view("bundled", "lightgbm", "classification", None)
    default_id = view.defaults["lightgbm/classification"]
    for dataset in DATASETS:
        refs = pd.read_csv(finished / "runs" / "lightgbm" / dataset / "references.csv")
        refs = refs.set_index("reference")
        task = view.tasks.index[view.tasks["name"] == dataset][0]
        stored = view.performance.loc[task]
        assert refs.loc["design-best", "score"] == pytest.approx(stored.max(), rel=1e-5)
        assert refs.loc["design-median", "score"] == pytest.approx(stored.median(), rel=1e-5)
        assert refs.loc["design-best", "configurations"] == stored.notna().sum()
        default = _run(finished, dataset, "library-default")["score"].iloc[0]
        assert default == pytest.approx(stored[default_id], abs=1e-6)
    assert "Reference, seen by no method" in (finished / "summary.md").read_text()


def test_changed_recommendations_redo_only_warm_runs(finished: Path, corpus: Path) -> None:
    """A record that no longer matches what the code recommends retires the warm runs."""
    record = finished / "runs" / "lightgbm" / DATASETS[0] / "recommendations.csv"
    current = record.read_text()
    redone = _redone_after_stale_record(finished, corpus, DATASETS[0], record.name)
    assert redone == {"metaknow-warm5", "optuna-tpe-warm", "metaknow-transfer"}
    assert record.read_text() == current


def _redone_after_stale_record(finished: Path, corpus: Path, dataset: str, record: str) -> set[str]:
    """Reverse the recorded list ``record`` of ``dataset``, rerun, and return the methods redone."""
    run_dir = finished / "runs" / "lightgbm" / dataset
    stale = pd.read_csv(run_dir / record)
    stale["config_id"] = stale["config_id"].iloc[::-1].tolist()
    stale.to_csv(run_dir / record, index=False)
    files = {m: run_dir / f"{m}__seed0.csv" for m in METHODS}
    before = {m: p.stat().st_mtime_ns for m, p in files.items()}
    argv = ["benchmark", "warm-start", "--datasets", dataset, "--spaces", "lightgbm",
            "--methods", ",".join(METHODS), "--seeds", "1", "--budget", str(BUDGET),
            "--corpus", str(corpus), "--out", str(finished)]
    assert main(argv) == 0
    return {m for m, p in files.items() if p.stat().st_mtime_ns != before[m]}


def test_optimised_portfolio_is_recorded_charged_and_retired_on_its_own(finished: Path,
                                                                        corpus: Path) -> None:
    results = pd.read_csv(finished / "results.csv").set_index(["dataset", "method", "n"])
    for dataset in DATASETS:
        run_dir = finished / "runs" / "lightgbm" / dataset
        record = pd.read_csv(run_dir / "optimised.csv")
        assert len(record) == 10
        ran = _run(finished, dataset, "metaknow-portfolio10")["config_id"].tolist()
        assert ran == record["config_id"].tolist()[:BUDGET]
        lookup = pd.read_csv(run_dir / "lookup-optimised.csv")["seconds"].iloc[0]
        raw = _run(finished, dataset, "metaknow-portfolio10")["elapsed"].iloc[0]
        assert results.loc[(dataset, "metaknow-portfolio10", 1), "elapsed"] == pytest.approx(
            raw + lookup, rel=1e-4)
        # the transfer loop starts from the nearest-tasks recommendations
        assert (_run(finished, dataset, "metaknow-transfer")["config_id"].tolist()
                == _run(finished, dataset, "metaknow-warm5")["config_id"].tolist())
    redone = _redone_after_stale_record(finished, corpus, DATASETS[1], "optimised.csv")
    assert redone == {"metaknow-portfolio10"}


def test_held_out_view_leaves_the_dataset_out(corpus: Path) -> None:
    from metaknow.dataset import load_dataset
    from metaknow.recommend import open_view

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_dataset(corpus / "labor.arff.gz", target="class", name="labor")
    full = open_view("bundled", "lightgbm", "classification", None)
    view = held_out_view("bundled", "lightgbm", data)
    assert "labor" in set(full.tasks["name"])
    assert "labor" not in set(view.tasks["name"])
    assert len(view.performance) == len(full.performance) - 1


def test_bad_dataset_name_is_one_line(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["benchmark", "warm-start", "--datasets", "no-such-dataset", "--corpus", str(corpus),
            "--out", "unused"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "no-such-dataset" in err and len(err.splitlines()) == 1


def test_a_method_for_another_space_is_left_out(corpus: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """FLAML's zero-shot configuration exists for LightGBM only: on the random-forest space
    the benchmark runs the other methods and says what it left out."""
    argv = ["benchmark", "warm-start", "--datasets", "labor", "--spaces", "random_forest",
            "--methods", "library-default,flaml-zeroshot", "--seeds", "1", "--budget", "2",
            "--corpus", str(corpus), "--out", str(tmp_path)]
    assert main(argv) == 0
    run_dir = tmp_path / "runs" / "random_forest" / "labor"
    assert sorted(p.name for p in run_dir.glob("*__seed*.csv")) == ["library-default__seed0.csv"]
    assert "flaml-zeroshot does not apply to random_forest" in capsys.readouterr().out


def test_held_out_split_is_disjoint_stratified_and_scored(corpus: Path, tmp_path: Path) -> None:
    import json

    from metaknow.benchmarking.warm_start import holdout_split
    from metaknow.dataset import load_dataset
    from metaknow.spaces import get_space

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = load_dataset(corpus / "credit.a.arff.gz", name="credit.a")
    tune, test = holdout_split(data, 0.25)
    assert tune.n_rows + test.n_rows == data.n_rows and test.n_rows == round(0.25 * data.n_rows)
    share = data.y.value_counts(normalize=True)
    assert (test.y.value_counts(normalize=True) - share).abs().max() < 0.1
    def lines(X: pd.DataFrame) -> list[str]:
        return X.to_csv(index=False, header=False).splitlines()

    assert sorted(lines(tune.X) + lines(test.X)) == sorted(lines(data.X))  # a partition of the rows

    argv = ["benchmark", "warm-start", "--datasets", "labor", "--spaces", "lightgbm",
            "--methods", "metaknow-cold,library-default", "--seeds", "1", "--budget", "5",
            "--test-split", "0.25", "--corpus", str(corpus), "--out", str(tmp_path)]
    assert main(argv) == 0
    run = pd.read_csv(tmp_path / "runs" / "lightgbm" / "labor" / "metaknow-cold__seed0.csv")
    space = get_space("lightgbm", "classification")
    assert all(space.is_valid(json.loads(c)) for c in run["config"])
    scored = run.dropna(subset=["test_score"])
    assert scored["n"].tolist() == [1, 5] and scored["test_score"].between(0, 1).all()
    assert not (tmp_path / "runs" / "lightgbm" / "labor" / "references.csv").exists()
    assert "test@5" in (tmp_path / "summary.md").read_text()
