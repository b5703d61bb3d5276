"""Every indicator's actuals on PostgreSQL kept packed at each write, and read as one row of whole
columns: what the trend lines of the Indicators list need (``Store.actual_lines`` of many
indicators, ``views.trend_lines``).

Read row by row, 13,200 indicators x 40 quarters is 528,000 rows, and PostgreSQL's driver spends
seconds in Python on them (one message per row, COPY included), where DuckDB hands Arrow columns
over in a tenth of a second. Packing the values into one row at each read (an aggregate over every
value) still cost the server 110-180 ms of work per read, twice DuckDB's whole read. So the packing
is done once per write instead: :func:`refresh`, called by ``store.bump_data_version`` in every
write transaction that changes what pages show (a load, a rollback, a publication, a revision, a
form), rewrites ``indicator_series``: per indicator, its quarters and actuals in quarter order in
their binary forms end to end (``int4send``, ``float8send``: big-endian, exact; a blank actual as
NaN), with the data version it was written at. 0.4 s of server time per write at 528,000 values.

:func:`actual_lines` reads the series (13,200 rows) as one row: the references end to end with
a separator between each two, each series' length, and the quarters and actuals end to end, with the
definitions in force (each one's reference and whether it counts people, one character) and the
published quarters, in one statement (one snapshot of the data). The row travels in binary form
(the bytes as they are, not written out as hexadecimal). numpy and Arrow read the bytes as they
are, keep the quarters asked for (up to the limit; in a public store, published ones only: the same
conditions as the row-by-row read, applied to the quarter of each value), and put the values in
order (by reference, bytewise as DuckDB and Python sort text, then by quarter) as the lines of
:mod:`harrow_dash.store.actual_lines`, whose long frame is the one the row-by-row read gives. What is shown or hidden is decided
afterwards by the same rule (``views.trend_lines``). A double travels as its eight bytes, so
the number read back is the same double.

The series are only read when they were written at the current data version: a database written by
an older version of the app (which bumps the version without rewriting them) or not yet upgraded is
read row by row until ``schema_upgrade.upgrade`` (every app process and command runs it) rewrites
them (:func:`stale`). DuckDB keeps no series: it reads the values themselves as fast, and a million
values must load in under 3 s there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harrow_dash.store import schema as s
from harrow_dash.store.actual_lines import NO_LINES, ActualLines, in_order

if TYPE_CHECKING:
    from harrow_dash.store.connection import StoreBase

# counts_people of each definition travels as one character: yes, no, not given.
_PEOPLE_YES = ord("1")


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


def binary_rows(conn: Connection, q: sa.Select[Any]) -> list[dict[str, Any]]:
    """The rows of ``q``, their values sent in their binary form: packed bytes as they are, where
    the ordinary text form would double them as hexadecimal for the server to write and the driver
    to read (a third of the read's time at 528,000 values)."""
    compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    return binary_rows_of(conn, str(compiled), compiled.construct_params())


def binary_rows_of(conn: Connection, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows of a statement compiled for PostgreSQL's driver, sent in binary form (:func:`binary_rows`)."""
    from psycopg.rows import dict_row  # there is a PostgreSQL connection: the driver is installed

    driver = conn.connection.driver_connection
    with driver.cursor(binary=True, row_factory=dict_row) as cur:  # type: ignore[union-attr]
        cur.execute(sql, params)
        return [dict(row) for row in cur.fetchall()]


def _fetch_binary(conn: Connection, q: sa.Select[Any]) -> dict[str, Any]:
    """The one row of ``q`` (:func:`binary_rows`)."""
    rows = binary_rows(conn, q)
    assert len(rows) == 1  # aggregates without GROUP BY: always one row
    return rows[0]


def _series_of_every_indicator() -> sa.Select[Any]:
    """Each indicator's quarters and actuals in quarter order, packed (what ``indicator_series``
    holds). Sorting per indicator is the server's one costly step; it is done once per write."""
    from sqlalchemy.dialects.postgresql import aggregate_order_by

    v = s.indicator_values
    in_order = aggregate_order_by(_NO_BYTES, v.c.period)
    return sa.select(
        v.c.ref,
        sa.func.string_agg(sa.func.int4send(v.c.period), in_order),
        sa.func.string_agg(
            sa.func.float8send(sa.func.coalesce(v.c.actual, sa.literal_column("'NaN'::float8"))),
            in_order,
        ),
        sa.select(s.data_version.c.version).scalar_subquery(),
    ).group_by(v.c.ref)


def refresh(conn: Connection) -> None:
    """Rewrite ``indicator_series`` from the values, inside the caller's write transaction (on
    PostgreSQL; DuckDB reads the values themselves, and its loads have no time to spare)."""
    if conn.dialect.name != "postgresql":
        return
    t = s.indicator_series
    conn.execute(sa.delete(t))
    conn.execute(sa.insert(t).from_select(list(t.c.keys()), _series_of_every_indicator()))


def stale(conn: Connection) -> bool:
    """Whether ``indicator_series`` is not what :func:`refresh` would write now: written at another
    data version (by an older version of the app, which bumps the version without rewriting the
    series), or missing (a database from before the table)."""
    if conn.dialect.name != "postgresql":
        return False
    t, version = s.indicator_series, s.data_version.c.version
    current = conn.execute(sa.select(version)).scalar()
    written = conn.execute(
        sa.select(sa.func.min(t.c.data_version), sa.func.max(t.c.data_version))
    ).one()
    if written[0] is None:  # none written: stale if there are values
        return conn.execute(sa.select(s.indicator_values.c.ref).limit(1)).first() is not None
    return not _written_now(written[0], written[1], current)


def _written_now(oldest: Any, newest: Any, current: Any) -> bool:
    """Whether series written at data versions ``oldest`` to ``newest`` are all of the current one."""
    return oldest is not None and oldest == newest == current


def actual_lines(
    store: StoreBase,
    definitions: sa.FromClause,
    refs: list[str],
    until: int | None,
    public: bool,
) -> ActualLines | None:
    """The values of the indicators ``refs`` defined in ``definitions``, up to quarter key
    ``until`` and (``public``) in published quarters only, as ``Store.actual_lines`` gives them,
    read from the kept series (``indicator_series``) as one row of packed columns. None, for the caller to read the
    rows the ordinary way, where the series are stale (:func:`stale`: a read-only store on a
    database not yet upgraded, or one written by an older version), where text is not stored as
    UTF-8, or where a reference holds the separator."""
    t, i, version = s.indicator_series, definitions, s.data_version.c.version
    series = sa.select(
        sa.func.count().label("n"),
        sa.func.min(t.c.data_version).label("oldest"),
        sa.func.max(t.c.data_version).label("newest"),
        _packed_text(t.c.ref).label("refs"),
        sa.func.string_agg(  # each series' number of quarters: its periods' bytes / 4
            sa.func.int4send(sa.cast(sa.func.octet_length(t.c.periods), sa.Integer).op("/")(4)),
            _NO_BYTES,
        ).label("lengths"),
        sa.func.string_agg(t.c.periods, _NO_BYTES).label("periods"),
        sa.func.string_agg(t.c.actuals, _NO_BYTES).label("actuals"),
    ).subquery("packed_series")
    people = sa.case(
        (i.c.counts_people.is_(True), "1"), (i.c.counts_people.is_(False), "0"), else_="-"
    )
    defined = sa.select(
        sa.func.count().label("defined"),
        _packed_text(i.c.ref).label("def_refs"),
        sa.func.string_agg(people, sa.literal("")).label("people"),
    ).subquery("packed_definitions")
    published = sa.select(
        sa.func.string_agg(sa.func.int4send(s.published_quarters.c.period), _NO_BYTES).label(
            "published"
        )
    ).subquery("packed_published")
    # One statement (one snapshot of the data): the series, the version they must have been
    # written at, the definitions they are joined to and the quarters a public store shows.
    q = sa.select(
        series,
        defined,
        published,
        sa.select(version).scalar_subquery().label("version"),
        sa.func.current_setting("server_encoding").label("encoding"),
    ).select_from(series.join(defined, sa.true()).join(published, sa.true()))
    with store.connect() as conn:
        row = _fetch_binary(conn, q)
    if row["encoding"] != "UTF8":
        return None
    n, m = int(row["n"]), int(row["defined"])
    if not n:  # no values, or none kept yet: the ordinary read tells which, quickly
        return None
    if not _written_now(row["oldest"], row["newest"], row["version"]):
        return None
    if not m:
        return NO_LINES
    names, def_refs = _texts(row["refs"], n), _texts(row["def_refs"], m)
    if names is None or def_refs is None:
        return None
    lengths = np.frombuffer(_bytes(row["lengths"]), dtype=">i4").astype(np.int64)
    periods = np.frombuffer(_bytes(row["periods"]), dtype=">i4").astype(np.int64)
    actuals = np.frombuffer(_bytes(row["actuals"]), dtype=">f8").astype(np.float64)
    people_codes = np.frombuffer((row["people"] or "").encode(), dtype=np.uint8)
    if not (
        len(lengths) == n
        and len(periods) == len(actuals) == int(lengths.sum())
        and len(people_codes) == m
    ):
        raise RuntimeError("the packed series did not unpack to one value per quarter")
    codes = np.repeat(np.arange(n), lengths)  # each value's series
    shown = np.ones(len(periods), dtype=bool)
    if until is not None:
        shown &= periods <= until
    if public:
        shown &= np.isin(periods, np.frombuffer(_bytes(row["published"]), dtype=">i4"))
    # The series' references (distinct: the table's key), each with its definition (the join),
    # kept if asked for and defined.
    definition = pc.index_in(names, value_set=def_refs)
    wanted = pc.and_(
        pc.is_in(names, value_set=pa.array(refs, type=pa.string())), pc.is_valid(definition)
    ).to_numpy(zero_copy_only=False)
    keep = np.flatnonzero(wanted[codes] & shown)
    if not len(keep):
        return NO_LINES
    people = (people_codes == _PEOPLE_YES)[definition.fill_null(0).to_numpy(zero_copy_only=False)]
    return in_order(names, codes[keep], periods[keep], actuals[keep], people)
