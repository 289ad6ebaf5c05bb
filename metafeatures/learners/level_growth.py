"""Growing the non-random trees one depth at a time: every node of a level searched at once.

:func:`grow_by_levels` grows the tree that ``_Grower.grow`` grows node by node (the
same tree, to the last bit), with the split search of all the nodes of one depth done
by a few array operations instead of a few dozen per node:

* each numeric column is sorted once per tree; a level keeps, per column, its rows
  ordered by (node, value), and the next level's order follows by a stable grouping by
  child (no sort of values again);
* the class counts left of every cut of every (column, node) come from one
  ``bincount`` over the runs of equal values and a running sum, the nominal
  attributes' (node, level, class) tables from one ``bincount`` each;
* scores, gains and split information are computed per cut / candidate with the very
  expressions of the node-by-node search (``_h``, ``_split_info_rows``), and the choice
  among a node's candidates by the same :func:`~metafeatures.learners.multiway_tree.choose`.

This is exact only while every row weighs 1: class counts are then integers, whose
sums are exact in any order. A node whose chosen split meets rows with a missing
value (C4.5 sends them down every branch with fractional weights) hands its children
to the node-by-node grower, which also grows RandomTree (its random attribute draws
follow the depth-first order of the nodes).
"""

from __future__ import annotations

import numpy as np

from metafeatures.learners.cuts import first_minimum
from metafeatures.learners.multiway_tree import (Node, _Grower, _h, _split_info_rows, child_rows,
                                                 choose, empty_child)

__all__ = ["grow_by_levels"]

#: Arrays of a level are built in pieces of at most this many (entries x classes).
_BLOCK = 2_000_000


class _Level:
    """The nodes of one depth whose rows all weigh 1, and their rows.

    ``rows``: table rows, grouped by node (node ``i`` holds ``rows[starts[i]:starts[i+1]]``,
    in the order the node-by-node grower would hold them); ``order``: (p, N) positions
    into ``rows``, per numeric column ordered by node, then value (missing last).
    """

    def __init__(self, nodes: list[Node], rows: np.ndarray, starts: np.ndarray,
                 order: np.ndarray) -> None:
        self.nodes, self.rows, self.starts, self.order = nodes, rows, starts, order
        self.segment = np.repeat(np.arange(len(nodes)), np.diff(starts))


def grow_by_levels(g: _Grower) -> Node:
    """The tree ``g.grow(all rows, weights 1, 0)`` grows (``g`` must not be random)."""
    t = g.t
    n = t.n_rows
    root = Node(np.zeros(g.k))
    order = np.argsort(t.numeric, axis=0, kind="stable").T  # NaN last
    level = _Level([root], np.arange(n), np.array([0, n]), np.ascontiguousarray(order))
    columns = np.ascontiguousarray(t.numeric.T)
    depth = 0
    while level is not None:
        level = _grow_level(g, level, columns, depth)
        depth += 1
    return root


def _grow_level(g: _Grower, level: _Level, columns: np.ndarray, depth: int) -> _Level | None:
    """Search the splits of one level, hang the children; the next level (or None)."""
    k, m = g.k, len(level.nodes)
    y_rows = g.y[level.rows]
    counts = np.bincount(level.segment * k + y_rows, minlength=m * k).reshape(m, k)
    counts = counts.astype(float)
    for node, c in zip(level.nodes, counts):
        node.counts = c
    total = counts.sum(axis=1)
    active = [i for i in range(m) if not g.stops(counts[i], depth)]
    if not active:
        return None
    num = _numeric_gains(g, level, columns, y_rows, total)
    nom = _nominal_gains(g, level, y_rows, total)
    ones = np.ones(len(level.rows))
    next_nodes, next_positions = [], []
    for i in active:
        node = level.nodes[i]
        candidates = _candidates(i, num, nom, g.t.n_numeric)
        best = None if candidates is None else choose(*candidates[:2], g.criterion)
        if best is None:
            continue
        _, _, attr, numeric, thr = candidates
        lo, hi = level.starts[i], level.starts[i + 1]
        idx, w = level.rows[lo:hi], ones[lo:hi]
        split = g.split_of(idx, int(attr[best]), bool(numeric[best]), float(thr[best]))
        takes, unknown = g.apply_split(node, split, w)
        for b, take in enumerate(takes):
            if take is None:
                node.children.append(empty_child(node))
            elif len(unknown):  # fractional weights below: grown node by node
                node.children.append(g.grow(*child_rows(node, b, idx, w, take, unknown),
                                            depth + 1))
            else:
                child = Node(node.counts)  # counts set by the next level
                node.children.append(child)
                next_nodes.append(child)
                next_positions.append(lo + take)
    if not next_nodes:
        return None
    return _next_level(level, next_nodes, next_positions)


