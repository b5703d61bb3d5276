"""Bringing a database made by an older version up to date: missing tables and columns, then the
one-off backfills (published definitions, published-once figures, stored quarter counts).

It sits above :mod:`harrow_dash.schema` (the tables) and the modules whose backfills it runs, so the
schema itself imports none of them (no import circle).
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, text

from harrow_dash import quarter_counts as counts
from harrow_dash import schema as s
from harrow_dash.published_definitions import backfill
from harrow_dash.revision_rule import backfill_published_once


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
    if counts.missing(conn):  # a database from before the counts were stored: count them once
        counts.refresh(conn)
        done.append(s.quarter_counts.name)
    if version is not None and version != s.SCHEMA_VERSION:
        conn.execute(
            s.schema_info.update()
            .where(s.schema_info.c.key == "version")
            .values(value=s.SCHEMA_VERSION)
        )
        done.append(f"schema version {version} -> {s.SCHEMA_VERSION}")
    return done
