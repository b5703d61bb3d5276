"""Plain helpers for the browser tests: wait for a Streamlit run to finish, read exceptions and alerts,
drive the sidebar filters, run axe-core, save screenshots, list the app's pages.

Import them in a test under ``tests/browser`` with ``from helpers import wait_for_app, ...`` (pytest puts
this folder on ``sys.path`` because ``tests/`` has no ``__init__.py``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT_DIR = REPO_ROOT / "test-output"
SCREENSHOT_DIR = OUTPUT_DIR / "screenshots"
LOG_DIR = OUTPUT_DIR / "logs"

# The WCAG 2.2 A/AA rules of axe-core (the bundled axe 4.12 tags no rule "wcag22a"; the level A rules
# are under wcag2a and wcag21a).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# The page is drawn when Streamlit says on the app root that the script is not running, no skeleton
# placeholder is left (elements whose code loads lazily show one until it arrives, after the run
# ends), the "Running..." status widget has gone and every Vega-Lite chart has drawn its marks.
# (benchmarks/browser.py uses the same test for its timings.)
_DONE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  return [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .every(chart => chart.querySelector('.marks'));
}
"""


def wait_for_app(page: Page, timeout: float = 30_000, settle_ms: int = 250) -> None:
    """Wait until the app has finished its current run and drawn the result.

    Waits for the app root, then until Streamlit reports the script is not running, there is no
    skeleton placeholder, no running status widget and every chart has drawn; then ``settle_ms``
    more, checking again. Raises Playwright's TimeoutError after ``timeout`` ms."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(_DONE_JS, timeout=timeout, polling=50)
    if settle_ms:
        page.wait_for_timeout(settle_ms)
        # A rerun can start during the settle (e.g. a widget syncing its value): wait again.
        page.wait_for_function(_DONE_JS, timeout=timeout, polling=50)


_WATCH_RUN_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__harrowSawRun = false;
  if (window.__harrowRunObserver) window.__harrowRunObserver.disconnect();
  // A fast run can start and end within one task: the callback then sees "notRunning" again, so
  // each record's old value counts too.
  const obs = new MutationObserver((records) => {
    const now = app.getAttribute('data-test-script-state');
    if (now !== 'notRunning' || records.some((r) => r.oldValue && r.oldValue !== 'notRunning')) {
      window.__harrowSawRun = true;
    }
  });
  obs.observe(app, {
    attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state'],
  });
  window.__harrowRunObserver = obs;
}
"""


# Counts the messages the app's websocket receives (installed in every page of a context by
# ``count_app_messages``). A fast rerun can arrive in one batch: React then never writes "running"
# on the app root, and only the messages show that the rerun happened.
_COUNT_MESSAGES_JS = """
(() => {
  const Original = window.WebSocket;
  window.__harrowMessages = 0;
  window.WebSocket = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { window.__harrowMessages += 1; });
    }
  };
})();
"""
_SAW_RUN_JS = """
() => window.__harrowSawRun === true
  || (window.__harrowMessages !== undefined && window.__harrowMessages > window.__harrowMessagesAt)
"""


def count_app_messages(context: Any) -> None:
    """Count the app's websocket messages in every page ``context`` opens (see ``rerun_after``)."""
    context.add_init_script(_COUNT_MESSAGES_JS)


def rerun_after(page: Page, action: Callable[[], object], timeout: float = 30_000) -> None:
    """Do ``action`` (a click that makes the app rerun: a widget change, a page link) and wait until
    that rerun has started and finished and the page is drawn, so nothing stale is read. A rerun is
    seen by the app root's script state changing or, in a page whose context counts messages
    (``count_app_messages``), by the server sending anything after the action."""
    page.evaluate(_WATCH_RUN_JS)
    page.evaluate("() => { window.__harrowMessagesAt = window.__harrowMessages; }")
    action()
    page.wait_for_function(_SAW_RUN_JS, timeout=timeout, polling=20)
    wait_for_app(page, timeout=timeout)


def open_expanders(page: Page) -> int:
    """Open every visible closed expander (main area and sidebar), waiting after each for the app to
    draw what it holds (an expander that draws its contents only when open reruns the page);
    return how many were opened."""
    opened = 0
    for _ in range(100):
        closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
        closed = closed.filter(visible=True)
        if closed.count() == 0:
            break
        closed.first.click()
        opened += 1
        wait_for_app(page, settle_ms=150)
    wait_for_app(page)
    return opened


def exceptions(page: Page) -> list[str]:
    """The text of every Streamlit exception box on the page (empty when there is none)."""
    return [t.strip() for t in page.locator('[data-testid="stException"]').all_inner_texts()]