def _next_level(level: _Level, nodes: list[Node], positions: list[np.ndarray]) -> _Level:
    sizes = np.array([len(pos) for pos in positions])
    starts = np.concatenate([[0], np.cumsum(sizes)])
    taken = np.concatenate(positions)
    new_position = np.full(len(level.rows), -1)
    new_position[taken] = np.arange(len(taken))
    order = new_position[level.order]
    order = order[order >= 0].reshape(len(level.order), len(taken))  # value order kept
    segment = np.repeat(np.arange(len(nodes)), sizes)
    key = segment[order]
    if len(nodes) < 2 ** 16:
        key = key.astype(np.uint16)  # a radix sort
    order = np.take_along_axis(order, np.argsort(key, axis=1, kind="stable"), axis=1)
    return _Level(nodes, level.rows[taken], starts, order)


def _numeric_gains(g: _Grower, level: _Level, columns: np.ndarray, y_rows: np.ndarray,
                   total: np.ndarray) -> dict[str, np.ndarray] | None:
    """Per (node, numeric column): gain, split information and threshold of the best cut,
    and whether it has a valid cut (``ok``); arrays of shape (nodes, columns)."""
    p, k, m = g.t.n_numeric, g.k, len(level.nodes)
    if p == 0:
        return None
    n_rows = len(level.rows)
    min_side = np.full(m, g.min_leaf)
    if g.criterion == "gain_ratio":  # C4.5: >= 10% of the rows per class, <= 25
        min_side = np.maximum(g.min_leaf, np.minimum(0.1 * total / k, 25.0))
    width = max(1, _BLOCK // max(1, n_rows * k))
    parts = [_column_block(g, level, columns, y_rows, total, min_side, start,
                           min(p, start + width)) for start in range(0, p, width)]
    return {key: np.concatenate([part[key] for part in parts], axis=1) for key in parts[0]}


def _column_block(g: _Grower, level: _Level, columns: np.ndarray, y_rows: np.ndarray,
                  total: np.ndarray, min_side: np.ndarray, start: int, stop: int
                  ) -> dict[str, np.ndarray]:
    k, m = g.k, len(level.nodes)
    order = level.order[start:stop]
    width, n_rows = order.shape
    n_groups = width * m  # group = (column, node), column-major
    values = np.take_along_axis(columns[start:stop], level.rows[order], axis=1).ravel()
    node = level.segment[order].ravel()
    y_sorted = y_rows[order].ravel()
    group = np.repeat(np.arange(width) * m, n_rows) + node
    present = ~np.isnan(values)
    new_run = np.ones(len(values), dtype=bool)
    new_run[1:] = (group[1:] != group[:-1]) | (values[1:] != values[:-1])
    run = np.cumsum(new_run) - 1
    n_runs = int(run[-1]) + 1
    run_counts = np.bincount(run[present] * k + y_sorted[present],
                             minlength=n_runs * k).reshape(n_runs, k)
    cum = np.zeros((n_runs + 1, k), dtype=np.int64)
    np.cumsum(run_counts, axis=0, out=cum[1:])
    group_start = (np.arange(width)[:, None] * n_rows + level.starts[None, :-1]).ravel()
    base = cum[run[group_start]]
    n_present = np.bincount(group[present], minlength=n_groups)
    last = run[group_start + np.maximum(n_present - 1, 0)] + 1
    known_int = np.where((n_present > 0)[:, None], cum[last] - base, 0)
    # cuts: between two present values of a (column, node) that differ; every row
    # weighs 1, so the weight left of a cut is its position in the group plus one
    cut = np.flatnonzero(new_run[1:] & present[1:] & (group[1:] == group[:-1]))
    cols = group[cut]
    lw = (cut - group_start[cols] + 1).astype(float)
    rw = n_present[cols] - lw
    side = min_side[cols % m]
    valid = (lw >= side) & (rw >= side)
    cut, cols, lw, rw = cut[valid], cols[valid], lw[valid], rw[valid]
    left = cum[run[cut] + 1] - base[cols]
    score = _h(left) + _h(known_int[cols] - left)
    best_score, first, n_cuts = first_minimum(cols, score, n_groups)
    best_lw, best_rw, threshold = np.zeros(n_groups), np.zeros(n_groups), np.zeros(n_groups)
    owner = cols[first]
    best_lw[owner], best_rw[owner] = lw[first], rw[first]
    threshold[owner] = (values[cut[first]] + values[cut[first] + 1]) / 2.0
    known = known_int.astype(float)
    group_total = np.tile(total, width)
    ok = np.isfinite(best_score)
    with np.errstate(invalid="ignore", divide="ignore"):
        gain = (_h(known) - np.where(ok, best_score, 0.0)) / group_total
        if g.criterion == "gain_ratio":
            gain -= np.log2(np.maximum(n_cuts, 1)) / group_total
        info = _split_info_rows(np.column_stack([best_lw, best_rw, group_total - known.sum(axis=1)])
                                / group_total[:, None])
    return {key: a.reshape(width, m).T for key, a in
            (("gain", gain), ("info", info), ("threshold", threshold), ("ok", ok))}


def _nominal_gains(g: _Grower, level: _Level, y_rows: np.ndarray, total: np.ndarray
                   ) -> dict[str, np.ndarray] | None:
    """Per (node, nominal attribute): gain and split information of the multiway split,
    and whether it has two branches of ``min_leaf`` weight (``ok``); shape (nodes, q)."""
    t, k, m = g.t, g.k, len(level.nodes)
    q = len(t.n_levels)
    if q == 0:
        return None
    out = {"gain": np.zeros((m, q)), "info": np.zeros((m, q)), "ok": np.zeros((m, q), bool)}
    for a, n_lev in enumerate(t.n_levels):
        nodes_per_piece = max(1, _BLOCK // (n_lev * k))
        for first in range(0, m, nodes_per_piece):
            last = min(m, first + nodes_per_piece)
            lo, hi = level.starts[first], level.starts[last]
            code = t.codes[level.rows[lo:hi], a]
            known = code >= 0
            node = level.segment[lo:hi][known] - first
            table = np.bincount((node * n_lev + code[known]) * k + y_rows[lo:hi][known],
                                minlength=(last - first) * n_lev * k)
            table = table.reshape(last - first, n_lev, k).astype(float)
            sizes = table.sum(axis=2)
            wk = sizes.sum(axis=1)
            node_total = total[first:last]
            gain = (_h(table.sum(axis=1)) - _h(table).sum(axis=1)) / node_total
            shares = np.column_stack([sizes, node_total - wk]) / node_total[:, None]
            out["gain"][first:last, a] = gain
            out["info"][first:last, a] = _split_info_rows(shares)
            out["ok"][first:last, a] = np.sum(sizes >= g.min_leaf, axis=1) >= 2
    return out


def _candidates(i: int, num: dict | None, nom: dict | None, p: int
                ) -> tuple[np.ndarray, ...] | None:
    """Node ``i``'s candidates in the node-by-node grower's evaluation order (numeric
    columns, then nominal attributes): gain, split info, attribute, numeric?, threshold
    (None: no attribute at all)."""
    parts = []
    if num is not None:
        ok = num["ok"][i]
        cols = ok.nonzero()[0]
        parts.append((num["gain"][i][ok], num["info"][i][ok], cols, np.ones(len(cols), bool),
                      num["threshold"][i][ok]))
    if nom is not None:
        ok = nom["ok"][i]
        attrs = ok.nonzero()[0]
        parts.append((nom["gain"][i][ok], nom["info"][i][ok], attrs + p,
                      np.zeros(len(attrs), bool), np.zeros(len(attrs))))
    return tuple(np.concatenate(col) for col in zip(*parts)) if parts else None
