"""The fit-cost model: known curves recovered, fit times read from a real store, and the
predictions and the affordability filter in ``recommend`` and ``metaknow recommend``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cli
from metafeatures import extract_dataset
from metaknow.dataset import load_dataset
from metaknow.exceptions import RecommendError
from metaknow.recommend import recommend, recommend_from_view
from metaknow.recommenders.fit_cost import FitCostModel
from metaknow.spaces import get_space
from metaknow.tune import WARM_START_TRIAL_SHARE, _affordable_fit
from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord
from repository.store import Store
from repository.view import RepositoryView

SPACE = get_space("lightgbm", "classification")
#: The default's curve: seconds = exp(B0) + exp(B1) * n**D * p**C (binary tasks, K = 1).
B0, B1, D, C = math.log(0.05), math.log(2e-5), 0.9, 0.5
#: Log cost of configuration x / y relative to the default: level at log n = 0, slope.
LINES = {"x": (0.2, 0.1), "y": (-0.3, 0.0)}


def default_seconds(n: float, p: float) -> float:
    return math.exp(B0) + math.exp(B1) * n ** D * p ** C


def curve_view(sizes: list[tuple[int, int]]) -> RepositoryView:
    """Tasks of the given (rows, features) whose fit times follow the curve exactly."""
    tasks = [f"t{i}" for i in range(len(sizes))]
    times = pd.DataFrame(index=tasks, columns=["d", "x", "y"], dtype=float)
    for t, (n, p) in zip(tasks, sizes):
        times.loc[t, "d"] = default_seconds(n, p)
        for c, (level, slope) in LINES.items():
            times.loc[t, c] = default_seconds(n, p) * math.exp(level + slope * math.log(n))
    configs = [SPACE.default()] + SPACE.design(2, seed=3, include_default=False)[:2]
    return RepositoryView(
        performance=pd.DataFrame(0.8, index=tasks, columns=["d", "x", "y"]),
        metafeatures=pd.DataFrame({"f": range(len(tasks))}, index=tasks, dtype=float),
        configurations={c: (SPACE.key, cfg) for c, cfg in zip(["d", "x", "y"], configs)},
        metric="roc_auc",
        tasks=pd.DataFrame({"name": tasks, "task_type": "classification",
                            "n_train": [n for n, _ in sizes], "n_features": [p for _, p in sizes],
                            "n_classes": 2}, index=tasks),
        defaults={SPACE.key: "d"}, fit_times=times)


SIZES = [(n, p) for n in (50, 120, 300, 700, 1300) for p in (4, 11, 30)]


@pytest.mark.parametrize("n, p", [(200_000, 7), (900, 20)])
def test_a_known_curve_and_known_lines_are_recovered_at_a_size_never_seen(n: int, p: int) -> None:
    model = FitCostModel().fit(curve_view(SIZES))
    got = model.predict(["d", "x", "y"], n, p, 2)
    # the relative lines hold up to the largest prior task (1,300 rows), then stay level
    log_n = math.log(min(n, 1300))
    want = [default_seconds(n, p) * math.exp(level + slope * log_n)
            for level, slope in [(0.0, 0.0), *LINES.values()]]
    np.testing.assert_allclose(got, want, rtol=1e-3)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(10, 10**7), p=st.integers(1, 2000))
def test_predictions_are_positive_and_ordered_like_the_lines(n: int, p: int) -> None:
    got = FITTED.predict(["d", "x", "y"], n, p, 2)
    assert np.all(got > 0)
    # x costs exp(0.2 + 0.1 log n) > 1 times the default; y exp(-0.3) < 1 times
    assert got[1] > got[0] > got[2]


FITTED = FitCostModel().fit(curve_view(SIZES))


def test_more_classes_cost_more_only_beyond_two() -> None:
    binary, three, ten = (FITTED.predict(["d"], 1000, 10, k)[0] for k in (2, 3, 10))
    assert binary <= three <= ten
    assert FITTED.predict(["d"], 1000, 10, None)[0] == binary


def test_unknown_configurations_and_views_without_times_give_nan() -> None:
    assert np.isnan(FITTED.predict(["nope"], 1000, 10, 2)[0])
    view = curve_view(SIZES)
    bare = RepositoryView(view.performance, view.metafeatures, view.configurations, view.metric,
                          view.tasks, view.defaults)
    assert np.isnan(FitCostModel().fit(bare).predict(["d", "x"], 1000, 10, 2)).all()
    assert np.isnan(FITTED.predict(["d"], float("nan"), 10, 2)[0])


# ------------------------------------------------------- a real store, end to end
@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory):
    """Eight real datasets; the default's stored fit times follow the curve, a slow
    configuration's are 20 times the default's, the others 1 to 2 times."""
    configs = SPACE.design(6, seed=0)
    default = SPACE.default()
    slow = dict(configs[1])
    datasets = [load_dataset(f"sklearn:{n}") for n in ("iris", "wine", "breast_cancer", "digits")]
    rng = np.random.default_rng(0)
    for i, n in enumerate((300, 900, 150, 600)):
        X = rng.normal(size=(n, 5))
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(5)]).assign(
            y=np.where(X[:, 0] + rng.normal(size=n) > 0, "a", "b"))
        datasets.append(load_dataset(frame, target="y", name=f"synth{i}"))
    records: list = [SpaceRecord(SPACE.key, SPACE.version, SPACE.to_dict())]
    for ds in datasets:
        records.append(TaskRecord(ds.name, "test", "classification", ds.target, ds.n_rows,
                                  ds.n_features, len(ds.classes), ds.content_hash()))
        records.append(MetaFeatureRecord(ds.name, "test",
                                         extract_dataset(ds, groups=["general"]).to_dict(),
                                         "metaknow", "test"))
        n_train = int(ds.n_rows * 2 / 3)
        base = default_seconds(n_train, ds.n_features)
        for config in [default] + [c for c in configs if c != default]:
            factor = 1.0 if config == default else 20.0 if config == slow else \
                float(rng.uniform(1.0, 2.0))
            for fold in range(3):
                records.append(EvaluationRecord(
                    ds.name, "test", SPACE.key, SPACE.version, config, fold, 0,
                    {"roc_auc": float(rng.uniform(0.6, 0.99))}, fit_time=base * factor,
                    n_train=n_train))
    path = tmp_path_factory.mktemp("store") / "repo.sqlite"
    with Store.create(path) as store:
        store.ingest(records, provenance="fit-cost test")
    return path


def test_the_view_holds_mean_fit_seconds_and_training_sizes(store_path) -> None:
    with Store.open(store_path, readonly=True) as store:
        view = store.view("lightgbm", "classification")
        default = view.defaults[SPACE.key]
        iris = view.tasks.index[view.tasks["name"] == "iris"][0]
        assert view.tasks.loc[iris, "n_train"] == 100
        assert view.fit_times.loc[iris, default] == pytest.approx(default_seconds(100, 4))
        assert view.fit_times.shape == view.performance.shape
        less = view.without_tasks([iris])
        assert iris not in less.fit_times.index and less.fit_times.shape == less.performance.shape


def test_recommend_predicts_seconds_and_leaves_out_the_unaffordable(store_path) -> None:
    data = load_dataset("sklearn:breast_cancer")
    common = dict(space="lightgbm", repository=str(store_path), groups=["general"], k=6,
                  include_self=True)
    every = recommend(data, **common)
    seconds = {c.config_id: c.fit_seconds for c in every.configurations}
    assert all(s > 0 for s in seconds.values())
    default_s = every.default.fit_seconds
    slow = max(seconds, key=seconds.get)
    assert seconds[slow] > 10 * default_s
    cheap = recommend(data, max_fit_seconds=5 * default_s, **common)
    assert slow not in {c.config_id for c in cheap.configurations}
    assert all(c.fit_seconds <= 5 * default_s or c.is_default for c in cheap.configurations)
    assert any(n.startswith("left out 1 configuration(s) predicted to take over")
               for n in cheap.notes)


@pytest.mark.parametrize("bad", [0, -1.0, "5", True])
def test_a_bad_cost_limit_is_refused(bad) -> None:
    with pytest.raises(RecommendError, match="max_fit_seconds must be a positive number"):
        recommend("sklearn:iris", max_fit_seconds=bad)


def test_the_cli_shows_the_cost_column_and_refuses_a_bad_limit(store_path, capsys) -> None:
    argv = ["recommend", "sklearn:wine", "--repository", str(store_path), "--groups", "general",
            "--k", "3"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "fit s" in out and "predicted seconds of one fit on all rows" in out
    assert cli.main(argv + ["--max-fit-seconds", "-2"]) == 2
    err = capsys.readouterr().err
    assert "max_fit_seconds must be a positive number" in err and len(err.strip().splitlines()) == 1


def test_the_json_round_trip_keeps_the_predicted_seconds(store_path) -> None:
    from metaknow.recommenders.result import Recommendation

    rec = recommend("sklearn:wine", space="lightgbm", repository=str(store_path),
                    groups=["general"], k=3)
    back = Recommendation.from_json(rec.to_json())
    assert [c.fit_seconds for c in back.configurations] == [c.fit_seconds for c in rec.configurations]
    assert "fit_seconds" in rec.to_frame().columns


def test_a_wall_time_bounds_the_warm_start_by_predicted_trial_cost() -> None:
    assert _affordable_fit(None, 5) is None
    assert _affordable_fit(60.0, 5) == pytest.approx(60.0 * WARM_START_TRIAL_SHARE / 5)


def test_recommend_from_view_with_no_fit_times_shows_nan() -> None:
    view = curve_view(SIZES)
    bare = RepositoryView(view.performance, view.metafeatures, view.configurations, view.metric,
                          view.tasks, view.defaults)
    rec = recommend_from_view(bare, pd.Series({"f": 1.0}), k=2, strategy="portfolio")
    assert all(math.isnan(c.fit_seconds) for c in rec.configurations)


def test_tune_with_a_wall_time_starts_only_from_affordable_configurations(store_path) -> None:
    from metaknow.tune import tune

    # wine: the default is predicted ~0.06 s per fit, the slow configuration 20 times that;
    # 6 s * 0.25 / 3 folds = 0.5 s per fit leaves the slow one out.
    result = tune("sklearn:wine", space="lightgbm", budget=4, warm_start=6, wall_time=6.0, cv=3,
                  repository=str(store_path), refit=False)
    assert any(n.startswith("warm start: left out 1 configuration(s) predicted to take over 0.5 s")
               for n in result.notes), result.notes


def test_learning_curves_are_read_from_an_export_and_extend_the_lines(tmp_path) -> None:
    from repository.learning_curves import fit_times_by_size

    (tmp_path / "evaluations" / "lightgbm").mkdir(parents=True)
    (tmp_path / "tasks.csv").write_text(
        "name,source,task_type,target,n_rows,n_features,n_classes\n"
        "big,fidelity-x,classification,y,90000,7,2\n"
        "other,fidelity-x,classification,y,90000,7,2\n"
        "reg,fidelity-x,regression,y,90000,7,\n")
    lines = ["config_hash,space_version,fold,repeat,n_train,status,fit_time,predict_time,roc_auc,error"]
    for n in (1000, 64000):
        for c, s in (("d", 1.0), ("x", 3.0), ("bad", 9.0)):
            status = "crash" if c == "bad" else "ok"
            lines.append(f"{c},1,0,0,{n},{status},{s * n / 1000},0.1,0.8,")
    (tmp_path / "evaluations" / "lightgbm" / "big.csv").write_text("\n".join(lines) + "\n")
    times, sizes = fit_times_by_size("lightgbm", "classification", tmp_path)
    assert list(times.index) == ["big@1000", "big@64000"]
    assert sorted(times.columns) == ["lightgbm-d", "lightgbm-x"]
    assert times.loc["big@64000", "lightgbm-x"] == pytest.approx(192.0)
    assert sizes.loc["big@1000", "n_features"] == 7 and sizes.loc["big@1000", "n_train"] == 1000
    assert fit_times_by_size("lightgbm", "classification", tmp_path, exclude=["big"])[0].empty
    assert fit_times_by_size("lightgbm", "regression", tmp_path)[0].empty
    assert fit_times_by_size("lightgbm", "classification", tmp_path / "nope")[0].empty
    # the curve points join a view's times under the view's configuration ids
    view = curve_view(SIZES)
    renamed = times.rename(columns={"lightgbm-d": "d", "lightgbm-x": "x"})
    model = FitCostModel().fit(view, (renamed, sizes))
    assert model.relative_.loc["x", "top"] == pytest.approx(math.log(64000))
