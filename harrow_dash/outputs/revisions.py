"""Revisions of published figures: reading the record, and saying in words what was revised.

A published quarter is the record Cabinet saw, and stays so if it is unpublished. Whatever changes
its figures (a load, a rollback, publishing it again after a change) is a revision with an editor's
reason, by one rule (:mod:`harrow_dash.store.revision_rule`), which records every changed field in
``published_revisions``. The dashboard shows the figures as they now stand and, beside each revised
one, "Revised on DATE" with the figure as published, so a reader always sees both; the briefing pack
lists the revised figures of its quarter. A rolled-back revision stays in the record, marked so, and
is no longer shown as in force.

No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from harrow_dash.ingest.load import TABLE_LABELS
from harrow_dash.rules.gss import marker_words
from harrow_dash.rules.periods import Period
from harrow_dash.rules.suppression import (
    DEFAULT_THRESHOLD,
    SmallNumbers,
    is_suppressed,
    suppressed_text,
)
from harrow_dash.rules.units import format_number
from harrow_dash.store import Store
from harrow_dash.store import schema as s
from harrow_dash.store.revision_rule import FIELD_WORDS, QUARTER_FIELDS, value_words

# Fields whose words are never quoted in a revision's description (they may be internal).
_UNQUOTED = {"commentary", "internal_note"}
_NUMBER_FIELDS = {"actual", "target", "target_upper", "benchmark"}
SINGULAR = {
    "indicator_values": "indicator value",
    "action_statuses": "flagship action status",
    "highlights": "highlight",
    "corrective_actions": "corrective action",
    "corrective_action_updates": "corrective action update",
}

PREVIEW_COLUMNS = ["Quarter", "What", "Item", "Field", "Published value", "New value"]
RECORD_COLUMNS = [
    "Batch",
    "Quarter",
    "What",
    "Item",
    "Field",
    "Published value",
    "Revised value",
    "Revised by",
    "Revised at",
    "Reason",
    "Status",
    "Made by",
    "Reason for rolling back",
]
MADE_BY = {"load": "Load", "rollback": "Rollback of batch {batch}", "publication": "Republication"}


def _value(v: object, field: str = "", unit: str | None = None) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "(blank)"
    if unit and field in _NUMBER_FIELDS:
        try:
            return format_number(float(str(v)), unit)
        except ValueError:
            pass
    return value_words(field, v) or "(blank)"


def preview_table(changes: pd.DataFrame) -> pd.DataFrame:
    """A load's changes to published quarters, for the editor to check before revising them."""
    if changes is None or changes.empty:
        return pd.DataFrame(columns=PREVIEW_COLUMNS)
    return pd.DataFrame(
        {
            "Quarter": [Period.from_key(int(p)).label for p in changes["period"]],
            "What": [TABLE_LABELS.get(str(t), str(t)).capitalize() for t in changes["table"]],
            "Item": changes["item"].astype(str),
            "Field": [FIELD_WORDS.get(str(f), str(f)) for f in changes["field"]],
            "Published value": [
                _value(v, str(f)) for v, f in zip(changes["old"], changes["field"], strict=True)
            ],
            "New value": [
                _value(v, str(f)) for v, f in zip(changes["new"], changes["field"], strict=True)
            ],
        },
        columns=PREVIEW_COLUMNS,
    )


def read(store: Store, periods: Iterable[Period] | None = None) -> pd.DataFrame:
    """Every recorded revision (rolled back ones too), oldest first; of ``periods`` if given."""
    r = s.published_revisions
    q = sa.select(r).order_by(r.c.revised_at, r.c.batch_id, r.c.period, r.c.item, r.c.field)
    if periods is not None:
        q = q.where(r.c.period.in_([p.key for p in periods]))
    return store.read(q)


