"""The base of the store: its engine and threading rules, connections and write transactions
(:meth:`StoreBase.writing`, one writer at a time, the data version bumped in the same
transaction: :func:`bump_data_version`), reads, setting up and upgrading the database, and the
public view's filters every query applies. The reads and the publication build on it
(:mod:`harrow_dash.store.database` puts them together as ``Store``)."""

from __future__ import annotations

import copy
import shutil
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from harrow_dash.rules.plan import PRIORITIES_2023_24
from harrow_dash.store import packed_series, packed_snapshot, quarter_counts, schema_upgrade
from harrow_dash.store import schema as s
from harrow_dash.store.bulk_reads import _read_columns, _read_copy, read_arrow
from harrow_dash.store.errors import (
    WRITE_BUSY_MESSAGE,
    WRITE_WAIT_SECONDS,
    _driver_errors,
    _translate,
)
from harrow_dash.store.failures import (
    DatabaseBusy,
    DatabaseError,
    Failure,
    NotInitialised,
)
from harrow_dash.store.published_definitions import in_force

_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


@dataclass(frozen=True)
class _Source:
    """The file a read-only store reads (directly or through a snapshot) and its state when read."""

    url: str
    path: Path
    state: tuple[tuple[int, int] | None, ...]


class StoreBase:
    """One database: its engine and its connections (see the module's docstring)."""

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

    def public_view(self) -> Self:
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
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(s.WRITE_LOCK_KEY)))
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

    def analyse(self, tables: Iterable[str]) -> None:
        """On PostgreSQL, refresh the planner's statistics of the tables a write changed, once it
        has committed, so the next page's queries are planned for the data as it is now. Autovacuum
        would, within a minute; until then a join is planned for the table as it was: right after
        the first publication, the public Open data's read of every published value took 0.7 s,
        its plan walking all 528,000 values for a table of definitions it took to be empty, and
        0.07 s once analysed. DuckDB keeps its statistics as it writes.

        The write has committed: a failure here (the server gone, a table this login may not
        analyse, which PostgreSQL only warns of) leaves the statistics to autovacuum."""
        names = sorted(set(tables))
        if self.is_duckdb or not names:
            return
        try:
            with self.begin() as conn:
                for name in names:
                    conn.exec_driver_sql(f"ANALYZE {s.metadata.tables[name].name}")
        except (DatabaseBusy, DatabaseError):
            pass

    def read_arrow(self, query: sa.Select[Any]) -> pa.Table | None:
        """The rows of a query as an Arrow table, on DuckDB (:func:`bulk_reads.read_arrow`); None
        on PostgreSQL, or for a query that reading does not cover."""
        if not self.is_duckdb:
            return None
        with self.connect() as conn:
            return read_arrow(conn, query, {})

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


def bump_data_version(conn: Connection) -> None:
    """Record, inside the caller's write transaction, that the data changed: every app instance then
    drops its cached results on its next page run; and rewrite the per-quarter counts pages read
    (:func:`quarter_counts.refresh`) and, on PostgreSQL, every indicator's packed series
    (:func:`packed_series.refresh`) and the packed snapshots (:func:`packed_snapshot.refresh`) in
    the same transaction. :meth:`Store.writing` calls it for you; call it yourself only from a
    transaction of your own that changes what pages show."""
    v = s.data_version
    conn.execute(sa.update(v).values(version=v.c.version + 1))
    quarter_counts.refresh(conn)
    packed_series.refresh(conn)
    packed_snapshot.refresh(conn)
