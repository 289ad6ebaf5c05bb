"""Import an exported file of OpenML runs (and a task-qualities file) into records.

The export format is the one of the OpenML100 flow exports by van Rijn & Hutter: an ARFF
file (plain or gzip) whose first comment line is a JSON header::

    % {"flow_id": 6969, "col_parameters": [...], "col_measures": ["predictive_accuracy"], ...}

followed by one column per flow parameter, the measure column(s) and ``task_id``. The
qualities file is JSON (plain or gzip) mapping each task id to OpenML's data qualities
of its dataset (``{"3": {"NumberOfInstances": 3196.0, ...}, ...}``).

Every row becomes one :class:`~repository.records.EvaluationRecord` through the one
mapping in :mod:`repository.sources.openml_mapping`.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from metaknow.exceptions import DataError, RepositoryError
from metaknow.io.arff import read_arff
from repository.sources.openml_mapping import (
    OpenMLRun, OpenMLTaskInfo, RunMapper, records_from_openml,
)

__all__ = ["ExportHeader", "OpenMLExport", "read_header", "read_qualities", "export_records",
           "ingest_export", "IMPORT_HELP", "add_import_arguments", "import_into"]

IMPORT_HELP = ("an exported file of OpenML runs (ARFF with a JSON header: flow, parameter "
               "columns, measure, task_id) and the task qualities")


@dataclass(frozen=True)
class ExportHeader:
    """The JSON header of an export: which flow, which columns hold what."""

    flow_id: int
    parameters: tuple[str, ...]
    measures: tuple[str, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)


def _open_text(path: Path) -> Any:
    if not path.is_file():
        raise RepositoryError(f"{path}: no such file")
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rt", encoding="utf-8") if gz else path.open("r", encoding="utf-8")


def read_header(path: str | Path) -> ExportHeader:
    """The JSON header of an export file; :class:`RepositoryError` naming what is wrong."""
    path = Path(path)
    try:
        with _open_text(path) as fh:
            for lineno, line in enumerate(fh, start=1):
                text = line.strip()
                if not text:
                    continue
                if not text.startswith("%"):
                    break
                body = text.lstrip("%").strip()
                if body.startswith("{"):
                    try:
                        head = json.loads(body)
                    except ValueError as exc:
                        raise RepositoryError(f"{path.name}:{lineno}: the JSON header cannot be "
                                              f"read ({exc})") from None
                    return _header(head, f"{path.name}:{lineno}")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise RepositoryError(f"{path}: cannot read the file ({exc})") from None
    raise RepositoryError(f"{path.name}: no JSON header comment line ('% {{\"flow_id\": ...}}'); "
                          "not an OpenML flow export")


def _header(head: Any, where: str) -> ExportHeader:
    if not isinstance(head, dict):
        raise RepositoryError(f"{where}: the JSON header is not an object")
    for key in ("flow_id", "col_parameters", "col_measures"):
        if key not in head:
            raise RepositoryError(f"{where}: the JSON header lacks {key!r}")
    try:
        flow_id = int(head["flow_id"])
    except (TypeError, ValueError):
        raise RepositoryError(f"{where}: flow_id {head['flow_id']!r} is not an integer") from None
    params, measures = head["col_parameters"], head["col_measures"]
    if not isinstance(params, list) or not isinstance(measures, list) or not measures:
        raise RepositoryError(f"{where}: col_parameters and col_measures must be non-empty lists")
    extra = {k: v for k, v in head.items() if k not in ("flow_id", "col_parameters", "col_measures")}
    return ExportHeader(flow_id, tuple(map(str, params)), tuple(map(str, measures)), extra)


def read_qualities(path: str | Path) -> dict[int, dict[str, float]]:
    """Task id -> OpenML qualities from a JSON (or JSON.gz) file."""
    path = Path(path)
    try:
        with _open_text(path) as fh:
            raw = json.load(fh)
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise RepositoryError(f"{path}: not a readable JSON qualities file ({exc})") from None
    if not isinstance(raw, dict):
        raise RepositoryError(f"{path}: expected an object mapping task ids to qualities")
    out: dict[int, dict[str, float]] = {}
    for key, values in raw.items():
        try:
            tid = int(key)
        except ValueError:
            raise RepositoryError(f"{path}: key {key!r} is not an OpenML task id") from None
        if not isinstance(values, dict):
            raise RepositoryError(f"{path}: qualities of task {key} are not an object")
        clean: dict[str, float] = {}
        for name, v in values.items():
            if v is None:
                clean[str(name)] = math.nan
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                clean[str(name)] = float(v)
            else:
                raise RepositoryError(f"{path}: quality {name!r} of task {key} is not a number")
        out[tid] = clean
    return out


class OpenMLExport:
    """An export file (and optionally its qualities) read into OpenML runs and tasks.

    Parameters
    ----------
    path : str or Path
        The export ARFF (``.arff`` or ``.arff.gz``).
    qualities : str or Path, optional
        The task-qualities JSON file.

    Attributes
    ----------
    header : ExportHeader
    runs : list of OpenMLRun
        One per data row, in file order.
    tasks : list of OpenMLTaskInfo
        One per task id in the file, with its qualities when the qualities file has them.
    """

    def __init__(self, path: str | Path, qualities: str | Path | None = None) -> None:
        self.path = Path(path)
        self.header = read_header(self.path)
        self.runs = self._read_runs()
        task_ids = list(dict.fromkeys(r.task_id for r in self.runs))
        q = read_qualities(qualities) if qualities is not None else {}
        self.tasks = [OpenMLTaskInfo(tid, qualities=q.get(tid, {})) for tid in task_ids]
        self.tasks_without_qualities = [tid for tid in task_ids if tid not in q]

    def _read_runs(self) -> list[OpenMLRun]:
        try:
            frame, attrs, _ = read_arff(self.path)
        except DataError as exc:
            raise RepositoryError(str(exc)) from None
        names = [a.name for a in attrs]
        needed = [*self.header.parameters, *self.header.measures, "task_id"]
        missing = [c for c in needed if c not in names]
        if missing:
            raise RepositoryError(f"{self.path.name}: columns named in the header are missing: "
                                  f"{', '.join(missing)}")
        measure = self.header.measures[0]
        params = {c: frame[c].astype(object).tolist() for c in self.header.parameters}
        values = frame[measure].to_numpy(dtype=float)
        task_col = frame["task_id"].to_numpy(dtype=float)
        runs: list[OpenMLRun] = []
        for i in range(len(frame)):
            tid = task_col[i]
            if math.isnan(tid) or not float(tid).is_integer():
                raise RepositoryError(f"{self.path.name}: data row {i + 1} has task_id "
                                      f"{frame['task_id'].iloc[i]!r}, not an OpenML task id")
            runs.append(OpenMLRun(int(tid), {c: params[c][i] for c in params}, float(values[i]),
                                  measure))
        return runs

    def records(self, mapper: RunMapper | None = None) -> Iterator[Any]:
        """The space, task, meta-feature and evaluation records of the export."""
        return records_from_openml(self.header.flow_id, self.tasks, self.runs, mapper)


def export_records(path: str | Path, qualities: str | Path | None = None,
                   mapper: RunMapper | None = None) -> Iterator[Any]:
    """Records of an export file (see :class:`OpenMLExport`)."""
    export = OpenMLExport(path, qualities)
    return export.records(mapper or RunMapper(export.header.flow_id))


def ingest_export(store: Any, path: str | Path, qualities: str | Path | None = None
                  ) -> dict[str, Any]:
    """Import an export file into ``store`` in one transaction; returns a summary.

    The summary holds the flow, the space, counts written per record kind, the runs
    skipped by reason, and the tasks that had no qualities.
    """
    export = OpenMLExport(path, qualities)
    mapper = RunMapper(export.header.flow_id)
    records = list(export.records(mapper))
    summary: dict[str, Any] = {
        "flow_id": export.header.flow_id, "space": mapper.space.key, "runs": len(export.runs),
        "skipped": dict(mapper.skipped), "tasks_without_qualities": export.tasks_without_qualities,
    }
    provenance = {"what": "import openml-export",
                  "details": {"file": str(Path(path).resolve()),
                              "qualities": None if qualities is None else str(Path(qualities).resolve()),
                              "header": dict(export.header.extra), **summary}}
    summary["written"] = store.ingest(records, provenance=provenance)
    return summary


# --------------------------------------------- ``metaknow repository import openml-export``
def add_import_arguments(parser: Any) -> None:
    parser.add_argument("file", help="the export (.arff or .arff.gz), e.g. "
                        "random_forest_flow6969.arff.gz")
    parser.add_argument("--qualities", default=None,
                        help="task qualities JSON (.json or .json.gz): task id -> {quality: value}")


def import_into(store: Any, args: Any) -> dict[str, int]:
    summary = ingest_export(store, args.file, args.qualities)
    return _counts(summary["written"], summary["skipped"])


def _counts(written: Mapping[str, int], skipped: Mapping[str, int]) -> dict[str, int]:
    """Counts for the CLI, with the skipped runs by reason (one line each)."""
    out = dict(written)
    for reason, n in skipped.items():
        out[f"runs skipped ({reason})"] = int(n)
    return out
