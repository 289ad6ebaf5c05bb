"""README's two set-up commands stay true, and .ci/run runs the same test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_readme_holds_exactly_two_setup_commands() -> None:
    section = (ROOT / "README.md").read_text().split("## Set up and run", 1)[1].split("\n## ", 1)[0]
    blocks = _bash_blocks(section)
    assert len(blocks) == 2
    # the main job installs only what it needs; the tests add the test extra
    assert blocks[0].startswith("pip install -e . && metaknow ")
    assert blocks[1].startswith('pip install -e ".[test]" && ')


def test_ci_runs_the_readme_test_command() -> None:
    section = (ROOT / "README.md").read_text().split("## Set up and run", 1)[1].split("\n## ", 1)[0]
    test_command = _bash_blocks(section)[1]
    assert test_command in (ROOT / ".ci" / "run").read_text()
