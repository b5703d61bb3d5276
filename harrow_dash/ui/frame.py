"""The page frame every page calls first: page config, store, sign-in and role check, filter bar, header.

Classic multipage mode can run a page file without ``app.py`` (a link straight to a page), so nothing
here relies on ``app.py`` having run. Filters are widgets bound to the URL's query string, so a link
reproduces the view; a bad or stale value in a link produces a gentle note, never an error.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.errors import StreamlitAPIException, StreamlitAuthError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from harrow_dash.config import Settings, load_settings
from harrow_dash.formats.textsafe import escape_markdown
from harrow_dash.process_memory import give_back_free_memory, settle_process
from harrow_dash.rules.access import Role, User, resolve_user
from harrow_dash.rules.filters import RAG_CHOICES, Filters, Options, from_query, to_query
from harrow_dash.rules.periods import Period, parse_period
from harrow_dash.rules.plan import COUNCIL_NAME
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import publishing
from harrow_dash.store.failures import DATABASE_FAILURES, log_failure, log_to_server, page_message
from harrow_dash.ui import data
from harrow_dash.ui.components import illustrative_note, rag_key

CSS = """
<style>
/* Visible keyboard focus everywhere (WCAG 2.4.7 / 2.4.11). */
:focus-visible { outline: 3px solid #FFDD00 !important; outline-offset: 0 !important;
                 box-shadow: 0 0 0 5px #0B0C0C !important; }
h1 { font-size: 1.8rem !important; padding-bottom: 0.2rem !important; }
/* A dropdown's focus ring goes round the whole control, not the narrow text input inside it (which
   drew it as a stray bar beside the chosen value). */
:is([data-testid="stSelectbox"], [data-testid="stMultiSelect"]) input:focus-visible {
  outline: none !important; box-shadow: none !important; }
:is([data-testid="stSelectbox"], [data-testid="stMultiSelect"]) div:has(> input:focus-visible) {
  outline: 3px solid #FFDD00 !important; outline-offset: 0 !important;
  box-shadow: 0 0 0 5px #0B0C0C !important; }
/* Sections are h2 under the page's h1 (heading order), at the size of Streamlit's subheader. */
h2 { font-size: 1.5rem !important; }
.block-container { padding-top: 1.5rem !important; }
/* Target size (WCAG 2.5.8): beside a chosen value, a multiselect's text box shrinks to 12 px. */
[data-testid="stMultiSelect"] input[role="combobox"] { min-width: 24px !important; }
</style>
"""


@dataclass
class PageContext:
    """What a page needs after the frame has run."""

    settings: Settings
    store_url: str
    user: User
    filters: Filters
    options: Options
    rules: RuleSettings
    priority_names: dict[int, str]

    @property
    def period(self) -> Period | None:
        return self.filters.period

    @property
    def nothing_reported(self) -> bool:
        """The quarter has no indicator actual and no action status: not a position to show."""
        return self.period is not None and self.period in self.options.nothing_reported


def _claim(name: str) -> str | None:
    value = st.user.get(name)
    return str(value).strip() or None if value else None


def _user(settings: Settings) -> User | None:
    """This session's user (None: sign-in needed). The role comes from the identity token's e-mail
    claim; Microsoft Entra ID sends ``preferred_username`` (the sign-in address) when a user has no
    ``email``, so that is used when it is an address."""
    logged_in = False
    email = name = None
    if settings.auth_configured and not settings.public_mode:
        logged_in = bool(st.user.get("is_logged_in", False))
        if logged_in:
            email = _claim("email")
            upn = _claim("preferred_username")
            if email is None and upn is not None and "@" in upn:
                email = upn
            name = _claim("name")
    return resolve_user(
        auth_configured=settings.auth_configured,
        public_mode=settings.public_mode,
        logged_in=logged_in,
        email=email,
        name=name,
        editors=settings.editors,
    )


SIGN_IN_TITLE = "Harrow performance dashboard"


def _sign_in_panel(settings: Settings) -> None:
    """All a visitor who has not signed in sees: no data, no navigation, one button."""
    st.title(SIGN_IN_TITLE, anchor=False)
    st.write(
        "Sign in with your council account to see the dashboard. Editors (named by the "
        "performance team) can also load and publish data."
    )
    if st.button("Sign in", type="primary", key="sign_in", icon=":material/login:"):
        try:
            st.login(settings.auth_provider)
        except StreamlitAuthError as exc:
            st.error(
                f"Sign-in is not set up correctly on this server: {exc}",
                icon=":material/error:",
            )
    st.stop()


NO_ACCESS = (
    "You do not have access to this page. It is for editors; ask the performance team if you "
    "need to load or publish data."
)


FILTER_KEYS = ("quarter", "priority", "directorate", "portfolio", "rag")
_WIDGET = {k: f"filter_{k}" for k in FILTER_KEYS}
_WRITTEN = "_filters_written_to_url"
_SAVED = "_filters_saved"


def _current_query() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in FILTER_KEYS if k in st.query_params}


def _widget_values(filters: Filters, options: Options) -> dict[str, object]:
    return {
        "quarter": filters.period.label if filters.period else None,
        "priority": [options.priorities[p] for p in filters.priorities],
        "directorate": list(filters.directorates),
        "portfolio": list(filters.portfolios),
        "rag": list(filters.rags),
    }


def _sync_from_url(options: Options) -> list[str]:
    """Put the URL's filters into the widgets when the URL is new to this session (a shared link, an
    edited address). Classic multipage navigation drops the query string, so a page opened with no
    filter parameters gets the session's last filters back. Returns notes about values dropped."""
    query = _current_query()
    saved = st.session_state.get(_SAVED)
    if query == st.session_state.get(_WRITTEN):
        # The URL is the one this session wrote (e.g. a sidebar link, which carries the filters):
        # Streamlit forgets widgets a page did not draw, so put back any it dropped.
        for key, value in (saved or {}).items():
            if key not in st.session_state:
                st.session_state[key] = value
        return []
    if not query and saved is not None:
        st.session_state.update(saved)
        return []
    link = from_query(query, options)
    for key, value in _widget_values(link.filters, options).items():
        st.session_state[_WIDGET[key]] = value
    return link.notes


def _filter_bar(options: Options) -> tuple[Filters, list[str]]:
    """The shared filter bar in the sidebar. The URL always shows the filters in force, so a link
    reproduces the view (parameters: quarter, priority, directorate, portfolio, rag)."""
    notes = _sync_from_url(options)
    sb = st.sidebar
    sb.header("Filters")
    labels = [p.label for p in reversed(options.periods)]
    if labels and st.session_state.get(_WIDGET["quarter"]) not in labels:
        st.session_state[_WIDGET["quarter"]] = (
            options.default_period.label if options.default_period else labels[0]
        )
    states = {p.label: state for p, state in options.quarter_states.items()}
    quarter = (
        sb.selectbox(
            "Quarter (position as at the quarter's end)",
            labels,
            key=_WIDGET["quarter"],
            format_func=lambda label: f"{label} ({states[label]})" if label in states else label,
            help="Each quarter says whether it is published or a draft, and whether it is only "
            "partly reported or has nothing reported yet.",
        )
        if labels
        else None
    )
    by_name = {name: pid for pid, name in options.priorities.items()}
    priorities = sb.multiselect(
        "Priority", list(by_name), key=_WIDGET["priority"], placeholder="All priorities"
    )
    directorates = sb.multiselect(
        "Directorate",
        options.directorates,
        key=_WIDGET["directorate"],
        placeholder="All directorates",
    )
    portfolios = sb.multiselect(
        "Portfolio holder",
        options.portfolios,
        key=_WIDGET["portfolio"],
        placeholder="All portfolios",
    )
    rags = sb.multiselect(
        "RAG status", list(RAG_CHOICES), key=_WIDGET["rag"], placeholder="Any status"
    )
    filters = Filters(
        period=parse_period(quarter) if quarter else None,
        priorities=tuple(by_name[p] for p in priorities if p in by_name),
        directorates=tuple(d for d in directorates if d in options.directorates),
        portfolios=tuple(p for p in portfolios if p in options.portfolios),
        rags=tuple(r for r in rags if r in RAG_CHOICES),
    )
    st.session_state[_SAVED] = {w: st.session_state.get(w) for w in _WIDGET.values()}
    # The quarter is always in the URL, the default one too: a link sent today opens the same
    # quarter after the next quarter is loaded.
    query = to_query(filters, options.priorities)
    if query != _current_query():
        # Keep parameters that belong to the page (e.g. the chosen indicators), not the filters.
        others = {k: st.query_params.get_all(k) for k in st.query_params if k not in FILTER_KEYS}
        st.query_params.from_dict({**others, **query})
    st.session_state[_WRITTEN] = query
    return filters, notes


FAVICON = str(Path(__file__).with_name("favicon.png"))
APP_DIR = Path(__file__).resolve().parents[2]
EDITOR_PAGES = {"Data"}


def _page_title(path: Path) -> str:
    """'pages/3_Flagship_actions.py' -> 'Flagship actions'."""
    stem = (
        path.stem.split("_", 1)[1]
        if "_" in path.stem and path.stem.split("_", 1)[0].isdigit()
        else path.stem
    )
    return stem.replace("_", " ")


def page_link(page: str, **kwargs: object) -> None:
    """``st.page_link`` that is skipped when the page is unknown, as when a page file is run on its
    own (AppTest of a single page) rather than through app.py."""
    with contextlib.suppress(StreamlitAPIException):
        st.page_link(page, **kwargs)  # type: ignore[arg-type]


def _navigation(
    user: User, where: DeltaGenerator, query: dict[str, list[str]] | None = None
) -> None:
    """Our own sidebar navigation (Streamlit's is switched off in config.toml) so the home page is
    called "Overview" and editor-only pages are listed only for editors. Each link carries the
    filters in force (``query``), so the page it opens, and a link copied from it, shows them."""
    params = query or None
    with where:
        page_link("app.py", label="Overview", query_params=params)
        for path in sorted((APP_DIR / "pages").glob("*.py")):
            title = _page_title(path)
            if title in EDITOR_PAGES and not user.is_editor:
                continue
            page_link(f"pages/{path.name}", label=title, query_params=params)
        st.divider()


def page_frame(
    title: str,
    *,
    role: Role = Role.VIEWER,
    show_filters: bool = True,
    sidebar: bool = True,
    header: bool = True,
) -> PageContext:
    """Set up the page and return its context; stops the page (after saying why) when the user may
    not see it, or the database is not ready."""
    # Once per process: Arrow's pool and malloc's arenas (harrow_dash.process_memory); then what
    # the previous page run freed goes back to the system before this one starts.
    settle_process()
    give_back_free_memory()
    st.set_page_config(
        page_title=f"{title} \u00b7 Harrow performance",
        page_icon=FAVICON,
        layout="wide",
        initial_sidebar_state="expanded" if sidebar else "collapsed",
    )
    st.html(CSS)
    log_to_server()
    settings = load_settings()
    user = _user(settings)
    if user is None:
        _sign_in_panel(settings)
        raise SystemExit  # unreachable: st.stop() ends the run
    if not user.may(role):
        st.title(title, anchor=False)
        st.error(NO_ACCESS, icon=":material/lock:")
        page_link("app.py", label="Go to the Overview", icon=":material/home:")
        _account(user, settings)
        st.stop()
    _catch_database_failures(user)
    url = settings.database_url
    failure = data.database_ready(url)
    nav = st.sidebar.container() if sidebar else None
    try:
        if failure is not None:
            raise failure
        options = _options_for(user, settings, url)
    except DATABASE_FAILURES as exc:
        log_failure(exc, f"the {title} page")
        st.title(title, anchor=False)
        show_database_failure(exc, user)
        st.stop()
    notes: list[str] = []
    filters = Filters(period=options.default_period)
    if show_filters:
        filters, notes = _filter_bar(options)
    if nav is not None:
        _navigation(user, nav, to_query(filters, options.priorities) if show_filters else None)
        _sidebar_footer(user, settings, url, filters.period)
    rules = RuleSettings(
        settings.default_tolerance,
        settings.suppression_threshold,
        reveal_suppressed=False,
        suppress_zero=settings.suppress_zero,
    )
    ctx = PageContext(settings, url, user, filters, options, rules, options.priorities)
    if header:  # the presentation page draws its own header on every slide
        _header(title, ctx)
    for note in notes:  # plain text quoting the link: shown as literal text
        st.info(escape_markdown(note), icon=":material/link:")
    return ctx


def show_database_failure(exc: BaseException, user: User) -> None:
    """The page's one message for a database failure: what this person may be told
    (:func:`harrow_dash.store.failures.page_message`), never the driver's text or the server's address."""
    st.error(page_message(exc, editor=user.is_editor), icon=":material/database:")


def _catch_database_failures(user: User) -> None:
    """A database failure that escapes a page after the frame (the server going away mid-page) is
    shown as the frame shows one, instead of Streamlit's exception box with the driver's text; the
    traceback still goes to the server log (Streamlit logs every uncaught exception)."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return

    def on_script_error(exc: Exception) -> bool | None:
        if isinstance(exc, DATABASE_FAILURES):
            show_database_failure(exc, user)
            return True  # shown: not Streamlit's exception box
        return None

    ctx.on_script_error = on_script_error


def _options_for(user: User, settings: Settings, url: str) -> Options:
    """The filter options, with the quarter this viewer opens on: the latest published quarter, or
    for an editor (who works on drafts) the latest mostly reported one (harrow_dash.store.quarters)."""
    options = data.options(url, settings.public_mode)
    if publishing.may_choose_drafts(user, settings.public_mode) and options.draft_default:
        return replace(options, default_period=options.draft_default)
    return options


LOCAL_MODE = (
    "**Local mode**: sign-in is not configured, so you are the single local user, an editor "
    "(you can load, roll back and publish data). Configure sign-in before sharing this app."
)


def _account(user: User, settings: Settings) -> None:
    """Who is using the app, in what mode, and the sign-out button."""
    sb = st.sidebar
    if settings.public_mode:
        sb.caption("Public view: published quarters only.")
    elif user.local_mode:
        sb.info(LOCAL_MODE, icon=":material/computer:")
    elif user.signed_in:
        sb.caption(escape_markdown(f"Signed in as {user.name} ({user.role.value})."))
        if sb.button("Sign out", key="sign_out", icon=":material/logout:"):
            st.logout()


def _sidebar_footer(user: User, settings: Settings, url: str, period: Period | None) -> None:
    sb = st.sidebar
    if period is not None and not settings.public_mode and period not in data.published(url):
        sb.caption(
            f"{period.label} is a draft: an editor has not published it yet, so the public view "
            "does not show it."
        )
    _account(user, settings)


def _header(title: str, ctx: PageContext) -> None:
    """One header line: the council, the page, the quarter and its as-at date; then the data note."""
    p = ctx.period
    when = f"{p.long_label}, {p.as_at}" if p is not None else "No quarter selected"
    st.title(title, anchor=False)
    with st.container(horizontal=True, vertical_alignment="center", key="page_header_line"):
        st.markdown(f"**{COUNCIL_NAME}** \u00b7 Performance dashboard \u00b7 **{when}**")
        with st.popover("Key to ratings", icon=":material/palette:", key="rag_key_popover"):
            rag_key(ctx.rules.small_numbers)
    if data.is_illustrative(ctx.store_url):
        illustrative_note()
