"""The Cabinet presentation's content, without a browser: which slides, what needs attention, lists
continued over slides (nothing left out), key challenges, moving between slides, draft marks, and user
text escaped in the HTML."""

from __future__ import annotations

import shutil
import textwrap

import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harrow_dash.outputs import slides
from harrow_dash.outputs.views import overview
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store

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


def _priority_slides(deck: slides.Deck, pid: int) -> list[slides.Slide]:
    return [s for s in deck.slides if s.priority_id == pid]


def _items(slide_list: list[slides.Slide], kind: str) -> list[slides.Item]:
    return [i for s in slide_list for sec in s.sections if sec.kind == kind for i in sec.items]


def test_deck_is_overview_then_each_priority_then_key_challenges_then_the_follow_up(ov) -> None:
    deck = slides.build_deck(ov)
    assert [s.number for s in deck.slides] == list(range(1, len(deck) + 1))
    assert deck.slides[0].kind == "overview"
    first = deck.slides[0]
    assert [b.total for b in first.bars] == [
        sum(ov.action_counts.values()),
        sum(ov.indicator_counts.values()),
    ]
    # PI-41 is a suppressed 2 against a target of 3 (lower is better): a hidden 4 would be Red, so
    # its Green is withheld and counted on its own. PI-39 is a 0 against a target of 0: with zero
    # suppressed (the default) a hidden 1 to 4 would be Red, so its Green is withheld too.
    assert first.bars[1].sentence == (
        "45 indicators: 22 green, 6 amber, 9 red, 2 ratings withheld (small number), 6 not rated."
    )
    # Each priority opens with its RAG summary; its further slides say "(continued)".
    for ps in ov.priorities:
        mine = _priority_slides(deck, ps.priority_id)
        title = f"Priority {ps.priority_id}: {ps.name}"
        assert mine[0].kind == "priority" and mine[0].title == title and len(mine[0].bars) == 2
        assert [s.title for s in mine[1:]] == [f"{title} (continued)"] * (len(mine) - 1)
        assert len(mine) >= 2
    # The priorities in order.
    order = [s.priority_id for s in deck.slides[1:] if s.priority_id is not None]
    assert order == sorted(order)
    # Then the key challenges, then "What we said we would do" last (so adding it moved no slide).
    kinds = [s.kind for s in deck.slides]
    followups = [s for s in deck.slides if s.kind == "followup"]
    assert followups and kinds[-len(followups) :] == ["followup"] * len(followups)
    challenges = deck.slides[-len(followups) - 1]
    assert challenges.kind == "challenges" and challenges.title.startswith("Key challenges")
    assert followups[0].title == "What we said we would do"


def test_needs_attention_lists_red_then_amber(ov) -> None:
    for ps in ov.priorities:
        got = slides.needs_attention(ov.indicators, ps.priority_id)
        mine = ov.indicators[ov.indicators["priority_id"] == ps.priority_id]
        reds = sorted(mine.loc[mine["rag"] == "Red", "ref"])
        ambers = sorted(mine.loc[mine["rag"] == "Amber", "ref"])
        assert list(got["ref"]) == reds + ambers


def test_every_list_is_shown_whole_across_its_slides(ov) -> None:
    """Nothing is "and 7 more": every indicator needing attention, every slipping flagship action,
    every achievement and area for improvement is on a slide, once, in order."""
    deck = slides.build_deck(ov)
    hl = ov.highlights
    for ps in ov.priorities:
        mine = _priority_slides(deck, ps.priority_id)
        attention = slides.needs_attention(ov.indicators, ps.priority_id)
        assert [i.ref for i in _items(mine, "attention")] == list(attention["ref"])
        acts = ov.actions[ov.actions["priority_id"] == ps.priority_id]
        slipping = acts[acts["status"].isin(["Off track", "Minor slippage"])]
        shown = _items(mine, "actions")
        assert sorted(i.ref for i in shown) == sorted(slipping["ref"])
        # Off track first, each by reference and title, with its status and commentary.
        assert [i.badge for i in shown] == sorted(
            (i.badge for i in shown), key=lambda b: b != "Off track"
        )
        for item, row in zip(
            shown, slipping.set_index("ref").loc[[i.ref for i in shown]].itertuples(), strict=True
        ):
            assert item.text == f"{item.ref} {row.title}" and item.badge == row.status
            assert item.note and item.note[:30] == str(row.commentary)[:30]
        for kind, key in (("achievement", "achievements"), ("improvement", "improvements")):
            texts = hl[(hl["priority_id"] == ps.priority_id) & (hl["kind"] == kind)]["text"]
            assert [i.text for i in _items(mine, key)] == [
                slides.whole_sentences(t, slides.MAX_TEXT) for t in texts
            ]
            assert [i.full_text for i in _items(mine, key)] == [" ".join(t.split()) for t in texts]
    text = " ".join(
        slides.slide_html(s, len(deck), deck.period, illustrative=False) for s in deck.slides
    )
    assert "more: see the briefing pack" not in text
    # The sample's one flagship action off track in Priority 1, by name.
    assert "FA-04 Bring full-fibre broadband to all council homes" in text


