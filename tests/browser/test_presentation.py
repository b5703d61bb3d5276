"""The Cabinet presentation page in a real browser at 1920x1080: every slide fits the screen with no
scrolling and large text, the sidebar and toolbar are gone, the keyboard (arrows, Page Up/Down as
clickers send, Home/End) and the on-screen buttons move between slides, the slide is in the URL, the
filters apply, auto-advance advances, axe finds no WCAG 2.2 A/AA violation, and user text is shown as
text. Screenshots of every slide go to test-output/screenshots/presentation-slide-N.png."""

from __future__ import annotations

import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import axe_violations, describe_violations, exceptions, screenshot, wait_for_app

from harrow_dash import schema
from harrow_dash.periods import Period
from harrow_dash.store import Store

pytestmark = pytest.mark.browser

SIZE = {"width": 1920, "height": 1080}
MIN_TEXT_PX = 28
WHEN = "Quarter 3 2023-24, as at 31 December 2023"
PRIORITIES = [
    "Priority 1: A council that puts residents first",
    "Priority 2: A borough that is clean and safe",
    "Priority 3: A place where those in need are supported",
]
TITLES = ["Summary of performance", *PRIORITIES]

# Layout facts of the page, read in the browser.
MEASURE_JS = """
() => {
  const slide = document.querySelector('.hd-slide');
  const visible = (sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return getComputedStyle(el).display !== 'none' && r.width > 0 && r.height > 0;
  };
  const small = [];
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(node.parentElement).fontSize);
    if (size < MIN_PX) small.push(`${size}px: ${node.textContent.trim().slice(0, 40)}`);
  }
  const box = slide.getBoundingClientRect();
  return {
    scrollHeight: document.scrollingElement.scrollHeight,
    innerHeight: window.innerHeight,
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: window.innerWidth,
    slideScroll: slide.scrollHeight,
    slideClient: slide.clientHeight,
    slideBottom: box.bottom,
    small,
    sidebar: visible('[data-testid="stSidebar"]'),
    header: visible('[data-testid="stHeader"]'),
    toolbar: visible('[data-testid="stToolbar"]'),
    label: slide.getAttribute('aria-label'),
    title: slide.querySelector('h1').textContent,
    text: slide.innerText,
  };
}
""".replace("MIN_PX", str(MIN_TEXT_PX))


