"""Definitions versioned with publication: what the public view may call things.

A quarter's figures are the record once published, and so are the words around them: the indicator
and flagship action names, descriptions, priorities, directorates, portfolios and leads. When a
quarter is published, :func:`take_snapshot` copies the definition tables (``schema.DEFINITION_TABLES``)
into their ``published_*`` twins, stamped with that quarter. A public store reads definitions through
:func:`in_force`, the copy made for the latest published quarter; a later draft that adds an
indicator, renames one or brings a new directorate or portfolio changes nothing there until its
quarter is published.

A database whose quarters were published before these copies existed gets them from
:func:`backfill`, which rebuilds the definitions as they stood when each quarter was published from
the load history (the rows each batch replaced), once, when the database is upgraded.

No Streamlit here; all SQL is built with SQLAlchemy Core (bound parameters only).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harrow_dash.store import schema as s


def _columns(name: str) -> list[str]:
    return [c.name for c in s.metadata.tables[name].columns]


def in_force(name: str, alias: str | None = None) -> sa.Subquery:
    """The definitions of ``name`` (``"indicators"``, ...) in force at the latest published quarter,
    with the live table's columns: empty when nothing is published. ``alias`` names the subquery
    (for a query that reads the same definitions twice)."""
    snap = s.PUBLISHED_DEFINITIONS[name]
    latest = sa.select(sa.func.max(s.published_quarters.c.period)).scalar_subquery()
    return (
        sa.select(*(snap.c[c] for c in _columns(name)))
        .where(snap.c.period == latest)
        .subquery(alias or f"{name}_in_force")
    )


def drop_snapshot(conn: Connection, period_key: int) -> None:
    for table in s.PUBLISHED_DEFINITIONS.values():
        conn.execute(sa.delete(table).where(table.c.period == period_key))


def take_snapshot(conn: Connection, period_key: int) -> None:
    """Record the definitions as they are now as those published with quarter ``period_key``
    (replacing an earlier copy for that quarter). Run inside the publishing transaction."""
    drop_snapshot(conn, period_key)
    for name, snap in s.PUBLISHED_DEFINITIONS.items():
        source = s.metadata.tables[name]
        cols = _columns(name)
        conn.execute(
            snap.insert().from_select(
                ["period", *cols],
                sa.select(sa.literal(period_key, sa.Integer).label("period"), *source.c),
            )
        )


def _as_at(name: str, when: dt.datetime) -> sa.Select:
    """The rows of ``name`` as they stood at ``when``, rebuilt from the load history: a current row
    loaded by then, or a replaced row loaded by then and replaced after it. Rows without a batch
    (made by hand) count as always there. Approximate only where a batch was rolled back after
    ``when``: the rows it held then are gone from the history."""
    live = s.metadata.tables[name]
    hist = s.HISTORY_TABLES[name]
    b = s.load_batches.alias("loaded")
    r = s.load_batches.alias("replaced")
    cols = _columns(name)
    current = (
        sa.select(*(live.c[c] for c in cols))
        .select_from(live.outerjoin(b, b.c.id == live.c.batch_id))
        .where(sa.or_(live.c.batch_id.is_(None), b.c.loaded_at <= when))
    )
    replaced = (
        sa.select(*(hist.c[c] for c in cols))
        .select_from(
            hist.outerjoin(b, b.c.id == hist.c.batch_id).join(r, r.c.id == hist.c.replaced_by)
        )
        .where(
            sa.or_(hist.c.batch_id.is_(None), b.c.loaded_at <= when),
            r.c.loaded_at > when,
        )
    )
    return sa.union_all(current, replaced).subquery("as_at").select()


def backfill(conn: Connection) -> list[str]:
    """Give every published quarter without a copy of its definitions the copy it would have had.
    Idempotent; returns what it did (for :func:`schema_upgrade.upgrade`'s report)."""
    done: list[str] = []
    snap = s.PUBLISHED_DEFINITIONS["indicators"]
    pq = s.published_quarters
    missing = conn.execute(
        sa.select(pq.c.period, pq.c.published_at).where(
            ~sa.exists().where(snap.c.period == pq.c.period)
        )
    ).fetchall()
    for period_key, published_at in missing:
        for name, table in s.PUBLISHED_DEFINITIONS.items():
            cols = _columns(name)
            rows = _as_at(name, published_at).subquery()
            conn.execute(
                table.insert().from_select(
                    ["period", *cols],
                    sa.select(
                        sa.literal(int(period_key), sa.Integer).label("period"),
                        *(rows.c[c] for c in cols),
                    ),
                )
            )
        done.append(f"definitions published with quarter {int(period_key)}")
    return done
