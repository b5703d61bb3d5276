"""Through the deployment's proxy, in Chromium: every page renders under its Content-Security-Policy
with no violation, one browser's page loads and websockets all stay on one instance, and no other
page can frame the app.

The proxy is the real nginx with the deployment's template in front of two instances started with
``harrow-dash serve`` (``tests/deploy_proxy.py``). Without nginx these tests skip, except with
``CI=true``, where they fail.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from deploy_proxy import AFFINITY_COOKIE, RunningProxy, deployment, require_nginx
from helpers import (
    discover_pages,
    exceptions,
    framing_messages,
    visit_every_page_under_policy,
    wait_for_app,
)
from playwright.sync_api import Browser, expect

TIMEOUT = 60_000


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningProxy, list[str]]]:
    nginx = require_nginx()
    with deployment(nginx, tmp_path_factory.mktemp("deploy-browser")) as (proxy, upstreams):
        yield proxy, upstreams


def test_every_page_renders_through_the_proxy_without_a_csp_violation_on_one_instance(
    browser: Browser, running: tuple[RunningProxy, list[str]]
) -> None:
    proxy, upstreams = running
    pages = discover_pages()
    visit = visit_every_page_under_policy(browser, proxy.url, TIMEOUT)
    assert visit.violations == {} and visit.console == [], (visit.violations, visit.console)
    assert len(visit.policies) == 1, visit.policies  # one set of headers: the proxy's
    cookie = next(c["value"] for c in visit.cookies if c["name"] == AFFINITY_COOKIE)

    deadline = time.monotonic() + 15
    mine: list[dict[str, str]] = []
    while time.monotonic() < deadline:
        mine = [row for row in proxy.access_log() if row["cookie"] == cookie]
        if sum(row["status"] == "101" for row in mine) >= len(pages):
            break
        time.sleep(0.2)
    streams = [row for row in mine if row["uri"] == "/_stcore/stream"]
    assert len(streams) >= len(pages) and {row["status"] for row in streams} == {"101"}
    instances = {row["upstream"] for row in mine}
    assert len(instances) == 1 and instances <= set(upstreams), instances


def test_another_page_cannot_frame_the_app(
    browser: Browser, running: tuple[RunningProxy, list[str]]
) -> None:
    proxy, _upstreams = running
    messages = framing_messages(browser, f"{proxy.url}/")
    assert any("frame-ancestors" in m and "'none'" in m for m in messages), messages


UPLOAD = (
    "Ref,Name,Priority,Unit,Good is,Period,Actual\n"
    "PI-91,Zebra crossings checked,A council that puts residents first,count,higher is better,"
    "Q3 2023-24,310\n"
)


def test_an_upload_through_the_proxy_reaches_the_instance_of_its_session(
    browser: Browser, running: tuple[RunningProxy, list[str]], tmp_path
) -> None:
    """Streamlit keeps an uploaded file in the process of the session that asked for it: an upload
    sent to the other instance would be refused. Through the proxy it is checked as usual."""
    proxy, _upstreams = running
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{proxy.url}/Data", timeout=TIMEOUT)
        wait_for_app(page, timeout=TIMEOUT)
        upload = tmp_path / "zebra.csv"
        upload.write_text(UPLOAD, encoding="utf-8")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            str(upload)
        )
        expect(page.get_by_text("Checked: no problems.", exact=False)).to_be_visible(
            timeout=TIMEOUT
        )
        assert exceptions(page) == []
        cookie = next(c["value"] for c in context.cookies() if c["name"] == AFFINITY_COOKIE)
    finally:
        context.close()
    mine = [row for row in proxy.access_log() if row["cookie"] == cookie]
    uploads = [row for row in mine if row["uri"].startswith("/_stcore/upload_file")]
    assert uploads and all(row["status"].startswith("2") for row in uploads), uploads
    assert len({row["upstream"] for row in mine}) == 1
