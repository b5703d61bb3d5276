"""A SELECT of tens of thousands of rows read from PostgreSQL as one value: the server packs each
result column into a JSON array (``json_agg``) and sends the lot as one text, which Python's JSON
parser (C) unpacks in a few milliseconds.

Read through ``COPY ... TO STDOUT`` (``store._read_copy``), psycopg hands over one message per row,
and at the 52,000 comparator values the Comparisons page compares (35 areas x 1,485 measures) that
per-row handling was most of the read: 0.5-0.8 s against 0.15 s of PostgreSQL's own work.

The frame is the one ``store._read_copy`` gives for the same rows (each column converted the same
way, by ``store._column_like_rows``); None, with nothing run but the type query, for what it does
not cover (not PostgreSQL with psycopg in UTF-8, a parameter SQLAlchemy converts first, a column
type not in ``store._COPY_TYPES``, two columns of one name): the caller reads it the ordinary way.
No Streamlit.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

# The names and Arrow types of a statement's result columns on a database, asked once each.
_COLUMNS: dict[tuple[str, str], tuple[list[str], list[pa.DataType | None]]] = {}


def read_packed(
    conn: Connection, statement: sa.Executable, params: dict[str, Any] | None = None
) -> pd.DataFrame | None:
    """The rows of ``statement`` as a frame, read as one packed value (see the module's note); the
    rows keep the statement's order (every column is aggregated in the same pass over them)."""
    try:
        import psycopg
        import psycopg.sql
    except ImportError:  # another database's driver
        return None
    from harrow_dash.store import _COPY_TYPES, _column_like_rows

    if not isinstance(statement, sa.Select | sa.CompoundSelect):
        return None
    driver = conn.connection.driver_connection
    if not isinstance(driver, psycopg.Connection) or driver.info.encoding != "utf-8":
        return None
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    for bind in compiled.binds.values():
        if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
            return None
    text = psycopg.ClientCursor(driver).mogrify(str(compiled), compiled.construct_params(params))
    query = psycopg.sql.SQL(text)  # type: ignore[arg-type]  # SQLAlchemy's, values quoted by psycopg
    with driver.cursor() as cur:
        key = (str(conn.engine.url), str(compiled))
        if key not in _COLUMNS:
            if len(_COLUMNS) > 200:
                _COLUMNS.clear()
            cur.execute(psycopg.sql.SQL("SELECT * FROM ({}) AS q LIMIT 0").format(query))
            described = cur.description or []
            _COLUMNS[key] = (
                [d.name for d in described],
                [_COPY_TYPES.get(d.type_code) for d in described],
            )
        names, types = _COLUMNS[key]
        if not names or len(set(names)) != len(names) or any(t is None for t in types):
            return None
        packed = psycopg.sql.SQL("SELECT json_build_array({})::text FROM ({}) AS q").format(
            psycopg.sql.SQL(", ").join(
                # A real as its text (PostgreSQL's shortest exact one): JSON has no NaN, no
                # infinity and no negative zero.
                psycopg.sql.SQL(
                    "json_agg(q.{}::text)" if pa.types.is_floating(t) else "json_agg(q.{})"
                ).format(psycopg.sql.Identifier(n))
                for n, t in zip(names, types, strict=True)
            ),
            query,
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
