"""A link or a file cannot put content on a page, checked where it matters: in Chromium.

Every page (but the Data page, which reads no parameter) is opened with each payload in every URL
parameter a page reads, inside the council (the shared server) and in public mode (its own server,
whose data also carries the payloads in names, commentary, directorates and portfolios). On each:
the payloads are shown as literal text, there is no link, image, icon, bold text or LaTeX made from
them, and the page makes no request to any host but the app's own (a Playwright request listener).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from helpers import AppPage, discover_pages, exceptions, screenshot, wait_for_app

from harrow_dash.formats.textsafe import WORD_JOINER
from harrow_dash.ingest.load import FileInput, Revision, load
from harrow_dash.rules.periods import Period
from harrow_dash.store import Store
from tests.payloads import LONG, PAYLOADS

TIMEOUT = 60_000
MULTI_PARAMS = ("priority", "directorate", "portfolio", "rag", "ind")
SINGLE_PARAMS = ("quarter", "section", "action", "group", "measure", "slide")
PAGES = [p for p in discover_pages() if p.url_path != "Data"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}

# What a payload would have become had it been rendered: links or images to the outside, icons made
# from ":material/home:", bold text, LaTeX, an element with an onerror handler.
ACTIVE_JS = """
() => {
  const root = document.querySelector('[data-testid="stApp"]');
  const out = [];
  for (const a of root.querySelectorAll('a[href]')) {
    // Our own page links may carry a payload in their query string (the filters in force); a
    // link made from a payload leads to another host or is a mailto: link.
    const url = new URL(a.getAttribute('href'), location.href);
    if (url.protocol === 'mailto:' || url.hostname !== location.hostname) {
      out.push('link ' + a.getAttribute('href'));
    }
  }
  for (const img of root.querySelectorAll('img')) {
    const src = img.getAttribute('src') || '';
    if (src === 'x' || /evil/.test(src)) out.push('image ' + src);
  }
  for (const el of root.querySelectorAll('[onerror]')) out.push('onerror on ' + el.tagName);
  for (const el of root.querySelectorAll('[data-testid="stIconMaterial"]')) {
    if (el.textContent.trim() === 'home') out.push('icon home');
  }
  for (const el of root.querySelectorAll('strong, b')) {
    if (el.textContent.trim() === 'bold') out.push('bold text');
  }
  if (root.querySelector('.katex')) out.push('LaTeX');
  return out;
}
"""


def payload_query(run: int) -> str:
    """Every short payload in every multi-valued parameter, and in the single-valued ones a
    rotation (parameter j of run k gets payload 3j+k), so three runs put every payload in a
    single-valued parameter. The 10,000-character value goes in ``directorate`` (and in
    ``quarter`` on run 0), as a server takes an address of about 64 kB at most."""
    short = PAYLOADS[:-1]
    pairs = [(k, p) for k in MULTI_PARAMS for p in short] + [("directorate", LONG)]
    for j, key in enumerate(SINGLE_PARAMS):
        pairs.append((key, LONG if (run, key) == (0, "quarter") else short[(3 * j + run) % 9]))
    return urlencode(pairs)


def outside_requests(page) -> list[str]:
    """Start recording requests to any host but the app's; returns the (live) list."""
    seen: list[str] = []

    def on_request(request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        if urlsplit(url).hostname not in LOCAL_HOSTS:
            seen.append(url)

    page.on("request", on_request)
    return seen


def page_text(page) -> str:
    text = page.locator('[data-testid="stApp"]').inner_text()
    return text.replace(WORD_JOINER, "")


def check_page(page, url: str, what: str, literal: list[str], long_data: bool = False) -> None:
    """Open ``url``; assert nothing active, ``literal`` shown as text, no outside request. With
    ``long_data`` the data itself holds a 10,000-character name (shown in a filter, as data)."""
    requests = outside_requests(page)
    page.goto(url, timeout=TIMEOUT)
    wait_for_app(page, timeout=TIMEOUT)
    page.wait_for_timeout(500)  # an image or a prefetch would have been requested by now
    assert exceptions(page) == [], what
    assert page.evaluate(ACTIVE_JS) == [], what
    text = page_text(page)
    for item in literal:
        assert item in text, f"{what}: {item[:40]!r} is not shown as literal text"
    if not long_data:
        assert "A" * 200 not in text, f"{what}: a 10,000-character value is shown in full"
    assert requests == [], f"{what}: requests to outside hosts: {requests}"


def directorate_notes() -> list[str]:
    return [f"directorate \u2018{p}\u2019" for p in PAYLOADS[:-1]]


@pytest.mark.parametrize("app_page", PAGES, ids=[p.id for p in PAGES])
def test_crafted_links_put_nothing_on_the_page(page, app_url: str, app_page: AppPage) -> None:
    for run in range(3):
        url = f"{app_url}/{app_page.url_path}?{payload_query(run)}"
        # Pages without the filter bar read no directorate, so they have no note to show.
        no_filters = app_page.url_path in ("Presentation", "Open_data")
        literal = [] if no_filters else directorate_notes()
        check_page(page, url, f"{app_page.id}, run {run}", literal)
        if run == 0:
            screenshot(page, f"link-safety-{app_page.id}", full_page=False)


@pytest.fixture
def public_payload_db(app_db: Path, tmp_path: Path) -> Path:
    """A copy of the published sample whose Q3 2023-24 adds indicators with the payloads in every
    text field (loaded as a draft, then published again)."""
    target = tmp_path / "payloads.duckdb"
    shutil.copyfile(app_db, target)
    wal = app_db.with_name(app_db.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    lines = [
        "Ref,Name,Description,Priority,Directorate,Portfolio holder,Unit,Polarity,Period,"
        "Actual,Target,Commentary"
    ]
    for i, p in enumerate(PAYLOADS):
        q = '"' + p.replace('"', '""') + '"'
        lines.append(
            f"PI-9{i},{q},{q},A council that puts residents first,{q},{q},%,higher is better,"
            f"Q3 2023-24,50,60,{q}"
        )
    store = Store(f"duckdb:///{target}")
    try:
        # Q3 is published: the payloads go in as a revision with a reason.
        payloads = FileInput("payloads.csv", ("\n".join(lines) + "\n").encode())
        load(store, [payloads], "test", revision=Revision("Payload test figures"))
        # Published again, so the public view has the new indicators' definitions too.
        store.publish(Period(2023, 3), "test")
    finally:
        store.dispose()
    return target


def test_public_pages_show_payloads_in_data_and_links_as_text(
    page, start_app, public_payload_db: Path, tmp_path: Path
) -> None:
    base = start_app(
        public_payload_db,
        {"HARROW_DASH_PUBLIC": "true", "HARROW_DASH_SECRETS": str(tmp_path / "none.toml")},
    )
    for app_page in PAGES:
        url = f"{base}/{app_page.url_path}?{payload_query(1)}"
        check_page(page, url, f"public {app_page.id}", [], long_data=True)
        if app_page.url_path == "Indicators":
            # The payload names are in the data: a chart of them shows their names as text.
            check_page(
                page,
                f"{base}/Indicators?quarter=Q3+2023-24&ind=PI-90&ind=PI-93&ind=PI-97",
                "public Indicators, payload names",
                ["[x](https://evil.example)", "**bold**", "https://evil.example"],
                long_data=True,
            )
            screenshot(page, "link-safety-public-Indicators-names", full_page=False)
    assert urlsplit(page.url).hostname in LOCAL_HOSTS  # never navigated away
