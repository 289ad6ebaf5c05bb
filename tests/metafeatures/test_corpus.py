"""Every corpus dataset extracts, and its counts agree with manifest.csv.

The manifest counts rows whose target is missing (the loader sets them aside in
``X_unlabelled``; OpenML-style counts include them) and its ``n_classes`` is pandas'
``nunique(dropna=False)`` of the target, i.e. a missing target counts as one more value.
The four Reuters* files hold an ARFF ``string`` attribute: the loader makes it a
categorical feature, the manifest counts it as non-categorical (documented in
docs/metafeatures.md), so it is added to the manifest's count here.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pandas as pd
import pytest

from metafeatures import MetaFeatureWarning, extract
from metaknow.exceptions import DataError

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "corpus"

#: manifest target degenerate: a single known class, or a single labelled row.
DEGENERATE = {"analcatdata_chall2": "single class", "profb": "single class",
              "cjs": "1 row"}
STRING_ATTRIBUTES = {"ReutersCorn-test": 1, "ReutersCorn-train": 1, "ReutersGrain-test": 1,
                     "ReutersGrain-train": 1}


def _manifest_rows() -> list[dict]:
    path = CORPUS / "manifest.csv"
    if not path.exists():
        return []
    return pd.read_csv(path).to_dict("records")


ROWS = _manifest_rows()


def test_manifest_lists_the_whole_corpus(corpus: Path) -> None:
    assert len(ROWS) == 197
    assert {r["file"] for r in ROWS} == {p.name for p in corpus.glob("*.arff.gz")}


@pytest.mark.shared
@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_dataset_extracts_and_counts_agree(corpus: Path, row: dict) -> None:
    path = corpus / row["file"]
    if row["name"] in DEGENERATE:
        with pytest.raises(DataError, match=DEGENERATE[row["name"]]) as info:
            extract(path, groups="general")
        assert "\n" not in str(info.value)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetaFeatureWarning)  # none may fail on a real dataset
        mf = extract(path, groups="general,statistical,info-theory")
    assert mf["NumberOfInstances"] == row["n_rows"]
    assert mf["NumberOfFeatures"] == row["n_features"] + 1
    target_nominal = row["task"] == "classification"
    assert mf["NumberOfSymbolicFeatures"] - target_nominal == \
        row["n_categorical"] + STRING_ATTRIBUTES.get(row["name"], 0)
    assert mf["NumberOfMissingValues"] == row["n_missing_cells"]
    if target_nominal:
        n_missing_target = mf["NumberOfInstances"] - (mf["MajorityClassSize"] / mf["DefaultAccuracy"])
        assert mf["NumberOfClasses"] + (round(n_missing_target) > 0) == row["n_classes"]
        assert 0 < mf["ClassEntropy"] <= math.log2(mf["NumberOfClasses"]) + 1e-12
    else:
        assert mf["NumberOfClasses"] == 0 and math.isnan(mf["ClassEntropy"])
    # NaN only where undefined: the counts always exist
    assert not mf[["NumberOfInstances", "Dimensionality", "PercentageOfMissingValues",
                   "AutoCorrelation" if mf["NumberOfMissingValues"] == 0 else "NumberOfFeatures",
                   "TargetEntropy"]].isna().any()


#: diverse datasets for the expensive groups too: missing values, nominal-only,
#: regression, many classes, a string attribute, wide
ALL_GROUPS_ON = ["credit.a", "soybean", "mushroom", "abalone", "ReutersCorn-test", "arrhythmia",
                 "cpu.act"]


@pytest.mark.shared
@pytest.mark.parametrize("name", ALL_GROUPS_ON)
def test_every_group_on_diverse_datasets(corpus: Path, name: str) -> None:
    from metafeatures import all_groups

    with warnings.catch_warnings():
        warnings.simplefilter("error", MetaFeatureWarning)
        mf = extract(corpus / f"{name}.arff.gz", max_rows=300, seed=0)
    assert list(mf.index) == [n for g in all_groups() for n in g.definitions]
    assert mf.attrs["subsampled"] == bool(mf["NumberOfInstances"] > 300)
    assert not mf.isin([float("inf"), float("-inf")]).any()
