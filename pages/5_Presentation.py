"""Cabinet presentation: the quarter as slides for the meeting-room screen, read from across a room.

One slide per view (the overview, each priority over as many slides as its lists need, the key
challenges), large type, no sidebar, toolbar or scrolling; the slide scales to the window. Move with
the arrow keys or Page Up / Page Down (what presentation clickers send), Home / End, or the buttons at
the bottom, whatever was clicked last; optionally advance automatically. F (or the "Full text" button)
opens everything on the slide in full: commentary a slide shortens at a sentence end ("(more)"). The quarter is the frame's
(``?quarter=``); this page's own choices are in the URL too: ``?slide=2`` and ``?draft=1`` (an editor
presenting figures not yet published, every slide marked as a draft). Slide content comes from
harrow_dash.outputs.slides (pure); this file only lays it out and handles the keys.
"""

from __future__ import annotations

import streamlit as st

from harrow_dash.outputs import slides
from harrow_dash.rules.scope import short_caveats, short_scope
from harrow_dash.rules.suppression import SmallNumbers
from harrow_dash.store import publishing
from harrow_dash.ui import data, presentation_data
from harrow_dash.ui.components import empty_state, text
from harrow_dash.ui.frame import page_frame, page_link

SLIDE_PARAM = "slide"
DRAFT_PARAM = "draft"
COUNT_KEY = "_presentation_slide_count"
KEYS_KEY = "presentation_keys"
ADVANCE_KEY = "presentation_advance"
DRAFTS_KEY = "presentation_drafts"
COUNTER_WIDTH = 190  # px: "Slide 100 of 120" in bold 20px

# Hide Streamlit's chrome on this page only: sidebar (the filters still apply, from the URL), its
# toggle, the header and toolbar. The page is one column the height of the window: notes (if any),
# the slide, the presenter's controls. The slide's element is a CSS size container, so the slide
# (slides.SLIDE_CSS) scales its canvas to whatever height the notes and controls leave.
CHROME_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"] { display: none !important; }
[data-testid="stMain"] { overflow: hidden; }
[data-testid="stMainBlockContainer"] { padding: 0 40px 0 40px !important; max-width: none !important;
  height: 100vh; }
