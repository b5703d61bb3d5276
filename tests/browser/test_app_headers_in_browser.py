"""The app served directly, with no proxy in front (as ``make run`` and ``harrow-dash serve`` serve
it), in Chromium: every page renders under the app's own Content-Security-Policy with no violation,
and no other page can frame it. The deployment's proxy sends the same policy
(``test_deploy_proxy.py``); the headers themselves are checked in ``tests/test_app_headers.py``.
"""

from __future__ import annotations

import time

from helpers import RECORD_VIOLATIONS, discover_pages, exceptions, wait_for_app
from playwright.sync_api import Browser, expect

TIMEOUT = 60_000


def test_every_page_renders_under_the_apps_own_policy_without_a_violation(
    browser: Browser, app_url: str
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console_csp: list[str] = []
    page.on(
        "console",
        lambda msg: console_csp.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    violations: dict[str, list[str]] = {}
    policies: set[str] = set()
    try:
        for app_page in discover_pages():
            response = page.goto(f"{app_url}/{app_page.url_path}", timeout=TIMEOUT)
            assert response is not None
            policies.add(response.headers.get("content-security-policy", ""))
            wait_for_app(page, timeout=TIMEOUT)
            if app_page.url_path == "":
                expect(page.locator('[data-testid="stSidebar"] a').first).to_be_visible(
                    timeout=TIMEOUT
                )
            assert exceptions(page) == [], app_page.id
            alerts = page.get_by_role("alert").all_inner_texts()
            assert not [a for a in alerts if "Error" in a], (app_page.id, alerts)
            found = page.evaluate("window.__cspViolations")
            if found:
                violations[app_page.id] = found
    finally:
        context.close()
    assert len(policies) == 1 and "frame-ancestors 'none'" in next(iter(policies)), policies
    assert violations == {} and console_csp == [], (violations, console_csp)


def test_another_page_cannot_frame_the_app_served_directly(browser: Browser, app_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text))
    try:
        page.set_content(f'<iframe id="app" src="{app_url}/" width="800" height="600"></iframe>')
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("frame-ancestors" in m for m in messages):
            page.wait_for_timeout(200)
        assert page.frame_locator("#app").locator('[data-testid="stApp"]').count() == 0
    finally:
        context.close()
    assert any("frame-ancestors" in m and "'none'" in m for m in messages), messages
