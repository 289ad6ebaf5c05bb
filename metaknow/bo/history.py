"""Run history: every trial of a tuning run, persisted as it happens.

The history is an append-only JSON-lines file (``history.jsonl``): one line per finished
trial, flushed and fsync'ed before the optimiser moves on, so a run killed at any moment
loses at most the trials that were still running and never duplicates one. A torn last
line (the process died mid-write) is ignored on load. Small companion files (the run's
settings, the best configuration) are written atomically (temporary file + rename).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np
import pandas as pd

from metaknow.exceptions import TuneError
from metaknow.space import Configuration, config_hash

__all__ = ["Trial", "RunHistory", "STATUSES", "write_json_atomic", "read_json"]

#: "ok": every fold ran; "raced": stopped early by the intensifier (worse than the
#: incumbent on the folds it ran); "crash" / "timeout" / "memout": the objective failed.
STATUSES = ("ok", "raced", "crash", "timeout", "memout")
HISTORY_FILE = "history.jsonl"


@dataclass(frozen=True)
class Trial:
    """One finished trial.

    Attributes
    ----------
    trial_id : int
        0, 1, 2... in the order trials were proposed.
    config : dict
        Value form of the configuration.
    fold_costs : list of float
        Cost of each fold that ran (lower is better); empty for a failed trial.
    cost : float
        Mean of ``fold_costs``; ``inf`` for a failed trial.
    status : str
        One of :data:`STATUSES`.
    time : float
        Seconds spent in the objective.
    origin : str
        Who proposed it: ``"initial"``, ``"warm_start"``, ``"model"``, ``"branch"`` (the model's best
        within one branch of a categorical), ``"random"`` or
        ``"told"`` (an evaluation reported through ``tell`` that was never asked for).
    error : str
        Failure reason, empty when the trial ran.
    fold_scores : list of dict
        Optional per-fold metrics (e.g. ``{"roc_auc": 0.93}``) for the user's benefit.
    """

    trial_id: int
    config: Configuration
    fold_costs: list[float]
    cost: float
    status: str = "ok"
    time: float = 0.0
    origin: str = "model"
    error: str = ""
    fold_scores: list[dict[str, Any]] = field(default_factory=list)

    @property
    def config_hash(self) -> str:
        return config_hash(self.config)

    @property
    def failed(self) -> bool:
        return self.status in ("crash", "timeout", "memout")

    def to_json(self) -> str:
        d = asdict(self)
        d["cost"] = None if not math.isfinite(self.cost) else self.cost
        return json.dumps(d, separators=(",", ":"), default=_json_default)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Trial":
        cost = d.get("cost")
        return cls(int(d["trial_id"]), dict(d["config"]), [float(c) for c in d.get("fold_costs", [])],
                   math.inf if cost is None else float(cost), str(d.get("status", "ok")),
                   float(d.get("time", 0.0)), str(d.get("origin", "model")), str(d.get("error", "")),
                   list(d.get("fold_scores", [])))


class RunHistory:
    """The trials of one run, in memory and (optionally) on disk.

    Parameters
    ----------
    folder : path or None
        Where ``history.jsonl`` lives. Existing trials there are loaded (resume).
        ``None`` keeps the history in memory only.
    """

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = None if folder is None else Path(folder)
        self._trials: list[Trial] = []
        self._hashes: set[str] = set()
        if self.folder is not None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise TuneError(f"cannot create output folder {self.folder}: {exc.strerror}") from None
            if not self.folder.is_dir():
                raise TuneError(f"output path {self.folder} is not a folder")
            trials, valid_bytes = _read_trials(self.path)
            for trial in trials:
                self._remember(trial)
            if self.path.exists() and self.path.stat().st_size > valid_bytes:
                with open(self.path, "r+b") as fh:  # drop a torn last line before appending
                    fh.truncate(valid_bytes)

    @property
    def path(self) -> Path | None:
        return None if self.folder is None else self.folder / HISTORY_FILE

    def add(self, trial: Trial) -> None:
        """Record a finished trial (appended and fsync'ed before returning)."""
        if trial.status not in STATUSES:
            raise TuneError(f"unknown trial status {trial.status!r}")
        if self.path is not None:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(trial.to_json() + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        self._remember(trial)

    def _remember(self, trial: Trial) -> None:
        self._trials.append(trial)
        self._hashes.add(trial.config_hash)

    # ---------------------------------------------------------------- queries
    def __len__(self) -> int:
        return len(self._trials)

    def __iter__(self) -> Iterator[Trial]:
        return iter(self._trials)

    def __getitem__(self, i: int) -> Trial:
        return self._trials[i]

    def contains(self, config: Mapping[str, Any]) -> bool:
        return config_hash(config) in self._hashes

    def hashes(self) -> set[str]:
        """Hashes of every recorded configuration (a copy)."""
        return set(self._hashes)

    @property
    def next_id(self) -> int:
        return 1 + max((t.trial_id for t in self._trials), default=-1)

    def complete(self) -> list[Trial]:
        """Trials that ran every fold (candidates for the incumbent)."""
        return [t for t in self._trials if t.status == "ok"]

    def incumbent(self) -> Trial | None:
        """The complete trial of lowest cost (earliest on ties)."""
        done = self.complete()
        return min(done, key=lambda t: (t.cost, t.trial_id)) if done else None

    def worst_cost(self) -> float:
        """Largest finite cost seen, used for failed trials (0 when nothing ran)."""
        costs = [t.cost for t in self._trials if math.isfinite(t.cost)]
        return max(costs) if costs else 0.0

    def training_costs(self) -> np.ndarray:
        """One cost per trial for a surrogate: failed trials take the worst cost seen."""
        worst = self.worst_cost()
        return np.array([t.cost if math.isfinite(t.cost) else worst for t in self._trials])

    def to_frame(self) -> pd.DataFrame:
        """One row per trial (by id): cost, status, time, origin, best-so-far, then parameters."""
        rows = []
        best = math.inf
        for t in sorted(self._trials, key=lambda t: t.trial_id):  # parallel runs finish out of order
            if t.status == "ok":
                best = min(best, t.cost)
            rows.append({"trial": t.trial_id, "cost": t.cost, "status": t.status,
                         "n_folds": len(t.fold_costs), "time": t.time, "origin": t.origin,
                         "best_cost": best, "error": t.error,
                         **{f"param_{k}": v for k, v in t.config.items()}})
        return pd.DataFrame(rows)


def _read_trials(path: Path | None) -> tuple[list[Trial], int]:
    """Trials in ``path`` and the byte length of its complete lines."""
    if path is None or not path.exists():
        return [], 0
    out: list[Trial] = []
    seen: set[int] = set()
    valid = 0
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break  # torn last line: the writer died mid-write
            valid += len(raw)
            try:
                trial = Trial.from_dict(json.loads(raw.decode("utf-8")))
            except (ValueError, KeyError, TypeError):
                raise TuneError(f"{path} is not a metaknow run history (bad line "
                                f"{len(out) + 1})") from None
            if trial.trial_id not in seen:
                seen.add(trial.trial_id)
                out.append(trial)
    return out, valid


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in a run history")


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> None:
    """Write JSON to ``path`` so readers see the old file or the new one, never half."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 -> what open() would have given
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True, default=_json_default)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask (read from /proc when possible: setting it is not thread-safe)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_json(path: str | os.PathLike[str]) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise TuneError(f"cannot read {path}: {exc}") from None
