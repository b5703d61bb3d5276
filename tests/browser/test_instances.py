"""Several app instances on one PostgreSQL database agree: a load through one instance's Data page is
shown by the other instance on its next interaction, not when its cached results expire.

Two ``streamlit run`` processes share a copy of the sample database in the test session's throwaway
PostgreSQL cluster. Instance B shows the Overview first (so its process has cached the quarter's
figures), instance A loads a file in another browser tab, then B's user clicks the Overview link in
the sidebar: same page, same filters, same cache keys. Only the data version that every page run
compares tells B's process its cached figures are stale.
"""

from __future__ import annotations

import re
from pathlib import Path

from helpers import exceptions, nav_link, rerun_after, wait_for_app
from pg_cluster import Cluster
from playwright.sync_api import Page, expect

P1 = "A council that puts residents first"
NEW_FILE = (
    "Ref,Name,Priority,Unit,Good is,Period,Actual\n"
    f"PI-91,Zebra crossings checked,{P1},count,higher is better,Q3 2023-24,310\n"
)
TIMEOUT = 60_000


def _indicator_total(page: Page) -> int:
    heading = page.get_by_role("heading", name=re.compile(r"^Performance indicators: \d+$"))
    expect(heading).to_be_visible(timeout=TIMEOUT)
    return int(heading.inner_text().rsplit(":", 1)[1])


def test_a_load_through_one_instance_is_seen_by_the_other(
    page: Page,
    browser,
    start_app,
    pg_cluster: Cluster,
    pg_sample_template: str,
    tmp_path: Path,
) -> None:
    url = pg_cluster.create_database(template=pg_sample_template)
    env = {"HARROW_DASH_SECRETS": str(tmp_path / "no-secrets.toml")}
    instance_a, instance_b = start_app(url, env), start_app(url, env)

    page.goto(instance_b, timeout=TIMEOUT)
    wait_for_app(page, timeout=TIMEOUT)
    before = _indicator_total(page)
    assert before == 45 and exceptions(page) == []

    editor = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        editor.goto(f"{instance_a}/Data", timeout=TIMEOUT)
        wait_for_app(editor, timeout=TIMEOUT)
        upload = tmp_path / "zebra.csv"
        upload.write_text(NEW_FILE, encoding="utf-8")
        editor.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            str(upload)
        )
        expect(editor.get_by_text("Checked: no problems.", exact=False)).to_be_visible(
            timeout=TIMEOUT
        )
        wait_for_app(editor, timeout=TIMEOUT)
        editor.get_by_role("button", name="Load into the database").click()
        expect(editor.get_by_text("Loaded zebra.csv as batch 2", exact=False)).to_be_visible(
            timeout=TIMEOUT
        )
    finally:
        editor.close()

    # B's next interaction, in the same session: the Overview again, through the sidebar.
    rerun_after(page, nav_link(page, "").click, timeout=TIMEOUT)
    assert _indicator_total(page) == before + 1
    assert exceptions(page) == []
