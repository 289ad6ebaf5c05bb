"""The live OpenML source, offline: the real ``openml`` client against recorded responses.

A local HTTP server on 127.0.0.1 answers the client's REST calls with the hand-written
XML files in ``fixtures/openml/api`` (file name = the endpoint with ``/`` -> ``__`` and
``,`` -> ``_``); nothing in the client is patched. A request without a recorded answer
gets an OpenML error document, so a changed client shows up as a clear failure.
"""

from __future__ import annotations

import gzip
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from metaknow.exceptions import RepositoryError
from metaknow.space import canonical_json
from repository.records import EvaluationRecord, MetaFeatureRecord, SpaceRecord, TaskRecord
from repository.sources.openml import OpenMLSource
from repository.sources.openml_export import OpenMLExport
from repository.sources.openml_mapping import RunMapper, task_name

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "openml"
API = FIXTURES / "api"
PREFIX = "/api/v1/xml/"


class _RecordedOpenML(BaseHTTPRequestHandler):
    requests_seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        endpoint = path[len(PREFIX):] if path.startswith(PREFIX) else path.lstrip("/")
        self.requests_seen.append(endpoint)
        file = API / (endpoint.replace("/", "__").replace(",", "_") + ".xml")
        if file.is_file():
            status, body = 200, file.read_bytes()
        else:
            status = 412
            body = (f'<oml:error xmlns:oml="http://openml.org/openml"><oml:code>999</oml:code>'
                    f"<oml:message>no recorded response for {endpoint}</oml:message>"
                    "</oml:error>").encode()
        data = gzip.compress(body)
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RecordedOpenML)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api/v1/xml"
    httpd.shutdown()
    httpd.server_close()


def _by_type(records: list) -> dict[type, list]:
    out: dict[type, list] = {}
    for r in records:
        out.setdefault(type(r), []).append(r)
    return out


def test_suite_tasks_qualities_and_runs_through_the_real_client(server, tmp_path):
    _RecordedOpenML.requests_seen.clear()
    source = OpenMLSource(flows=(6969, 6970), suite="OpenML100", server=server,
                          cache_dir=tmp_path / "cache", retries=1)
    groups = _by_type(list(source.records()))
    # What the client asked for: the suite, each task with its dataset, features and
    # qualities, then per flow the evaluations, their uploaders and their setups.
    seen = _RecordedOpenML.requests_seen
    assert seen[0] == "study/OpenML100"
    assert {"task/11", "data/11", "data/features/11", "data/qualities/11"} <= set(seen)
    assert "evaluation/list/function/predictive_accuracy/limit/10000/offset/0/task/11,37/flow/6969" in seen
    assert "setup/list/setup/501,502,503,504/limit/1000/offset/0" in seen

    assert sorted(r.key for r in groups[SpaceRecord]) == ["adaboost/classification",
                                                          "random_forest/classification"]
    tasks = {t.openml_task_id: t for t in groups[TaskRecord]}
    assert set(tasks) == {11, 37}
    t11 = tasks[11]
    assert (t11.name, t11.source, t11.openml_dataset_id, t11.target) == (
        "openml-task-11", "openml", 11, "class")
    assert (t11.n_rows, t11.n_features, t11.n_classes) == (625, 4, 3)
    assert t11.protocol["estimation_procedure"] == "1x10-fold crossvalidation"
    assert t11.protocol["dataset_name"] == "balance-scale"
    quals = {m.task_name: m.values for m in groups[MetaFeatureRecord]}
    assert quals["openml-task-37"]["MajorityClassSize"] == 500.0
    assert quals["openml-task-37"]["MeanSkewnessOfNumericAtts"] != \
        quals["openml-task-37"]["MeanSkewnessOfNumericAtts"]  # empty value -> NaN

    evals = groups[EvaluationRecord]
    rf = [e for e in evals if e.space_key == "random_forest/classification"]
    ada = [e for e in evals if e.space_key == "adaboost/classification"]
    assert len(rf) == 4 and len(ada) == 2
    assert source.mappers[6969].skipped == {
        "randomforestclassifier__max_depth=10 is outside the random_forest space "
        "(fixed at None)": 1}
    dup = [e for e in rf if e.task_name == "openml-task-11" and e.config["criterion"] == "entropy"]
    assert [(e.repeat, e.metrics["accuracy"]) for e in dup] == [(0, 0.8352), (1, 0.8368)]
    assert dup[0].config == {"imputer_strategy": "median", "bootstrap": True,
                             "criterion": "entropy", "max_features_kind": "fraction",
                             "max_features": 0.25, "min_samples_leaf": 1, "min_samples_split": 2}
    samme_r = next(e for e in ada if e.task_name == "openml-task-11")
    assert samme_r.config == {"algorithm": "SAMME.R", "learning_rate": 0.05, "max_depth": 3,
                              "n_estimators": 120, "imputer_strategy": "median"}


def test_live_and_export_runs_map_to_the_same_evaluations(server, tmp_path):
    """The same runs, recorded by the API and written in an export, give the same records."""
    live = OpenMLSource(flows=(6969,), tasks=(11, 37), server=server,
                        cache_dir=tmp_path / "cache", retries=1)
    live_evals = [r for r in live.records() if isinstance(r, EvaluationRecord)]
    export_evals = [r for r in OpenMLExport(FIXTURES / "export_small.arff").records(RunMapper(6969))
                    if isinstance(r, EvaluationRecord)]

    def key(e: EvaluationRecord) -> tuple:
        return (e.task_name, canonical_json(e.config), e.repeat, e.fold, dict(e.metrics))

    assert sorted(map(key, live_evals), key=repr) == sorted(map(key, export_evals), key=repr)


def test_client_failures_become_one_line_repository_errors(server, tmp_path):
    with pytest.raises(RepositoryError, match=r"OpenML server error 999 .*task/99"):
        list(OpenMLSource(tasks=(99,), server=server, cache_dir=tmp_path, retries=1).records())
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/api/v1/xml"
    with pytest.raises(RepositoryError, match="cannot reach the OpenML server"):
        list(OpenMLSource(tasks=(11,), server=dead, cache_dir=tmp_path / "c2", retries=1).records())
    with pytest.raises(RepositoryError, match="flow 42 has no mapping"):
        OpenMLSource(flows=(42,), tasks=(11,))
    with pytest.raises(RepositoryError, match="name a benchmark suite"):
        OpenMLSource(flows=(6969,))


def test_client_settings_are_restored(server, tmp_path):
    import openml

    before = openml.config.get_config_as_dict()
    list(OpenMLSource(tasks=(11,), flows=(6970,), server=server, cache_dir=tmp_path,
                      retries=1).task_ids())
    assert openml.config.get_config_as_dict() == before


def test_task_records_name_matches_the_export_names():
    assert task_name(11) == "openml-task-11"


def test_cli_imports_from_the_recorded_server(server, tmp_path, capsys):
    from cli import main
    from repository.store import Store

    store = tmp_path / "o.sqlite"
    code = main(["repository", "import", "openml", "--suite", "OpenML100", "--flow", "6969",
                 "--flow", "6970", "--server", server, "--openml-cache", str(tmp_path / "cache"),
                 "--store", str(store)])
    out = capsys.readouterr().out
    assert code == 0 and "6 evaluations" in out and "max_depth=10" in out
    with Store.open(store) as s:
        tasks = s.tasks().set_index("name")
        assert tasks.loc["openml-task-37", "openml_dataset_id"] == 37
        assert tasks.loc["openml-task-37", "target"] == "class"
        view = s.view("random_forest", metric="accuracy")
        assert view.performance.shape == (2, 3)
