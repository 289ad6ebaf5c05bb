"""docs/metafeatures.md is generated from the registry and committed up to date."""

from __future__ import annotations

from metafeatures import all_groups
from metafeatures.docs import DOC_PATH, render


def test_reference_table_is_up_to_date() -> None:
    assert DOC_PATH.exists(), "run: python -m metafeatures.docs --with-agreement"
    assert DOC_PATH.read_text() == render(), "stale: run python -m metafeatures.docs"


def test_every_meta_feature_is_documented_with_its_openml_flag() -> None:
    text = DOC_PATH.read_text()
    for group in all_groups():
        for name in group.definitions:
            flag = "yes" if name in group.openml else "no"
            assert f"| `{name}` |" in text and text.split(f"| `{name}` |", 1)[1].split("\n", 1)[0] \
                .rstrip().endswith(f"| {flag} |"), name


def test_agreement_summary_is_in_the_docs() -> None:
    assert "Agreement with OpenML's published qualities" in DOC_PATH.read_text()
