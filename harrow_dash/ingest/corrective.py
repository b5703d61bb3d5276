"""Corrective actions in files: the headings officers use, reading a sheet, and checking its rows.

A corrective-actions sheet has one row per action per quarter it reports on (a Pentana or Camms
export, the dashboard's template, or the Data page's form, which writes the same table). Each row
gives the action (id, subject, what will be done, owner, portfolio holder, agreed quarter and
meeting, due quarter) and, optionally, the quarter's update (quarter, status, update text, reason
if dropped, internal note). Rows of one action repeat its definition; a blank definition cell keeps
what is stored, so an update alone needs only the id, the quarter and the status.

Checks (every message names the row and the column): the status is one of
:class:`~harrow_dash.rules.corrective_status.CorrectiveStatus` (file spellings forgiven by
:func:`~harrow_dash.rules.corrective_status.parse_status`); the due quarter is not before the agreed
quarter; a dropped action gives a reason; the subject is an indicator, a flagship action or a
priority the database (or the same load) knows; an update is not for a quarter before the action
was agreed nor one not started yet. Dates (a due date, a meeting date) are read as the quarter that
contains them.

The rows then load as every other kind does (:mod:`harrow_dash.ingest.load`): compared, all or
nothing, recorded as a batch, and an update in a published quarter is a revision needing a reason.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Protocol

import pandas as pd

from harrow_dash.ingest.headings import CORRECTIVE_FIELDS
from harrow_dash.ingest.problems import Problem
from harrow_dash.ingest.readers import Sheet, _where, describe_column
from harrow_dash.rules.corrective_status import CorrectiveStatus, parse_status
from harrow_dash.rules.periods import Period, PeriodError, parse_period


class SheetRows(Protocol):
    """What a corrective-actions sheet is read through (``ingest.parse``'s sheet parser): the
    sheet, its rows, the column of each field, a field's text and a problem with rows."""

    sheet: Sheet
    data: pd.DataFrame
    col_of: dict[str, int]

    def text(self, name: str) -> pd.Series | None: ...

    def problem(self, rows: pd.Series | list[int], column: int | None, message: str) -> None: ...


class PriorityNames(Protocol):
    """A priority named as a file writes it, matched to its id (``ingest.validate``'s matcher)."""

    def match(self, text: str) -> tuple[int | None, str | None]: ...


SUBJECT_KINDS = ("indicator", "flagship action", "priority")

# The columns of the template and the form, in order: the first spelling of each field.
TEMPLATE_HEADINGS = (
    "Action ID",
    "Subject kind",
    "Subject",
    "Action",
    "Owner",
    "Portfolio holder",
    "Agreed quarter",
    "Agreed at",
    "Due quarter",
    "Quarter",
    "Status",
    "Update",
    "Dropped reason",
    "Internal note",
    "Action internal note",
)

CORRECTIVE_COLUMNS = [
    "action_id",
    "subject_kind",
    "subject_ref",
    "action",
    "owner",
    "portfolio_holder",
    "agreed_period",
    "agreed_at",
    "due_period",
    "internal_note",
]
UPDATE_COLUMNS = ["action_id", "period", "status", "update_text", "dropped_reason", "internal_note"]

_DMY = re.compile(r"(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4})")
_YMD = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ t]\d{2}:\d{2}(?::\d{2})?)?")
_MONTHS = {
    name.lower(): i
    for i in range(1, 13)
    for name in (dt.date(2000, i, 1).strftime("%B"), dt.date(2000, i, 1).strftime("%b"))
}
_MONTHS["sept"] = 9
_WORDY = re.compile(r"(?:(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+)?(?P<mon>[a-z]+)\.?,?\s+(?P<y>\d{4})")


def quarter_of(text: str) -> Period:
    """The quarter a cell names: a quarter (``Q3 2023-24``) or a date in it (``31/12/2023``,
    ``2023-12-31``, ``14 September 2023``, ``Dec 2023``). Raises ValueError saying why not."""
    raw = " ".join(text.split())
    try:
        return parse_period(raw)
    except PeriodError as exc:
        reason = str(exc)
    low = raw.lower()
    day: dt.date | None = None
    try:
        if (m := _DMY.fullmatch(low)) or (m := _YMD.fullmatch(low)):
            day = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
        elif (m := _WORDY.fullmatch(low)) and m["mon"] in _MONTHS:
            day = dt.date(int(m["y"]), _MONTHS[m["mon"]], int(m["d"] or 1))
    except ValueError:
        raise ValueError(f"'{raw}' is not a date (day/month/year).") from None
    if day is None:
        raise ValueError(f"{reason.rstrip('.')}, or a date such as 31/12/2023.")
    return Period.containing(day)


