"""The registry of meta-feature groups.

A group is one module under :mod:`metafeatures` exposing ``GROUP``, a
:class:`MetaFeatureGroup`. Adding a group = one module + one line in ``_MODULES``.

Contract for ``MetaFeatureGroup.compute(ctx)``:

* it receives a :class:`~metafeatures.context.DatasetContext`; for an *expensive* group
  that context is already the stratified subsample (``ctx.dataset is ctx.sample``), so
  the group never has to choose;
* it returns a ``dict`` name -> float for (a subset of) the names in ``definitions``;
  names it leaves out become NaN, names it adds are dropped with a warning;
* NaN means "undefined for this dataset" (e.g. skewness without numeric attributes);
* it may raise: the extractor turns the whole group into NaN and warns. Finer-grained
  guarding (one failing meta-feature, the rest go on) is done with :func:`guarded`.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from metafeatures.context import DatasetContext

__all__ = ["MetaFeatureGroup", "MetaFeatureWarning", "get_group", "group_names",
           "all_groups", "guarded"]

#: group name -> module holding ``GROUP``; one line per group, in extraction order.
_MODULES: dict[str, str] = {
    "general": "metafeatures.general",
    "statistical": "metafeatures.statistical",
    "info-theory": "metafeatures.info_theory",
    "landmarking": "metafeatures.landmarking",
    "model-based": "metafeatures.model_based",
}


class MetaFeatureWarning(UserWarning):
    """A meta-feature could not be computed and was set to NaN."""


@dataclass(frozen=True)
class MetaFeatureGroup:
    """A named group of meta-features computed together from one dataset context.

    Parameters
    ----------
    name : str
        Group name used on the command line ("general", "statistical", ...).
    compute : callable
        ``compute(ctx) -> dict[str, float]``; see the module docstring for the contract.
    definitions : Mapping[str, str]
        Every output name -> a one-line definition (feeds ``docs/metafeatures.md``).
        Its order is the output order.
    expensive : bool, default False
        When True the group runs on the stratified subsample (above the row cap).
    openml : frozenset of str
        The output names that are OpenML data qualities with OpenML's definition.
    """

    name: str
    compute: Callable[["DatasetContext"], dict[str, float]]
    definitions: Mapping[str, str]
    expensive: bool = False
    openml: frozenset[str] = field(default_factory=frozenset)


def _load(name: str) -> MetaFeatureGroup:
    module_name = _MODULES[name]
    group = importlib.import_module(module_name).GROUP
    if not isinstance(group, MetaFeatureGroup) or group.name != name:
        raise TypeError(f"{module_name}.GROUP must be a MetaFeatureGroup named {name!r}")
    return group


def group_names() -> list[str]:
    """Names of the available groups, in extraction order."""
    return [_load(name).name for name in _MODULES]  # loading validates each module


def get_group(name: str) -> MetaFeatureGroup:
    """The group called ``name``.

    Raises
    ------
    DataError
        When no such group exists (a user-facing error: groups come from the CLI).
    """
    from metaknow.exceptions import DataError

    if name not in _MODULES:
        raise DataError(f"unknown meta-feature group {name!r}; choose from "
                        + ", ".join(_MODULES))
    return _load(name)


def all_groups() -> list[MetaFeatureGroup]:
    """Every available group, in extraction order."""
    return [_load(n) for n in _MODULES]


def guarded(out: dict[str, float], names: Iterable[str], compute: Callable[[], Mapping[str, float]],
            ) -> None:
    """Run ``compute()`` and merge its values into ``out``; on failure set ``names`` to NaN.

    The failure is reported as a :class:`MetaFeatureWarning`, and extraction goes on.
    """
    names = list(names)
    try:
        values = compute()
    except Exception as exc:  # one meta-feature failing must not stop the others
        warnings.warn(f"meta-features {', '.join(names[:3])}{'...' if len(names) > 3 else ''} "
                      f"failed ({type(exc).__name__}: {exc}); set to NaN",
                      MetaFeatureWarning, stacklevel=2)
        values = {}
    for name in names:
        out[name] = float(values.get(name, float("nan")))
    for name, value in values.items():
        if name not in out:
            out[name] = float(value)
