"""Reading Cabinet's corrective actions: the queries behind ``Store.corrective_actions`` and
``Store.corrective_action_updates`` (the rows every output writes are
:mod:`harrow_dash.outputs.corrective_export`'s).

An action belongs to an indicator, a flagship action or a priority (its *subject*); the filters
(priority, directorate, portfolio) apply through the subject's definition, a priority by its id (a
priority has no directorate or portfolio, so its actions drop out under those filters).

The public view shows an action once the quarter it was agreed in is published and an update once
its own quarter is; internal notes never. The status *as at* a quarter is always
:func:`harrow_dash.rules.corrective_status.status_as_at`'s: this module only hands it the latest status
recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from harrow_dash.rules.corrective_status import status_as_at
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.store import schema as s

if TYPE_CHECKING:
    from harrow_dash.store.connection import StoreBase

ACTION_COLUMNS = [
    "action_id",
    "subject_kind",
    "subject_ref",
    "subject_title",
    "priority_id",
    "priority",
    "directorate",
    "portfolio",
    "action",
    "owner",
    "portfolio_holder",
    "agreed_period",
    "agreed_at",
    "due_period",
    "recorded_status",
    "status_period",
    "latest_update",
    "dropped_reason",
    "internal_note",
    "latest_note",
]
UPDATE_COLUMNS = ["action_id", "period", "status", "update", "dropped_reason", "internal_note"]


def _published(store: StoreBase, period: sa.ColumnElement[Any]) -> list[sa.ColumnElement[bool]]:
    if not store.public:
        return []
    return [period.in_(sa.select(s.published_quarters.c.period))]


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def updates(store: StoreBase, action_ids: list[str], until: Period | None = None) -> pd.DataFrame:
    """Every update of the actions, oldest first (see ``Store.corrective_action_updates``)."""
    u = s.corrective_action_updates
    if not action_ids:
        return pd.DataFrame(columns=UPDATE_COLUMNS)
    cond = [u.c.action_id.in_(action_ids), *_published(store, u.c.period)]
    if until is not None:
        cond.append(u.c.period <= until.key)
    note = sa.null() if store.public else u.c.internal_note
    q = (
        sa.select(
            u.c.action_id,
            u.c.period,
            u.c.status,
            u.c.update_text.label("update"),
            u.c.dropped_reason,
            note.label("internal_note"),
        )
        .where(*cond)
        .order_by(u.c.action_id, u.c.period)
    )
    frame = store.read(q)
    if frame.empty:
        return pd.DataFrame(columns=UPDATE_COLUMNS)
    frame["period"] = frame["period"].astype(int)
    return frame[UPDATE_COLUMNS].astype(object).where(frame[UPDATE_COLUMNS].notna(), None)


def actions(store: StoreBase, filters: Filters, until: Period | None = None) -> pd.DataFrame:
    """One row per action agreed at or before ``until`` whose subject matches the filters, with the
    latest status recorded at or before ``until`` (see ``Store.corrective_actions``)."""
    c = s.corrective_actions
    i = store._def("indicators", "ca_ind")
    fa = store._def("flagship_actions", "ca_fa")
    parent = store._def("flagship_actions", "ca_fa_parent")
    p = s.priorities.alias("ca_prio")
    is_ind = c.c.subject_kind == "indicator"
    is_fa = c.c.subject_kind == "flagship action"
    is_prio = c.c.subject_kind == "priority"
    prio_id = sa.case(
        (is_ind, i.c.priority_id),
        (is_fa, fa.c.priority_id),
        else_=p.c.id,
    )
    directorate = sa.case(
        (is_ind, i.c.directorate),
        (is_fa, sa.func.coalesce(fa.c.directorate, parent.c.directorate)),
        else_=sa.null(),
    )
    portfolio = sa.case(
        (is_ind, i.c.portfolio),
        (is_fa, sa.func.coalesce(fa.c.portfolio, parent.c.portfolio)),
        else_=sa.null(),
    )
    title = sa.case((is_ind, i.c.name), (is_fa, fa.c.title), else_=p.c.name)
    prio_name = s.priorities.alias("ca_prio_name")
    cond: list[sa.ColumnElement[bool]] = [*_published(store, c.c.agreed_period)]
    if until is not None:
        cond.append(c.c.agreed_period <= until.key)
    if filters.priorities:
        cond.append(prio_id.in_(filters.priorities))
    if filters.directorates:
        cond.append(directorate.in_(filters.directorates))
    if filters.portfolios:
        cond.append(portfolio.in_(filters.portfolios))
    note = sa.null() if store.public else c.c.internal_note
    q = (
        sa.select(
            c.c.action_id,
            c.c.subject_kind,
            c.c.subject_ref,
            title.label("subject_title"),
            prio_id.label("priority_id"),
            prio_name.c.short_name.label("priority"),
            directorate.label("directorate"),
            portfolio.label("portfolio"),
            c.c.action,
            c.c.owner,
            c.c.portfolio_holder,
            c.c.agreed_period,
            c.c.agreed_at,
            c.c.due_period,
            note.label("internal_note"),
        )
        .select_from(
            c.outerjoin(i, sa.and_(is_ind, i.c.ref == c.c.subject_ref))
            .outerjoin(fa, sa.and_(is_fa, fa.c.ref == c.c.subject_ref))
            .outerjoin(parent, parent.c.ref == fa.c.parent_ref)
            .outerjoin(p, sa.and_(is_prio, sa.cast(p.c.id, sa.String) == c.c.subject_ref))
            .outerjoin(prio_name, prio_name.c.id == prio_id)
        )
        .where(*cond)
        .order_by(c.c.agreed_period, c.c.action_id)
    )
    frame = store.read(q)
    if frame.empty:
        return pd.DataFrame(columns=ACTION_COLUMNS)
    latest = updates(store, list(frame["action_id"]), until).drop_duplicates(
        "action_id", keep="last"
    )
    latest = latest.set_index("action_id")
    ids = frame["action_id"]
    frame["recorded_status"] = [_none(latest["status"].get(a)) for a in ids]
    frame["status_period"] = pd.Series(
        [int(latest["period"][a]) if a in latest.index else None for a in ids],
        index=frame.index,
        dtype=object,
    )
    frame["latest_update"] = [_none(latest["update"].get(a)) for a in ids]
    frame["dropped_reason"] = [_none(latest["dropped_reason"].get(a)) for a in ids]
    # The latest update's internal note (None in the public view, where updates carry no notes).
    frame["latest_note"] = [_none(latest["internal_note"].get(a)) for a in ids]
    frame["agreed_period"] = frame["agreed_period"].astype(int)
    frame["due_period"] = frame["due_period"].astype(int)
    out = frame[ACTION_COLUMNS].astype(object)
    out["agreed_period"] = frame["agreed_period"]
    out["due_period"] = frame["due_period"]
    keep = [c for c in ACTION_COLUMNS if c not in ("agreed_period", "due_period")]
    out[keep] = out[keep].where(out[keep].notna(), None)
    out["priority_id"] = pd.Series(
        [None if v is None else int(v) for v in out["priority_id"]], index=out.index, dtype=object
    )
    return out.reset_index(drop=True)


def with_status_as_at(frame: pd.DataFrame, as_at: Period) -> pd.DataFrame:
    """``frame`` (from :func:`actions`) with ``status``: each action's status as at ``as_at`` by
    the one rule (:func:`harrow_dash.rules.corrective_status.status_as_at`)."""
    out = frame.copy()
    out["status"] = [
        status_as_at(r, int(d), as_at.key).value
        for r, d in zip(out["recorded_status"], out["due_period"], strict=True)
    ]
    return out
