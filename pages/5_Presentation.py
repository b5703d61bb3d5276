"""Cabinet presentation: the quarter as slides for a 1920x1080 screen read from across a room.

One slide per view (the overview, then each priority), large type, no sidebar, toolbar or scrolling.
Move with the arrow keys or Page Up / Page Down (what presentation clickers send), Home / End, or the
buttons at the bottom; optionally advance automatically. The slide number is in the URL (``?slide=2``)
next to the filters, so a link opens the same slide of the same view. Slide content comes from
harrow_dash.slides (pure); this file only lays it out and handles the keys.
"""

from __future__ import annotations

import streamlit as st

from harrow_dash import publishing, slides
from harrow_dash.scope import short_scope
from harrow_dash.ui import data
from harrow_dash.ui.components import empty_state
from harrow_dash.ui.frame import page_frame

SLIDE_PARAM = "slide"
COUNT_KEY = "_presentation_slide_count"
KEYS_KEY = "presentation_keys"
ADVANCE_KEY = "presentation_advance"

# Hide Streamlit's chrome on this page only: sidebar (the filters still apply, from the URL), its
# toggle, the header and toolbar; the slide fills the screen.
CHROME_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"] { display: none !important; }
[data-testid="stMain"] { overflow: hidden; }
[data-testid="stMainBlockContainer"] { padding: 0 40px 0 40px !important; max-width: none !important; }
[data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"] { gap: 0 !important; }
.st-key-presentation_controls { height: 80px; align-items: center; border-top: 2px solid #B1B4B6;
  margin-top: 8px; }
.st-key-presentation_controls button, .st-key-presentation_controls a,
.st-key-presentation_controls p, .st-key-presentation_controls [data-testid="stSelectbox"] * {
  font-size: 20px !important; }
</style>
"""

# Keyboard and auto-advance: a tiny component that listens on the page (not only on itself) and
# sends "next"/"prev"/"first"/"last" (or "auto" on a timer) to Python. Keys typed into a form
# control (the auto-advance choice) are left alone. (st.button's ``shortcut`` takes one key per
# button, and clickers send Page Up / Page Down as well as the arrows, so one listener does all.)
KEYS_JS = """
export default function (component) {
  const { data, setTriggerValue } = component;
  const hold = window.__harrowSlides || (window.__harrowSlides = {});
  const actions = { ArrowRight: "next", PageDown: "next", ArrowLeft: "prev", PageUp: "prev",
                    Home: "first", End: "last" };
  const onKey = (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    const action = actions[event.key];
    if (!action) return;
    const target = event.target;
    if (target && target.closest && target.closest(
        'input, textarea, select, [contenteditable="true"], [role="combobox"], [role="listbox"]')) {
      return;
    }
    event.preventDefault();
    setTriggerValue("nav", action);
  };
  if (hold.onKey) document.removeEventListener("keydown", hold.onKey);
  hold.onKey = onKey;
  document.addEventListener("keydown", onKey);
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
    document.removeEventListener("keydown", onKey);
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


# The frame may rewrite the query string (filters), so read the slide asked for first.
requested = st.query_params.get(SLIDE_PARAM)
ctx = page_frame("Cabinet presentation", sidebar=False, header=False)
st.html(CHROME_CSS)
st.html(slides.SLIDE_CSS)

# Cabinet sees published figures; an editor may choose to present the draft (toggle below).
DRAFTS_KEY = "presentation_drafts"
may_draft = publishing.may_choose_drafts(ctx.user, ctx.settings.public_mode)
visible = publishing.visible_among(
    ctx.options.periods,
    data.published(ctx.store_url),
    ctx.user,
    ctx.settings.public_mode,
    include_drafts=may_draft and bool(st.session_state.get(DRAFTS_KEY, False)),
)
period, fallback_note = publishing.choose_period(visible, ctx.period)
ov = data.overview(ctx.store_url, ctx.filters.with_period(period), ctx.rules) if period else None
if ov is None or (ov.indicators.empty and ov.actions.empty):
    if fallback_note:
        st.info(fallback_note, icon=":material/info:")
    if may_draft:
        st.toggle("Show the draft (unpublished) figures", key=DRAFTS_KEY)
    st.title("Cabinet presentation", anchor=False)
    empty_state(
        "There is nothing to present: no indicators or flagship actions match these filters. "
        "Open the Overview, choose a quarter and filters, then come back to this page."
    )
    st.page_link("app.py", label="Back to the overview", icon=":material/arrow_back:")
    st.stop()

deck = slides.build_deck(ov)
st.session_state[COUNT_KEY] = len(deck)
number = slides.parse_slide(requested, len(deck))
if st.query_params.get(SLIDE_PARAM) != str(number):
    st.query_params[SLIDE_PARAM] = str(number)

scope = short_scope(ctx.filters, ctx.priority_names, ov.unplaced_highlights)
st.html(
    slides.slide_html(
        deck.slide(number), len(deck), deck.period, data.is_illustrative(ctx.store_url), scope
    )
)

advance_labels = list(slides.AUTO_ADVANCE)
with st.container(
    horizontal=True, vertical_alignment="center", gap="medium", key="presentation_controls"
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
    st.markdown(f"**Slide {number} of {len(deck)}**")
    st.button(
        "Next",
        icon=":material/arrow_forward:",
        on_click=_go,
        args=("next",),
        disabled=number >= len(deck),
        key="slide_next",
        help="Next slide (Right arrow or Page Down)",
    )
    choice = st.selectbox(
        "Auto-advance",
        advance_labels,
        key=ADVANCE_KEY,
        width=280,
        label_visibility="collapsed",
        help="Move to the next slide automatically (after the last slide, start again)",
    )
    _keys(
        key=KEYS_KEY,
        # The slide number restarts the timer whenever the slide changes.
        data={"interval": slides.AUTO_ADVANCE.get(choice or "", 0), "slide": number},
        on_nav_change=_on_key,
        width="content",
    )
    if may_draft:
        st.toggle("Draft figures", key=DRAFTS_KEY, help="Present the unpublished draft quarter")
    st.page_link("app.py", label="Exit presentation", icon=":material/close:")
