"""The one rule for changing published figures: which changes are revisions, and recording them.

A quarter that is or was once published is the record Cabinet saw ("locked"). Its figures (the rows
of ``schema.RECORD_TABLES``) change only as a revision with an editor's reason, whatever changes
them: a load, a rollback, or a republication after the quarter was unpublished and changed.
Unpublishing a quarter does not unlock it: ``published_once`` remembers it.

Every path hands its field-by-field changes (:data:`CHANGE_COLUMNS`) to :func:`revisions_for`, which
decides which of them are revisions, and, if there are any, requires a reason
(:func:`require_reason`) and records them with :func:`record`:

* a load (:func:`harrow_dash.ingest.load.commit`): the new and changed fields of locked quarters;
* a rollback (:func:`harrow_dash.ingest.load.rollback`): the fields of locked quarters it puts back or
  removes; where it undoes a revision still in force exactly, that revision is marked rolled back
  (with the reason) rather than recorded again;
* a publication (:func:`harrow_dash.store.Store.publish`): for a quarter published before, the fields
  that differ from the figures as last published (``published_figures``) and that no revision since
  accounts for.

No Streamlit here, and nothing from the other modules of the package but the schema and the rules
(quarters, markers), so the loader, the store and the pages can all use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harrow_dash.rules.gss import marker_words
from harrow_dash.rules.periods import Period
from harrow_dash.store import schema as s

CHANGE_COLUMNS = ["table", "period", "item", "field", "old", "new"]

# The record this rule keeps: figures as published, quarters once published, revisions.
PUBLICATION_RECORD_TABLES = (
    s.published_figures.name,
    s.published_once.name,
    s.published_revisions.name,
)

# The fields of each record table that are figures of the record: every column but its primary key
# and the batch that wrote it, read from the schema (the one place the columns are listed).
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    table.name: tuple(c.name for c in table.columns if not c.primary_key and c.name != "batch_id")
    for table in (s.metadata.tables[name] for name in s.RECORD_TABLES)
}

# The fields of the record tables in words, as a reader reads them in a revision.
FIELD_WORDS = {
    "actual": "actual",
    "target": "target",
    "target_upper": "top of target range",
    "official_rag": "official RAG",
    "commentary": "commentary",
    "commentary_internal": "commentary is internal",
    "benchmark": "benchmark",
    "benchmark_label": "benchmark name",
    "not_due": "not due",
    "marker": "marker",
    "status": "status",
    "text": "highlight",
    "update_text": "update",
    "dropped_reason": "reason for dropping",
    "internal_note": "internal note",
    "subject_kind": "subject kind",
    "subject_ref": "subject",
    "action": "action",
    "owner": "owner",
    "portfolio_holder": "portfolio holder",
    "agreed_period": "agreed quarter",
    "agreed_at": "agreed at",
    "due_period": "due quarter",
}
# Fields holding a quarter's key (a corrective action's agreed and due quarters): read as its label.
QUARTER_FIELDS = frozenset({"agreed_period", "due_period"})

# The quarters whose figures are locked: published now, or published once and since unpublished.
LOCKED_QUARTERS_SQL = (
    "SELECT period FROM published_quarters UNION SELECT period FROM published_once"
)

# What made a revision (published_revisions.change).
BY_LOAD = "load"
BY_ROLLBACK = "rollback"
BY_PUBLICATION = "publication"
# The batch a republication's revisions are recorded under: no load made them.
NO_BATCH = 0


def empty_changes() -> pd.DataFrame:
    return pd.DataFrame(columns=CHANGE_COLUMNS)


def stored_text(value: Any) -> str | None:
    """A stored value as the text kept in a revision record (None stays None)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) and abs(value) < 1e15 else repr(value)
    return str(value)


def value_words(field: str, value: Any) -> str | None:
    """A field's value (stored, or as kept in a revision record) as a reader reads it: a marker in
    words (``provisional``), a quarter as its label (``Q1 2023-24``); None (or no marker) is None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if field == "marker":
        return marker_words(value) or None
    if field in QUARTER_FIELDS:
        try:
            return Period.from_key(int(str(value))).label
        except ValueError:
            return str(value)
    return str(value)


def same(a: Any, b: Any) -> bool:
    """Whether two stored values are the same (missing equals missing)."""
    if a is None or (isinstance(a, float) and pd.isna(a)):
        return b is None or (isinstance(b, float) and pd.isna(b))
    if b is None or (isinstance(b, float) and pd.isna(b)):
        return False
    return bool(a == b)


def _blank(value: Any) -> bool:
    return value is None or value is False or same(value, None)


def item_of(table: str, row: Mapping[str, Any]) -> str:
    """The row's key in words, as revisions name it: ``PI-02``, ``FA-03``, ``1 achievement``."""
    return " ".join(str(row[k]) for k in s.LOADED_TABLES[table] if k not in ("period", "text"))


