"""The one mapping from OpenML's evaluation records to repository records.

OpenML describes a prior evaluation as *(task id, flow id, hyperparameter setup,
measure value)*. Both OpenML sources — the live client (:mod:`repository.sources.openml`)
and the import of an exported file (:mod:`repository.sources.openml_export`) — reduce
what they read to :class:`OpenMLRun` and :class:`OpenMLTaskInfo` and pass them through
this module, so a run means the same thing in the store whichever way it arrived.

What the mapping does
---------------------
* **Spaces.** A flow is mapped onto one of our executable spaces (:data:`FLOW_MAPPINGS`):
  flow 6969 (scikit-learn pipeline: imputer + RandomForestClassifier) onto
  ``random_forest/classification``, flow 6970 (imputer + AdaBoost on decision trees) onto
  ``adaboost/classification``. OpenML parameter names are matched by their component and
  parameter name (``randomforestclassifier__bootstrap`` in an export column, or
  ``sklearn.ensemble.forest.RandomForestClassifier(16)_bootstrap`` in a live setup), and
  their values (JSON text on the server, ARFF tokens in exports) are converted to the
  space's types and validated by the space.
* **Constants.** Parameters the space holds fixed (e.g. ``max_depth=None``) must have
  that value in the run; a run that set them otherwise lies outside the space and is
  skipped, counted by reason in :attr:`RunMapper.skipped` (never silently).
* **Tasks.** An OpenML task becomes the task ``openml-task-<id>`` of source ``"openml"``
  with its task and dataset ids; ``n_rows``/``n_classes`` come from the qualities
  ``NumberOfInstances``/``NumberOfClasses`` and ``n_features`` is OpenML's
  ``NumberOfFeatures`` minus the target.
* **Meta-features.** OpenML's data qualities under extractor ``"openml"``, the class
  percentages in the form of :data:`metafeatures.STORE_ENGINE` (the export has
  MinorityClassPercentage as a fraction, today's server a percentage); the qualities no
  summary can be converted keep the server's definition (:mod:`metafeatures.conventions`).
* **Evaluations.** The measure is stored twice: under its OpenML name
  (``predictive_accuracy``) and under our metric name (``accuracy``), with ``fold = -1``:
  OpenML's value aggregates the task's own cross-validation (10-fold for OpenML100).
  Users upload the same configuration on a task more than once: every run is kept, the
  ``repeat`` index numbering the duplicates of a (task, configuration) in arrival order.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, Mapping

from metaknow.exceptions import RepositoryError, SpaceError
from metaknow.space import Categorical, Float, Integer, SearchSpace, config_hash
from metaknow.spaces import get_space
from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord

__all__ = [
    "SOURCE", "EXTRACTOR", "EXTRACTOR_VERSION", "FlowMapping", "FLOW_MAPPINGS", "OpenMLRun",
    "OpenMLTaskInfo", "RunMapper", "flow_mapping", "normalise_parameter_name", "parse_value",
    "task_name", "task_record", "metafeature_record", "records_from_openml",
]

SOURCE = "openml"
EXTRACTOR = "openml"
#: OpenML computes qualities server-side; the version names that origin.
EXTRACTOR_VERSION = "openml-server"

#: OpenML measure name -> our metric name.
MEASURES: dict[str, str] = {
    "predictive_accuracy": "accuracy",
    "area_under_roc_curve": "roc_auc",
    "root_mean_squared_error": "rmse",
}

#: OpenML task type ids -> our task types.
TASK_TYPES: dict[int, str] = {1: "classification", 2: "regression"}


@dataclass(frozen=True)
class FlowMapping:
    """How the runs of one OpenML flow map onto one of our spaces.

    Parameters
    ----------
    flow_id : int
    space : str
        Our algorithm name (``"random_forest"``); with ``task`` it names the space.
    task : str
    params : mapping our parameter -> OpenML keys
        Normalised OpenML parameter keys (see :func:`normalise_parameter_name`) that
        carry each parameter of our space; the first one present in a run is used.
    constants : mapping OpenML key -> value
        Parameters our space holds fixed; a run setting another value is skipped.
    derive : callable, optional
        Turns the values read into the space's parameters (e.g. OpenML's one
        ``max_features`` into our ``max_features_kind`` + ``max_features``).
    derived : tuple of str
        The space parameters ``derive`` provides.
    description : str
    """

    flow_id: int
    space: str
    task: str
    params: Mapping[str, tuple[str, ...]]
    constants: Mapping[str, Any] = field(default_factory=dict)
    derive: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    derived: tuple[str, ...] = ()
    description: str = ""

    def get_space(self) -> SearchSpace:
        space = get_space(self.space, self.task)
        missing = set(space.names) - set(self.params) - set(self.derived)
        if missing:  # the mapping must cover the whole space, or configs would not validate
            raise RepositoryError(f"mapping of OpenML flow {self.flow_id} does not cover "
                                  f"{self.space} parameters {sorted(missing)}")
        return space


def _forest_max_features(values: dict[str, Any]) -> dict[str, Any]:
    """OpenML's ``max_features`` (a fraction, or ``"sqrt"``/``"auto"``) -> our two parameters."""
    out = dict(values)
    mf = out.get("max_features")
    if isinstance(mf, str) and mf in ("sqrt", "auto"):  # "auto" meant sqrt for classifiers
        out["max_features_kind"] = "sqrt"
        out.pop("max_features")
    elif mf is not None:
        out["max_features_kind"] = "fraction"
    return out


