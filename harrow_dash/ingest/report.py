"""What the Data page shows about a load, as plain tables: problems, the preview of the change, batches.

Pure functions (no Streamlit) from a :class:`~harrow_dash.ingest.load.LoadPlan` or the batch list to
display frames, so the page only lays them out and the tests can check the figures directly. Values
from files stay values in table cells (never Markdown or HTML); the CSV of problems is neutralised
against spreadsheet formulas.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from harrow_dash.formats.spreadsheet_safe import neutralise_frame
from harrow_dash.formats.textsafe import visible_controls
from harrow_dash.ingest.load import DATA_TABLES, TABLE_LABELS, FileInput, LoadPlan
from harrow_dash.ingest.problems import Problem
from harrow_dash.rules.gss import marker_words
from harrow_dash.store import Store

SHORT_CHECKSUM = 12
PROBLEM_COLUMNS = ["File", "Sheet", "Row", "Column", "Problem"]
COUNT_COLUMNS = ["What", "New", "Changed", "Unchanged"]
CHANGE_COLUMNS = ["What", "Row", "Field", "Old value", "New value"]

FIELD_LABELS = {
    "actual": "Actual",
    "target": "Target",
    "target_upper": "Target upper",
    "official_rag": "Official RAG",
    "commentary": "Commentary",
    "commentary_internal": "Commentary is internal",
    "benchmark": "Benchmark",
    "benchmark_label": "Benchmark label",
    "not_due": "Not due",
    "marker": "Marker",
    "name": "Name",
    "description": "Description",
    "priority_id": "Priority",
    "directorate": "Directorate",
    "portfolio": "Portfolio holder",
    "unit": "Unit",
    "polarity": "Polarity",
    "tolerance": "Tolerance",
    "frequency": "Frequency",
    "counts_people": "Counts people",
    "source": "Source",
    "cumulative_or_seasonal": "Cumulative or seasonal",
    "title": "Title",
    "lead": "Lead",
    "parent_ref": "Parent ref",
    "status": "Status",
    "indicator_ref": "Indicator ref",
    "action_ref": "Action ref",
}


def files_signature(files: Sequence[FileInput]) -> str:
    """Identifies a set of uploaded files by name and content (to reuse a prepared plan on rerun)."""
    h = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.name):
        h.update(f.name.encode("utf-8", "replace") + b"\0")
        h.update(hashlib.sha256(f.content).digest())
    return h.hexdigest()


def database_token(store: Store) -> str:
    """Changes whenever a batch is loaded or rolled back: a preview made under another token may be
    out of date."""
    b = store.batches()
    return ";".join(f"{i}:{s}" for i, s in zip(b.get("id", []), b.get("status", []), strict=True))


def problems_table(problems: Sequence[Problem]) -> pd.DataFrame:
    """Every problem, one row each, in file order (file, sheet, row, column, reason)."""
    rows = [
        {
            "File": p.file,
            "Sheet": p.sheet or "",
            "Row": p.row,
            "Column": p.column or "",
            "Problem": p.message,
        }
        for p in problems
    ]
    frame = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
    frame["Row"] = frame["Row"].astype("Int64")
    # A file's NUL or other control character, quoted in a problem or in its name, is shown as a
    # visible symbol (NUL as U+2400): never written raw into the table or the CSV.
    for col in ("File", "Sheet", "Column", "Problem"):
        frame[col] = frame[col].map(lambda v: visible_controls(str(v))).astype(object)
    return frame


def problems_csv(problems: Sequence[Problem]) -> bytes:
    """The problems as a CSV to fix the file from, safe to open in a spreadsheet program."""
    return neutralise_frame(problems_table(problems)).to_csv(index=False).encode("utf-8-sig")


def counts_table(plan: LoadPlan) -> pd.DataFrame:
    """New, changed and unchanged rows per kind of data in the files, in loading order."""
    rows = [
        {
            "What": TABLE_LABELS[name].capitalize(),
            "New": plan.tables[name].added,
            "Changed": plan.tables[name].changed,
            "Unchanged": plan.tables[name].unchanged,
        }
        for name in DATA_TABLES
        if name in plan.tables
    ]
    return pd.DataFrame(rows, columns=COUNT_COLUMNS)


def value_text(value: Any) -> str:
    """A stored value as the preview shows it: blanks as "(blank)", yes/no, numbers without the
    noise of single-precision storage (89.4, not 89.4000015258789)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(blank)"
    if value is pd.NA:
        return "(blank)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _shown(value: Any, field: object) -> str:
    """A changed field's value as the preview shows it; a GSS marker in words ("provisional")."""
    if field == "marker" and isinstance(value, str) and value:
        return marker_words(value)
    return value_text(value)


