"""Every page in a real browser (headless Chromium at 1440x900) against the shared sample-data server.

Pages are discovered from ``app.py`` and ``pages/*.py``, so a new page is covered without editing this
file. For every page: it renders with no Streamlit exception, no console error and no failed request;
axe-core finds no WCAG 2.2 A/AA violation (as first shown, with filters chosen, and with every expander
open); a screenshot is saved under ``test-output/screenshots``.

For every page with the filter bar (all but Data, which needs uploads, and Presentation, which has its
own tests): a link with filters opens that filtered view; filters chosen in the sidebar survive moving
to another page through the sidebar navigation; a bad value in a link gives a gentle note, no error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from helpers import (
    AXE_TAGS,
    AppPage,
    alerts,
    axe_violations,
    choose,
    choose_quarter,
    describe_violations,
    discover_pages,
    exceptions,
    multiselect_values,
    nav_link,
    open_expanders,
    quarter_value,
    rerun_after,
    screenshot,
    wait_for_app,
)

from harrow_dash.outputs.views import overview
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store

PAGES = discover_pages()

# Pages without the shared filter tests, and why. They still get the render and axe tests.
NO_FILTER_TESTS = {
    "Data": "the Data page is for loading files (uploads); its own tests cover it",
    "Presentation": "the Presentation page (Cabinet slides) has its own browser tests",
    "Open_data": "the Open data page has no filters: it always holds every published quarter",
}
FILTER_PAGES = [p for p in PAGES if p.url_path not in NO_FILTER_TESTS]

# axe rules we exclude, each with the reason. Only for a violation inside Streamlit's own chrome that
# the app cannot change. Keep it EMPTY otherwise: fix the markup instead.
AXE_EXCLUSIONS: dict[str, str] = {
    "presentation-role-conflict": "Streamlit's file uploader drop zone (Data page) is a "
    '<section role="presentation"> that Streamlit itself gives an aria-label: its markup, not ours',
}
# axe runs the WCAG 2.2 A/AA rules and its best-practice rules (heading order, landmarks...).
AXE_RULES = [*AXE_TAGS, "best-practice"]

PRIORITY_2 = "A borough that is clean and safe"
PRIORITY_3 = "A place where those in need are supported"
LINK_QUERY = {"quarter": "Q2 2023-24", "priority": PRIORITY_2}
LINK_AS_AT = "Quarter 2 2023-24, as at 30 September 2023"
HEADER_MARK = "Performance dashboard \u00b7"


def ids(pages: list[AppPage]) -> list[str]:
    return [p.id for p in pages]


def page_url(base: str, app_page: AppPage, query: dict[str, str | list[str]] | None = None) -> str:
    url = f"{base}/{app_page.url_path}"
    if query:
        pairs = [(k, v) for k, vs in query.items() for v in ([vs] if isinstance(vs, str) else vs)]
        url += "?" + "&".join(f"{k}={quote_plus(v)}" for k, v in pairs)
    return url


FILTER_PARAMS = ("quarter", "priority", "directorate", "portfolio", "rag")


def query_of(url: str) -> dict[str, list[str]]:
    """The filter parameters in a URL (a page may add its own, e.g. the indicators picked)."""
    return {k: v for k, v in parse_qs(urlsplit(url).query).items() if k in FILTER_PARAMS}


def main_text(pg) -> str:
    return pg.locator('[data-testid="stMain"]').inner_text()


def content_text(pg) -> str:
    """The main area without the header line and the notes: what the filters should change."""
    lines = main_text(pg).splitlines()
    return "\n".join(line for line in lines if HEADER_MARK not in line and line.strip())


def assert_clean(pg, what: str) -> None:
    """No Streamlit exception, no console or page error, no failed request."""
    assert exceptions(pg) == [], f"{what}: Streamlit exception on the page"
    assert pg.console_errors == [], f"{what}: console errors: {pg.console_errors}"
    assert pg.failed_requests == [], f"{what}: failed requests: {pg.failed_requests}"


def link_notes(pg) -> list[str]:
    """The frame's notes about values in a link that it could not use."""
    return [n for n in alerts(pg, "info") if n.startswith(("The link", "There is no data"))]


def open_page(pg, url: str) -> None:
    pg.goto(url)
    wait_for_app(pg)


def wait_for_query(pg, wanted: dict[str, list[str]], timeout: float = 10_000) -> None:
    """The frame writes the filters to the URL at the end of the run; wait for them to land."""
    pg.wait_for_url(lambda u: query_of(u) == wanted, timeout=timeout)


# -- expected values, from the core (never from the page) ---------------------------------------------


@pytest.fixture(scope="session")
def default_quarter(sample_db_file: Path) -> str:
    store = Store(f"duckdb:///{sample_db_file}")
    try:
        period = store.latest_reported_period()
    finally:
        store.dispose()
    assert period is not None
    return period.label


@pytest.fixture(scope="session")
def overview_q2_priority2(sample_db_file: Path):
    store = Store(f"duckdb:///{sample_db_file}")
    try:
        return overview(store, Filters(period=Period(2023, 2), priorities=(2,)), RuleSettings())
    finally:
        store.dispose()


