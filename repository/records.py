"""Plain records that every repository source produces and the store ingests.

Sources (the local builder, the OpenML client, an OpenML export file, an ASlib
scenario) know nothing about SQL: they yield these records, and
``Store.ingest(records, provenance=...)`` writes them in one transaction per batch.
Records refer to each other by natural keys (task name + source, space key,
configuration parameters), never by database ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

__all__ = ["TaskRecord", "MetaFeatureRecord", "SpaceRecord", "EvaluationRecord", "Status"]

Status = Literal["ok", "crash", "timeout", "memout"]


@dataclass(frozen=True)
class TaskRecord:
    """A prior task (a dataset with a target and an evaluation protocol).

    ``name`` is unique within ``source`` (e.g. source ``"corpus"``, ``"openml"``,
    ``"aslib:OPENML-WEKA-2017"``). ``protocol`` describes how evaluations were made
    (e.g. ``{"kind": "stratified_kfold", "n_splits": 5, "seed": 0, "max_rows": 5000}``)
    and ``splits`` may hold the fold of every row (list of ints) so the protocol is
    reproducible.
    """

    name: str
    source: str
    task_type: Literal["classification", "regression"]
    target: str = ""
    n_rows: int | None = None
    n_features: int | None = None
    n_classes: int | None = None
    content_hash: str | None = None
    openml_task_id: int | None = None
    openml_dataset_id: int | None = None
    protocol: Mapping[str, Any] = field(default_factory=dict)
    splits: tuple[int, ...] | None = None


@dataclass(frozen=True)
class MetaFeatureRecord:
    """Meta-feature values of one task from one extractor (``"metaknow"``, ``"openml"``...)."""

    task_name: str
    task_source: str
    values: Mapping[str, float]
    extractor: str
    extractor_version: str


@dataclass(frozen=True)
class SpaceRecord:
    """A search-space definition (``SearchSpace.to_dict()``) under its key ``name/task``."""

    key: str
    version: str
    definition: Mapping[str, Any]


@dataclass(frozen=True)
class EvaluationRecord:
    """One evaluation of a configuration on one fold (or the aggregate, fold = -1).

    ``metrics`` maps metric names (``accuracy``, ``balanced_accuracy``, ``roc_auc``,
    ``log_loss``, ``rmse``, ``r2``, ``predictive_accuracy``...) to values in their
    natural orientation (losses are not negated here). ``config_hash`` is
    :func:`metaknow.space.config_hash` of ``config`` when the source has already
    computed and checked it (an export's reader does, once per configuration); the
    store computes it otherwise. ``n_train`` is the number of rows the model was fitted
    on (its fidelity); when ``None`` the store derives it from the task's stored splits
    (0 = not recorded, when the task has none or ``fold`` is an aggregate).
    """

    task_name: str
    task_source: str
    space_key: str
    space_version: str
    config: Mapping[str, Any]
    fold: int
    repeat: int
    metrics: Mapping[str, float]
    status: Status = "ok"
    fit_time: float | None = None
    predict_time: float | None = None
    error: str | None = None
    config_hash: str | None = None
    n_train: int | None = None
