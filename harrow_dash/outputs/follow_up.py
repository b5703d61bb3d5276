"""'What we said we would do': the follow-up of Cabinet's corrective actions at a quarter, as one
structure that the Overview, the Priorities page, the briefing pack and the presentation lay out.

Given the quarter, the corrective actions in scope (``Store.corrective_actions``, at this quarter and
at the previous one) and the rated indicators of both quarters (``views.indicators_at`` and the
Overview's ``before``), :func:`follow_up` returns:

* **last quarter's actions**: every action agreed before this quarter that was still open at the end
  of the previous quarter, and every action agreed at the previous quarter's meeting (whatever has
  become of it), each with its status *now* by the one as-at rule
  (:func:`harrow_dash.rules.corrective_status.status_as_at`), overdue first
  (:func:`~harrow_dash.rules.corrective_status.follow_up_rank`), then by due quarter and reference;
* **this quarter's Red indicators**, each with its open actions;
* the **call-out**: indicators Red this quarter *and* last quarter that have no action.

What "has an action" means, precisely: an indicator has an action at a quarter when at least one
corrective action whose subject is that indicator (subject kind ``indicator``, subject reference its
ref) was agreed at or before the quarter and is *open* as at the quarter: agreed, in progress or
overdue. A dropped action is not an action; nor is a done one (it was done, and the indicator is
still Red: Cabinet is asked again). Actions on a flagship action or a priority do not count for an
indicator.

"Red" is the rating the rules give for the viewer (``rag == "Red"``): a rating withheld because it
would give away a small count is not Red, so nothing here depends on a hidden count. The RAG filter
does not narrow the follow-up (a Red indicator is followed up whichever ratings a list shows); the
priority, directorate and portfolio filters do, through the frames passed in.

Pure pandas, no Streamlit. The sentences every output uses are made here too (:func:`action_line`,
:func:`red_line`, :func:`call_out_line`), so the page, the pack and the slides say the same thing;
they are plain text, escaped by whatever lays them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from harrow_dash.formats.textsafe import shorten
from harrow_dash.rules.corrective_status import (
    CorrectiveStatus,
    follow_up_rank,
    parse_status,
    status_as_at,
)
from harrow_dash.rules.periods import Period

HEADING = "What we said we would do"
INDICATOR = "indicator"
FLAGSHIP = "flagship action"
PRIORITY = "priority"
RED = "Red"

# Each status with a symbol and a word, never a colour alone.
STATUS_ICONS = {
    CorrectiveStatus.OVERDUE: "\u26a0",  # warning sign
    CorrectiveStatus.AGREED: "\u25a1",  # white square: not started
    CorrectiveStatus.IN_PROGRESS: "\u25d1",  # half-filled circle
    CorrectiveStatus.DONE: "\u2714",  # check mark
    CorrectiveStatus.DROPPED: "\u2205",  # empty set
}

NO_LAST_QUARTER = "No corrective actions were open from last quarter."
NO_RED = "No indicator is Red this quarter."
NO_CALL_OUT = "Every indicator Red this quarter and last quarter has an action."


def status_label(status: CorrectiveStatus) -> str:
    """'⚠ Overdue': symbol and word."""
    return f"{STATUS_ICONS[status]} {status.value.capitalize()}"


@dataclass(frozen=True)
class FollowedAction:
    """One corrective action with its status as at the quarter followed up."""

    action_id: str
    subject_kind: str
    subject_ref: str
    subject_title: str
    priority_id: int | None
    priority: str
    action: str
    owner: str
    portfolio_holder: str
    agreed_period: Period
    agreed_at: str
    due_period: Period
    status: CorrectiveStatus
    latest_update: str
    dropped_reason: str
    internal_note: str  # the latest update's note, else the action's own; "" in the public view

    @property
    def status_text(self) -> str:
        return status_label(self.status)

    @property
    def is_open(self) -> bool:
        return not self.status.closed

    @property
    def subject(self) -> str:
        """'PI-07 Households in temporary accommodation' (a priority: 'Priority 2: ...')."""
        if self.subject_kind == PRIORITY:
            return f"Priority {self.subject_ref}: {self.subject_title}".rstrip(": ")
        return f"{self.subject_ref} {self.subject_title}".strip()

    @property
    def agreed_text(self) -> str:
        """Where and when it was agreed: the meeting if recorded, else the quarter."""
        return self.agreed_at or self.agreed_period.label


@dataclass(frozen=True)
class RedIndicator:
    """An indicator Red this quarter, with its open actions; ``called_out`` when it was Red last
    quarter too and has none."""

    ref: str
    name: str
    priority_id: int | None
    priority: str
    red_last_quarter: bool
    actions: tuple[FollowedAction, ...]  # open ones, in follow-up order
    closed: tuple[FollowedAction, ...] = ()  # done or dropped ones: not actions, but said

    @property
    def has_action(self) -> bool:
        return bool(self.actions)

    @property
    def called_out(self) -> bool:
        return self.red_last_quarter and not self.actions


@dataclass(frozen=True)
class FollowUp:
    period: Period
    last_quarter: tuple[FollowedAction, ...]
    red: tuple[RedIndicator, ...]

    @property
    def previous(self) -> Period:
        return self.period.previous()

    @property
    def called_out(self) -> tuple[RedIndicator, ...]:
        return tuple(r for r in self.red if r.called_out)

    @property
    def overdue(self) -> tuple[FollowedAction, ...]:
        return tuple(a for a in self.last_quarter if a.status is CorrectiveStatus.OVERDUE)

    @property
    def empty(self) -> bool:
        """Nothing to follow up: no action from last quarter and no Red indicator."""
        return not self.last_quarter and not self.red

    def for_priority(self, priority_id: int) -> FollowUp:
        """The part about one priority (an action on a priority's own items, or on the priority)."""
        return FollowUp(
            self.period,
            tuple(a for a in self.last_quarter if a.priority_id == priority_id),
            tuple(r for r in self.red if r.priority_id == priority_id),
        )

    def summary(self) -> str:
        """One sentence of counts, e.g. '4 actions from last quarter: 1 overdue, 2 in progress, 1
        done. 3 indicators are Red; 1 has been Red for two quarters running with no open action.'"""
        parts = []
        if self.last_quarter:
            counts = [
                f"{n} {s.value}"
                for s in sorted(CorrectiveStatus, key=follow_up_rank)
                if (n := sum(1 for a in self.last_quarter if a.status is s))
            ]
            parts.append(
                f"{_n(len(self.last_quarter), 'action')} from last quarter: {', '.join(counts)}."
            )
        else:
            parts.append(NO_LAST_QUARTER)
        if self.red:
            with_action = sum(1 for r in self.red if r.has_action)
            verb = "is" if len(self.red) == 1 else "are"
            sentence = (
                f"{_n(len(self.red), 'indicator')} {verb} Red this quarter; "
                f"{with_action} with an open action"
            )
            if self.called_out:
                n = len(self.called_out)
                sentence += (
                    f", and {n} {'has' if n == 1 else 'have'} been Red for two quarters running "
                    "with no open action"
                )
            parts.append(sentence + ".")
        else:
            parts.append(NO_RED)
        return " ".join(parts)


def _n(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return ""
    return str(value)


def _pid(value: object) -> int | None:
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return None
    return int(value)  # type: ignore[call-overload]


def followed(row: dict[str, object], as_at: Period) -> FollowedAction:
    """One row of ``Store.corrective_actions`` (recorded at or before ``as_at``) as at ``as_at``."""
    recorded = row.get("recorded_status")
    due = int(row["due_period"])  # type: ignore[call-overload]
    status = status_as_at(_text(recorded) or None, due, as_at.key)
    return FollowedAction(
        action_id=_text(row["action_id"]),
        subject_kind=_text(row["subject_kind"]),
        subject_ref=_text(row["subject_ref"]),
        subject_title=_text(row.get("subject_title")),
        priority_id=_pid(row.get("priority_id")),
        priority=_text(row.get("priority")),
        action=_text(row["action"]),
        owner=_text(row.get("owner")),
        portfolio_holder=_text(row.get("portfolio_holder")),
        agreed_period=Period.from_key(int(row["agreed_period"])),  # type: ignore[call-overload]
        agreed_at=_text(row.get("agreed_at")),
        due_period=Period.from_key(due),
        status=status,
        latest_update=_text(row.get("latest_update")),
        dropped_reason=_text(row.get("dropped_reason")),
        internal_note=_text(row.get("latest_note")) or _text(row.get("internal_note")),
    )


def in_order(actions: Sequence[FollowedAction]) -> tuple[FollowedAction, ...]:
    """Follow-up order: overdue first (then agreed, in progress, done, dropped), then by due quarter
    and reference."""
    return tuple(
        sorted(actions, key=lambda a: (follow_up_rank(a.status), a.due_period.key, a.action_id))
    )


def _all(frame: pd.DataFrame, as_at: Period) -> list[FollowedAction]:
    if frame is None or frame.empty:
        return []
    return [followed(r, as_at) for r in frame.to_dict("records")]


_RED_COLUMNS = ("ref", "name", "priority_id", "priority")


def _reds(rated: pd.DataFrame) -> pd.DataFrame:
    if rated is None or rated.empty or "rag" not in rated:
        return pd.DataFrame(columns=list(_RED_COLUMNS))
    return rated[rated["rag"] == RED]


def follow_up(
    period: Period,
    actions: pd.DataFrame,
    actions_before: pd.DataFrame,
    rated: pd.DataFrame,
    rated_before: pd.DataFrame,
) -> FollowUp:
    """The follow-up at ``period``.

    ``actions``: ``Store.corrective_actions(filters, until=period)``; ``actions_before``: the same
    at the previous quarter (their recorded statuses as at then); ``rated`` and ``rated_before``:
    the indicators in scope rated at this quarter and the previous one (``rag`` column, by the
    viewer's rules, a withheld rating not Red)."""
    previous = period.previous()
    now = {a.action_id: a for a in _all(actions, period)}
    then = {a.action_id: a for a in _all(actions_before, previous)}
    last = [
        a
        for a in now.values()
        if a.agreed_period == previous
        or (a.agreed_period < period and a.action_id in then and then[a.action_id].is_open)
    ]
    open_by_ref: dict[str, list[FollowedAction]] = {}
    closed_by_ref: dict[str, list[FollowedAction]] = {}
    for a in now.values():
        if a.subject_kind == INDICATOR:
            (open_by_ref if a.is_open else closed_by_ref).setdefault(a.subject_ref, []).append(a)
    red_before = set(_reds(rated_before)["ref"].astype(str))
    red = []
    reds = _reds(rated).sort_values(["priority_id", "ref"])
    # The four columns a Red indicator's entry uses, not every column of the rated rows (thousands
    # of Red indicators at council scale).
    for r in reds[[c for c in _RED_COLUMNS if c in reds]].to_dict("records"):
        ref = str(r["ref"])
        red.append(
            RedIndicator(
                ref=ref,
                name=_text(r.get("name")),
                priority_id=_pid(r.get("priority_id")),
                priority=_text(r.get("priority")),
                red_last_quarter=ref in red_before,
                actions=in_order(open_by_ref.get(ref, [])),
                closed=in_order(closed_by_ref.get(ref, [])),
            )
        )
    # Called out first: they are what Cabinet is asked about.
    red.sort(key=lambda r: (not r.called_out, r.priority_id or 0, r.ref))
    return FollowUp(period, in_order(last), tuple(red))


def subject_actions(
    actions: pd.DataFrame, subject_kind: str, subject_ref: str, as_at: Period
) -> tuple[FollowedAction, ...]:
    """Every action on one indicator or flagship action, as at ``as_at``, in follow-up order
    (the Indicators and Flagship actions pages' detail)."""
    if actions is None or actions.empty:
        return ()
    mine = actions[
        (actions["subject_kind"] == subject_kind) & (actions["subject_ref"] == subject_ref)
    ]
    return in_order(_all(mine, as_at))


def update_history(updates: pd.DataFrame, action_id: str) -> list[dict[str, str]]:
    """One action's updates, oldest first, as rows for a table: quarter, status (symbol and word),
    the update, and the reason it was dropped. ``updates``: ``Store.corrective_action_updates``."""
    if updates is None or updates.empty:
        return []
    mine = updates[updates["action_id"] == action_id].sort_values("period")
    rows = []
    for r in mine.to_dict("records"):
        recorded = _text(r.get("status"))
        status = parse_status(recorded)
        rows.append(
            {
                "Quarter": Period.from_key(int(r["period"])).label,
                "Status recorded": status_label(status) if status else recorded,
                "Update": _text(r.get("update")),
                "Reason dropped": _text(r.get("dropped_reason")),
            }
        )
    return rows


# -- the sentences every output uses -----------------------------------------------------------------


def action_detail(a: FollowedAction) -> str:
    """The latest update, or the reason an action was dropped."""
    if a.status is CorrectiveStatus.DROPPED and a.dropped_reason:
        return f"Dropped: {a.dropped_reason}"
    return a.latest_update


def closed_text(r: RedIndicator) -> str:
    """'CA-23Q1-01 done; CA-23Q1-03 dropped': the closed actions an indicator had, or ''."""
    return "; ".join(f"{a.action_id} {a.status.value}" for a in r.closed)


def _closed_text(r: RedIndicator) -> str:
    return f" ({closed_text(r)})" if r.closed else ""


def actions_text(r: RedIndicator) -> str:
    """A Red indicator's open actions in a few words: 'CA-23Q1-01 (⚠ Overdue)', or 'None: called
    out (CA-23Q1-03 dropped)'."""
    if r.actions:
        return "; ".join(f"{a.action_id} ({a.status_text})" for a in r.actions)
    return ("None: called out" if r.called_out else "None") + _closed_text(r)


def red_line(r: RedIndicator) -> str:
    """'PI-07 Households in temporary accommodation: Red; action CA-23Q1-01 (⚠ Overdue)'."""
    head = f"{r.ref} {r.name}".strip()
    if r.called_out:
        return f"{head}: Red this quarter and last quarter, with no open action{_closed_text(r)}"
    if not r.actions:
        return f"{head}: Red, no action yet{_closed_text(r)}"
    acts = "; ".join(f"{a.action_id} ({a.status_text})" for a in r.actions)
    return f"{head}: Red; {'action' if len(r.actions) == 1 else 'actions'} {acts}"


def call_out_line(r: RedIndicator, limit: int | None = None) -> str:
    """'⚑ PI-01 ...: Red for two quarters running with no open action (CA-23Q1-01 done)';
    ``limit`` shortens the indicator's name (a page cuts a name of thousands of characters)."""
    name = r.name if limit is None else shorten(r.name, limit)
    return (
        f"\u2691 {r.ref} {name}: Red for two quarters running with no open action" + _closed_text(r)
    )
