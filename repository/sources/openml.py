"""Fill the store from OpenML through the ``openml`` client (needs network).

The only module of metaknow that talks to the ``openml`` package. It reads

* the tasks of a benchmark suite (``openml.study.get_suite``, e.g. ``OpenML100`` or
  ``OpenML-CC18``) and/or explicit task ids;
* each task (``openml.tasks.get_task``: dataset id, target, estimation procedure) and
  its dataset's qualities (``openml.datasets.get_dataset(..., download_qualities=True)``);
* the runs of one or more flows on those tasks with their hyperparameter setups
  (``openml.evaluations.list_evaluations_setups``),

and hands them to the one mapping of :mod:`repository.sources.openml_mapping`, so the
records are the same as those of an imported export file. No dataset is downloaded.

Everything the client fetches goes through its own cache (``cache_dir``, default the
client's configured one), so a rerun with a populated cache needs no network.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from metaknow.exceptions import RepositoryError
from repository.sources.openml_mapping import (
    FLOW_MAPPINGS, TASK_TYPES, OpenMLRun, OpenMLTaskInfo, RunMapper, flow_mapping,
    records_from_openml,
)

__all__ = ["OpenMLSource", "ingest_openml", "openml_session", "IMPORT_HELP",
           "add_import_arguments", "import_into"]

IMPORT_HELP = ("runs of OpenML flows on a benchmark suite or tasks, with the tasks' qualities, "
               "through the openml client (network)")


@contextlib.contextmanager
def openml_session(server: str | None = None, cache_dir: str | Path | None = None,
                   retries: int | None = None) -> Iterator[Any]:
    """The ``openml`` module configured for one import; the settings are restored after.

    Client failures (server errors, no connection, malformed answers) become a
    :class:`RepositoryError` with a one-line reason.
    """
    import openml
    import requests

    cfg = openml.config
    before = cfg.get_config_as_dict()
    saved = (before["server"], before["cachedir"], before["connection_n_retries"])
    try:
        if server is not None:
            cfg.server = server
        if cache_dir is not None:
            cfg.set_root_cache_directory(Path(cache_dir))
        if retries is not None:
            cfg.connection_n_retries = int(retries)
        yield openml
    except openml.exceptions.OpenMLServerException as exc:
        raise RepositoryError(f"OpenML server error {exc.code} for {exc.url}: "
                              f"{str(exc.message).splitlines()[0]}") from None
    except openml.exceptions.PyOpenMLError as exc:
        raise RepositoryError(f"OpenML client error: {str(exc).splitlines()[0]}") from None
    except requests.exceptions.RequestException as exc:
        raise RepositoryError(f"cannot reach the OpenML server {cfg.server} "
                              f"({type(exc).__name__}); is there a network connection?") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise RepositoryError(f"unexpected answer from the OpenML server {cfg.server}: "
                              f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                              ) from None
    finally:
        cfg.server = saved[0]
        cfg.set_root_cache_directory(saved[1])
        cfg.connection_n_retries = saved[2]


def _estimation_procedure(task: Any) -> str | None:
    """``"1x10-fold crossvalidation"`` from a task's estimation procedure."""
    proc = getattr(task, "estimation_procedure", None) or {}
    params = proc.get("parameters") or {}
    kind, folds, repeats = proc.get("type"), params.get("number_folds"), params.get("number_repeats")
    if kind and folds:
        return f"{repeats or 1}x{folds}-fold {kind}"
    return kind


