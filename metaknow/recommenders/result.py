"""The answer of :func:`metaknow.recommend`: ranked configurations and their evidence.

A :class:`Recommendation` holds the ranked configurations (space, parameters, predicted
score with uncertainty, provenance), the nearest prior tasks, the meta-features used, the
strategy and a summary of the repository. It round-trips through JSON and hands its
configurations to the tools a user tunes with: Optuna, SMAC3, scikit-learn search CV,
LightGBM.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from metaknow.exceptions import RecommendError
from metaknow.recommenders.base import Candidate, NeighbourTask

__all__ = ["Recommendation"]

FORMAT_VERSION = 1


def _plain(v: Any) -> Any:
    """JSON-safe value: numpy scalars to Python, NaN/inf to None."""
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def _num(v: Any) -> float:
    return float("nan") if v is None else float(v)


def _candidate(c: dict[str, Any]) -> Candidate:
    return Candidate(c["config_id"], c["space_key"], dict(c["params"]), _num(c["score"]),
                     _num(c["uncertainty"]), c.get("source", "repository"),
                     tuple((str(t), _num(x)) for t, x in c.get("evidence", [])),
                     c.get("rationale", ""), _num(c.get("gain")), _num(c.get("gain_low")),
                     _num(c.get("gain_high")), bool(c.get("is_default", False)),
                     _num(c.get("fit_seconds")))


@dataclass
class Recommendation:
    """Ranked configurations for one dataset, with the evidence behind them.

    Attributes
    ----------
    configurations : list of Candidate
        Best first.
    nearest_tasks : list of NeighbourTask
        The closest prior tasks (after self-exclusion), closest first.
    metafeatures : dict
        The new dataset's meta-features (name -> value; NaN where undefined).
    metafeature_weights : dict
        Weight of each meta-feature in the task distance (learned; 0 = ignored).
    strategy : str
        The strategy that produced ``configurations`` (after any fallback).
    requested_strategy : str
    space : str
        The requested space (``"lightgbm"``... or ``"all"``).
    task_type, metric : str
    repository : dict
        Summary: ``name``, ``n_tasks``, ``n_configurations``, ``spaces``, ``metric``.
    dataset : dict
        ``name``, ``content_hash``, ``n_rows``, ``n_features`` when known.
    far_from_prior : bool
        The new task is unlike every prior task (its nearest distance exceeds the
        repository's typical neighbour gap); the portfolio was used.
    excluded_tasks : list of str
        Prior tasks left out because they are this very dataset.
    notes : list of str
    score_meaning : str
        What the configurations' ``score`` is (the strategy's scale).
    default : Candidate or None
        The library default with its predicted gain (0, the reference), when the strategy
        predicts gains over it; also among ``configurations`` when it ranks in the top k.
    no_signal : bool
        No recommended configuration is expected to beat the library default with the
        interval's confidence (every candidate's ``gain_low`` is at most 0).
    """

    configurations: list[Candidate]
    nearest_tasks: list[NeighbourTask]
    metafeatures: dict[str, float]
    strategy: str
    space: str
    task_type: str
    metric: str
    requested_strategy: str = ""
    metafeature_weights: dict[str, float] = field(default_factory=dict)
    repository: dict[str, Any] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    far_from_prior: bool = False
    excluded_tasks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    score_meaning: str = ""
    default: Candidate | None = None
    no_signal: bool = False

    # ------------------------------------------------------------- views
    def __len__(self) -> int:
        return len(self.configurations)

    @property
    def spaces(self) -> list[str]:
        """Space keys present among the configurations, in order of first appearance."""
        return list(dict.fromkeys(c.space_key for c in self.configurations))

    def configs(self) -> list[dict[str, Any]]:
        """Parameter dicts, best first."""
        return [dict(c.params) for c in self.configurations]

    def to_frame(self) -> pd.DataFrame:
        """One row per configuration: rank, space, score, uncertainty, predicted gain over
        the library default with its interval, predicted seconds of one fit, source, params."""
        return pd.DataFrame([{"rank": i + 1, "space": c.space_key, "score": c.score,
                              "uncertainty": c.uncertainty, "gain": c.gain,
                              "gain_low": c.gain_low, "gain_high": c.gain_high,
                              "is_default": c.is_default, "fit_seconds": c.fit_seconds,
                              "source": c.source,
                              "rationale": c.rationale, "config_id": c.config_id, **c.params}
                             for i, c in enumerate(self.configurations)])

    # -------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["format_version"] = FORMAT_VERSION
        return _plain(d)

    def to_json(self, indent: int | None = 2) -> str:
        """Standard JSON (NaN written as null)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> "Recommendation":
        """Rebuild from :meth:`to_json` output."""
        try:
            d = json.loads(text)
            if d.pop("format_version", FORMAT_VERSION) > FORMAT_VERSION:
                raise RecommendError("this recommendation was written by a newer metaknow")
            d["configurations"] = [_candidate(c) for c in d["configurations"]]
            d["default"] = _candidate(d["default"]) if d.get("default") else None
            d["nearest_tasks"] = [NeighbourTask(n["task_id"], n["name"], _num(n["distance"]),
                                                _num(n["similarity"])) for n in d["nearest_tasks"]]
            d["metafeatures"] = {k: _num(v) for k, v in d["metafeatures"].items()}
            d["metafeature_weights"] = {k: _num(v) for k, v in d.get("metafeature_weights", {}).items()}
            return cls(**d)
        except (ValueError, KeyError, TypeError) as exc:
            raise RecommendError(f"not a metaknow recommendation JSON ({type(exc).__name__}: {exc})") from None

    # ---------------------------------------------------------- hand-offs
    def _single_space_configs(self, space: str | None) -> list[Candidate]:
        if space is None:
            if len(self.spaces) > 1:
                raise RecommendError("the recommendation spans several spaces "
                                     f"({', '.join(self.spaces)}): name one with space=...")
            return list(self.configurations)
        keys = [s for s in self.spaces if s == space or s.split("/")[0] == space]
        if not keys:
            raise RecommendError(f"no recommended configuration of space {space!r}")
        return [c for c in self.configurations if c.space_key in keys]

    def enqueue_optuna(self, study: Any, n: int | None = None) -> int:
        """Enqueue the configurations into an Optuna study (tried first, best first).

        With several spaces, each trial also carries ``"algorithm"`` (the space name) so a
        define-by-run objective can branch on it. Returns the number enqueued.
        """
        from metaknow.integrations.optuna import require_optuna

        require_optuna()
        multi = len(self.spaces) > 1
        count = 0
        for c in self.configurations[:n]:
            params = ({"algorithm": c.space_key.split("/")[0], **c.params} if multi else dict(c.params))
            study.enqueue_trial(params, skip_if_exists=True)
            count += 1
        return count

    def to_smac_initial_design(self, configspace: Any = None, space: str | None = None) -> list[Any]:
        """``ConfigSpace.Configuration`` objects for SMAC3 (``additional_configs`` of an
        initial design). Without ``configspace``, metaknow's own space is converted."""
        from metaknow.integrations.configspace import to_configspace, to_configurations
        from metaknow.spaces import get_space

        cands = self._single_space_configs(space)
        name, _, task = cands[0].space_key.partition("/") if cands else ("", "", "")
        try:
            sp = get_space(name, task)
            cs = configspace if configspace is not None else to_configspace(sp)
            return to_configurations(sp, [c.params for c in cands], configspace=cs)
        except (ValueError, KeyError, TypeError) as exc:
            raise RecommendError(f"cannot express the configurations in that ConfigSpace ({exc})") from None

    def smac_additional_configs(self, space: str | None = None) -> list[dict[str, Any]]:
        """Plain parameter dicts, e.g. to build SMAC3 ``Configuration`` objects yourself."""
        return [dict(c.params) for c in self._single_space_configs(space)]

    def param_grid(self, prefix: str = "", space: str | None = None) -> list[dict[str, list[Any]]]:
        """A list of one-point grids for ``GridSearchCV(param_grid=...)``: exactly these
        configurations. ``prefix`` names the pipeline step (e.g. ``"model__"``)."""
        return [{prefix + k: [v] for k, v in c.params.items()} for c in self._single_space_configs(space)]

    def param_distributions(self, prefix: str = "", space: str | None = None) -> list[dict[str, list[Any]]]:
        """The same for ``RandomizedSearchCV(param_distributions=...)`` (each draw picks one
        recommended configuration at random)."""
        return self.param_grid(prefix, space)

    def lightgbm_params(self, i: int = 0) -> dict[str, Any]:
        """Keyword arguments for ``lightgbm.LGBMClassifier``/``LGBMRegressor`` of the ``i``-th
        LightGBM configuration (as metaknow's LightGBM space builds its model)."""
        from metaknow.spaces import get_algorithm

        lgbm = [c for c in self.configurations if c.space_key.split("/")[0] == "lightgbm"]
        if not lgbm:
            raise RecommendError("no LightGBM configuration in this recommendation")
        if not -len(lgbm) <= i < len(lgbm):
            raise RecommendError(f"there are {len(lgbm)} LightGBM configurations; index {i} is out of range")
        c = lgbm[i]
        model = get_algorithm("lightgbm").make_model(dict(c.params), c.space_key.split("/")[1], 0)
        params = model.get_params()
        keep = set(c.params) | {"subsample_freq"}
        return {k: v for k, v in params.items() if k in keep}
