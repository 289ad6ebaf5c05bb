"""ConfigSpace bridge (SMAC3's space format): convert spaces and configurations both ways.

ConfigSpace is an optional dependency that SMAC3 brings along.
"""

from __future__ import annotations

from typing import Any, Mapping

from metaknow.exceptions import MetaknowError
from metaknow.space import Categorical, Configuration, Float, Integer, SearchSpace

__all__ = ["to_configspace", "to_configurations", "from_configuration"]

_NONE = "None"  # ConfigSpace choices cannot be None: stand-in label


def _require() -> Any:
    try:
        import ConfigSpace
    except ImportError:
        raise MetaknowError("this needs ConfigSpace: pip install smac (or ConfigSpace)") from None
    return ConfigSpace


def _label(value: Any) -> Any:
    return _NONE if value is None else (str(value) if isinstance(value, bool) else value)


def to_configspace(space: SearchSpace, seed: int | None = None) -> Any:
    """The equivalent ``ConfigSpace.ConfigurationSpace`` (conditions included)."""
    cs_mod = _require()
    cs = cs_mod.ConfigurationSpace(seed=seed)
    hps = {}
    for p in space.params:
        if isinstance(p, Float):
            hp = cs_mod.UniformFloatHyperparameter(p.name, p.low, p.high, default_value=p.default, log=p.log)
        elif isinstance(p, Integer):
            hp = cs_mod.UniformIntegerHyperparameter(p.name, p.low, p.high, default_value=p.default, log=p.log)
        else:
            hp = cs_mod.CategoricalHyperparameter(p.name, [_label(c) for c in p.choices],
                                                  default_value=_label(p.default))
        hps[p.name] = hp
    cs.add(list(hps.values()))
    for p in space.params:
        if p.condition is None:
            continue
        parent = hps[p.condition.parent]
        values = [_label(v) for v in p.condition.values]
        cond = (cs_mod.EqualsCondition(hps[p.name], parent, values[0]) if len(values) == 1
                else cs_mod.InCondition(hps[p.name], parent, values))
        cs.add(cond)
    return cs


def from_configuration(space: SearchSpace, config: Mapping[str, Any]) -> Configuration:
    """A ConfigSpace configuration (or dict of its values) in metaknow's value form."""
    values = dict(config)
    out: Configuration = {}
    for p in space.params:
        if p.name not in values:
            continue
        v = values[p.name]
        if isinstance(p, Categorical):
            v = next(c for c in p.choices if _label(c) == v)
        out[p.name] = v
    return space.validate(out)


def to_configurations(space: SearchSpace, configs: list[Mapping[str, Any]], seed: int | None = None,
                      configspace: Any = None) -> list[Any]:
    """metaknow configurations as ``ConfigSpace.Configuration`` objects (e.g. SMAC3's
    ``additional_configs`` for its initial design)."""
    cs_mod = _require()
    cs = configspace if configspace is not None else to_configspace(space, seed)
    return [cs_mod.Configuration(cs, values={k: _label(v) for k, v in space.validate(c).items()})
            for c in configs]
