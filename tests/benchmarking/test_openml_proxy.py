"""The OpenML proxy on a tiny hand-made repository whose accuracy law is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metaknow.benchmarking import openml_proxy as px
from cli import main
from metaknow.exceptions import RecommendError
from metaknow.space import canonical_json
from metaknow.spaces import get_space
from repository.view import RepositoryView

SPACE = get_space("random_forest", "classification")


def law(c: dict) -> float:
    """Accuracy falls with min_samples_leaf and with the feature fraction."""
    frac = c["max_features"] if c["max_features_kind"] == "fraction" else 0.5
    return 0.9 - 0.01 * c["min_samples_leaf"] - 0.05 * frac


def tiny_view(n_tasks: int = 3, per_task: int = 60) -> RepositoryView:
    rng = np.random.default_rng(3)
    configs, perf = {}, {}
    for t in range(n_tasks):
        perf[f"t{t}"] = {}
        drawn = [dict(c, max_features_kind="fraction", max_features=float(rng.uniform(0.1, 0.9)))
                 for c in SPACE.sample(rng, per_task)]  # OpenML's runs all use a fraction
        for j, c in enumerate(drawn):
            configs[f"t{t}-{j}"] = (SPACE.key, c)
            perf[f"t{t}"][f"t{t}-{j}"] = law(c)
    P = pd.DataFrame(perf).T.reindex(columns=list(configs))
    mf = pd.DataFrame({"NumberOfFeatures": [5.0, 17.0, 101.0][:n_tasks],
                       "NumberOfInstances": [100.0, 200.0, 300.0][:n_tasks]}, index=P.index)
    return RepositoryView(P, mf, configs, "accuracy", pd.DataFrame({"name": P.index}, index=P.index))


def test_effective_writes_sqrt_as_its_fraction():
    c = SPACE.default()
    assert c["max_features_kind"] == "sqrt"
    e = px.effective(c, 16)
    assert e["max_features_kind"] == "fraction" and e["max_features"] == pytest.approx(0.25)
    assert px.effective(e, 100) == e  # a fraction stays as it is


def test_proxy_percentiles_follow_the_known_law():
    view = tiny_view()
    proxy = px.TaskProxy(n_trees=30).fit(view)
    assert min(proxy.fidelity_.values()) > 0.9  # the law is smooth: surrogates rank well
    good = dict(SPACE.default(), max_features_kind="fraction", max_features=0.1,
                min_samples_leaf=1)
    bad = dict(good, max_features=0.9, min_samples_leaf=20)
    pct = proxy.percentiles("t1", [(SPACE.key, good), (SPACE.key, bad)])
    assert pct[0] > 90 and pct[1] < 10
    # sqrt on 100 features = fraction 0.1: the same prediction as the explicit fraction
    sqrt = dict(good, max_features_kind="sqrt")
    sqrt.pop("max_features")
    assert proxy.percentiles("t2", [(SPACE.key, sqrt)])[0] == pytest.approx(
        proxy.percentiles("t2", [(SPACE.key, good)])[0])


def test_run_proxy_rows_and_ceiling():
    view = tiny_view()
    proxy = px.TaskProxy(n_trees=20).fit(view)
    res = px.run_proxy(view, proxy, ["openml_best", "sklearn_default", "random", "portfolio"],
                       list(view.performance.index), k=2)
    counts = res.groupby("method").size().to_dict()
    assert counts == {"openml_best": 3, "sklearn_default": 3, "random": 6, "portfolio": 6}
    assert res["percentile"].between(0, 100).all()
    best = res[res["method"] == "openml_best"]["percentile"]
    assert (best > 90).all()  # a task's own best run is near the top of its own surrogate
    # leave-one-task-out: the portfolio never proposes the held-out task's own runs
    port = res[res["method"] == "portfolio"]
    for task, config in zip(port["task"], port["config"]):
        own = {canonical_json(p) for c, (_, p) in view.configurations.items()
               if c.startswith(task + "-")}
        assert config not in own


def test_parse_method_and_cli_errors(capsys):
    spec = "surrogate_portfolio:global_weight=1.0,n_neighbors=5"
    assert px.parse_method(spec) == spec
    assert px.make_strategy(spec).get_params()["global_weight"] == 1.0
    with pytest.raises(RecommendError, match="param=value"):
        px.parse_method("portfolio:oops")
    with pytest.raises(RecommendError, match="takes no parameters"):
        px.parse_method("random:k=3")
    with pytest.raises(RecommendError, match="unknown strategy"):
        px.parse_method("nope")
    assert main(["benchmark", "openml-proxy", "--methods", "portfolio:bogus=1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bogus" in err[0]
