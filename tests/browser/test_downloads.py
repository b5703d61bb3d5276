"""Downloads in a real browser: the "Download" popover gives the table shown as CSV and Excel (with the
council, quarter and filters above the table, suppressed counts blank with the status "suppressed")
and each chart as PNG and SVG with its text, quarter, filters and sample-data warning; the files are
made when clicked."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from helpers import exceptions, wait_for_app

pytestmark = pytest.mark.browser


def download(page, popover_key: str, label: str) -> bytes:
    page.locator(f".st-key-{popover_key} button").first.click()
    button = page.get_by_role("button", name=label)
    button.wait_for()
    with page.expect_download(timeout=30_000) as info:
        button.click()
    path = info.value.path()
    data = Path(path).read_bytes()
    page.keyboard.press("Escape")  # close the popover
    return data


def test_priority_table_downloads_as_csv_and_excel(page, app_url) -> None:
    page.goto(f"{app_url}/Priorities?priority=A+place+where+those+in+need+are+supported")
    wait_for_app(page)
    assert exceptions(page) == []
    key = "dl_pop_priority_3_indicators"
    page.locator(f".st-key-{key}").wait_for()

    text = download(page, key, "Data (CSV)").decode("utf-8-sig")
    rows = {r["Ref"]: r for r in csv.DictReader(io.StringIO(text))}
    # A suppressed count: no number (the column can be summed), and the status says why.
    assert (rows["PI-37"]["Actual"], rows["PI-37"]["Status"]) == ("", "suppressed")
    assert (rows["PI-41"]["Actual"], rows["PI-41"]["Status"]) == ("", "suppressed")
    assert {r["RAG"] for r in rows.values()} <= {"Green", "Amber", "Red", "withheld", "not rated"}

    wb = openpyxl.load_workbook(io.BytesIO(download(page, key, "Data (Excel)")))
    ws = wb.active
    top = [ws.cell(row=r, column=1).value for r in range(1, 8)]
    assert top[0] == "Harrow Council: Priority 3 indicators"  # not "Priority3 indicators"
    assert ws.title.startswith("Priority 3 indicators")
    assert "Quarter: Q3 2023-24 (as at 31 December 2023)" in top
    assert "Priority: A place where those in need are supported" in top
    assert any(t and t.startswith("Illustrative sample data") for t in top)
    header = next(r for r in range(1, 15) if ws.cell(row=r, column=1).value == "Ref")
    refs = {ws.cell(row=r, column=1).value: r for r in range(header + 1, ws.max_row + 1)}
    actual_col = [c.value for c in ws[header]].index("Actual") + 1
    status_col = [c.value for c in ws[header]].index("Status") + 1
    assert ws.cell(row=refs["PI-37"], column=actual_col).value is None
    assert ws.cell(row=refs["PI-37"], column=status_col).value == "suppressed"
    figures = [ws.cell(row=r, column=actual_col) for r in refs.values()]
    assert all(c.value is None or c.data_type == "n" for c in figures)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_trend_chart_downloads_as_png_and_svg_with_text(page, app_url) -> None:
    page.goto(f"{app_url}/Indicators?ind=PI-01")
    wait_for_app(page)
    key = "dl_pop_indicator_trends"
    page.locator(f".st-key-{key}").wait_for()
    svg = download(page, key, "Chart (SVG)").decode("utf-8")
    assert svg.startswith("<svg") and "<text" in svg
    assert "Q3" in svg  # axis labels are drawn
    # Away from the page the picture says what it is: quarter and as-at date, filters, sample data.
    assert "Quarter: Q3 2023-24 (as at 31 December 2023)" in svg
    assert "All priorities, directorates and portfolios" in svg
    assert "Illustrative sample data" in svg
    png = download(page, key, "Chart (PNG)")
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert exceptions(page) == []


def test_a_table_offers_no_second_download_that_skips_the_cell_rule(page, app_url) -> None:
    """Streamlit's own table toolbar has a CSV download of the text on screen (glyphs, "fewer than
    5" in a figure column): turned off (``client.disableDataExport``), so every download of a table
    is the Download button's, under the one cell rule."""
    page.goto(f"{app_url}/Indicators?quarter=Q3+2023-24")
    wait_for_app(page)
    table = page.locator("[data-testid=stDataFrame]").first
    table.wait_for()
    table.hover()
    toolbar = page.locator("[data-testid=stElementToolbar]").first
    toolbar.wait_for(state="attached")
    page.wait_for_timeout(500)
    labels = [
        (b.get_attribute("aria-label") or b.inner_text() or "").lower()
        for b in toolbar.locator("button").all()
    ]
    assert labels, "the table's toolbar shows no buttons: the check below would pass vacuously"
    assert not [label for label in labels if "download" in label or "csv" in label], labels
    assert exceptions(page) == []
