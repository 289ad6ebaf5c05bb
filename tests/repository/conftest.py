"""Shared fixtures of the repository tests: small corpus datasets and record factories."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SMALL = ("analcatdata_esr", "prnn_cushings", "analcatdata_hurricanes", "bolts")


@pytest.fixture(scope="module")
def small_manifest(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A manifest of three small classification datasets, one regression one, and a
    malformed file (garbage where an ARFF header should be)."""
    tmp_path = tmp_path_factory.mktemp("manifest")
    rows = []
    with (corpus / "manifest.csv").open(newline="") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames
        for row in reader:
            if row["name"] in SMALL:
                row["file"] = str(corpus / row["file"])
                rows.append(row)
    bad = tmp_path / "broken.arff"
    bad.write_text("this is not an ARFF file\n1,2,3\n")
    rows.append({**{k: "" for k in fields}, "name": "broken", "file": str(bad),
                 "task": "classification", "target": "class"})
    path = tmp_path / "manifest.csv"
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path
