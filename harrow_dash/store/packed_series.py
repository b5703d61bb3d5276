"""Many indicators' actuals read from PostgreSQL packed into one row of whole columns, then unpacked.

Read row by row, 13,200 indicators x 40 quarters is 528,000 rows, and PostgreSQL's driver spends
seconds in Python on them (one message per row, COPY included), where DuckDB hands Arrow columns
over in a quarter of a second. Here the database puts every matching value's indicator, quarter and
actual end to end, a column each, in one row: the actuals and quarters in their binary form
(``float8send``, ``int4send``: big-endian, exact; a blank actual as NaN), the indicators' references
as their UTF-8 bytes with a separator between each two, and whether each counts people as one
character. The row travels in binary form (the bytes as they are, not written out as hexadecimal).
numpy and Arrow read the bytes as they are, and put the rows in order (by reference, bytewise as
DuckDB and Python sort text, then by quarter) into the same long frame (ref, period, actual,
counts_people) the row-by-row read gives.

The database neither groups nor sorts: each aggregate takes the rows in the order they are scanned,
the same order for all of them (they are computed in one pass), and the sorting happens here, on
numbers. Grouping per indicator with the quarters in order (``string_agg ... ORDER BY period``, the
earlier form of this read) cost the server three times as much, a sort per indicator.

Only the transport differs: which values are read (the quarter limit, published quarters only in a
public store, the definitions in force) is decided by the caller's conditions, the same ones as the
row-by-row read, and what is shown or hidden is decided afterwards by the same rule
(``views.sparkline_values``). A double travels as its eight bytes, so the number read back is the
same double.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harrow_dash.store import schema as s

if TYPE_CHECKING:
    from harrow_dash.store.connection import StoreBase

# counts_people of each value travels as one character: yes, no, not given.
_PEOPLE_CODES = (ord("1"), ord("0"))
_PEOPLE_VALUES = np.array([True, False, None], dtype=object)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ref": pd.Series(dtype=object),
            "period": pd.Series(dtype="int64"),
            "actual": pd.Series(dtype="float64"),
            "counts_people": pd.Series(dtype=object),
        }
    )


def _bytes(value: Any) -> bytes:
    return bytes(value) if value is not None else b""


# Texts are packed end to end with this character between them (the unit separator, 0x1f): in UTF-8
# its byte is never part of another character, so the texts are found by finding that byte. A text
# holding it (no reference should) makes the count come out wrong, and the caller reads the rows.
_SEPARATOR = 0x1F


def _packed_text(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """A text column's values end to end, :data:`_SEPARATOR` between each two."""
    return sa.func.string_agg(column, sa.func.chr(_SEPARATOR))


def _texts(text: str | None, n: int) -> pa.Array | None:
    """The ``n`` texts packed by :func:`_packed_text`, as an Arrow array (each text's bytes taken as
    they are, not made into a Python object each); None if the separators do not make ``n``."""
    data = np.frombuffer((text or "").encode(), dtype=np.uint8)
    separators = np.flatnonzero(data == _SEPARATOR)
    if len(separators) != n - 1:
        return None
    offsets = np.zeros(n + 1, dtype=np.int64)
    # Each text's end, less the separators before it: where it ends once they are taken out.
    offsets[1:] = np.r_[separators, len(data)] - np.arange(n)
    kept = np.delete(data, separators)
    names = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(kept))
    names.validate(full=True)  # UTF-8, each text within the bytes
    return names.cast(pa.string())


_NO_BYTES: sa.ColumnElement[Any] = sa.literal_column("''::bytea")


def _fetch_binary(conn: Connection, q: sa.Select[Any]) -> dict[str, Any]:
    """The one row of ``q``, its values sent in their binary form: the packed bytes as they are,
    where the ordinary text form would double them as hexadecimal for the server to write and the
    driver to read (a third of the read's time at 528,000 values)."""
    from psycopg.rows import dict_row  # there is a PostgreSQL connection: the driver is installed

    compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    driver = conn.connection.driver_connection
    with driver.cursor(binary=True, row_factory=dict_row) as cur:  # type: ignore[union-attr]
        cur.execute(str(compiled), compiled.construct_params())
        row = cur.fetchone()
    assert row is not None  # aggregates without GROUP BY: always one row
    return dict(row)


