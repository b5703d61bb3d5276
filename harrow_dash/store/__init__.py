"""The performance store: one object owns the database engine, its threading rules and every query.

The database is addressed by a SQLAlchemy URL (DuckDB file by default; PostgreSQL for a deployment with
several app instances). Pages and the CLI never write SQL: they call the methods here, which take a
:class:`~harrow_dash.rules.filters.Filters` and return pandas frames. All SQL uses bound parameters.

DuckDB allows one read-write process per file. Every Streamlit session is a thread of one process, so
one engine per process is right; a second process (a CLI load while the app runs) gets
:class:`DatabaseBusy` with a plain message instead of a stack trace.

A store opened with ``public=True`` (the app in public mode) reads only published quarters, in every
query, and blanks commentary marked internal: nothing unpublished can reach a public page, whichever
query the page uses. It reads definitions (names, descriptions, priorities, directorates, portfolios,
leads) as they stood when the latest published quarter was published
(:mod:`harrow_dash.store.published_definitions`), so an indicator, action, rename, directorate or portfolio
that exists only in a draft does not exist there.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.rules.plan import PRIORITIES_2023_24
from harrow_dash.store import quarter_counts, schema_upgrade
from harrow_dash.store import revision_rule as rule
from harrow_dash.store import schema as s
from harrow_dash.store.failures import (
    DatabaseBusy,
    DatabaseError,
    Failure,
    NotInitialised,
    classify,
)
from harrow_dash.store.published_definitions import drop_snapshot, in_force, take_snapshot

BUSY_MESSAGE = (
    "The database {where} is in use by another program, most likely the running dashboard. "
    "Stop the app (Ctrl+C in its terminal) and run the command again, or load the file through the "
    "dashboard's Data page instead."
)


WRITE_BUSY_MESSAGE = (
    "Another load, rollback or publication was still running after {seconds} seconds, so nothing "
    "was written. Wait for it to finish, then try again."
)
WRITE_WAIT_SECONDS = 120
# Key of the PostgreSQL advisory lock every write transaction takes (any fixed number will do).
WRITE_LOCK_KEY = 0x4861_7272_6F77  # "Harrow"
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


# What a driver raises itself, outside SQLAlchemy (DuckDB's relation API, psycopg's COPY).
def _driver_errors() -> tuple[type[BaseException], ...]:
    """DuckDB's and, once something has imported it (a PostgreSQL database), psycopg's: the driver
    is not imported for a DuckDB file (a command line load need not carry it)."""
    psycopg = sys.modules.get("psycopg")
    extra = (psycopg.Error,) if psycopg is not None else ()
    return (DBAPIError, duckdb.Error, *extra)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    line = text.splitlines()[0].strip() if text else type(orig).__name__
    return line.rstrip(".")


def plain_message(exc: BaseException, where: str) -> str:
    """A sentence for a database error at a terminal: what happened and what to do, without the SQL
    (classified by :func:`harrow_dash.store.failures.classify`, as a page's message is)."""
    failure = classify(exc)
    detail = _first_line(exc)
    if failure is Failure.UNREACHABLE and any(
        word in detail.lower() for word in ("lost", "terminat", "server closed")
    ):
        return (
            f"The connection to the database {where} was lost ({detail}); nothing was changed. "
            "Check that the database server is running, then run the command again."
        )
    if failure is Failure.UNREACHABLE:
        return (
            f"Could not connect to the database {where} ({detail}). Check that the database "
            "server is running and that HARROW_DASH_DATABASE_URL names it correctly."
        )
    if failure is Failure.SIGN_IN_REFUSED:
        return (
            f"The database {where} refused the sign-in ({detail}). Check the user name and "
            "password in HARROW_DASH_DATABASE_URL."
        )
    if failure is Failure.NO_DATABASE:
        return f"The database {where} does not exist on its server ({detail}). Create it first."
    if failure is Failure.OUT_OF_RESOURCES:
        return (
            f"The database server {where} ran out of resources ({detail}); nothing was "
            "changed. Ask whoever runs the server to check its disk space and memory."
        )
    if failure is Failure.TABLES_MISSING:
        return (
            f"The database {where} lacks part of the dashboard's tables ({detail}). Run "
            "harrow-dash init to set it up or bring it up to date."
        )
    return f"The database {where} reported a problem and nothing was changed: {detail}."


def _translate(exc: BaseException, where: str) -> RuntimeError:
    failure = classify(exc)
    if failure is Failure.FILE_IN_USE:
        return DatabaseBusy(BUSY_MESSAGE.format(where=where))
    if failure is Failure.WRITE_BUSY:
        return DatabaseBusy(WRITE_BUSY_MESSAGE.format(seconds=WRITE_WAIT_SECONDS), failure)
    return DatabaseError(plain_message(exc, where), failure)


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
    more). None, with nothing run, for whatever that does not cover: a statement that is not a
    SELECT construct, a parameter SQLAlchemy would convert first, a column type the conversion does
    not know, or two columns of the same name; the caller then runs it the ordinary way."""
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
    table = relation.to_arrow_table()
    if not table.num_rows:
        return pd.DataFrame([], columns=names)
    frame = pd.DataFrame({i: _column_like_rows(table.column(i)) for i in range(table.num_columns)})
    frame.columns = pd.Index(names)
    return frame


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


def snapshot_order(frame: pd.DataFrame) -> pd.DataFrame:
    """A quarter's snapshot in the order pages list it: by priority, then by reference, compared
    character by character (as DuckDB and Python compare text, whatever PostgreSQL's collation).
    Sorted here rather than by the database: on PostgreSQL, sorting the snapshot's wide rows was a
    third of the query's time, and here it takes a few milliseconds, the same on both databases."""
    if frame.empty:
        return frame.reset_index(drop=True)
    return frame.sort_values(["priority_id", "ref"], kind="stable", ignore_index=True)


def _index_hops(col: sa.Column[Any], name: str) -> sa.Select[Any]:
    """The distinct values of an indexed column, found by hopping along its index from one value to
    the next (one index probe per value: PostgreSQL has no skip scan of its own)."""
    first = sa.select(sa.func.min(col).label("period")).cte(name, recursive=True)
    following = sa.select(sa.func.min(col)).where(col > first.c.period).scalar_subquery()
    hops = first.union_all(sa.select(following).where(first.c.period.is_not(None)))
    return sa.select(hops.c.period).where(hops.c.period.is_not(None))


class Store:
    def __init__(
        self,
        url: str,
        *,
        public: bool = False,
        read_only: bool = False,
        memory_limit: str | None = None,
    ):
        """``read_only`` opens a DuckDB file for reading only (for commands that only read: several
        such processes may share the file, and none can change it). ``memory_limit`` (DuckDB only,
        such as ``"128MB"``) caps DuckDB's own memory: beyond it, it works through temporary files
        (``harrow-dash load`` sets it, so a large load stays within a bounded memory).

        On PostgreSQL each connection is checked before use, so when the server comes back after
        going away, the next page works without restarting the app."""
        self.url = url
        self.public = public
        self.read_only = read_only
        self.is_duckdb = url.startswith("duckdb")
        # The snapshot folder this store reads (see ``open_for_reading``), deleted by ``dispose``.
        self.snapshot: Path | None = None
        self._source: _Source | None = None
        engine_args: dict[str, Any] = {}
        if not self.is_duckdb:
            engine_args["pool_pre_ping"] = True
        connect_args: dict[str, Any] = {}
        if self.is_duckdb:
            path = sa.engine.make_url(url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                if read_only:
                    connect_args["read_only"] = True
            if memory_limit:
                connect_args["config"] = {"memory_limit": memory_limit}
        try:
            self.engine: Engine = sa.create_engine(
                url, future=True, connect_args=connect_args, **engine_args
            )
        except ImportError as exc:  # the PostgreSQL driver is an optional dependency
            raise DatabaseError(
                f"The database address needs a driver that is not installed ({exc}). For "
                "PostgreSQL, install it with: pip install 'harrow-dash[postgres]'",
                Failure.SETTINGS,
            ) from exc
        except sa.exc.ArgumentError as exc:
            raise DatabaseError(
                f"HARROW_DASH_DATABASE_URL is not a database address the dashboard can use ({exc}).",
                Failure.SETTINGS,
            ) from exc
        self._where = sa.engine.make_url(url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.snapshot is not None:
            shutil.rmtree(self.snapshot, ignore_errors=True)

    def follow_source(self) -> bool:
        """For a store from ``open_for_reading(..., follow=True)`` (a public app instance on a
        DuckDB file): when the file has changed since the snapshot this reads was taken, take a new
        one. Returns whether it did. Every page run calls this (cheap: two ``stat`` calls)."""
        if self._source is None:
            return False
        with _FOLLOW_LOCK:  # sessions are threads: one of them takes the new copy
            source = self._source
            if _file_state(source.path) == source.state:
                return False
            fresh = _snapshot(source.url, source.path, self.public)
            old_engine, old_snapshot = self.engine, self.snapshot
            self.engine, self.snapshot, self._source = fresh.engine, fresh.snapshot, fresh._source
            self.url, self._where = fresh.url, fresh._where
        old_engine.dispose()  # connections in use finish first; the old copy is then deleted
        if old_snapshot is not None:
            shutil.rmtree(old_snapshot, ignore_errors=True)
        return True

    def public_view(self) -> Store:
        """The same database seen as the public sees it (published quarters only, no internal
        commentary), sharing this store's engine: dispose the original, not the view."""
        view = copy.copy(self)
        view.public = True
        return view

    # -- connections ---------------------------------------------------------------------------------
    # Every database error leaves here as DatabaseBusy or DatabaseError with a plain sentence.
    @contextmanager
    def connect(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except _driver_errors() as exc:
            raise _translate(exc, self._where) from exc

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A transaction: everything inside commits together or not at all."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except _driver_errors() as exc:
            raise _translate(exc, self._where) from exc

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction (a load, rollback, publication or revision), one at a time.

        Writers queue instead of racing: within this process on a lock per database, and across
        processes on PostgreSQL on an advisory lock held until the transaction ends (DuckDB lets only
        one process open the file, so the other process gets :class:`DatabaseBusy`). Whatever waits
        longer than ``WRITE_WAIT_SECONDS`` gives up with :class:`DatabaseBusy`, writing nothing.
        Whatever runs inside sees every earlier writer's committed data. Bumps the data version."""
        with _WRITE_LOCKS_GUARD:
            lock = _WRITE_LOCKS.setdefault(self.url, threading.Lock())
        if not lock.acquire(timeout=WRITE_WAIT_SECONDS):
            raise DatabaseBusy(
                WRITE_BUSY_MESSAGE.format(seconds=WRITE_WAIT_SECONDS), Failure.WRITE_BUSY
            )
        try:
            with self.begin() as conn:
                if not self.is_duckdb:
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{WRITE_WAIT_SECONDS}s'")
                    # A load sorts and joins its whole file: in memory rather than on disk.
                    conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(WRITE_LOCK_KEY)))
                yield conn
                bump_data_version(conn)
        finally:
            lock.release()

    def data_version(self) -> int:
        """A number that changes whenever the data does (any load, rollback, publication or
        revision, by any process): one cheap query, for deciding when cached results are stale."""
        with self.connect() as conn:
            return int(conn.execute(sa.select(s.data_version.c.version)).scalar() or 0)

    def read(
        self,
        query: sa.Executable | str,
        params: dict[str, Any] | None = None,
        *,
        many_rows: bool = False,
    ) -> pd.DataFrame:
        """The rows of a query as a frame. On DuckDB read as Arrow columns; on PostgreSQL, a query
        marked ``many_rows`` (thousands: a quarter's snapshot, histories, the tidy export) through
        COPY (``_read_copy``; two round trips, which a small query would not gain from)."""
        statement = sa.text(query) if isinstance(query, str) else query
        with self.connect() as conn:
            if self.is_duckdb or many_rows:
                reader = _read_columns if self.is_duckdb else _read_copy
                frame = reader(conn, statement, params or {})
                if frame is not None:
                    return frame
            result = conn.execute(statement, params or {})
            # Plain tuples: handed SQLAlchemy's rows, pandas asks each one for namedtuple fields
            # (an exception per row inside SQLAlchemy), which took most of a PostgreSQL read.
            rows = [tuple(row) for row in result.fetchall()]
            return pd.DataFrame(rows, columns=list(result.keys()))

    # -- schema --------------------------------------------------------------------------------------
    def is_initialised(self) -> bool:
        """Whether the schema is there. A database that cannot be reached raises (with a plain
        message) rather than pass for an empty one."""
        exists = sa.text(
            "SELECT COUNT(*) FROM information_schema.tables "
            "WHERE table_name = 'schema_info' AND table_schema = current_schema()"
        )
        with self.connect() as conn:
            if not conn.execute(exists).scalar():
                return False
            return bool(
                conn.execute(
                    sa.select(s.schema_info.c.value).where(s.schema_info.c.key == "version")
                ).scalar()
            )

    def init(self, priorities: list[tuple[int, str, str]] | None = None) -> None:
        """Create the schema (idempotent) and seed the plan's priorities if there are none."""
        with self.begin() as conn:
            s.metadata.create_all(conn)
            if conn.execute(sa.select(sa.func.count()).select_from(s.priorities)).scalar() == 0:
                rows = priorities or PRIORITIES_2023_24
                conn.execute(
                    s.priorities.insert(),
                    [{"id": i, "name": n, "short_name": short} for i, n, short in rows],
                )
            if not conn.execute(
                sa.select(s.schema_info.c.value).where(s.schema_info.c.key == "version")
            ).scalar():
                conn.execute(s.schema_info.insert().values(key="version", value=s.SCHEMA_VERSION))
            schema_upgrade.upgrade(conn)

    def upgrade(self) -> list[str]:
        """Bring a database made by an older version up to date (see :func:`schema_upgrade.upgrade`)."""
        with self.begin() as conn:
            return schema_upgrade.upgrade(conn)

    def require_initialised(self) -> None:
        if not self.is_initialised():
            raise NotInitialised(
                f"The database {self._where} has not been set up. Run: harrow-dash init --sample"
            )
        self.upgrade()

    # -- public view ---------------------------------------------------------------------------------
    def _visible(self, period: sa.ColumnElement[Any]) -> list[sa.ColumnElement[bool]]:
        """In a public store, the condition that ``period`` is a published quarter."""
        if not self.public:
            return []
        return [period.in_(sa.select(s.published_quarters.c.period))]

    def _def(self, name: str, alias: str | None = None) -> sa.FromClause:
        """Where definitions of ``name`` are read from: the live table, or in a public store the
        copy published with the latest published quarter (same columns). ``alias`` names it, for
        a query that reads the same definitions twice."""
        if self.public:
            return in_force(name, alias)
        table = s.metadata.tables[name]
        return table.alias(alias) if alias else table

    def _commentary(self, table: sa.FromClause) -> sa.ColumnElement[Any]:
        """The commentary column, blanked in a public store where it is marked internal."""
        if not self.public:
            return table.c.commentary
        internal = sa.func.coalesce(table.c.commentary_internal, sa.false())
        return sa.case((internal, sa.null()), else_=table.c.commentary).label("commentary")

    # -- reference data ------------------------------------------------------------------------------
    def priorities(self) -> pd.DataFrame:
        return self.read(sa.select(s.priorities).order_by(s.priorities.c.id))

    def directorates(self) -> list[str]:
        t = self._def("directorates")
        return list(self.read(sa.select(t.c.name).order_by(t.c.name))["name"])

    def portfolios(self) -> list[str]:
        t = self._def("portfolio_holders")
        return list(self.read(sa.select(t.c.portfolio).order_by(t.c.portfolio))["portfolio"])

    def periods(self) -> list[Period]:
        """Every quarter that has any indicator value or action status, oldest first."""
        v, a = s.indicator_values, s.action_statuses
        if not self.is_duckdb and not self.public:
            # PostgreSQL reads every row for DISTINCT; hopping along the period index from one
            # quarter to the next reads one index entry per quarter instead.
            df = self.read(
                sa.union(
                    _index_hops(v.c.period, "value_hops"), _index_hops(a.c.period, "status_hops")
                )
            )
        else:
            df = self.read(
                sa.union(
                    sa.select(v.c.period).where(*self._visible(v.c.period)),
                    sa.select(a.c.period).where(*self._visible(a.c.period)),
                )
            )
        return [Period.from_key(k) for k in sorted(df.iloc[:, 0])] if not df.empty else []

    def latest_reported_period(self, published_only: bool = False) -> Period | None:
        """The latest quarter in which indicators have actuals: the dashboard's default as-at."""
        v = s.indicator_values
        q = sa.select(sa.func.max(v.c.period)).where(v.c.actual.is_not(None))
        if published_only or self.public:
            q = q.where(v.c.period.in_(sa.select(s.published_quarters.c.period)))
        with self.connect() as conn:
            key = conn.execute(q).scalar()
        return Period.from_key(key) if key else None

    def published_periods(self) -> list[Period]:
        df = self.read(
            sa.select(s.published_quarters.c.period).order_by(s.published_quarters.c.period)
        )
        return [Period.from_key(k) for k in df["period"]]

    def publish(self, period: Period, user: str, reason: str | None = None) -> None:
        """Publish the quarter. Publishing a quarter again after it was unpublished is a revision by
        the one rule (:mod:`harrow_dash.store.revision_rule`) when its figures changed since it was last
        published without a revision recording it: refused without a ``reason``
        (:class:`revision_rule.ReasonNeeded`, naming the quarter), recorded with it."""
        with self.writing() as conn:
            revised = rule.revisions_for(conn, rule.republication_changes(conn, period.key))
            why = rule.require_reason(revised, reason, f"Publishing {period.label} again")
            now = dt.datetime.now().replace(microsecond=0)
            if revised.needs_reason:
                rule.record(
                    conn,
                    revised,
                    batch_id=rule.NO_BATCH,
                    user=user,
                    reason=why,
                    change=rule.BY_PUBLICATION,
                    when=now,
                )
            conn.execute(
                sa.delete(s.published_quarters).where(s.published_quarters.c.period == period.key)
            )
            conn.execute(
                s.published_quarters.insert().values(
                    period=period.key, published_by=user, published_at=now
                )
            )
            take_snapshot(conn, period.key)
            rule.mark_published(conn, period.key, user, now)

    def republication_revisions(self, period: Period) -> rule.Revisions:
        """The revisions publishing the quarter again would record (a
        :class:`revision_rule.Revisions`; nothing is written): for the Data page, to ask for a
        reason first."""
        with self.connect() as conn:
            return rule.revisions_for(conn, rule.republication_changes(conn, period.key))

    def unpublish(self, period: Period) -> None:
        """Make the quarter a draft again. It stays once published (``published_once``): its
        figures still change only as a recorded revision."""
        with self.writing() as conn:
            conn.execute(
                sa.delete(s.published_quarters).where(s.published_quarters.c.period == period.key)
            )
            drop_snapshot(conn, period.key)

    # -- indicators ----------------------------------------------------------------------------------
    def _indicator_where(self, filters: Filters, i: sa.FromClause) -> list[sa.ColumnElement[bool]]:
        cond: list[sa.ColumnElement[bool]] = []
        if filters.priorities:
            cond.append(i.c.priority_id.in_(filters.priorities))
        if filters.directorates:
            cond.append(i.c.directorate.in_(filters.directorates))
        if filters.portfolios:
            cond.append(i.c.portfolio.in_(filters.portfolios))
        return cond

    def indicator_snapshot(self, filters: Filters) -> pd.DataFrame:
        """One row per indicator matching the filters: its definition, its value at the filter's
        quarter, and the actuals of the previous quarter and the same quarter a year earlier."""
        if filters.period is None:
            return pd.DataFrame()
        i, v = self._def("indicators"), s.indicator_values
        now = v.alias("now")
        prev = v.alias("prev")
        year = v.alias("year")
        p = filters.period
        q = (
            sa.select(
                i.c.ref,
                i.c.name,
                i.c.description,
                i.c.priority_id,
                s.priorities.c.name.label("priority"),
                i.c.directorate,
                i.c.portfolio,
                i.c.unit,
                i.c.polarity,
                i.c.tolerance,
                i.c.frequency,
                i.c.counts_people,
                i.c.source,
                i.c.cumulative_or_seasonal,
                (now.c.ref.is_not(None)).label("has_row"),
                now.c.actual,
                now.c.target,
                now.c.target_upper,
                now.c.official_rag,
                self._commentary(now),
                now.c.benchmark,
                now.c.benchmark_label,
                sa.func.coalesce(now.c.not_due, sa.false()).label("not_due"),
                now.c.marker,
                prev.c.actual.label("prev_actual"),
                year.c.actual.label("year_actual"),
                prev.c.marker.label("prev_marker"),
                year.c.marker.label("year_marker"),
            )
            .select_from(
                i.join(s.priorities, s.priorities.c.id == i.c.priority_id)
                .outerjoin(
                    now,
                    sa.and_(
                        now.c.ref == i.c.ref, now.c.period == p.key, *self._visible(now.c.period)
                    ),
                )
                .outerjoin(
                    prev,
                    sa.and_(
                        prev.c.ref == i.c.ref,
                        prev.c.period == p.previous().key,
                        *self._visible(prev.c.period),
                    ),
                )
                .outerjoin(
                    year,
                    sa.and_(
                        year.c.ref == i.c.ref,
                        year.c.period == p.year_earlier().key,
                        *self._visible(year.c.period),
                    ),
                )
            )
            .where(*self._indicator_where(filters, i))
        )
        return snapshot_order(self.read(q, many_rows=True))

    @staticmethod
    def _rating_definitions(i: sa.FromClause) -> list[sa.ColumnElement[Any]]:
        """What an indicator ``i`` says about rating its values: unit, polarity, tolerance, ..."""
        return [i.c.unit, i.c.polarity, i.c.tolerance, i.c.frequency, i.c.counts_people]

    def _rating_columns(self, i: sa.FromClause) -> list[sa.ColumnElement[Any]]:
        """A value with what is needed to rate it (unit, polarity, tolerance, ...), for the
        queries that return indicator values; indicators ``i`` joined to indicator_values."""
        v = s.indicator_values
        return [
            *self._rating_definitions(i), v.c.period,
            v.c.actual, v.c.target, v.c.target_upper, v.c.official_rag, self._commentary(v),
            v.c.benchmark, v.c.benchmark_label, v.c.not_due, v.c.marker,
        ]  # fmt: skip

    def indicator_history(self, refs: list[str], until: Period | None = None) -> pd.DataFrame:
        """Every value of the given indicators, oldest first, with what is needed to rate each one."""
        i, v = self._def("indicators"), s.indicator_values
        q = (
            sa.select(
                v.c.ref,
                i.c.name,
                *self._rating_columns(i),
            )
            .select_from(v.join(i, i.c.ref == v.c.ref))
            .where(v.c.ref.in_(refs), *self._visible(v.c.period))
            .order_by(v.c.ref, v.c.period)
        )
        if until is not None:
            q = q.where(v.c.period <= until.key)
        return self.read(q, many_rows=len(refs) > MANY_REFS)

    def indicator_months(self, refs: list[str], until: Period | None = None) -> pd.DataFrame:
        """Monthly figures of monthly indicators (``ref``, ``month`` key, ``actual``, the indicator's
        ``quarter_rule``), oldest first,
        only for months whose quarter has a value this view may show (in public mode, a published
        quarter). Indicators that count people are left out: their monthly counts are not
        suppressed figures."""
        i, m, v = self._def("indicators"), s.indicator_monthly_values, s.indicator_values
        quarter = (m.c.month // 100 - sa.case((m.c.month % 100 <= 3, 1), else_=0)) * 10 + sa.case(
            (m.c.month % 100 <= 3, 4), (m.c.month % 100 <= 6, 1), (m.c.month % 100 <= 9, 2), else_=3
        )
        shown = sa.select(v.c.period).where(v.c.ref == m.c.ref, *self._visible(v.c.period))
        q = (
            sa.select(m.c.ref, m.c.month, m.c.actual, i.c.quarter_rule, m.c.marker)
            .select_from(m.join(i, i.c.ref == m.c.ref))
            .where(
                m.c.ref.in_(refs),
                sa.not_(sa.func.coalesce(i.c.counts_people, False)),
                quarter.in_(shown),
            )
            .order_by(m.c.ref, m.c.month)
        )
        if until is not None:
            q = q.where(quarter <= until.key)
        return self.read(q)

    # Above this many indicators, reading every value and keeping the wanted ones in pandas is
    # quicker than one IN (...) with a bound parameter per indicator.
    _MANY_REFS = 500

    def indicator_actuals(self, refs: list[str], until: Period | None = None) -> pd.DataFrame:
        """Just the actuals of the given indicators (ref, period, actual, counts_people), oldest
        first: what a trend line needs, without the columns needed to rate a value."""
        i, v = self._def("indicators"), s.indicator_values
        q = (
            sa.select(v.c.ref, v.c.period, v.c.actual, i.c.counts_people)
            .select_from(v.join(i, i.c.ref == v.c.ref))
            .where(*self._visible(v.c.period))
            .order_by(v.c.ref, v.c.period)
        )
        if until is not None:
            q = q.where(v.c.period <= until.key)
        if len(refs) <= self._MANY_REFS:
            return self.read(q.where(v.c.ref.in_(refs)))
        if (
            not self.is_duckdb
        ):  # the same values, packed in one row (harrow_dash.store.packed_series)
            from harrow_dash.store import packed_series

            conditions = [*self._visible(v.c.period)]
            if until is not None:
                conditions.append(v.c.period <= until.key)
            packed = packed_series.indicator_actuals(self, i, conditions, refs)
            if packed is not None:
                return packed
        frame = self.read(q)
        wanted = pc.is_in(
            pa.array(frame["ref"], type=pa.string()), value_set=pa.array(refs, type=pa.string())
        )
        if pc.all(wanted).as_py() is not False:  # every indicator asked for: no copy of the rows
            return frame
        return frame[wanted.to_numpy(zero_copy_only=False)].reset_index(drop=True)

    def indicator_list(self) -> pd.DataFrame:
        i = self._def("indicators")
        return self.read(sa.select(i.c.ref, i.c.name, i.c.priority_id).order_by(i.c.ref))

    # -- flagship actions ----------------------------------------------------------------------------
    @staticmethod
    def _owner_match(
        filters: Filters, row: sa.FromClause, parent: sa.FromClause
    ) -> list[sa.ColumnElement[bool]]:
        """An action (line) ``row`` is in the filters' directorates and portfolios; a split line
        with no directorate or portfolio of its own has its parent's."""
        cond: list[sa.ColumnElement[bool]] = []
        for column, wanted in (
            ("directorate", filters.directorates),
            ("portfolio", filters.portfolios),
        ):
            if wanted:
                cond.append(sa.func.coalesce(row.c[column], parent.c[column]).in_(wanted))
        return cond

    def action_statuses(self, filters: Filters, until: Period | None = None) -> pd.DataFrame:
        """Every action (and split line) matching the filters with its status in each quarter.

        Directorate and portfolio are the line's own, else its parent's (both are returned so). A
        split action is listed when one of its lines matches the directorate and portfolio filters
        (it is reported by its lines), never on its own."""
        a, st = self._def("flagship_actions", "fa"), s.action_statuses
        parent = self._def("flagship_actions", "fa_parent")
        line = self._def("flagship_actions", "fa_line")
        cond: list[sa.ColumnElement[bool]] = []
        if filters.priorities:
            cond.append(a.c.priority_id.in_(filters.priorities))
        if filters.directorates or filters.portfolios:
            is_split = sa.exists().where(line.c.parent_ref == a.c.ref)
            line_matches = sa.exists().where(
                line.c.parent_ref == a.c.ref, *self._owner_match(filters, line, a)
            )
            cond.append(
                sa.or_(sa.and_(~is_split, *self._owner_match(filters, a, parent)), line_matches)
            )
        join_on = sa.and_(st.c.ref == a.c.ref, *self._visible(st.c.period))
        if until is not None:
            join_on = sa.and_(join_on, st.c.period <= until.key)
        q = (
            sa.select(
                a.c.ref,
                a.c.title,
                a.c.priority_id,
                s.priorities.c.name.label("priority"),
                sa.func.coalesce(a.c.directorate, parent.c.directorate).label("directorate"),
                a.c.lead,
                a.c.parent_ref,
                st.c.period,
                st.c.status,
                self._commentary(st),
                sa.func.coalesce(a.c.portfolio, parent.c.portfolio).label("portfolio"),
                parent.c.title.label("parent_title"),  # a split line's action
            )
            .select_from(
                a.join(s.priorities, s.priorities.c.id == a.c.priority_id)
                .outerjoin(parent, parent.c.ref == a.c.parent_ref)
                .outerjoin(st, join_on)
            )
            .where(*cond)
            .order_by(a.c.priority_id, a.c.ref, st.c.period)
        )
        return self.read(q)

    # -- corrective actions --------------------------------------------------------------------------
    def corrective_actions(self, filters: Filters, until: Period | None = None) -> pd.DataFrame:
        """Cabinet's corrective actions agreed at or before ``until`` (all when None) whose subject
        matches the filters, each with the latest status recorded at or before ``until``
        (:mod:`harrow_dash.store.corrective_actions`: columns and the public view's rules)."""
        from harrow_dash.store import corrective_actions

        return corrective_actions.actions(self, filters, until)

    def corrective_action_updates(
        self, action_ids: list[str], until: Period | None = None
    ) -> pd.DataFrame:
        """The quarterly updates of the actions (at or before ``until``), oldest first."""
        from harrow_dash.store import corrective_actions

        return corrective_actions.updates(self, action_ids, until)

    # -- highlights ----------------------------------------------------------------------------------
    def _highlight_query(
        self, filters: Filters, all_periods: bool
    ) -> tuple[sa.Select, sa.ColumnElement[bool], sa.ColumnElement[bool]]:
        """Highlights matching the quarter and priority filters, joined to the indicator and action
        they refer to, with two conditions: the highlight matches the directorate and portfolio
        filters (through the indicator or the action it refers to: it has their directorate and
        portfolio), and it cannot be placed at all (neither refers to anything with a directorate
        and portfolio for the filters in force)."""
        h = s.highlights
        i = self._def("indicators", "hl_indicator")
        a = self._def("flagship_actions", "hl_action")
        parent = self._def("flagship_actions", "hl_action_parent")
        q = (
            sa.select(
                h.c.period,
                h.c.priority_id,
                s.priorities.c.name.label("priority"),
                h.c.kind,
                h.c.text,
                h.c.indicator_ref,
                h.c.action_ref,
            )
            .select_from(
                h.join(s.priorities, s.priorities.c.id == h.c.priority_id)
                .outerjoin(i, i.c.ref == h.c.indicator_ref)
                .outerjoin(a, a.c.ref == h.c.action_ref)
                .outerjoin(parent, parent.c.ref == a.c.parent_ref)
            )
            .where(*self._visible(h.c.period))
            .order_by(h.c.period.desc(), h.c.priority_id, h.c.kind, h.c.text)
        )
        if filters.period is not None and not all_periods:
            q = q.where(h.c.period == filters.period.key)
        if filters.priorities:
            q = q.where(h.c.priority_id.in_(filters.priorities))
        ind_owner: list[sa.ColumnElement[bool]] = [i.c.ref.is_not(None)]
        act_owner: list[sa.ColumnElement[bool]] = [a.c.ref.is_not(None)]
        ind_match, act_match = list(ind_owner), list(act_owner)
        for column, wanted in (
            ("directorate", filters.directorates),
            ("portfolio", filters.portfolios),
        ):
            if not wanted:
                continue
            act_value = sa.func.coalesce(a.c[column], parent.c[column])
            ind_owner.append(i.c[column].is_not(None))
            act_owner.append(act_value.is_not(None))
            ind_match.append(i.c[column].in_(wanted))
            act_match.append(act_value.in_(wanted))
        matches = sa.or_(sa.and_(*ind_match), sa.and_(*act_match))
        unplaced = sa.and_(sa.not_(sa.and_(*ind_owner)), sa.not_(sa.and_(*act_owner)))
        return q, matches, unplaced

    def highlights(self, filters: Filters, all_periods: bool = False) -> pd.DataFrame:
        """Achievements and areas for improvement of the filter's quarter (or every quarter), its
        priorities, and, with a directorate or portfolio filter, those that refer to an indicator
        or flagship action in those directorates and portfolios (see :meth:`unplaced_highlights`
        for those that refer to nothing of the kind)."""
        q, matches, _ = self._highlight_query(filters, all_periods)
        if filters.directorates or filters.portfolios:
            q = q.where(matches)
        return self.read(q)

    def unplaced_highlights(self, filters: Filters, all_periods: bool = False) -> pd.DataFrame:
        """The highlights of the quarter (or every quarter) and priorities that a directorate or
        portfolio filter leaves out because they refer to no indicator or action with a directorate
        or portfolio (none without such a filter); columns as :meth:`highlights`."""
        q, _, unplaced = self._highlight_query(filters, all_periods)
        if not (filters.directorates or filters.portfolios):
            q = q.where(sa.false())
        return self.read(q.where(unplaced))

    # -- comparators (benchmarking) ------------------------------------------------------------------
    def _comparator_visible(self, frame: pd.DataFrame) -> pd.DataFrame:
        """In a public store, comparator periods that ended by the latest published quarter only
        (a period key says which months it covers, so this is worked out from the key, not by
        comparing keys)."""
        if not self.public or frame.empty:
            return frame
        from harrow_dash.rules.comparator_periods import end_quarter

        latest = self.read(sa.select(sa.func.max(s.published_quarters.c.period))).iloc[0, 0]
        if latest is None or pd.isna(latest):
            return frame.iloc[0:0]
        ends = {int(k): end_quarter(int(k)) for k in frame["period"].unique()}
        return frame[frame["period"].map(ends) <= int(latest)].reset_index(drop=True)

    def area_names(self) -> dict[str, str]:
        df = self.read(sa.select(s.areas.c.code, s.areas.c.name))
        return dict(zip(df["code"], df["name"], strict=True))

    def comparison_groups(self) -> dict[str, list[str]]:
        """Named comparison groups loaded as data (e.g. statistical neighbours): name -> codes."""
        g = s.comparison_groups
        df = self.read(sa.select(g.c.group_name, g.c.area_code).order_by(g.c.group_name))
        return {str(n): list(part["area_code"]) for n, part in df.groupby("group_name", sort=True)}

    def benchmarked_indicators(self) -> pd.DataFrame:
        """Indicators mapped to a comparator measure, with what ranking needs."""
        i, m = self._def("indicators"), s.comparator_measures
        q = (
            sa.select(
                i.c.ref,
                i.c.name,
                i.c.priority_id,
                i.c.directorate,
                i.c.portfolio,
                i.c.unit,
                i.c.polarity,
                i.c.counts_people,
                i.c.benchmark_measure.label("measure"),
                m.c.name.label("measure_name"),
            )
            .select_from(i.outerjoin(m, m.c.measure == i.c.benchmark_measure))
            .where(i.c.benchmark_measure.is_not(None))
            .order_by(i.c.ref)
        )
        return self.read(q)

    def comparator_values(
        self, measures: list[str], periods: list[int] | None = None
    ) -> pd.DataFrame:
        """Every area's value for the measures: area_code, measure, period, value, suppressed,
        marker; only at ``periods`` (comparator period keys) when given."""
        v = s.comparator_values
        q = (
            sa.select(v.c.area_code, v.c.measure, v.c.period, v.c.value, v.c.suppressed, v.c.marker)
            .where(v.c.measure.in_(measures))
            .order_by(v.c.measure, v.c.period, v.c.area_code)
        )
        if periods is not None:
            q = q.where(v.c.period.in_([int(p) for p in periods]))
        # Every measure's values (the Comparisons page, a briefing): tens of thousands of rows.
        return self._comparator_visible(self._read_many(q, many=len(measures) > MANY_REFS))

    def comparator_periods(self, measures: list[str], areas: list[str]) -> pd.DataFrame:
        """The periods at which any of ``areas`` has a value of each measure: measure, period
        (what choosing a measure's comparator period needs, without reading every value)."""
        v = s.comparator_values
        q = (
            sa.select(v.c.measure, v.c.period)
            .where(v.c.measure.in_(measures), v.c.area_code.in_(areas))
            .distinct()
        )
        return self._comparator_visible(self._read_many(q, many=len(measures) > MANY_REFS))

    def _read_many(self, query: sa.Select[Any], many: bool) -> pd.DataFrame:
        """:meth:`read`, and for ``many`` rows on PostgreSQL packed into one value
        (:mod:`harrow_dash.store.packed_read`: the same frame, without per-row messages)."""
        if many and not self.is_duckdb:
            from harrow_dash.store.packed_read import read_packed

            with self.connect() as conn:
                frame = read_packed(conn, query)
            if frame is not None:
                return frame
        return self.read(query, many_rows=many)

    # -- batches and export --------------------------------------------------------------------------
    def batches(self) -> pd.DataFrame:
        b = s.load_batches
        return self.read(sa.select(b).order_by(b.c.id.desc()))

    @staticmethod
    def _export_definitions(i: sa.FromClause) -> list[sa.ColumnElement[Any]]:
        """The indicator definitions both editor's exports carry beside each value (quarterly in
        :meth:`tidy_values`, monthly in :meth:`tidy_months`), so a new one reaches both."""
        return [
            i.c.name,
            s.priorities.c.name.label("priority"),
            i.c.directorate,
            i.c.portfolio.label("portfolio_holder"),
            i.c.cumulative_or_seasonal,
            i.c.quarter_rule,
            i.c.allow_negative,
        ]

    @staticmethod
    def _with_definitions(values: sa.Table, i: sa.FromClause) -> sa.Join:
        """``values`` (keyed by ``ref``) joined to their indicators ``i`` and their priorities."""
        return values.join(i, i.c.ref == values.c.ref).join(
            s.priorities, s.priorities.c.id == i.c.priority_id
        )

    def tidy_values(self) -> pd.DataFrame:
        """All indicator values with their definitions, one row per indicator per quarter."""
        i, v = self._def("indicators"), s.indicator_values
        q = (
            sa.select(
                v.c.ref,
                *self._export_definitions(i),
                i.c.description,
                i.c.source,
                *self._rating_columns(i),
                v.c.commentary_internal,
            )
            .select_from(self._with_definitions(v, i))
            .where(*self._visible(v.c.period))
            .order_by(v.c.ref, v.c.period)
        )
        return self.read(q, many_rows=True)

    def tidy_months(self) -> pd.DataFrame:
        """Every monthly value (``month`` key, actual, target) with its indicator's definitions, for
        the editor's export (:func:`harrow_dash.outputs.exports.monthly_export`)."""
        i, m = self._def("indicators"), s.indicator_monthly_values
        q = (
            sa.select(
                m.c.ref,
                *self._export_definitions(i),
                *self._rating_definitions(i),
                m.c.month,
                m.c.actual,
                m.c.target,
                m.c.marker,
            )
            .select_from(self._with_definitions(m, i))
            .order_by(m.c.ref, m.c.month)
        )
        return self.read(q)

    def counts(self) -> dict[str, int]:
        out = {}
        with self.connect() as conn:
            for name in (
                "indicators",
                "indicator_values",
                "flagship_actions",
                "action_statuses",
                "highlights",
            ):
                out[name] = int(
                    conn.execute(
                        sa.select(sa.func.count()).select_from(s.metadata.tables[name])
                    ).scalar()
                    or 0
                )
        return out

    def has_sample_data(self) -> bool:
        """True while the shipped illustrative sample is loaded (its batch not rolled back)."""
        b = s.load_batches
        q = sa.select(sa.func.count()).where(
            b.c.loaded_by == SAMPLE_LOADER, b.c.status == "committed"
        )
        with self.connect() as conn:
            return bool(conn.execute(q).scalar())


SAMPLE_LOADER = "sample data"


# -- reading a DuckDB file another program holds ------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """The file a read-only store reads (directly or through a snapshot) and its state when read."""

    url: str
    path: Path
    state: tuple[tuple[int, int] | None, ...]


SNAPSHOT_TRIES = 3
_FOLLOW_LOCK = threading.Lock()


def _file_state(path: Path) -> tuple[tuple[int, int] | None, ...]:
    """The modification time and size of a DuckDB file and of its write-ahead log."""
    out: list[tuple[int, int] | None] = []
    for p in (path, Path(f"{path}.wal")):
        try:
            st = p.stat()
        except OSError:
            out.append(None)
        else:
            out.append((st.st_mtime_ns, st.st_size))
    return tuple(out)


def open_for_reading(url: str, *, public: bool = False, follow: bool = False) -> Store:
    """A read-only store for ``url``: the rule for everything that only reads (the commands that
    only read, and an app instance in public mode).

    DuckDB lets one process hold a file for writing and no other process open it meanwhile, even to
    read; the running (internal) dashboard is such a process. So a command that only reads opens the
    file read-only and, when another program holds it, reads a snapshot instead: a copy of the file
    and its write-ahead log as they stand (what the dashboard shows), opened read-only. A copy taken
    while the file changed, or that does not open, is taken again (``SNAPSHOT_TRIES`` times).

    ``follow=True`` (a public app instance, which runs for days) always reads a snapshot, so it never
    holds the file and the internal instance can always open it for writing; the snapshot is taken
    again when the file changes (:meth:`Store.follow_source`). The store's ``snapshot`` is the copy's
    folder (None: it reads the file itself); ``dispose`` deletes it. Other databases open as they
    are."""
    if not url.startswith("duckdb"):
        return Store(url, public=public)
    name = sa.engine.make_url(url).database
    if not name or name == ":memory:" or not Path(name).is_file():
        return Store(url, public=public)
    path = Path(name)
    if not follow:
        store = Store(url, public=public, read_only=True)
        try:
            with store.connect():
                return store
        except DatabaseBusy:
            store.dispose()
    return _snapshot(url, path, public)


def _snapshot(url: str, path: Path, public: bool) -> Store:
    """A read-only store on a consistent copy of the DuckDB file at ``path`` (see
    ``open_for_reading``)."""
    for _ in range(SNAPSHOT_TRIES):
        state = _file_state(path)
        folder = Path(tempfile.mkdtemp(prefix="harrow-dash-snapshot-"))
        copy_path = folder / path.name
        shutil.copyfile(path, copy_path)
        if state[1] is not None:
            with contextlib.suppress(FileNotFoundError):  # checkpointed meanwhile: taken again
                shutil.copyfile(Path(f"{path}.wal"), Path(f"{copy_path}.wal"))
        snapshot = Store(f"duckdb:///{copy_path}", public=public, read_only=True)
        snapshot.snapshot = folder
        if _file_state(path) == state:
            try:
                with snapshot.connect() as conn:
                    conn.exec_driver_sql("SELECT 1")
            except (DatabaseBusy, DatabaseError):
                pass
            else:
                snapshot._source = _Source(url, path, state)
                return snapshot
        snapshot.dispose()
    raise DatabaseBusy(BUSY_MESSAGE.format(where=sa.engine.make_url(url).render_as_string()))


def bump_data_version(conn: Connection) -> None:
    """Record, inside the caller's write transaction, that the data changed: every app instance then
    drops its cached results on its next page run; and rewrite the per-quarter counts pages read
    (:func:`quarter_counts.refresh`) in the same transaction. :meth:`Store.writing` calls it for
    you; call it yourself only from a transaction of your own that changes what pages show."""
    v = s.data_version
    conn.execute(sa.update(v).values(version=v.c.version + 1))
    quarter_counts.refresh(conn)
