"""The model-based group: a tree's structure by hand, pymfe agreement, data shapes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from metafeatures.context import DatasetContext
from metafeatures.model_based import DEFINITIONS, GROUP, compute
from metafeatures.registry import get_group
from metaknow.dataset import load_dataset


def ctx_of(X: pd.DataFrame, y, task: str = "classification") -> DatasetContext:
    return DatasetContext(load_dataset((X, pd.Series(y)), task=task), seed=0)


def test_group_is_registered() -> None:
    assert get_group("model-based") is GROUP and GROUP.expensive
    assert set(GROUP.definitions) == set(DEFINITIONS)


def test_and_rule_tree_by_hand() -> None:
    # y = x0 AND x1, each combination twice: root split, one more split, 3 leaves
    X = pd.DataFrame({"x0": [0, 0, 1, 1] * 2, "x1": [0, 1, 0, 1] * 2}, dtype=float)
    y = np.array(["no", "no", "no", "yes"] * 2)
    out = compute(ctx_of(X, y))
    expected = {
        "TreeNodes": 2, "TreeLeaves": 3, "TreeDepth": 2,
        "TreeNodeDepthMean": (0 + 1 + 1 + 2 + 2) / 5,
        "TreeLeafDepthMin": 1, "TreeLeafDepthMax": 2, "TreeLeafDepthMean": 5 / 3,
        "TreeLeavesPerClassMean": 0.5, "TreeLeavesPerClassSd": np.std([2 / 3, 1 / 3], ddof=1),
        "TreeClassesWithLeafFraction": 1.0,
        "TreeAttributesUsed": 2, "TreeAttributesUsedFraction": 1.0,
        "TreeNodesPerAttribute": 1.0, "TreeNodesPerInstance": 2 / 8, "TreeLeavesPerInstance": 3 / 8,
        "TreeNodesPerLevelMean": 1.0, "TreeNodesPerLevelSd": 0.0,
        "TreeNodesRepeatedMean": 1.0, "TreeNodesRepeatedSd": 0.0,
        "TreeLeafSupportMean": 1 / 3, "TreeLeafSupportSd": np.std([0.5, 0.25, 0.25], ddof=1),
        # p = 2^-1 and 2^-2: -p log2 p = 0.5 for both
        "TreeShapeMean": 0.5, "TreeShapeSd": 0.0,
        "TreeLeafHomogeneityMean": 6.0, "TreeLeafHomogeneitySd": 0.0,
        "TreeImportanceMean": 0.5,
    }
    for name, value in expected.items():
        assert out[name] == pytest.approx(value), name


def test_nominal_attribute_counts_once() -> None:
    # a 3-level attribute needs two indicator splits: one attribute, used twice
    colour = np.array(["r", "g", "b"] * 6)
    X = pd.DataFrame({"colour": pd.Categorical(colour)})
    out = compute(ctx_of(X, colour))
    assert out["TreeNodes"] == 2
    assert out["TreeAttributesUsed"] == 1
    assert out["TreeNodesRepeatedMean"] == 2
    assert out["TreeImportanceMean"] == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer"])
def test_agrees_with_pymfe_on_numeric_data(name: str) -> None:
    from pymfe.mfe import MFE

    ds = load_dataset(f"sklearn:{name}")
    ours = compute(DatasetContext(ds, seed=0))
    mfe = MFE(groups=["model-based"], summary=["mean", "sd", "min", "max"], random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mfe.fit(ds.X.to_numpy(), np.asarray(ds.y.cat.codes), transform_num=False,
                transform_cat=None)
        theirs = dict(zip(*mfe.extract()))
    pairs = {
        "TreeNodes": "nodes", "TreeLeaves": "leaves", "TreeDepth": "tree_depth.max",
        "TreeNodeDepthMean": "tree_depth.mean", "TreeNodeDepthSd": "tree_depth.sd",
        "TreeLeafDepthMin": "leaves_branch.min", "TreeLeafDepthMean": "leaves_branch.mean",
        "TreeLeafDepthMax": "leaves_branch.max", "TreeLeafDepthSd": "leaves_branch.sd",
        "TreeLeavesPerClassMean": "leaves_per_class.mean",
        "TreeLeavesPerClassSd": "leaves_per_class.sd",
        "TreeNodesPerAttribute": "nodes_per_attr", "TreeNodesPerInstance": "nodes_per_inst",
        "TreeNodesPerLevelMean": "nodes_per_level.mean",
        "TreeNodesPerLevelSd": "nodes_per_level.sd",
        "TreeNodesRepeatedMean": "nodes_repeated.mean", "TreeNodesRepeatedSd": "nodes_repeated.sd",
        "TreeLeafSupportMean": "leaves_corrob.mean", "TreeLeafSupportSd": "leaves_corrob.sd",
        "TreeShapeMean": "tree_shape.mean", "TreeShapeSd": "tree_shape.sd",
        "TreeLeafHomogeneityMean": "leaves_homo.mean", "TreeLeafHomogeneitySd": "leaves_homo.sd",
        "TreeImportanceMean": "var_importance.mean", "TreeImportanceSd": "var_importance.sd",
    }
    for mine, pymfe_name in pairs.items():
        assert ours[mine] == pytest.approx(float(theirs[pymfe_name])), mine


def test_regression_missing_values_and_no_leaves_per_class() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b", None], size=300)})
    X.loc[::3, "x"] = np.nan
    y = np.nan_to_num(X["x"].to_numpy()) * 2 + rng.normal(size=300)
    out = compute(ctx_of(X, y, task="regression"))
    assert "TreeLeavesPerClassMean" not in out  # left out: NaN in the extractor's output
    assert out["TreeLeaves"] >= 2
    assert out["TreeLeafSupportMean"] * out["TreeLeaves"] == pytest.approx(1.0)
    assert out["TreeLeaves"] <= 300 / 5


def test_no_attributes_and_deterministic() -> None:
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(120, 3)), columns=list("abc"))
    y = np.where(X["a"] > 0, "p", "q")
    assert compute(ctx_of(X, y)) == pytest.approx(compute(ctx_of(X, y)), nan_ok=True)
    empty = compute(ctx_of(pd.DataFrame(index=range(10)), ["p", "q"] * 5))
    assert empty["TreeNodes"] == 0 and empty["TreeLeaves"] == 1
