"""The Cabinet presentation's content, without a browser: which slides, what needs attention, moving
between slides, fitting a slide's text into the screen, and user text escaped in the HTML."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from harrow_dash import slides
from harrow_dash.filters import Filters
from harrow_dash.periods import parse_period
from harrow_dash.scorecard import RuleSettings
from harrow_dash.store import Store
from harrow_dash.views import overview

Q3 = parse_period("Q3 2023-24")


@pytest.fixture(scope="module")
def ov(sample_db_file, tmp_path_factory):
    path = tmp_path_factory.mktemp("slides") / "sample.duckdb"
    shutil.copyfile(sample_db_file, path)
    store = Store(f"duckdb:///{path}")
    try:
        return overview(store, Filters(period=Q3), RuleSettings())
    finally:
        store.dispose()


def test_deck_is_overview_then_one_slide_per_priority(ov) -> None:
    deck = slides.build_deck(ov)
    assert len(deck) == 4
    assert [s.number for s in deck.slides] == [1, 2, 3, 4]
    assert deck.slides[0].kind == "overview"
    assert [s.title for s in deck.slides[1:]] == [
        f"Priority {p.priority_id}: {p.name}" for p in ov.priorities
    ]
    first = deck.slides[0]
    assert [b.total for b in first.bars] == [
        sum(ov.action_counts.values()),
        sum(ov.indicator_counts.values()),
    ]
    # PI-41 is a suppressed 2 against a target of 3 (lower is better): a hidden 4 would be Red, so
    # its Green is withheld and counted on its own.
    assert first.bars[1].sentence == (
        "45 indicators: 23 green, 6 amber, 9 red, 1 rating withheld (small number), 6 not rated."
    )


def test_needs_attention_lists_red_then_amber(ov) -> None:
    for ps in ov.priorities:
        got = slides.needs_attention(ov.indicators, ps.priority_id)
        mine = ov.indicators[ov.indicators["priority_id"] == ps.priority_id]
        reds = sorted(mine.loc[mine["rag"] == "Red", "ref"])
        ambers = sorted(mine.loc[mine["rag"] == "Amber", "ref"])
        assert list(got["ref"]) == reds + ambers


def test_priority_slides_show_attention_items_first_and_count_the_rest(ov) -> None:
    deck = slides.build_deck(ov)
    for slide, ps in zip(deck.slides[1:], ov.priorities, strict=True):
        attention = slides.needs_attention(ov.indicators, ps.priority_id)
        shown = [a.ref for a in slide.attention]
        assert shown == list(attention["ref"])[: len(shown)]
        assert len(shown) + slide.attention_more == len(attention)
        assert len(shown) >= min(2, len(attention))
        hl = ov.highlights
        achievements = hl[(hl["priority_id"] == ps.priority_id) & (hl["kind"] == "achievement")]
        assert len(slide.achievements) + slide.achievements_more == len(achievements)
        assert slide.achievements  # at least one achievement is always on screen


def test_navigation() -> None:
    assert slides.navigate(1, 4, "next") == 2
    assert slides.navigate(4, 4, "next") == 4  # stops at the end
    assert slides.navigate(1, 4, "prev") == 1
    assert slides.navigate(3, 4, "first") == 1
    assert slides.navigate(1, 4, "last") == 4
    assert slides.navigate(4, 4, "auto") == 1  # auto-advance starts again
    assert slides.navigate(2, 4, "auto") == 3
    assert slides.navigate(2, 4, "nonsense") == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", 2), ("4", 4), ("9", 4), ("0", 1), ("-3", 1), ("two", 1), (None, 1), (["3"], 3)],
)
def test_parse_slide_from_the_url(value, expected) -> None:
    assert slides.parse_slide(value, 4) == expected


def test_shorten_cuts_at_a_word_with_an_ellipsis() -> None:
    text = "word " * 60
    short = slides.shorten(text, 50)
    assert len(short) <= 50 and short.endswith("\u2026") and "  " not in short
    assert slides.shorten("  short   text ") == "short text"
    assert slides.shorten(None) == "" and slides.shorten(float("nan")) == ""


def item(n: int, long: bool) -> slides.AttentionItem:
    name = ("A very long indicator name that goes on and on " * 2) if long else "Short"
    return slides.AttentionItem(f"PI-{n:02d}", name.strip(), "Red", "12.5%", "90%", "worsening")


def test_fit_keeps_everything_when_it_fits() -> None:
    assert slides.fit([item(i, False) for i in range(3)], ["Short."] * 2) == (3, 2)


def test_fit_gives_way_achievements_first_then_attention() -> None:
    long_items = [item(i, True) for i in range(8)]
    long_texts = ["x" * 149] * 6
    n_att, n_ach = slides.fit(long_items, long_texts)
    assert n_att == slides.MAX_ATTENTION
    assert n_ach == 1
    # Whatever is shown stays within the slide's budget.
    att = [2] * n_att
    right = slides._list_px(att, True)
    ach = slides._list_px([2] * n_ach, True)
    assert max(slides.CARDS_PX, right) + slides.SECTION_GAP_PX + ach <= slides.BUDGET_PX


def test_slide_html_escapes_user_text_and_shows_the_quarter(ov) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    slide = slides.Slide(
        number=2,
        kind="priority",
        title="Priority 1: <b>Residents</b>",
        bars=(slides.rag_bar({"Green": 1, "Red": 2}, "Performance indicators", "indicators"),),
        attention=(slides.AttentionItem("PI-01", evil, "Red", "1", "2", ""),),
        achievements=(evil,),
    )
    html = slides.slide_html(slide, 4, Q3, illustrative=True, scope=["Directorate: <Place>"])
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Residents&lt;/b&gt;" in html
    assert "Directorate: &lt;Place&gt;" in html
    assert "Quarter 3 2023-24, as at 31 December 2023" in html
    assert "Illustrative sample data" in html
    assert 'aria-label="Slide 2 of 4: Priority 1: &lt;b&gt;Residents&lt;/b&gt;"' in html
    plain = slides.slide_html(slide, 4, Q3, illustrative=False)
    assert "Illustrative sample data" not in plain


def test_every_slide_has_the_quarter(ov) -> None:
    deck = slides.build_deck(ov)
    for s in deck.slides:
        html = slides.slide_html(s, len(deck), deck.period, illustrative=True)
        assert "Quarter 3 2023-24, as at 31 December 2023" in html
        assert f"Slide {s.number} of 4" in html


def test_empty_bars_and_lists_say_so() -> None:
    empty = slides.Slide(
        2,
        "priority",
        "Priority 9: Nothing",
        (slides.action_bar({}, "Flagship actions", "flagship action lines"),),
    )
    html = slides.slide_html(empty, 2, Q3, illustrative=False)
    assert "No flagship action lines match these filters." in html
    assert "No indicator in this priority is rated Red or Amber." in html
    assert "No achievements have been recorded" in html


def test_needs_attention_on_an_empty_frame() -> None:
    assert slides.needs_attention(pd.DataFrame()).empty
