"""The layers of ARCHITECTURE.md hold: cli -> api, books, etl, tiles -> store, never upwards.

The contract is ``[tool.importlinter]`` in pyproject.toml; import-linter checks it on the real
import graph (indirect imports included). The second test plants an upward import in a copy of
the packages, so a contract that checks nothing would fail here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gis.store.settings import PROJECT_ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("gis", "etl", "tiles")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_code_keeps_the_layers() -> None:
    result = lint_imports(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("upper", ["gis.api.app", "gis.books.build", "gis.cli", "etl", "tiles"])
def test_an_upward_import_from_the_store_breaks_the_contract(tmp_path: Path, upper: str) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "static", "templates", "*.js", "*.css")
    for package in PACKAGES:
        shutil.copytree(PROJECT_ROOT / package, tmp_path / package, ignore=ignore)
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "gis" / "store" / "upward.py").write_text(f"import {upper}\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert f"gis.store.upward -> {upper}" in result.stdout, result.stdout
