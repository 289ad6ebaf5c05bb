"""A C4.5-style decision tree with multiway nominal splits and fractional missing values.

This is the tree behind the J48-, REPTree- and RandomTree-like landmarkers: like Weka's,
a nominal attribute splits into one branch per level, a numeric one at a threshold
(midpoint between consecutive values), and a row whose split value is missing goes down
every branch with a weight proportional to the branch's share of the known weight (in
training and in prediction, C4.5's fractional instances). A leaf predicts its weighted
training class frequencies; an empty branch predicts its parent's.

Split choice: information gain (REPTree, RandomTree) or C4.5's gain ratio among the
attributes whose gain is at least the average (J48), both scaled by the fraction of
known values; a numeric split's gain is reduced by ``log2(candidate cuts) / N`` (C4.5
release 8). A split needs at least two branches with ``min_leaf`` weight.

Speed (the same trees and predictions to the last bit, each path tested against the
node-by-node computation): the non-random trees are grown a level at a time
(:mod:`~metafeatures.learners.level_growth`) while every row weighs 1; RandomTree's
small nodes are searched in plain Python (:mod:`~metafeatures.learners.small_nodes`);
predictions and the counts for pruning send all rows down a tree at once
(:mod:`~metafeatures.learners.tree_descent`). :func:`route` is the node-by-node
reference they follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import xlogy

from metafeatures.learners import small_nodes
from metafeatures.learners.cuts import cut_counts, first_minimum, xlogx_of_counts
from metafeatures.learners.pruning import added_errors_scalar
from metafeatures.learners.table import Table
from metafeatures.learners.tree_descent import (flatten, leaves_reached, node_counts,
                                                spread_leaves)

__all__ = ["Node", "grow_tree", "route", "predict_tree", "collapse_and_prune",
           "reduced_error_prune", "refit_counts", "count_leaves", "truncated"]

_LN2 = float(np.log(2.0))
_BLOCK = 2_000_000


def _h(counts: np.ndarray) -> np.ndarray:
    """``W * H`` (bits) of class-count rows in the last axis (integer counts: by look-up,
    with the same result)."""
    totals = counts.sum(axis=-1)
    if counts.dtype.kind in "iu":
        return (xlogx_of_counts(totals) - xlogx_of_counts(counts).sum(axis=-1)) / _LN2
    return (xlogy(totals, totals) - xlogy(counts, counts).sum(axis=-1)) / _LN2


@dataclass
class Node:
    """One tree node. ``kind``: "leaf", "numeric" or "nominal"."""

    counts: np.ndarray
    kind: str = "leaf"
    attribute: int = -1
    threshold: float = 0.0
    children: list["Node"] = field(default_factory=list)
    shares: np.ndarray | None = None  # known-weight share of each branch
    pruned: bool = False  # True: acts as a leaf
    fallback: np.ndarray | None = None  # prediction of an empty node: its parent's classes

    @property
    def is_leaf(self) -> bool:
        return self.kind == "leaf" or self.pruned


def _numeric_candidates(x: np.ndarray, y: np.ndarray, w: np.ndarray, k: int, min_leaf: float):
    """Best cut of every numeric column on its known rows, vectorised over columns.

    ``y``, ``w``: class codes and weights of the rows of ``x``. Returns arrays over
    columns: ``score`` (``W_l H_l + W_r H_r``, inf when no valid cut), ``known`` class
    counts (p, k), number of candidate cuts, threshold, and the weights left and right
    of the best cut. Only the cuts between distinct values are scored
    (:mod:`metafeatures.learners.cuts`).
    """
    n, p = x.shape
    parts = []
    width = max(1, _BLOCK // max(1, n * k))
    for start in range(0, p, width):
        block = x[:, start:start + width]
        w_ = block.shape[1]
        if n < 2:
            known = np.zeros((w_, k))
            if n == 1:
                known[~np.isnan(block[0]), y[0]] = w[0]
            parts.append((np.full(w_, np.inf), known, np.zeros(w_), np.zeros(w_),
                          np.zeros(w_), np.zeros(w_)))
            continue
        cc = cut_counts(block, y, k, w)
        known = cc.known
        if cc.left_int is not None:  # integer counts: exact sums, entropies by look-up
            right = cc.known_int[cc.cols] - cc.left_int
            if cc.unit:
                lw = cc.rows + 1.0
                rw = cc.known_int.sum(-1)[cc.cols] - lw
            else:
                lw, rw = cc.left_int.sum(-1).astype(float), right.sum(-1).astype(float)
        else:
            right = known[cc.cols] - cc.left
            lw, rw = cc.left.sum(-1), right.sum(-1)
        keep = np.flatnonzero((lw >= min_leaf) & (rw >= min_leaf))
        left = cc.left_int if cc.left_int is not None else cc.left
        cols = cc.cols[keep]
        score = _h(left[keep]) + _h(right[keep])
        best_score, first, n_cuts = first_minimum(cols, score, w_)
        best_lw, best_rw, threshold = np.zeros(w_), np.zeros(w_), np.zeros(w_)
        at, owner = keep[first], cols[first]
        best_lw[owner], best_rw[owner] = lw[at], rw[at]
        threshold[owner] = (cc.below[at] + cc.above[at]) / 2.0  # no valid cut: unused
        parts.append((best_score, known, n_cuts, threshold, best_lw, best_rw))
    return tuple(np.concatenate([pt[i] for pt in parts]) for i in range(6))


#: From this many nominal attributes on, a node evaluates them together.
_BATCHED_NOMINAL = 8


def _nominal_candidates(codes: np.ndarray, idx: np.ndarray, attrs: np.ndarray,
                        n_levels: tuple[int, ...], y: np.ndarray, w: np.ndarray, k: int,
                        total: float, min_leaf: float
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Multiway splits of the nominal columns ``attrs`` of ``codes`` on rows ``idx``
    (classes ``y``, weights ``w``): whether each has two branches of ``min_leaf``
    weight, its gain and split information - what the per-attribute evaluation in
    ``_Grower.best_split`` gives. Columns with the same number of levels share one
    ``bincount`` laid out column after column, so each cell adds its rows in row
    order, as a ``bincount`` per column does."""
    ok, gain, info = np.zeros(len(attrs), bool), np.zeros(len(attrs)), np.zeros(len(attrs))
    levels = np.asarray([n_levels[a] for a in attrs])
    for n_lev in np.unique(levels):
        which = np.flatnonzero(levels == n_lev)
        c = codes[np.ix_(idx, attrs[which])].T  # (columns, rows)
        known = c >= 0
        column = np.broadcast_to(np.arange(len(which))[:, None], c.shape)[known]
        ids = (column * n_lev + c[known]) * k + np.broadcast_to(y, c.shape)[known]
        table = np.bincount(ids, weights=np.broadcast_to(w, c.shape)[known],
                            minlength=len(which) * n_lev * k).reshape(len(which), n_lev, k)
        sizes = table.sum(axis=2)
        wk = sizes.sum(axis=1)
        gain[which] = (_h(table.sum(axis=1)) - _h(table).sum(axis=1)) / total
        info[which] = _split_info_rows(np.column_stack([sizes, total - wk]) / total)
        ok[which] = np.sum(sizes >= min_leaf, axis=1) >= 2
    return ok, gain, info