_IMPUTER = ("columntransformer__numeric__imputer__strategy", "imputation__strategy",
            "conditionalimputer__strategy", "simpleimputer__strategy", "imputer__strategy")

FLOW_MAPPINGS: dict[int, FlowMapping] = {
    6969: FlowMapping(
        6969, "random_forest", "classification",
        params={
            "bootstrap": ("randomforestclassifier__bootstrap",),
            "criterion": ("randomforestclassifier__criterion",),
            "max_features": ("randomforestclassifier__max_features",),
            "min_samples_leaf": ("randomforestclassifier__min_samples_leaf",),
            "min_samples_split": ("randomforestclassifier__min_samples_split",),
            "imputer_strategy": _IMPUTER,
        },
        constants={
            "randomforestclassifier__max_depth": None,
            "randomforestclassifier__max_leaf_nodes": None,
            "randomforestclassifier__min_weight_fraction_leaf": 0.0,
            "randomforestclassifier__n_estimators": 100,
        },
        derive=_forest_max_features, derived=("max_features_kind",),
        description="sklearn pipeline: imputer + RandomForestClassifier (van Rijn & Hutter 2018)",
    ),
    6970: FlowMapping(
        6970, "adaboost", "classification",
        params={
            "algorithm": ("adaboostclassifier__algorithm",),
            "learning_rate": ("adaboostclassifier__learning_rate",),
            "max_depth": ("adaboostclassifier__base_estimator__max_depth",
                          "adaboostclassifier__estimator__max_depth",
                          "decisiontreeclassifier__max_depth"),
            "n_estimators": ("adaboostclassifier__n_estimators",),
            "imputer_strategy": _IMPUTER,
        },
        description="sklearn pipeline: imputer + AdaBoost on decision trees (van Rijn & Hutter 2018)",
    ),
}


def flow_mapping(flow_id: int) -> FlowMapping:
    """The mapping of ``flow_id``; :class:`RepositoryError` naming the mapped flows otherwise."""
    try:
        return FLOW_MAPPINGS[int(flow_id)]
    except (KeyError, TypeError, ValueError):
        known = ", ".join(f"{f} ({m.space})" for f, m in FLOW_MAPPINGS.items())
        raise RepositoryError(f"OpenML flow {flow_id} has no mapping onto a metaknow space; "
                              f"mapped flows: {known}") from None


# ------------------------------------------------------------------- parameters
_FULL_NAME = re.compile(r"^(?P<flow>.+)\((?P<version>\d+)\)_(?P<param>[^()]+)$")


@lru_cache(maxsize=4096)
def normalise_parameter_name(name: str) -> str:
    """The key an OpenML parameter is matched by: ``component__parameter``, lower case.

    Export columns (``randomforestclassifier__bootstrap``) are kept as they are; a live
    setup's full name ``sklearn.ensemble.forest.RandomForestClassifier(16)_bootstrap``
    becomes ``randomforestclassifier__bootstrap``.
    """
    m = _FULL_NAME.match(name.strip())
    if m is None:
        return name.strip().lower()
    component = m.group("flow").split("(", 1)[0].rsplit(".", 1)[-1]
    return f"{component}__{m.group('param')}".lower()


_LITERALS = {"true": True, "false": False, "none": None, "null": None}


def parse_value(raw: Any) -> Any:
    """An OpenML parameter value as a Python value.

    The server stores values as JSON text (``"true"``, ``"\\"gini\\""``, ``"null"``,
    ``"0.5"``); exports hold ARFF tokens (``True``, ``gini``, ``None``). Strings that are
    neither stay strings; non-strings (already parsed) pass through.
    """
    if not isinstance(raw, str):
        return raw
    return _parse_text(raw)


