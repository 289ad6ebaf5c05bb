"""The data-loading boundary: every input form, type inference, the tolerant ARFF reader."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metaknow import Dataset, load_dataset
from metaknow.exceptions import DataError
from metaknow.io.arff import read_arff

ARFF = """% a comment
@relation 'test rel'
@attribute 'first name' {alice, bob, 'carol d'}
@attribute age integer [0,120]
@attribute note string
@attribute day date "yyyy-MM-dd"
@attribute class {yes,no}
@data
alice, 30, 'hello, world', 2020-01-02, yes
% comment inside data
bob,?,plain,?,no
'carol d',41,'?',2021-03-04,yes
"""


def write(path: Path, text: str) -> Path:
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def test_arff_types_quotes_and_missing(tmp_path: Path) -> None:
    frame, attrs, relation = read_arff(write(tmp_path / "t.arff", ARFF))
    assert relation == "test rel"
    assert [a.kind for a in attrs] == ["nominal", "numeric", "string", "date", "nominal"]
    assert list(frame.columns) == ["first name", "age", "note", "day", "class"]
    assert frame["first name"].tolist() == ["alice", "bob", "carol d"]
    assert list(frame["first name"].cat.categories) == ["alice", "bob", "carol d"]
    assert frame["age"].tolist()[0] == 30 and np.isnan(frame["age"][1])
    assert frame["note"].tolist() == ["hello, world", "plain", "?"]  # a quoted ? is a value
    assert frame["day"][0] == pd.Timestamp("2020-01-02") and pd.isna(frame["day"][1])


def test_fast_and_careful_readers_agree(tmp_path: Path) -> None:
    """Unquoted dense data takes the vectorised path; a quote forces the careful one."""
    plain = "@relation r\n@attribute a numeric\n@attribute b {x,y}\n@attribute c {p,q}\n@data\n"
    rows = ["1.5,x,p", "?,y,q", "-2e3,?,p", " 4 , x , q"]
    fast = read_arff(write(tmp_path / "fast.arff", plain + "\n".join(rows) + "\n"))[0]
    quoted = read_arff(write(tmp_path / "slow.arff", plain + "\n".join(rows[:-1])
                             + "\n4,'x',q\n"))[0]
    pd.testing.assert_frame_equal(fast, quoted)
    assert fast["a"].tolist()[2] == -2000.0 and fast["b"].isna().tolist() == [False, False, True, False]


def test_arff_whitespace_separated_sparse_and_trailing_commas(tmp_path: Path) -> None:
    head = "@relation r\n@attribute a numeric\n@attribute b numeric\n@attribute c {u,v}\n@data\n"
    ws = read_arff(write(tmp_path / "ws.arff", head + "1 2 u\n3 4 v\n"))[0]
    assert ws["a"].tolist() == [1.0, 3.0] and ws["c"].tolist() == ["u", "v"]
    trailing = read_arff(write(tmp_path / "tr.arff", head + "1,2,u,\n3,4,v,\n"))[0]
    pd.testing.assert_frame_equal(ws, trailing)
    sparse = read_arff(write(tmp_path / "sp.arff", head + "{1 5, 2 v}\n{}\n"))[0]
    assert sparse["a"].tolist() == [0.0, 0.0] and sparse["b"].tolist() == [5.0, 0.0]
    assert sparse["c"].tolist() == ["v", "u"]  # a sparse nominal defaults to its first value


@pytest.mark.parametrize("body, message", [
    ("1,u,extra\n", "t.arff:6: data line has 3 values, header declares 2"),
    ("1,w\n", "value 'w' in row 1 is not declared for nominal attribute 'c'"),
    ("abc,u\n", "attribute 'a' is numeric but row 1 holds 'abc'"),
])
def test_arff_errors_name_the_problem(tmp_path: Path, body: str, message: str) -> None:
    head = "@relation r\n@attribute a numeric\n@attribute c {u,v}\n\n@data\n"
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        read_arff(write(tmp_path / "t.arff", head + body))


def test_arff_header_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="a.arff:2: @data before any @attribute"):
        read_arff(write(tmp_path / "a.arff", "@relation r\n@data\n"))
    with pytest.raises(DataError, match="no @attribute"):
        read_arff(write(tmp_path / "e.arff", "@relation r\n"))
    with pytest.raises(DataError, match="no @data"):
        read_arff(write(tmp_path / "b.arff", "@relation r\n@attribute a numeric\n"))
    with pytest.raises(DataError, match="unknown type"):
        read_arff(write(tmp_path / "c.arff", "@attribute a complex\n@data\n"))
    with pytest.raises(DataError, match="empty"):
        read_arff(write(tmp_path / "d.arff.gz", ""))


def test_arff_gz_default_target_and_declared_task(tmp_path: Path) -> None:
    text = "@relation r\n@attribute a numeric\n@attribute y numeric\n@data\n1,1\n2,2\n3,1\n4,2\n"
    ds = load_dataset(write(tmp_path / "r.arff.gz", text))
    assert ds.target == "y" and ds.name == "r"
    assert ds.task == "regression"  # ARFF declares y numeric, though it holds 2 integers
    assert load_dataset(tmp_path / "r.arff.gz", task="classification").classes == ["1", "2"]


def test_csv_tsv_parquet_and_frames_agree(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.5, np.nan, 4.0], "c": ["a", "b", "a", None],
                          "y": ["p", "n", "p", "n"]})
    frame.to_csv(tmp_path / "d.csv", index=False)
    frame.to_csv(tmp_path / "d.tsv.gz", index=False, sep="\t")
    frame.to_parquet(tmp_path / "d.parquet")
    loaded = [load_dataset(tmp_path / f, target="y") for f in ("d.csv", "d.tsv.gz", "d.parquet")]
    loaded.append(load_dataset(frame, target="y"))
    loaded.append(load_dataset((frame[["x", "c"]], frame["y"])))
    hashes = {d.content_hash() for d in loaded}
    assert len(hashes) == 1
    ds = loaded[0]
    assert ds.task == "classification" and ds.numeric_columns == ["x"]
    assert ds.categorical_columns == ["c"] and ds.classes == ["n", "p"]


def test_numpy_pair_and_dataset_passthrough() -> None:
    X = np.arange(12.0).reshape(6, 2)
    ds = load_dataset((X, np.array([0, 1, 0, 1, 0, 1])))
    assert list(ds.X.columns) == ["x0", "x1"] and ds.task == "classification"
    assert load_dataset(ds) is ds
    assert load_dataset(ds, task="regression").task == "regression"
    with pytest.raises(DataError, match="rows"):
        load_dataset((X, np.array([0, 1])))


@pytest.mark.parametrize("y, task", [
    ([0, 1, 2, 1, 0, 2], "classification"),  # few integers
    ([0.5, 1.5, 2.25, 1.0, 0.0, 2.0], "regression"),
    (list(range(20, 26)) * 2, "classification"),
    (list(range(12)), "regression"),  # more than MAX_INTEGER_CLASSES integers
    ([True, False, True, False, True, True], "classification"),
])
def test_task_inference(y: list, task: str) -> None:
    frame = pd.DataFrame({"x": np.arange(len(y), dtype=float), "y": y})
    assert load_dataset(frame, target="y").task == task


def test_missing_target_rows_are_set_aside() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0], "y": ["a", None, "b", "a", None]})
    ds = load_dataset(frame, target="y")
    assert ds.n_rows == 3 and ds.n_unlabelled == 2 and len(ds.X_all) == 5
    assert ds.X_unlabelled["x"].tolist() == [2.0, 5.0]
    assert any("set aside 2 row(s)" in note for note in ds.notes)


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "x.xlsx", "unsupported format"),
    (lambda p: p, "is a directory"),
    (lambda p: p / "nothing.csv", "no such file"),
])
def test_file_errors(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path)
    if path.suffix == ".xlsx":
        path.write_text("x")
    with pytest.raises(DataError, match=message):
        load_dataset(path, target="y")


def test_value_errors() -> None:
    with pytest.raises(DataError, match="no values"):
        load_dataset(pd.DataFrame({"x": [1.0, 2.0], "y": [None, None]}), target="y")
    with pytest.raises(DataError, match="duplicate column"):
        load_dataset((pd.DataFrame([[1, 2], [3, 4], [5, 6]], columns=["a", "a"]), [0, 1, 0]))
    with pytest.raises(DataError, match="infinite"):
        load_dataset(pd.DataFrame({"x": [1.0, np.inf, 2.0], "y": [1.0, 2.0, 3.5]}), target="y")
    with pytest.raises(DataError, match="not numeric"):
        load_dataset(pd.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]}), target="y", task="regression")
    with pytest.raises(DataError, match="task must be"):
        load_dataset("sklearn:iris", task="ranking")
    with pytest.raises(DataError, match="unknown bundled dataset"):
        load_dataset("sklearn:nope")
    with pytest.raises(DataError, match="unsupported data"):
        load_dataset(42)


def test_stratified_subsample_is_seeded() -> None:
    ds = load_dataset("sklearn:digits")
    a, b = ds.subsample(300, seed=1), ds.subsample(300, seed=1)
    assert a.content_hash() == b.content_hash() != ds.subsample(300, seed=2).content_hash()
    assert abs(a.n_rows - 300) <= 10
    share = a.y.value_counts(normalize=True).sort_index()
    full = ds.y.value_counts(normalize=True).sort_index()
    assert np.abs(share - full).max() < 0.01
    assert ds.subsample(5000) is ds


def test_text_numbers_and_booleans_are_typed() -> None:
    frame = pd.DataFrame({"num_text": ["1", "2.5", None, "4"], "flag": [True, False, True, False],
                          "word": ["a", "b", "a", "b"], "y": [1.0, 2.0, 3.5, 4.25]})
    ds = load_dataset(frame, target="y")
    assert ds.numeric_columns == ["num_text"] and ds.task == "regression"
    assert ds.categorical_columns == ["flag", "word"]
    assert isinstance(ds, Dataset)


CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "corpus"


@pytest.mark.parametrize("name", ["mushroom", "credit.a", "splice", "anneal", "ReutersCorn-test",
                                  "cpu.act"])
def test_vectorised_reader_equals_careful_reader_on_corpus_files(name: str) -> None:
    path = CORPUS / f"{name}.arff.gz"
    if not path.exists():
        pytest.skip(f"needs the shared corpus at {CORPUS}")
    pd.testing.assert_frame_equal(read_arff(path)[0], read_arff(path, fast=False)[0])
