"""A quarter's snapshot on PostgreSQL read from packs written at each write, not joined and sent row
by row at each read: what ``Store.indicator_snapshot`` and ``Store.rating_snapshot`` give, for the
internal store.

Read the ordinary way, a quarter's snapshot at 13,200 indicators cost PostgreSQL 37 ms of joins
(the definitions to their priority and to three quarters' values) and then one message per row to
send 2.3 MB of text: 75-120 ms, where DuckDB's whole read takes 27-38 ms. So the parts are packed
once per write instead: :func:`refresh`, called by ``store.bump_data_version`` in every write
transaction that changes what pages show, rewrites ``quarter_packs``, one row per quarter holding
every value of that quarter (:data:`VALUES`), for the :data:`PACKED_QUARTERS` quarters up to the
latest with an actual (empty for a quarter with none), and ``definition_packs``, one row per
priority holding its indicators' definitions by reference (:data:`DEFINITION_COLUMNS`; the
priority's name is joined when read). A pack is a few binary strings (:class:`Packing`): each row's
reals (``float8send``: the same double) and whole numbers end to end, one character per row per
real (missing or not) and per yes/no (yes, no, missing), each text's length in bytes (-1: missing)
and the texts end to end. At 528,000 values over 40 quarters, packing every quarter took 0.7 s of
server time per write; twelve of them, with the definitions, 0.3-0.5 s.

:func:`snapshot` reads the parts a snapshot needs in one statement (one snapshot of the data): the
definitions (of the priorities asked for) and up to three quarters, in binary form. numpy and Arrow
unpack them; the definitions are kept as the query's conditions keep them (the filters, and an
indicator with a priority where the query joins them), and each quarter's values are joined to them
by reference (the query's outer joins). The frame is the one ``Store.read`` gives for the same
query, in ``snapshot_order`` (the same columns, in the query's order, each converted by
``bulk_reads.frame_of``); ``tests/test_fast_reads.py`` checks it is, through every kind of write and
for texts, numbers and gaps of every kind. 26-38 ms at 13,200 indicators. None, for the caller to
run the query: on DuckDB (whose read is as fast as this); in a public store (its definitions are
those published, its quarters the published ones); for a quarter not packed; where the packs were
not written at the current data version (a database written by an older version of the app, until
``schema_upgrade.upgrade`` rewrites them: :func:`stale`); or where the server's text is not UTF-8
(nothing is packed there).

A change made by hand in the database does not rewrite the packs (nor ``indicator_series``): bump
``data_version`` in the same transaction, and the snapshot is read by its query until the next
write, or the next start of an instance, packs it again.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.store import schema as s
from harrow_dash.store.bulk_reads import frame_of
from harrow_dash.store.packed_series import binary_rows_of

if TYPE_CHECKING:
    from harrow_dash.store.connection import StoreBase

# The flag characters: a real present or missing; a yes/no yes, no or missing.
PRESENT, ABSENT = "1", "0"
YES, NO, MISSING = "1", "0", "-"


@dataclass(frozen=True)
class Packing:
    """The columns of one kind of pack, by kind, each in order (see the module's note). Whole numbers
    are never missing (a missing one would leave its row out of the pack, and unpacking fails)."""

    texts: tuple[str, ...]
    reals: tuple[str, ...] = ()
    whole: tuple[str, ...] = ()
    yes_no: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every column the pack holds."""
        return self.texts + self.reals + self.whole + self.yes_no

    def aggregates(
        self,
        column: Mapping[str, sa.ColumnElement[Any]],
        order_by: sa.ColumnElement[Any] | None = None,
    ) -> list[sa.ColumnElement[Any]]:
        """The pack of the rows aggregated, as the columns of a pack table (n, numbers, flags,
        lengths, texts), ``column`` giving each named column's expression; the rows in the order of
        ``order_by`` (every aggregate in the same order), or as the server comes to them (every
        aggregate of a group is fed the same rows in the same order)."""
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        nothing: sa.ColumnElement[Any] = sa.literal_column("''::bytea")

        def agg(values: sa.ColumnElement[Any], between: Any) -> sa.ColumnElement[Any]:
            if order_by is None:
                return sa.func.string_agg(values, between)
            # string_agg(values, between ORDER BY ...): the order goes after the last argument.
            return sa.func.string_agg(values, aggregate_order_by(between, order_by))

        def joined(parts: Sequence[sa.ColumnElement[Any]]) -> sa.ColumnElement[Any]:
            out = parts[0]
            for part in parts[1:]:
                out = out.op("||")(part)
            return out

        numbers = [
            sa.func.float8send(sa.func.coalesce(column[c], sa.literal_column("'NaN'::float8")))
            for c in self.reals
        ] + [sa.func.int8send(sa.cast(column[c], sa.BigInteger)) for c in self.whole]
        flags = [sa.case((column[c].is_(None), ABSENT), else_=PRESENT) for c in self.reals] + [
            sa.case((column[c].is_(True), YES), (column[c].is_(False), NO), else_=MISSING)
            for c in self.yes_no
        ]
        lengths = [
            sa.func.int4send(sa.func.coalesce(sa.func.octet_length(column[c]), -1))
            for c in self.texts
        ]
        texts = [sa.func.coalesce(column[c], "") for c in self.texts]
        return [
            sa.func.count().label("n"),
            agg(joined(numbers), nothing).label("numbers")
            if numbers
            else sa.null().label("numbers"),
            agg(joined(flags), "").label("flags") if flags else sa.null().label("flags"),
            agg(joined(lengths), nothing).label("lengths"),
            sa.func.convert_to(agg(joined(texts), sa.literal("")), "UTF8").label("texts"),
        ]

    def unpack(self, rows: Sequence[Mapping[str, Any]]) -> Unpacked:
        """The rows of packs (a pack per priority, or one quarter's), whose columns are then taken for the
        rows wanted (:class:`Unpacked`)."""
        packs = [self._unpack(row) for row in rows]
        if len(packs) == 1:
            return packs[0]
        numbers = [p.numbers for p in packs if p.numbers is not None]
        return Unpacked(
            self,
            sum(p.n for p in packs),
            pa.concat_arrays([p.every_text for p in packs]),
            np.concatenate([p.flags for p in packs]),
            np.concatenate(numbers) if numbers else None,
        )

    def _unpack(self, row: Mapping[str, Any]) -> Unpacked:
        """One pack's rows."""
        n, k = int(row["n"]), len(self.texts)
        lengths = np.frombuffer(_bytes(row["lengths"]), dtype=">i4")
        texts = _bytes(row["texts"])
        missing = lengths < 0
        offsets = np.zeros(n * k + 1, dtype=np.int32)
        np.cumsum(np.where(missing, 0, lengths), out=offsets[1:])
        flag_width = len(self.reals) + len(self.yes_no)
        flags = np.frombuffer((row["flags"] or "").encode(), dtype=np.uint8)
        record = np.dtype(
            [(f"r{j}", ">f8") for j in range(len(self.reals))]
            + [(f"w{j}", ">i8") for j in range(len(self.whole))]
        )
        numbers = np.frombuffer(_bytes(row["numbers"]), dtype=record) if record.names else None
        if not (
            len(lengths) == n * k
            and len(texts) < 2**31
            and offsets[-1] == len(texts)
            and len(flags) == n * flag_width
            and (numbers is None or len(numbers) == n)
        ):
            raise RuntimeError("a packed snapshot did not unpack to one value per row and column")
        every_text = pa.StringArray.from_buffers(
            n * k,
            pa.py_buffer(offsets),
            pa.py_buffer(texts),
            pa.array(~missing).buffers()[1] if missing.any() else None,
            int(missing.sum()),
        )
        every_text.validate(full=True)  # UTF-8, each text within the bytes
        return Unpacked(self, n, every_text, flags.reshape(n, flag_width), numbers)


@dataclass(frozen=True)
class Unpacked:
    """One pack's rows: its texts row after row (each row's ``len(packing.texts)`` in turn), its
    flags one row of characters per row, its numbers one record per row."""

    packing: Packing
    n: int
    every_text: pa.StringArray
    flags: np.ndarray
    numbers: np.ndarray | None

    def column(self, name: str, rows: pa.Array | None = None) -> pa.Array:
        """Column ``name`` of the rows at positions ``rows`` (a null position: a missing value), or
        of every row."""
        p = self.packing
        if name in p.texts:
            k, j = len(p.texts), p.texts.index(name)
            if rows is None:
                return self.every_text.take(pa.array(np.arange(j, self.n * k, k)))
            at = rows.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
            return self.every_text.take(pa.array(at * k + j, mask=_missing(rows)))
        if name in p.reals:
            j = p.reals.index(name)
            assert self.numbers is not None
            present = self.flags[:, j] == ord(PRESENT)
            every = pa.array(self.numbers[f"r{j}"].astype(np.float64), mask=~present)
        elif name in p.whole:
            assert self.numbers is not None
            every = pa.array(self.numbers[f"w{p.whole.index(name)}"].astype(np.int64))
        else:
            code = self.flags[:, len(p.reals) + p.yes_no.index(name)]
            every = pa.array(code == ord(YES), mask=code == ord(MISSING))
        return every if rows is None else every.take(rows)


def _missing(rows: pa.Array) -> np.ndarray | None:
    """Which of ``rows`` are null (None: none)."""
    if not rows.null_count:
        return None
    return rows.is_null().to_numpy(zero_copy_only=False)


def _bytes(value: Any) -> bytes:
    """A pack's binary string (None, for no rows, as no bytes)."""
    return bytes(value) if value is not None else b""


# A quarter's values: what the snapshots take from the quarter asked for and the two before.
VALUES = Packing(
    texts=("ref", "official_rag", "commentary", "benchmark_label", "marker"),
    reals=("actual", "target", "target_upper", "benchmark"),
    yes_no=("not_due",),
)
# Every indicator's definition (its priority's name is joined when read: one per pack, and as the
# priorities are then).
DEFINITION_COLUMNS = Packing(
    texts=(
        "ref", "name", "description", "directorate", "portfolio", "unit", "polarity",
        "frequency", "source", "cumulative_or_seasonal",
    ),
    reals=("tolerance",),
    whole=("priority_id",),
    yes_no=("counts_people",),
)  # fmt: skip


# The quarters packed: this many, up to the latest with an actual (three years: a snapshot needs the
# quarter a year before its own, so the latest eight are read packed, the quarters Cabinet reviews).
# Each quarter of the window has a pack, empty where it has no values: a quarter without one was not
# packed (by this writer), and its snapshot is read by its query. Packing every quarter of a long
# history cost a million-value load 2 to 3 s. Changing a Packing's columns needs new tables (or a
# new schema version whose upgrade rewrites these): an older instance would unpack them wrongly.
PACKED_QUARTERS = 12


def _window(conn: Connection) -> list[int]:
    """The keys of the quarters to pack (see :data:`PACKED_QUARTERS`); none without an actual."""
    v = s.indicator_values
    latest = conn.execute(
        sa.select(sa.func.max(v.c.period)).where(v.c.actual.is_not(None))
    ).scalar()
    if latest is None:
        return []
    last = Period.from_key(int(latest))
    return [last.shift(-back).key for back in reversed(range(PACKED_QUARTERS))]


def _utf8(conn: Connection) -> bool:
    """Whether the server keeps text as UTF-8 (the packs' texts are its bytes as they are)."""
    return conn.execute(sa.select(sa.func.current_setting("server_encoding"))).scalar() == "UTF8"


def refresh(conn: Connection) -> None:
    """Rewrite ``quarter_packs`` and ``definition_packs`` from the values and definitions, inside the
    caller's write transaction (on PostgreSQL whose text is UTF-8; nothing elsewhere)."""
    if conn.dialect.name != "postgresql":
        return
    quarters, definitions = s.quarter_packs, s.definition_packs
    conn.execute(sa.delete(quarters))
    conn.execute(sa.delete(definitions))
    if not _utf8(conn):
        return
    # A dozen groups of long strings, grouped in memory rather than spilled to disk (a write
    # transaction has asked for as much already; an upgrade's has not).
    conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    current = conn.execute(sa.select(s.data_version.c.version)).scalar()
    version = sa.literal(current, sa.BigInteger)
    v, i = s.indicator_values, s.indicators
    window = _window(conn)
    if window:
        conn.execute(
            sa.insert(quarters).from_select(
                list(quarters.c.keys()),
                sa.select(v.c.period, *VALUES.aggregates(dict(v.c.items())), version)
                .where(v.c.period.between(window[0], window[-1]))
                .group_by(v.c.period),
            )
        )
        packed = set(conn.execute(sa.select(quarters.c.period)).scalars())
        empty = [
            {"period": key, "n": 0, "data_version": current} for key in window if key not in packed
        ]
        if empty:
            conn.execute(sa.insert(quarters), empty)
    conn.execute(
        sa.insert(definitions).from_select(
            list(definitions.c.keys()),
            sa.select(
                i.c.priority_id,
                # By reference, bytewise: with the packs taken by priority, the snapshot's order.
                *DEFINITION_COLUMNS.aggregates(dict(i.c.items()), i.c.ref.collate("C")),
                version,
            ).group_by(i.c.priority_id),
        )
    )


def stale(conn: Connection) -> bool:
    """Whether the packs are not what :func:`refresh` would write now: written at another data
    version (by an older version of the app, which bumps the version without rewriting them), or
    missing where there are definitions (a database from before the tables). Never on a server
    whose text is not UTF-8, where :func:`refresh` packs nothing."""
    if conn.dialect.name != "postgresql" or not _utf8(conn):
        return False
    versions = sa.union_all(
        *(sa.select(t.c.data_version) for t in (s.quarter_packs, s.definition_packs))
    ).subquery()
    written = conn.execute(
        sa.select(sa.func.min(versions.c.data_version), sa.func.max(versions.c.data_version))
    ).one()
    if written[0] is None:
        return conn.execute(sa.select(s.indicators.c.ref).limit(1)).first() is not None
    current = conn.execute(sa.select(s.data_version.c.version)).scalar()
    return not written[0] == written[1] == current


def snapshot(
    store: StoreBase, filters: Filters, names: Sequence[str], joined_to_priorities: bool
) -> pd.DataFrame | None:
    """The snapshot query's frame (columns ``names``) for ``filters``' quarter, from the packs (see
    the module's note), in the order ``scorecard_reads.snapshot_order`` puts it in: by priority,
    then by reference bytewise (as Python compares text); None where they cannot be read.
    ``joined_to_priorities``: the query joins the definitions to their priorities, leaving out an
    indicator whose priority is not one of them."""
    if store.is_duckdb or store.public or filters.period is None:
        return None
    p = filters.period
    quarters = {"": p.key}
    if any(n.startswith("prev_") for n in names):
        quarters["prev_"] = p.previous().key
    if any(n.startswith("year_") for n in names):
        quarters["year_"] = p.year_earlier().key
    with store.connect() as conn:
        sql, params = _statement(tuple(quarters.values()), tuple(filters.priorities or ()))
        read = binary_rows_of(conn, sql, params)
    # By priority: each pack holds its indicators by reference, so the rows come in snapshot order.
    packs = sorted((r for r in read if r["definitions"]), key=lambda r: int(r["key"]))
    # No definitions: none in the priorities asked for, or none packed (the query tells which).
    if not packs or any(r["data_version"] != packs[0]["version"] for r in read):
        return None
    of_quarter = {int(r["key"]): r for r in read if not r["definitions"]}
    if any(key not in of_quarter for key in quarters.values()):
        return None  # a quarter not packed
    definitions = DEFINITION_COLUMNS.unpack(packs)
    # Each definition's pack: its priority's name and whether there is such a priority.
    pack_of = pa.array(np.repeat(np.arange(len(packs)), [int(r["n"]) for r in packs]))
    has_priority = pa.array([r["has_priority"] for r in packs], pa.bool_()).take(pack_of)
    kept = pc.indices_nonzero(
        _kept(definitions, filters, has_priority if joined_to_priorities else None)
    )
    columns: dict[str, pa.Array] = {
        c: definitions.column(c, kept) for c in names if c in DEFINITION_COLUMNS.names
    }
    if "priority" in names:
        priority = pa.array([r["priority"] for r in packs], pa.string())
        columns["priority"] = priority.take(pack_of.take(kept))
    refs = definitions.column("ref", kept)
    for prefix, key in quarters.items():
        values = VALUES.unpack([of_quarter[key]])
        at = pc.index_in(refs, value_set=values.column("ref"))
        if not prefix:
            columns["has_row"] = at.is_valid()
        for c in VALUES.names:
            if c != "ref" and prefix + c in names:
                columns[prefix + c] = values.column(c, at)
    if "not_due" in columns:  # the query's coalesce(not_due, false)
        columns["not_due"] = columns["not_due"].fill_null(False)
    missing = [n for n in names if n not in columns]
    if missing:
        raise KeyError(f"the packed snapshot has no column {missing}")
    return frame_of(pa.table({n: columns[n] for n in names}))


@functools.lru_cache(maxsize=256)
def _statement(
    quarters: tuple[int, ...], priorities: tuple[int, ...]
) -> tuple[str, Mapping[str, Any]]:
    """The statement reading the packs of ``quarters`` and the definitions of ``priorities`` (all:
    empty), in one snapshot of the data, compiled for PostgreSQL's driver (once: building and
    compiling it took 3 ms, a tenth of the read)."""
    from sqlalchemy.dialects.postgresql import psycopg

    q, d, p = s.quarter_packs, s.definition_packs, s.priorities
    pack = [c for c in q.c if c.name != "period"]
    current = (sa.select(s.data_version.c.version).scalar_subquery().label("version"),)
    of_definitions = sa.select(
        sa.literal(True).label("definitions"), d.c.priority_id.label("key"),
        *(d.c[c.name] for c in pack), *current,
        p.c.name.label("priority"), p.c.id.is_not(None).label("has_priority"),
    ).select_from(d.outerjoin(p, p.c.id == d.c.priority_id))  # fmt: skip
    if priorities:
        of_definitions = of_definitions.where(d.c.priority_id.in_(priorities))
    of_quarters = sa.select(
        sa.literal(False), q.c.period, *pack, *current,
        sa.null().cast(sa.String), sa.null().cast(sa.Boolean),
    ).where(q.c.period.in_(quarters))  # fmt: skip
    statement = sa.select(sa.union_all(of_definitions, of_quarters).subquery())
    compiled = statement.compile(
        dialect=psycopg.dialect(), compile_kwargs={"render_postcompile": True}
    )
    return str(compiled), compiled.construct_params()


def _kept(definitions: Unpacked, filters: Filters, has_priority: pa.Array | None) -> pa.Array:
    """Which definitions the snapshot query keeps: those the filters pick (an indicator whose
    directorate or portfolio is missing is not in any list of them), with a priority where the
    query joins them to the priorities (``has_priority``: each definition's)."""
    keep = pa.array(np.ones(definitions.n, dtype=bool))
    picked: list[tuple[str, Sequence[Any]]] = [
        ("priority_id", filters.priorities),
        ("directorate", filters.directorates),
        ("portfolio", filters.portfolios),
    ]
    for column, wanted in picked:
        if wanted:
            values = definitions.column(column)
            keep = pc.and_(keep, pc.is_in(values, value_set=pa.array(list(wanted), values.type)))
    if has_priority is not None:  # the query joins the priorities
        keep = pc.and_(keep, has_priority)
    return keep.fill_null(False)