def check_overview_link(pg, expected) -> None:
    """The Overview for Q2 2023-24, priority 2: the numbers of that view, and only that priority."""
    text = main_text(pg)
    fa_total = sum(expected.action_counts.values())
    pi_total = sum(expected.indicator_counts.values())
    assert f"Flagship actions: {fa_total}" in text
    assert f"Performance indicators: {pi_total}" in text
    assert re.search(rf"\b{pi_total} indicators: [^\n]*\.", text) is not None, (
        "the indicators sentence is missing"
    )
    assert "Priority 2: A borough that is clean and safe" in text
    assert "Priority 1:" not in text and "Priority 3:" not in text


# Page-specific checks that a filtered link shows the filtered content (beyond the header and the
# widgets). Other pages get the generic check: the content differs from the unfiltered page.
CONTENT_CHECKS: dict[str, Callable[..., None]] = {"": check_overview_link}


# -- every page: renders, accessibility, screenshot ---------------------------------------------------


@pytest.mark.parametrize("app_page", PAGES, ids=ids(PAGES))
def test_page_renders_cleanly(page, app_url: str, app_page: AppPage) -> None:
    open_page(page, page_url(app_url, app_page))
    screenshot(page, app_page.id)
    assert_clean(page, app_page.id)
    assert page.locator("h1").count() >= 1, "the page has no title"
    assert alerts(page, "error") == [], f"error boxes: {alerts(page, 'error')}"


# What a page draws only for a choice (Indicators' trend cards, for the indicators picked): opened
# with it in the "expanded" state, so its charts and the tables behind them are checked too.
CHOSEN = {"Indicators": {"ind": ["PI-01", "PI-37"]}}


@pytest.mark.parametrize("state", ["default", "filtered", "expanded"])
@pytest.mark.parametrize("app_page", PAGES, ids=ids(PAGES))
def test_no_axe_violations(page, app_url: str, app_page: AppPage, state: str) -> None:
    """axe-core at the WCAG 2.2 A/AA tags and its best practices: as first shown, with chosen filters (multiselect tags in
    the sidebar), and with every expander opened (tables and keys inside them)."""
    query = {**LINK_QUERY, "rag": ["Red", "Amber"]} if state == "filtered" else None
    if state == "expanded":
        query = CHOSEN.get(app_page.id)
    open_page(page, page_url(app_url, app_page, query))
    if state == "expanded" and open_expanders(page) == 0:
        pytest.skip(f"{app_page.id} has no expander")
    violations = axe_violations(page, AXE_EXCLUSIONS, tags=AXE_RULES)
    if violations:
        screenshot(page, f"axe-{app_page.id}-{state}", full_page=False)
    assert violations == [], f"{app_page.id} ({state}):\n{describe_violations(violations)}"
    assert_clean(page, app_page.id)


# -- filters: links, page changes, bad values ---------------------------------------------------------


@pytest.mark.parametrize("app_page", FILTER_PAGES, ids=ids(FILTER_PAGES))
def test_link_opens_the_filtered_view(
    page, app_url: str, app_page: AppPage, overview_q2_priority2
) -> None:
    open_page(page, page_url(app_url, app_page))
    unfiltered = content_text(page)

    open_page(page, page_url(app_url, app_page, LINK_QUERY))
    screenshot(page, f"{app_page.id}-filtered")
    assert_clean(page, app_page.id)
    # The widgets show the link's values ...
    assert quarter_value(page) == "Q2 2023-24"
    assert multiselect_values(page, "filter_priority") == [PRIORITY_2]
    for key in ("filter_directorate", "filter_portfolio", "filter_rag"):
        assert multiselect_values(page, key) == [], key
    # ... the URL still carries them (so the link can be passed on) ...
    wait_for_query(page, {"quarter": ["Q2 2023-24"], "priority": [PRIORITY_2]})
    # ... and the content is the filtered view.
    assert LINK_AS_AT in main_text(page)
    assert link_notes(page) == [], "a good link produced notes"
    check = CONTENT_CHECKS.get(app_page.url_path)
    if check is not None:
        check(page, overview_q2_priority2)
    assert content_text(page) != unfiltered, "the filters did not change the page's content"


EVERY_FILTER = {
    "quarter": ["Q2 2023-24"],
    "priority": [PRIORITY_2],
    "directorate": ["Place"],
    "portfolio": ["Highways, Infrastructure and Community Safety"],
    "rag": ["Green", "Red"],
}


def test_link_with_every_filter_opens_that_view(page, app_url: str, sample_db_file: Path) -> None:
    """All five parameters, one repeated: the widgets show them and the Overview's numbers are
    those of exactly that selection."""
    store = Store(f"duckdb:///{sample_db_file}")
    try:
        expected = overview(
            store,
            Filters(
                period=Period(2023, 2),
                priorities=(2,),
                directorates=tuple(EVERY_FILTER["directorate"]),
                portfolios=tuple(EVERY_FILTER["portfolio"]),
                rags=tuple(EVERY_FILTER["rag"]),
            ),
            RuleSettings(),
        )
    finally:
        store.dispose()
    assert expected is not None and sum(expected.indicator_counts.values()) > 0

    open_page(page, page_url(app_url, PAGES[0], EVERY_FILTER))
    assert_clean(page, "Overview")
    assert quarter_value(page) == "Q2 2023-24"
    for key in ("priority", "directorate", "portfolio", "rag"):
        assert multiselect_values(page, f"filter_{key}") == EVERY_FILTER[key], key
    wait_for_query(page, EVERY_FILTER)
    check_overview_link(page, expected)
    assert link_notes(page) == []