def alerts(page: Page, kind: str = "info") -> list[str]:
    """The text of every st.info / st.warning / st.error / st.success box on the page (main area
    and sidebar), without the icon's name."""
    testid = {
        "info": "stAlertContentInfo",
        "warning": "stAlertContentWarning",
        "error": "stAlertContentError",
        "success": "stAlertContentSuccess",
    }[kind]
    boxes = page.locator(f'[data-testid="{testid}"] [data-testid="stMarkdownContainer"]')
    return [t.strip() for t in boxes.all_inner_texts()]


def axe_violations(
    page: Page,
    exclusions: dict[str, str] | None = None,
    tags: list[str] | None = None,
) -> list[dict[str, Any]]:
    """axe-core violations on the page at the WCAG 2.2 A/AA tags.

    ``exclusions`` maps an axe rule id to the reason it is excluded; every excluded rule must have a
    reason, and only rules in Streamlit's own chrome (which we cannot change) may be excluded."""
    exclusions = exclusions or {}
    for rule, reason in exclusions.items():
        if not reason or not reason.strip():
            raise ValueError(f"axe rule {rule!r} is excluded without a reason")
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": tags or AXE_TAGS},
        "resultTypes": ["violations"],
    }
    if exclusions:
        options["rules"] = {rule: {"enabled": False} for rule in exclusions}
    results = Axe().run(page, options=options)
    return list(results.response["violations"])


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """A readable report: rule, impact, help, and for each element its selector and HTML."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v.get('help')} [{v.get('helpUrl')}]")
        for node in v.get("nodes", []):
            target = ", ".join(str(t) for t in node.get("target", []))
            html = re.sub(r"\s+", " ", node.get("html", ""))[:300]
            lines.append(f"    at {target}: {html}")
            summary = node.get("failureSummary")
            if summary:
                lines.append("      " + summary.replace("\n", "\n      "))
    return "\n".join(lines)


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """Save what the viewport shows to ``test-output/screenshots/<name>.png`` and return its path.

    With ``full_page`` also save the whole page to ``<name>-full.png``. Streamlit scrolls its main
    area inside the window, so Playwright's own full-page option sees only the viewport; instead the
    window is made as tall as the content for the picture, then put back."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "page"
    path = SCREENSHOT_DIR / f"{safe}.png"
    page.screenshot(path=str(path))
    if full_page and page.viewport_size:
        size = dict(page.viewport_size)
        height = page.evaluate(
            """() => Math.max(...[...document.querySelectorAll(
                 '[data-testid="stMain"], [data-testid="stAppViewContainer"], [data-testid="stSidebarContent"]'
               )].map(e => e.scrollHeight), document.body.scrollHeight)"""
        )
        tall = {"width": size["width"], "height": max(size["height"], min(int(height), 12_000))}
        page.set_viewport_size(tall)
        try:
            page.wait_for_timeout(400)
            page.screenshot(path=str(SCREENSHOT_DIR / f"{safe}-full.png"))
        finally:
            page.set_viewport_size(size)
            page.wait_for_timeout(200)
    return path


# -- the sidebar filter bar (widgets keyed filter_quarter, filter_priority, ...) ----------------------


def _widget(page: Page, key: str):
    """The element container of the keyed widget (Streamlit gives it the class ``st-key-<key>``)."""
    return page.locator(f'[data-testid="stSidebar"] .st-key-{key}')


def selectbox_value(page: Page, key: str) -> str:
    """The value shown in a keyed selectbox."""
    return _widget(page, key).locator('input[role="combobox"]').input_value()


def multiselect_values(page: Page, key: str) -> list[str]:
    """The values chosen in a keyed multiselect, as its tags name them."""
    tags = _widget(page, key).locator("[data-tag]")
    return [tags.nth(i).get_attribute("aria-label") or "" for i in range(tags.count())]


def choose(page: Page, key: str, option: str) -> None:
    """Pick ``option`` in a keyed selectbox or multiselect the way a user does (open the list, click
    the option), close the list, and wait for the rerun to finish."""
    box = _widget(page, key).locator('input[role="combobox"]')
    box.click()
    rerun_after(page, page.get_by_role("option", name=option, exact=True).click)
    if box.get_attribute("aria-expanded") == "true":
        page.keyboard.press("Escape")


QUARTER_KEY = "filter_quarter"


def quarter_value(page: Page) -> str:
    """The quarter chosen in the sidebar, without the state the picker adds to its label
    ("Q3 2023-24 (published)" -> "Q3 2023-24")."""
    return selectbox_value(page, QUARTER_KEY).split(" (")[0]


