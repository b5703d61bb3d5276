"""Reading query results fast: DuckDB result columns read whole through Arrow, PostgreSQL results
through COPY, and the preparation both share (:func:`prepare_select`), used by
:meth:`Store.read <harrow_dash.store.connection.StoreBase.read>` and
:mod:`harrow_dash.store.packed_read`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

# DuckDB result types read column by column (see ``_read_columns``); others go row by row.
_COLUMNAR_TYPES = frozenset(
    {"VARCHAR", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "BOOLEAN", "NULL"}
)


def _read_columns(
    conn: Connection, statement: sa.Executable, params: dict[str, Any]
) -> pd.DataFrame | None:
    """A SELECT run on DuckDB through its own relation API and read as Arrow columns, giving exactly
    the frame ``pd.DataFrame(rows, columns=keys)`` gives from the same rows, without a Python object
    per value (a 20,000-indicator snapshot reads in a few milliseconds instead of a hundred or
    more). None, with nothing run, for whatever that does not cover (:func:`read_arrow`); the
    caller then runs it the ordinary way."""
    table = read_arrow(conn, statement, params)
    return None if table is None else frame_of(table)


def read_arrow(
    conn: Connection, statement: sa.Executable, params: dict[str, Any]
) -> pa.Table | None:
    """A SELECT run on DuckDB through its own relation API, as an Arrow table. None, with nothing
    run, for a statement that is not a SELECT construct, a parameter SQLAlchemy would convert
    first, a column type :func:`frame_of` does not know, or two columns of the same name."""
    if not isinstance(statement, sa.Select | sa.CompoundSelect):
        return None
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    for bind in compiled.binds.values():
        if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
            return None
    values = compiled.construct_params(params)
    args = [values[name] for name in compiled.positiontup or ()]
    relation = conn.connection.driver_connection.sql(str(compiled), params=args or None)  # type: ignore[union-attr]
    names = list(relation.columns)
    if len(set(names)) != len(names) or any(str(t) not in _COLUMNAR_TYPES for t in relation.types):
        return None
    return relation.to_arrow_table()


def frame_of(table: pa.Table) -> pd.DataFrame:
    """The frame of :func:`read_arrow`'s table, as ``pd.DataFrame(rows, columns=keys)`` makes it
    from the same rows (:func:`_column_like_rows`)."""
    names = table.column_names
    if not table.num_rows:
        return pd.DataFrame([], columns=names)
    frame = pd.DataFrame({i: _column_like_rows(table.column(i)) for i in range(table.num_columns)})
    frame.columns = pd.Index(names)
    return frame


def by_rank_then_period(rank: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """The order of rows by a rank (an indicator's), then quarter. Both fit in 16 bits at any size
    a council has (quarter keys are year * 10 + quarter): then two stable sorts of 16-bit numbers,
    which numpy does by radix, a quarter of the time of one sort of a combined 64-bit key."""
    small = np.iinfo(np.uint16).max
    if len(rank) and rank.max() <= small and periods.min() >= 0 and periods.max() <= small:
        by_period = np.argsort(periods.astype(np.uint16), kind="stable")
        return by_period[np.argsort(rank[by_period].astype(np.uint16), kind="stable")]
    return np.argsort((rank.astype(np.int64) << 32) | periods, kind="stable")


def _column_like_rows(col: pa.ChunkedArray) -> Any:
    """One column as ``pd.DataFrame(rows)`` infers it from the Python values DuckDB returns for it:
    text as ``str`` (missing as NaN); whole numbers as int64 or, with a gap, float64; reals as
    float64 (4-byte ones widen exactly, as they do to Python floats); booleans as bool or, with a
    gap, objects; a column with no value at all as objects (None)."""
    n, missing = len(col), col.null_count
    if missing == n:
        return np.full(n, None, dtype=object)
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return pd.array(col, dtype=str)
    if pa.types.is_boolean(col.type):
        if missing:
            return np.array(col.to_pylist(), dtype=object)
        return col.to_numpy(zero_copy_only=False).astype(bool)
    if pa.types.is_integer(col.type) and not missing:
        return col.to_numpy(zero_copy_only=False).astype(np.int64)
    return col.to_numpy(zero_copy_only=False).astype(np.float64)


# PostgreSQL result types read through COPY (see ``_read_copy``), by type OID: the Arrow type each is
# parsed as. psycopg gives the same Python values for these (bool, int, float, str).
_COPY_TYPES = {
    16: pa.bool_(),  # boolean
    20: pa.int64(),  # bigint
    21: pa.int64(),  # smallint
    23: pa.int64(),  # integer
    701: pa.float64(),  # double precision (written in full: shortest exact text)
    25: pa.string(),  # text
    1043: pa.string(),  # varchar
}


# The names and Arrow types of a statement's result columns on a database (see ``_read_copy``).
_COPY_COLUMNS: dict[tuple[str, str], tuple[list[str], list[pa.DataType | None]]] = {}
# Histories of more indicators than this are read as many rows (a few quarters each: thousands).
MANY_REFS = 20


@dataclass(frozen=True)
class PreparedSelect:
    """A SELECT ready to be read by a bulk path on PostgreSQL: psycopg's connection, the statement's
    text with its values quoted in, and its result columns' names and Arrow types."""

    driver: Any  # psycopg.Connection
    query: Any  # psycopg.sql.SQL
    names: list[str]
    types: list[pa.DataType]


def prepare_select(
    conn: Connection, statement: sa.Executable, params: dict[str, Any] | None = None
) -> PreparedSelect | None:
    """What the bulk reads (:func:`_read_copy`, :func:`harrow_dash.store.packed_read.read_packed`) need
    to run ``statement`` on PostgreSQL themselves. The result's column types are asked the first
    time (the query planned with ``LIMIT 0``). None, with nothing but that run, for whatever they
    do not cover: not a SELECT construct, a parameter SQLAlchemy would convert first, a connection
    not in UTF-8, a type not in ``_COPY_TYPES`` or two columns of the same name; the caller then
    runs it the ordinary way."""
    try:
        import psycopg
        import psycopg.sql
    except ImportError:  # another database's driver
        return None

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
    # COPY takes no parameters: the values are quoted into the text by psycopg.
    text = psycopg.ClientCursor(driver).mogrify(str(compiled), compiled.construct_params(params))
    query = psycopg.sql.SQL(text)  # type: ignore[arg-type]  # SQLAlchemy's, values quoted by psycopg
    # The result's columns depend on the statement, not on its values: asked once per database.
    key = (str(conn.engine.url), str(compiled))
    if key not in _COPY_COLUMNS:
        if len(_COPY_COLUMNS) > 500:
            _COPY_COLUMNS.clear()
        with driver.cursor() as cur:
            cur.execute(psycopg.sql.SQL("SELECT * FROM ({}) AS q LIMIT 0").format(query))
            described = cur.description or []
        _COPY_COLUMNS[key] = (
            [d.name for d in described],
            [_COPY_TYPES.get(d.type_code) for d in described],
        )
    names, types = _COPY_COLUMNS[key]
    if len(set(names)) != len(names) or any(t is None for t in types):
        return None
    return PreparedSelect(driver, query, names, [t for t in types if t is not None])


def _read_copy(
    conn: Connection, statement: sa.Executable, params: dict[str, Any]
) -> pd.DataFrame | None:
    """A SELECT run on PostgreSQL as ``COPY (...) TO STDOUT`` in CSV and parsed by Arrow, giving
    exactly the frame ``pd.DataFrame(rows, columns=keys)`` gives from the rows psycopg returns,
    without a Python object per value: for a query of thousands of rows, a third of the time.
    None for whatever :func:`prepare_select` does not cover; the caller then runs it the ordinary
    way."""
    prepared = prepare_select(conn, statement, params)
    if prepared is None:
        return None
    import psycopg.sql  # there is a psycopg connection: the driver is installed
    import pyarrow.csv as pa_csv

    names, types = prepared.names, prepared.types
    with prepared.driver.cursor() as cur:
        copy_sql = psycopg.sql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(prepared.query)
        with cur.copy(copy_sql) as copy:
            data = b"".join(copy)
    if not data:
        return pd.DataFrame([], columns=names)
    keys = [f"c{i}" for i in range(len(names))]
    table = pa_csv.read_csv(
        pa.py_buffer(data),
        read_options=pa_csv.ReadOptions(column_names=keys),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        # NULL is an empty field, an empty text a quoted one ("").
        convert_options=pa_csv.ConvertOptions(
            column_types=dict(zip(keys, types, strict=True)),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )
    frame = pd.DataFrame({i: _column_like_rows(table.column(i)) for i in range(table.num_columns)})
    frame.columns = pd.Index(names)
    return frame
