"""A link keeps its meaning: one saved before the next quarter is loaded opens the same view after.

The app runs in local mode (the local user is an editor) on its own copy of the sample database, whose
default quarter is Q3 2023-24. The test opens the Priorities page without parameters, checks that the
default quarter is written into the address, picks priority 2 (a page choice, also in the address),
saves the address, then loads a fully reported Q4 2023-24 through the Data page. A fresh visit now
opens on Q4 2023-24 (the default moved, as it should for a fully reported quarter), while the saved
link still opens Q3 2023-24 on priority 2, in a new browser session that has never seen it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from helpers import exceptions, quarter_value, rerun_after, screenshot, wait_for_app
from playwright.sync_api import Page, expect

TIMEOUT = 60_000
PRIORITY_2 = "Priority 2: A borough that is clean and safe"
Q3_AS_AT = "Quarter 3 2023-24, as at 31 December 2023"
Q4_AS_AT = "Quarter 4 2023-24, as at 31 March 2024"
# Every indicator reported for Q4 2023-24.
Q4_FILE = "Ref,Period,Actual\n" + "".join(f"PI-{i:02d},Q4 2023-24,50\n" for i in range(1, 46))


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _open(page: Page, url: str) -> str:
    page.goto(url, timeout=TIMEOUT)
    wait_for_app(page, timeout=TIMEOUT)
    assert exceptions(page) == []
    return page.locator('[data-testid="stMain"]').inner_text()


def test_a_link_saved_before_a_new_quarter_opens_the_same_view(
    page: Page, browser, start_app, sample_db_file: Path, tmp_path: Path
) -> None:
    db = tmp_path / "links.duckdb"
    shutil.copyfile(sample_db_file, db)
    wal = sample_db_file.with_name(sample_db_file.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, db.with_name(db.name + ".wal"))
    base = start_app(db, {"HARROW_DASH_SECRETS": str(tmp_path / "no-secrets.toml")})

    # The default quarter goes into the address on first render.
    text = _open(page, f"{base}/Priorities")
    page.wait_for_url(lambda u: _query(u).get("quarter") == ["Q3 2023-24"], timeout=TIMEOUT)
    assert Q3_AS_AT in text
    # The priority chosen on the page goes into the address too.
    rerun_after(page, page.get_by_text(PRIORITY_2, exact=True).click)
    page.wait_for_url(lambda u: _query(u).get("section") == ["2"], timeout=TIMEOUT)
    saved = page.url
    expect(page.get_by_role("heading", name=PRIORITY_2)).to_be_visible()

    # Load a fully reported Q4 2023-24 on the Data page.
    _open(page, f"{base}/Data")
    upload = tmp_path / "q4.csv"
    upload.write_text(Q4_FILE, encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    expect(page.get_by_text("Checked: no problems.", exact=False)).to_be_visible(timeout=TIMEOUT)
    wait_for_app(page, timeout=TIMEOUT)
    page.get_by_role("button", name="Load into the database").click()
    expect(page.get_by_text("Loaded q4.csv as batch", exact=False)).to_be_visible(timeout=TIMEOUT)
    wait_for_app(page, timeout=TIMEOUT)

    # A new session without a link now opens on Q4 2023-24: the default did move ...
    fresh = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        other = fresh.new_page()
        text = _open(other, f"{base}/Priorities")
        assert Q4_AS_AT in text
        other.wait_for_url(lambda u: _query(u).get("quarter") == ["Q4 2023-24"], timeout=TIMEOUT)
    finally:
        fresh.close()

    # ... but the saved link, opened in a session that has never seen it, shows what it showed.
    later = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        reader = later.new_page()
        text = _open(reader, saved)
        screenshot(reader, "stable-link-after-new-quarter", full_page=False)
        assert Q3_AS_AT in text and Q4_AS_AT not in text
        assert quarter_value(reader) == "Q3 2023-24"
        expect(reader.get_by_role("heading", name=PRIORITY_2)).to_be_visible()
        assert _query(reader.url).get("quarter") == ["Q3 2023-24"]
        assert _query(reader.url).get("section") == ["2"]
    finally:
        later.close()