def _next_page(app_page: AppPage) -> AppPage:
    i = FILTER_PAGES.index(app_page)
    return FILTER_PAGES[(i + 1) % len(FILTER_PAGES)]


@pytest.mark.parametrize("app_page", FILTER_PAGES, ids=ids(FILTER_PAGES))
def test_filters_survive_a_page_change(page, app_url: str, app_page: AppPage) -> None:
    if len(FILTER_PAGES) < 2:
        pytest.skip("only one page with filters so far")
    target = _next_page(app_page)
    open_page(page, page_url(app_url, app_page))

    choose_quarter(page, "Q1 2023-24")
    wait_for_query(page, {"quarter": ["Q1 2023-24"]})
    choose(page, "filter_priority", PRIORITY_3)
    wanted = {"quarter": ["Q1 2023-24"], "priority": [PRIORITY_3]}
    wait_for_query(page, wanted)
    assert "Quarter 1 2023-24, as at 30 June 2023" in main_text(page)

    rerun_after(page, nav_link(page, target.url_path).click)
    assert urlsplit(page.url).path.rstrip("/") == urlsplit(page_url(app_url, target)).path.rstrip(
        "/"
    ), f"the sidebar link led to {page.url}"
    wait_for_query(page, wanted)
    assert_clean(page, f"{app_page.id} -> {target.id}")
    assert quarter_value(page) == "Q1 2023-24"
    assert multiselect_values(page, "filter_priority") == [PRIORITY_3]
    assert "Quarter 1 2023-24, as at 30 June 2023" in main_text(page)


@pytest.mark.parametrize("app_page", FILTER_PAGES, ids=ids(FILTER_PAGES))
def test_bad_link_values_give_a_gentle_note(
    page, app_url: str, app_page: AppPage, default_quarter: str
) -> None:
    open_page(page, page_url(app_url, app_page, {"quarter": "Q9 2023-24", "directorate": "Nope"}))
    screenshot(page, f"{app_page.id}-bad-link", full_page=False)
    assert_clean(page, app_page.id)
    assert alerts(page, "error") == []
    notes = link_notes(page)
    assert any("Q9 2023-24" in n and default_quarter in n for n in notes), notes
    assert any("\u2018Nope\u2019" in n for n in notes), notes
    assert quarter_value(page) == default_quarter
    assert multiselect_values(page, "filter_directorate") == []


def test_the_key_to_ratings_is_by_the_header_and_complete(page, app_url: str) -> None:
    """The key sits beside the quarter in every page's header (not collapsed below the fold) and
    covers indicator ratings and flagship action statuses, colours included."""
    open_page(page, page_url(app_url, PAGES[0]))
    button = page.get_by_role("button", name="Key to ratings")
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] < 200  # above the fold, by the header
    button.click()
    key = page.locator("table.hd-key")
    key.first.wait_for()
    text = "\n".join(key.all_inner_texts())
    for words in ("Green", "Amber", "Red", "Not rated", "Complete", "On track", "Minor slippage",
                  "Off track", "Not started or not yet due"):  # fmt: skip
        assert words in text, words
    swatch = page.locator("table.hd-key tbody th", has_text="Complete").locator(".hd-key-swatch")
    assert swatch.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(18, 67, 109)"
    violations = axe_violations(page, AXE_EXCLUSIONS, tags=AXE_RULES)
    assert violations == [], describe_violations(violations)
    screenshot(page, "key-to-ratings", full_page=False)


def test_the_quarter_selector_focus_ring_goes_round_the_whole_control(page, app_url: str) -> None:
    """Keyboard focus in a dropdown: the ring is drawn round the control, not on the narrow text
    input inside it (which showed as a stray bar beside the value)."""
    open_page(page, page_url(app_url, PAGES[0]))
    box = page.locator('.st-key-filter_quarter input[role="combobox"]')
    box.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard, so :focus-visible applies
    rings = box.evaluate(
        """e => [e, e.parentElement].map(x => {
             const cs = getComputedStyle(x);
             return {outline: cs.outlineStyle, shadow: cs.boxShadow,
                     width: x.getBoundingClientRect().width};
           })"""
    )
    inner, control = rings
    assert inner["outline"] == "none" and inner["shadow"] == "none", inner
    assert control["outline"] == "solid" and control["shadow"] != "none", control
    whole = page.locator(".st-key-filter_quarter").bounding_box()
    assert whole is not None and control["width"] >= whole["width"] - 2
    screenshot(page, "quarter-selector-focus", full_page=False)