def record_table(revisions: pd.DataFrame) -> pd.DataFrame:
    """The record of revisions for the Data page: newest first, with who, when, why and status."""
    if revisions.empty:
        return pd.DataFrame(columns=RECORD_COLUMNS)
    df = revisions.iloc[::-1]
    status = [
        "In force" if pd.isna(at) else f"Rolled back {pd.Timestamp(at):%d %b %Y %H:%M} by {by}"
        for at, by in zip(df["rolled_back_at"], df["rolled_back_by"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Batch": [
                "" if c == "publication" else str(int(b))
                for b, c in zip(df["batch_id"], _changes(df), strict=True)
            ],
            "Quarter": [Period.from_key(int(p)).label for p in df["period"]],
            "What": [TABLE_LABELS.get(str(t), str(t)).capitalize() for t in df["table_name"]],
            "Item": df["item"].astype(str).to_numpy(),
            "Field": [FIELD_WORDS.get(str(f), str(f)) for f in df["field"]],
            "Published value": [
                _value(v, str(f)) for v, f in zip(df["old_value"], df["field"], strict=True)
            ],
            "Revised value": [
                _value(v, str(f)) for v, f in zip(df["new_value"], df["field"], strict=True)
            ],
            "Revised by": df["revised_by"].astype(str).to_numpy(),
            "Revised at": [f"{pd.Timestamp(t):%d %b %Y %H:%M}" for t in df["revised_at"]],
            "Reason": df["reason"].astype(str).to_numpy(),
            "Status": status,
            "Made by": [
                MADE_BY.get(c, "Load").format(batch=int(b))
                for b, c in zip(df["batch_id"], _changes(df), strict=True)
            ],
            "Reason for rolling back": [
                "" if r is None or pd.isna(r) else str(r)
                for r in (
                    df["rolled_back_reason"] if "rolled_back_reason" in df else [None] * len(df)
                )
            ],
        },
        columns=RECORD_COLUMNS,
    )


def _changes(df: pd.DataFrame) -> list[str]:
    """What made each revision: "load" (also an older database's rows), "rollback", "publication"."""
    if "change" not in df:
        return ["load"] * len(df)
    return ["load" if c is None or pd.isna(c) else str(c) for c in df["change"]]


@dataclass(frozen=True)
class RevisedFigure:
    """One field of one item in a published quarter as it was published and as it now stands."""

    period: Period
    table: str
    item: str
    field: str
    published: str | None
    now: str | None
    revised_on: dt.date
    reason: str


def in_force(revisions: pd.DataFrame, period: Period | None = None) -> list[RevisedFigure]:
    """The revisions not rolled back, one per field: the value first published, the latest value and
    the date of the latest revision (a field revised twice shows its first and last values)."""
    if revisions.empty:
        return []
    df = revisions[revisions["rolled_back_at"].isna()]
    if period is not None:
        df = df[df["period"] == period.key]
    out = []
    for (p, table, item, field), g in df.groupby(
        ["period", "table_name", "item", "field"], sort=True
    ):
        g = g.sort_values(["revised_at", "batch_id"])
        first, last = g.iloc[0], g.iloc[-1]
        if (
            pd.isna(first["old_value"])
            and pd.isna(last["new_value"])
            or (first["old_value"] == last["new_value"])
        ):
            continue  # changed and changed back: the figure stands as published
        out.append(
            RevisedFigure(
                Period.from_key(int(p)),
                str(table),
                str(item),
                str(field),
                None if pd.isna(first["old_value"]) else str(first["old_value"]),
                None if pd.isna(last["new_value"]) else str(last["new_value"]),
                pd.Timestamp(last["revised_at"]).date(),
                str(last["reason"]),
            )
        )
    return out


def _shown(
    value: str | None,
    field: str,
    unit: str | None,
    counts_people: bool,
    threshold: SmallNumbers | int,
) -> str:
    """A revised value as a reader may see it: in the unit's terms, small counts of people as
    "fewer than N", a missing value as "no figure"."""
    if field == "marker":
        return marker_words(value) or "no marker"
    if value is None:
        return "no figure"
    if field in QUARTER_FIELDS:
        return value_words(field, value) or value
    if field in _NUMBER_FIELDS:
        try:
            number = float(value)
        except ValueError:
            return value
        if field == "actual" and is_suppressed(number, counts_people, threshold):
            return suppressed_text(threshold)
        return format_number(number, unit) if unit else value
    return value


