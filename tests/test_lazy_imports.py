"""What drawing a page imports: no file writer or reader a page run never uses.

Every import an instance makes stays in its memory for good (the ``memory`` bench's floor), so the
libraries only a download or an upload needs (openpyxl, python-docx and lxml, Parquet with Arrow's
file systems) are imported where the file is made or read, not when a page module is imported.
These tests import what every page script imports, in a fresh interpreter, and check; and check
that each path that does need one still works.
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd

from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period

ROOT = Path(__file__).resolve().parents[1]
# Imported only when a file is made or read: a page run draws without them.
NOT_AT_PAGE_RUN = ("openpyxl", "docx", "lxml", "pyarrow.parquet", "pyarrow.fs", "vl_convert")


def page_imports() -> list[str]:
    """The modules the app's page scripts (app.py and pages/) import at their top level."""
    names: set[str] = set()
    for script in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if node.module == "harrow_dash" or node.module.endswith(".ui")
                )  # ``from harrow_dash import explore``: a module
    return sorted(n for n in names if n != "__future__")


def test_the_page_scripts_import_no_file_writer_or_reader() -> None:
    modules = page_imports()
    assert "harrow_dash.ui.downloads" in modules and "harrow_dash.ui.loading" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        f"print(' '.join(n for n in {NOT_AT_PAGE_RUN!r} if n in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"imported by a page script: {out.stdout.strip()}"


def test_the_briefing_file_name_is_one_rule_for_the_page_and_the_command_line() -> None:
    from harrow_dash.outputs import briefing, export_files

    assert briefing.file_name is export_files.briefing_file_name
    quarter = Filters(period=parse_period("Q3 2023-24"))
    assert briefing.file_name(quarter) == "harrow_briefing_Q3_2023-24.docx"
    assert briefing.file_name(Filters()) == "harrow_briefing_no_quarter.docx"


def test_texts_set_aside_by_a_load_are_written_and_read_back_through_parquet() -> None:
    from harrow_dash.ingest.stream import TEXT_COLUMNS, SideText

    side = SideText()
    try:
        frame = pd.DataFrame({"_row": [1, 2]} | {c: ["a long text", None] for c in TEXT_COLUMNS})
        kept = side.set_aside(frame)
        assert list(kept["_seq"]) == [0, 1]
        back = side.read()
        assert list(back["_seq"]) == [0, 1]
        for c in TEXT_COLUMNS:
            assert back[c].iloc[0] == "a long text" and pd.isna(back[c].iloc[1])
    finally:
        side.cleanup()


def test_the_template_with_drop_downs_is_written_as_ods() -> None:
    from harrow_dash.ingest.template import build_template
    from harrow_dash.rules.periods import parse_period

    data = build_template(["People"], parse_period("Q3 2023-24"), None, ".ods")
    assert isinstance(data, bytes)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        content = z.read("content.xml").decode("utf-8")
    assert "table:content-validation " in content  # the drop-downs (range_boundaries) came through
