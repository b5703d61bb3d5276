"""Recording corrective actions on the Data page, without a second way in: the subjects offered (the
quarter's Red indicators and Off track flagship actions first), and the form's entry written as the
file the loader reads (:mod:`harrow_dash.ingest.corrective`'s layout), so that a save goes through
:func:`harrow_dash.ingest.load.prepare` and :func:`~harrow_dash.ingest.load.commit` like any upload:
the same checks, one load batch in the audit, rollback, and the revision rule for a published quarter.

No Streamlit here (the page is :mod:`harrow_dash.ui.corrective_form`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import pandas as pd

from harrow_dash.ingest.corrective import TEMPLATE_HEADINGS
from harrow_dash.ingest.load import FileInput
from harrow_dash.rules.corrective_status import CorrectiveStatus, status_as_at
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings, rate
from harrow_dash.store import Store

FORM_FILE = "Data page form"


@dataclass(frozen=True)
class Subject:
    """Something an action can be about, as the form lists it."""

    kind: str  # "indicator" | "flagship action" | "priority"
    ref: str  # an indicator or flagship action ref, or a priority's id as text
    title: str
    flag: str | None = None  # "Red" or "Off track" in the quarter: offered first

    @property
    def label(self) -> str:
        what = {"indicator": "Indicator", "flagship action": "Flagship action"}.get(
            self.kind, "Priority"
        )
        ref = f"{self.ref} " if self.kind != "priority" else ""
        flag = f"{self.flag}: " if self.flag else ""
        return f"{flag}{what} {ref}{self.title}"


def subject_choices(
    store: Store, quarter: Period, rules: RuleSettings | None = None
) -> list[Subject]:
    """Every subject, the quarter's Red indicators (rated as the pages rate them) and Off track
    flagship actions first, then the other indicators, flagship actions and the priorities."""
    snapshot = store.indicator_snapshot(Filters(period=quarter))
    rated = rate(snapshot, rules, texts=False) if len(snapshot) else snapshot
    red: list[Subject] = []
    other: list[Subject] = []
    # Three columns read whole, not every column of every row (13,200 wide rows at council scale:
    # most of the Data page's first run).
    if len(rated):
        for ref, name, rag in zip(
            rated["ref"].tolist(), rated["name"].tolist(), rated["rag"].tolist(), strict=True
        ):
            is_red = rag == "Red"
            (red if is_red else other).append(
                Subject("indicator", str(ref), str(name), "Red" if is_red else None)
            )
    statuses = store.action_statuses(Filters(), until=quarter)
    off: list[Subject] = []
    actions: list[Subject] = []
    if len(statuses):
        # Each action once, in the order first listed, with its status in the quarter (its first
        # row there).
        in_quarter = statuses[statuses["period"] == quarter.key].drop_duplicates("ref")
        off_track = {
            str(ref)
            for ref, status in zip(
                in_quarter["ref"].tolist(), in_quarter["status"].tolist(), strict=True
            )
            if status == "Off track"
        }
        first = statuses.drop_duplicates("ref")
        for ref, title in zip(first["ref"].tolist(), first["title"].tolist(), strict=True):
            if str(ref) in off_track:
                off.append(Subject("flagship action", str(ref), str(title), "Off track"))
            else:
                actions.append(Subject("flagship action", str(ref), str(title)))
    priorities = [
        Subject("priority", str(int(r.id)), str(r.name)) for r in store.priorities().itertuples()
    ]
    return [*red, *off, *other, *actions, *priorities]


def next_action_id(existing: list[str], quarter: Period) -> str:
    """A new id in the sample's pattern, ``CA-23Q3-04``: the quarter, then the next number."""
    prefix = f"CA-{quarter.fy_start % 100:02d}Q{quarter.quarter}-"
    used = [
        int(m.group(1))
        for a in existing
        if (m := re.fullmatch(re.escape(prefix) + r"(\d+)", str(a))) is not None
    ]
    return f"{prefix}{max(used, default=0) + 1:02d}"


@dataclass(frozen=True)
class NewAction:
    action_id: str
    subject: Subject
    action: str
    owner: str
    portfolio_holder: str
    agreed: Period
    agreed_at: str
    due: Period
    internal_note: str = ""


@dataclass(frozen=True)
class ActionUpdate:
    action_id: str
    quarter: Period
    status: str
    update: str = ""
    dropped_reason: str = ""
    internal_note: str = ""


def recorded_update(store: Store, action_id: str, quarter: Period) -> ActionUpdate | None:
    """The update recorded for the action in ``quarter``, if any (to fill the form in)."""
    found = store.corrective_action_updates([action_id], until=quarter)
    found = found[found["period"] == quarter.key]
    if found.empty:
        return None
    row = found.iloc[0]
    return ActionUpdate(
        action_id,
        quarter,
        str(row["status"]),
        str(row["update"] or ""),
        str(row["dropped_reason"] or ""),
        str(row["internal_note"] or ""),
    )


def status_to_offer(store: Store, action_id: str, quarter: Period) -> str:
    """The status the form offers for a quarter with no update yet: the action's status as at the
    quarter by the one rule (:func:`harrow_dash.rules.corrective_status.status_as_at`), so a done action
    is not offered as "agreed" again and one past its due quarter is offered as overdue."""
    actions = store.corrective_actions(Filters(), until=quarter)
    row = actions[actions["action_id"] == action_id]
    if row.empty:
        return CorrectiveStatus.AGREED.value
    first = row.iloc[0]
    recorded = first["recorded_status"]
    return status_as_at(
        None if pd.isna(recorded) else str(recorded), int(first["due_period"]), quarter.key
    ).value


def _row(**cells: str) -> list[str]:
    return [cells.get(h, "") for h in TEMPLATE_HEADINGS]


def form_file(entry: NewAction | ActionUpdate) -> FileInput:
    """The entry as a one-row CSV in the corrective-actions layout, named for the load history."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(TEMPLATE_HEADINGS)
    if isinstance(entry, NewAction):
        writer.writerow(
            _row(
                **{
                    "Action ID": entry.action_id,
                    "Subject kind": entry.subject.kind,
                    "Subject": entry.subject.ref,
                    "Action": entry.action,
                    "Owner": entry.owner,
                    "Portfolio holder": entry.portfolio_holder,
                    "Agreed quarter": entry.agreed.label,
                    "Agreed at": entry.agreed_at,
                    "Due quarter": entry.due.label,
                    "Action internal note": entry.internal_note,
                }
            )
        )
        what = f"new corrective action {entry.action_id}"
    else:
        writer.writerow(
            _row(
                **{
                    "Action ID": entry.action_id,
                    "Quarter": entry.quarter.label,
                    "Status": entry.status,
                    "Update": entry.update,
                    "Dropped reason": entry.dropped_reason,
                    "Internal note": entry.internal_note,
                }
            )
        )
        what = f"{entry.quarter.label} update of {entry.action_id}"
    # The load history lists the batch under this name (shown as text).
    return FileInput(f"{FORM_FILE} - {what}.csv", buf.getvalue().encode("utf-8"))


def template_csv() -> bytes:
    """The corrective-actions layout as a CSV with its headings only (UTF-8 with a BOM, for Excel)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(TEMPLATE_HEADINGS)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def quarter_actions(store: Store, quarter: Period) -> pd.DataFrame:
    """The actions agreed by ``quarter``, for the form's lists (editors' view, all subjects)."""
    return store.corrective_actions(Filters(), until=quarter)
