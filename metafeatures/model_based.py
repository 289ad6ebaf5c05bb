"""Model-based meta-features: the structure of one fitted decision tree (pymfe style).

The tree is scikit-learn's CART (``DecisionTreeClassifier``, Gini, fully grown; for
regression ``DecisionTreeRegressor`` with at least 5 rows per leaf, since a fully grown
regression tree has about one leaf per row), seeded with the context's seed, fitted on
all rows of the extractor's sample, or on a stratified subsample of :data:`MAX_ROWS`
rows when it is larger. Numeric attributes enter as they are, missing values
follow the tree's native NaN routing, nominal attributes are one-hot encoded (their
<= 32 most frequent levels); counts "per attribute" refer to the dataset's attributes,
so a split on any indicator of a nominal attribute uses that attribute.

Where pymfe 0.4.4 defines the same quantity, the value coincides on numeric data
(pymfe name in brackets in the definitions; "Sd" = standard deviation with ddof=1,
as pymfe's summary).
"""

from __future__ import annotations

import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from metafeatures.landmarking import capped, table_of
from metafeatures.learners.table import TableEncoder
from metafeatures.registry import MetaFeatureGroup

__all__ = ["GROUP", "compute", "fit_tree", "tree_structure"]

#: The tree is fitted on at most this many rows (stratified subsample of the extractor's
#: sample, seeded): a fully grown tree costs O(n log n) per level.
MAX_ROWS = 2000

#: Minimum rows per leaf of the regression tree.
REGRESSION_MIN_LEAF = 5

DEFINITIONS: dict[str, str] = {
    "TreeNodes": "number of internal (split) nodes [pymfe nodes]",
    "TreeLeaves": "number of leaves [pymfe leaves]",
    "TreeDepth": "depth of the tree: longest root-to-leaf path in edges [max of pymfe tree_depth]",
    "TreeNodeDepthMean": "mean depth over all nodes [pymfe tree_depth.mean]",
    "TreeNodeDepthSd": "sd of the depth over all nodes [pymfe tree_depth.sd]",
    "TreeLeafDepthMin": "shortest branch: minimum leaf depth [pymfe leaves_branch.min]",
    "TreeLeafDepthMean": "mean branch length: mean leaf depth [pymfe leaves_branch.mean]",
    "TreeLeafDepthMax": "longest branch: maximum leaf depth [pymfe leaves_branch.max]",
    "TreeLeafDepthSd": "sd of the leaf depths [pymfe leaves_branch.sd]",
    "TreeLeavesPerClassMean": "mean over classes predicted by >= 1 leaf of the fraction of "
                              "leaves predicting that class [pymfe leaves_per_class.mean]",
    "TreeLeavesPerClassSd": "sd of the same fractions [pymfe leaves_per_class.sd]",
    "TreeClassesWithLeafFraction": "fraction of the classes predicted by at least one leaf",
    "TreeAttributesUsed": "number of distinct attributes the tree splits on",
    "TreeAttributesUsedFraction": "attributes the tree splits on / number of attributes",
    "TreeNodesPerAttribute": "internal nodes / number of attributes [pymfe nodes_per_attr]",
    "TreeNodesPerInstance": "internal nodes / number of rows [pymfe nodes_per_inst]",
    "TreeLeavesPerInstance": "leaves / number of rows",
    "TreeNodesPerLevelMean": "mean number of internal nodes per depth level [pymfe "
                             "nodes_per_level.mean]",
    "TreeNodesPerLevelSd": "sd of the internal nodes per depth level [pymfe nodes_per_level.sd]",
    "TreeNodesRepeatedMean": "mean number of internal nodes per attribute used [pymfe "
                             "nodes_repeated.mean]",
    "TreeNodesRepeatedSd": "sd of the internal nodes per attribute used [pymfe nodes_repeated.sd]",
    "TreeLeafSupportMean": "mean fraction of the training rows reaching a leaf [pymfe "
                           "leaves_corrob.mean]",
    "TreeLeafSupportSd": "sd of the fraction of training rows per leaf [pymfe leaves_corrob.sd]",
    "TreeShapeMean": "mean over leaves of -p log2 p, p = 2^-depth (chance of a random walk "
                     "reaching the leaf) [pymfe tree_shape.mean]",
    "TreeShapeSd": "sd of the same [pymfe tree_shape.sd]",
    "TreeLeafHomogeneityMean": "mean over leaves of (number of leaves / leaf shape value) "
                               "[pymfe leaves_homo.mean]",
    "TreeLeafHomogeneitySd": "sd of the same [pymfe leaves_homo.sd]",
    "TreeImportanceMean": "mean over attributes of the tree's impurity importance "
                          "(indicators of a nominal attribute summed) [pymfe var_importance.mean]",
    "TreeImportanceSd": "sd over attributes of the impurity importance [pymfe var_importance.sd]",
}


