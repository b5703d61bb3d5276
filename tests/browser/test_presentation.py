"""The Cabinet presentation page in a real browser: every slide fits the screen at each meeting-room
size (1920x1080, 1920x960, 1536x864, 1366x768, 1280x720) with no scrolling, overlap or clipped text,
large text, the sidebar and toolbar gone; the keyboard (arrows, Page Up/Down as clickers send,
Home/End) moves between slides, also right after any on-screen control is used; the slide and the
draft choice are in the URL; a first run with nothing published says so and offers an editor the
draft, marked on every slide; the filters and the quarter apply (or a note says why not);
auto-advance advances; axe finds no WCAG 2.2 A/AA or best-practice violation; user text is shown as
text. Screenshots of every slide at every size go to
test-output/screenshots/presentation-<W>x<H>-slide-<N>.png."""

from __future__ import annotations

import re
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import (
    AXE_TAGS,
    alerts,
    axe_violations,
    count_app_messages,
    describe_violations,
    exceptions,
    rerun_after,
    screenshot,
    wait_for_app,
)

from harrow_dash.rules.periods import Period
from harrow_dash.store import Store, schema

pytestmark = pytest.mark.browser

SIZE = {"width": 1920, "height": 1080}
SIZES = [(1920, 1080), (1920, 960), (1536, 864), (1366, 768), (1280, 720)]
MIN_TEXT_PX = 28  # at 1920x1080; smaller screens scale the whole slide
CANVAS_W = 1840  # harrow_dash.outputs.slides.CANVAS_W
WHEN = "Quarter 3 2023-24, as at 31 December 2023"
PRIORITIES = [
    "Priority 1: A council that puts residents first",
    "Priority 2: A borough that is clean and safe",
    "Priority 3: A place where those in need are supported",
]
DECK = 16  # slides in the sample's Q3 2023-24 deck (the last four: "What we said we would do")
FOLLOW_UP = 4

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
  const scale = slide.getBoundingClientRect().width / CANVAS_W;
  const small = [];
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(node.parentElement).fontSize);
    if (size < MIN_PX * scale - 0.01) small.push(`${size}px: ${node.textContent.trim().slice(0, 40)}`);
  }
  const box = slide.getBoundingClientRect();
  // Text cut off: a clamped list item or a title that does not fit its box.
  const clipped = [
    ...[...slide.querySelectorAll('.hd-main')].filter(el => el.scrollHeight > el.clientHeight + 1),
    ...[...slide.querySelectorAll('h1, h2, .hd-top > span')]
      .filter(el => el.scrollWidth > el.clientWidth + 1),
  ].map(el => el.textContent.slice(0, 60));
  // Parts outside the slide, and parts that overlap each other.
  const parts = [...slide.querySelectorAll(
      '.hd-top, .hd-note, h1, .hd-card, .hd-section, .hd-lines, .hd-list li')];
  const outside = parts.filter(el => {
      const r = el.getBoundingClientRect();
      return r.bottom > box.bottom + 0.5 || r.right > box.right + 0.5 || r.left < box.left - 0.5;
    }).map(el => el.className || el.tagName);
  const overlaps = [];
  for (let i = 0; i < parts.length; i++) {
    for (let j = i + 1; j < parts.length; j++) {
      const a = parts[i], b = parts[j];
      if (a.contains(b) || b.contains(a)) continue;
      const r = a.getBoundingClientRect(), q = b.getBoundingClientRect();
      if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1) {
        overlaps.push(`${a.className || a.tagName} / ${b.className || b.tagName}`);
      }
    }
  }
  const controls = document.querySelector('.st-key-presentation_controls');
  const cbox = controls ? controls.getBoundingClientRect() : null;
  // Controls on a second row: wholly below the shortest control of the first.
  const shown = controls ? [...controls.children].filter(e => e.getBoundingClientRect().height > 0) : [];
  const rowBottom = Math.min(...shown.map(e => e.getBoundingClientRect().bottom));
  const wrapped = shown.filter(e => e.getBoundingClientRect().top >= rowBottom)
    .map(e => e.innerText.slice(0, 40));
  return {
    clipped, outside, overlaps, scale,
    controlsTop: cbox ? cbox.top : -1,
    controlsBottom: cbox ? cbox.bottom : -1,
    controlsShown: shown.length,
    wrapped,
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
""".replace("MIN_PX", str(MIN_TEXT_PX)).replace("CANVAS_W", str(CANVAS_W))


def new_screen(browser, size: dict[str, int]):
    """A page of ``size`` that records uncaught page errors and console errors, and counts the app's
    messages (so ``rerun_after`` sees a rerun fast enough to arrive in one batch)."""
    context = browser.new_context(viewport=size)
    count_app_messages(context)
    page = context.new_page()
    page.errors = []

    def on_console(msg) -> None:
        # Streamlit's own client probes /<page>/_stcore/... on page URLs and gets 404s; not ours.
        if msg.type == "error" and "Failed to load resource" not in msg.text:
            page.errors.append(f"console.error: {msg.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: page.errors.append(f"page error: {exc}"))
    return context, page


@pytest.fixture
def screen(browser) -> Iterator[object]:
    """A 1920x1080 page that records uncaught page errors and console errors."""
    context, page = new_screen(browser, SIZE)
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


def wait_for_slide(page, number: int, of: int = DECK) -> None:
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


def assert_fits(m: dict, size: dict[str, int], where: str) -> None:
    # Nothing to scroll: not the page, and nothing cut off, outside the slide or overlapping.
    assert m["scrollHeight"] <= m["innerHeight"], (where, m)
    assert m["scrollWidth"] <= m["innerWidth"], (where, m)
    assert m["slideScroll"] <= m["slideClient"], (where, m)
    assert m["slideBottom"] <= m["controlsTop"] + 1, (where, m["slideBottom"], m["controlsTop"])
    assert m["controlsBottom"] <= size["height"], (where, m["controlsBottom"])
    assert m["controlsShown"] >= 6 and m["wrapped"] == [], f"controls on two rows {where}: {m}"
    assert m["clipped"] == [], (where, m["clipped"])
    assert m["outside"] == [], (where, m["outside"])
    assert m["overlaps"] == [], (where, m["overlaps"])
    assert m["small"] == [], f"text too small {where}: {m['small']}"


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_slide_fits_every_meeting_room_screen(browser, app_url, width, height) -> None:
    size = {"width": width, "height": height}
    context, page = new_screen(browser, size)
    try:
        open_slide(page, app_url, "slide=1")
        count = int(
            page.locator(".hd-slide").get_attribute("aria-label").split(" of ")[1].split(":")[0]
        )
        assert count == DECK
        titles = []
        for number in range(1, count + 1):
            if number > 1:
                page.keyboard.press("ArrowRight")
                wait_for_slide(page, number, count)
            assert exceptions(page) == []
            m = page.evaluate(MEASURE_JS)
            assert m["label"].startswith(f"Slide {number} of {count}: ")
            titles.append(m["title"])
            assert_fits(m, size, f"slide {number} at {width}x{height}")
            if (width, height) == (1920, 1080):
                assert m["scale"] > 0.99  # full size: every text at least 28px
            assert not m["sidebar"] and not m["header"] and not m["toolbar"]
            assert WHEN in m["text"]
            assert "Illustrative sample data" in m["text"]
            assert "more: see the briefing pack" not in m["text"]
            screenshot(page, f"presentation-{width}x{height}-slide-{number}", full_page=False)
        assert titles[0] == "Summary of performance"
        assert titles[1] == PRIORITIES[0] and f"{PRIORITIES[0]} (continued)" in titles
        assert titles[-FOLLOW_UP - 1].startswith("Key challenges")
        assert titles[-FOLLOW_UP:] == ["What we said we would do"] + [
            "What we said we would do (continued)"
        ] * (FOLLOW_UP - 1)
        assert page.errors == []
    finally:
        context.close()


def test_priority_slides_show_what_needs_attention(screen, app_url) -> None:
    open_slide(screen, app_url, "slide=2")
    text = screen.locator(".hd-slide").inner_text()
    assert "Needs attention" in text and "Flagship actions: 9" in text
    # Priority 1's Red indicators come first.
    items = screen.locator(".hd-grid .hd-list li").all_inner_texts()
    assert items[0].startswith("\u2716 Red") or "Red" in items[0].split("\n")[0]
    assert any("Average wait before a call is answered" in i for i in items)
    screen.keyboard.press("ArrowRight")
    wait_for_slide(screen, 3)
    text = screen.locator(".hd-slide").inner_text()
    assert "Flagship actions off track or slipping" in text
    assert "Off track" in text and "FA-04 Bring full-fibre broadband to all council homes" in text
    open_slide(screen, app_url, f"slide={DECK - FOLLOW_UP}")
    text = screen.locator(".hd-slide").inner_text()
    assert "Key challenges" in text and "Indicators rated Red" in text
    screen.keyboard.press("End")
    wait_for_slide(screen, DECK)
    text = screen.locator(".hd-slide").inner_text()
    assert "What we said we would do" in text and "Other indicators rated Red" in text


def test_axe_finds_no_wcag_or_best_practice_violations_on_any_slide(screen, app_url) -> None:
    for number in range(1, DECK + 1):
        open_slide(screen, app_url, f"slide={number}")
        violations = axe_violations(screen, tags=[*AXE_TAGS, "best-practice"])
        assert violations == [], f"slide {number}:\n{describe_violations(violations)}"


def test_keyboard_moves_between_slides(screen, app_url) -> None:
    open_slide(screen, app_url, "slide=1")
    assert current(screen)[0] == 1
    for key, expected in (
        ("ArrowRight", 2),
        ("PageDown", 3),  # what a presentation clicker sends
        ("End", DECK),
        ("ArrowRight", DECK),  # stays on the last slide
        ("PageUp", DECK - 1),
        ("ArrowLeft", DECK - 2),
        ("Home", 1),
    ):
        screen.keyboard.press(key)
        if expected == DECK and current(screen)[0] == DECK:
            screen.wait_for_timeout(500)
        wait_for_slide(screen, expected)
        assert current(screen)[0] == expected, key
    assert screen.errors == []


def press_and_expect(page, key: str, expected: int, after: str) -> None:
    page.keyboard.press(key)
    wait_for_slide(page, expected)
    assert current(page)[0] == expected, f"{key} after {after}"


def test_the_clicker_keeps_working_after_every_control(screen, app_url) -> None:
    """Arrow keys and Page Up/Down move the slides right after any on-screen control is used, with
    no click on the slide first."""
    open_slide(screen, app_url, "slide=3")
    screen.get_by_role("button", name="Next").click()
    wait_for_slide(screen, 4)
    press_and_expect(screen, "PageDown", 5, "Next")
    screen.get_by_role("button", name="Previous").click()
    wait_for_slide(screen, 4)
    press_and_expect(screen, "ArrowLeft", 3, "Previous")
    # Auto-advance: choose an interval, then back to off; the keys still move the slides.
    screen.get_by_role("combobox", name="Auto-advance").click()
    screen.get_by_role("option", name="Auto-advance: 60 s").click()
    wait_for_app(screen)
    press_and_expect(screen, "PageUp", 2, "auto-advance 60 s")
    screen.get_by_role("combobox", name="Auto-advance").click()
    screen.get_by_role("option", name="Auto-advance: off").click()
    wait_for_app(screen)
    press_and_expect(screen, "ArrowRight", 3, "auto-advance off")
    # The same choice again (the dropdown keeps focus): the keys still work.
    screen.get_by_role("combobox", name="Auto-advance").click()
    screen.get_by_role("option", name="Auto-advance: off").click()
    wait_for_app(screen)
    press_and_expect(screen, "ArrowRight", 4, "the same auto-advance choice")
    # The draft switch (the quarter shown is published, so the figures are the same).
    rerun_after(screen, screen.get_by_text("Draft figures", exact=True).click)
    assert "draft=1" in screen.url
    press_and_expect(screen, "PageDown", 5, "the draft switch on")
    rerun_after(screen, screen.get_by_text("Draft figures", exact=True).click)
    assert "draft=" not in screen.url
    press_and_expect(screen, "ArrowLeft", 4, "the draft switch off")
    assert screen.errors == []


def test_buttons_move_and_the_url_opens_a_slide(screen, app_url) -> None:
    open_slide(screen, app_url, f"slide={DECK - 1}")
    assert current(screen)[0] == DECK - 1
    screen.get_by_role("button", name="Next").click()
    wait_for_slide(screen, DECK)
    assert screen.get_by_role("button", name="Next").is_disabled()
    screen.get_by_role("button", name="Previous").click()
    wait_for_slide(screen, DECK - 1)
    # A slide number beyond the deck opens the last slide.
    open_slide(screen, app_url, "slide=99")
    wait_for_slide(screen, DECK)


def test_filters_and_quarter_from_the_url(screen, app_url) -> None:
    query = urllib.parse.urlencode(
        {"quarter": "Q2 2023-24", "priority": "A borough that is clean and safe", "slide": "2"}
    )
    open_slide(screen, app_url, query)
    count = int(
        screen.locator(".hd-slide").get_attribute("aria-label").split(" of ")[1].split(":")[0]
    )
    wait_for_slide(screen, 2, of=count)
    m = screen.evaluate(MEASURE_JS)
    assert m["title"] == PRIORITIES[1]
    assert "Quarter 2 2023-24, as at 30 September 2023" in m["text"]
    assert "Priority: A borough that is clean and safe" in m["text"]
    assert alerts(screen) == []  # the quarter asked for is shown: nothing to explain
    screen.keyboard.press("ArrowLeft")
    wait_for_slide(screen, 1, of=count)
    params = urllib.parse.parse_qs(urllib.parse.urlparse(screen.url).query)
    assert params["priority"] == ["A borough that is clean and safe"]
    assert params["quarter"] == ["Q2 2023-24"]


def test_an_unpublished_quarter_in_the_url_is_explained(screen, app_url) -> None:
    """Q4 2023-24 is a draft in the test database: the deck shows the latest published quarter and
    says why; switching on the draft shows Q4, where nothing is reported yet."""
    open_slide(screen, app_url, urllib.parse.urlencode({"quarter": "Q4 2023-24"}))
    notes = alerts(screen)
    assert any("Q4 2023-24 has not been published, so this shows Q3 2023-24" in n for n in notes), (
        notes
    )
    m = screen.evaluate(MEASURE_JS)
    assert WHEN in m["text"] and "DRAFT" not in m["text"]
    assert_fits(m, SIZE, "with the note")
    screenshot(screen, "presentation-unpublished-quarter-note", full_page=False)
    # With the draft switched on, Q4 itself: nothing is reported yet, and the page says so.
    rerun_after(screen, screen.get_by_text("Draft figures", exact=True).click)
    assert "draft=1" in screen.url
    text = screen.locator('[data-testid="stMain"]').inner_text()
    assert "There is nothing to present for Q4 2023-24: nothing has been reported" in text


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


# -- nothing published yet: the first run of a council's own database ---------------------------


def test_nothing_published_says_so_and_offers_an_editor_the_draft(
    screen, start_app, sample_db_file, tmp_path
) -> None:
    path = tmp_path / "unpublished.duckdb"
    shutil.copyfile(sample_db_file, path)
    base = start_app(path)
    open_slide_page = f"{base}/Presentation?slide=3"
    screen.goto(open_slide_page)
    wait_for_app(screen)
    text = screen.locator('[data-testid="stMain"]').inner_text()
    assert "No quarter has been published yet, so there is nothing to present to Cabinet." in text
    assert "match these filters" not in text
    assert screen.locator(".hd-slide").count() == 0
    screenshot(screen, "presentation-nothing-published", full_page=False)
    button = screen.get_by_role("button", name="Present the draft of Q3 2023-24")
    rerun_after(screen, button.click)
    screen.wait_for_selector(".hd-slide")
    params = urllib.parse.parse_qs(urllib.parse.urlparse(screen.url).query)
    assert params["draft"] == ["1"]
    wait_for_slide(screen, 3)  # the slide the link asked for
    screen.keyboard.press("Home")
    wait_for_slide(screen, 1)
    # Every slide carries the draft mark, large enough to read from the back of the room.
    for number in range(1, DECK + 1):
        if number > 1:
            screen.keyboard.press("ArrowRight")
            wait_for_slide(screen, number)
        mark = screen.locator(".hd-slide .hd-draft")
        assert mark.inner_text() == "DRAFT: not yet published", number
        assert float(mark.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 36
        assert "(DRAFT: not yet published)" in screen.locator(".hd-slide").get_attribute(
            "aria-label"
        )
    screenshot(screen, "presentation-draft-slide-1", full_page=False)
    # A reload, or a link to a slide, keeps the draft.
    screen.goto(f"{base}/Presentation?draft=1&slide=3")
    wait_for_slide(screen, 3)
    assert screen.locator(".hd-slide .hd-draft").count() == 1
    screen.reload()
    wait_for_slide(screen, 3)
    assert screen.locator(".hd-slide .hd-draft").count() == 1
    assert screen.errors == []


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
    open_slide(screen, base, "slide=1")
    count = int(
        screen.locator(".hd-slide").get_attribute("aria-label").split(" of ")[1].split(":")[0]
    )
    for number in range(1, count + 1):
        open_slide(screen, base, f"slide={number}")
        m = screen.evaluate(MEASURE_JS)
        assert_fits(m, SIZE, f"long text, slide {number}")
        screenshot(screen, f"presentation-long-text-slide-{number}", full_page=False)
    open_slide(screen, base, "slide=3")  # priority 1 continued: the hostile text is an achievement
    assert "Hostile" in screen.locator(".hd-slide").inner_text()
    assert screen.locator(".hd-slide img").count() == 0
    assert screen.locator(".hd-slide script").count() == 0
    assert "<img src=x" in screen.locator(".hd-slide").inner_text()
    assert screen.evaluate("() => window.__pwned") is None
    assert screen.errors == []


# -- the presenter's controls -----------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1920, 1080)], ids=["1440", "1920"])
def test_the_next_button_stays_put_as_the_slide_counter_grows(
    browser, app_url, width, height
) -> None:
    """From "Slide 1 of 12" to "Slide 12 of 12" the counter grows by a digit; the buttons after it
    (Next, Full text) do not move sideways, so a presenter's click lands where it did."""
    assert DECK >= 10
    context, page = new_screen(browser, {"width": width, "height": height})
    try:
        open_slide(page, app_url, "slide=1")

        def places() -> list[tuple[float, float]]:
            boxes = [
                page.get_by_role("button", name="Next").bounding_box(),
                page.get_by_role("button", name=re.compile(r"^Full text")).bounding_box(),
            ]
            return [(round(b["x"], 1), round(b["width"], 1)) for b in boxes if b]

        first = places()
        assert len(first) == 2
        for number in range(2, DECK + 1):
            page.keyboard.press("ArrowRight")
            wait_for_slide(page, number)
            assert places() == first, f"slide {number}"
        assert page.get_by_text(f"Slide {DECK} of {DECK}", exact=True).is_visible()
        assert page.errors == []
    finally:
        context.close()


def test_f_opens_the_slide_in_full_and_the_keys_still_move_the_slides(screen, app_url) -> None:
    """Commentary a slide shortens at a sentence end is one keypress away in full: F opens every
    item of the slide with its full commentary, as text; Escape closes it and the clicker works."""
    open_slide(screen, app_url, "slide=3")
    slide_text = screen.locator(".hd-slide").inner_text()
    assert "FA-04 Bring full-fibre broadband to all council homes" in slide_text
    screen.keyboard.press("f")
    dialog = screen.get_by_role("dialog")
    dialog.wait_for()
    wait_for_app(screen)
    # (Text from files is escaped for Markdown: a word joiner keeps "Off track:" from starting an
    # emoji shortcode; a reader does not see it.)
    text = dialog.inner_text().replace("\u2060", "")
    assert "Full text of this slide" in text
    assert "Off track: FA-04 Bring full-fibre broadband to all council homes" in text
    assert (
        "Installation has slowed because of financial pressures on the broadband provider" in text
    )
    # What a "fewer than 5" on the slide can hold, from the one small-numbers rule.
    assert "a hidden count is between 0 and 4" in text
    screenshot(screen, "presentation-full-text", full_page=False)
    screen.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    press_and_expect(screen, "ArrowRight", 4, "the full text closed")
    assert screen.errors == []
