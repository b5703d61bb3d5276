"""A SELECT of tens of thousands of rows read from PostgreSQL as one value: the server packs each
result column into a JSON array (``json_agg``) and sends the lot as one text, which Python's JSON
parser (C) unpacks in a few milliseconds.

Read through ``COPY ... TO STDOUT`` (``store._read_copy``), psycopg hands over one message per row,
and at the 52,000 comparator values the Comparisons page compares (35 areas x 1,485 measures) that
per-row handling was most of the read: 0.5-0.8 s against 0.15 s of PostgreSQL's own work.

The frame is the one ``store._read_copy`` gives for the same rows (each column converted the same
way, by ``bulk_reads._column_like_rows``); None, with nothing run but the type query, for what
``bulk_reads.prepare_select`` (the preparation both share) does not cover: the caller reads it the
ordinary way.
No Streamlit.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection


def read_packed(
    conn: Connection, statement: sa.Executable, params: dict[str, Any] | None = None
) -> pd.DataFrame | None:
    """The rows of ``statement`` as a frame, read as one packed value (see the module's note); the
    rows keep the statement's order (every column is aggregated in the same pass over them)."""
    from harrow_dash.store.bulk_reads import _column_like_rows, prepare_select

    prepared = prepare_select(conn, statement, params)
    if prepared is None or not prepared.names:
        return None
    import psycopg.sql  # there is a psycopg connection: the driver is installed

    names, types = prepared.names, prepared.types
    with prepared.driver.cursor() as cur:
        packed = psycopg.sql.SQL("SELECT json_build_array({})::text FROM ({}) AS q").format(
            psycopg.sql.SQL(", ").join(
                # A real as its text (PostgreSQL's shortest exact one): JSON has no NaN, no
                # infinity and no negative zero.
                psycopg.sql.SQL(
                    "json_agg(q.{}::text)" if pa.types.is_floating(t) else "json_agg(q.{})"
                ).format(psycopg.sql.Identifier(n))
                for n, t in zip(names, types, strict=True)
            ),
            prepared.query,
        )
        # Sorting tens of thousands of rows in memory rather than on disk (4 MB by default): for
        # this transaction only.
        cur.execute("SET LOCAL work_mem = '64MB'")
        cur.execute(packed)
        row = cur.fetchone()
    columns = json.loads(row[0]) if row is not None and row[0] is not None else None
    if columns is None or columns[0] is None:  # no rows: json_agg of nothing is NULL
        return pd.DataFrame([], columns=names)
    frame = pd.DataFrame(
        {
            i: _column_like_rows(pa.chunked_array([_array(values, kind)]))
            for i, (values, kind) in enumerate(zip(columns, types, strict=True))
        }
    )
    frame.columns = pd.Index(names)
    return frame


def _array(values: list[Any], kind: pa.DataType) -> pa.Array:
    """One unpacked column as Arrow; reals come as PostgreSQL's text of them (``NaN``,
    ``Infinity``, ``-0``: each as Python's ``float`` reads it)."""
    if pa.types.is_floating(kind):
        values = [None if v is None else float(v) for v in values]
    return pa.array(values, type=kind)
