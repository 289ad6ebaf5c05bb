"""OpenML qualities computed elsewhere, put under one engine's conventions.

OpenML's server changed some definitions between the engine that made the 2018 OpenML100
export and today's (see :data:`metafeatures.OPENML_ENGINES`). Values a store imports (the
export, or the live server) are converted to the conventions the store is compared under
(:data:`metafeatures.STORE_ENGINE`), where that can be done exactly from the values alone:

* ``MinorityClassPercentage``: a fraction under the 2018 engine, a percentage today;
  ``MajorityClassPercentage``: a percentage under both (the 2018 export still holds a
  fraction on 9 of its 100 tasks). Which form a stored value has is read off the class
  size (``value == size / n`` or ``100 * size / n``, to 1e-9), then it is scaled.
* :data:`NOT_CONVERTIBLE`: the nominal distinct-value summaries (today: values that
  occur, nominal target included; 2018: declared values, target excluded) and the
  skewness/kurtosis summaries (today: constant attributes left out; 2018: counted as 0)
  need the data itself; a summary cannot be converted. They stay as OpenML computed them
  (the export: the 2018 engine), and the record's version says so.
"""

from __future__ import annotations

import math
from typing import Mapping

__all__ = ["NOT_CONVERTIBLE", "to_engine", "record_version"]

_NOMINAL = [f"{s}NominalAttDistinctValues" for s in ("Max", "Min", "Mean", "Stdv")]
_MOMENTS = [f"{s}{m}OfNumericAtts" for m in ("Skewness", "Kurtosis")
            for s in ("Min", "Quartile1", "Quartile2", "Quartile3", "Max", "Mean")]
#: Qualities whose definitions differ between the engines and that no stored value can be
#: converted: they keep the definition of the engine that computed them.
NOT_CONVERTIBLE: tuple[str, ...] = tuple(_NOMINAL + _MOMENTS)

#: engine -> class percentage quality -> stored as a percentage (True) or a fraction.
_PERCENT = {"today": {"MajorityClassPercentage": True, "MinorityClassPercentage": True},
            "2018": {"MajorityClassPercentage": True, "MinorityClassPercentage": False}}


def _form(value: float, size: float | None, n: float | None) -> str | None:
    """'fraction' or 'percent' when ``value`` is ``size / n`` in one of the two forms."""
    if size is None or n is None or not n or any(map(math.isnan, (value, size, n))):
        return None
    share = size / n
    if math.isclose(value, share, rel_tol=1e-9, abs_tol=1e-12):
        return "fraction" if not math.isclose(share, 100 * share) else None
    if math.isclose(value, 100 * share, rel_tol=1e-9, abs_tol=1e-12):
        return "percent"
    return None


def to_engine(values: Mapping[str, float], engine: str) -> dict[str, float]:
    """``values`` (OpenML qualities of one dataset) with the class percentages in the
    form ``engine`` ("today" or "2018") defines; every other value unchanged.

    A percentage whose form cannot be read off its class size (size or instance count
    missing, or a value that is neither form) is left as it is.
    """
    if engine not in _PERCENT:
        raise ValueError(f"unknown OpenML engine {engine!r}; choose one of {', '.join(_PERCENT)}")
    out = dict(values)
    n = values.get("NumberOfInstances")
    for name, want_percent in _PERCENT[engine].items():
        if name not in values:
            continue
        size = values.get(name.replace("Percentage", "Size"))
        form = _form(float(values[name]), size, n)
        if form == "fraction" and want_percent:
            out[name] = 100.0 * float(values[name])
        elif form == "percent" and not want_percent:
            out[name] = float(values[name]) / 100.0
    return out


def record_version(origin: str, engine: str) -> str:
    """The version label of imported qualities: their origin and the engine whose
    conventions the convertible ones follow (the :data:`NOT_CONVERTIBLE` ones keep the
    origin's)."""
    return f"{origin}:{engine}-percentages"
