"""Bringing a database made by an older version up to date: missing tables and columns, the values
table keyed by quarter first (schema version 6), then the one-off backfills (published definitions, published-once figures, corrective actions kept as published, stored quarter counts).

It sits above :mod:`harrow_dash.store.schema` (the tables) and the modules whose backfills it runs, so the
schema itself imports none of them (no import circle).
"""

from __future__ import annotations

from sqlalchemy import Connection, MetaData, func, insert, select, text

from harrow_dash.store import packed_series, packed_snapshot
from harrow_dash.store import quarter_counts as counts
from harrow_dash.store import schema as s
from harrow_dash.store.published_definitions import backfill
from harrow_dash.store.revision_rule import backfill_published_once, backfill_record_table


def _primary_key(conn: Connection, name: str) -> tuple[str | None, list[str]]:
    """The name and the columns, in order, of table ``name``'s primary key (None, [] for none)."""
    rows = conn.execute(
        text(
            "SELECT k.constraint_name, k.column_name FROM information_schema.key_column_usage k "
            "JOIN information_schema.table_constraints c "
            "ON c.constraint_name = k.constraint_name AND c.table_name = k.table_name "
            "AND c.table_schema = k.table_schema "
            "WHERE k.table_name = :t AND k.table_schema = current_schema() "
            "AND c.constraint_type = 'PRIMARY KEY' ORDER BY k.ordinal_position"
        ),
        {"t": name},
    ).all()
    return (str(rows[0][0]) if rows else None), [str(r[1]).lower() for r in rows]


def _key_quarter_first(conn: Connection) -> list[str]:
    """Schema version 6: ``indicator_values`` keyed by (period, ref), as
    :data:`harrow_dash.store.schema.indicator_values`
    declares, where older databases have (ref, period) and, on PostgreSQL, a second index on
    (period, ref). PostgreSQL swaps the key in place (the new key's index is built in one sorted
    pass) and drops that index (:func:`upgrade` then creates ``ix_indicator_values_ref``, as it does
    any index missing from :data:`POSTGRES_INDEXES`); DuckDB cannot change a
    primary key, so the table is rebuilt: copied, by quarter, into a new table with the new key,
    which then takes the old one's name. Either way inside the caller's transaction, so it happens
    whole or not at all; the history tables are not touched. Nothing to do (and nothing returned)
    once the key leads with the quarter."""
    name = s.indicator_values.name
    wanted = [c.name for c in s.indicator_values.primary_key.columns]
    constraint, have = _primary_key(conn, name)
    if have == wanted or not have:
        return []
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f'ALTER TABLE {name} DROP CONSTRAINT "{constraint}"')
        conn.exec_driver_sql(f"ALTER TABLE {name} ADD PRIMARY KEY ({', '.join(wanted)})")
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_indicator_values_period")
    else:
        from sqlalchemy.schema import CreateTable

        rebuilt = s.indicator_values.to_metadata(MetaData(), name=f"{name}_rebuilt")
        conn.execute(CreateTable(rebuilt))
        by_key = select(*s.indicator_values.columns).order_by(
            *s.indicator_values.primary_key.columns
        )
        conn.execute(rebuilt.insert().from_select(list(s.indicator_values.columns.keys()), by_key))
        conn.exec_driver_sql(f"DROP TABLE {name}")
        conn.exec_driver_sql(f"ALTER TABLE {rebuilt.name} RENAME TO {name}")
    return [f"{name} keyed by ({', '.join(wanted)})"]


def upgrade(conn: Connection) -> list[str]:
    """Bring a database made by an older version up to date: create missing tables and add missing
    columns (with their defaults), then record the schema version. Idempotent; returns what it did.

    Columns are found through ``information_schema`` (DuckDB and PostgreSQL both have it), not
    SQLAlchemy reflection, which duckdb-engine does not support with SQLAlchemy 2.1."""
    done: list[str] = []
    s.metadata.create_all(conn)
    for table in s.metadata.sorted_tables:
        have = {
            str(r[0]).lower()
            for r in conn.execute(
                text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = :t AND table_schema = current_schema()"
                ),
                {"t": table.name},
            )
        }
        for col in table.columns:
            if col.name.lower() in have:
                continue
            ddl = f"ALTER TABLE {table.name} ADD COLUMN {col.name} {col.type.compile(conn.dialect)}"
            if col.server_default is not None:
                default = col.server_default.arg  # type: ignore[attr-defined]
                ddl += f" DEFAULT {default.compile(dialect=conn.dialect)}"
            conn.exec_driver_sql(ddl)
            done.append(f"{table.name}.{col.name}")
    done += _key_quarter_first(conn)
    if conn.dialect.name == "postgresql":
        for table in s.metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)
    if conn.execute(select(s.data_version.c.id)).first() is None:
        conn.execute(insert(s.data_version).values(id=1, version=1))
    version = conn.execute(
        s.schema_info.select()
        .with_only_columns(s.schema_info.c.value)
        .where(s.schema_info.c.key == "version")
    ).scalar()
    if version is not None and int(version) < s.PUBLISHED_DEFINITIONS_SINCE:
        # Quarters published before definitions were copied at publication get their copy once.
        done += backfill(conn)
    if version is not None and int(version) < s.PUBLISHED_ONCE_SINCE:
        # Quarters published now were published once, with the figures they now show.
        done += backfill_published_once(conn)
    elif version is not None and int(version) < s.CORRECTIVE_FIGURES_SINCE:
        # Corrective actions became figures of the record: quarters published before keep theirs
        # as they stand (backfill_published_once, just above, keeps every record table's).
        done += backfill_record_table(conn, s.corrective_actions.name)
    if counts.missing(conn):  # a database from before the counts were stored: count them once
        counts.refresh(conn)
        done.append(s.quarter_counts.name)
    if packed_series.stale(conn) or packed_snapshot.stale(conn):
        # From before they were kept, or left by an older version's write. Rewritten as a write
        # rewrites them, one writer at a time: two instances starting together would otherwise
        # both rewrite them, and the second fail on the first's rows.
        conn.execute(select(func.pg_advisory_xact_lock(s.WRITE_LOCK_KEY)))
        if packed_series.stale(conn):
            packed_series.refresh(conn)
            done.append(s.indicator_series.name)
        if packed_snapshot.stale(conn):
            packed_snapshot.refresh(conn)
            done += [s.quarter_packs.name, s.definition_packs.name]
    if version is not None and version != s.SCHEMA_VERSION:
        conn.execute(
            s.schema_info.update()
            .where(s.schema_info.c.key == "version")
            .values(value=s.SCHEMA_VERSION)
        )
        done.append(f"schema version {version} -> {s.SCHEMA_VERSION}")
    return done
