"""Publishing: a quarter is a draft until an editor publishes it.

* Public mode (one setting for the whole deployment) shows only published quarters and hides
  commentary marked internal. The store does that filtering in every query (``Store(url, public=True)``,
  which :func:`harrow_dash.ui.data.store` gives every page in public mode).
* Inside the council (not public mode) everyone sees drafts on the dashboard, labelled as drafts. The
  Cabinet presentation shows published quarters unless an editor chooses the draft:
  :func:`visible_periods` and :func:`choose_period` answer which quarters it may show.
* The Data page lists every quarter with data and its status (:func:`quarter_statuses`).

No Streamlit here: the page frame and the pages call these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from harrow_dash.rules.access import User
from harrow_dash.rules.periods import Period
from harrow_dash.store import Store
from harrow_dash.store import schema as s

PUBLISHED = "Published"
DRAFT = "Draft"
# A quarter unpublished after it was published: still the record (its figures change only as
# revisions, see revision_rule), so the Data page says so.
DRAFT_AGAIN = "Draft (published before)"


@dataclass(frozen=True)
class QuarterStatus:
    period: Period
    published: bool
    published_by: str | None
    published_at: dt.datetime | None
    indicator_actuals: int  # indicator values with an actual
    action_statuses: int
    highlights: int
    published_before: bool = False

    @property
    def status(self) -> str:
        if self.published:
            return PUBLISHED
        return DRAFT_AGAIN if self.published_before else DRAFT


def _counts(store: Store, table: sa.Table, where: sa.ColumnElement[bool] | None = None) -> dict:
    q = sa.select(table.c.period, sa.func.count().label("n")).group_by(table.c.period)
    if where is not None:
        q = q.where(where)
    df = store.read(q)
    return {int(k): int(n) for k, n in zip(df["period"], df["n"], strict=True)} if len(df) else {}


def quarter_statuses(store: Store) -> list[QuarterStatus]:
    """Every quarter that has data or is published, newest first, with who published it and when."""
    values = _counts(store, s.indicator_values, s.indicator_values.c.actual.is_not(None))
    all_values = _counts(store, s.indicator_values)
    actions = _counts(store, s.action_statuses)
    highlights = _counts(store, s.highlights)
    pub = store.read(sa.select(s.published_quarters))
    published = {int(r.period): r for r in pub.itertuples()}
    once = {int(k) for k in store.read(sa.select(s.published_once.c.period))["period"]}
    keys = set(all_values) | set(actions) | set(highlights) | set(published)
    out = []
    for key in sorted(keys, reverse=True):
        row = published.get(key)
        out.append(
            QuarterStatus(
                period=Period.from_key(key),
                published=row is not None,
                published_by=str(row.published_by) if row is not None else None,
                published_at=pd.Timestamp(row.published_at).to_pydatetime()
                if row is not None
                else None,
                indicator_actuals=values.get(key, 0),
                action_statuses=actions.get(key, 0),
                highlights=highlights.get(key, 0),
                published_before=key in once,
            )
        )
    return out


STATUS_COLUMNS = [
    "Quarter",
    "Status",
    "Published by",
    "Published at",
    "Indicators with an actual",
    "Action statuses",
    "Highlights",
]


def status_table(statuses: list[QuarterStatus]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Quarter": q.period.label,
                "Status": q.status,
                "Published by": q.published_by or "",
                "Published at": f"{q.published_at:%Y-%m-%d %H:%M}" if q.published_at else "",
                "Indicators with an actual": q.indicator_actuals,
                "Action statuses": q.action_statuses,
                "Highlights": q.highlights,
            }
            for q in statuses
        ],
        columns=STATUS_COLUMNS,
    )


def may_choose_drafts(user: User, public_mode: bool) -> bool:
    """Only an editor, and never in the public view, may show a quarter that is not published."""
    return user.is_editor and not public_mode


def visible_among(
    periods: Iterable[Period],
    published: Iterable[Period],
    user: User,
    public_mode: bool,
    include_drafts: bool = False,
) -> list[Period]:
    """Of ``periods`` (quarters with data), those a view may show, oldest first: all of them when an
    editor chooses drafts (outside public mode); otherwise only the ``published`` ones. Pure, so a
    page can pass cached lists (``ctx.options.periods`` and ``data.published(url)``)."""
    ordered = sorted(set(periods))
    if include_drafts and may_choose_drafts(user, public_mode):
        return ordered
    shown = set(published)
    return [p for p in ordered if p in shown]


def visible_periods(
    store: Store, user: User, public_mode: bool, include_drafts: bool = False
) -> list[Period]:
    """The quarters a view may show (see :func:`visible_among`), read from the store."""
    return visible_among(
        store.periods(), store.published_periods(), user, public_mode, include_drafts
    )


def choose_period(visible: list[Period], wanted: Period | None) -> tuple[Period | None, str | None]:
    """The quarter to show: ``wanted`` if it may be shown, else the latest that may, with a note
    saying why (None when there is nothing to show)."""
    if wanted is not None and wanted in visible:
        return wanted, None
    if not visible:
        return (
            None,
            "No quarter has been published yet. An editor publishes quarters on the Data page.",
        )
    latest = visible[-1]
    if wanted is None:
        return latest, None
    return latest, (
        f"{wanted.label} has not been published, so this shows {latest.label}, the latest "
        "published quarter."
    )


def user_label(user: User) -> str:
    """How a user is recorded against loads, rollbacks and publications."""
    return user.email or user.name