def test_a_section_split_over_slides_says_continued(ov) -> None:
    deck = slides.build_deck(ov)
    seen: dict[tuple[int | None, str], int] = {}
    for s in deck.slides:
        for sec in s.sections:
            key = (s.priority_id, sec.kind)
            if key in seen:
                assert sec.heading.endswith("(continued)"), sec.heading
            else:
                assert not sec.heading.endswith("(continued)") or sec.kind == "attention"
            seen[key] = s.number


def test_key_challenges_list_every_red_indicator_with_a_line_of_commentary(ov) -> None:
    deck = slides.build_deck(ov)
    closing = [s for s in deck.slides if s.kind == "challenges"]
    items = _items(closing, "challenges")
    reds = ov.indicators[ov.indicators["rag"] == "Red"].sort_values("ref")
    assert [i.ref for i in items] == list(reds["ref"]) and len(items) == 9
    for item, row in zip(items, reds.itertuples(), strict=True):
        assert item.badge == "Red" and item.figure == row.actual_text
        assert item.note  # its commentary in whole sentences (or "No commentary supplied.")
        assert item.full_note == " ".join(str(row.commentary or "").split())


def test_every_slide_fits_its_budget(ov) -> None:
    """The estimated height of every list slide is within the canvas budget."""
    deck = slides.build_deck(ov)
    for s in deck.slides:
        if s.kind in ("list", "challenges", "followup"):
            layouts = {"attention": "attention-wide"}
            total = sum(
                slides.section_px(sec.items, layouts.get(sec.kind, sec.kind)) for sec in s.sections
            ) + slides.SECTION_GAP_PX * (len(s.sections) - 1)
            assert total <= slides.BUDGET_PX, (s.number, total)
        if s.kind == "priority":
            assert slides.sections_px(s.sections, beside=True) <= slides.BUDGET_PX


def test_paginate_continues_a_long_list() -> None:
    items = tuple(slides.Item(f"PI-{n:02d}", "word " * 40) for n in range(30))
    pages = slides.paginate(
        [slides._List("achievements", "Key achievements", items, "", "achievements")]
    )
    assert len(pages) > 1
    flat = [i.ref for p in pages for sec in p for i in sec.items]
    assert flat == [i.ref for i in items]
    assert pages[0][0].heading == "Key achievements"
    assert all(p[0].heading == "Key achievements (continued)" for p in pages[1:])
    empty = slides.paginate([slides._List("actions", "Slipping", (), "None slipping.", "actions")])
    assert empty == [(slides.Section("actions", "Slipping", (), "None slipping."),)]


def test_a_slide_is_filled_before_a_list_continues_on_the_next(ov) -> None:
    """No list moves to a "continued" slide while the slide before it has room for its heading and
    first item; a priority's lists start beside its RAG cards."""
    deck = slides.build_deck(ov)
    for before, after in zip(deck.slides, deck.slides[1:], strict=False):
        if after.kind not in ("list", "challenges") or not after.title.endswith("(continued)"):
            continue
        beside = before.kind == "priority"
        used = slides.sections_px(before.sections, beside=beside)
        first = after.sections[0]
        fit = {"attention": "attention-wide"}.get(first.kind, first.kind)
        fit = slides.BESIDE.get(fit, fit) if beside else fit
        need = slides.SECTION_GAP_PX + slides.HEADING_PX
        need += slides.item_px(first.items[0], fit) if first.items else slides.LINE_PX
        if first.heading.endswith("(continued)"):
            need -= slides.HEADING_PX  # the list's next item would have joined its section
            need -= slides.SECTION_GAP_PX - slides.ITEM_GAP_PX
        assert used + need > slides.BUDGET_PX, (after.number, after.title, used, need)
    # In the sample, some priority's slipping actions share its first slide with the RAG cards.
    assert any(s.kind == "priority" and s.section("actions") is not None for s in deck.slides), (
        "a short 'Needs attention' leaves room for the next list beside the cards"
    )