def row_key(table: str, row: Mapping[str, Any]) -> str:
    """Every key column of the row as text: tells two highlights of one priority apart."""
    return "\x1f".join(str(row[k]) for k in s.LOADED_TABLES[table])


def field_changes(
    table: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The changed fields of one row of a record table, from ``old`` (None: the row is new) to
    ``new`` (None: the row goes). A row that comes or goes counts its non-blank fields, and a
    highlight its text too. The changes belong to the quarter whose record the row is part of
    (``schema.record_quarter``); a row moved to another quarter (a corrective action's agreed
    quarter changed) goes from the one quarter's record and comes into the other's, as a quarter's
    figures kept as published (:func:`current_figures`) see it."""
    row = new if new is not None else old
    assert row is not None
    quarter = s.record_quarter(table)
    if old is not None and new is not None and not same(old[quarter], new[quarter]):
        return field_changes(table, old, None) + field_changes(table, None, new)
    period, item = int(row[quarter]), item_of(table, row)
    fields: list[tuple[str, Any, Any]] = []
    for name in RECORD_FIELDS[table]:
        before = old.get(name) if old is not None else None
        after = new.get(name) if new is not None else None
        if old is None or new is None:
            if not _blank(after if old is None else before):
                fields.append((name, before, after))
        elif not same(before, after):
            fields.append((name, before, after))
    if table == "highlights" and (old is None) != (new is None):
        fields.append(
            ("text", None if old is None else row["text"], None if new is None else row["text"])
        )
    return [
        {
            "table": table,
            "period": period,
            "item": item,
            "field": name,
            "old": stored_text(before),
            "new": stored_text(after),
        }
        for name, before, after in fields
    ]


def locked_quarters(conn: Connection) -> set[int]:
    """The quarters whose figures change only as a revision (published now or once)."""
    return {int(r[0]) for r in conn.exec_driver_sql(LOCKED_QUARTERS_SQL)}


@dataclass
class Revisions:
    """What a change does to the published record: the revisions it makes (``changes``, one row per
    field: table, period, item, field, old, new) and, for a rollback, the revisions in force it undoes
    exactly (``undone``: their batch). Any of either needs an editor's reason."""

    changes: pd.DataFrame = field(default_factory=empty_changes)
    # A rollback's batch: its revisions are marked rolled back (all of them, undone exactly or not).
    undone_batch: int | None = None
    undone: pd.DataFrame = field(default_factory=empty_changes)

    @property
    def needs_reason(self) -> bool:
        return len(self.changes) > 0 or len(self.undone) > 0

    @property
    def count(self) -> int:
        return len(self.changes) + len(self.undone)

    @property
    def quarters(self) -> list[int]:
        keys = set(self.changes["period"]) | set(self.undone["period"])
        return sorted(int(k) for k in keys)

    def all_changes(self) -> pd.DataFrame:
        """Every change to a published figure, those that undo a revision included."""
        frames = [f for f in (self.changes, self.undone) if len(f)]
        if not frames:
            return empty_changes()
        return pd.concat(frames, ignore_index=True)[CHANGE_COLUMNS]


def revisions_for(
    conn: Connection, changes: pd.DataFrame, undoing_batch: int | None = None
) -> Revisions:
    """THE rule. Of ``changes`` (fields of record tables about to change: :data:`CHANGE_COLUMNS`),
    those in a quarter that is or was published are revisions and need a reason. With
    ``undoing_batch`` (a rollback of that batch), a change that puts back exactly what one of the
    batch's revisions in force changed is its undoing: that revision is marked rolled back instead
    of a new one being recorded."""
    if changes is None or changes.empty:
        return Revisions(undone_batch=undoing_batch)
    locked = locked_quarters(conn)
    revised = changes[changes["period"].astype(int).isin(locked)].reset_index(drop=True)
    if undoing_batch is None or revised.empty:
        return Revisions(revised[CHANGE_COLUMNS], undoing_batch)
    r = s.published_revisions
    rows = conn.execute(
        sa.select(r.c.table_name, r.c.period, r.c.item, r.c.field, r.c.old_value, r.c.new_value)
        .where(r.c.batch_id == undoing_batch, r.c.rolled_back_at.is_(None))
        .order_by(r.c.revised_at)
    ).fetchall()
    # What the batch's revisions changed, field by field: (from, to).
    revised_by_batch = {(str(t), int(p), str(i), str(f)): (o, n) for t, p, i, f, o, n in rows}
    # Compared as stored values (missing equals missing): in a frame, a column of texts holds a
    # missing one as NaN, where the record holds None.
    undoes = [
        (was := revised_by_batch.get((str(c.table), int(c.period), str(c.item), str(c.field))))
        is not None
        and same(was[0], c.new)
        and same(was[1], c.old)
        for c in revised.itertuples()
    ]
    mask = pd.Series(undoes, index=revised.index, dtype=bool)
    return Revisions(
        revised[~mask][CHANGE_COLUMNS].reset_index(drop=True),
        undoing_batch,
        revised[mask][CHANGE_COLUMNS].reset_index(drop=True),
    )


def quarter_labels(keys: Iterable[int]) -> str:
    return ", ".join(Period.from_key(int(k)).label for k in sorted(set(keys)))


class ReasonNeeded(Exception):
    """A change to published figures was asked for without an editor's reason."""

    def __init__(self, revisions: Revisions, message: str):
        self.revisions = revisions
        super().__init__(message)


def require_reason(revisions: Revisions, reason: str | None, what: str) -> str:
    """The reason, stripped, when ``revisions`` need one; refuses (:class:`ReasonNeeded`, naming the
    quarters) without it. ``what`` says what was asked for: "Rolling back batch 4"."""
    given = (reason or "").strip()
    if revisions.needs_reason and not given:
        n = revisions.count
        raise ReasonNeeded(
            revisions,
            f"{what} would change {n:,} published figure{'s' if n != 1 else ''} "
            f"({quarter_labels(revisions.quarters)}), so it needs a reason, recorded with the "
            "revision. Nothing was changed.",
        )
    return given


def record(
    conn: Connection,
    revisions: Revisions,
    *,
    batch_id: int,
    user: str,
    reason: str,
    change: str,
    when: dt.datetime | None = None,
) -> None:
    """Record ``revisions`` (inside the caller's transaction): a row per changed field, and the
    revisions a rollback undid marked rolled back with who, when and why."""
    now = when or dt.datetime.now().replace(microsecond=0)
    r = s.published_revisions
    if revisions.undone_batch is not None:
        conn.execute(
            sa.update(r)
            .where(r.c.batch_id == revisions.undone_batch, r.c.rolled_back_at.is_(None))
            .values(rolled_back_at=now, rolled_back_by=user, rolled_back_reason=reason or None)
        )
    if revisions.changes.empty:
        return
    conn.execute(
        r.insert(),
        [
            {
                "batch_id": batch_id,
                "period": int(c.period),
                "table_name": str(c.table),
                "item": str(c.item),
                "field": str(c.field),
                # stored_text: a frame of texts holds a missing value as NaN, recorded as NULL.
                "old_value": stored_text(c.old),
                "new_value": stored_text(c.new),
                "revised_by": user,
                "revised_at": now,
                "reason": reason,
                "change": change,
            }
            for c in revisions.changes.itertuples()
        ],
    )


# -- the figures as last published --------------------------------------------------------------


def _rows(conn: Connection, table: str, period_key: int) -> list[dict[str, Any]]:
    t = s.metadata.tables[table]
    result = conn.execute(sa.select(t).where(t.c[s.record_quarter(table)] == period_key))
    return [dict(r._mapping) for r in result]


def current_figures(
    conn: Connection, period_key: int, tables: Iterable[str] = s.RECORD_TABLES
) -> pd.DataFrame:
    """The quarter's figures now, one row per non-blank field: table, row_key, item, field, value."""
    out = []
    for table in tables:
        for row in _rows(conn, table, period_key):
            key = row_key(table, row)
            for c in field_changes(table, None, row):
                out.append((table, key, c["item"], c["field"], c["new"]))
    return pd.DataFrame(out, columns=["table", "row_key", "item", "field", "value"])


def take_figures(
    conn: Connection,
    period_key: int,
    when: dt.datetime,
    tables: Iterable[str] = s.RECORD_TABLES,
) -> int:
    """Keep the quarter's figures (of ``tables``: all record tables) as published now, replacing
    those kept at an earlier publication; returns how many were kept."""
    f = s.published_figures
    tables = list(tables)
    conn.execute(sa.delete(f).where(f.c.period == period_key, f.c.table_name.in_(tables)))
    now = current_figures(conn, period_key, tables)
    if now.empty:
        return 0
    conn.execute(
        f.insert(),
        [
            {
                "period": period_key,
                "table_name": r.table,
                "row_key": r.row_key,
                "item": r.item,
                "field": r.field,
                "value": r.value,
                "published_at": when,
            }
            for r in now.itertuples()
        ],
    )
    return len(now)


def republication_changes(conn: Connection, period_key: int) -> pd.DataFrame:
    """For a quarter published before: the fields that differ from the figures as last published
    and that no revision recorded since then accounts for (:data:`CHANGE_COLUMNS`). Empty for a
    quarter never published, or one whose figures were not kept."""
    f = s.published_figures
    kept = conn.execute(
        sa.select(
            f.c.table_name, f.c.row_key, f.c.item, f.c.field, f.c.value, f.c.published_at
        ).where(f.c.period == period_key)
    ).fetchall()
    if not kept:
        return empty_changes()
    since = min(pd.Timestamp(r[5]) for r in kept)
    before = {(str(t), str(k), str(fl)): (str(i), v) for t, k, i, fl, v, _ in kept}
    now_frame = current_figures(conn, period_key)
    now = {
        (str(t), str(k), str(fl)): (str(i), v)
        for t, k, i, fl, v in now_frame.itertuples(index=False)
    }
    r = s.published_revisions
    recorded = {
        (str(t), str(i), str(fl))
        for t, i, fl in conn.execute(
            sa.select(r.c.table_name, r.c.item, r.c.field).where(
                r.c.period == period_key,
                sa.or_(r.c.revised_at >= since, r.c.rolled_back_at >= since),
            )
        )
    }
    out = []
    for key in sorted(set(before) | set(now)):
        item, old = before.get(key, (now.get(key, ("", None))[0], None))
        new = now.get(key, (item, None))[1]
        if same(old, new) or (key[0], item, key[2]) in recorded:
            continue
        out.append(
            {
                "table": key[0],
                "period": period_key,
                "item": item,
                "field": key[2],
                "old": old,
                "new": new,
            }
        )
    return pd.DataFrame(out, columns=CHANGE_COLUMNS)


def mark_published(conn: Connection, period_key: int, user: str, when: dt.datetime) -> None:
    """Remember that the quarter was published (once is enough) and keep its figures as published."""
    o = s.published_once
    if conn.execute(sa.select(o.c.period).where(o.c.period == period_key)).first() is None:
        conn.execute(
            o.insert().values(period=period_key, first_published_by=user, first_published_at=when)
        )
    take_figures(conn, period_key, when)


def backfill_published_once(conn: Connection) -> list[str]:
    """For a database from before quarters were remembered once published: every quarter published
    now was published once, with the figures it shows now. Idempotent."""
    done = []
    pq = s.published_quarters
    for period_key, by, at in conn.execute(
        sa.select(pq.c.period, pq.c.published_by, pq.c.published_at).order_by(pq.c.period)
    ).fetchall():
        o = s.published_once
        if conn.execute(sa.select(o.c.period).where(o.c.period == period_key)).first() is None:
            conn.execute(
                o.insert().values(period=period_key, first_published_by=by, first_published_at=at)
            )
            take_figures(conn, int(period_key), at)
            done.append(f"quarter {int(period_key)} remembered as published, with its figures")
    return done


def backfill_record_table(conn: Connection, table: str) -> list[str]:
    """For a database from before ``table`` was a record table: each quarter published once keeps
    the table's rows it holds now among its figures as published (as :func:`backfill_published_once`
    does for a whole quarter), dated as the quarter's other figures are, so that publishing it again
    does not take them for changes. Idempotent: a quarter that keeps some of them already is left."""
    done = []
    f, o = s.published_figures, s.published_once
    for period_key, first_at in conn.execute(
        sa.select(o.c.period, o.c.first_published_at).order_by(o.c.period)
    ).fetchall():
        if conn.execute(
            sa.select(f.c.period).where(f.c.period == period_key, f.c.table_name == table).limit(1)
        ).first():
            continue
        kept_at = conn.execute(
            sa.select(sa.func.min(f.c.published_at)).where(f.c.period == period_key)
        ).scalar()
        if take_figures(conn, int(period_key), kept_at or first_at, [table]):
            done.append(f"quarter {int(period_key)}'s {table} kept as published")
    return done