@dataclass
class OpenMLSource:
    """Tasks, qualities and runs of some flows, read through the ``openml`` client.

    Parameters
    ----------
    flows : sequence of int
        OpenML flow ids with a mapping onto our spaces (6969 random forest, 6970 AdaBoost).
    suite : str or int, optional
        A benchmark suite id or alias (``"OpenML100"``, ``"OpenML-CC18"``, ``99``).
    tasks : sequence of int, optional
        Task ids (added to the suite's, or instead of a suite).
    measure : str
        The OpenML evaluation measure (``predictive_accuracy``).
    max_runs : int, optional
        At most this many runs per flow (the newest first is not guaranteed: OpenML's order).
    server, cache_dir : optional
        Another OpenML server (e.g. a test server or a local recording) and client cache.
    """

    flows: Sequence[int] = (6969,)
    suite: str | int | None = None
    tasks: Sequence[int] = ()
    measure: str = "predictive_accuracy"
    max_runs: int | None = None
    server: str | None = None
    cache_dir: str | Path | None = None
    retries: int | None = None
    mappers: dict[int, RunMapper] = field(default_factory=dict, init=False)
    task_infos: list[OpenMLTaskInfo] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        if self.suite is None and not self.tasks:
            raise RepositoryError("name a benchmark suite (--suite) or tasks (--task) to import")
        if not self.flows:
            raise RepositoryError("name at least one flow (--flow); mapped flows: "
                                  + ", ".join(map(str, FLOW_MAPPINGS)))
        for flow in self.flows:
            flow_mapping(flow)  # fail early on an unmapped flow

    def _session(self) -> Any:
        return openml_session(self.server, self.cache_dir, self.retries)

    def task_ids(self) -> list[int]:
        """The suite's tasks followed by the explicit ones (each once)."""
        ids: list[int] = []
        if self.suite is not None:
            with self._session() as openml:
                suite = openml.study.get_suite(self.suite)
            ids += [int(t) for t in (suite.tasks or [])]
        ids += [int(t) for t in self.tasks]
        return list(dict.fromkeys(ids))

    def read_tasks(self, ids: Sequence[int]) -> list[OpenMLTaskInfo]:
        """Each task's ids, type, target, procedure and its dataset's qualities."""
        infos = []
        with self._session() as openml:
            for tid in ids:
                task = openml.tasks.get_task(int(tid), download_splits=False,
                                             download_data=False, download_qualities=False,
                                             download_features_meta_data=False)
                dataset = openml.datasets.get_dataset(
                    int(task.dataset_id), download_data=False, download_qualities=True,
                    download_features_meta_data=False)
                qualities = {str(k): float(v) if v is not None else math.nan
                             for k, v in (dataset.qualities or {}).items()}
                ttype = TASK_TYPES.get(int(task.task_type_id.value), None)
                if ttype is None:
                    raise RepositoryError(f"OpenML task {tid} is a {task.task_type} task; only "
                                          "classification and regression tasks can be imported")
                infos.append(OpenMLTaskInfo(
                    int(tid), int(task.dataset_id), ttype, str(task.target_name or ""),
                    dataset.name, _estimation_procedure(task), qualities))
        self.task_infos = infos
        return infos

    def read_runs(self, flow_id: int, ids: Sequence[int]) -> list[OpenMLRun]:
        """The runs of ``flow_id`` on tasks ``ids`` with their setups, by run id."""
        with self._session() as openml:
            frame = openml.evaluations.list_evaluations_setups(
                function=self.measure, flows=[int(flow_id)], tasks=[int(t) for t in ids],
                size=self.max_runs, output_format="dataframe")
        if frame is None or len(frame) == 0:
            return []
        frame = frame.sort_values("run_id", kind="stable")
        runs = []
        for row in frame.itertuples(index=False):
            params = row.parameters if isinstance(row.parameters, dict) else {}
            value = math.nan if row.value is None else float(row.value)
            runs.append(OpenMLRun(int(row.task_id), params, value, self.measure, int(row.run_id)))
        return runs

    def records(self) -> Iterator[Any]:
        """Space, task, quality and evaluation records of every flow (see the mapping)."""
        ids = self.task_ids()
        infos = self.read_tasks(ids)
        for flow in self.flows:
            mapper = self.mappers[int(flow)] = RunMapper(int(flow))
            runs = self.read_runs(int(flow), ids)
            yield from records_from_openml(int(flow), infos, runs, mapper)


def ingest_openml(store: Any, source: OpenMLSource) -> dict[str, Any]:
    """Import ``source`` into ``store`` in one transaction; returns a summary."""
    records = list(source.records())
    summary: dict[str, Any] = {
        "suite": source.suite, "tasks": [t.task_id for t in source.task_infos],
        "flows": {f: {"space": m.space.key, "mapped": m.mapped, "skipped": dict(m.skipped)}
                  for f, m in source.mappers.items()},
    }
    provenance = {"what": "import openml",
                  "details": {"server": source.server or "default", "measure": source.measure,
                              **summary}}
    summary["written"] = store.ingest(records, provenance=provenance)
    return summary


# ------------------------------------------------------ ``metaknow repository import openml``
def add_import_arguments(parser: Any) -> None:
    parser.add_argument("--suite", default=None,
                        help="benchmark suite id or alias (OpenML100, OpenML-CC18, 99)")
    parser.add_argument("--task", type=int, action="append", default=[], dest="tasks",
                        help="an OpenML task id (repeatable; with or without --suite)")
    parser.add_argument("--flow", type=int, action="append", default=None, dest="flows",
                        help="flow id (repeatable; mapped: " + ", ".join(
                            f"{f} {m.space}" for f, m in FLOW_MAPPINGS.items()) + "; default 6969)")
    parser.add_argument("--measure", default="predictive_accuracy")
    parser.add_argument("--max-runs", type=int, default=None, help="at most this many runs per flow")
    parser.add_argument("--server", default=None, help="another OpenML server (API URL)")
    parser.add_argument("--openml-cache", default=None, help="the openml client's cache folder")


def import_into(store: Any, args: Any) -> dict[str, int]:
    source = OpenMLSource(flows=tuple(args.flows or (6969,)), suite=args.suite,
                          tasks=tuple(args.tasks), measure=args.measure, max_runs=args.max_runs,
                          server=args.server, cache_dir=args.openml_cache)
    summary = ingest_openml(store, source)
    out = dict(summary["written"])
    for flow, info in summary["flows"].items():
        for reason, n in info["skipped"].items():
            out[f"flow {flow} runs skipped ({reason})"] = int(n)
    return out