def test_paginate_fills_the_slide_beside_the_cards_before_continuing() -> None:
    one = (slides.Item("PI-01", "Short name", badge="Red", figure="1", target="2"),)
    acts = (slides.Item("FA-01", "FA-01 Short action", badge="Off track", note="On hold."),)
    pages = slides.paginate(
        [
            slides._List("attention", "Needs attention", one, "", "attention-wide"),
            slides._List("actions", "Slipping", acts, "", "actions"),
        ],
        beside=True,
    )
    assert len(pages) == 1 and [s.kind for s in pages[0]] == ["attention", "actions"]


def test_commentary_is_cut_at_a_sentence_end_never_mid_sentence() -> None:
    text = (
        "Recruitment is under way. Six of the ten posts are filled; the rest are being "
        "re-advertised. A further update will come to Cabinet in March 2024 with the figures."
    )
    short = slides.whole_sentences(text, 80)
    assert short == "Recruitment is under way." + slides.MORE
    assert slides.whole_sentences(text, 120) == (
        "Recruitment is under way. Six of the ten posts are filled; the rest are being "
        "re-advertised." + slides.MORE
    )
    assert slides.whole_sentences(text, 400) == text and "\u2026" not in short
    # A first sentence longer than the limit is shown whole, not cut.
    long_first = "The contract was re-let after a long procurement with three rounds of bids. Done."
    assert slides.whole_sentences(long_first, 40) == long_first[: -len(" Done.")] + slides.MORE
    # "e.g." or a decimal point does not end a sentence.
    assert slides.whole_sentences("Costs rose 2.5 per cent, e.g. fuel. Next.", 20) == (
        "Costs rose 2.5 per cent, e.g. fuel." + slides.MORE
    )
    # Only a run-on sentence far longer than the limit is cut, at a word, with its full text kept.
    runon = "word " * 200
    assert slides.whole_sentences(runon, 50).endswith("\u2026" + slides.MORE)
    assert len(slides.whole_sentences(runon, 50)) <= 3 * 50 + len(slides.MORE)


def test_every_note_on_every_slide_is_whole_sentences_with_its_full_text_one_keypress_away(
    ov,
) -> None:
    deck = slides.build_deck(ov)
    for s in deck.slides:
        full = dict((text, note) for _, rows in slides.full_text(s) for text, note in rows if note)
        for sec in s.sections:
            for item in sec.items:
                if item.full_note:
                    shown = item.note.removesuffix(slides.MORE)
                    assert item.full_note.startswith(shown)
                    assert shown == item.full_note or shown[-1] in ".!?\u201d\u2019)", shown
                    assert "\u2026" not in item.note
                    assert item.full_note in full.values()


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


def test_slide_html_escapes_user_text_and_shows_the_quarter(ov) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    slide = slides.Slide(
        number=2,
        kind="priority",
        title="Priority 1: <b>Residents</b>",
        bars=(slides.rag_bar({"Green": 1, "Red": 2}, "Performance indicators", "indicators"),),
        sections=(
            slides.Section(
                "attention", "Needs attention", (slides.Item("PI-01", evil, "Red", figure="1"),)
            ),
        ),
    )
    listed = slides.Slide(
        3,
        "list",
        "More",
        sections=(
            slides.Section("achievements", "Key achievements", (slides.Item("", evil),)),
            slides.Section(
                "actions", "Slipping", (slides.Item("FA-1", "x", "Off track", note=evil),)
            ),
        ),
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
    html = slides.slide_html(listed, 4, Q3, illustrative=False)
    assert "<script>" not in html and "<img" not in html
    assert html.count("&lt;script&gt;") == 2


def test_draft_slides_are_marked() -> None:
    slide = slides.Slide(1, "overview", "Summary", bars=())
    draft = slides.slide_html(slide, 3, Q3, illustrative=False, draft=True)
    assert '<span class="hd-draft">DRAFT: not yet published</span>' in draft
    assert "hd-is-draft" in draft and "(DRAFT: not yet published)" in draft  # in the label too
    final = slides.slide_html(slide, 3, Q3, illustrative=False)
    assert "DRAFT" not in final


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), (["yes"], True), ("0", False), ("", False), (None, False)],
)
def test_parse_flag(value, expected) -> None:
    assert slides.parse_flag(value) is expected


def test_every_slide_has_the_quarter(ov) -> None:
    deck = slides.build_deck(ov)
    for s in deck.slides:
        html = slides.slide_html(s, len(deck), deck.period, illustrative=True)
        assert "Quarter 3 2023-24, as at 31 December 2023" in html
        assert f"Slide {s.number} of {len(deck)}" in html