def _by_rank_then_period(rank: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """The order of the rows by reference (its rank), then quarter. Both fit in 16 bits at any size
    a council has (quarter keys are year * 10 + quarter): then two stable sorts of 16-bit numbers,
    which numpy does by radix, a quarter of the time of one sort of a combined 64-bit key."""
    small = np.iinfo(np.uint16).max
    if len(rank) and rank.max() <= small and periods.min() >= 0 and periods.max() <= small:
        by_period = np.argsort(periods.astype(np.uint16), kind="stable")
        return by_period[np.argsort(rank[by_period].astype(np.uint16), kind="stable")]
    return np.argsort((rank << 32) | periods, kind="stable")


def indicator_actuals(
    store: StoreBase,
    definitions: sa.FromClause,
    conditions: list[sa.ColumnElement[bool]],
    refs: list[str],
) -> pd.DataFrame | None:
    """ref, period, actual, counts_people of the values matching ``conditions`` (on
    ``indicator_values``) of the indicators ``refs`` defined in ``definitions``, sorted by ref then
    period: the frame ``Store.indicator_actuals`` returns, read as one row of packed columns. None
    on a database whose text is not stored as UTF-8 (lengths in bytes would not match): the caller
    reads the rows the ordinary way."""
    v, i = s.indicator_values, definitions
    values = (
        sa.select(
            sa.func.count().label("n"),
            _packed_text(v.c.ref).label("refs"),
            sa.func.string_agg(sa.func.int4send(v.c.period), _NO_BYTES).label("periods"),
            sa.func.string_agg(
                sa.func.float8send(
                    sa.func.coalesce(v.c.actual, sa.literal_column("'NaN'::float8"))
                ),
                _NO_BYTES,
            ).label("actuals"),
        )
        .where(*conditions)
        .subquery("packed_values")
    )
    people = sa.case(
        (i.c.counts_people.is_(True), "1"), (i.c.counts_people.is_(False), "0"), else_="-"
    )
    defined = sa.select(
        sa.func.count().label("defined"),
        _packed_text(i.c.ref).label("def_refs"),
        sa.func.string_agg(people, sa.literal("")).label("people"),
    ).subquery("packed_definitions")
    # One statement (one snapshot of the data): the values and the definitions they are joined to.
    q = sa.select(
        values, defined, sa.func.current_setting("server_encoding").label("encoding")
    ).select_from(values.join(defined, sa.true()))
    with store.connect() as conn:
        row = _fetch_binary(conn, q)
    if row["encoding"] != "UTF8":
        return None
    n, m = int(row["n"]), int(row["defined"])
    if not n or not m:
        return _empty()
    names, def_refs = _texts(row["refs"], n), _texts(row["def_refs"], m)
    if names is None or def_refs is None:
        return None
    periods = np.frombuffer(_bytes(row["periods"]), dtype=">i4").astype(np.int64)
    actuals = np.frombuffer(_bytes(row["actuals"]), dtype=">f8").astype(np.float64)
    people_codes = np.frombuffer((row["people"] or "").encode(), dtype=np.uint8)
    if not (len(periods) == len(actuals) == n and len(people_codes) == m):
        raise RuntimeError("the packed actuals did not unpack to one value per row")
    # The references as codes into their distinct values; those values ranked bytewise, each with
    # its definition (the join), kept if asked for and defined.
    encoded = pc.dictionary_encode(names)
    distinct = encoded.dictionary
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[pc.sort_indices(distinct).to_numpy(zero_copy_only=False)] = np.arange(len(distinct))
    definition = pc.index_in(distinct, value_set=def_refs)
    wanted = pc.and_(
        pc.is_in(distinct, value_set=pa.array(refs, type=pa.string())), pc.is_valid(definition)
    ).to_numpy(zero_copy_only=False)
    keep = np.flatnonzero(wanted[codes])
    if not len(keep):
        return _empty()
    order = keep[_by_rank_then_period(rank[codes[keep]], periods[keep])]
    in_order = distinct.take(pa.array(codes[order]))
    yes, no = _PEOPLE_CODES
    people_of_definition = np.where(people_codes == yes, 0, np.where(people_codes == no, 1, 2))
    people_of_ref = people_of_definition[definition.fill_null(0).to_numpy(zero_copy_only=False)]
    from harrow_dash.store.bulk_reads import _column_like_rows

    return pd.DataFrame(
        {
            "ref": _column_like_rows(pa.chunked_array([in_order])),
            "period": periods[order],
            "actual": actuals[order],
            "counts_people": _PEOPLE_VALUES[people_of_ref[codes[order]]],
        }
    )
