"""Writing .ods: the template and the page downloads as OpenDocument spreadsheets hold exactly what
their .xlsx twins hold (compared cell for cell, with each cell's type), and a filled-in .ods template
loads."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

import pandas as pd
import pytest
import sqlalchemy as sa
from ods_files import typed_cells, xlsx_typed_cells

from harrow_dash.ingest.load import FileInput, commit, prepare
from harrow_dash.ingest.problems import Problem
from harrow_dash.ingest.template import build_template, current_indicators
from harrow_dash.outputs.export_files import excel_bytes, export_context, ods_bytes
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period

Q3, Q4 = Period(2023, 3), Period(2023, 4)
PRIORITIES = [
    "A council that puts residents first",
    "A borough that is clean and safe",
    "A place where those in need are supported",
]
PAYLOADS = ['=HYPERLINK("http://evil.example/","Click")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(1)"]


def content(ods: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(ods)) as zf:
        assert zf.namelist()[0] == "mimetype"
        assert zf.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        assert zf.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        return zf.read("content.xml")


def test_the_ods_download_is_the_excel_download_cell_for_cell():
    table = pd.DataFrame(
        {
            "ref": ["PI-01", "PI-02", "PI-03", "PI-04"],
            "commentary": PAYLOADS,
            "actual": [72.4, -3.0, None, 1_234_567.0],
            "unit": ["%", "count", "%", "£"],
            "counts_people": [False, True, False, False],
        }
    )
    context = export_context("Indicators", Filters(period=Q3))
    ods = ods_bytes(table, context, sheet_title="Indicators")
    xlsx = excel_bytes(table, context, sheet_title="Indicators")
    assert typed_cells(ods) == xlsx_typed_cells(xlsx)
    rows = typed_cells(ods)["Indicators"]
    header = next(i for i, r in enumerate(rows) if r and r[0] == ("string", "Ref"))
    assert rows[header] == [
        ("string", "Ref"),
        ("string", "Commentary"),
        ("string", "Actual"),
        ("string", "Unit"),
        ("string", "Counts people"),
    ]
    assert rows[header + 1 :] == [
        [("string", "PI-01"), ("string", "'" + PAYLOADS[0]), ("float", 72.4), ("string", "%"),
         ("boolean", False)],
        [("string", "PI-02"), ("string", "'" + PAYLOADS[1]), ("float", -3.0), ("string", "count"),
         ("boolean", True)],
        [("string", "PI-03"), ("string", "'" + PAYLOADS[2]), ("", None), ("string", "%"),
         ("boolean", False)],
        [("string", "PI-04"), ("string", "'" + PAYLOADS[3]), ("float", 1_234_567.0),
         ("string", "£"), ("boolean", False)],
    ]  # fmt: skip
    assert b"table:formula" not in content(ods)  # no cell is a formula


def test_text_keeps_its_spaces_line_breaks_and_odd_characters():
    table = pd.DataFrame({"commentary": ['two  spaces\nand a <tag> & "quotes"', "\x07bell"]})
    ods = ods_bytes(table, ["Title"])
    assert typed_cells(ods) == xlsx_typed_cells(excel_bytes(table, ["Title"]))
    assert typed_cells(ods)["Data"][-2:] == [
        [("string", 'two  spaces\nand a <tag> & "quotes"')],
        [("string", "bell")],
    ]


@pytest.mark.parametrize("prefilled", [False, True])
def test_the_ods_template_is_the_xlsx_template(sample_store, prefilled):
    indicators = current_indicators(sample_store, Q4) if prefilled else None
    xlsx = build_template(PRIORITIES, Q4, indicators)
    ods = build_template(PRIORITIES, Q4, indicators, ".ods")
    assert list(typed_cells(ods)) == ["Guidance", "Scorecard", "Indicator values",
                                      "Flagship actions", "Highlights", "Corrective actions",
                                      "Lists"]  # fmt: skip
    assert typed_cells(ods) == xlsx_typed_cells(xlsx)
    # The drop-down lists are kept: the Scorecard's Priority column offers the plan's priorities.
    root = ET.fromstring(content(ods))
    t = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    conditions = {v.get(t + "condition") for v in root.iter(t + "content-validation")}
    assert "of:cell-content-is-in-list([$'Lists'.$A$2:$A$4])" in conditions


def test_the_prefilled_ods_template_loads_back_unchanged(sample_store):
    indicators = current_indicators(sample_store, Q4)
    ods = build_template(PRIORITIES, Q4, indicators, ".ods")
    plan = prepare(sample_store, [FileInput("template.ods", ods)])
    assert plan.problems == []
    assert plan.warnings[0] == Problem(
        "template.ods", None, None, None, "Skipped sheets Guidance and Lists: they hold no table."
    )
    assert plan.tables["indicators"].added == 0 and plan.tables["indicators"].changed == 0


def _fill(ods: bytes, sheet: str, row_no: int, values: list[object]) -> bytes:
    """``ods`` with row ``row_no`` (1-based) of ``sheet`` holding ``values`` (text or numbers), as
    a person filling the template in a spreadsheet program would leave it."""
    ns = {
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
        "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
        "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    }
    for prefix, uri in ns.items():
        ET.register_namespace(prefix, uri)
    t, o, x = (f"{{{ns[k]}}}" for k in ("table", "office", "text"))
    with zipfile.ZipFile(io.BytesIO(ods)) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    root = ET.fromstring(parts["content.xml"])
    table = next(x for x in root.iter(t + "table") if x.get(t + "name") == sheet)
    n = 0
    for row in list(table.findall(t + "table-row")):
        repeat = int(row.get(t + "number-rows-repeated", "1"))
        if n + repeat >= row_no:
            # Split the run of rows so that the row to fill is one of its own.
            before, after = row_no - 1 - n, n + repeat - row_no
            target = row
            for count, offset in ((after, 1), (before, 0)):
                if count:
                    copy = ET.fromstring(ET.tostring(row))
                    copy.set(t + "number-rows-repeated", str(count))
                    table.insert(list(table).index(target) + offset, copy)
            target.attrib.pop(t + "number-rows-repeated", None)
            cells = []
            for c in list(target):
                for _ in range(int(c.get(t + "number-columns-repeated", "1"))):
                    copy = ET.fromstring(ET.tostring(c))
                    copy.attrib.pop(t + "number-columns-repeated", None)
                    cells.append(copy)
                target.remove(c)
            while len(cells) < len(values):
                cells.append(ET.Element(t + "table-cell"))
            for c, value in zip(cells, values, strict=False):
                if value is None:
                    continue
                if isinstance(value, int | float):
                    c.set(o + "value-type", "float")
                    c.set(o + "value", repr(float(value)))
                else:
                    c.set(o + "value-type", "string")
                p = ET.SubElement(c, x + "p")
                p.text = str(value)
            target.extend(cells)
            break
        n += repeat
    parts["content.xml"] = ET.tostring(root, xml_declaration=True, encoding="UTF-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), parts.pop("mimetype"))
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_a_filled_in_ods_template_loads(store):
    ods = build_template(PRIORITIES, Q3, None, ".ods")
    heads = [c[1] for c in typed_cells(ods)["Scorecard"][2]]
    values = {
        "PI Ref": "PI-Z1", "Measure": "Calls answered in 60 seconds", "Priority": PRIORITIES[0],
        "Directorate": "Resources", "Good is": "higher is better", "Unit": "%",
        "Frequency": "quarterly", "Target": 90, "Q1 2023-24": 81, "Q2 2023-24": 84.5,
        "Q3 2023-24": 88, "RAG": "Amber", "Commentary": "Improving.",
    }  # fmt: skip
    filled = _fill(ods, "Scorecard", 4, [values.get(str(h)) for h in heads])
    plan = prepare(store, [FileInput("filled.ods", filled)])
    assert plan.problems == []
    commit(store, plan, "tester")
    with store.connect() as conn:
        got = sorted(
            (Period.from_key(r.period).label, r.actual, r.target, r.official_rag)
            for r in conn.execute(
                sa.text("SELECT period, actual, target, official_rag FROM indicator_values")
            )
        )
        name = conn.execute(sa.text("SELECT name FROM indicators WHERE ref = 'PI-Z1'")).scalar()
    assert name == "Calls answered in 60 seconds"
    assert got == [
        ("Q1 2023-24", pytest.approx(81), pytest.approx(90), None),
        ("Q2 2023-24", pytest.approx(84.5), pytest.approx(90), None),
        ("Q3 2023-24", pytest.approx(88), pytest.approx(90), "Amber"),
    ]


def test_sheet_names_and_headings_are_escaped():
    table = pd.DataFrame({"=cmd()": ["x"], "a&b": [1]})
    ods = ods_bytes(table, ["Title"], sheet_title="Q3 <b> & 'x'")
    assert list(typed_cells(ods)) == ["Q3 <b> & 'x'"]
    assert typed_cells(ods)["Q3 <b> & 'x'"][-2:] == [
        [("string", "'=cmd()"), ("string", "A&b")],
        [("string", "x"), ("float", 1.0)],
    ]
    assert re.search(rb"table:formula", content(ods)) is None
