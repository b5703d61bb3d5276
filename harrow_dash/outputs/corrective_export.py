"""Cabinet's corrective actions as every download and open data file writes them: one row per action
per quarter from the quarter it was agreed to the latest quarter of the view, with its status as at
that quarter by the one rule (:func:`harrow_dash.rules.corrective_status.status_as_at`). Internal notes
are columns of the officers' download only."""

from __future__ import annotations

from typing import Any

import pandas as pd

from harrow_dash.rules.corrective_status import status_as_at
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.store import Store
from harrow_dash.store.corrective_actions import actions, updates

# The columns of every corrective-actions download: one row per action per quarter from the quarter
# it was agreed to the latest quarter of the view, with its status as at that quarter.
EXPORT_COLUMNS = [
    "action_id",
    "subject_kind",
    "subject_ref",
    "subject_title",
    "priority",
    "directorate",
    "portfolio",
    "action",
    "owner",
    "portfolio_holder",
    "agreed_quarter",
    "agreed_at",
    "due_quarter",
    "quarter",
    "quarter_end",
    "status",
    "recorded_status",
    "update",
    "dropped_reason",
]
# Officers' downloads only; never in the public view's (the store gives None there anyway).
INTERNAL_COLUMNS = ["action_internal_note", "internal_note"]


def export_table(store: Store, filters: Filters | None = None) -> pd.DataFrame:
    """Every action (matching ``filters``) quarter by quarter, from the quarter it was agreed to the
    latest quarter the view has (in the public view the latest published, whose actions and
    updates only it shows): ``status`` is the status as at that quarter by the one rule
    (:func:`harrow_dash.rules.corrective_status.status_as_at`), ``recorded_status``, ``update`` and
    ``dropped_reason`` what was recorded in that quarter, if anything. Internal notes are columns of
    the officers' download only."""
    filters = filters or Filters()
    columns = EXPORT_COLUMNS + ([] if store.public else INTERNAL_COLUMNS)
    quarters = store.published_periods() if store.public else store.periods()
    if not quarters:
        return pd.DataFrame(columns=columns)
    latest = quarters[-1]
    subject = Filters(
        priorities=filters.priorities,
        directorates=filters.directorates,
        portfolios=filters.portfolios,
    )
    acts = actions(store, subject, until=latest)
    if acts.empty:
        return pd.DataFrame(columns=columns)
    ups = updates(store, list(acts["action_id"]), until=latest)
    # The priority's full name, as every other download and open data file writes it.
    names = dict(zip(store.priorities()["id"], store.priorities()["name"], strict=True))
    by_key = {(str(u["action_id"]), int(u["period"])): u for u in ups.to_dict("records")}
    rows: list[dict[str, Any]] = []
    for a in acts.to_dict("records"):
        recorded: str | None = None
        key = int(a["agreed_period"])
        while key <= latest.key:
            quarter = Period.from_key(key)
            u = by_key.get((str(a["action_id"]), key))
            if u is not None:
                recorded = str(u["status"])
            row = {
                **{c: a.get(c) for c in EXPORT_COLUMNS if c in a},
                "priority": names.get(a["priority_id"]),
                "agreed_quarter": Period.from_key(int(a["agreed_period"])).label,
                "due_quarter": Period.from_key(int(a["due_period"])).label,
                "quarter": quarter.label,
                "quarter_end": quarter.end_date.isoformat(),
                "status": status_as_at(recorded, int(a["due_period"]), key).value,
                "recorded_status": u["status"] if u is not None else None,
                "update": u["update"] if u is not None else None,
                "dropped_reason": u["dropped_reason"] if u is not None else None,
            }
            if not store.public:
                row["action_internal_note"] = a.get("internal_note")
                row["internal_note"] = u["internal_note"] if u is not None else None
            rows.append(row)
            key = quarter.shift(1).key
    return pd.DataFrame(rows, columns=columns)
