"""``import metaknow`` and ``metaknow --help`` load no heavy dependency; every public name
still imports, and the lazy package keeps ``metaknow.tune`` / ``metaknow.recommend`` the
functions even after their modules are imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ["lightgbm", "sklearn", "sklearn.ensemble", "scipy", "scipy.stats", "pandas"]


def _modules_after(code: str) -> set[str]:
    """Top-level and dotted module names loaded by ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


@pytest.mark.parametrize("code", ["import metaknow",
                                  "import sys; import cli; sys.argv = ['metaknow', '--help']\n"
                                  "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass"],
                         ids=["import metaknow", "metaknow --help"])
def test_start_up_loads_no_heavy_dependency(code: str) -> None:
    loaded = _modules_after(code)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_a_command_loads_only_its_own_parser() -> None:
    """Parsing ``tune --help`` builds the tune command only (not recommend's strategies)."""
    loaded = _modules_after("import cli\ntry:\n    cli.main(['tune', '--help'])\n"
                            "except SystemExit:\n    pass")
    assert "metaknow.recommenders" not in loaded and "repository.sources" not in loaded


def test_every_public_name_imports_and_lists() -> None:
    import metaknow

    for name in metaknow.__all__:
        assert getattr(metaknow, name) is not None
        assert name in dir(metaknow)
    from metaknow import MetaSearchCV, Optimizer, recommend, tune  # noqa: F401

    assert callable(tune) and callable(recommend)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        metaknow.nope  # noqa: B018


def test_importing_a_submodule_keeps_the_function_of_the_same_name() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import metaknow.tune, metaknow.recommend, metaknow\n"
         "from metaknow import tune, recommend\n"
         "print(type(tune).__name__, type(recommend).__name__, type(metaknow.tune).__name__)"],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
        check=True).stdout.split()
    assert out == ["function", "function", "function"]