def _sd(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    return float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")


def _mean(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.mean()) if len(values) else float("nan")


def fit_tree(ctx):
    """The fitted tree, its encoder and the target (codes or values), n_classes."""
    table, y, n_classes = table_of(ctx)
    encoder = TableEncoder().fit(table)
    X = encoder.transform(table)
    if n_classes:
        tree = DecisionTreeClassifier(random_state=ctx.seed).fit(X, y)
    else:
        tree = DecisionTreeRegressor(min_samples_leaf=REGRESSION_MIN_LEAF,
                                     random_state=ctx.seed).fit(X, y)
    return tree, encoder, table.n_attributes, n_classes


def tree_structure(tree, attribute_of_column: np.ndarray, n_attributes: int,
                   n_classes: int) -> dict[str, float]:
    """Every model-based meta-feature of a fitted scikit-learn tree."""
    t = tree.tree_
    left, right = t.children_left, t.children_right
    n_nodes = t.node_count
    depth = np.zeros(n_nodes, dtype=int)
    for node in range(n_nodes):  # parents precede children
        if left[node] >= 0:
            depth[left[node]] = depth[right[node]] = depth[node] + 1
    is_leaf = left < 0
    leaves = np.flatnonzero(is_leaf)
    inner = np.flatnonzero(~is_leaf)
    n_rows = float(t.n_node_samples[0])
    leaf_depth = depth[leaves]
    out: dict[str, float] = {
        "TreeNodes": float(len(inner)),
        "TreeLeaves": float(len(leaves)),
        "TreeDepth": float(depth.max()),
        "TreeNodeDepthMean": _mean(depth),
        "TreeNodeDepthSd": _sd(depth),
        "TreeLeafDepthMin": float(leaf_depth.min()),
        "TreeLeafDepthMean": _mean(leaf_depth),
        "TreeLeafDepthMax": float(leaf_depth.max()),
        "TreeLeafDepthSd": _sd(leaf_depth),
    }
    if n_classes:
        predicted = np.argmax(t.value[leaves, 0, :], axis=1)
        per_class = np.bincount(predicted) / len(leaves)
        per_class = per_class[per_class > 0]
        out["TreeLeavesPerClassMean"] = _mean(per_class)
        out["TreeLeavesPerClassSd"] = _sd(per_class)
        out["TreeClassesWithLeafFraction"] = len(per_class) / n_classes
    if len(attribute_of_column) == 0:  # no attribute: the encoder's constant column
        attribute_of_column = np.zeros(1, dtype=int)
        n_attributes = max(n_attributes, 1)
    used_attr = attribute_of_column[t.feature[inner]]
    repeated = np.bincount(used_attr, minlength=n_attributes)
    repeated = repeated[repeated > 0]
    shape = -(2.0 ** -leaf_depth) * np.log2(2.0 ** -leaf_depth)
    with np.errstate(divide="ignore", invalid="ignore"):
        homogeneity = np.where(shape > 0, len(leaves) / shape, np.nan)
    importance = np.bincount(attribute_of_column, weights=tree.feature_importances_,
                             minlength=n_attributes)
    per_level = np.bincount(depth[inner]) if len(inner) else np.zeros(0)
    out.update({
        "TreeAttributesUsed": float(len(repeated)),
        "TreeAttributesUsedFraction": len(repeated) / n_attributes if n_attributes else np.nan,
        "TreeNodesPerAttribute": len(inner) / n_attributes if n_attributes else np.nan,
        "TreeNodesPerInstance": len(inner) / n_rows,
        "TreeLeavesPerInstance": len(leaves) / n_rows,
        "TreeNodesPerLevelMean": _mean(per_level),
        "TreeNodesPerLevelSd": _sd(per_level),
        "TreeNodesRepeatedMean": _mean(repeated),
        "TreeNodesRepeatedSd": _sd(repeated),
        "TreeLeafSupportMean": _mean(t.n_node_samples[leaves] / n_rows),
        "TreeLeafSupportSd": _sd(t.n_node_samples[leaves] / n_rows),
        "TreeShapeMean": _mean(shape),
        "TreeShapeSd": _sd(shape),
        "TreeLeafHomogeneityMean": _mean(homogeneity[np.isfinite(homogeneity)]),
        "TreeLeafHomogeneitySd": _sd(homogeneity[np.isfinite(homogeneity)]),
        "TreeImportanceMean": _mean(importance),
        "TreeImportanceSd": _sd(importance),
    })
    return out


def compute(ctx, max_rows: int | None = MAX_ROWS) -> dict[str, float]:
    """Model-based meta-features of the context's (sub)sample (<= ``max_rows`` rows)."""
    tree, encoder, n_attributes, n_classes = fit_tree(capped(ctx, max_rows))
    return tree_structure(tree, encoder.attribute_of_column_, n_attributes, n_classes)


GROUP = MetaFeatureGroup(
    name="model-based",
    compute=compute,
    definitions=DEFINITIONS,
    expensive=True,
)
