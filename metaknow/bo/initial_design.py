"""Initial design: the configurations evaluated before the surrogate takes over.

Default: warm-start configurations recommended for the dataset by metaknow's
recommender (:func:`recommended_configs`, the one place the BO loop calls it), topped up
by a space-filling Sobol design when fewer than ``n_min`` are usable. Without a
recommendation: the Sobol design of :meth:`SearchSpace.design` (library default first).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Mapping, Sequence

from metaknow.exceptions import SpaceError, TuneError
from metaknow.space import Configuration, SearchSpace, config_hash

__all__ = ["InitialDesign", "SobolDesign", "WarmStartDesign", "default_size",
           "recommended_configs"]


def default_size(space: SearchSpace, budget: int | None = None) -> int:
    """Cold-start design size: 3 per parameter, at least 5, at most a quarter of the budget."""
    n = max(5, 3 * len(space))
    if budget is not None:
        n = min(n, max(2, budget // 4))
    return n


class InitialDesign(ABC):
    """Returns the configurations, with their origin, to evaluate first."""

    @abstractmethod
    def configs(self, space: SearchSpace, seed: int) -> list[tuple[Configuration, str]]:
        """``(configuration, origin)`` pairs, distinct, valid for ``space``."""


class SobolDesign(InitialDesign):
    """``n`` configurations of a scrambled Sobol design (library default first)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def configs(self, space: SearchSpace, seed: int) -> list[tuple[Configuration, str]]:
        if self.n <= 0:
            return []
        return [(c, "initial") for c in space.design(self.n, seed=seed)]


class WarmStartDesign(InitialDesign):
    """Given configurations first (invalid ones are skipped), then Sobol up to ``n_min``.

    Parameters
    ----------
    warm_start : sequence of dict
        Configurations in value form, best first.
    n_min : int
        Minimum design size; Sobol points fill the gap.
    strict : bool
        Raise :class:`TuneError` on an invalid configuration instead of skipping it.
    """

    def __init__(self, warm_start: Sequence[Mapping[str, Any]], n_min: int = 3,
                 strict: bool = False) -> None:
        self.warm_start = list(warm_start)
        self.n_min = n_min
        self.strict = strict

    def configs(self, space: SearchSpace, seed: int) -> list[tuple[Configuration, str]]:
        out: list[tuple[Configuration, str]] = []
        seen: set[str] = set()
        for i, raw in enumerate(self.warm_start):
            try:
                config = space.validate(raw, fill_defaults=True)
            except SpaceError as exc:
                if self.strict:
                    raise TuneError(f"warm-start configuration {i + 1} does not fit space "
                                    f"{space.key}: {exc}") from None
                continue
            h = config_hash(config)
            if h not in seen:
                seen.add(h)
                out.append((config, "warm_start"))
        if len(out) < self.n_min:
            for config in space.design(self.n_min + len(out), seed=seed):
                if len(out) >= self.n_min:
                    break
                h = config_hash(config)
                if h not in seen:
                    seen.add(h)
                    out.append((config, "initial"))
        return out


def recommended_configs(data: Any, space: SearchSpace, k: int, repository: Any = "bundled",
                        n_nearest: int = 5, max_fit_seconds: float | None = None
                        ) -> tuple[list[Configuration], Any]:
    """Warm-start configurations for ``data`` from :func:`metaknow.recommend`
    (``max_fit_seconds``: leave out those predicted to take longer per fit).

    Returns ``(configurations of space, the Recommendation)``; configurations recommended
    for another space are dropped. Errors of the recommender (no repository, no prior
    evaluations of this space) propagate as :class:`~metaknow.exceptions.MetaknowError`.
    """
    from metaknow.recommend import recommend

    result = recommend(data, space=space.name, k=k, repository=repository, n_nearest=n_nearest,
                       max_fit_seconds=max_fit_seconds)
    configs = [dict(item.params) for item in result.configurations
               if getattr(item, "space_key", space.key) in (space.key, space.name)]
    return configs[:k], result
