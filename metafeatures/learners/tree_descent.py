"""All rows down a tree at once, one depth per step (the fast path of tree prediction).

:func:`leaves_reached` sends every row down a grown tree
(:mod:`metafeatures.learners.multiway_tree`) with a few array operations per depth
instead of a few per node. It follows a row only while each split on its path knows
its value; a row that meets a missing value (or a nominal level the split never saw)
is reported. :func:`spread_leaves` follows such rows as C4.5 does, down every branch
of a split that cannot place them with the branch's share of the weight, and lists the
leaves each reaches in the order the node-by-node routing visits them.
"""

from __future__ import annotations

import numpy as np

from metafeatures.learners.table import Table

__all__ = ["flatten", "leaves_reached", "node_counts", "spread_leaves"]


def flatten(root) -> tuple:
    """The tree as arrays (pass it to several descents to flatten the tree once): the
    nodes breadth first; per node: leaf?, numeric?, attribute, threshold, number of
    children and position of the first child."""
    nodes, first_child = [root], []
    i = 0
    while i < len(nodes):
        node = nodes[i]
        if node.is_leaf:
            first_child.append(-1)
        else:
            first_child.append(len(nodes))
            nodes.extend(node.children)
        i += 1
    leaf = np.array([node.is_leaf for node in nodes])
    numeric = np.array([node.kind == "numeric" for node in nodes])
    attribute = np.array([node.attribute for node in nodes])
    threshold = np.array([node.threshold for node in nodes], dtype=float)
    n_children = np.array([len(node.children) for node in nodes])
    return nodes, leaf, numeric, attribute, threshold, n_children, np.array(first_child)


def leaves_reached(root, table: Table, flat: tuple | None = None) -> tuple[list, np.ndarray]:
    """The tree's nodes (breadth first) and, per row of ``table``, the position of the
    leaf it reaches, or -1 when a split on its path cannot place it."""
    nodes, at, _ = _descend(root, table, visits=False, flat=flat)
    return nodes, at


def node_counts(root, table: Table, y: np.ndarray, n_classes: int
                ) -> tuple[list, np.ndarray] | None:
    """The tree's nodes (breadth first) and the class counts of the rows of ``table``
    reaching each (integers, as floats); None when some row meets a split that cannot
    place it (its weight would be spread)."""
    nodes, at, visits = _descend(root, table, visits=True)
    if (at < 0).any():
        return None
    rows = np.concatenate([r for r, _ in visits])
    node = np.concatenate([v for _, v in visits])
    counts = np.bincount(node * n_classes + y[rows], minlength=len(nodes) * n_classes)
    return nodes, counts.reshape(len(nodes), n_classes).astype(float)


def _branches(table: Table, rows: np.ndarray, at: np.ndarray, numeric: np.ndarray,
              attribute: np.ndarray, threshold: np.ndarray, n_children: np.ndarray
              ) -> np.ndarray:
    """The branch each row ``rows`` takes at its node ``at`` (-1: a missing split value
    or a nominal level the split never saw), as ``route`` decides it."""
    branch = np.empty(len(rows), dtype=np.int64)
    num = numeric[at]
    if num.any():
        x = table.numeric[rows[num], attribute[at[num]]]
        branch[num] = np.where(np.isnan(x), -1, np.where(x <= threshold[at[num]], 0, 1))
    if not num.all():
        nom = ~num
        code = table.codes[rows[nom], attribute[at[nom]] - table.n_numeric]
        branch[nom] = np.where(code >= n_children[at[nom]], -1, code)
    return branch


def _descend(root, table: Table, visits: bool, flat: tuple | None = None
             ) -> tuple[list, np.ndarray, list]:
    nodes, leaf, numeric, attribute, threshold, n_children, first_child = flat or flatten(root)
    n = table.n_rows
    at = np.zeros(n, dtype=np.int64)
    seen = [(np.arange(n), at.copy())] if visits else []
    moving = np.flatnonzero(~leaf[at]) if n else np.empty(0, dtype=np.int64)
    while len(moving):
        node = at[moving]
        branch = _branches(table, moving, node, numeric, attribute, threshold, n_children)
        lost = branch < 0
        at[moving[lost]] = -1
        moving, node, branch = moving[~lost], node[~lost], branch[~lost]
        at[moving] = first_child[node] + branch
        if visits:
            seen.append((moving, at[moving]))
        moving = moving[~leaf[at[moving]]]
    return nodes, at, seen


def spread_leaves(root, table: Table, flat: tuple | None = None
                  ) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
    """Every (row, leaf, weight) of C4.5's fractional routing of the rows of ``table``:
    a row whose split value is missing (or an unseen level) goes down each branch with
    weight > 0, its weight times the branch's share (multiplied top-down, as the
    routing does). Returns the nodes (breadth first) and, sorted by row and then by the
    leaves' depth-first order (the routing's order), the rows, leaves and weights."""
    nodes, leaf, numeric, attribute, threshold, n_children, first_child = flat or flatten(root)
    preorder = np.empty(len(nodes), dtype=np.int64)
    stack, count = [0], 0
    while stack:
        i = stack.pop()
        preorder[i], count = count, count + 1
        if not leaf[i]:
            stack.extend(range(first_child[i] + n_children[i] - 1, first_child[i] - 1, -1))
    row = np.arange(table.n_rows)
    at = np.zeros(table.n_rows, dtype=np.int64)
    weight = np.ones(table.n_rows)
    done: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    while len(row):
        ends = leaf[at]
        done.append((row[ends], at[ends], weight[ends]))
        row, at, weight = row[~ends], at[~ends], weight[~ends]
        if not len(row):
            break
        branch = _branches(table, row, at, numeric, attribute, threshold, n_children)
        placed = branch >= 0
        spread = np.flatnonzero(~placed)
        rows_, ats_, weights_ = [row[placed]], [first_child[at[placed]] + branch[placed]], \
            [weight[placed]]
        for node in np.unique(at[spread]):
            mine = spread[at[spread] == node]
            shares = nodes[node].shares
            for b in np.flatnonzero(shares > 0):
                rows_.append(row[mine])
                ats_.append(np.full(len(mine), first_child[node] + b))
                weights_.append(weight[mine] * shares[b])
        row, at, weight = (np.concatenate(a) for a in (rows_, ats_, weights_))
    rows, leaves, weights = (np.concatenate(a) for a in zip(*done))
    order = np.lexsort((preorder[leaves], rows))
    return nodes, rows[order], leaves[order], weights[order]
