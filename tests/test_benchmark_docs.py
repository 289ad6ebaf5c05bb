"""The documents quote result files verbatim: the include blocks match their files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("make_docs", ROOT / "benchmarks" / "make_docs.py")
make_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_docs)  # type: ignore[union-attr]


def test_include_blocks_are_refreshed_from_their_files(tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("| a | 1 |\n")
    text = "x\n<!-- include r.md -->\nold\n<!-- end include -->\ny\n"
    assert make_docs.render(text, tmp_path) == "x\n<!-- include r.md -->\n| a | 1 |\n<!-- end include -->\ny\n"


def test_the_committed_documents_match_their_result_files() -> None:
    assert make_docs.stale() == []


def test_readme_stays_short() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= 300