@lru_cache(maxsize=65536)
def _parse_text(raw: str) -> Any:
    text = raw.strip()
    if text.lower() in _LITERALS:
        return _LITERALS[text.lower()]
    try:
        return json.loads(text)
    except ValueError:
        return text


def _coerce(param: Any, value: Any) -> Any:
    """``value`` converted to the type of ``param`` (then checked by the space)."""
    if isinstance(param, Categorical):
        for choice in param.choices:
            if isinstance(choice, bool) or isinstance(value, bool):
                if choice is value:  # True must not match 1
                    return choice
            elif choice == value:  # 100 matches 100.0
                return choice
        return value
    if isinstance(param, Integer) and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(param, Float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return a == b


# ------------------------------------------------------------------ plain facts
@dataclass(frozen=True)
class OpenMLRun:
    """One run as OpenML reports it: task, raw parameters and the measure's value."""

    task_id: int
    parameters: Mapping[str, Any]
    value: float
    measure: str = "predictive_accuracy"
    run_id: int | None = None


@dataclass(frozen=True)
class OpenMLTaskInfo:
    """What is known of an OpenML task: ids, type, target and its dataset's qualities."""

    task_id: int
    dataset_id: int | None = None
    task_type: str = "classification"
    target: str = ""
    dataset_name: str | None = None
    estimation_procedure: str | None = None
    qualities: Mapping[str, float] = field(default_factory=dict)


def task_name(task_id: int) -> str:
    """The natural key of an OpenML task in the store (source ``"openml"``)."""
    return f"openml-task-{int(task_id)}"


def _count(qualities: Mapping[str, float], name: str, minus: int = 0) -> int | None:
    v = qualities.get(name)
    if v is None or not isinstance(v, (int, float)) or math.isnan(float(v)):
        return None
    return int(round(float(v))) - minus


def task_record(info: OpenMLTaskInfo) -> TaskRecord:
    """The :class:`TaskRecord` of an OpenML task."""
    q = info.qualities
    protocol: dict[str, Any] = {"kind": "openml_task", "task_id": int(info.task_id),
                                "url": f"https://www.openml.org/t/{int(info.task_id)}"}
    if info.estimation_procedure:
        protocol["estimation_procedure"] = info.estimation_procedure
    if info.dataset_name:
        protocol["dataset_name"] = info.dataset_name
    return TaskRecord(
        name=task_name(info.task_id), source=SOURCE, task_type=info.task_type,  # type: ignore[arg-type]
        target=info.target or "", n_rows=_count(q, "NumberOfInstances"),
        n_features=_count(q, "NumberOfFeatures", minus=1),
        n_classes=_count(q, "NumberOfClasses") if info.task_type == "classification" else None,
        openml_task_id=int(info.task_id),
        openml_dataset_id=int(info.dataset_id) if info.dataset_id is not None else None,
        protocol=protocol,
    )


def metafeature_record(info: OpenMLTaskInfo, engine: str | None = None) -> MetaFeatureRecord | None:
    """OpenML's qualities of the task's dataset (``None`` when none are known).

    The class percentages are converted to the conventions of ``engine`` (default
    :data:`metafeatures.STORE_ENGINE`, the one new datasets are extracted under when
    compared with a store), whichever form the server published
    (:func:`metafeatures.conventions.to_engine`); the qualities that cannot be converted
    (:data:`metafeatures.conventions.NOT_CONVERTIBLE`) keep the server's definition. The
    record's version names both (``openml-server:2018-percentages``).
    """
    from metafeatures import STORE_ENGINE
    from metafeatures.conventions import record_version, to_engine

    if not info.qualities:
        return None
    engine = engine or STORE_ENGINE
    values = {str(k): (float("nan") if v is None else float(v)) for k, v in info.qualities.items()}
    return MetaFeatureRecord(task_name(info.task_id), SOURCE, to_engine(values, engine), EXTRACTOR,
                             record_version(EXTRACTOR_VERSION, engine))


# ----------------------------------------------------------------------- runs
class RunMapper:
    """Maps the runs of one flow to :class:`EvaluationRecord` s of its space.

    Parameters
    ----------
    flow_id : int
        A flow in :data:`FLOW_MAPPINGS`.

    Attributes
    ----------
    mapped : int
        Runs turned into evaluations so far.
    skipped : Counter
        Runs left out, by reason (outside the space, no value...).
    """

    def __init__(self, flow_id: int) -> None:
        self.mapping = flow_mapping(flow_id)
        self.space = self.mapping.get_space()
        self.mapped = 0
        self.skipped: Counter[str] = Counter()
        self._repeats: Counter[tuple[int, str]] = Counter()
        self._sources = {name: keys for name, keys in self.mapping.params.items()}
        self._plans: dict[tuple[str, ...], tuple[list[tuple[str, str]], list[tuple[str, Any]]]] = {}

    def _plan(self, raw_keys: tuple[str, ...]
              ) -> tuple[list[tuple[str, str]], list[tuple[str, Any]]]:
        """Which raw key feeds each parameter, and which raw keys are constants (cached)."""
        plan = self._plans.get(raw_keys)
        if plan is None:
            by_key = {normalise_parameter_name(k): k for k in raw_keys}
            feeds = []
            for name, keys in self._sources.items():
                key = next((k for k in keys if k in by_key), None)
                if key is not None:
                    feeds.append((name, by_key[key]))
            constants = [(by_key[k], v) for k, v in self.mapping.constants.items() if k in by_key]
            plan = self._plans[raw_keys] = (feeds, constants)
        return plan

    def space_record(self) -> SpaceRecord:
        return SpaceRecord(self.space.key, self.space.version, self.space.to_dict())

    def config(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """Our configuration for a run's raw parameters; :class:`SpaceError` if outside."""
        plan, constants = self._plan(tuple(parameters))
        for raw_key, expected in constants:
            value = parse_value(parameters[raw_key])
            if not _same(value, expected):
                raise SpaceError(f"{normalise_parameter_name(raw_key)}={value!r} is outside the "
                                 f"{self.space.name} space (fixed at {expected!r})")
        values = {name: parse_value(parameters[raw_key]) for name, raw_key in plan}
        if self.mapping.derive is not None:
            values = self.mapping.derive(values)
        config: dict[str, Any] = {}
        for param in self.space.params:  # declaration order: parents before children
            if param.condition is not None and not param.condition.holds(config):
                continue
            if param.name not in values:
                keys = self._sources.get(param.name, ())
                raise SpaceError(f"run has no value for {param.name} "
                                 f"(looked for {', '.join(keys) or 'a derived value'})")
            config[param.name] = _coerce(param, values[param.name])
        return self.space.validate(config)

    def evaluation(self, run: OpenMLRun) -> EvaluationRecord | None:
        """The evaluation of one run, or ``None`` (and a count in :attr:`skipped`)."""
        value = run.value
        if value is None or not isinstance(value, (int, float)) or math.isnan(float(value)):
            self.skipped[f"no {run.measure} value"] += 1
            return None
        try:
            config = self.config(run.parameters)
        except SpaceError as exc:
            self.skipped[str(exc)] += 1
            return None
        key = (int(run.task_id), config_hash(config))  # the store's identity of a config
        repeat = self._repeats[key]
        self._repeats[key] += 1
        metrics = {run.measure: float(value)}
        if run.measure in MEASURES:
            metrics[MEASURES[run.measure]] = float(value)
        self.mapped += 1
        return EvaluationRecord(
            task_name=task_name(run.task_id), task_source=SOURCE, space_key=self.space.key,
            space_version=self.space.version, config=config, fold=-1, repeat=repeat,
            metrics=metrics, status="ok")


def records_from_openml(flow_id: int, tasks: Iterable[OpenMLTaskInfo], runs: Iterable[OpenMLRun],
                        mapper: RunMapper | None = None
                        ) -> Iterator[SpaceRecord | TaskRecord | MetaFeatureRecord | EvaluationRecord]:
    """Every record for a flow's runs on some tasks: the space, tasks, qualities, runs.

    Runs on tasks missing from ``tasks`` still get a task record (ids only), so that no
    run is lost. Pass a ``mapper`` to read its counts (mapped, skipped) afterwards.
    """
    mapper = mapper or RunMapper(flow_id)
    yield mapper.space_record()
    seen: set[int] = set()
    for info in tasks:
        if int(info.task_id) in seen:
            continue
        seen.add(int(info.task_id))
        yield task_record(info)
        mf = metafeature_record(info)
        if mf is not None:
            yield mf
    for run in runs:
        if int(run.task_id) not in seen:
            seen.add(int(run.task_id))
            yield task_record(OpenMLTaskInfo(int(run.task_id)))
        rec = mapper.evaluation(run)
        if rec is not None:
            yield rec
