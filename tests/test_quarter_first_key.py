"""Schema version 6: ``indicator_values`` is keyed by (period, ref), quarter first, and on PostgreSQL has
no second index. A version-5 database (key (ref, period); PostgreSQL's ``ix_indicator_values_period``)
is upgraded in place (PostgreSQL's period index replaced by one on ref): every row and every history row kept, the record of revisions intact, and what
the pages read, a rollback and a revision the same afterwards. On DuckDB and on PostgreSQL.

The version-5 layout is made here from a current database, as version 5's schema declared it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from harrow_dash.ingest.load import FileInput, PublishedChangeRefused, Revision, load, rollback
from harrow_dash.outputs import revisions
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.store import Store, quarter_counts, schema_upgrade
from harrow_dash.store import schema as s

pytestmark = pytest.mark.both_databases

Snapshot = dict[str, list[tuple[Any, ...]]]
Q3 = parse_period("Q3 2023-24")
P1 = "A council that puts residents first"
HEAD = "Ref,Name,Priority,Unit,Polarity,Period,Actual\n"


def values(*rows: tuple[str, str, str]) -> list[FileInput]:
    body = "".join(f"{ref},Missed bins,{P1},count,lower,{q},{a}\n" for ref, q, a in rows)
    return [FileInput("values.csv", (HEAD + body).encode())]


def key_and_indexes(db: Store) -> tuple[list[str], set[str]]:
    """indicator_values' primary key columns in order, and (PostgreSQL) its other indexes."""
    with db.connect() as conn:
        _, key = schema_upgrade._primary_key(conn, "indicator_values")
        if db.is_duckdb:
            return key, set()
        names = conn.execute(
            sa.text(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'indicator_values' "
                "AND schemaname = current_schema() AND indexname <> 'indicator_values_pkey'"
            )
        ).scalars()
        return key, set(names)


def to_version_5(db: Store) -> None:
    """Give ``db`` version 5's layout: key (ref, period) and, on PostgreSQL, the period index and no
    index on ref."""
    with db.begin() as conn:
        if db.is_duckdb:
            old = sa.Table(
                "indicator_values_v5",
                sa.MetaData(),
                *(sa.Column(c.name, c.type, nullable=c.nullable) for c in s.indicator_values.c),
                sa.PrimaryKeyConstraint("ref", "period"),
            )
            old.create(conn)
            conn.execute(
                old.insert().from_select(
                    list(s.indicator_values.c.keys()), sa.select(*s.indicator_values.c)
                )
            )
            conn.exec_driver_sql("DROP TABLE indicator_values")
            conn.exec_driver_sql("ALTER TABLE indicator_values_v5 RENAME TO indicator_values")
        else:
            conn.exec_driver_sql("DROP INDEX ix_indicator_values_ref")
            conn.exec_driver_sql(
                "ALTER TABLE indicator_values DROP CONSTRAINT indicator_values_pkey"
            )
            conn.exec_driver_sql("ALTER TABLE indicator_values ADD PRIMARY KEY (ref, period)")
            conn.exec_driver_sql(
                "CREATE INDEX ix_indicator_values_period ON indicator_values (period, ref)"
            )
        conn.execute(
            sa.update(s.schema_info).where(s.schema_info.c.key == "version").values(value="5")
        )


BY_REF = {"ix_indicator_values_ref"}  # PostgreSQL's index for lookups by indicator


def test_a_new_database_keys_values_by_quarter_first_and_indexes_them_by_indicator(
    store: Store,
) -> None:
    assert key_and_indexes(store) == (["period", "ref"], set() if store.is_duckdb else BY_REF)


def test_a_version_5_database_is_upgraded_keeping_every_row_and_the_history(
    sample_store: Store, db_snapshot: Callable[[Store], Snapshot]
) -> None:
    db = sample_store
    db.publish(Q3, "publisher")
    revised = load(
        db,
        values(("PI-01", "Q3 2023-24", "61")),
        "jo",
        revision=Revision("the contractor's corrected count"),
    )
    to_version_5(db)
    assert key_and_indexes(db) == (
        ["ref", "period"],
        set() if db.is_duckdb else {"ix_indicator_values_period"},
    )
    before = db_snapshot(db)
    assert before["indicator_values_history"], "the revision replaced a row: there is history"
    snapshot_before = db.indicator_snapshot(Filters(period=Q3))

    done = db.upgrade()

    assert "indicator_values keyed by (period, ref)" in done
    assert f"schema version 5 -> {s.SCHEMA_VERSION}" in done
    assert key_and_indexes(db) == (["period", "ref"], set() if db.is_duckdb else BY_REF)
    after = db_snapshot(db)
    assert after.pop("schema_info") != before.pop("schema_info")
    assert after == before  # every row, the history tables and the record of revisions
    assert db.indicator_snapshot(Filters(period=Q3)).equals(snapshot_before)
    assert db.upgrade() == []  # idempotent

    # A rollback of the revision restores exactly what was there, recorded with its reason.
    rollback(db, revised.batch_id, "jo", reason="the correction was wrong")
    restored = db_snapshot(db)
    assert restored["indicator_values"] == before_revision_values(before, revised.batch_id)
    recorded = revisions.read(db)
    mine = recorded[recorded["batch_id"] == revised.batch_id]
    assert len(mine) and set(mine["rolled_back_reason"]) == {"the correction was wrong"}
    with db.connect() as conn:
        assert quarter_counts.read(conn) == quarter_counts.compute(conn)


def before_revision_values(before: Snapshot, batch_id: int) -> list[tuple[Any, ...]]:
    """indicator_values as it was before batch ``batch_id``: its history rows put back in place of
    the rows it wrote (the batch replaced rows only: it added none)."""
    columns = [c.name for c in s.indicator_values.c]
    batch = columns.index("batch_id")
    kept = [r for r in before["indicator_values"] if r[batch] != batch_id]
    history = [r[1:] for r in before["indicator_values_history"] if r[0] == batch_id]
    return sorted(kept + history, key=lambda r: tuple((v is None, repr(v)) for v in r))


def test_an_upgraded_database_refuses_changes_to_a_published_quarter_and_shows_only_it_in_public(
    sample_store: Store,
) -> None:
    db = sample_store
    to_version_5(db)
    db.upgrade()
    db.publish(Q3, "publisher")
    before = db.indicator_snapshot(Filters(period=Q3))
    with pytest.raises(PublishedChangeRefused):
        load(db, values(("PI-01", "Q3 2023-24", "62")), "jo")
    assert db.indicator_snapshot(Filters(period=Q3)).equals(before)
    public = Store(db.url, public=True)
    try:
        assert public.periods() == db.published_periods() == [Q3]
        assert len(public.indicator_snapshot(Filters(period=Q3))) == len(before)
    finally:
        public.dispose()
