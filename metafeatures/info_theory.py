"""Information-theoretic meta-features (entropies in bits, log base 2).

Two families:

* **OpenML's** (``AttributeEntropy`` characterizer), classification only: class entropy,
  and over the *nominal* attributes only (numeric ones are not discretised) the
  attribute entropies, the mutual information with the class (rounded to 14 decimals,
  as OpenML does), the equivalent number of attributes and the noise-to-signal ratio.
  As in OpenML's engine a missing nominal value counts as the attribute's first
  declared value.
* **All attributes** (``*AllAtts``), classification and regression: numeric attributes
  (and a regression target) are discretised into ``k = max(2, floor(n ** (1/3)))``
  equal-frequency bins (cut points at the quantiles ``i / k``, linear interpolation; tied
  cut points merged; a value goes to the first bin whose upper cut point is >= it) —
  the discretisation pymfe uses. Missing values are left out attribute by attribute.
"""

from __future__ import annotations

import numpy as np

from metafeatures.context import DatasetContext
from metafeatures.registry import MetaFeatureGroup, guarded
from metafeatures.summaries import SUMMARY_STATS, equal_frequency_cuts, summary_values

__all__ = ["GROUP", "discretise", "entropy_bits"]

_STAT_WORDS = {"min": "Minimum", "q1": "First quartile", "q2": "Median", "q3": "Third quartile",
               "max": "Maximum", "mean": "Mean", "sd": "Sample standard deviation"}
_OPENML_STATS = ("min", "q1", "q2", "q3", "max", "mean")

DEFINITIONS: dict[str, str] = {
    "ClassEntropy": "Entropy of the class distribution, -sum p log2 p (classification only).",
    "EquivalentNumberOfAtts": "ClassEntropy / MeanMutualInformation (NaN when that mean is not positive).",
    "MeanNoiseToSignalRatio": "(MeanAttributeEntropy - MeanMutualInformation) / MeanMutualInformation.",
}
OPENML: set[str] = set(DEFINITIONS)
for _stat in SUMMARY_STATS:
    for _what, _words in (("AttributeEntropy", "entropy of each nominal attribute (bits)"),
                          ("MutualInformation", "mutual information of each nominal attribute "
                                                "with the class (bits)")):
        _name = f"{SUMMARY_STATS[_stat]}{_what}"
        DEFINITIONS[_name] = f"{_STAT_WORDS[_stat]} over nominal attributes of the {_words}."
        if _stat in _OPENML_STATS:
            OPENML.add(_name)
DEFINITIONS.update({
    "MeanJointEntropy": "Mean over nominal attributes of the joint entropy H(attribute, class).",
    "TargetEntropy": "Entropy of the target: the classes, or a regression target discretised.",
    "MeanAttributeEntropyAllAtts": "Mean entropy over all attributes, numeric ones discretised.",
    "MeanMutualInformationAllAtts": "Mean mutual information with the target (discretised if numeric) over all attributes.",
    "MaxMutualInformationAllAtts": "Largest mutual information with the target over all attributes.",
    "MeanJointEntropyAllAtts": "Mean joint entropy H(attribute, target) over all attributes.",
    "EquivalentNumberOfAttsAllAtts": "TargetEntropy / MeanMutualInformationAllAtts.",
    "NoiseToSignalRatioAllAtts": "(MeanAttributeEntropyAllAtts - MeanMutualInformationAllAtts) / MeanMutualInformationAllAtts.",
})
OPENML_NAMES = frozenset(OPENML)


def entropy_bits(counts: np.ndarray) -> float:
    """Entropy in bits of a vector of counts (zeros ignored)."""
    c = np.asarray(counts, dtype=float)
    c = c[c > 0]
    if c.size == 0:
        return float("nan")
    p = c / c.sum()
    return float(-(p * np.log2(p)).sum())


def discretise(x: np.ndarray, n_bins: int | None = None,
               sorted_x: np.ndarray | None = None) -> np.ndarray:
    """Equal-frequency bin index of each value (-1 for NaN); see the module docstring.

    ``sorted_x``: the same values sorted (NaN last), when already at hand.
    """
    x = np.asarray(x, dtype=float)
    out = np.full(x.shape, -1, dtype=np.int64)
    ok = ~np.isnan(x)
    count = int(ok.sum())
    if count == 0:
        return out
    cuts = equal_frequency_cuts(np.sort(x) if sorted_x is None else sorted_x, count, n_bins)
    out[ok] = np.searchsorted(cuts, x[ok], side="left")
    return out


