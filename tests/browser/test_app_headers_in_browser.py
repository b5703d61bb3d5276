"""The app served directly, with no proxy in front (as ``make run`` and ``harrow-dash serve`` serve
it), in Chromium: every page renders under the app's own Content-Security-Policy with no violation,
and no other page can frame it. The deployment's proxy sends the same policy
(``test_deploy_proxy.py``); the headers themselves are checked in ``tests/test_app_headers.py``.
"""

from __future__ import annotations

from helpers import framing_messages, visit_every_page_under_policy
from playwright.sync_api import Browser

TIMEOUT = 60_000


def test_every_page_renders_under_the_apps_own_policy_without_a_violation(
    browser: Browser, app_url: str
) -> None:
    visit = visit_every_page_under_policy(browser, app_url, TIMEOUT)
    assert len(visit.policies) == 1, visit.policies
    assert "frame-ancestors 'none'" in next(iter(visit.policies)), visit.policies
    assert visit.violations == {} and visit.console == [], (visit.violations, visit.console)


def test_another_page_cannot_frame_the_app_served_directly(browser: Browser, app_url: str) -> None:
    messages = framing_messages(browser, f"{app_url}/")
    assert any("frame-ancestors" in m and "'none'" in m for m in messages), messages
