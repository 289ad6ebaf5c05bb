"""Bad input: one-line errors and a non-zero exit, or — for a malformed ARFF file that can
be read — exactly the values the file holds."""

from __future__ import annotations

import gzip
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cli
from metafeatures import extract
from metaknow import load_dataset
from metaknow.exceptions import DataError

READABLE = ["bank32nh", "bank8FM", "breast.w", "delta.ailerons", "delta.elevators",
            "supermarket", "zoo"]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["metafeatures", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code != 0
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# -- files a user can get wrong ---------------------------------------------------------
def test_missing_file(capsys, tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, str(tmp_path / "nope.csv"))
    assert_one_line_error(code, err, "nope.csv", "no such file")


def test_empty_file(capsys, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    assert_one_line_error(*run_cli(capsys, str(tmp_path / "empty.csv"), "--target", "y")[::2],
                          "empty")


def test_header_only_csv(capsys, tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_text("a,b,y\n")
    code, _, err = run_cli(capsys, str(tmp_path / "header.csv"), "--target", "y")
    assert_one_line_error(code, err, "no rows")


def test_header_only_arff(capsys, tmp_path: Path) -> None:
    (tmp_path / "h.arff").write_text("@relation r\n@attribute a numeric\n@attribute y {p,n}\n@data\n")
    code, _, err = run_cli(capsys, str(tmp_path / "h.arff"))
    assert_one_line_error(code, err, "no rows")


def test_one_row(capsys, tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text("a,y\n1.5,p\n")
    code, _, err = run_cli(capsys, str(tmp_path / "one.csv"), "--target", "y")
    assert_one_line_error(code, err, "1 row(s)", "at least 2")


def test_single_class(capsys, tmp_path: Path) -> None:
    (tmp_path / "single.csv").write_text("a,y\n1,p\n2,p\n3,p\n")
    code, _, err = run_cli(capsys, str(tmp_path / "single.csv"), "--target", "y")
    assert_one_line_error(code, err, "single class", "'y'")


def test_unknown_target(capsys, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,y\n1,p\n2,n\n")
    code, _, err = run_cli(capsys, str(tmp_path / "t.csv"), "--target", "label")
    assert_one_line_error(code, err, "'label'", "not a column", "columns: a, y")


def test_no_target_for_csv(capsys, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,y\n1,p\n2,n\n")
    code, _, err = run_cli(capsys, str(tmp_path / "t.csv"))
    assert_one_line_error(code, err, "--target")


def test_infinite_values(capsys, tmp_path: Path) -> None:
    (tmp_path / "inf.csv").write_text("a,b,y\n1,inf,p\n2,3,n\n3,4,p\n")
    code, _, err = run_cli(capsys, str(tmp_path / "inf.csv"), "--target", "y")
    assert_one_line_error(code, err, "'b'", "infinite")


def test_unknown_group(capsys) -> None:
    code, _, err = run_cli(capsys, "sklearn:iris", "--groups", "general,magic")
    assert_one_line_error(code, err, "'magic'", "general")


def test_bad_max_rows(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["metafeatures", "sklearn:iris", "--max-rows", "1"])
    assert info.value.code != 0
    assert "at least 2" in capsys.readouterr().err


# -- data that is odd but usable ----------------------------------------------------------
def test_all_missing_column_is_handled() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "empty": [np.nan] * 4,
                          "y": ["p", "n", "p", "n"]})
    mf = extract(frame, target="y", groups="general,statistical,info-theory")
    assert mf["NumberOfMissingValues"] == 4
    assert mf["NumberOfInstancesWithMissingValues"] == 4
    assert mf["MinCardinalityOfNumericAttributes"] == 0
    assert mf["MeanMeansOfNumericAtts"] == pytest.approx(2.5)  # the empty one has no mean


def test_all_missing_column_through_the_cli(capsys, tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("a,empty,y\n1,,p\n2,,n\n3,,p\n")
    code, out, _ = run_cli(capsys, str(tmp_path / "m.csv"), "--target", "y", "--format", "json",
                           "--groups", "general")
    assert code == 0
    assert json.loads(out)["metafeatures"]["NumberOfMissingValues"] == 3


# -- the CLI output formats ---------------------------------------------------------------
def test_json_round_trips_names_to_floats_with_null_for_nan(capsys) -> None:
    code, out, _ = run_cli(capsys, "sklearn:iris", "--groups", "general,info-theory",
                           "--format", "json")
    assert code == 0
    doc = json.loads(out)
    expected = extract("sklearn:iris", groups="general,info-theory")
    got = pd.Series({k: (np.nan if v is None else v) for k, v in doc["metafeatures"].items()})
    pd.testing.assert_series_equal(got, expected, check_names=False)
    assert doc["metafeatures"]["MeanAttributeEntropy"] is None  # NaN -> null
    assert set(doc["timings"]) == {"general", "info-theory"} and doc["subsampled"] is False


def test_csv_and_table_formats(capsys) -> None:
    code, out, err = run_cli(capsys, "sklearn:wine", "--groups", "general", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "name,value"
    values = dict(line.split(",", 1) for line in out.splitlines()[1:])
    assert float(values["NumberOfInstances"]) == 178
    assert "no subsampling" in err
    code, out, _ = run_cli(capsys, "sklearn:wine", "--groups", "general")
    assert code == 0 and "NumberOfInstances" in out and "timings:" in out


def test_subsample_note_in_json(capsys) -> None:
    code, out, _ = run_cli(capsys, "sklearn:digits", "--groups", "general,model-based",
                           "--max-rows", "300", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["subsampled"] is True and 290 <= doc["n_rows_used"] <= 310
    assert doc["metafeatures"]["NumberOfInstances"] == 1797


def test_real_subprocess_exit_code(tmp_path: Path) -> None:
    (tmp_path / "single.csv").write_text("a,y\n1,p\n2,p\n")
    proc = subprocess.run([sys.executable, "-c", "import sys, cli; sys.exit(cli.main())",
                           "metafeatures", str(tmp_path / "single.csv"), "--target", "y"],
                          capture_output=True, text=True, cwd=Path(cli.__file__).parent)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "single class" in proc.stderr
    assert "Traceback" not in proc.stderr


# -- the shared malformed files -----------------------------------------------------------
def _careful_reading(path: Path) -> tuple[list[str], list[list[str]]]:
    """An independent reading of a simple ARFF file: attribute kinds and raw data fields."""
    kinds: list[str] = []
    rows: list[list[str]] = []
    in_data = False
    for line in gzip.open(path, "rt", encoding="latin-1"):
        line = line.strip()
        if not line or line.startswith("%"):
            continue
        if not in_data:
            if line.lower().startswith("@attribute"):
                kinds.append("nominal" if "{" in line else "numeric")
            elif line.lower().startswith("@data"):
                in_data = True
            continue
        assert "'" not in line and '"' not in line  # keeps this reading simple and exact
        fields = [f.strip() for f in (line.split(",") if "," in line else line.split())]
        while len(fields) > len(kinds) and fields[-1] == "":
            fields.pop()
        rows.append(fields)
    return kinds, rows


@pytest.mark.parametrize("name", READABLE)
def test_malformed_file_is_read_with_the_right_values(malformed: Path, name: str) -> None:
    from metaknow.io.arff import read_arff

    path = malformed / f"{name}.arff.gz"
    frame = read_arff(path)[0]
    kinds, rows = _careful_reading(path)
    assert frame.shape == (len(rows), len(kinds))
    assert all(len(r) == len(kinds) for r in rows)
    for j, kind in enumerate(kinds):
        raw = [r[j] for r in rows]
        col = frame.iloc[:, j]
        if kind == "numeric":
            expected = np.array([np.nan if v == "?" else float(v) for v in raw])
            np.testing.assert_array_equal(col.to_numpy(dtype=float), expected)
        else:
            got = [None if pd.isna(v) else str(v) for v in col]
            assert got == [None if v == "?" else v for v in raw]
    mf = extract(path, groups="general")  # and the extractor takes it
    assert mf["NumberOfInstances"] == len(rows)


def test_truncated_malformed_file_is_a_one_line_error(capsys, malformed: Path) -> None:
    code, _, err = run_cli(capsys, str(malformed / "house16H.arff.gz"))
    assert_one_line_error(code, err, "house16H.arff.gz", "empty")


def test_every_malformed_file_is_read_or_rejected_cleanly(malformed: Path) -> None:
    for path in sorted(malformed.glob("*.arff.gz")):
        try:
            load_dataset(path)
        except DataError as exc:
            assert path.name in str(exc) and "\n" not in str(exc)
            assert path.stem.startswith("house16H")


def test_unreadable_arff_names_the_line(capsys, tmp_path: Path) -> None:
    (tmp_path / "bad.arff").write_text("@relation r\n@attribute a numeric\n@attribute y {p,n}\n"
                                       "@data\n1,p\n2,p,3,4\n")
    code, _, err = run_cli(capsys, str(tmp_path / "bad.arff"))
    assert_one_line_error(code, err, "bad.arff:6", "data line has 4 values, header declares 2")


def test_nan_only_where_undefined_on_a_regression_csv(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("a,b,y\n1,x,0.5\n2,y,1.5\n3,x,2.25\n4,y,7.0\n5,x,1.0\n")
    mf = extract(tmp_path / "r.csv", target="y", groups="general,statistical")
    assert math.isnan(mf["MajorityClassSize"]) and not math.isnan(mf["TargetSkewness"])
