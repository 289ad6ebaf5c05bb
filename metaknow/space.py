"""Search spaces: typed hyperparameters, conditions, sampling and a numeric encoding.

A configuration has two forms, as in ConfigSpace:

* the *value form*, a ``dict`` holding exactly the active parameters with their typed
  values (what a model is built from, what the store hashes);
* the *vector form*, a float array in ``[0, 1]`` per parameter, ``NaN`` where the
  parameter is inactive (what surrogates and local search work on).

A space is pure data: the estimator each configuration builds is supplied by the
algorithm module that declares the space (see :mod:`metaknow.spaces`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from metaknow.exceptions import SpaceError

__all__ = [
    "Condition", "Float", "Integer", "Categorical", "Hyperparameter", "SearchSpace",
    "Configuration", "config_hash", "canonical_json", "choice_key",
]

Configuration = dict[str, Any]
Value = float | int | str | bool | None


@dataclass(frozen=True)
class Condition:
    """The parameter is active only while ``parent`` takes one of ``values``."""

    parent: str
    values: tuple[Value, ...]

    def holds(self, config: Mapping[str, Any]) -> bool:
        return self.parent in config and config[self.parent] in self.values


@dataclass(frozen=True)
class Float:
    """A real parameter on ``[low, high]``, optionally on a log scale."""

    name: str
    low: float
    high: float
    default: float
    log: bool = False
    condition: Condition | None = None

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise SpaceError(f"{self.name}: low must be below high")
        if self.log and self.low <= 0:
            raise SpaceError(f"{self.name}: a log-scale range must be positive")
        if not self.low <= self.default <= self.high:
            raise SpaceError(f"{self.name}: default {self.default} outside [{self.low}, {self.high}]")

    def to_unit(self, value: Any) -> float:
        v = float(value)
        if self.log:
            return (math.log(v) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (v - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            v = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            v = self.low + u * (self.high - self.low)
        return float(min(max(v, self.low), self.high))  # exp/log round-off stays in range

    def check(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise SpaceError(f"{self.name}: expected a number, got {value!r}")
        v = float(value)
        if not (self.low <= v <= self.high) or math.isnan(v):
            raise SpaceError(f"{self.name}: {v} is outside [{self.low}, {self.high}]")
        return v

    def to_dict(self) -> dict[str, Any]:
        return {"type": "float", "name": self.name, "low": self.low, "high": self.high,
                "default": self.default, "log": self.log, **_cond_dict(self.condition)}


@dataclass(frozen=True)
class Integer:
    """An integer parameter on ``[low, high]``, optionally on a log scale."""

    name: str
    low: int
    high: int
    default: int
    log: bool = False
    condition: Condition | None = None

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise SpaceError(f"{self.name}: low must be below high")
        if self.log and self.low <= 0:
            raise SpaceError(f"{self.name}: a log-scale range must be positive")
        if not self.low <= self.default <= self.high:
            raise SpaceError(f"{self.name}: default {self.default} outside [{self.low}, {self.high}]")

    def _bounds(self) -> tuple[float, float]:
        # Each integer owns an equal slice of the unit interval (rounding is fair).
        lo, hi = self.low - 0.4999, self.high + 0.4999
        return (math.log(lo), math.log(hi)) if self.log else (lo, hi)

    def to_unit(self, value: Any) -> float:
        lo, hi = self._bounds()
        v = math.log(float(value)) if self.log else float(value)
        return (v - lo) / (hi - lo)

    def from_unit(self, u: float) -> int:
        u = min(max(float(u), 0.0), 1.0)
        lo, hi = self._bounds()
        v = lo + u * (hi - lo)
        v = math.exp(v) if self.log else v
        return int(min(max(round(v), self.low), self.high))

    def check(self, value: Any) -> int:
        if isinstance(value, bool):
            raise SpaceError(f"{self.name}: expected an integer, got {value!r}")
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        if not isinstance(value, (int, np.integer)):
            raise SpaceError(f"{self.name}: expected an integer, got {value!r}")
        if not self.low <= int(value) <= self.high:
            raise SpaceError(f"{self.name}: {value} is outside [{self.low}, {self.high}]")
        return int(value)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "int", "name": self.name, "low": self.low, "high": self.high,
                "default": self.default, "log": self.log, **_cond_dict(self.condition)}


@dataclass(frozen=True)
class Categorical:
    """A parameter taking one of ``choices`` (str, int, float, bool or None)."""

    name: str
    choices: tuple[Value, ...]
    default: Value
    condition: Condition | None = None

    def __post_init__(self) -> None:
        if len(self.choices) < 1:
            raise SpaceError(f"{self.name}: no choices")
        if len(set(map(choice_key, self.choices))) != len(self.choices):
            raise SpaceError(f"{self.name}: duplicate choices")
        if choice_key(self.default) not in {choice_key(c) for c in self.choices}:
            raise SpaceError(f"{self.name}: default {self.default!r} is not a choice")

    def index(self, value: Any) -> int:
        k = choice_key(value)
        for i, c in enumerate(self.choices):
            if choice_key(c) == k:
                return i
        raise SpaceError(f"{self.name}: {value!r} is not one of {list(self.choices)}")

    def to_unit(self, value: Any) -> float:
        # Categories are encoded by index in the vector form; see SearchSpace.to_vector.
        return float(self.index(value))

    def from_unit(self, u: float) -> Value:
        return self.choices[int(min(max(round(u), 0), len(self.choices) - 1))]

    def check(self, value: Any) -> Value:
        return self.choices[self.index(value)]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "categorical", "name": self.name, "choices": list(self.choices),
                "default": self.default, **_cond_dict(self.condition)}


Hyperparameter = Float | Integer | Categorical


def choice_key(value: Any) -> tuple[str, str]:
    """Identity of a categorical value that keeps True apart from 1 and None apart from 'None'."""
    return (type(value).__name__ if not isinstance(value, np.generic) else
            type(value.item()).__name__, repr(value.item() if isinstance(value, np.generic) else value))


def _cond_dict(cond: Condition | None) -> dict[str, Any]:
    return {} if cond is None else {"condition": {"parent": cond.parent, "values": list(cond.values)}}


@dataclass(frozen=True)
class SearchSpace:
    """An ordered set of hyperparameters for one algorithm and task type.

    Parameters
    ----------
    name : str
        Short algorithm name (``"lightgbm"``, ``"random_forest"``...).
    task : {"classification", "regression"}
    params : sequence of Float, Integer or Categorical
        Parents must come before the parameters conditioned on them.
    version : str
        Bumped whenever ranges or the estimator built from a configuration change.
    fixed : dict
        Settings passed to the estimator for every configuration (not tuned).
    """

    name: str
    task: str
    params: tuple[Hyperparameter, ...]
    version: str = "1"
    fixed: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for p in self.params:
            if p.name in seen:
                raise SpaceError(f"space {self.name}: duplicate parameter {p.name!r}")
            if p.condition is not None and p.condition.parent not in seen:
                raise SpaceError(f"space {self.name}: {p.name!r} is conditioned on "
                                 f"{p.condition.parent!r}, which must be declared before it")
            seen.add(p.name)

    # ----------------------------------------------------------------- basics
    @property
    def key(self) -> str:
        """``name/task`` — how the store and the CLI identify the space."""
        return f"{self.name}/{self.task}"

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def __len__(self) -> int:
        return len(self.params)

    def __getitem__(self, name: str) -> Hyperparameter:
        for p in self.params:
            if p.name == name:
                return p
        raise SpaceError(f"space {self.name} has no parameter {name!r}")

    def default(self) -> Configuration:
        """The library's own default configuration (active parameters only)."""
        config: Configuration = {}
        for p in self.params:
            if p.condition is None or p.condition.holds(config):
                config[p.name] = p.default
        return config

    def active(self, config: Mapping[str, Any]) -> list[str]:
        """Names of the parameters active under ``config`` (in declaration order)."""
        out: list[str] = []
        partial: dict[str, Any] = {}
        for p in self.params:
            if p.condition is None or p.condition.holds(partial):
                out.append(p.name)
                if p.name in config:
                    partial[p.name] = config[p.name]
        return out

    # ------------------------------------------------------------- validation
    def validate(self, config: Mapping[str, Any], fill_defaults: bool = False) -> Configuration:
        """Check a configuration and return its canonical value form.

        Raises
        ------
        SpaceError
            Unknown parameter, illegal value, missing active parameter, or a value for
            an inactive one.
        """
        if not isinstance(config, Mapping):
            raise SpaceError(f"a configuration must be a mapping, got {type(config).__name__}")
        unknown = set(config) - set(self.names)
        if unknown:
            raise SpaceError(f"space {self.name} has no parameter(s) {sorted(unknown)}")
        out: Configuration = {}
        for p in self.params:
            if p.condition is not None and not p.condition.holds(out):
                if p.name in config and config[p.name] is not None and fill_defaults is False:
                    raise SpaceError(f"{p.name} is inactive when {p.condition.parent}="
                                     f"{out.get(p.condition.parent)!r}")
                continue
            if p.name not in config:
                if not fill_defaults:
                    raise SpaceError(f"configuration lacks active parameter {p.name!r}")
                out[p.name] = p.default
            else:
                out[p.name] = p.check(config[p.name])
        return out

    def is_valid(self, config: Mapping[str, Any]) -> bool:
        try:
            self.validate(config)
        except SpaceError:
            return False
        return True

    # --------------------------------------------------------------- encoding
    @property
    def cat_sizes(self) -> np.ndarray:
        """Number of choices per parameter (0 for numeric ones) — for tree surrogates."""
        return np.array([len(p.choices) if isinstance(p, Categorical) else 0 for p in self.params])

    def to_vector(self, config: Mapping[str, Any]) -> np.ndarray:
        """Vector form: numeric parameters in [0, 1], categoricals by choice index, NaN inactive."""
        vec = np.full(len(self.params), np.nan)
        for i, p in enumerate(self.params):
            if p.name in config and config[p.name] is not None or (
                    isinstance(p, Categorical) and p.name in config):
                vec[i] = p.to_unit(config[p.name])
        return vec

    def to_matrix(self, configs: Iterable[Mapping[str, Any]]) -> np.ndarray:
        rows = [self.to_vector(c) for c in configs]
        return np.vstack(rows) if rows else np.empty((0, len(self.params)))

    def from_vector(self, vec: Sequence[float]) -> Configuration:
        """Value form of a vector; NaN entries and inactive parameters are left out.

        A NaN for an active parameter takes the parameter's default.
        """
        config: Configuration = {}
        for p, u in zip(self.params, vec):
            if p.condition is not None and not p.condition.holds(config):
                continue
            config[p.name] = p.default if u is None or np.isnan(u) else p.from_unit(u)
        return config

    # --------------------------------------------------------------- sampling
    def sample(self, rng: np.random.Generator | int | None = None, n: int = 1) -> list[Configuration]:
        """``n`` configurations drawn uniformly (log-uniformly on log scales)."""
        rng = np.random.default_rng(rng)
        return [self.from_vector(self._random_unit(rng)) for _ in range(n)]

    def _random_unit(self, rng: np.random.Generator) -> np.ndarray:
        vec = rng.random(len(self.params))
        for i, p in enumerate(self.params):
            if isinstance(p, Categorical):
                vec[i] = rng.integers(len(p.choices))
        return vec

    def design(self, n: int, seed: int = 0, include_default: bool = True) -> list[Configuration]:
        """A space-filling design of ``n`` distinct configurations (scrambled Sobol).

        The library default comes first when ``include_default``. Categorical values are
        spread evenly across the design; duplicates (possible with few choices) are
        replaced by fresh Sobol points.
        """
        if n < 1:
            raise SpaceError("a design needs at least one configuration")
        out: list[Configuration] = []
        seen: set[str] = set()
        if include_default:
            d = self.default()
            out.append(d)
            seen.add(config_hash(d))
        from scipy.stats import qmc  # imported on use: scipy.stats takes a second to load

        sampler = qmc.Sobol(d=len(self.params), scramble=True, seed=seed)
        attempts = 0
        while len(out) < n and attempts < 50:
            attempts += 1
            m = int(2 ** math.ceil(math.log2(max(2, 2 * (n - len(out))))))
            for u in sampler.random(m):
                vec = u.copy()
                for i, p in enumerate(self.params):
                    if isinstance(p, Categorical):
                        vec[i] = min(int(u[i] * len(p.choices)), len(p.choices) - 1)
                config = self.from_vector(vec)
                h = config_hash(config)
                if h not in seen:
                    seen.add(h)
                    out.append(config)
                    if len(out) == n:
                        break
        return out

    def neighbours(self, config: Mapping[str, Any], rng: np.random.Generator,
                   n: int = 4, scale: float = 0.2) -> list[Configuration]:
        """``n`` random one-parameter perturbations of ``config`` (for local search).

        Numeric parameters move by a Gaussian step of ``scale`` in the unit interval;
        categorical ones switch to another choice.
        """
        active = self.active(config)
        if not active:
            return []
        vec = self.to_vector(config)
        out: list[Configuration] = []
        for _ in range(n):
            name = active[int(rng.integers(len(active)))]
            i = self.names.index(name)
            p = self.params[i]
            new = vec.copy()
            if isinstance(p, Categorical):
                if len(p.choices) < 2:
                    continue
                choice = int(rng.integers(len(p.choices) - 1))
                new[i] = choice if choice < new[i] else choice + 1
            else:
                new[i] = float(np.clip(new[i] + rng.normal(0, scale), 0.0, 1.0))
            # Newly activated children take a random value rather than NaN.
            cand = self.from_vector(new)
            for j, q in enumerate(self.params):
                if q.name in cand and np.isnan(new[j]):
                    cand[q.name] = q.from_unit(rng.integers(len(q.choices)) if isinstance(q, Categorical)
                                               else rng.random())
            out.append(self.validate(cand, fill_defaults=True))
        return out

    # ---------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready definition (stored with every repository)."""
        return {"name": self.name, "task": self.task, "version": self.version,
                "params": [p.to_dict() for p in self.params], "fixed": dict(self.fixed)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SearchSpace":
        """Rebuild a space from :meth:`to_dict` output (no code is evaluated)."""
        makers: dict[str, Callable[..., Hyperparameter]] = {
            "float": Float, "int": Integer, "categorical": Categorical}
        params = []
        try:
            for d in data["params"]:
                d = dict(d)
                kind = d.pop("type")
                cond = d.pop("condition", None)
                if cond is not None:
                    d["condition"] = Condition(cond["parent"], tuple(cond["values"]))
                if kind == "categorical":
                    d["choices"] = tuple(d["choices"])
                params.append(makers[kind](**d))
            return cls(data["name"], data["task"], tuple(params), str(data.get("version", "1")),
                       dict(data.get("fixed", {})))
        except (KeyError, TypeError) as exc:
            raise SpaceError(f"malformed space definition ({exc})") from None


def canonical_json(config: Mapping[str, Any]) -> str:
    """Sorted-key compact JSON with floats rounded to 12 significant digits."""
    def norm(v: Any) -> Any:
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float):
            return float(f"{v:.12g}")
        return v
    return json.dumps({k: norm(v) for k, v in sorted(config.items())}, sort_keys=True,
                      separators=(",", ":"))


def config_hash(config: Mapping[str, Any]) -> str:
    """Stable 16-hex-digit identity of a configuration's value form."""
    return hashlib.sha256(canonical_json(config).encode()).hexdigest()[:16]
