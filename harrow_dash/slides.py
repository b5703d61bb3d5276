"""The Cabinet presentation, without Streamlit: which slides there are, what each says, and the HTML
that shows it at 1920x1080 from across a room.

A deck is one overview slide (all flagship actions and all indicators by RAG) then one slide per
priority: its two RAG summaries, the indicators that need attention (Red, then Amber) and its key
achievements. Each slide carries a bounded amount of text (a few items, long texts shortened), so it
always fits the screen without scrolling; what does not fit is counted ("and 2 more: see the briefing
pack").

User text (indicator names, achievements) is escaped with :func:`html.escape` before it goes into the
HTML; the HTML and CSS here are ours.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from harrow_dash.action_status import ACTION_GROUPS
from harrow_dash.palette import ACTION_COLOURS, ACTION_GROUP_WORDS, RAG_COLOURS, RAG_WORDS
from harrow_dash.periods import Period
from harrow_dash.plan import COUNCIL_NAME, ILLUSTRATIVE_SHORT
from harrow_dash.scorecard import RAG_ICONS, RAG_ORDER
from harrow_dash.views import Overview, PrioritySummary

MAX_ATTENTION = 5
MAX_ACHIEVEMENTS = 3
MAX_TEXT = 150  # characters of user text on a slide before it is shortened

ACTION_ICONS = {
    "Complete": "\u2605",  # star
    "Green": "\u2714",
    "Amber": "\u25b2",
    "Red": "\u2716",
    "Not started / not yet due": "\u25cb",
}
ATTENTION_RAGS = ("Red", "Amber")

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
        parts = [f"{s.count} {s.word}" for s in self.segments if s.count]
        return f"{self.total} {self.noun}: " + (", ".join(parts) if parts else "none") + "."


@dataclass(frozen=True)
class AttentionItem:
    ref: str
    name: str
    rag: str
    actual_text: str
    target_text: str
    travel_text: str


@dataclass(frozen=True)
class Slide:
    number: int  # 1-based
    kind: str  # "overview" | "priority"
    title: str
    bars: tuple[Bar, ...]
    lines: tuple[str, ...] = ()  # extra sentences of ours (overview)
    attention: tuple[AttentionItem, ...] = ()
    attention_more: int = 0
    achievements: tuple[str, ...] = ()
    achievements_more: int = 0
    priority_id: int | None = None


@dataclass(frozen=True)
class Deck:
    period: Period
    slides: tuple[Slide, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.slides)

    def slide(self, number: int) -> Slide:
        return self.slides[clamp(number, len(self.slides)) - 1]


# -- building the deck ------------------------------------------------------------------------------


def shorten(text: object, limit: int = MAX_TEXT) -> str:
    """User text cut at a word boundary to at most ``limit`` characters, with an ellipsis if cut."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    value = " ".join(str(text).split())
    if len(value) <= limit:
        return value
    cut = value[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-\u2013 ")
    return (cut or value[: limit - 1]) + "\u2026"


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


def _attention_items(frame: pd.DataFrame) -> list[AttentionItem]:
    return [
        AttentionItem(
            ref=str(r.ref),
            name=shorten(r.name, 90),
            rag=str(r.rag),
            actual_text=shorten(r.actual_text, 40),
            target_text=shorten(r.target_text, 40),
            travel_text=shorten(getattr(r, "travel_text", ""), 40),
        )
        for r in frame.itertuples()
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


# The slide's vertical budget at 1920x1080, in CSS pixels, measured from SLIDE_CSS in Chromium: what
# is left below the header, the illustrative note and the title, and the height of each part.
# :func:`fit` keeps the estimated height within it, so no slide needs to scroll or loses text.
BUDGET_PX = 766
LINE_PX = 39  # one line of 30px text
HEADING_PX = 52  # an h2 with its margin
ITEM_GAP_PX = 10
SECTION_GAP_PX = 16
CARDS_PX = 446  # the two RAG cards, both legends on two lines
ATTENTION_CHARS_PER_LINE = 60  # beside the RAG badge, in the right-hand column
ACHIEVEMENT_CHARS_PER_LINE = 110  # full width


def _lines(text: str, per_line: int) -> int:
    return max(1, min(2, -(-len(text) // per_line)))  # list items are clamped to two lines


def _list_px(lines: list[int], more: bool) -> int:
    n = len(lines) + (1 if more else 0)
    return HEADING_PX + LINE_PX * (sum(lines) + (1 if more else 0)) + ITEM_GAP_PX * max(0, n - 1)


def attention_text(item: AttentionItem) -> str:
    return f"{item.name}: {item.actual_text} against {item.target_text}"


def fit(attention: Sequence[AttentionItem], achievements: Sequence[str]) -> tuple[int, int]:
    """How many attention items and achievements fit on one slide (at most MAX_ATTENTION and
    MAX_ACHIEVEMENTS): achievements give way first (down to one), then attention items (down to
    two), so the Red indicators stay on screen."""
    att_lines = [_lines(attention_text(a), ATTENTION_CHARS_PER_LINE) for a in attention]
    ach_lines = [_lines(t, ACHIEVEMENT_CHARS_PER_LINE) for t in achievements]
    n_att = min(len(attention), MAX_ATTENTION)
    n_ach = min(len(achievements), MAX_ACHIEVEMENTS)

    def height(na: int, nh: int) -> int:
        right = _list_px(att_lines[:na], na < len(attention)) if attention else HEADING_PX + LINE_PX
        grid = max(CARDS_PX, right)
        ach = (
            _list_px(ach_lines[:nh], nh < len(achievements))
            if achievements
            else HEADING_PX + LINE_PX
        )
        return grid + SECTION_GAP_PX + ach

    while height(n_att, n_ach) > BUDGET_PX:
        if n_ach > 1:
            n_ach -= 1
        elif n_att > 2:
            n_att -= 1
        elif n_ach > 0:
            n_ach -= 1
        else:
            break
    return n_att, n_ach


def _priority_slide(number: int, ov: Overview, ps: PrioritySummary) -> Slide:
    attention = _attention_items(needs_attention(ov.indicators, ps.priority_id))
    hl = ov.highlights
    achievements: list[str] = []
    if len(hl):
        mine = hl[(hl["priority_id"] == ps.priority_id) & (hl["kind"] == "achievement")]
        achievements = [shorten(t) for t in mine["text"] if shorten(t)]
    n_att, n_ach = fit(attention, achievements)
    return Slide(
        number=number,
        kind="priority",
        title=f"Priority {ps.priority_id}: {ps.name}",
        bars=(
            action_bar(ps.action_counts, "Flagship actions", "flagship action lines"),
            rag_bar(ps.indicator_counts, "Performance indicators", "indicators"),
        ),
        attention=tuple(attention[:n_att]),
        attention_more=len(attention) - n_att,
        achievements=tuple(achievements[:n_ach]),
        achievements_more=len(achievements) - n_ach,
        priority_id=ps.priority_id,
    )


def build_deck(ov: Overview) -> Deck:
    """The overview slide, then one slide per priority in the overview (the filters' priorities)."""
    first = Slide(
        number=1,
        kind="overview",
        title="Summary of performance",
        bars=(
            action_bar(ov.action_counts, "Flagship actions", "flagship action lines"),
            rag_bar(ov.indicator_counts, "Performance indicators", "indicators"),
        ),
        lines=(_changes_line(ov),),
    )
    rest = [_priority_slide(i, ov, ps) for i, ps in enumerate(ov.priorities, start=2)]
    return Deck(ov.period, (first, *rest))


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

SLIDE_CSS = """
<style>
/* Streamlit styles headings, paragraphs and list items itself (some with !important), so the slide's
   sizes are !important too. Every text on a slide is at least 28px. */
.hd-slide { box-sizing: border-box; height: calc(100vh - 96px); overflow: hidden;
  display: flex; flex-direction: column; gap: 16px; color: #0B0C0C; background: #FFFFFF;
  font-size: 30px; line-height: 1.3; padding: 16px 8px 0 8px; }
.hd-slide * { box-sizing: border-box; }
.hd-slide p, .hd-slide ul, .hd-slide li, .hd-slide span { font-size: inherit !important;
  line-height: 1.3 !important; }
.hd-slide p, .hd-slide ul, .hd-slide li { margin: 0 !important; padding: 0; }
.hd-top { display: flex; justify-content: space-between; align-items: baseline; gap: 32px;
  border-bottom: 6px solid #12436D; padding-bottom: 10px; font-size: 28px !important; }
.hd-top > span { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; min-width: 0; }
.hd-top .hd-when { font-weight: 700; flex-shrink: 0; }
.hd-slide .hd-note { padding: 4px 16px; background: #FFF2CC; border-left: 8px solid #B35C00;
  font-size: 28px !important; }
.hd-slide h1 { font-size: 52px !important; line-height: 1.1 !important; margin: 0 !important;
  padding: 0 !important; font-weight: 700 !important; color: #0B0C0C; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; flex-shrink: 0; }
.hd-slide h2 { font-size: 36px !important; line-height: 1.2 !important; margin: 0 0 8px 0 !important;
  padding: 0 !important; font-weight: 700 !important; color: #12436D; }
.hd-grid { display: grid; grid-template-columns: 40% 1fr; gap: 40px; min-height: 0; }
.hd-cards { display: flex; flex-direction: column; gap: 16px; }
.hd-card { border: 2px solid #B1B4B6; border-radius: 8px; padding: 12px 18px; }
.hd-card h2 .hd-total { color: #0B0C0C; }
.hd-bar { display: flex; width: 100%; height: 56px; border-radius: 4px; overflow: hidden; }
.hd-seg { display: flex; align-items: center; justify-content: center; min-width: 56px;
  color: #FFFFFF; font-weight: 700; font-size: 32px; border-right: 3px solid #FFFFFF; }
.hd-seg:last-child { border-right: 0; }
.hd-slide .hd-legend { list-style: none; margin: 8px 0 0 0 !important; display: flex;
  flex-wrap: wrap; column-gap: 28px; row-gap: 4px; font-size: 28px !important; }
.hd-legend .hd-icon { font-weight: 700; }
.hd-list { list-style: none; display: flex; flex-direction: column; gap: 10px; }
.hd-list li { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
  overflow: hidden; }
.hd-badge { display: inline-block; min-width: 140px; padding: 0 10px; margin-right: 14px;
  border-radius: 6px; color: #FFFFFF; font-weight: 700; text-align: center; }
.hd-fig { font-weight: 700; }
.hd-more, .hd-empty { color: #3D3D3D; font-style: italic; }
.hd-lines { font-size: 32px; }
.hd-overview .hd-cards { gap: 32px; }
.hd-slide.hd-overview .hd-card h2 { font-size: 44px !important; }
.hd-overview .hd-bar { height: 96px; }
.hd-overview .hd-seg { font-size: 40px; min-width: 72px; }
.hd-slide.hd-overview .hd-legend { font-size: 32px !important; }
.hd-ach li::before { content: "\\2714\\00a0"; font-weight: 700; color: #00703C; }
.hd-ach li.hd-more::before { content: ""; }
</style>
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


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
            f"{s.count} {_e(s.word)}</li>"
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


def _attention_html(slide: Slide) -> str:
    if not slide.attention:
        items = '<p class="hd-empty">No indicator in this priority is rated Red or Amber.</p>'
    else:
        lis = "".join(
            f"<li>"
            f'<span class="hd-badge" style="background: {RAG_COLOURS.get(a.rag, "#6F777B")};">'
            f"{_e(RAG_ICONS.get(a.rag, ''))} {_e(a.rag)}</span>"
            f'{_e(a.name)}: <span class="hd-fig">{_e(a.actual_text)}</span> '
            f"against {_e(a.target_text)}</li>"
            for a in slide.attention
        )
        more = (
            f'<li class="hd-more">and {slide.attention_more} more: see the briefing pack</li>'
            if slide.attention_more
            else ""
        )
        items = f'<ul class="hd-list">{lis}{more}</ul>'
    return f"<section><h2>Needs attention</h2>{items}</section>"


def _achievements_html(slide: Slide) -> str:
    if not slide.achievements:
        body = '<p class="hd-empty">No achievements have been recorded for this quarter.</p>'
    else:
        lis = "".join(f"<li>{_e(t)}</li>" for t in slide.achievements)
        more = (
            f'<li class="hd-more">and {slide.achievements_more} more: see the briefing pack</li>'
            if slide.achievements_more
            else ""
        )
        body = f'<ul class="hd-list hd-ach">{lis}{more}</ul>'
    return f"<section><h2>Key achievements</h2>{body}</section>"


def slide_html(
    slide: Slide, count: int, period: Period, illustrative: bool, scope: Sequence[str] = ()
) -> str:
    """One slide as HTML (styled by :data:`SLIDE_CSS`). ``scope`` is the filters in words, shown
    in the top band when the deck is filtered."""
    when = f"{period.long_label}, {period.as_at}"
    scope_text = (
        f'<span class="hd-scope">{_e("; ".join(scope))}</span>' if scope else "<span></span>"
    )
    top = (
        f'<div class="hd-top"><span>{_e(COUNCIL_NAME)} \u00b7 Cabinet performance report</span>'
        f'{scope_text}<span class="hd-when">{_e(when)}</span></div>'
    )
    note = (
        f'<p class="hd-note"><span aria-hidden="true">\u26a0</span> {_e(ILLUSTRATIVE_SHORT)}</p>'
        if illustrative
        else ""
    )
    if slide.kind == "overview":
        cards = "".join(_bar_html(b) for b in slide.bars)
        lines = "".join(f"<p>{_e(line)}</p>" for line in slide.lines)
        body = f'<div class="hd-cards">{cards}</div>' + (
            f'<div class="hd-lines">{lines}</div>' if lines else ""
        )
    else:
        cards = "".join(_bar_html(b) for b in slide.bars)
        body = (
            f'<div class="hd-grid"><div class="hd-cards">{cards}</div>'
            f"{_attention_html(slide)}</div>{_achievements_html(slide)}"
        )
    label = f"Slide {slide.number} of {count}: {slide.title}"
    return (
        f'<article class="hd-slide hd-{slide.kind}" aria-roledescription="slide" '
        f'aria-label="{_e(label)}">{top}{note}<h1>{_e(slide.title)}</h1>{body}</article>'
    )