def subject_kind_of(text: str) -> str:
    """The kind of subject a cell names; raises ValueError for another word."""
    word = " ".join(text.lower().replace("_", " ").replace("-", " ").split())
    if word in ("indicator", "performance indicator", "pi", "kpi", "measure"):
        return "indicator"
    if word in ("flagship action", "flagship", "action", "fa", "commitment"):
        return "flagship action"
    if word in ("priority", "corporate priority"):
        return "priority"
    raise ValueError(
        f"'{text}' is not a kind of subject; use 'indicator', 'flagship action' or 'priority'."
    )


# -- reading a sheet --------------------------------------------------------------------------------


def parse_corrective(parser: SheetRows) -> pd.DataFrame:
    """The rows of a corrective-actions sheet, as text (quarters as keys; 0 where unreadable, which
    is reported here), with where each came from and which column gave each field."""
    sheet, d = parser.sheet, parser.data
    frame = _where(sheet, d)
    for name in CORRECTIVE_FIELDS:
        if name in ("agreed_period", "due_period", "period"):
            continue
        values = parser.text(name)
        frame[name] = "" if values is None else values.to_numpy()
        if values is not None:
            frame[f"_col_{name}"] = describe_column(sheet, parser.col_of[name])
    for name in ("agreed_period", "due_period", "period"):
        values = parser.text(name)
        frame[f"_col_{name}"] = (
            describe_column(sheet, parser.col_of[name]) if values is not None else None
        )
        if values is None:
            frame[name] = 0
            frame[f"_given_{name}"] = False
            continue
        keys: dict[str, int] = {"": 0}
        for text in values.unique():
            if text == "" or text in keys:
                continue
            try:
                keys[text] = quarter_of(text).key
            except ValueError as exc:
                keys[text] = -1
                parser.problem(d.loc[values == text, "_row"], parser.col_of[name], str(exc))
        frame[name] = values.map(keys).to_numpy()
        frame[f"_given_{name}"] = (values != "").to_numpy()
    blank_id = frame["action_id"] == ""
    if blank_id.any():
        parser.problem(d.loc[blank_id.to_numpy(), "_row"], parser.col_of["action_id"],
                       "the action id is blank.")  # fmt: skip
    return frame[~blank_id.to_numpy()]


# -- checking rows ----------------------------------------------------------------------------------


def _problem(row: pd.Series, column: str | None, message: str) -> Problem:
    col = row.get(f"_col_{column}") if column else None
    sheet = row["_sheet"]
    return Problem(
        str(row["_file"]),
        sheet if isinstance(sheet, str) else None,
        int(row["_row"]),
        col if isinstance(col, str) else None,
        message,
    )


def _label(key: int) -> str:
    return Period.from_key(int(key)).label


