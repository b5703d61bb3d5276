"""Downloads follow every filter: with a portfolio chosen, the Flagship actions and Highlights pages'
CSV holds only that portfolio's rows, and their Excel file says in its heading what the filter could
not place. Expected rows are worked out from the sample CSV files (``test_filters_everywhere``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from helpers import exceptions, wait_for_app
from test_filters_everywhere import expected_highlights, expected_lines, unplaced_caption

pytestmark = pytest.mark.browser

CHS = "Children's Services"
LINK = "quarter=Q3+2023-24&portfolio=Children%27s+Services"


def download(page, popover_key: str, label: str) -> bytes:
    page.locator(f".st-key-{popover_key} button").first.click()
    button = page.get_by_role("button", name=label)
    button.wait_for()
    with page.expect_download(timeout=60_000) as info:
        button.click()
    data = Path(info.value.path()).read_bytes()
    page.keyboard.press("Escape")
    return data


def sheet_lines(data: bytes) -> list[str]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return [str(ws.cell(row=r, column=1).value or "") for r in range(1, 12)]


def test_flagship_actions_downloads_hold_only_the_portfolios_actions(page, app_url) -> None:
    page.goto(f"{app_url}/Flagship_actions?{LINK}")
    wait_for_app(page, timeout=60_000)
    assert exceptions(page) == []
    key = "dl_pop_flagship_actions"
    rows = list(csv.DictReader(io.StringIO(download(page, key, "Data (CSV)").decode("utf-8-sig"))))
    refs = {r["Action"].strip("\u00a0\u21b3 ").split()[0] for r in rows}
    assert refs == expected_lines(portfolio=CHS) | {"FA-18", "FA-20"}
    assert {r["Portfolio holder"] for r in rows} == {CHS, "Finance and Human Resources"}
    assert f"Portfolio: {CHS}" in sheet_lines(download(page, key, "Data (Excel)"))


def test_highlights_downloads_hold_only_the_portfolios_highlights(page, app_url) -> None:
    page.goto(f"{app_url}/Highlights?{LINK}")
    wait_for_app(page, timeout=60_000)
    assert exceptions(page) == []
    key = "dl_pop_highlights"
    rows = list(csv.DictReader(io.StringIO(download(page, key, "Data (CSV)").decode("utf-8-sig"))))
    last_four = {"Q4 2022-23", "Q1 2023-24", "Q2 2023-24", "Q3 2023-24"}
    mine, other, nothing = expected_highlights(last_four, CHS)
    assert {r["Text"] for r in rows} == mine
    lines = sheet_lines(download(page, key, "Data (Excel)"))
    assert f"Portfolio: {CHS}" in lines and unplaced_caption(len(nothing)) in lines