[data-testid="stMainBlockContainer"] > div,
[data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"] { height: 100%; }
[data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"] { gap: 0 !important;
  flex-wrap: nowrap !important; }
[data-testid="stElementContainer"]:has(.hd-slide) { flex: 1 1 0; min-height: 0; width: 100%;
  container-type: size; }
[data-testid="stElementContainer"]:has(.hd-slide) > div { height: 100%; }
.st-key-presentation_controls { flex: 0 0 auto; min-height: 72px; align-items: center;
  border-top: 2px solid #B1B4B6; margin-top: 8px; row-gap: 0 !important; }
/* One row down to 1280 px wide: the controls 0.5rem apart, the way out at the row's far end. */
.st-key-presentation_controls > :last-child { margin-left: auto; }
.st-key-presentation_controls button, .st-key-presentation_controls a,
.st-key-presentation_controls p, .st-key-presentation_controls [data-testid="stSelectbox"] * {
  font-size: 20px !important; }
[data-testid="stDialog"] [data-testid="stMarkdownContainer"] p { font-size: 20px !important;
  line-height: 1.5 !important; }
[data-testid="stDialog"] [data-testid="stCaptionContainer"] p { font-size: 18px !important; }
[data-testid="stDialog"] h3 { font-size: 26px !important; }
</style>
"""

# Keyboard and auto-advance: a tiny component that listens on the whole page and sends
# "next"/"prev"/"first"/"last" (or "auto" on a timer) to Python. It listens in the capture phase, so a
# control that handles arrow keys itself (a switch, a closed dropdown, a button just clicked) cannot
# swallow the clicker's keys; only typing into a text field and an open dropdown list keep them.
# (st.button's ``shortcut`` takes one key per button, and clickers send Page Up / Page Down as well
# as the arrows, so one listener does all.)
KEYS_JS = """
export default function (component) {
  const { data, setTriggerValue } = component;
  const hold = window.__harrowSlides || (window.__harrowSlides = {});
  const actions = { ArrowRight: "next", PageDown: "next", ArrowLeft: "prev", PageUp: "prev",
                    Home: "first", End: "last" };
  const typing = 'textarea, select, [contenteditable="true"], [role="listbox"], [role="option"], ' +
    '[role="combobox"][aria-expanded="true"], ' +
    'input:not([type]):not([role="combobox"]), input[type="text"]:not([role="combobox"]), ' +
    'input[type="search"], input[type="number"], input[type="email"], input[type="password"]';
  const onKey = (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    const action = actions[event.key];
    if (!action) return;
    const target = event.target;
    if (target && target.closest && target.closest(typing)) return;
    event.preventDefault();
    event.stopPropagation();
    // Leave no control focused, so the next key (or a Space) goes to the slides, not the control.
    const active = document.activeElement;
    if (active && active !== document.body && active.blur) active.blur();
    setTriggerValue("nav", action);
  };
  if (hold.onKey) document.removeEventListener("keydown", hold.onKey, true);
  hold.onKey = onKey;
  document.addEventListener("keydown", onKey, true);
  if (hold.timer) clearInterval(hold.timer);
  hold.timer = null;
  const seconds = Number((data && data.interval) || 0);
  // After choosing an interval, give the keys back to the slides (not the dropdown).
  const active = document.activeElement;
  if (hold.interval !== undefined && hold.interval !== seconds && active && active.closest &&
      active.closest('[data-testid="stSelectbox"]')) {
    active.blur();
  }
  hold.interval = seconds;
  if (seconds > 0) {
    hold.timer = setInterval(() => setTriggerValue("nav", "auto"), seconds * 1000);
  }
  return () => {
    document.removeEventListener("keydown", onKey, true);
    if (hold.timer) clearInterval(hold.timer);
    hold.onKey = null;
    hold.timer = null;
  };
}
"""
_keys = st.components.v2.component(
    "harrow_slide_keys", html='<span class="harrow-slide-keys"></span>', js=KEYS_JS
)


def _current() -> int:
    return slides.parse_slide(st.query_params.get(SLIDE_PARAM), st.session_state.get(COUNT_KEY, 1))


def _go(action: str) -> None:
    count = st.session_state.get(COUNT_KEY, 1)
    st.query_params[SLIDE_PARAM] = str(slides.navigate(_current(), count, action))


def _on_key() -> None:
    state = st.session_state.get(KEYS_KEY)
    action = getattr(state, "nav", None) if state is not None else None
    if action is None and isinstance(state, dict):
        action = state.get("nav")
    if action in slides.NAV_ACTIONS:
        _go(str(action))


@st.dialog("Full text of this slide", width="large")
def _full_text(slide: slides.Slide, small_numbers: SmallNumbers) -> None:
    """Every item on the slide with its commentary in full (text from files shown as text), then
    what a hidden count on the slide can hold (the one small-numbers rule's words)."""
    st.caption(slide.title)
    sections = slides.full_text(slide)
    if not any(rows for _, rows in sections):
        st.write("This slide has no lists: everything on it is shown in full.")
    for heading, rows in sections:
        st.subheader(heading, anchor=False)
        if not rows:
            st.caption("Nothing listed.")
        for main, note in rows:
            text(main, prefix="\u2022 ")
            if note:
                text(note)
    st.caption(small_numbers.note)


def _set_draft(on: bool) -> None:
    if on:
        st.query_params[DRAFT_PARAM] = "1"
    elif DRAFT_PARAM in st.query_params:
        del st.query_params[DRAFT_PARAM]


def _on_draft_toggle() -> None:
    _set_draft(bool(st.session_state.get(DRAFTS_KEY)))


# The frame may rewrite the query string (filters), so read this page's own choices first.
requested = st.query_params.get(SLIDE_PARAM)
wants_draft = slides.parse_flag(st.query_params.get(DRAFT_PARAM))
ctx = page_frame("Cabinet presentation", sidebar=False, header=False)
st.html(CHROME_CSS)
st.html(slides.SLIDE_CSS)

# Cabinet sees published figures; an editor may choose to present the draft (?draft=1).
may_draft = publishing.may_choose_drafts(ctx.user, ctx.settings.public_mode)
show_drafts = may_draft and wants_draft
st.session_state[DRAFTS_KEY] = show_drafts
if st.query_params.get(DRAFT_PARAM) is not None and not show_drafts:
    _set_draft(False)  # a viewer's link with ?draft=1: drafts are not theirs to show
elif show_drafts and st.query_params.get(DRAFT_PARAM) != "1":
    _set_draft(True)
published = data.published(ctx.store_url)
visible = publishing.visible_among(
    ctx.options.periods, published, ctx.user, ctx.settings.public_mode, include_drafts=show_drafts
)
period, fallback_note = publishing.choose_period(visible, ctx.period)

if period is None:
    # Nothing published (and the draft not chosen): say exactly that.
    st.title("Cabinet presentation", anchor=False)
    st.warning(
        "No quarter has been published yet, so there is nothing to present to Cabinet. "
        + (
            "As an editor you can present the draft figures now (every slide is marked as a "
            "draft), or publish the quarter on the Data page."
            if may_draft
            else "An editor publishes quarters on the Data page."
        ),
        icon=":material/info:",
    )
    if may_draft and ctx.options.periods:
        draft_period = ctx.period or ctx.options.periods[-1]
        st.button(
            f"Present the draft of {draft_period.label}",
            type="primary",
            icon=":material/slideshow:",
            on_click=_set_draft,
            args=(True,),
            key="present_draft",
        )
        page_link("pages/6_Data.py", label="Publish on the Data page", icon=":material/publish:")
    page_link("app.py", label="Back to the overview", icon=":material/arrow_back:")
    st.stop()

filtered = [
    line
    for line in ctx.filters.describe(ctx.priority_names)
    if not line.startswith("Quarter:") and not line.startswith("All ")
]
view = presentation_data.shown(ctx.store_url, ctx.filters.with_period(period), ctx.rules, requested)
if view is None or view.slide is None:
    st.title("Cabinet presentation", anchor=False)
    if fallback_note:
        st.info(fallback_note, icon=":material/info:")
    empty_state(
        f"There is nothing to present for {period.label}: no indicators or flagship actions "
        "match these filters. Open the Overview, choose other filters, then come back to this page."
        if filtered
        else f"There is nothing to present for {period.label}: nothing has been reported for "
        "that quarter yet."
    )
    if may_draft:
        st.toggle("Draft figures", key=DRAFTS_KEY, on_change=_on_draft_toggle)
    page_link("app.py", label="Back to the overview", icon=":material/arrow_back:")
    st.stop()

if fallback_note:
    st.info(
        fallback_note
        + (" Switch on \u201cDraft figures\u201d below to present it." if may_draft else ""),
        icon=":material/info:",
    )

count, number, this_slide = view.count, view.number, view.slide
st.session_state[COUNT_KEY] = count
if st.query_params.get(SLIDE_PARAM) != str(number):
    st.query_params[SLIDE_PARAM] = str(number)

scope = short_scope(ctx.filters, ctx.priority_names)
caveats = short_caveats(ctx.filters, view.unplaced_highlights)
st.html(
    slides.slide_html(
        this_slide,
        count,
        period,
        data.is_illustrative(ctx.store_url),
        scope,
        caveats,
        draft=period not in published,
    )
)

advance_labels = list(slides.AUTO_ADVANCE)
with st.container(
    horizontal=True, vertical_alignment="center", gap="xsmall", key="presentation_controls"
):
    st.button(
        "Previous",
        icon=":material/arrow_back:",
        on_click=_go,
        args=("prev",),
        disabled=number <= 1,
        key="slide_prev",
        help="Previous slide (Left arrow or Page Up)",
    )
    # A fixed width, so the buttons after it stay put as the count grows from 9 to 10 and 99 to 100.
    st.markdown(
        f"**Slide {number} of {count}**",
        width=COUNTER_WIDTH,
        text_alignment="center",
        wrap=False,
    )
    st.button(
        "Next",
        icon=":material/arrow_forward:",
        on_click=_go,
        args=("next",),
        disabled=number >= count,
        key="slide_next",
        help="Next slide (Right arrow or Page Down)",
    )
    show_full = st.button(
        "Full text",
        icon=":material/article:",
        key="slide_full_text",
        shortcut="F",
        help="Everything on this slide in full, commentary included (F)",
    )
    choice = st.selectbox(
        "Auto-advance",
        advance_labels,
        key=ADVANCE_KEY,
        width=240,
        label_visibility="collapsed",
        help="Move to the next slide automatically (after the last slide, start again)",
    )
    if may_draft:
        st.toggle(
            "Draft figures",
            key=DRAFTS_KEY,
            on_change=_on_draft_toggle,
            help="Present figures not yet published (every slide is marked as a draft)",
        )
    page_link("app.py", label="Exit presentation", icon=":material/close:")
# Outside the row of controls: it shows nothing, and there it took a place in the row.
_keys(
    key=KEYS_KEY,
    # The slide number restarts the timer whenever the slide changes.
    data={"interval": slides.AUTO_ADVANCE.get(choice or "", 0), "slide": number},
    on_nav_change=_on_key,
    width="content",
)
if show_full:
    _full_text(this_slide, ctx.rules.small_numbers)
