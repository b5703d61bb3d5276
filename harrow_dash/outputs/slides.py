"""The Cabinet presentation, without Streamlit: which slides there are, what each says, and the HTML
that shows it on a meeting-room screen.

A deck is one overview slide (all flagship actions and all indicators by RAG), then each priority:
its two RAG summaries beside the indicators that need attention (Red, then Amber), then the flagship
actions that are off track or slipping, its key achievements and its areas for improvement; last, the
key challenges (every Red indicator with its commentary), and "What we said we would do"
(:mod:`harrow_dash.outputs.follow_up`: indicators Red two quarters running with no open action, last quarter's
corrective actions with their status now, overdue first, and each Red indicator's open actions;
internal notes never). A slide is filled before a list continues on
the next slide, titled "(continued)" (a priority's lists start beside its RAG summary): nothing is left
out and nothing is cut off. Long commentary and highlights are shortened at a sentence end, never
mid-sentence (:func:`whole_sentences`), marked "(more)"; every item keeps its full text
(:func:`full_text`), which the presentation shows at one keypress.

Slides are laid out on a fixed canvas of :data:`CANVAS_W` x :data:`CANVAS_H` design units that the CSS
scales to the viewport (one unit is one CSS pixel on a 1920x1080 screen), so a slide looks the same,
only smaller, at 1366x768 as at 1920x1080, and :func:`paginate` can decide what fits without a
browser. User text (indicator names, commentary, achievements) is escaped with :func:`harrow_dash.formats.textsafe.escape_html`
before it goes into the HTML; the HTML and CSS here are ours.
"""

from __future__ import annotations

import itertools
import re
from collections import namedtuple
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd

from harrow_dash.formats.textsafe import escape_html
from harrow_dash.outputs import follow_up as fu
from harrow_dash.outputs.charts import describe_counts
from harrow_dash.outputs.palette import (
    ACTION_COLOURS,
    ACTION_GROUP_WORDS,
    CORRECTIVE_COLOURS,
    RAG_COLOURS,
    RAG_WORDS,
    counted,
)
from harrow_dash.outputs.views import Overview, PrioritySummary
from harrow_dash.rules.action_status import ACTION_GROUPS, GROUP_ICONS
from harrow_dash.rules.periods import Period
from harrow_dash.rules.plan import COUNCIL_NAME, ILLUSTRATIVE_SHORT
from harrow_dash.rules.scorecard import RAG_ICONS, RAG_ORDER

MAX_TEXT = 260  # characters of user text in one list item (about three lines of full-width text)
MAX_NOTE = 160  # characters of commentary under an item (whole sentences: at least the first)
# A first sentence longer than this many times the limit is the one thing cut inside a sentence (at a
# word, with an ellipsis), so a run-on paragraph cannot push a slide off the screen.
LONGEST_SENTENCE = 3
MORE = " (more)"  # after shortened text: the rest is in the full text

ACTION_ICONS = GROUP_ICONS
ATTENTION_RAGS = ("Red", "Amber")
SLIPPING_GROUPS = ("Red", "Amber")  # off track, then minor slippage
DRAFT_MARK = "DRAFT: not yet published"

# Auto-advance choices for the presenter, in seconds (0 = off).
AUTO_ADVANCE = {
    "Auto-advance: off": 0,
    "Auto-advance: 15 s": 15,
    "Auto-advance: 30 s": 30,
    "Auto-advance: 60 s": 60,
}


@dataclass(frozen=True)
class Segment:
    group: str
    count: int
    colour: str
    word: str
    icon: str


@dataclass(frozen=True)
class Bar:
    """One stacked RAG bar: its heading, the total, segments in report order and a sentence."""

    title: str
    noun: str
    total: int
    segments: tuple[Segment, ...]

    @property
    def sentence(self) -> str:
        return describe_counts(
            {s.group: s.count for s in self.segments},
            self.noun,
            {s.group: s.word for s in self.segments},
        )


class Item(NamedTuple):
    """One line of a list on a slide: an indicator, a flagship action or a highlight.

    Shown as ``[badge] text: figure against target`` with ``note`` (one line of commentary) below.
    A named tuple, not a dataclass: a council-scale deck holds 11,000 items, and the cached deck
    is copied out of the cache (unpickled) when a slide is first shown: 14,000 dataclass items
    took 65 ms to unpickle, as tuples 16 ms."""

    ref: str
    text: str
    badge: str = ""  # "Red", "Off track"; empty for highlights
    colour: str = ""
    icon: str = ""
    figure: str = ""
    target: str = ""
    note: str = ""
    standing: str = ""  # rank and quartile among comparable areas, for a benchmarked indicator
    full_text: str = ""  # the item's text in full, where ``text`` is shortened
    full_note: str = ""  # the commentary in full, where ``note`` is shortened


@dataclass(frozen=True)
class Section:
    """A list under a heading; ``kind`` picks the layout and the marker."""

    kind: str  # "attention" | "actions" | "achievements" | "improvements" | "challenges"
    heading: str  # with " (continued)" when it began on an earlier slide
    items: tuple[Item, ...]
    empty: str = ""  # what to say when there are no items at all


