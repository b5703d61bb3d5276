"""The real upload, end to end in Chromium: the Data page takes a file, previews the change, loads it on
confirmation, and the dashboard shows the new figures.

The app runs in local mode (no sign-in configured: the local user is an editor) on its own copy of the
sample database, so this test may write to it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from helpers import alerts, exceptions, wait_for_app
from playwright.sync_api import Page, expect

P1 = "A council that puts residents first"
NEW_FILE = (
    "Ref,Name,Priority,Unit,Good is,Period,Actual\n"
    "PI-02,,,,,Q3 2023-24,99\n"
    f"PI-90,Library visits,{P1},count,higher is better,Q3 2023-24,1200\n"
)
TIMEOUT = 60_000


def _copy_db(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


def _indicator_total(page: Page) -> int:
    heading = page.get_by_role("heading", name=re.compile(r"^Performance indicators: \d+$"))
    expect(heading).to_be_visible(timeout=TIMEOUT)
    return int(heading.inner_text().rsplit(":", 1)[1])


def test_upload_preview_commit_and_the_dashboard_changes(
    page: Page, start_app, sample_db_file: Path, tmp_path: Path
) -> None:
    db = _copy_db(sample_db_file, tmp_path / "upload.duckdb")
    base = start_app(db, {"HARROW_DASH_SECRETS": str(tmp_path / "no-secrets.toml")})

    page.goto(base, timeout=TIMEOUT)
    wait_for_app(page, timeout=TIMEOUT)
    assert exceptions(page) == []
    before = _indicator_total(page)
    assert before == 45

    page.goto(f"{base}/Data", timeout=TIMEOUT)
    wait_for_app(page, timeout=TIMEOUT)
    expect(page.get_by_text("Local mode", exact=False).first).to_be_visible()
    upload = tmp_path / "q3-update.csv"
    upload.write_text(NEW_FILE, encoding="utf-8")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))

    # The preview, before anything is written.
    preview = page.get_by_text("Checked: no problems.", exact=False)
    expect(preview).to_be_visible(timeout=TIMEOUT)
    wait_for_app(page, timeout=TIMEOUT)
    summary = " ".join(alerts(page, "info"))
    assert (
        "q3-update.csv has 1 new indicator definition and 1 unchanged indicator definition; "
        "1 new indicator value and 1 changed indicator value." in summary
    )
    assert "Nothing has been written yet" in summary
    expect(page.get_by_text("What would change")).to_be_visible()
    expect(page.get_by_text("Changed values", exact=False)).to_be_visible()

    page.get_by_role("button", name="Load into the database").click()
    done = page.get_by_text("Loaded q3-update.csv as batch 2", exact=False)
    expect(done).to_be_visible(timeout=TIMEOUT)
    wait_for_app(page, timeout=TIMEOUT)
    assert exceptions(page) == []

    # Another visit to the dashboard sees the new indicator.
    page.goto(base, timeout=TIMEOUT)
    wait_for_app(page, timeout=TIMEOUT)
    assert _indicator_total(page) == before + 1
    assert exceptions(page) == []