def describe(
    fig: RevisedFigure,
    unit: str | None = None,
    counts_people: bool = False,
    threshold: SmallNumbers | int = DEFAULT_THRESHOLD,
    short: bool = False,
) -> str:
    """``actual revised on 27 November 2026 from 72.4% (as published) to 95%``; ``short`` (for a
    table cell beside the revised figure): ``revised 27 Nov 2026; published 72.4%``.

    Commentary and internal notes are not quoted (they may be internal), nor the RAG of a count of people (it could
    narrow down a suppressed figure): those say only that they were revised, and when."""
    what = FIELD_WORDS.get(fig.field, fig.field)
    when = f"{fig.revised_on:%d %b %Y}" if short else f"{fig.revised_on:%d %B %Y}"
    if fig.field == "text":
        return f"highlight added on {when}: {fig.now}"
    if fig.field in _UNQUOTED or (fig.field == "official_rag" and counts_people):
        return f"{what} revised on {when}"
    old = _shown(fig.published, fig.field, unit, counts_people, threshold)
    if short:  # in a cell beside the figure as it now stands (the actual needs no name)
        lead = "revised" if fig.field == "actual" else f"{what} revised"
        return f"{lead} {when}; published {old}"
    new = _shown(fig.now, fig.field, unit, counts_people, threshold)
    return f"{what} revised on {when} from {old} (as published) to {new}"


@dataclass(frozen=True)
class ItemFacts:
    """What describing an indicator's revision needs: its name, unit and whether it counts people."""

    name: str = ""
    unit: str | None = None
    counts_people: bool = False


def facts_from(indicators: pd.DataFrame) -> dict[str, ItemFacts]:
    """:class:`ItemFacts` per ref from a frame with ref, name, unit and counts_people columns."""
    if indicators is None or indicators.empty:
        return {}
    names = indicators["name"] if "name" in indicators else [""] * len(indicators)
    units = indicators["unit"] if "unit" in indicators else [None] * len(indicators)
    people = (
        indicators["counts_people"] if "counts_people" in indicators else [False] * len(indicators)
    )
    return {
        str(r): ItemFacts(
            str(n), None if pd.isna(u) else str(u), bool(c) if not pd.isna(c) else False
        )
        for r, n, u, c in zip(indicators["ref"], names, units, people, strict=True)
    }


def indicator_notes(
    figures: Iterable[RevisedFigure],
    facts: Mapping[str, ItemFacts] | None = None,
    threshold: SmallNumbers | int = DEFAULT_THRESHOLD,
    short: bool = False,
) -> dict[str, str]:
    """Per indicator ref, the words shown beside its value: "Actual revised on DATE from ... ."."""
    notes: dict[str, list[str]] = {}
    for fig in figures:
        if fig.table != "indicator_values":
            continue
        f = (facts or {}).get(fig.item, ItemFacts())
        notes.setdefault(fig.item, []).append(
            describe(fig, f.unit, f.counts_people, threshold, short)
        )
    out = {}
    for ref, parts in notes.items():
        text = "; ".join(parts)
        out[ref] = text[:1].upper() + text[1:]
    return out


def briefing_lines(
    figures: Iterable[RevisedFigure],
    facts: Mapping[str, ItemFacts] | None = None,
    threshold: SmallNumbers | int = DEFAULT_THRESHOLD,
) -> list[str]:
    """One sentence per revised figure, for the briefing pack's "Revised figures" section."""
    lines = []
    for fig in figures:
        f = (facts or {}).get(fig.item, ItemFacts())
        what = f"{fig.item} {f.name}" if f.name else fig.item
        lines.append(
            f"{what} ({SINGULAR.get(fig.table, fig.table)}, {fig.period.label}): "
            f"{describe(fig, f.unit, f.counts_people, threshold)}. Reason: {fig.reason}"
        )
    return lines
