"""Post-pruning of a fitted scikit-learn decision tree, by node arrays.

A pruned tree is described by ``cut``: a boolean per node, True where the node acts as
a leaf (original leaves included). :func:`effective_leaves` maps every node to the
node that answers for it after pruning, so a row's prediction is the distribution of
``top[tree.apply(X)]``. Two pruning rules:

* :func:`prune_pessimistic` - C4.5's error-based pruning (subtree replacement) with a
  confidence factor, preceded by C4.5's "collapse" of splits that do not lower the
  training error (what Weka's J48 does, without subtree raising);
* :func:`prune_reduced_error` - reduced-error pruning on a hold-out set (REPTree).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

__all__ = ["node_parents", "node_class_counts", "added_errors", "prune_pessimistic",
           "prune_reduced_error", "effective_leaves", "path_class_counts"]


def node_parents(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Parent of every node (-1 for the root)."""
    parent = np.full(len(left), -1, dtype=int)
    inner = np.flatnonzero(left >= 0)
    parent[left[inner]] = inner
    parent[right[inner]] = inner
    return parent


def node_class_counts(tree, n_classes: int) -> np.ndarray:
    """Training class counts ``(n_nodes, n_classes)`` of a fitted DecisionTreeClassifier."""
    t = tree.tree_
    frac = t.value[:, 0, :]
    frac = frac / np.maximum(frac.sum(axis=1, keepdims=True), 1e-300)
    counts = np.zeros((t.node_count, n_classes))
    counts[:, np.asarray(tree.classes_, dtype=int)] = frac * t.weighted_n_node_samples[:, None]
    return counts


def path_class_counts(tree, X: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    """Class counts per node of the rows ``X`` routed through the tree."""
    path = tree.decision_path(X)  # (n, n_nodes) sparse indicator
    onehot = np.eye(n_classes)[y]
    return np.asarray(path.T @ onehot)


def added_errors(n: np.ndarray, e: np.ndarray, cf: float) -> np.ndarray:
    """C4.5's pessimistic extra errors: upper confidence bound (level ``cf``) of the
    error count ``e`` among ``n`` minus ``e`` (Quinlan 1993; Weka's ``Stats.addErrs``)."""
    n = np.asarray(n, dtype=float)
    e = np.asarray(e, dtype=float)
    z = norm.ppf(1.0 - cf)
    out = np.zeros_like(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        safe_n = np.maximum(n, 1e-12)
        base = safe_n * (1.0 - cf ** (1.0 / safe_n))
        # e < 1: interpolate between e = 0 and e = 1
        f1 = 1.5 / safe_n
        r1 = (f1 + z * z / (2 * safe_n) + z * np.sqrt(np.maximum(f1 / safe_n - f1 * f1 / safe_n
                                                                + z * z / (4 * safe_n * safe_n), 0)))
        r1 = r1 / (1 + z * z / safe_n)
        at_one = r1 * safe_n - 1.0
        small = base + e * (at_one - base)
        f = (e + 0.5) / safe_n
        r = (f + z * z / (2 * safe_n) + z * np.sqrt(np.maximum(f / safe_n - f * f / safe_n
                                                               + z * z / (4 * safe_n * safe_n), 0)))
        r = r / (1 + z * z / safe_n)
        large = r * safe_n - e
    out = np.where(e < 1, small, np.where(e + 0.5 >= n, np.maximum(n - e, 0.0), large))
    return np.where(n > 0, out, 0.0)


def prune_pessimistic(left: np.ndarray, right: np.ndarray, counts: np.ndarray,
                      cf: float) -> np.ndarray:
    """C4.5 collapse + error-based pruning; returns ``cut`` (see module docstring)."""
    n_nodes = len(left)
    total = counts.sum(axis=1)
    train_err = total - counts.max(axis=1)
    is_leaf = left < 0
    # collapse: a split whose subtree makes (almost) as many training errors as a leaf
    sub_train = train_err.copy()
    for node in range(n_nodes - 1, -1, -1):
        if not is_leaf[node]:
            sub_train[node] = sub_train[left[node]] + sub_train[right[node]]
    cut = is_leaf.copy()
    cut |= (~is_leaf) & (sub_train >= train_err - 1e-3)
    # pessimistic pruning, bottom-up (children always have larger ids than parents)
    leaf_est = train_err + added_errors(total, train_err, cf)
    tree_est = leaf_est.copy()
    for node in range(n_nodes - 1, -1, -1):
        if cut[node]:
            continue
        sub = tree_est[left[node]] + tree_est[right[node]]
        if leaf_est[node] <= sub + 0.1:
            cut[node] = True
        else:
            tree_est[node] = sub
    return cut


def prune_reduced_error(left: np.ndarray, right: np.ndarray, grow_counts: np.ndarray,
                        holdout_counts: np.ndarray) -> np.ndarray:
    """Reduced-error pruning: a node becomes a leaf when, on the hold-out rows, its
    majority class (from the growing rows) errs no more often than its pruned subtree."""
    n_nodes = len(left)
    majority = grow_counts.argmax(axis=1)
    leaf_err = holdout_counts.sum(axis=1) - holdout_counts[np.arange(n_nodes), majority]
    is_leaf = left < 0
    cut = is_leaf.copy()
    tree_err = leaf_err.astype(float).copy()
    for node in range(n_nodes - 1, -1, -1):
        if is_leaf[node]:
            continue
        sub = tree_err[left[node]] + tree_err[right[node]]
        if leaf_err[node] <= sub:
            cut[node] = True
        else:
            tree_err[node] = sub
    return cut


def effective_leaves(left: np.ndarray, right: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """For each node, the highest cut ancestor-or-self (the node answering for it)."""
    parent = node_parents(left, right)
    top = np.arange(len(left))
    for node in range(1, len(left)):
        above = top[parent[node]]
        if cut[above]:
            top[node] = above
    return top