def _split_info_rows(shares: np.ndarray) -> np.ndarray:
    """Entropy (bits) of each row of branch shares."""
    return -xlogy(shares, shares).sum(axis=1) / _LN2


class _Grower:
    def __init__(self, table: Table, y: np.ndarray, n_classes: int, criterion: str,
                 min_leaf: float, max_depth: int | None, n_random: int | None,
                 rng: np.random.Generator | None) -> None:
        self.t, self.y, self.k = table, y, n_classes
        self.criterion, self.min_leaf = criterion, min_leaf
        self.max_depth, self.n_random, self.rng = max_depth, n_random, rng

    def counts(self, idx: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.bincount(self.y[idx], weights=w, minlength=self.k)

    def stops(self, counts: np.ndarray, depth: int) -> bool:
        """Whether a node with these class counts at this depth is a leaf without search."""
        return bool(counts.sum() < 2 * self.min_leaf or np.count_nonzero(counts) <= 1
                    or (self.max_depth is not None and depth >= self.max_depth))

    def grow(self, idx: np.ndarray, w: np.ndarray, depth: int) -> Node:
        counts = self.counts(idx, w)
        node = Node(counts)
        if self.stops(counts, depth):
            return node
        split = self.best_split(idx, w, counts)
        if split is None:
            return node
        takes, unknown = self.apply_split(node, split, w)
        for b, take in enumerate(takes):
            if take is None:
                node.children.append(empty_child(node))
            else:
                node.children.append(self.grow(*child_rows(node, b, idx, w, take, unknown),
                                               depth + 1))
        return node

    def apply_split(self, node: Node, split: tuple, w: np.ndarray
                    ) -> tuple[list[np.ndarray | None], np.ndarray]:
        """Give ``node`` the split ``(kind, attribute, threshold, branch)`` and its branch
        shares; returns each branch's row positions (None: a branch without weight) and
        the positions of the rows whose split value is missing."""
        kind, attribute, threshold, branch = split
        node.kind, node.attribute, node.threshold = kind, attribute, threshold
        n_branches = 2 if kind == "numeric" else self.t.n_levels[attribute - self.t.n_numeric]
        known = branch >= 0
        bw = np.bincount(branch[known], weights=w[known], minlength=n_branches)
        node.shares = bw / bw.sum()
        groups = _groups(branch, n_branches)
        # an empty branch has no weight and predicts the parent's classes
        takes = [groups[b] if bw[b] > 0 else None for b in range(n_branches)]
        return takes, (~known).nonzero()[0]

    def best_split(self, idx, w, counts):
        t, k = self.t, self.k
        p, q = t.n_numeric, len(t.n_levels)
        attrs = np.arange(p + q)
        if self.n_random is not None:
            attrs = self.rng.permutation(attrs)
        total = counts.sum()
        # candidates in evaluation order: gain, split info, attribute, numeric?, threshold
        cands: list[tuple[np.ndarray, ...]] = []
        y_idx = self.y[idx]
        if (self.n_random is not None and self.criterion == "gain"
                and small_nodes.applies(t, k, len(idx))):  # a few rows: plain Python
            found = small_nodes.random_split(t, idx, y_idx, w, k, float(total), attrs,
                                             self.n_random, self.min_leaf)
            return None if found is None else self.split_of(idx, *found)

        def evaluate(chosen: np.ndarray) -> None:
            num = chosen[chosen < p]
            if len(num):
                min_side = self.min_leaf
                if self.criterion == "gain_ratio":  # C4.5: >= 10% of the rows per class, <= 25
                    min_side = max(self.min_leaf, min(0.1 * total / k, 25.0))
                x = t.numeric[idx] if len(num) == p and (num == np.arange(p)).all() \
                    else t.numeric[np.ix_(idx, num)]
                score, known, n_cuts, thr, lw, rw = _numeric_candidates(x, y_idx, w, k, min_side)
                ok = np.isfinite(score)
                if ok.any():
                    wk = known.sum(axis=1)
                    with np.errstate(invalid="ignore", divide="ignore"):
                        gain = (_h(known) - np.where(ok, score, 0.0)) / total
                    if self.criterion == "gain_ratio":
                        gain -= np.log2(np.maximum(n_cuts, 1)) / total
                    info = _split_info_rows(np.column_stack([lw, rw, total - wk]) / total)
                    cands.append((gain[ok], info[ok], num[ok], np.ones(int(ok.sum()), bool),
                                  thr[ok]))
            nom = chosen[chosen >= p]
            if len(nom) >= _BATCHED_NOMINAL:  # many: one bincount per number of levels
                ok, gain, info = _nominal_candidates(t.codes, idx, nom - p, t.n_levels, y_idx, w,
                                                     k, total, self.min_leaf)
                if ok.any():
                    cands.append((gain[ok], info[ok], nom[ok], np.zeros(int(ok.sum()), bool),
                                  np.zeros(int(ok.sum()))))
                return
            nominal = []
            for a in nom:
                c = t.codes[idx, a - p]
                ok = c >= 0
                n_lev = t.n_levels[a - p]
                table_ = np.bincount(c[ok] * k + y_idx[ok], weights=w[ok],
                                     minlength=n_lev * k).reshape(n_lev, k)
                sizes = table_.sum(axis=1)
                if np.sum(sizes >= self.min_leaf) < 2:
                    continue
                wk = sizes.sum()
                gain = (_h(table_.sum(axis=0)) - _h(table_).sum()) / total
                shares = np.append(sizes, total - wk)[None, :] / total
                nominal.append((float(gain), float(_split_info_rows(shares)[0]), int(a)))
            if nominal:
                g, i, a = (np.array(v) for v in zip(*nominal))
                cands.append((g, i, a.astype(int), np.zeros(len(a), bool), np.zeros(len(a))))

        if self.n_random is None:
            evaluate(attrs)
        else:  # RandomTree: K random attributes, more until a positive gain is found
            start = 0
            while start < len(attrs):
                stop = start + (self.n_random if start == 0 else 1)
                evaluate(attrs[start:stop])
                start = stop
                if any((c[0] > 1e-10).any() for c in cands):
                    break
        if not cands:
            return None
        gain, info, attr, numeric, thr = (np.concatenate(col) for col in zip(*cands))
        best = choose(gain, info, self.criterion)
        if best is None:
            return None
        return self.split_of(idx, int(attr[best]), bool(numeric[best]), float(thr[best]))

    def split_of(self, idx: np.ndarray, attribute: int, numeric: bool, threshold: float
                 ) -> tuple:
        """The split ``(kind, attribute, threshold, branch of each row)`` of rows ``idx``."""
        t = self.t
        if numeric:
            x = t.numeric[idx, attribute]
            branch = np.where(np.isnan(x), -1, np.where(x <= threshold, 0, 1))
            return "numeric", attribute, threshold, branch
        return "nominal", attribute, 0.0, t.codes[idx, attribute - t.n_numeric]


def choose(gain: np.ndarray, info: np.ndarray, criterion: str) -> int | None:
    """Position of the chosen split among candidates in evaluation order (None: no
    candidate gains more than 1e-10): the largest gain, or (``gain_ratio``) C4.5's
    largest gain ratio among the candidates whose gain is at least the average; the
    first on ties."""
    keep = (gain > 1e-10).nonzero()[0]  # np.flatnonzero without its wrappers
    if not len(keep):
        return None
    gain, info = gain[keep], info[keep]
    if criterion == "gain_ratio":
        mean_gain = np.mean(gain)
        pool = gain >= mean_gain - 1e-3
        if not pool.any():
            pool[:] = True
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(info > 0, gain / info, 0.0)
        best = int(pool.nonzero()[0][np.argmax(ratio[pool])])  # the first maximum
    else:
        best = int(np.argmax(gain))
    return int(keep[best])


def empty_child(parent: Node) -> Node:
    """The child of an empty branch: no weight, predicts the parent's classes."""
    return Node(np.zeros_like(parent.counts), fallback=parent.counts)


def child_rows(node: Node, b: int, idx: np.ndarray, w: np.ndarray, take: np.ndarray,
               unknown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and weights of branch ``b``: those taking it, then those with a missing split
    value, weighted by the branch's share (C4.5's fractional instances)."""
    return (np.concatenate([idx[take], idx[unknown]]),
            np.concatenate([w[take], w[unknown] * node.shares[b]]))


def _groups(branch: np.ndarray, n_branches: int) -> dict[int, np.ndarray]:
    """Row positions of each branch value that occurs (increasing), -1 (missing) included."""
    if n_branches <= 4:
        return {b: rows for b in range(-1, n_branches)
                if len(rows := (branch == b).nonzero()[0])}
    order = np.argsort(branch, kind="stable")
    values, starts = np.unique(branch[order], return_index=True)
    return dict(zip(values.tolist(), np.split(order, starts[1:])))


def grow_tree(table: Table, y: np.ndarray, n_classes: int, *, criterion: str = "gain",
              min_leaf: float = 2.0, max_depth: int | None = None,
              n_random: int | None = None, seed: int = 0) -> Node:
    """Grow a tree on ``table`` (see the module docstring).

    Parameters
    ----------
    criterion : {"gain", "gain_ratio"}
    min_leaf : float
        Minimum weight in at least two branches of a split.
    max_depth : int, optional
    n_random : int, optional
        Consider only this many random attributes per node (RandomTree).
    """
    rng = np.random.default_rng(seed) if n_random is not None else None
    grower = _Grower(table, y, n_classes, criterion, min_leaf, max_depth, n_random, rng)
    if n_random is None and table.n_rows:  # the same tree, searched a level at a time
        from metafeatures.learners.level_growth import grow_by_levels

        return grow_by_levels(grower)
    return grower.grow(np.arange(table.n_rows), np.ones(table.n_rows), 0)


def route(node: Node, table: Table, idx: np.ndarray, w: np.ndarray, visit) -> None:
    """Send rows ``idx`` with weights ``w`` down the tree; ``visit(node, idx, w)`` is called
    at every node reached (pruned nodes stop the descent)."""
    visit(node, idx, w)
    if node.is_leaf or len(idx) == 0:
        return
    if node.kind == "numeric":
        x = table.numeric[idx, node.attribute]
        branch = np.where(np.isnan(x), -1, np.where(x <= node.threshold, 0, 1))
    else:
        branch = table.codes[idx, node.attribute - table.n_numeric]
        branch = np.where(branch >= len(node.children), -1, branch)
    missing = branch < 0
    # only the branches some row reaches (a nominal split may have thousands)
    groups = _groups(branch, len(node.children))
    targets = set(groups) - {-1}
    if missing.any():
        targets |= set(np.flatnonzero(node.shares > 0).tolist())
    for b in sorted(targets):
        take = groups.get(b, np.empty(0, dtype=int))
        child_idx = np.concatenate([idx[take], idx[missing]])
        child_w = np.concatenate([w[take], w[missing] * node.shares[b]])
        if len(child_idx):
            route(node.children[b], table, child_idx, child_w, visit)


def _distribution(node: Node) -> np.ndarray:
    counts = node.counts
    if counts.sum() <= 0 and node.fallback is not None:
        counts = node.fallback
    total = counts.sum()
    return counts / total if total > 0 else np.full(len(counts), 1.0 / len(counts))


def predict_tree(root: Node, table: Table, n_classes: int) -> np.ndarray:
    """Class probabilities: the weighted mix of the leaf distributions each row reaches."""
    out = np.zeros((table.n_rows, n_classes))
    # rows whose path knows every split value: one leaf each, weight 1
    flat = flatten(root)
    nodes, leaf = leaves_reached(root, table, flat)
    placed = leaf >= 0
    reached, which = np.unique(leaf[placed], return_inverse=True)
    if len(reached):
        out[placed] = np.vstack([_distribution(nodes[i]) for i in reached])[which]

    lost = np.flatnonzero(~placed)  # the others are spread over branches (C4.5)
    if len(lost):
        nodes, rows, leaves, weights = spread_leaves(root, table.rows(lost), flat)
        reached, which = np.unique(leaves, return_inverse=True)
        dist = np.vstack([_distribution(nodes[i]) for i in reached])
        part = np.zeros((len(lost), n_classes))
        # each row's leaves added in the routing's order, as it adds them
        np.add.at(part, rows, weights[:, None] * dist[which])
        out[lost] = part
    return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-300)


def collapse_and_prune(node: Node, cf: float) -> float:
    """C4.5's collapse and error-based pruning (no subtree raising), in place.
    Returns the subtree's estimated errors."""
    return _collapse_and_prune(node, cf, _unpruned_errors(node, {}))


def _collapse_and_prune(node: Node, cf: float, errors: dict[int, float]) -> float:
    total = float(node.counts.sum())
    e_leaf = total - float(node.counts.max())
    leaf_est = e_leaf + added_errors_scalar(total, e_leaf, cf)
    if node.kind == "leaf":
        return leaf_est
    # the subtree below is not pruned yet (top-down): its training errors as grown
    if errors[id(node)] >= e_leaf - 1e-3:  # collapse
        node.pruned = True
        return leaf_est
    sub = sum(_collapse_and_prune(c, cf, errors) for c in node.children)
    if leaf_est <= sub + 0.1:
        node.pruned = True
        return leaf_est
    return sub


def _unpruned_errors(node: Node, out: dict[int, float]) -> dict[int, float]:
    """Training errors (leaf errors summed) of every subtree, in one pass."""
    if node.is_leaf:
        out[id(node)] = float(node.counts.sum() - node.counts.max())
    else:
        for c in node.children:
            _unpruned_errors(c, out)
        out[id(node)] = sum(out[id(c)] for c in node.children)
    return out


def reduced_error_prune(root: Node, table: Table, y: np.ndarray, n_classes: int) -> None:
    """Reduced-error pruning on the hold-out rows ``table``/``y``, in place."""
    held = _reached_counts(root, table, y, n_classes, accumulate=True)

    def prune(node: Node) -> float:
        h = held.get(id(node), np.zeros(n_classes))
        leaf_err = float(h.sum() - h[np.argmax(_distribution(node))])
        if node.kind == "leaf":
            return leaf_err
        sub = sum(prune(c) for c in node.children)
        if leaf_err <= sub + 1e-9:
            node.pruned = True
            return leaf_err
        return sub

    prune(root)


def refit_counts(root: Node, table: Table, y: np.ndarray, n_classes: int) -> None:
    """Replace every node's class counts by those of ``table``/``y`` (back-fitting);
    nodes no row reaches predict their parent's classes."""
    fresh = _reached_counts(root, table, y, n_classes, accumulate=False)

    def apply(node: Node, parent: np.ndarray) -> None:
        counts = fresh.get(id(node))
        node.counts = counts if counts is not None else np.zeros_like(parent)
        node.fallback = parent.copy()
        for c in node.children:
            apply(c, node.counts if node.counts.sum() > 0 else parent)

    apply(root, root.counts)


def _reached_counts(root: Node, table: Table, y: np.ndarray, n_classes: int,
                    accumulate: bool) -> dict[int, np.ndarray]:
    """Class counts of the rows of ``table`` reaching each node (by ``id``; nodes no row
    reaches are absent). ``accumulate``: a node that :func:`route` visits several times
    (rows spread over branches) sums its visits; otherwise the last visit counts."""
    flat = node_counts(root, table, y, n_classes)
    if flat is not None:  # every row placed: one path each, integer counts
        return {id(node): c for node, c in zip(*flat) if c.any()}
    out: dict[int, np.ndarray] = {}

    def visit(node: Node, idx: np.ndarray, w: np.ndarray) -> None:
        counts = np.bincount(y[idx], weights=w, minlength=n_classes)
        out[id(node)] = out.get(id(node), 0) + counts if accumulate else counts

    route(root, table, np.arange(table.n_rows), np.ones(table.n_rows), visit)
    return out


def truncated(root: Node, max_depth: int | None) -> Node:
    """A copy of the tree cut at ``max_depth`` (nodes there become leaves). Growth is
    greedy and top-down, so this equals the tree grown with that depth limit. Nodes are
    copied (pruning marks them); their arrays are shared (never modified in place)."""

    def copy_node(node: Node, depth: int) -> Node:
        if max_depth is not None and depth >= max_depth:
            return Node(node.counts, fallback=node.fallback)
        return Node(node.counts, node.kind, node.attribute, node.threshold,
                    [copy_node(c, depth + 1) for c in node.children], node.shares,
                    node.pruned, node.fallback)

    return copy_node(root, 0)


def count_leaves(node: Node) -> int:
    """Leaves of the (pruned) tree."""
    return 1 if node.is_leaf else sum(count_leaves(c) for c in node.children)