def changes_table(plan: LoadPlan) -> pd.DataFrame:
    """Each changed field of each changed row, with the value stored now and the value it will get."""
    ch = plan.changes
    if ch is None or ch.empty:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    return pd.DataFrame(
        {
            "What": [str(t).capitalize() for t in ch["table"]],
            "Row": [str(k) for k in ch["key"]],
            "Field": [FIELD_LABELS.get(str(f), str(f)) for f in ch["field"]],
            "Old value": [_shown(v, f) for v, f in zip(ch["old"], ch["field"], strict=True)],
            "New value": [_shown(v, f) for v, f in zip(ch["new"], ch["field"], strict=True)],
        },
        columns=CHANGE_COLUMNS,
    )


# One of each kind of data, for a count of one ("1 changed indicator value").
_ONE = {
    "indicator definitions": "indicator definition",
    "indicator values": "indicator value",
    "monthly values": "monthly value",
    "flagship actions": "flagship action",
    "action statuses": "action status",
    "highlights": "highlight",
    "comparator areas": "comparator area",
    "comparator measures": "comparator measure",
    "comparator values": "comparator value",
    "comparison group members": "comparison group member",
    "corrective actions": "corrective action",
    "corrective action updates": "corrective action update",
}


def _and(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def plan_sentence(plan: LoadPlan) -> str:
    """What the rows are, per kind of data, in the order and with the counts of
    :func:`counts_table` beside it: ``1 changed indicator value and 538 unchanged indicator values;
    45 unchanged indicator definitions``."""
    kinds = []
    for name in DATA_TABLES:
        change = plan.tables.get(name)
        if change is None:
            continue
        many = TABLE_LABELS[name]
        parts = [
            f"{n:,} {state} {_ONE.get(many, many) if n == 1 else many}"
            for state, n in (
                ("new", change.added),
                ("changed", change.changed),
                ("unchanged", change.unchanged),
            )
            if n
        ]
        if parts:
            kinds.append(_and(parts))
    return "; ".join(kinds) if kinds else "no rows"


def short_checksum(sha: str) -> str:
    return sha[:SHORT_CHECKSUM]


BATCH_COLUMNS = [
    "Batch",
    "Status",
    "Loaded at",
    "Loaded by",
    "File",
    "Checksum",
    "New",
    "Changed",
    "Unchanged",
    "Rolled back",
    "SHA-256",
]


def batches_table(batches: pd.DataFrame) -> pd.DataFrame:
    """The load history, newest first: who loaded what when, its checksum, counts and status."""
    if batches.empty:
        return pd.DataFrame(columns=BATCH_COLUMNS)
    rolled = [
        f"{pd.Timestamp(at):%Y-%m-%d %H:%M} by {by}" if by and not pd.isna(at) else ""
        for at, by in zip(batches["rolled_back_at"], batches["rolled_back_by"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Batch": batches["id"].astype(int),
            "Status": batches["status"].astype(str),
            "Loaded at": pd.to_datetime(batches["loaded_at"]),
            "Loaded by": batches["loaded_by"].astype(str),
            "File": batches["file_name"].astype(str),
            "Checksum": [short_checksum(str(s)) for s in batches["sha256"]],
            "New": batches["rows_added"].astype(int),
            "Changed": batches["rows_changed"].astype(int),
            "Unchanged": batches["rows_unchanged"].astype(int),
            "Rolled back": rolled,
            "SHA-256": batches["sha256"].astype(str),
        },
        columns=BATCH_COLUMNS,
    )


def batch_label(row: pd.Series) -> str:
    """One line naming a batch in a choice list: number, file, when and who."""
    return (
        f"Batch {int(row['id'])}: {row['file_name']} "
        f"({pd.Timestamp(row['loaded_at']):%Y-%m-%d %H:%M}, {row['loaded_by']})"
    )