@dataclass(frozen=True)
class Slide:
    number: int  # 1-based
    kind: str  # "overview" | "priority" (RAG cards beside a list) | "list" | "challenges"
    title: str
    bars: tuple[Bar, ...] = ()
    lines: tuple[str, ...] = ()  # sentences of ours (overview)
    sections: tuple[Section, ...] = ()
    priority_id: int | None = None

    def section(self, kind: str) -> Section | None:
        return next((s for s in self.sections if s.kind == kind), None)


@dataclass(frozen=True)
class Deck:
    period: Period
    slides: tuple[Slide, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.slides)

    def slide(self, number: int) -> Slide:
        return self.slides[clamp(number, len(self.slides)) - 1]


# -- building the deck ------------------------------------------------------------------------------


def _clean(text: object) -> str:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return " ".join(str(text).split())


def shorten(text: object, limit: int = MAX_TEXT) -> str:
    """A name or title cut at a word boundary to at most ``limit`` characters, with an ellipsis if
    cut. Prose (commentary, highlights) is shortened by :func:`whole_sentences` instead."""
    value = _clean(text)
    if len(value) <= limit:
        return value
    cut = value[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-\u2013 ")
    return (cut or value[: limit - 1]) + "\u2026"


# The end of a sentence: a full stop, question or exclamation mark (and any closing quote or bracket)
# followed by a space and what starts a sentence (a capital, a digit, an opening quote or bracket).
_SENTENCE_END = re.compile(r"[.!?][\"\u201d\u2019)\]]*(?=\s+[A-Z0-9\"\u201c\u2018(\[\u00a3])")


def whole_sentences(text: object, limit: int) -> str:
    """User prose shortened to the whole sentences that fit in ``limit`` characters (always at least
    the first, whatever its length up to :data:`LONGEST_SENTENCE` times the limit), followed by
    :data:`MORE` when any is left out: never cut mid-sentence. The full text is the item's."""
    value = _clean(text)
    if len(value) <= limit:
        return value
    ends = [m.end() for m in _SENTENCE_END.finditer(value)]
    fitting = [e for e in ends if e <= limit]
    if fitting:
        return value[: fitting[-1]] + MORE
    first = value[: ends[0]] if ends else value
    if len(first) > LONGEST_SENTENCE * limit:
        return shorten(first, LONGEST_SENTENCE * limit) + MORE
    return first + (MORE if len(first) < len(value) else "")


def rag_bar(counts: dict[str, int], title: str, noun: str) -> Bar:
    segs = tuple(
        Segment(g, int(counts.get(g, 0)), RAG_COLOURS[g], RAG_WORDS[g], RAG_ICONS[g])
        for g in RAG_ORDER
    )
    return Bar(title, noun, sum(s.count for s in segs), segs)


def action_bar(counts: dict[str, int], title: str, noun: str) -> Bar:
    segs = tuple(
        Segment(g, int(counts.get(g, 0)), ACTION_COLOURS[g], ACTION_GROUP_WORDS[g], ACTION_ICONS[g])
        for g in ACTION_GROUPS
    )
    return Bar(title, noun, sum(s.count for s in segs), segs)


def needs_attention(indicators: pd.DataFrame, priority_id: int | None = None) -> pd.DataFrame:
    """Indicators rated Red, then Amber (each in reference order), for one priority or all."""
    if indicators.empty:
        return indicators
    df = indicators
    if priority_id is not None:
        df = df[df["priority_id"] == priority_id]
    df = df[df["rag"].isin(ATTENTION_RAGS)].copy()
    df["_rank"] = df["rag"].map({r: i for i, r in enumerate(ATTENTION_RAGS)})
    return df.sort_values(["_rank", "ref"]).drop(columns="_rank")


def slipping_actions(actions: pd.DataFrame, priority_id: int | None = None) -> pd.DataFrame:
    """Flagship action lines off track, then with minor slippage (each in reference order)."""
    if actions.empty or "group" not in actions:
        return actions
    df = actions
    if priority_id is not None:
        df = df[df["priority_id"] == priority_id]
    df = df[df["group"].isin(SLIPPING_GROUPS)].copy()
    df["_rank"] = df["group"].map({g: i for i, g in enumerate(SLIPPING_GROUPS)})
    return df.sort_values(["_rank", "ref"]).drop(columns="_rank")


def _records(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[Any]:
    """The rows of ``frame``'s ``columns`` as named tuples of the values ``itertuples`` gives, each
    column taken whole (``tolist``) rather than value by value: ``itertuples`` asks an Arrow-backed
    text column for each value in turn, which was most of a council-scale deck's build."""
    if frame.empty:  # as itertuples: no rows, whatever the columns
        return []
    record = namedtuple("record", columns)  # type: ignore[misc]  # the fields are the columns
    return [record(*values) for values in zip(*(frame[c].tolist() for c in columns), strict=True)]


def _indicator_items(
    frame: pd.DataFrame, with_note: bool = False, standings: Mapping[str, str] | None = None
) -> list[Item]:
    standings = standings or {}
    return [
        Item(
            ref=str(r.ref),
            text=shorten(r.name, 120),
            badge=str(r.rag),
            colour=RAG_COLOURS.get(str(r.rag), RAG_COLOURS["Not rated"]),
            icon=RAG_ICONS.get(str(r.rag), ""),
            figure=shorten(r.actual_text, 40),
            target=shorten(r.target_text, 40),
            note=(whole_sentences(r.commentary, MAX_NOTE) or "No commentary supplied.")
            if with_note
            else "",
            standing=standings.get(str(r.ref), ""),
            full_text=_clean(r.name),
            full_note=_clean(r.commentary) if with_note else "",
        )
        for r in _records(frame, ("ref", "name", "rag", "actual_text", "target_text", "commentary"))
    ]


def _action_items(frame: pd.DataFrame) -> list[Item]:
    return [
        Item(
            ref=str(r.ref),
            text=shorten(f"{r.ref} {r.title}", 160),
            badge=str(r.status),
            colour=ACTION_COLOURS.get(str(r.group), ACTION_COLOURS["Not started / not yet due"]),
            icon=ACTION_ICONS.get(str(r.group), ""),
            note=whole_sentences(r.commentary, MAX_NOTE),
            full_text=_clean(f"{r.ref} {r.title}"),
            full_note=_clean(r.commentary),
        )
        for r in _records(frame, ("ref", "title", "status", "group", "commentary"))
    ]


def _highlight_items(ov: Overview, priority_id: int, kind: str) -> list[Item]:
    hl = ov.highlights
    if not len(hl):
        return []
    mine = hl[(hl["priority_id"] == priority_id) & (hl["kind"] == kind)]
    return [
        Item(ref="", text=whole_sentences(t, MAX_TEXT), full_text=_clean(t))
        for t in mine["text"]
        if _clean(t)
    ]


def _changes_line(ov: Overview) -> str:
    if ov.rag_changes.empty:
        return "No indicator changed its RAG rating since last quarter."
    better = int((ov.rag_changes["direction"] == "better").sum())
    worse = int((ov.rag_changes["direction"] == "worse").sum())

    def n(k: int) -> str:
        return f"{k} indicator{'' if k == 1 else 's'}"

    return (
        f"Since last quarter: \u25b2 {n(better)} moved to a better RAG rating, "
        f"\u25bc {n(worse)} to a worse one."
    )


# -- fitting lists onto slides ----------------------------------------------------------------------
# Sizes in design units (CSS pixels at 1920x1080), measured from SLIDE_CSS in Chromium. The budget is
# what is left of the canvas below the top band, the one-line note and the title. Character counts
# per line are a little low (Source Sans at 30px averages about 13.6 units a character) and text is
# wrapped word by word as the browser does, so an estimate fills a slide but errs towards room to
# spare, never one that clips.

CANVAS_W = 1840
CANVAS_H = 968
BUDGET_PX = 740  # the canvas leaves 752 below the note and the title; a little to spare
LINE_PX = 39  # one line of 30px text
HEADING_PX = 56  # an h2 with its margin
ITEM_GAP_PX = 12
SECTION_GAP_PX = 20
CARDS_PX = 446  # the two RAG cards, both legends on two lines
CHARS_PER_LINE = {  # by section kind: full width less the badge column
    # About 7/8 of what fits (measured in Chromium: 13.6 units a character of 30px Source Sans), so
    # a slide is filled, with a margin for wide letters and bold figures.
    "attention": 62,  # beside the RAG cards
    "attention-wide": 106,
    "challenges": 106,
    "actions": 98,
    "achievements": 116,
    "improvements": 116,
    # beside the RAG cards, on a priority's first slide
    "actions-beside": 53,
    "achievements-beside": 66,
    "improvements-beside": 66,
    # "What we said we would do": full width less the badge column
    "callout": 106,
    "followup": 98,
    "redactions": 106,
}
# The layout of a list placed beside the RAG cards (a priority's first slide).
BESIDE = {
    "attention-wide": "attention",
    "attention": "attention",
    "actions": "actions-beside",
    "achievements": "achievements-beside",
    "improvements": "improvements-beside",
}


def item_text(item: Item) -> str:
    return f"{item.text}: {item.figure} against {item.target}" if item.figure else item.text


def _lines(text: str, per_line: int) -> int:
    """Lines ``text`` wraps to, counting whole words (a word never splits across lines)."""
    if len(text) <= per_line:  # its words and the spaces between them fit on one line
        return 1
    lines, used = 1, 0
    for word in text.split():
        need = len(word) + (1 if used else 0)
        if used and used + need > per_line:
            lines, used = lines + 1, len(word)
        else:
            used += need
    return lines


def item_px(item: Item, layout: str) -> int:
    """The estimated height of one list item (its text, then its commentary and its standing, each
    wrapped to as many lines as it needs). A deck's layout asks it once per item and layout
    (:class:`_Heights`)."""
    per_line = CHARS_PER_LINE[layout]
    return LINE_PX * (
        _lines(item_text(item), per_line)
        + (_lines(item.note, per_line) if item.note else 0)
        + (_lines("\u25c6 " + item.standing, per_line) if item.standing else 0)
    )


def section_px(items: Sequence[Item], layout: str) -> int:
    return _stacked([item_px(i, layout) for i in items])


def _stacked(heights: Sequence[int]) -> int:
    """The height of a section whose items are ``heights`` high (an empty one says so in a line)."""
    if not heights:
        return HEADING_PX + LINE_PX
    return HEADING_PX + sum(heights) + ITEM_GAP_PX * (len(heights) - 1)


def take(heights: Sequence[int], start: int, room: int) -> int:
    """How many items, from ``start`` on, of a list whose items are ``heights`` high fit under a
    heading in ``room`` units: at least one, so a list always moves on."""
    used, n = HEADING_PX, 0
    for extra in itertools.islice(heights, start, None):
        extra += ITEM_GAP_PX if n else 0
        if used + extra > room and n:
            break
        used += extra
        n += 1
    return n


@dataclass(frozen=True)
class _List:
    kind: str
    heading: str
    items: tuple[Item, ...]
    empty: str
    layout: str


class _Heights:
    """Each item's height (:func:`item_px`) of some lists, per layout, measured once: a deck's
    layout lays the same lists out several times (:func:`paginate_evenly` tries a dozen budgets)."""

    def __init__(self, lists: Sequence[_List]) -> None:
        self._lists = lists
        self._got: dict[tuple[int, str], list[int]] = {}

    def of(self, index: int, layout: str) -> list[int]:
        key = (index, layout)
        if key not in self._got:
            self._got[key] = [item_px(i, layout) for i in self._lists[index].items]
        return self._got[key]


def paginate(
    lists: Sequence[_List], budget: int = BUDGET_PX, beside: bool = False
) -> list[tuple[Section, ...]]:
    """Lay lists out in order over as many slides as they need, filling each slide before the next:
    a list starts on the slide the one before it ended on when its heading and first item fit in
    what is left, and a list that does not fit continues on the next slide, its heading marked
    "(continued)". With ``beside``, the first slide is the column beside a priority's RAG cards
    (narrower: :data:`BESIDE` layouts)."""
    return _paginate(lists, budget, beside, _Heights(lists))


def _paginate(
    lists: Sequence[_List], budget: int, beside: bool, heights: _Heights
) -> list[tuple[Section, ...]]:
    pages: list[list[Section]] = [[]]
    room = budget

    def layout(lst: _List) -> str:
        return BESIDE.get(lst.layout, lst.layout) if beside and len(pages) == 1 else lst.layout

    for index, lst in enumerate(lists):
        start, count = 0, len(lst.items)
        while True:
            gap = SECTION_GAP_PX if pages[-1] else 0
            first = heights.of(index, layout(lst))[start] if start < count else LINE_PX
            if pages[-1] and HEADING_PX + first + gap > room:
                pages.append([])
                room, gap = budget, 0
            heading = f"{lst.heading} (continued)" if start else lst.heading
            if not count:
                pages[-1].append(Section(lst.kind, heading, (), lst.empty))
                room -= gap + _stacked(())
                break
            high = heights.of(index, layout(lst))
            n = take(high, start, room - gap)
            chunk = lst.items[start : start + n]
            pages[-1].append(Section(lst.kind, heading, chunk, lst.empty))
            room -= gap + _stacked(high[start : start + n])
            start += n
            if start == count:
                break
            pages.append([])
            room = budget
    return [tuple(p) for p in pages if p]


def paginate_evenly(lists: Sequence[_List], budget: int = BUDGET_PX) -> list[tuple[Section, ...]]:
    """:func:`paginate` over as few slides as it needs, but filled evenly: the smallest budget that
    still needs no more slides, so a run of continued slides does not end on one holding a single
    item. Never more slides than :func:`paginate` lays out, and never a fuller slide."""
    heights = _Heights(lists)
    pages = _paginate(lists, budget, False, heights)
    if len(pages) <= 1:
        return pages
    low, high = budget // 2, budget  # high always lays out in len(pages) slides or fewer
    while low < high:
        middle = (low + high) // 2
        if len(_paginate(lists, middle, False, heights)) <= len(pages):
            high = middle
        else:
            low = middle + 1
    return _paginate(lists, high, False, heights)


def sections_px(sections: Sequence[Section], beside: bool = False) -> int:
    """The estimated height of a slide's sections, as :func:`paginate` counts it (``beside``: in the
    column beside a priority's RAG cards)."""
    wide = {"attention": "attention-wide"}
    total = 0
    for sec in sections:
        fit = wide.get(sec.kind, sec.kind)
        total += section_px(sec.items, BESIDE.get(fit, fit) if beside else fit)
    return total + SECTION_GAP_PX * max(0, len(sections) - 1)


def full_text(slide: Slide) -> list[tuple[str, list[tuple[str, str]]]]:
    """Everything on a slide's lists in full, for the presenter to open at one keypress: per
    section its heading and, per item, its text (with figure and target) and its commentary."""
    out = []
    for sec in slide.sections:
        rows = []
        for item in sec.items:
            text = item.full_text or item.text
            if item.badge:
                text = f"{item.badge}: {text}"
            if item.figure:
                text += f": {item.figure} against {item.target}"
            note = item.full_note or ("" if item.note.endswith(MORE) else item.note)
            rows.append((text, note))
        out.append((sec.heading, rows))
    return out


def _priority_slides(
    first_number: int, ov: Overview, ps: PrioritySummary, standings: Mapping[str, str]
) -> list[Slide]:
    title = f"Priority {ps.priority_id}: {ps.name}"
    attention = _indicator_items(
        needs_attention(ov.indicators, ps.priority_id), standings=standings
    )
    lists = [
        _List(
            "attention",
            "Needs attention",
            tuple(attention),
            "No indicator in this priority is rated Red or Amber.",
            "attention-wide",
        ),
        _List(
            "actions",
            "Flagship actions off track or slipping",
            tuple(_action_items(slipping_actions(ov.actions, ps.priority_id))),
            "No flagship action in this priority is off track or slipping.",
            "actions",
        ),
        _List(
            "achievements",
            "Key achievements",
            tuple(_highlight_items(ov, ps.priority_id, "achievement")),
            "No achievements have been recorded for this quarter.",
            "achievements",
        ),
        _List(
            "improvements",
            "Areas for improvement",
            tuple(_highlight_items(ov, ps.priority_id, "improvement")),
            "No areas for improvement have been recorded for this quarter.",
            "improvements",
        ),
    ]
    # The first slide's column beside the RAG cards is filled first, then the slides that continue.
    pages = paginate(lists, beside=True)
    first = Slide(
        number=first_number,
        kind="priority",
        title=title,
        bars=(
            action_bar(ps.action_counts, "Flagship actions", "flagship action lines"),
            rag_bar(ps.indicator_counts, "Performance indicators", "indicators"),
        ),
        sections=pages[0],
        priority_id=ps.priority_id,
    )
    rest = [
        Slide(
            number=first_number + i,
            kind="list",
            title=f"{title} (continued)",
            sections=sections,
            priority_id=ps.priority_id,
        )
        for i, sections in enumerate(pages[1:], start=1)
    ]
    return [first, *rest]


def _challenge_slides(first_number: int, ov: Overview) -> list[Slide]:
    reds = needs_attention(ov.indicators)
    if len(reds):
        reds = reds[reds["rag"] == "Red"]
    items = tuple(_indicator_items(reds, with_note=True))
    pages = paginate(
        [
            _List(
                "challenges",
                "Indicators rated Red",
                items,
                "No indicator is rated Red this quarter.",
                "challenges",
            )
        ]
    )
    return [
        Slide(
            number=first_number + i,
            kind="challenges",
            title="Key challenges" + (" (continued)" if i else ""),
            sections=sections,
        )
        for i, sections in enumerate(pages)
    ]


FOLLOW_UP_TITLE = fu.HEADING


def _corrective_badge(status: fu.CorrectiveStatus) -> dict[str, str]:
    return {
        "badge": status.value.capitalize(),
        "colour": CORRECTIVE_COLOURS[status.value],
        "icon": fu.STATUS_ICONS[status],
    }


def _red_badge() -> dict[str, str]:
    return {"badge": "Red", "colour": RAG_COLOURS["Red"], "icon": RAG_ICONS["Red"]}


def _action_note(a: fu.FollowedAction) -> str:
    """Under an action on a slide: the latest update or the reason it was dropped (first, so it is
    what a shortened note keeps), then the due quarter (an open action) and the owner."""
    detail = fu.action_detail(a)
    parts = [
        detail + ("" if not detail or detail.rstrip()[-1:] in ".!?" else "."),
        f"Due {a.due_period.label}." if a.is_open else "",
        f"Owner: {a.owner}." if a.owner else "",
    ]
    return _clean(" ".join(p for p in parts if p))


def _follow_up_items(follow: fu.FollowUp) -> tuple[list[Item], list[Item], list[Item]]:
    """The follow-up's three lists as slide items: called out, last quarter's actions, Red
    indicators with their actions. Public text only (internal notes are never on a slide). Each
    note is whole sentences, its full text one keypress away like every other note's."""

    def item(ref: str, text: str, note: str, badge: dict[str, str], limit: int) -> Item:
        return Item(
            ref=ref,
            text=shorten(text, limit),
            note=whole_sentences(note, MAX_NOTE),
            full_text=_clean(text),
            full_note=_clean(note),
            **badge,
        )

    called = [
        item(
            r.ref,
            f"{r.ref} {r.name}",
            "Red last quarter too, and no open corrective action"
            + (f" ({fu.closed_text(r)})" if r.closed else "")
            + ".",
            _red_badge(),
            160,
        )
        for r in follow.called_out
    ]
    actions = [
        item(
            a.action_id,
            f"{a.action_id} ({a.subject}): {a.action}",
            _action_note(a),
            _corrective_badge(a.status),
            MAX_TEXT,
        )
        for a in follow.last_quarter
    ]
    reds = [
        item(
            r.ref,
            f"{r.ref} {r.name}",
            f"{'Action' if len(r.actions) == 1 else 'Actions'}: {fu.actions_text(r)}.",
            _red_badge(),
            160,
        )
        for r in follow.red
        if not r.called_out  # listed above, under the call-out
    ]
    return called, actions, reds


def _follow_up_slides(first_number: int, ov: Overview) -> list[Slide]:
    """'What we said we would do', as many slides as it needs (none when there is nothing to
    follow up: no action from last quarter and no Red indicator)."""
    follow = ov.follow_up
    if follow is None or follow.empty:
        return []
    called, actions, reds = _follow_up_items(follow)
    lists = []
    if called:
        lists.append(
            _List(
                "callout",
                "\u2691 Red two quarters running with no open action",
                tuple(called),
                "",
                "callout",
            )
        )
    lists += [
        _List(
            "followup",
            f"Actions from last quarter: status at {ov.period.label}",
            tuple(actions),
            fu.NO_LAST_QUARTER,
            "followup",
        ),
        _List(
            "redactions",
            "Other indicators rated Red, and their actions"
            if called
            else "Indicators rated Red, and their actions",
            tuple(reds),
            fu.NO_RED if not called else "No other indicator is rated Red this quarter.",
            "redactions",
        ),
    ]
    return [
        Slide(
            number=first_number + i,
            kind="followup",
            title=FOLLOW_UP_TITLE + (" (continued)" if i else ""),
            sections=sections,
        )
        for i, sections in enumerate(paginate_evenly(lists))
    ]


def build_deck(ov: Overview, standings: Mapping[str, str] | None = None) -> Deck:
    """The overview slide, each priority in the overview (the filters' priorities) on as many slides
    as its lists need, then the key challenges, then "What we said we would do" (last, so the
    numbers of the slides before it do not move). ``standings`` (ref -> "13th of 33 London boroughs,
    second quartile") adds the rank to each indicator that needs attention."""
    out: list[Slide] = [
        Slide(
            number=1,
            kind="overview",
            title="Summary of performance",
            bars=(
                action_bar(ov.action_counts, "Flagship actions", "flagship action lines"),
                rag_bar(ov.indicator_counts, "Performance indicators", "indicators"),
            ),
            lines=(_changes_line(ov),),
        )
    ]
    for ps in ov.priorities:
        out += _priority_slides(len(out) + 1, ov, ps, standings or {})
    out += _challenge_slides(len(out) + 1, ov)
    out += _follow_up_slides(len(out) + 1, ov)
    return Deck(ov.period, tuple(out))


# -- moving between slides --------------------------------------------------------------------------


def clamp(number: int, count: int) -> int:
    return max(1, min(number, max(count, 1)))


def parse_slide(value: object, count: int) -> int:
    """The slide a URL asks for (``?slide=2``, 1-based), kept within the deck; anything else is 1."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return clamp(number, count)


def parse_flag(value: object) -> bool:
    """A yes/no URL parameter (``?draft=1``): "1", "true", "yes" or "on" is yes, anything else no."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


NAV_ACTIONS = ("next", "prev", "first", "last", "auto")


def navigate(current: int, count: int, action: str) -> int:
    """The slide after ``action``: next/prev stop at the ends, auto (auto-advance) wraps round."""
    count = max(count, 1)
    if action == "next":
        return clamp(current + 1, count)
    if action == "prev":
        return clamp(current - 1, count)
    if action == "first":
        return 1
    if action == "last":
        return count
    if action == "auto":
        return current % count + 1
    return clamp(current, count)


# -- HTML -------------------------------------------------------------------------------------------

# Sizes below are written in design units ("30u"); :func:`_units` turns each into
# ``calc(30 * var(--u))``, where ``--u`` is the CSS pixel size of one unit: the largest that fits the
# canvas into its container (container query units; the page makes the slide's element a size
# container holding the height the notes and the presenter's controls leave).
_SLIDE_CSS_U = """
<style>
/* Streamlit styles headings, paragraphs and list items itself (some with !important), so the slide's
   sizes are !important too. Every text on a slide is at least 28 design units. */
.hd-slide { --u: min(calc(100cqw / CANVAS_W), calc(100cqh / CANVAS_H));
  position: relative; box-sizing: border-box; width: CANVAS_Wu; height: CANVAS_Hu; margin: 0 auto;
  overflow: hidden; display: flex; flex-direction: column; gap: 16u; color: #0B0C0C;
  background: #FFFFFF; font-size: 30u; line-height: 1.3; padding: 16u 0 0 0; }
.hd-slide * { box-sizing: border-box; }
.hd-slide p, .hd-slide ul, .hd-slide li, .hd-slide span { font-size: inherit !important;
  line-height: 1.3 !important; }
.hd-slide p, .hd-slide ul, .hd-slide li { margin: 0 !important; padding: 0; }
.hd-top { display: flex; justify-content: space-between; align-items: center; gap: 32u;
  border-bottom: 6u solid #12436D; padding-bottom: 10u; font-size: 28u !important;
  flex-shrink: 0; }
.hd-top > span { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; min-width: 0; }
.hd-top .hd-when { font-weight: 700; flex-shrink: 0; }
.hd-slide .hd-draft { flex-shrink: 0; padding: 0 16u; background: #D4351C; color: #FFFFFF;
  font-weight: 700; font-size: 36u !important; letter-spacing: 1u; border-radius: 6u; }
.hd-slide > * { position: relative; z-index: 1; }
.hd-slide.hd-is-draft::after { content: "DRAFT"; position: absolute; z-index: 0; left: 50%; top: 55%;
  transform: translate(-50%, -50%) rotate(-18deg); font-size: 300u; font-weight: 800;
  color: rgba(212, 53, 28, 0.09); pointer-events: none; letter-spacing: 20u; }
.hd-slide .hd-note { padding: 2u 16u; background: #FFF2CC; border-left: 8u solid #B35C00;
  font-size: 28u !important; flex-shrink: 0; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.hd-slide .hd-caveats { background: #EEF3F8; border-left-color: #12436D; white-space: normal; }
.hd-slide h1 { font-size: 52u !important; line-height: 1.1 !important; margin: 0 !important;
  padding: 0 !important; font-weight: 700 !important; color: #0B0C0C; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; flex-shrink: 0; }
.hd-slide h2 { font-size: 36u !important; line-height: 1.2 !important; margin: 0 0 12u 0 !important;
  padding: 0 !important; font-weight: 700 !important; color: #12436D; }
.hd-body { display: flex; flex-direction: column; gap: 20u; min-height: 0; }
.hd-grid { display: grid; grid-template-columns: 40% 1fr; gap: 40u; min-height: 0; }
.hd-cards { display: flex; flex-direction: column; gap: 16u; }
.hd-beside { display: flex; flex-direction: column; gap: 20u; min-width: 0; }
.hd-card { border: 2u solid #B1B4B6; border-radius: 8u; padding: 12u 18u; }
.hd-card h2 .hd-total { color: #0B0C0C; }
.hd-bar { display: flex; width: 100%; height: 56u; border-radius: 4u; overflow: hidden; }
.hd-seg { display: flex; align-items: center; justify-content: center; min-width: 56u;
  color: #FFFFFF; font-weight: 700; font-size: 32u; border-right: 3u solid #FFFFFF; }
.hd-seg:last-child { border-right: 0; }
.hd-slide .hd-legend { list-style: none; margin: 8u 0 0 0 !important; display: flex;
  flex-wrap: wrap; column-gap: 28u; row-gap: 4u; font-size: 28u !important; }
.hd-legend .hd-icon { font-weight: 700; }
.hd-list { list-style: none; display: flex; flex-direction: column; gap: 12u; }
.hd-list li { display: flex; align-items: flex-start; gap: 14u; }
.hd-list .hd-badge { flex: 0 0 170u; padding: 0 10u; border-radius: 6u; color: #FFFFFF;
  font-weight: 700; text-align: center; white-space: nowrap; }
.hd-actions .hd-badge { flex-basis: 290u; }
.hd-list .hd-text { flex: 1 1 auto; min-width: 0; }
.hd-list .hd-main { display: block; }
.hd-list .hd-comment { display: block; color: #3D3D3D; }
.hd-list .hd-mark { flex: 0 0 auto; font-weight: 700; }
.hd-ach .hd-mark { color: #00703C; }
.hd-imp .hd-mark { color: #B35C00; }
.hd-fig { font-weight: 700; }
.hd-empty { color: #3D3D3D; font-style: italic; }
.hd-lines { font-size: 32u; }
.hd-overview .hd-cards { gap: 32u; }
.hd-slide.hd-overview .hd-card h2 { font-size: 44u !important; }
.hd-overview .hd-bar { height: 96u; }
.hd-overview .hd-seg { font-size: 40u; min-width: 72u; }
.hd-slide.hd-overview .hd-legend { font-size: 32u !important; }
</style>
"""


def _units(css: str) -> str:
    css = css.replace("CANVAS_W", str(CANVAS_W)).replace("CANVAS_H", str(CANVAS_H))
    return re.sub(r"(?<![\w.#-])(\d+(?:\.\d+)?)u\b", r"calc(\1 * var(--u))", css)


SLIDE_CSS = _units(_SLIDE_CSS_U)


def _e(text: object) -> str:
    return escape_html(text)


def _bar_html(bar: Bar, heading: str = "h2") -> str:
    if bar.total == 0:
        body = f'<p class="hd-empty">No {_e(bar.noun)} match these filters.</p>'
    else:
        segs = "".join(
            f'<div class="hd-seg" style="flex: {s.count} 1 0; background: {s.colour};">'
            f"{s.count}</div>"
            for s in bar.segments
            if s.count
        )
        legend = "".join(
            f'<li><span class="hd-icon" aria-hidden="true">{_e(s.icon)}</span> '
            f"{_e(counted(s.count, s.word))}</li>"
            for s in bar.segments
            if s.count
        )
        body = (
            f'<div class="hd-bar" role="img" aria-label="{_e(bar.sentence)}">{segs}</div>'
            f'<ul class="hd-legend">{legend}</ul>'
        )
    return (
        f'<section class="hd-card"><{heading}>{_e(bar.title)}: '
        f'<span class="hd-total">{bar.total}</span></{heading}>{body}</section>'
    )


_LIST_CLASS = {
    "attention": "hd-att",
    "challenges": "hd-att",
    "actions": "hd-actions",
    "achievements": "hd-ach",
    "improvements": "hd-imp",
    "callout": "hd-att",
    "followup": "hd-actions",
    "redactions": "hd-att",
}
_MARKS = {"achievements": "\u2714", "improvements": "\u25b6"}


def _item_html(item: Item, kind: str) -> str:
    if item.badge:
        lead = (
            f'<span class="hd-badge" style="background: {item.colour};">'
            f"{_e(item.icon)} {_e(item.badge)}</span>"
        )
    else:
        lead = f'<span class="hd-mark" aria-hidden="true">{_MARKS.get(kind, "")}</span>'
    main = _e(item.text)
    if item.figure:
        main += f': <span class="hd-fig">{_e(item.figure)}</span> against {_e(item.target)}'
    note = f'<span class="hd-comment">{_e(item.note)}</span>' if item.note else ""
    if item.standing:
        note += (
            f'<span class="hd-comment hd-standing"><span aria-hidden="true">\u25c6</span> '
            f"{_e(item.standing)}</span>"
        )
    return f'<li>{lead}<span class="hd-text"><span class="hd-main">{main}</span>{note}</span></li>'


def _section_html(section: Section) -> str:
    if not section.items:
        body = f'<p class="hd-empty">{_e(section.empty)}</p>'
    else:
        lis = "".join(_item_html(i, section.kind) for i in section.items)
        body = f'<ul class="hd-list {_LIST_CLASS.get(section.kind, "")}">{lis}</ul>'
    return f'<section class="hd-section hd-{section.kind}"><h2>{_e(section.heading)}</h2>{body}</section>'


def slide_html(
    slide: Slide,
    count: int,
    period: Period,
    illustrative: bool,
    scope: Sequence[str] = (),
    caveats: Sequence[str] = (),
    draft: bool = False,
) -> str:
    """One slide as HTML (styled by :data:`SLIDE_CSS`). ``scope`` is the filters in words, shown
    in the top band when the deck is filtered; ``caveats`` (what a filter could not do:
    :func:`harrow_dash.rules.scope.short_caveats`) get a note of their own below it on the summary slide
    (the one slide whose content leaves room for it: the others are filled to the budget by
    :func:`paginate`, which counts only the one-line illustrative note); ``draft`` marks a
    slide drawn from figures that are not yet published, in the top band and across the slide."""
    when = f"{period.long_label}, {period.as_at}"
    scope_text = (
        f'<span class="hd-scope">{_e("; ".join(scope))}</span>' if scope else "<span></span>"
    )
    first = (
        f'<span class="hd-draft">{_e(DRAFT_MARK)}</span>'
        if draft
        else f"<span>{_e(COUNCIL_NAME)} \u00b7 Cabinet performance report</span>"
    )
    top = f'<div class="hd-top">{first}{scope_text}<span class="hd-when">{_e(when)}</span></div>'
    note = (
        f'<p class="hd-note"><span aria-hidden="true">\u26a0</span> {_e(ILLUSTRATIVE_SHORT)}</p>'
        if illustrative
        else ""
    )
    if caveats and slide.kind == "overview":
        note += (
            f'<p class="hd-note hd-caveats"><strong>Note:</strong> {_e("; ".join(caveats))}.</p>'
        )
    if slide.kind == "overview":
        cards = "".join(_bar_html(b) for b in slide.bars)
        lines = "".join(f"<p>{_e(line)}</p>" for line in slide.lines)
        body = f'<div class="hd-cards">{cards}</div>' + (
            f'<div class="hd-lines">{lines}</div>' if lines else ""
        )
    elif slide.kind == "priority":
        cards = "".join(_bar_html(b) for b in slide.bars)
        sections = "".join(_section_html(s) for s in slide.sections)
        body = (
            f'<div class="hd-grid"><div class="hd-cards">{cards}</div>'
            f'<div class="hd-beside">{sections}</div></div>'
        )
    else:
        body = "".join(_section_html(s) for s in slide.sections)
    label = f"Slide {slide.number} of {count}: {slide.title}"
    if draft:
        label += f" ({DRAFT_MARK})"
    classes = f"hd-slide hd-{slide.kind}" + (" hd-is-draft" if draft else "")
    return (
        f'<article class="{classes}" aria-roledescription="slide" aria-label="{_e(label)}">'
        f'{top}{note}<h1>{_e(slide.title)}</h1><div class="hd-body">{body}</div></article>'
    )