def test_empty_bars_and_lists_say_so() -> None:
    empty = slides.Slide(
        2,
        "priority",
        "Priority 9: Nothing",
        (slides.action_bar({}, "Flagship actions", "flagship action lines"),),
        sections=(
            slides.Section(
                "attention", "Needs attention", (), "No indicator is rated Red or Amber."
            ),
        ),
    )
    html = slides.slide_html(empty, 2, Q3, illustrative=False)
    assert "No flagship action lines match these filters." in html
    assert "No indicator is rated Red or Amber." in html


def test_needs_attention_on_an_empty_frame() -> None:
    assert slides.needs_attention(pd.DataFrame()).empty


def test_counts_in_words_are_singular_for_one() -> None:
    from harrow_dash.outputs.charts import describe_counts

    assert describe_counts({"Red": 1, "Green": 0}, "indicators") == "1 indicator: 1 red."
    assert describe_counts({"Red": 2}, "indicators") == "2 indicators: 2 red."
    assert slides.rag_bar({"Red": 1}, "PIs", "indicators").sentence == "1 indicator: 1 red."
    bar = slides.action_bar({"Green": 1}, "FAs", "flagship action lines")
    assert bar.sentence == "1 flagship action line: 1 on track."


def test_a_status_bar_says_on_track_not_green_when_hovered() -> None:
    from harrow_dash.outputs.charts import stacked_bar
    from harrow_dash.outputs.palette import ACTION_COLOURS, ACTION_GROUP_WORDS

    spec = stacked_bar({"Green": 3, "Red": 1}, ACTION_COLOURS, words=ACTION_GROUP_WORDS).to_dict()
    bar = spec["layer"][0]
    tooltip = bar["encoding"]["tooltip"]
    assert tooltip[0] == {"field": "status", "type": "nominal", "title": "Status"}
    rows = next(iter(spec["datasets"].values()))
    assert {r["status"] for r in rows} == {"On track", "Off track"}


def test_the_key_to_ratings_covers_indicators_and_flagship_statuses() -> None:
    from harrow_dash.outputs import rag_key
    from harrow_dash.outputs.palette import ACTION_COLOURS, RAG_COLOURS

    html = rag_key.key_html()
    for colour in (*RAG_COLOURS.values(), *ACTION_COLOURS.values()):
        assert colour in html
    for words in ("Green", "Amber", "Red", "Not rated", "Complete", "On track", "Minor slippage",
                  "Off track", "Not started or not yet due"):  # fmt: skip
        assert f"</span> {words}</th>" in html
    # Dark blue is "Complete" (the colour the Overview's flagship bars use for it).
    complete = next(r for r in rag_key.action_rows() if r.label == "Complete")
    assert complete.colour == ACTION_COLOURS["Complete"] == "#12436D" and complete.icon == "\u2605"


def test_paginate_evenly_needs_no_more_slides_and_does_not_end_on_a_lone_item() -> None:
    items = tuple(slides.Item(ref=f"A{i}", text=f"Action {i} " + "word " * 30) for i in range(9))
    lists = [slides._List("followup", "Actions", items, "None.", "followup")]
    greedy = slides.paginate(lists)
    even = slides.paginate_evenly(lists)
    assert len(greedy) > 1 and len(even) == len(greedy)
    counts = [sum(len(s.items) for s in page) for page in even]
    assert sum(counts) == len(items)
    assert max(counts) - min(counts) <= 1, counts
    assert [sum(len(s.items) for s in page) for page in greedy] != counts  # greedy was uneven
    assert all(slides.sections_px(page) <= slides.BUDGET_PX for page in even)


def _lines_word_by_word(text: str, per_line: int) -> int:
    """Lines ``text`` wraps to word by word, by the standard library's greedy wrapping (words
    never broken, the runs of white space between them counted as one space)."""
    words = " ".join(text.split())
    return max(
        1, len(textwrap.wrap(words, per_line, break_long_words=False, break_on_hyphens=False))
    )


@example(text="a a", per_line=2)  # one character too long for one line
@example(text=" ab ", per_line=2)  # longer than a line only by the spaces at its ends
@example(text="ab\tb", per_line=4)
@given(
    text=st.text(alphabet=st.sampled_from("ab \u00e9\t\n"), max_size=80),
    per_line=st.integers(min_value=1, max_value=40),
)
def test_a_text_wraps_to_as_many_lines_as_laid_out_word_by_word(text: str, per_line: int) -> None:
    """The short cut for a text that fits on one line gives what wrapping it word by word gives
    (spaces repeated, at either end, and words longer than a line included)."""
    assert slides._lines(text, per_line) == _lines_word_by_word(text, per_line)
