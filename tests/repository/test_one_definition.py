"""A store and a new dataset are compared under one definition of every meta-feature.

The stores hold values of one engine's conventions (:data:`metafeatures.STORE_ENGINE`):
the bundled repository was extracted under it, OpenML's qualities are converted to it
on import (whichever form the server published), and ``recommend`` extracts the query
dataset under it. Each test pins one side of that to the other.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from metafeatures import STORE_ENGINE, engine_version, extract
from metafeatures.conventions import NOT_CONVERTIBLE, to_engine
from repository.sources.openml_mapping import OpenMLTaskInfo, metafeature_record

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
QUALITIES = SHARED / "openml" / "openml100-flows" / "task_qualities.json.gz"
KR_VS_KP = SHARED / "corpus" / "kr.vs.kp.arff.gz"

#: kr-vs-kp (OpenML task 3) as the 2018 export publishes it and as today's server does
EXPORT = {"NumberOfInstances": 3196.0, "MinorityClassSize": 1527.0,
          "MinorityClassPercentage": 0.47778473091364204, "MajorityClassSize": 1669.0,
          "MajorityClassPercentage": 0.522215269086358}
TODAY = {**EXPORT, "MinorityClassPercentage": 47.778473091364205,
         "MajorityClassPercentage": 52.2215269086358}


def test_class_percentages_convert_exactly_both_ways() -> None:
    assert to_engine(EXPORT, "today")["MinorityClassPercentage"] == pytest.approx(47.7784730913642)
    assert to_engine(EXPORT, "today")["MajorityClassPercentage"] == pytest.approx(52.2215269086358)
    assert to_engine(TODAY, "2018")["MinorityClassPercentage"] == pytest.approx(0.477784730913642)
    assert to_engine(TODAY, "2018")["MajorityClassPercentage"] == pytest.approx(52.2215269086358)
    # no class size: the form cannot be told, the value is kept
    assert to_engine({"MinorityClassPercentage": 0.5}, "today") == {"MinorityClassPercentage": 0.5}
    with pytest.raises(ValueError, match="unknown OpenML engine"):
        to_engine(EXPORT, "2030")


def test_export_and_live_server_give_the_same_stored_values() -> None:
    a = metafeature_record(OpenMLTaskInfo(3, qualities=EXPORT))
    b = metafeature_record(OpenMLTaskInfo(3, qualities=TODAY))
    assert a.extractor_version == b.extractor_version == f"openml-server:{STORE_ENGINE}-percentages"
    for name in ("MinorityClassPercentage", "MajorityClassPercentage"):
        assert a.values[name] == pytest.approx(b.values[name], rel=1e-12)


@pytest.mark.skipif(not (QUALITIES.exists() and KR_VS_KP.exists()), reason="needs ../shared")
def test_imported_openml_qualities_match_a_new_extraction_under_the_store_engine() -> None:
    qualities = json.load(gzip.open(QUALITIES))["3"]  # kr-vs-kp
    stored = metafeature_record(OpenMLTaskInfo(3, qualities=qualities)).values
    new = extract(KR_VS_KP, groups="general", openml_engine=STORE_ENGINE)
    for name in ("MinorityClassPercentage", "MajorityClassPercentage", "MinorityClassSize",
                 "NumberOfInstances", "NumberOfClasses"):
        assert stored[name] == pytest.approx(new[name], rel=1e-9), name
    assert "MeanNominalAttDistinctValues" in NOT_CONVERTIBLE  # kept as the server had it


def test_every_class_percentage_of_the_export_is_in_the_store_engines_form() -> None:
    if not QUALITIES.exists():
        pytest.skip("needs ../shared")
    percent = {"today": (True, True), "2018": (True, False)}[STORE_ENGINE]
    for tid, q in json.load(gzip.open(QUALITIES)).items():
        values = metafeature_record(OpenMLTaskInfo(int(tid), qualities=q)).values
        n = values["NumberOfInstances"]
        for name, as_percent in zip(("MajorityClassPercentage", "MinorityClassPercentage"), percent):
            share = values[name.replace("Percentage", "Size")] / n
            assert math.isclose(values[name], 100 * share if as_percent else share,
                                rel_tol=1e-9), (tid, name)


def test_recommend_extracts_the_query_under_the_bundled_stores_engine() -> None:
    from metaknow.dataset import load_dataset
    from metaknow.recommend import _extract
    from repository.builders.bundled import BUNDLED_DIR

    mf = _extract(load_dataset("sklearn:iris"), ["general"], seed=0)
    assert mf.attrs["openml_engine"] == STORE_ENGINE
    assert mf.attrs["extractor_version"] == engine_version(STORE_ENGINE)
    versions = set()
    for path in Path(BUNDLED_DIR).glob("*metafeatures*"):
        text = gzip.open(path, "rt").read() if path.suffix == ".gz" else path.read_text()
        header, *rows = text.splitlines()
        column = header.split(",").index("extractor_version")
        versions |= {row.split(",")[column] for row in rows if row}
    assert versions == {engine_version(STORE_ENGINE)}
