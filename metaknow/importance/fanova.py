"""Functional ANOVA of a random forest, computed exactly from its trees' partitions.

Hutter, Hoos & Leyton-Brown (ICML 2014), "An efficient approach for assessing
hyperparameter importance": a regression tree is piecewise constant on axis-aligned
boxes (its leaves), so the marginal of its prediction over any subset ``S`` of inputs,
under the uniform measure on the hypercube, is itself piecewise constant and its
variance is exact. This module computes it without the grid of the original algorithm:

* leaf ``l`` has value ``v_l``, box ``B_l`` (cut to the surrogate's domain, see
  :mod:`~metaknow.importance.surrogates`) and measure ``m_l = prod_j w_lj`` (``w_lj`` its
  width along ``j`` as a share of the domain's);
* the marginal over ``S`` is ``g_S(x_S) = sum_l a_l 1[x_S in B_l,S]`` with
  ``a_l = v_l m_l / prod_{j in S} w_lj`` (the leaf's value times its measure along the
  inputs integrated out), so ``E[g_S^2] = a^T O_S a`` with ``O_S`` the matrix of
  overlaps ``|B_l,S ∩ B_k,S|``, the elementwise product of the per-input overlaps;
* ``Var g_S = E[g_S^2] - f_0^2`` (``f_0`` the tree's mean) is the sum of the fANOVA
  components of every subset of ``S``, so a main effect is ``V_i = Var g_{i}`` and a pair's
  interaction ``V_ij = Var g_{ij} - V_i - V_j``.

As in Hutter et al., each tree is decomposed on its own and the shares ``V_u / V`` are
averaged over the trees (a tree with zero variance is skipped); the cost per tree is
``O((d + P) L^2)`` for ``L`` leaves and ``P`` pairs. Exact beats a Monte-Carlo estimate
here: the forest *is* the function analysed, so any sampling error would be pure loss.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from metaknow.importance.base import Decomposition, ImportanceMethod
from metaknow.importance.surrogates import TaskSurrogate

__all__ = ["FANOVA", "tree_boxes", "box_decomposition"]


def tree_boxes(tree: Any, domain: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leaf values and boxes ``(values (L,), lo (L, d), hi (L, d))`` of a fitted
    scikit-learn regression tree (public ``tree_`` attributes), cut to ``domain``
    (``(d, 2)`` bounds) and rescaled so that the domain becomes the unit hypercube."""
    t = tree.tree_
    d = len(domain)
    lo = np.zeros((t.node_count, d))
    hi = np.ones((t.node_count, d))
    left, right, feature, threshold = t.children_left, t.children_right, t.feature, t.threshold
    for node in range(t.node_count):  # scikit-learn numbers a node after its parent
        a, b = left[node], right[node]
        if a == -1:
            continue
        f, th = feature[node], threshold[node]
        lo[a], hi[a], lo[b], hi[b] = lo[node], hi[node], lo[node], hi[node]
        hi[a, f] = min(hi[node, f], th)
        lo[b, f] = max(lo[node, f], th)
    leaf = left == -1
    span = domain[:, 1] - domain[:, 0]

    def rescale(a: np.ndarray) -> np.ndarray:
        return np.clip((a - domain[:, 0]) / span, 0.0, 1.0)

    return t.value[leaf, 0, 0].astype(float), rescale(lo[leaf]), rescale(hi[leaf])


def box_decomposition(values: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                      subsets: list[tuple[int, ...]]) -> tuple[float, dict[tuple[int, ...], float]]:
    """Total variance and the fANOVA component of each subset (size 1 or 2) of a
    piecewise-constant function on disjoint boxes covering the unit hypercube.

    Subsets of size 2 need their two single-input subsets in ``subsets`` too.
    """
    w = np.clip(hi - lo, 0.0, None)
    m = w.prod(axis=1)
    keep = m > 0
    values, lo, hi, w, m = values[keep], lo[keep], hi[keep], w[keep], m[keep]
    values = values - float(m @ values)  # centred: f_0 = 0, no cancellation below
    total = float(m @ values ** 2)
    overlaps: dict[int, np.ndarray] = {}

    def overlap(j: int) -> np.ndarray:
        if j not in overlaps:
            overlaps[j] = np.clip(np.minimum(hi[:, None, j], hi[None, :, j])
                                  - np.maximum(lo[:, None, j], lo[None, :, j]), 0.0, None)
        return overlaps[j]

    marginal: dict[tuple[int, ...], float] = {}
    for s in sorted(subsets, key=len):
        a = values * m / w[:, list(s)].prod(axis=1)
        O = overlap(s[0]) if len(s) == 1 else overlap(s[0]) * overlap(s[1])
        marginal[s] = max(float(a @ O @ a), 0.0)
    out: dict[tuple[int, ...], float] = {}
    for s, v in marginal.items():
        out[s] = v if len(s) == 1 else max(v - marginal[s[:1]] - marginal[s[1:]], 0.0)
    return total, out


class FANOVA(ImportanceMethod):
    """Exact functional ANOVA of each task's forest (main effects and pairs).

    Shares are fractions of each tree's total variance, averaged over the trees; the
    main effects and pair interactions of a tree sum to at most 1 (the rest is owed to
    interactions of three or more parameters).
    """

    name = "fanova"
    supports_pairs = True

    def decompose(self, surrogate: TaskSurrogate, pairs: bool = True) -> Decomposition:
        dims = surrogate.dims
        subsets: list[tuple[int, ...]] = [(j,) for j in dims]
        if pairs:
            subsets += list(combinations(dims, 2))
        sums = {s: 0.0 for s in subsets}
        totals = []
        for tree in surrogate.forest.estimators_:
            total, parts = box_decomposition(*tree_boxes(tree, surrogate.domain), subsets)
            totals.append(total)
            if total <= 1e-15:
                continue
            for s in subsets:
                sums[s] += parts[s] / total
        used = sum(t > 1e-15 for t in totals)
        names = surrogate.names
        shares = {tuple(names[j] for j in s): (v / used if used else 0.0) for s, v in sums.items()}
        return Decomposition(shares, float(np.mean(totals)) if used else 0.0)