class CorrectiveChecker:
    """Checks a load's corrective-action rows against the database and the rest of the load."""

    def __init__(
        self,
        stored: pd.DataFrame,
        indicator_refs: set[str],
        action_refs: set[str],
        priorities: PriorityNames,
    ):
        # stored: action_id, subject_kind, subject_ref, agreed_period, due_period
        self.stored = {str(r["action_id"]): r for r in stored.to_dict("records")}
        self.indicator_refs = indicator_refs
        self.action_refs = action_refs
        self.priorities = priorities
        self.problems: list[Problem] = []

    def add(self, row: pd.Series, column: str | None, message: str) -> None:
        self.problems.append(_problem(row, column, message))

    def subject(self, row: pd.Series) -> tuple[str, str] | None:
        """(kind, ref) of the row's subject, or None (reported)."""
        text = str(row["subject_ref"])
        kind_text = str(row.get("subject_kind", "") or "")
        kinds = list(SUBJECT_KINDS)
        if kind_text:
            try:
                kinds = [subject_kind_of(kind_text)]
            except ValueError as exc:
                self.add(row, "subject_kind", str(exc))
                return None
        for kind in kinds:
            if kind == "indicator" and text in self.indicator_refs:
                return kind, text
            if kind == "flagship action" and text in self.action_refs:
                return kind, text
            if kind == "priority":
                pid, _ = self.priorities.match(text)
                if pid is not None:
                    return kind, str(pid)
        named = {
            "indicator": "an indicator",
            "flagship action": "a flagship action",
            "priority": "a priority",
        }
        what = named[kinds[0]] if len(kinds) == 1 else "an indicator, flagship action or priority"
        self.add(
            row,
            "subject_ref",
            f"the subject '{text}' is not {what} the database or this load knows.",
        )
        return None

    def definitions(self, raw: pd.DataFrame) -> pd.DataFrame:
        """One row per action: the non-blank value of each definition field (``_has_<field>``
        says whether the file gave it; a field it leaves blank keeps what is stored)."""
        out: list[dict[str, object]] = []
        for action_id, rows in raw.groupby("action_id", sort=False):
            first = rows.iloc[0]
            rec: dict[str, object] = {
                "action_id": action_id,
                "_file": first["_file"],
                "_sheet": first["_sheet"],
                "_row": first["_row"],
            }
            for name in ("subject_kind", "subject_ref", "action", "owner", "portfolio_holder",
                         "agreed_at", "agreed_period", "due_period", "action_internal_note"):  # fmt: skip
                if name not in rows:
                    continue
                if name in ("agreed_period", "due_period"):
                    given = rows[rows[f"_given_{name}"].astype(bool)]
                else:  # a blank cell gives nothing (it keeps what the other rows or the database say)
                    given = rows[(rows[name].astype(object) != "").to_numpy()]
                if given.empty:
                    continue
                value = given.iloc[0][name]
                rec[name] = value
                rec[f"_col_{name}"] = given.iloc[0].get(f"_col_{name}")
                for _, other in given.iloc[1:].iterrows():
                    if other[name] != value:
                        shown = _label(int(value)) if name.endswith("_period") and value else value
                        self.add(
                            other,
                            name,
                            f"corrective action {action_id} is given {name.replace('_', ' ')} "
                            f"'{shown}' in row {int(given.iloc[0]['_row'])} but a different value "
                            "here; use one value.",
                        )
            out.append(rec)
        return pd.DataFrame(out)

    def check(self, raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The load's corrective actions and updates as table rows (CORRECTIVE_COLUMNS and
        UPDATE_COLUMNS, with ``_has_`` flags), the problems collected in :attr:`problems`."""
        if raw.empty:
            return (
                pd.DataFrame(columns=CORRECTIVE_COLUMNS),
                pd.DataFrame(columns=UPDATE_COLUMNS),
            )
        raw = raw.reset_index(drop=True)
        for name in ("subject_kind", "subject_ref", "action", "owner", "portfolio_holder",
                     "agreed_at", "action_internal_note", "status", "update", "dropped_reason",
                     "internal_note"):  # fmt: skip
            if name not in raw:
                raw[name] = ""
        defs = self.definitions(raw)
        actions: list[dict[str, object]] = []
        agreed_of: dict[str, int] = {}
        for _, d in defs.iterrows():
            action_id = str(d["action_id"])
            stored = self.stored.get(action_id)
            has = {f: isinstance(d.get(f), str) and d.get(f) != "" for f in defs.columns}
            given = dict(has)
            for f in ("agreed_period", "due_period"):
                given[f] = f in d and pd.notna(d[f])  # an unreadable quarter is reported already
                has[f] = given[f] and int(d[f]) > 0
            if stored is None:
                missing = [
                    words
                    for f, words in (
                        ("subject_ref", "subject"),
                        ("action", "action"),
                        ("agreed_period", "agreed quarter"),
                        ("due_period", "due quarter"),
                    )
                    if not given.get(f)
                ]
                if missing:
                    self.add(
                        d,
                        None,
                        f"{action_id} is a new corrective action, so the file must give its "
                        f"{', '.join(missing[:-1]) + ' and ' if len(missing) > 1 else ''}"
                        f"{missing[-1]}.",
                    )
                    continue
            rec: dict[str, object] = {
                "action_id": action_id,
                "subject_kind": None,
                "subject_ref": None,
            }
            if has.get("subject_ref"):
                found = self.subject(d)
                rec["subject_kind"], rec["subject_ref"] = found if found else (None, None)
            for f in ("action", "owner", "portfolio_holder", "agreed_at"):
                rec[f] = d[f] if has.get(f) else None
            rec["internal_note"] = (
                d["action_internal_note"] if has.get("action_internal_note") else None
            )
            for f in ("agreed_period", "due_period"):
                rec[f] = int(d[f]) if has.get(f) else None
            agreed = rec["agreed_period"] if has.get("agreed_period") else (
                int(stored["agreed_period"]) if stored is not None else None
            )  # fmt: skip
            due = rec["due_period"] if has.get("due_period") else (
                int(stored["due_period"]) if stored is not None else None
            )  # fmt: skip
            if agreed and due and int(due) < int(agreed):  # type: ignore[call-overload]
                self.add(
                    d,
                    "due_period" if has.get("due_period") else "agreed_period",
                    f"{action_id}: the due quarter ({_label(int(due))}) is before the quarter the "  # type: ignore[call-overload]
                    f"action was agreed ({_label(int(agreed))}).",  # type: ignore[call-overload]
                )
            if agreed:
                agreed_of[action_id] = int(agreed)  # type: ignore[call-overload]
            for f in ("subject_kind", "subject_ref", "action", "owner", "portfolio_holder",
                      "agreed_at", "agreed_period", "due_period"):  # fmt: skip
                rec[f"_has_{f}"] = rec[f] is not None
            rec["_has_internal_note"] = rec["internal_note"] is not None
            actions.append(rec)
        updates = self.updates(raw, agreed_of)
        act = pd.DataFrame(actions) if actions else pd.DataFrame(columns=CORRECTIVE_COLUMNS)
        return act, updates

    def updates(self, raw: pd.DataFrame, agreed_of: dict[str, int]) -> pd.DataFrame:
        """The quarter's updates the rows give (rows with a quarter or a status)."""
        out: list[dict[str, object]] = []
        seen: dict[tuple[str, int], int] = {}
        now = Period.in_progress()
        for _, r in raw.iterrows():
            has_period = bool(r["_given_period"])
            has_status = r["status"] != ""
            if not has_period and not has_status:
                continue
            if not has_period or not has_status:
                self.add(
                    r,
                    "status" if has_period else "period",
                    "an update needs both a quarter and a status.",
                )
                continue
            period = int(r["period"])
            if period <= 0:
                continue  # unreadable: reported when read
            action_id = str(r["action_id"])
            status = parse_status(r["status"])
            if status is None:
                words = ", ".join(f"'{s.value}'" for s in CorrectiveStatus)
                self.add(r, "status", f"'{r['status']}' is not a status; use one of {words}.")
                continue
            if period > now.key:
                self.add(
                    r,
                    "period",
                    f"{_label(period)} has not started yet (the quarter in progress is "
                    f"{now.label}).",
                )
                continue
            agreed = agreed_of.get(action_id)
            if agreed and period < agreed:
                self.add(
                    r,
                    "period",
                    f"{action_id}: an update for {_label(period)}, before the action was agreed "
                    f"({_label(agreed)}).",
                )
                continue
            if status is CorrectiveStatus.DROPPED and not r["dropped_reason"]:
                self.add(
                    r,
                    "dropped_reason" if "_col_dropped_reason" in r and isinstance(
                        r["_col_dropped_reason"], str) else "status",
                    f"{action_id} is dropped in {_label(period)}: give the reason it was dropped.",
                )  # fmt: skip
                continue
            key = (action_id, period)
            if key in seen:
                self.add(
                    r,
                    "period",
                    f"duplicate: {action_id} already has an update for {_label(period)} in row "
                    f"{seen[key]}.",
                )
                continue
            seen[key] = int(r["_row"])
            out.append(
                {
                    "action_id": action_id,
                    "period": period,
                    "status": status.value,
                    "update_text": r["update"] or None,
                    "dropped_reason": r["dropped_reason"] or None,
                    "internal_note": r["internal_note"] or None,
                }
            )
        return pd.DataFrame(out, columns=UPDATE_COLUMNS)
