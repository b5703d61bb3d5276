"""Public mode in a real browser: nothing that exists only in a draft reaches the page, the websocket or
a download.

The database has every reported quarter of the sample published, then a draft Q4 2023-24 that adds an
indicator, an action, a directorate and a portfolio, renames an indicator, moves one to another
priority and gives an action a new lead (``tests/draft_only.py``). The app runs with
``HARROW_DASH_PUBLIC=true``. Every page is opened (the Highlights page over all quarters, every
presentation slide, the Indicators page with the renamed indicator's trend, every expander open); the DOM, every websocket
frame the server sends, and every file the page offers (CSV, Excel, the briefing pack) are searched
for the draft-only strings. Positive control: the published name of the renamed indicator does
arrive, so frames are really being read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from draft_only import PI_02_PUBLISHED, leaks, load_draft, publish_history
from helpers import discover_pages, exceptions, open_expanders, screenshot, wait_for_app
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from harrow_dash.store import Store

pytestmark = pytest.mark.browser


@pytest.fixture
def public_url(sample_db_file: Path, tmp_path: Path, start_app) -> str:
    db_path = tmp_path / "public.duckdb"
    shutil.copyfile(sample_db_file, db_path)
    db = Store(f"duckdb:///{db_path}")
    publish_history(db)
    load_draft(db)
    db.dispose()
    return start_app(db_path, {"HARROW_DASH_PUBLIC": "true"})


def _downloads(page) -> list[tuple[str, bytes]]:
    """Every file the page offers: each "Download" popover's buttons and the briefing pack."""
    files: list[tuple[str, bytes]] = []
    popovers = page.locator('[class*="st-key-dl_pop_"]')
    for i in range(popovers.count()):
        # The open popover's buttons (a closed popover's stay in the DOM, hidden).
        # (Inside the popover body: a download button beside the popover, like the Overview's
        # briefing pack, would close it when clicked.)
        buttons = page.locator(
            '[data-testid="stPopoverBody"] [data-testid="stDownloadButton"] button:visible'
        )
        # A click that lands while the page is still busy can be lost on a loaded machine (the
        # popover never opens): click again, at most three times in all.
        for attempt in range(3):
            popovers.nth(i).locator("button").first.click()
            try:
                buttons.first.wait_for(timeout=20_000)
                break
            except PlaywrightTimeoutError:
                if attempt == 2:
                    raise
        for j in range(buttons.count()):
            with page.expect_download(timeout=60_000) as info:
                buttons.nth(j).click()
            files.append((info.value.suggested_filename, Path(info.value.path()).read_bytes()))
        page.keyboard.press("Escape")
    briefing = page.get_by_role("button", name="Briefing pack (Word)")
    if briefing.count():
        with page.expect_download(timeout=120_000) as info:
            briefing.click()
        files.append((info.value.suggested_filename, Path(info.value.path()).read_bytes()))
    return files


def test_public_pages_send_nothing_that_exists_only_in_a_draft(page, public_url: str) -> None:
    frames: list[bytes | str] = []

    def on_frame(payload: bytes | str) -> None:
        frames.append(payload)

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    visits = [p.url_path for p in discover_pages()]
    visits += [
        "Indicators?ind=PI-02&ind=PI-03",
        *(f"Presentation?slide={n}" for n in range(1, 5)),
    ]
    downloaded: list[tuple[str, bytes]] = []
    for path in visits:
        page.goto(f"{public_url}/{path}")
        wait_for_app(page, timeout=60_000)
        assert exceptions(page) == [], path
        if path == "Highlights":  # every quarter, not only the last four
            all_quarters = page.locator(".st-key-hl_scope button", has_text="All quarters")
            all_quarters.click()
            wait_for_app(page, timeout=60_000)
        # Tables a reader opens are sent only when opened: open them all.
        open_expanders(page)
        html = page.content()
        assert not leaks(html), f"the DOM of /{path} holds a draft-only string"
        assert not leaks(page.inner_text("body")), path
        downloaded += _downloads(page)
        if path == "":
            screenshot(page, "public-mode-overview")
    assert downloaded, "no downloads were offered"
    names = {name.rsplit(".", 1)[-1] for name, _ in downloaded}
    assert {"csv", "xlsx", "docx"} <= names, names
    for name, data in downloaded:
        assert not leaks(data), name
    assert len(frames) > 20
    assert not any(leaks(f) for f in frames), "a websocket frame holds a draft-only string"
    # Positive control: frames are being read, and the published name arrives in them.
    assert any(
        PI_02_PUBLISHED.encode() in (f if isinstance(f, bytes) else f.encode()) for f in frames
    )
    assert page.console_errors == []