@pytest.fixture
def screen(browser) -> Iterator[object]:
    """A 1920x1080 page that records uncaught page errors and console errors."""
    context = browser.new_context(viewport=SIZE)
    page = context.new_page()
    page.errors = []

    def on_console(msg) -> None:
        # Streamlit's own client probes /<page>/_stcore/... on page URLs and gets 404s; not ours.
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            page.errors.append(f"console.error: {msg.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: page.errors.append(f"page error: {exc}"))
    try:
        yield page
    finally:
        context.close()


def open_slide(page, base: str, query: str = "") -> None:
    page.goto(f"{base}/Presentation{'?' + query if query else ''}")
    wait_for_app(page)
    page.wait_for_selector(".hd-slide")


def current(page) -> tuple[int, str]:
    params = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    return int(params.get("slide", ["0"])[0]), page.locator(".hd-slide h1").inner_text()


def wait_for_slide(page, number: int, of: int = 4) -> None:
    page.wait_for_function(
        """([n, of]) => {
            const s = document.querySelector('.hd-slide');
            return s && s.getAttribute('aria-label').startsWith(`Slide ${n} of ${of}:`)
                && new URLSearchParams(location.search).get('slide') === String(n);
        }""",
        arg=[number, of],
        timeout=15_000,
    )
    wait_for_app(page)


def test_every_slide_fits_the_screen_with_large_text_and_no_chrome(screen, app_url) -> None:
    for number, title in enumerate(TITLES, start=1):
        open_slide(screen, app_url, f"slide={number}")
        assert exceptions(screen) == []
        m = screen.evaluate(MEASURE_JS)
        assert m["title"] == title
        assert m["label"] == f"Slide {number} of 4: {title}"
        # Nothing to scroll: not the page, and nothing cut off inside the slide.
        assert m["scrollHeight"] <= m["innerHeight"], m
        assert m["scrollWidth"] <= m["innerWidth"], m
        assert m["slideScroll"] <= m["slideClient"], m
        assert m["slideBottom"] <= SIZE["height"]
        assert m["small"] == [], f"text under {MIN_TEXT_PX}px on slide {number}: {m['small']}"
        assert not m["sidebar"] and not m["header"] and not m["toolbar"]
        assert WHEN in m["text"]
        assert "Illustrative sample data" in m["text"]
        screenshot(screen, f"presentation-slide-{number}", full_page=False)
    assert screen.errors == []


def test_priority_slides_show_what_needs_attention(screen, app_url) -> None:
    open_slide(screen, app_url, "slide=2")
    text = screen.locator(".hd-slide").inner_text()
    assert "Needs attention" in text and "Key achievements" in text
    # Priority 1's Red indicators come first.
    items = screen.locator(".hd-grid .hd-list li").all_inner_texts()
    assert items[0].startswith("\u2716 Red") or "Red" in items[0].split("\n")[0]
    assert any("Average wait before a call is answered" in i for i in items)


def test_axe_finds_no_wcag_violations_on_any_slide(screen, app_url) -> None:
    for number in range(1, 5):
        open_slide(screen, app_url, f"slide={number}")
        violations = axe_violations(screen)
        assert violations == [], f"slide {number}:\n{describe_violations(violations)}"


def test_keyboard_moves_between_slides(screen, app_url) -> None:
    open_slide(screen, app_url, "slide=1")
    assert current(screen) == (1, TITLES[0])
    for key, expected in (
        ("ArrowRight", 2),
        ("PageDown", 3),  # what a presentation clicker sends
        ("ArrowRight", 4),
        ("ArrowRight", 4),  # stays on the last slide
        ("PageUp", 3),
        ("ArrowLeft", 2),
        ("Home", 1),
        ("End", 4),
    ):
        screen.keyboard.press(key)
        if key == "ArrowRight" and expected == 4 and current(screen)[0] == 4:
            screen.wait_for_timeout(500)
        wait_for_slide(screen, expected)
        assert current(screen) == (expected, TITLES[expected - 1]), key
    assert screen.errors == []


def test_buttons_move_and_the_url_opens_a_slide(screen, app_url) -> None:
    open_slide(screen, app_url, "slide=3")
    assert current(screen) == (3, TITLES[2])
    screen.get_by_role("button", name="Next").click()
    wait_for_slide(screen, 4)
    assert screen.get_by_role("button", name="Next").is_disabled()
    screen.get_by_role("button", name="Previous").click()
    wait_for_slide(screen, 3)
    # Focus is on a button now: the keys still move the slides.
    screen.keyboard.press("ArrowLeft")
    wait_for_slide(screen, 2)
    # A slide number beyond the deck opens the last slide.
    open_slide(screen, app_url, "slide=99")
    wait_for_slide(screen, 4)


def test_filters_and_quarter_from_the_url(screen, app_url) -> None:
    query = urllib.parse.urlencode(
        {"quarter": "Q2 2023-24", "priority": "A borough that is clean and safe", "slide": "2"}
    )
    open_slide(screen, app_url, query)
    wait_for_slide(screen, 2, of=2)
    m = screen.evaluate(MEASURE_JS)
    assert m["title"] == PRIORITIES[1]
    assert "Quarter 2 2023-24, as at 30 September 2023" in m["text"]
    assert "Priority: A borough that is clean and safe" in m["text"]
    screen.keyboard.press("ArrowLeft")
    wait_for_slide(screen, 1, of=2)
    params = urllib.parse.parse_qs(urllib.parse.urlparse(screen.url).query)
    assert params["priority"] == ["A borough that is clean and safe"]
    assert params["quarter"] == ["Q2 2023-24"]


def test_auto_advance(screen, app_url) -> None:
    open_slide(screen, app_url, "slide=1")
    screen.get_by_role("combobox", name="Auto-advance").click()
    screen.get_by_role("option", name="Auto-advance: 15 s").click()
    wait_for_app(screen)
    screen.wait_for_function(
        "() => new URLSearchParams(location.search).get('slide') === '2'", timeout=25_000
    )
    wait_for_slide(screen, 2)
    # Choosing an interval gives the keys back to the slides.
    screen.keyboard.press("ArrowRight")
    wait_for_slide(screen, 3)


# -- long and hostile user text -------------------------------------------------------------------

Q3_KEY = 20233
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script> Hostile'
LONG = (
    "An achievement described at great length, with every partner named and every ward listed, "
    "so that it runs well past what a slide can show in two lines of large type for a committee "
    "room, and then some more words besides"
)


@pytest.fixture
def long_text_db(sample_db_file: Path, tmp_path: Path) -> Path:
    """A copy of the sample where every indicator name and achievement is long, one is hostile."""
    path = tmp_path / "long.duckdb"
    shutil.copyfile(sample_db_file, path)
    store = Store(f"duckdb:///{path}")
    h, i = schema.highlights, schema.indicators
    try:
        with store.begin() as conn:
            rows = conn.execute(sa.select(h.c.period, h.c.priority_id, h.c.kind, h.c.text)).all()
            hostile_done = False
            for n, r in enumerate(rows):
                hostile = (r.period, r.priority_id, r.kind) == (Q3_KEY, 1, "achievement")
                text = HOSTILE if hostile and not hostile_done else f"{LONG} ({n})"
                hostile_done = hostile_done or hostile
                conn.execute(
                    sa.update(h)
                    .where(
                        (h.c.period == r.period)
                        & (h.c.priority_id == r.priority_id)
                        & (h.c.kind == r.kind)
                        & (h.c.text == r.text)
                    )
                    .values(text=text)
                )
            conn.execute(
                sa.update(i).values(
                    name=i.c.name + " measured across every ward and every service in the borough"
                )
            )
        store.publish(Period.from_key(Q3_KEY), "test")  # the presentation shows published quarters
    finally:
        store.dispose()
    return path


def test_long_and_hostile_text_still_fits_and_shows_as_text(screen, start_app, long_text_db):
    base = start_app(long_text_db)
    for number in range(1, 5):
        open_slide(screen, base, f"slide={number}")
        m = screen.evaluate(MEASURE_JS)
        assert m["scrollHeight"] <= m["innerHeight"], m
        assert m["slideScroll"] <= m["slideClient"], m
        assert m["small"] == []
        screenshot(screen, f"presentation-long-text-slide-{number}", full_page=False)
    open_slide(screen, base, "slide=2")  # priority 1: the hostile text is its first achievement
    assert "Hostile" in screen.locator(".hd-slide").inner_text()
    assert screen.locator(".hd-slide img").count() == 0
    assert screen.locator(".hd-slide script").count() == 0
    assert "<img src=x" in screen.locator(".hd-slide").inner_text()
    assert screen.evaluate("() => window.__pwned") is None
    assert screen.errors == []