def _contingency(a: np.ndarray, b: np.ndarray, kb: int | None = None) -> np.ndarray:
    """Joint counts of two code vectors (``b`` >= 0); rows where ``a`` is -1 are left out."""
    a = a.astype(np.intp)
    kb = int(b.max()) + 1 if kb is None else kb
    ka = int(a.max()) + 1
    joint = np.bincount((a + 1) * kb + b, minlength=(ka + 1) * kb)
    return joint[kb:].reshape(ka, kb)


def _openml(ctx: DatasetContext) -> dict[str, float]:
    if not ctx.is_classification:
        return {}
    y = ctx.y_codes
    class_entropy = entropy_bits(ctx.class_counts)
    out: dict[str, float] = {"ClassEntropy": class_entropy}
    q = len(ctx.categorical_columns)
    if q == 0:
        return out
    att_ent, mi, joint = [], [], []
    for j in range(q):
        # OpenML: a missing value counts as the first value
        table = _contingency(np.maximum(ctx.categorical_column(j), 0), y, ctx.n_classes)
        h_a = entropy_bits(table.sum(axis=1))
        h_ay = entropy_bits(table.ravel())
        att_ent.append(h_a)
        joint.append(h_ay)
        gain = class_entropy + h_a - h_ay
        mi.append(round(gain * 1e14) / 1e14)
    att_ent, mi = np.array(att_ent), np.array(mi)
    out.update(summary_values("{stat}AttributeEntropy", att_ent))
    out.update(summary_values("{stat}MutualInformation", mi))
    out["MeanJointEntropy"] = float(np.mean(joint))
    mean_mi = float(mi.mean())
    if mean_mi > 0:
        out["EquivalentNumberOfAtts"] = class_entropy / mean_mi
        out["MeanNoiseToSignalRatio"] = (float(att_ent.mean()) - mean_mi) / mean_mi
    return out


def _all_atts(ctx: DatasetContext) -> dict[str, float]:
    y = ctx.target_codes
    k_y = int(y.max()) + 1
    target_entropy = entropy_bits(np.bincount(y))
    out: dict[str, float] = {"TargetEntropy": target_entropy}
    # numeric attributes: their binned tables from the one numeric pass
    tables = list(ctx.profile.tables) if ctx.numeric_columns else []
    tables += [_contingency(ctx.categorical_column(j), y, k_y)
               for j in range(len(ctx.categorical_columns))]
    att_ent, mi, joint = [], [], []
    for table in tables:
        if table.sum() == 0:
            continue
        h_a, h_y, h_ay = (entropy_bits(table.sum(axis=1)), entropy_bits(table.sum(axis=0)),
                          entropy_bits(table.ravel()))
        att_ent.append(h_a)
        joint.append(h_ay)
        mi.append(max(h_a + h_y - h_ay, 0.0))
    if not att_ent:
        return out
    mean_mi, mean_ent = float(np.mean(mi)), float(np.mean(att_ent))
    out.update({"MeanAttributeEntropyAllAtts": mean_ent, "MeanMutualInformationAllAtts": mean_mi,
                "MaxMutualInformationAllAtts": float(np.max(mi)),
                "MeanJointEntropyAllAtts": float(np.mean(joint))})
    if mean_mi > 0:
        out["EquivalentNumberOfAttsAllAtts"] = target_entropy / mean_mi
        out["NoiseToSignalRatioAllAtts"] = (mean_ent - mean_mi) / mean_mi
    return out


def _compute(ctx: DatasetContext) -> dict[str, float]:
    out: dict[str, float] = {}
    all_names = [n for n in DEFINITIONS if n.endswith("AllAtts") or n == "TargetEntropy"]
    guarded(out, [n for n in DEFINITIONS if n not in all_names], lambda: _openml(ctx))
    guarded(out, all_names, lambda: _all_atts(ctx))
    return out


GROUP = MetaFeatureGroup(name="info-theory", compute=_compute, definitions=DEFINITIONS,
                         openml=OPENML_NAMES)
