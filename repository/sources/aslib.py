"""Import an algorithm-selection scenario in the ASlib format into records.

An ASlib scenario (Bischl et al., "ASlib: A benchmark library for algorithm selection",
2016) is a folder holding ``description.txt`` (YAML: scenario id, performance measures,
whether to maximise them, algorithms), ``algorithm_runs.arff`` (instance, repetition,
algorithm, measures, run status), ``feature_values.arff`` (instance features),
``feature_runstatus.arff`` and ``cv.arff`` (the scenario's cross-validation folds).

How it maps onto the store
--------------------------
* each **instance** becomes a task ``<instance_id>`` of source ``aslib:<scenario id>``;
  for scenarios built from OpenML (id starting ``OPENML``) an integer instance id is the
  OpenML task id and is recorded as such; the scenario's CV fold is kept in the task's
  protocol;
* the **algorithms** become the configurations of one space per scenario,
  ``aslib_<scenario id>`` with a single categorical parameter ``algorithm`` — a space of
  records, not an executable one (it is not in the algorithm registry);
* the **features** become meta-features (extractor ``aslib``, version the scenario id);
  features of an instance whose feature run did not succeed are left out;
* every **algorithm run** becomes an evaluation (fold ``-1``, repeat = repetition - 1)
  with the scenario's measures (``predictive_accuracy`` also under ``accuracy``); run
  status ``timeout``/``memout`` are kept, other failures become ``crash`` with the
  ASlib status as the error text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from metaknow.exceptions import DataError, RepositoryError
from metaknow.io.arff import read_arff
from metaknow.space import Categorical, SearchSpace
from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord
from repository.sources.openml_mapping import MEASURES

__all__ = ["ASlibScenario", "aslib_records", "IMPORT_HELP", "add_import_arguments",
           "import_into"]

IMPORT_HELP = ("an algorithm-selection scenario in the ASlib format (description.txt, "
               "algorithm_runs.arff, feature_values.arff, ...)")

_REQUIRED = ("description.txt", "algorithm_runs.arff", "feature_values.arff")
_STATUS = {"ok": "ok", "timeout": "timeout", "memout": "memout"}


@dataclass(frozen=True)
class _Description:
    scenario_id: str
    measures: tuple[str, ...]
    maximize: tuple[bool, ...]
    algorithms: tuple[str, ...]


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _read_description(path: Path) -> _Description:
    import yaml  # PyYAML, installed with dask

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RepositoryError(f"{path}: cannot read the ASlib description ({exc})") from None
    if not isinstance(raw, dict) or "scenario_id" not in raw:
        raise RepositoryError(f"{path}: not an ASlib description (no scenario_id)")
    measures = tuple(str(m) for m in _as_list(raw.get("performance_measures")))
    if not measures:
        raise RepositoryError(f"{path}: no performance_measures")
    maximize = tuple(bool(m) for m in _as_list(raw.get("maximize")))
    if len(maximize) != len(measures):
        maximize = (maximize[:1] or (False,)) * len(measures)
    algos: list[str] = []
    if isinstance(raw.get("metainfo_algorithms"), dict):
        algos = [str(a) for a in raw["metainfo_algorithms"]]
    else:  # ASlib 1.x lists algorithms_deterministic / algorithms_stochastic
        for key in ("algorithms_deterministic", "algorithms_stochastic"):
            algos += [str(a) for a in _as_list(raw.get(key))]
    return _Description(str(raw["scenario_id"]), measures, maximize, tuple(algos))


def _int(value: Any, minus: int = 0) -> int | None:
    """An OpenML count feature as an int (``None`` when absent or missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or float(value) < 0:
        return None
    return int(round(float(value))) - minus


def _read(path: Path) -> pd.DataFrame:
    try:
        frame, _, _ = read_arff(path)
    except DataError as exc:
        raise RepositoryError(str(exc)) from None
    return frame


class ASlibScenario:
    """An ASlib scenario folder, read and checked.

    Parameters
    ----------
    directory : str or Path
    task_type : {"classification", "regression"}
        The type recorded for every instance (ASlib itself has no such notion; the
        OpenML scenarios are classification).

    Raises
    ------
    RepositoryError
        A required file is missing or unreadable, or columns are missing.
    """

    def __init__(self, directory: str | Path, task_type: str = "classification") -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise RepositoryError(f"{self.directory}: not an ASlib scenario folder")
        missing = [f for f in _REQUIRED if not (self.directory / f).is_file()]
        if missing:
            raise RepositoryError(f"{self.directory}: ASlib scenario lacks {', '.join(missing)}")
        self.task_type = task_type
        self.description = _read_description(self.directory / "description.txt")
        self.runs = _read(self.directory / "algorithm_runs.arff")
        self.features = _read(self.directory / "feature_values.arff")
        status_file = self.directory / "feature_runstatus.arff"
        self.feature_status = _read(status_file) if status_file.is_file() else None
        cv_file = self.directory / "cv.arff"
        self.cv = _read(cv_file) if cv_file.is_file() else None
        need = ["instance_id", "repetition", "algorithm", *self.description.measures]
        lacking = [c for c in need if c not in self.runs.columns]
        if lacking:
            raise RepositoryError(f"algorithm_runs.arff lacks columns {', '.join(lacking)}")
        if "instance_id" not in self.features.columns:
            raise RepositoryError("feature_values.arff lacks the instance_id column")
        algos = list(dict.fromkeys([*self.description.algorithms,
                                    *map(str, self.runs["algorithm"].dropna().unique())]))
        self.algorithms = tuple(algos)

    @property
    def scenario_id(self) -> str:
        return self.description.scenario_id

    @property
    def source(self) -> str:
        return f"aslib:{self.scenario_id}"

    def space(self) -> SearchSpace:
        """The record-only space whose configurations are the scenario's algorithms."""
        name = "aslib_" + re.sub(r"[^a-z0-9]+", "_", self.scenario_id.lower()).strip("_")
        return SearchSpace(name, self.task_type,
                           (Categorical("algorithm", self.algorithms, default=self.algorithms[0]),),
                           version="1")

    def instances(self) -> list[str]:
        ids = [*map(str, self.runs["instance_id"]), *map(str, self.features["instance_id"])]
        return list(dict.fromkeys(ids))

    def _openml_task_id(self, instance: str) -> int | None:
        if self.scenario_id.upper().startswith("OPENML") and instance.isdigit():
            return int(instance)
        return None

    def _cv_folds(self) -> dict[str, dict[str, int]]:
        if self.cv is None or "fold" not in self.cv.columns:
            return {}
        out: dict[str, dict[str, int]] = {}
        for inst, rep, fold in zip(self.cv["instance_id"], self.cv.get("repetition", 1),
                                   self.cv["fold"]):
            out.setdefault(str(inst), {})[f"cv_fold_repetition_{int(rep)}"] = int(fold)
        return out

    def _sizes(self) -> dict[str, dict[str, float]]:
        """OpenML-style size features per instance (when the scenario has them)."""
        cols = [c for c in ("NumberOfInstances", "NumberOfFeatures", "NumberOfClasses")
                if c in self.features.columns]
        first = self.features.drop_duplicates("instance_id", keep="first")
        return {str(i): {c: first[c].iloc[k] for c in cols}
                for k, i in enumerate(first["instance_id"])}

    def _failed_features(self) -> set[str]:
        if self.feature_status is None:
            return set()
        steps = [c for c in self.feature_status.columns if c not in ("instance_id", "repetition")]
        failed = set()
        for _, row in self.feature_status.iterrows():
            if any(str(row[s]) != "ok" for s in steps):
                failed.add(str(row["instance_id"]))
        return failed

    def records(self) -> Iterator[SpaceRecord | TaskRecord | MetaFeatureRecord | EvaluationRecord]:
        """The space, one task per instance, its features, and every algorithm run."""
        space = self.space()
        yield SpaceRecord(space.key, space.version, space.to_dict())
        folds = self._cv_folds()
        sizes = self._sizes()
        for inst in self.instances():
            protocol: dict[str, Any] = {"kind": "aslib", "scenario": self.scenario_id,
                                        **folds.get(inst, {})}
            tid = self._openml_task_id(inst)
            if tid is not None:
                protocol["openml_task_id"] = tid
            feats = sizes.get(inst, {})
            yield TaskRecord(name=inst, source=self.source, task_type=self.task_type,  # type: ignore[arg-type]
                             n_rows=_int(feats.get("NumberOfInstances")),
                             n_features=_int(feats.get("NumberOfFeatures"), minus=1),
                             n_classes=_int(feats.get("NumberOfClasses")),
                             openml_task_id=tid, protocol=protocol)
        failed = self._failed_features()
        names = [c for c in self.features.columns if c not in ("instance_id", "repetition")]
        first = self.features.drop_duplicates("instance_id", keep="first")
        for _, row in first.iterrows():
            inst = str(row["instance_id"])
            if inst in failed:
                continue
            values = {n: float(row[n]) for n in names}
            yield MetaFeatureRecord(inst, self.source, values, "aslib", self.scenario_id)
        measures = self.description.measures
        runs = self.runs
        statuses = (runs["runstatus"].astype(object).tolist() if "runstatus" in runs.columns
                    else ["ok"] * len(runs))
        values = {m: runs[m].to_numpy(dtype=float) for m in measures}
        for i, (inst, rep, algo) in enumerate(zip(runs["instance_id"], runs["repetition"],
                                                  runs["algorithm"])):
            metrics: dict[str, float] = {}
            for m in measures:
                v = float(values[m][i])
                if not math.isnan(v):
                    metrics[m] = v
                    if m in MEASURES:
                        metrics[MEASURES[m]] = v
            raw_status = str(statuses[i])
            status = _STATUS.get(raw_status, "crash")
            error = None if status == "ok" else f"ASlib run status {raw_status!r}"
            if status == "ok" and not metrics:
                status, error = "crash", "ASlib run without a performance value"
            yield EvaluationRecord(
                task_name=str(inst), task_source=self.source, space_key=space.key,
                space_version=space.version, config={"algorithm": str(algo)}, fold=-1,
                repeat=int(rep) - 1 if rep == rep else 0, metrics=metrics,
                status=status, error=error)  # type: ignore[arg-type]


def aslib_records(directory: str | Path, task_type: str = "classification") -> Iterator[Any]:
    """Records of an ASlib scenario folder (see :class:`ASlibScenario`)."""
    return ASlibScenario(directory, task_type).records()


# ------------------------------------------------------- ``metaknow repository import aslib``
def add_import_arguments(parser: Any) -> None:
    parser.add_argument("directory", help="the scenario folder, e.g. OPENML-WEKA-2017")
    parser.add_argument("--task-type", choices=["classification", "regression"],
                        default="classification", help="type recorded for every instance")


def import_into(store: Any, args: Any) -> dict[str, int]:
    scenario = ASlibScenario(args.directory, args.task_type)
    records = list(scenario.records())
    provenance = {"what": "import aslib",
                  "details": {"directory": str(Path(args.directory).resolve()),
                              "scenario": scenario.scenario_id,
                              "algorithms": len(scenario.algorithms)}}
    return dict(store.ingest(records, provenance=provenance))
