"""The package's import layers hold: lower layers never import higher ones, Streamlit stays in ui.

``lint-imports`` (import-linter) checks the contract in ``.importlinter``, which
``tests/tools/restructure.py`` writes from its table of modules and layers. The tests run it on the
package as it is, and on a copy with one import added that breaks each contract, so a check that
could not fail would be caught here.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _restructure() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "restructure", REPO_ROOT / "tests" / "tools" / "restructure.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the package under ``root`` (found first on the path), without a cache."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / ".importlinter")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package and its contract, with ``line`` added to the module named ``module``
    (found wherever it is in the layout)."""
    shutil.copytree(
        REPO_ROOT / "harrow_dash",
        tmp_path / "harrow_dash",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copyfile(REPO_ROOT / ".importlinter", tmp_path / ".importlinter")
    (target,) = (tmp_path / "harrow_dash").rglob(f"{module}.py")
    with target.open("a", encoding="utf-8") as f:
        f.write(f"\n{line}\n")
    return tmp_path


def test_the_package_keeps_its_import_layers() -> None:
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_rule_importing_the_command_breaks_the_layers(tmp_path: Path) -> None:
    root = copy_with(tmp_path, "periods", "from harrow_dash import cli  # noqa")
    result = lint_imports(root)
    assert result.returncode != 0
    assert "Layers: lower layers never import higher ones BROKEN" in result.stdout
    assert re.search(
        r"harrow_dash\.(rules\.)?periods -> harrow_dash\.cli \(l\.\d+\)", result.stdout
    )


def test_the_loader_importing_the_exports_breaks_the_layers(tmp_path: Path) -> None:
    """The import this issue found (ingest reaching up into the exports) is refused."""
    root = copy_with(tmp_path, "report", "import harrow_dash.outputs.exports  # noqa")
    result = lint_imports(root)
    assert result.returncode != 0
    assert re.search(
        r"harrow_dash\.ingest\.report -> harrow_dash\.(outputs\.)?exports \(l\.\d+\)", result.stdout
    )


def test_streamlit_outside_ui_breaks_the_contract(tmp_path: Path) -> None:
    root = copy_with(tmp_path, "rag", "import streamlit  # noqa")
    result = lint_imports(root)
    assert result.returncode != 0
    assert "Streamlit only in harrow_dash.ui (functional core, thin UI) BROKEN" in result.stdout


def test_the_contract_is_the_one_the_restructure_table_gives() -> None:
    """``.importlinter`` is written from the table in ``tests/tools/restructure.py``: change the
    table, then run it with ``--contract``."""
    restructure = _restructure()
    moved = (REPO_ROOT / "harrow_dash" / "rules").is_dir()
    expected = restructure.contract(moved)
    assert (REPO_ROOT / ".importlinter").read_text(encoding="utf-8") == expected