def choose_quarter(page: Page, label: str) -> None:
    """Pick the quarter ``label`` (e.g. "Q1 2023-24") in the sidebar, whatever state its option
    names, and wait for the rerun to finish."""
    box = _widget(page, QUARTER_KEY).locator('input[role="combobox"]')
    box.click()
    option = page.get_by_role("option", name=re.compile(rf"^{re.escape(label)}( \(.*\))?$"))
    rerun_after(page, option.click)
    if box.get_attribute("aria-expanded") == "true":
        page.keyboard.press("Escape")


def nav_link(page: Page, url_path: str):
    """The sidebar navigation link to a page ("" for the home page), found by where it points (the
    frame's ``st.page_link`` list or Streamlit's own navigation, whichever is shown)."""
    index = page.evaluate(
        r"""(path) => [...document.querySelectorAll('[data-testid="stSidebar"] a')].findIndex(a => {
               const href = a.getAttribute('href');
               if (href === null) return false;
               // st.page_link writes the home page as href="" (which a browser would resolve to
               // the current page) and other pages relative to the app's root.
               const p = href === '' ? ''
                 : new URL(href, location.origin + '/').pathname.replace(/\/+$/, '');
               return path === '' ? p === '' : p.endsWith('/' + path);
             })""",
        url_path,
    )
    if index < 0:
        raise AssertionError(f"no sidebar link to /{url_path}")
    return page.locator('[data-testid="stSidebar"] a').nth(index)


@dataclass(frozen=True)
class AppPage:
    """A page of the classic multipage app: its file, its URL path and the title in the sidebar."""

    file: Path
    url_path: str  # "" for the home page (app.py), "Indicators" for pages/2_Indicators.py
    title: str  # as the sidebar navigation shows it

    @property
    def id(self) -> str:
        return self.url_path or "Overview"


def discover_pages(root: Path = REPO_ROOT) -> list[AppPage]:
    """``app.py`` then every ``pages/*.py``, named and ordered exactly as Streamlit's classic multipage
    mode does it (``pages/2_Indicators.py`` is served at ``/Indicators`` and titled "Indicators")."""
    from streamlit.source_util import page_icon_and_name, page_sort_key

    files = sorted(
        (
            p
            for p in (root / "pages").glob("*.py")
            if not p.name.startswith(".") and p.name != "__init__.py"
        ),
        key=page_sort_key,
    )
    out = [AppPage(root / "app.py", "", "app")]
    for path in files:
        _icon, name = page_icon_and_name(path)
        out.append(AppPage(path, name, name.replace("_", " ")))
    return out


# Collects every CSP violation the page reports (the console only says so in words).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
});
"""


@dataclass
class PolicyVisit:
    """What opening every page under the Content-Security-Policy found (see
    :func:`visit_every_page_under_policy`)."""

    violations: dict[str, list[str]]  # page id -> the violations it reported
    console: list[str]  # the console's CSP messages
    policies: set[str]  # the Content-Security-Policy each page was served with
    cookies: list[dict[str, Any]]  # the browser's cookies at the end


def visit_every_page_under_policy(
    browser: Browser, base_url: str, timeout: float = 60_000
) -> PolicyVisit:
    """Open every page under ``base_url`` in one browser (1440x900), checking that each renders (no
    exception, no component's error alert: a blocked script shows one), and record every CSP
    violation. The browser's context is closed at the end, its websockets with it."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    violations: dict[str, list[str]] = {}
    policies: set[str] = set()
    try:
        for app_page in discover_pages():
            response = page.goto(f"{base_url}/{app_page.url_path}", timeout=timeout)
            assert response is not None
            policies.add(response.headers.get("content-security-policy", ""))
            wait_for_app(page, timeout=timeout)
            if app_page.url_path == "":  # (the Presentation page has no sidebar)
                nav = page.locator('[data-testid="stSidebar"] a').first
                expect(nav).to_be_visible(timeout=timeout)
            assert exceptions(page) == [], app_page.id
            alerts = page.get_by_role("alert").all_inner_texts()
            assert not [a for a in alerts if "Error" in a], (app_page.id, alerts)
            found = page.evaluate("window.__cspViolations")
            if found:
                violations[app_page.id] = found
        cookies = list(context.cookies())
    finally:
        context.close()
    return PolicyVisit(violations, console, policies, cookies)  # type: ignore[arg-type]


def framing_messages(browser: Browser, url: str, wait_s: float = 30) -> list[str]:
    """Put ``url`` in an iframe on another page; check that the app did not render in it, and return
    the console's messages (the browser says there why it refused to frame it)."""
    context = browser.new_context()
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text))
    try:
        page.set_content(f'<iframe id="app" src="{url}" width="800" height="600"></iframe>')
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and not any("frame-ancestors" in m for m in messages):
            page.wait_for_timeout(200)
        assert page.frame_locator("#app").locator('[data-testid="stApp"]').count() == 0
    finally:
        context.close()
    return messages
