"""'What we said we would do' on the quarter's pages: the follow-up (:mod:`harrow_dash.outputs.follow_up`) laid
out, and an indicator's or flagship action's corrective actions with their update history.

Everything shown comes from the one structure the briefing pack and the slides lay out too. Text from
files (actions, updates, names) goes into plain HTML tables (escaped by
:mod:`harrow_dash.outputs.html_table`) or through :func:`harrow_dash.formats.textsafe.escape_markdown`; statuses and
ratings are a symbol and a word, never a colour alone. Internal notes are shown to whoever the store
gives them to (never in public mode: the public view has none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from harrow_dash.formats.textsafe import escape_markdown, shorten
from harrow_dash.outputs import follow_up as fu
from harrow_dash.outputs import views
from harrow_dash.outputs.html_table import table_html
from harrow_dash.rules.filters import Filters, to_query
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.ui.components import small_table
from harrow_dash.ui.data import TTL, indicators_at, store
from harrow_dash.ui.frame import PageContext

INDICATORS_PAGE = "pages/2_Indicators.py"
# Text from files is cut on the page where it would be absurdly long (the briefing pack keeps it
# whole): names and titles, then actions and updates.
NAME_LIMIT = 150
TEXT_LIMIT = 600
# Red indicators linked one by one under the follow-up; more get one link to them all.
LINKS_SHOWN = 24
# The links to each Red indicator are underlined, so they read as links by more than their place
# (WCAG 1.4.1), as on the Highlights page.
LINK_STYLE = (
    "<style>[data-testid='stMain'] a[data-testid='stPageLink-NavLink'] p "
    "{ text-decoration: underline; text-underline-offset: 0.2em; }</style>"
)
CAPTION = (
    "Last quarter's actions are those agreed before this quarter and still open when it began, "
    "and those agreed at last quarter's meeting. An indicator has an action when one on it is "
    "agreed, in progress or overdue; a done or dropped action does not count. Ratings withheld "
    "for a small number are not Red."
)


@st.cache_data(ttl=TTL, show_spinner=False)
def follow_up_at(url: str, filters: Filters, rules: RuleSettings) -> fu.FollowUp | None:
    # The quarter's ratings in the follow-up's scope are the page's own cached read when no RAG
    # filter is set (the usual case): the snapshot is not read a second time on a first run.
    rated = indicators_at(url, replace(filters, rags=()), rules)
    return views.follow_up_at(store(url), filters, rules, rated=rated)


@st.cache_data(ttl=TTL, show_spinner=False)
def subject_history(
    url: str, subject_kind: str, subject_ref: str, period: Period
) -> tuple[tuple[fu.FollowedAction, ...], pd.DataFrame]:
    """The corrective actions on one indicator or flagship action as at ``period``, and their
    updates to then. The page's filters do not hide a chosen item's actions: only the quarter
    counts."""
    s = store(url)
    actions = s.corrective_actions(Filters(period=period), until=period)
    mine = fu.subject_actions(actions, subject_kind, subject_ref, period)
    updates = s.corrective_action_updates([a.action_id for a in mine], until=period)
    return mine, updates


def _unbroken(label: str) -> str:
    return label.replace(" ", "\u00a0").replace("-", "\u2011")


def _actions_table(
    actions: Sequence[fu.FollowedAction], internal: bool, about: bool = True
) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "Status now": [a.status_text for a in actions],
            "Action": [shorten(f"{a.action_id}: {a.action}", TEXT_LIMIT) for a in actions],
            "About": [shorten(a.subject, NAME_LIMIT) for a in actions],
            "Owner": [shorten(a.owner, NAME_LIMIT) for a in actions],
            "Portfolio holder": [shorten(a.portfolio_holder, NAME_LIMIT) for a in actions],
            "Agreed": [shorten(a.agreed_text, NAME_LIMIT) for a in actions],
            # A quarter is not broken over two lines in a narrow column (a no-break space and a
            # non-breaking hyphen, which read and copy as the label).
            "Due": [_unbroken(a.due_period.label) for a in actions],
            "Latest update": [shorten(fu.action_detail(a), TEXT_LIMIT) for a in actions],
        }
    )
    if internal:
        table["Internal note"] = [shorten(a.internal_note, TEXT_LIMIT) for a in actions]
    return table if about else table.drop(columns=["About"])


@dataclass(frozen=True)
class FollowUpShown:
    """The follow-up section's texts, made once per view: its summary, the warning's Markdown
    (escaped) and its tables as HTML (escaped by :mod:`harrow_dash.outputs.html_table`)."""

    summary: str
    warning: str  # "" when nothing is called out
    tables: tuple[str, ...]


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=100)
def follow_up_shown(
    url: str, filters: Filters, rules: RuleSettings, _follow: fu.FollowUp
) -> FollowUpShown:
    """Laid out once per database, filters and rules (``_follow`` is the follow-up they give, not
    hashed): at council scale the Red indicators run to thousands of rows, which a rerun would
    otherwise shorten, escape and tabulate again. Dropped with every cached result by the data
    version bump of a write, and when the mode changes (public or internal)."""
    follow = _follow
    warning = ""
    if follow.called_out:
        lines = [escape_markdown(fu.call_out_line(r, NAME_LIMIT)) for r in follow.called_out]
        warning = "**Red for two quarters running with no open action**\n\n" + "\n\n".join(lines)
    tables: list[str] = []
    if follow.last_quarter:
        internal = any(a.internal_note for a in follow.last_quarter)
        tables.append(
            table_html(
                _actions_table(follow.last_quarter, internal),
                f"Actions from last quarter: status at {follow.period.label}",
            )
        )
    if follow.red:
        tables.append(
            table_html(
                pd.DataFrame(
                    {
                        "Indicator": [shorten(f"{r.ref} {r.name}", NAME_LIMIT) for r in follow.red],
                        "Red last quarter": [
                            "Yes" if r.red_last_quarter else "No" for r in follow.red
                        ],
                        "Open corrective actions": [fu.actions_text(r) for r in follow.red],
                    }
                ),
                f"Indicators rated Red at {follow.period.label} and their actions",
            )
        )
    return FollowUpShown(follow.summary(), warning, tuple(tables))


def show_follow_up(
    ctx: PageContext,
    follow: fu.FollowUp | None,
    heading: str = "header",
    filters: Filters | None = None,
) -> None:
    """The follow-up section of the Overview (``heading`` "header") or a priority ("subheader").
    ``follow`` is the follow-up at ``filters`` (the page's filters unless given) by ``ctx.rules``:
    its layout is cached under them."""
    if follow is None:
        return
    shown = follow_up_shown(ctx.store_url, filters or ctx.filters, ctx.rules, follow)
    getattr(st, heading)(fu.HEADING, anchor=False)
    st.write(shown.summary)
    if shown.warning:
        st.warning(shown.warning, icon=":material/flag:")
    for html in shown.tables:
        st.html(html)
    if follow.red:
        show_red_links(ctx, follow, heading)
    st.caption(CAPTION)


def red_links(follow: fu.FollowUp) -> tuple[list[fu.RedIndicator], int]:
    """The Red indicators given a link of their own (the first ``LINKS_SHOWN``) and how many are
    left to the one link to them all on the Indicators page."""
    shown = list(follow.red[:LINKS_SHOWN])
    return shown, len(follow.red) - len(shown)


def show_red_links(ctx: PageContext, follow: fu.FollowUp, heading: str) -> None:
    """A link to each Red indicator's trend and actions, up to ``LINKS_SHOWN``; beyond that one
    link to the Indicators page showing every Red indicator (the table above names them all). A
    link is an element the browser draws and the server sends on every run: thousands of them (a
    council with thousands of Red indicators) made the page slow and were no use to read."""
    query = to_query(ctx.filters, ctx.priority_names)
    shown, rest = red_links(follow)
    st.html(LINK_STYLE)
    with st.container(horizontal=True, gap="small", key=f"follow_links_{heading}"):
        for r in shown:
            st.page_link(
                INDICATORS_PAGE,
                label=escape_markdown(f"{r.ref}: trend and actions", limit=NAME_LIMIT),
                query_params={**query, "ind": r.ref},
            )
        if rest:
            st.page_link(
                INDICATORS_PAGE,
                label=f"All {len(follow.red):,} Red indicators on the Indicators page",
                query_params={**query, "rag": ["Red"]},
            )


@st.cache_data(ttl=TTL, show_spinner=False)
def in_scope(url: str, filters: Filters, subject_kind: str) -> tuple[fu.FollowedAction, ...]:
    """Every corrective action on a subject of this kind in the filters' scope, agreed at or
    before their quarter, with its status then, in follow-up order."""
    if filters.period is None:
        return ()
    actions = store(url).corrective_actions(filters, until=filters.period)
    if actions.empty:
        return ()
    return fu.in_order(
        [
            fu.followed(r, filters.period)
            for r in actions[actions["subject_kind"] == subject_kind].to_dict("records")
        ]
    )


def show_actions(actions: Sequence[fu.FollowedAction], caption: str, about: bool = True) -> None:
    """Corrective actions as a table (an internal note column only where there is one; ``about``
    False leaves out what each is about, where the page is about that one item)."""
    small_table(_actions_table(actions, any(a.internal_note for a in actions), about), caption)


def show_subject_actions(
    ctx: PageContext, subject_kind: str, subject_refs: Sequence[str], period: Period
) -> None:
    """An indicator's or flagship action's corrective actions (status at ``period``) and, for each,
    its updates quarter by quarter."""
    found = [
        subject_history(ctx.store_url, subject_kind, ref, period)
        for ref in dict.fromkeys(subject_refs)
    ]
    actions = tuple(a for mine, _ in found for a in mine)
    updates = pd.concat([u for _, u in found if len(u)] or [pd.DataFrame()], ignore_index=True)
    if not actions:
        st.caption(f"No corrective action has been agreed on this {subject_kind}.")
        return
    refs = " and ".join(dict.fromkeys(subject_refs))
    show_actions(
        actions, f"Corrective actions on {refs}, status at {period.label}", about=len(found) > 1
    )
    for a in actions:
        rows = fu.update_history(updates, a.action_id)
        if not rows:
            continue
        table = pd.DataFrame(rows)
        table["Quarter"] = table["Quarter"].map(_unbroken)
        for column in ("Update", "Reason dropped"):
            table[column] = [shorten(v, TEXT_LIMIT) for v in table[column]]
        if not table["Reason dropped"].astype(bool).any():
            table = table.drop(columns=["Reason dropped"])
        notes = updates[updates["action_id"] == a.action_id].sort_values("period")
        if notes["internal_note"].notna().any():
            table["Internal note"] = [
                shorten(v, TEXT_LIMIT) for v in notes["internal_note"].fillna("").tolist()
            ]
        small_table(table, f"Updates on {a.action_id}")
