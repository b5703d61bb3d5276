"""Loading files into the store as recorded, reversible batches.

``prepare`` reads, checks and compares files with the database without writing anything: the result
says how many rows are new, changed and unchanged (with old and new values) or lists every problem.
``commit`` writes a prepared load in one transaction and records it as a batch; a file with any problem
loads nothing, and a file identical to what is stored changes nothing. ``rollback`` restores exactly
the rows a batch replaced and removes the rows it added.

A published quarter is the record Cabinet saw. A load that would add or change any of its indicator
values (actual, target, RAG, commentary, benchmark, not-due flag), flagship action statuses
(status, commentary) or highlights is refused (:class:`PublishedChangeRefused`, listing every change)
unless the editor revises published figures on purpose and says why (:class:`Revision`). A revision
is recorded field by field in ``published_revisions`` (who, when, why, old and new values). Indicator
definitions are not per quarter and are not locked. A quarter once published stays locked when it is
unpublished. A rollback that changes figures of a locked quarter needs a reason too and is recorded
the same way: one rule decides for every path (:mod:`harrow_dash.store.revision_rule`).

Comparison and writing happen in SQL over staging tables (DuckDB reads the pandas frames directly, which
is what makes a million-row load take seconds, not minutes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harrow_dash.ingest.comparators import (
    AREA_COLUMNS,
    COMPARATOR_VALUE_COLUMNS,
    GROUP_COLUMNS,
    MEASURE_COLUMNS,
)
from harrow_dash.ingest.corrective import CORRECTIVE_COLUMNS, UPDATE_COLUMNS
from harrow_dash.ingest.parse import Parsed, parse_sheet, parse_sheets
from harrow_dash.ingest.problems import MAX_PROBLEMS, LoadRefused, Problem
from harrow_dash.ingest.readers import Sheet, read_file
from harrow_dash.ingest.stream import (
    TEXT_COLUMNS,
    Kept,
    SideText,
    compact,
    release_memory,
    stream_csv,
)
from harrow_dash.ingest.validate import (
    ACTION_COLUMNS,
    HIGHLIGHT_COLUMNS,
    INDICATOR_COLUMNS,
    MONTH_COLUMNS,
    STATUS_COLUMNS,
    VALUE_COLUMNS,
    Context,
    Incoming,
    validate,
)
from harrow_dash.store import Store
from harrow_dash.store import schema as s
from harrow_dash.store.revision_rule import (
    BY_LOAD,
    BY_ROLLBACK,
    CHANGE_COLUMNS,
    FIELD_WORDS,
    LOCKED_QUARTERS_SQL,
    ReasonNeeded,
    Revisions,
    field_changes,
    record,
    require_reason,
    revisions_for,
    value_words,
)
from harrow_dash.store.revision_rule import same as _same

# Defaults for NOT NULL columns a file may leave out for a new row.
_DEFAULTS = {
    "not_due": "FALSE",
    "counts_people": "FALSE",
    "frequency": "'quarterly'",
    "commentary_internal": "FALSE",
    "allow_negative": "FALSE",
}
# Tables counted as "rows" in batch summaries, with the frame that feeds each.
DATA_TABLES = (
    "indicators",
    "indicator_values",
    "indicator_monthly_values",
    "flagship_actions",
    "action_statuses",
    "highlights",
    "corrective_actions",
    "corrective_action_updates",
    "areas",
    "comparator_measures",
    "comparator_values",
    "comparison_groups",
)
TABLE_LABELS = {
    "indicators": "indicator definitions",
    "indicator_values": "indicator values",
    "indicator_monthly_values": "monthly values",
    "flagship_actions": "flagship actions",
    "action_statuses": "action statuses",
    "highlights": "highlights",
    "corrective_actions": "corrective actions",
    "corrective_action_updates": "corrective action updates",
    "areas": "comparator areas",
    "comparator_measures": "comparator measures",
    "comparator_values": "comparator values",
    "comparison_groups": "comparison group members",
}


@dataclass(frozen=True)
class Revision:
    """An editor's decision to change figures of published quarters, and why."""

    reason: str


class PublishedChangeRefused(Exception):
    """The load would change a published quarter and was not made as a revision with a reason."""

    def __init__(self, plan: LoadPlan, message: str):
        self.plan = plan
        super().__init__(message)


@dataclass(frozen=True)
class FileInput:
    """A file to load: its name and its bytes, or (``from_path``, the command line) where it is on
    disk, so that a CSV can be read as a stream (:mod:`ingest.stream`) and never held whole."""

    name: str
    content: bytes = b""
    path: Path | None = None

    @classmethod
    def from_path(cls, path: Path) -> FileInput:
        return cls(path.name, path=path)

    def blocks(self) -> Iterator[bytes]:
        if self.path is None:
            yield self.content
            return
        with self.path.open("rb") as fh:
            while block := fh.read(1 << 20):
                yield block

    def read(self) -> bytes:
        return self.content if self.path is None else self.path.read_bytes()


@dataclass
class TableChange:
    added: int = 0
    changed: int = 0
    unchanged: int = 0


@dataclass
class LoadPlan:
    files: list[FileInput]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    incoming: Incoming | None = None
    tables: dict[str, TableChange] = field(default_factory=dict)
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)  # table, key, field, old, new
    # New and changed figures in published quarters: table, period, item, field, old, new.
    published_changes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS)
    )
    # A streamed load's long texts, set aside on disk until the values are staged (see ingest.stream).
    side: SideText | None = None

    def cleanup(self) -> None:
        """Delete what a streamed load set aside on disk (the plan cannot be committed after)."""
        if self.side is not None:
            self.side.cleanup()

    @property
    def changes_published(self) -> bool:
        return len(self.published_changes) > 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def added(self) -> int:
        return sum(t.added for t in self.tables.values())

    @property
    def changed(self) -> int:
        return sum(t.changed for t in self.tables.values())

    @property
    def unchanged(self) -> int:
        return sum(t.unchanged for t in self.tables.values())

    @property
    def sha256(self) -> str:
        h = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: f.name):
            for block in f.blocks():
                h.update(block)
        return h.hexdigest()

    @property
    def file_name(self) -> str:
        return ", ".join(f.name for f in self.files)


@dataclass
class BatchResult:
    batch_id: int | None
    plan: LoadPlan

    @property
    def nothing_to_do(self) -> bool:
        return self.batch_id is None


def context_from(conn: Connection) -> Context:
    def frame(q: sa.Select) -> pd.DataFrame:
        r = conn.execute(q)
        return pd.DataFrame(r.fetchall(), columns=list(r.keys()))

    m = s.comparator_measures
    year_types = frame(sa.select(m.c.measure, m.c.year_type).where(m.c.year_type.is_not(None)))
    return Context(
        measure_year_types=dict(zip(year_types["measure"], year_types["year_type"], strict=True)),
        priorities=frame(sa.select(s.priorities).order_by(s.priorities.c.id)),
        corrective=frame(
            sa.select(
                s.corrective_actions.c.action_id,
                s.corrective_actions.c.subject_kind,
                s.corrective_actions.c.subject_ref,
                s.corrective_actions.c.agreed_period,
                s.corrective_actions.c.due_period,
            )
        ),
        indicators=frame(
            sa.select(
                s.indicators.c.ref,
                s.indicators.c.unit,
                s.indicators.c.frequency,
                s.indicators.c.quarter_rule,
                s.indicators.c.allow_negative,
            )
        ),
        action_refs=set(frame(sa.select(s.flagship_actions.c.ref))["ref"]),
        published_actuals=frame(
            sa.select(
                s.indicator_values.c.ref, s.indicator_values.c.period, s.indicator_values.c.actual
            )
            .join(s.indicators, s.indicators.c.ref == s.indicator_values.c.ref)
            .where(
                s.indicators.c.frequency == "monthly",
                s.indicator_values.c.actual.is_not(None),
                s.indicator_values.c.period.in_(sa.select(s.published_quarters.c.period)),
            )
        ),
    )


def _type_sql(col: sa.Column) -> str:
    t = col.type
    if isinstance(t, sa.Float):
        return "DOUBLE PRECISION"
    if isinstance(t, sa.Boolean):
        return "BOOLEAN"
    if isinstance(t, sa.Integer):
        return "BIGINT"
    return "VARCHAR"


def _copy_rows(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """Write a frame into a PostgreSQL table with COPY (psycopg 3), inside the caller's transaction:
    a million rows take seconds where INSERT statements take minutes. The rows travel as CSV that
    Arrow writes (missing values unquoted and empty, so NULL; every text quoted, so an empty text
    stays empty; reals in their shortest exact form); a frame Arrow cannot convert (a column mixing
    text and numbers) goes row by row instead."""
    table_columns = s.metadata.tables[table.removeprefix("stage_")].c
    whole = [
        c
        for c in frame.columns
        if c in table_columns
        and isinstance(table_columns[c].type, sa.Integer)
        and frame[c].dtype.kind == "f"
    ]
    if whole:  # 1.0 where a gap made pandas use floats: COPY wants 1 for an integer column
        frame = frame.assign(**{c: frame[c].astype("Int64") for c in whole})
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    columns = ", ".join(frame.columns)
    try:
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):
        values = frame.astype(object).where(frame.notna(), None)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in values.itertuples(index=False, name=None):
                copy.write_row(row)
        return
    options = pa_csv.WriteOptions(include_header=False)
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        for batch in arrow.to_batches(max_chunksize=100_000):
            chunk = io.BytesIO()
            pa_csv.write_csv(batch, chunk, options)
            copy.write(chunk.getbuffer())


COMPARATOR_COLUMNS = {
    "areas": AREA_COLUMNS,
    "comparator_measures": MEASURE_COLUMNS,
    "comparator_values": COMPARATOR_VALUE_COLUMNS,
    "comparison_groups": GROUP_COLUMNS,
}


def _frames(incoming: Incoming) -> dict[str, tuple[pd.DataFrame, list[str]]]:
    return {
        "indicators": (incoming.indicators, INDICATOR_COLUMNS),
        "indicator_values": (incoming.values, VALUE_COLUMNS),
        "indicator_monthly_values": (incoming.months, MONTH_COLUMNS),
        "flagship_actions": (incoming.actions, ACTION_COLUMNS),
        "action_statuses": (incoming.statuses, STATUS_COLUMNS),
        "highlights": (incoming.highlights, HIGHLIGHT_COLUMNS),
        "corrective_actions": (incoming.corrective_actions, CORRECTIVE_COLUMNS),
        "corrective_action_updates": (incoming.corrective_updates, UPDATE_COLUMNS),
        **{
            name: (incoming.comparators.get(name), COMPARATOR_COLUMNS[name])
            for name in COMPARATOR_COLUMNS
        },
    }


def _write_order(name: str, is_duckdb: bool) -> str:
    """The ORDER BY of the rows a load writes into table ``name``: by quarter, then the other key
    columns (see :meth:`_Stager.apply`), or none for a table without quarters. Only the rows'
    physical order depends on it, never what a query returns (every query orders its own rows), so
    PostgreSQL sorts the texts bytewise (``COLLATE "C"``, as DuckDB compares them): a sort by the
    database's language rules costs several times more, at a million rows most of the write."""
    keys = list(s.LOADED_TABLES[name])
    if "period" not in keys:
        return ""
    table = s.metadata.tables[name]
    rest = [
        k if is_duckdb or not isinstance(table.c[k].type, sa.String) else f'{k} COLLATE "C"'
        for k in keys
        if k != "period"
    ]
    return f" ORDER BY {', '.join(['period', *rest])}"


def _in_write_order(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` in the order :func:`_write_order` gives on PostgreSQL (by quarter, then
    the other key columns, texts by their characters' code points: the order ``COLLATE "C"`` gives),
    for staging. The rows then reach the final write already in that order, and PostgreSQL's sort
    of already-sorted rows is one pass, where sorting a file's rows by quarter costs seconds of the
    server's time at a million rows (measured: a fifth of the load's CPU time). Only the order rows
    are staged in changes; a frame without every key column is left as it is."""
    keys = list(s.LOADED_TABLES[name])
    if "period" not in keys or len(frame) < 2 or not all(k in frame for k in keys):
        return frame
    by = ["period", *(k for k in keys if k != "period")]
    return frame.sort_values(by, kind="stable", ignore_index=True)


class _Stager:
    """Writes staging tables and compares them with the live tables inside one transaction."""

    def __init__(self, conn: Connection, is_duckdb: bool, side: SideText | None = None):
        self.conn = conn
        self.is_duckdb = is_duckdb
        self.side = side

    def stage(self, name: str, frame: pd.DataFrame, nulls: Sequence[str] = ()) -> None:
        """Stage ``frame`` as ``stage_<name>``; DuckDB adds ``nulls``, columns the frame lacks, as
        typed NULLs (not a column of a million Nones built to say nothing)."""
        stage = f"stage_{name}"
        self._drop_stage(name)
        # A streamed load's values carry ``_seq`` in place of their long texts, which are joined
        # back from the file they were set aside in (see ingest.stream).
        side = self.side if "_seq" in frame else None
        if self.is_duckdb:
            # A view of the frame, read once by compare's join (copying a million rows into a
            # table first only to read them back took a tenth of a second), then dropped.
            raw = self.conn.connection.driver_connection
            raw.register(f"incoming_{name}", frame)  # type: ignore[union-attr]
            table = s.metadata.tables[name]
            extra = "".join(f", CAST(NULL AS {_type_sql(table.c[c])}) AS {c}" for c in nulls)
            if side is None:
                select = f"SELECT *{extra} FROM incoming_{name}"
            elif side.exists:
                side.finish()
                path = str(side.path).replace("'", "''")
                texts = ", ".join(f"t.{c}" for c in TEXT_COLUMNS)
                select = (
                    f"SELECT f.* EXCLUDE (_seq), {texts}{extra} FROM incoming_{name} f "
                    f"LEFT JOIN read_parquet('{path}') t ON t._seq = f._seq"
                )
            else:
                blank = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in TEXT_COLUMNS)
                select = f"SELECT * EXCLUDE (_seq), {blank}{extra} FROM incoming_{name}"
            self.conn.exec_driver_sql(f"CREATE TEMP VIEW {stage} AS {select}")
            return
        if side is not None:
            texts = side.read() if side.exists else pd.DataFrame(columns=["_seq", *TEXT_COLUMNS])
            frame = frame.merge(texts, on="_seq", how="left").drop(columns="_seq")
        # Typed from the schema, not from the frame: a column the file leaves out is all missing,
        # which pandas calls float, and PostgreSQL will not cast a float to a boolean or text.
        table = s.metadata.tables[name]
        cols = ", ".join(
            f"{c} {'BOOLEAN' if c.startswith('_has_') else _type_sql(table.c[c])}"
            for c in frame.columns
        )
        self.conn.exec_driver_sql(f"CREATE TEMP TABLE {stage} ({cols})")
        if len(frame):
            _copy_rows(self.conn, stage, _in_write_order(name, frame))

    def compare(self, name: str, frame: pd.DataFrame, columns: list[str]) -> TableChange:
        table = s.metadata.tables[name]
        keys = list(s.LOADED_TABLES[name])
        set_aside = (
            self.side is not None and "_seq" in frame and any(c in TEXT_COLUMNS for c in columns)
        )
        staged = [c for c in columns if not (set_aside and c in TEXT_COLUMNS)]
        nulls = [c for c in staged if c not in frame] if self.is_duckdb else []
        stage_frame = pd.DataFrame(
            {c: frame.get(c) for c in staged if c not in nulls},
            index=frame.index,
            copy=False,  # the columns as they are, not copied into blocks
        )
        if set_aside:
            stage_frame["_seq"] = frame["_seq"]
        # Whether the file gave each field, per row; the same for every row (the usual case) is
        # written into the SQL as a constant rather than staged as a column of a million rows.
        given: dict[str, str] = {}
        for c in columns:
            if c not in keys:
                has = frame.get(f"_has_{c}", c in frame)
                flags = has if isinstance(has, bool) else has.astype(bool)
                if isinstance(flags, bool):
                    given[c] = "TRUE" if flags else "FALSE"
                elif flags.all():
                    given[c] = "TRUE"
                elif not flags.any():
                    given[c] = "FALSE"
                else:
                    stage_frame[f"_has_{c}"] = flags
                    given[c] = f"s._has_{c}"
        self.stage(name, stage_frame, nulls)
        merged = []
        for c in columns:
            col = table.c[c]
            # Cast to the column's own type as this database declares it (FLOAT is 4-byte REAL in
            # DuckDB): comparing in another precision would call every decimal value "changed".
            cast = f"CAST(s.{c} AS {col.type.compile(dialect=self.conn.dialect)})"
            if c in keys:
                merged.append((c, cast))
                continue
            expr = f"CASE WHEN {given[c]} THEN {cast} ELSE e.{c} END"
            if c in _DEFAULTS:
                expr = f"COALESCE({expr}, {_DEFAULTS[c]})"
            merged.append((c, expr))
        on = " AND ".join(f"e.{k} = CAST(s.{k} AS {_type_sql(table.c[k])})" for k in keys)
        differs = (
            " OR ".join(f"({expr}) IS DISTINCT FROM e.{c}" for c, expr in merged if c not in keys)
            or "FALSE"
        )
        select = ", ".join(f"{expr} AS {c}" for c, expr in merged)
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS merged_{name}")
        self.conn.exec_driver_sql(
            f"CREATE TEMP TABLE merged_{name} AS SELECT {select}, e.{keys[0]} IS NULL AS is_new, "
            f"(e.{keys[0]} IS NOT NULL AND ({differs})) AS is_changed "
            f"FROM stage_{name} s LEFT JOIN {name} e ON {on}"
        )
        if self.is_duckdb:
            self._drop_stage(name)  # read: the frame behind it can go
        else:  # temporary tables get no statistics unless asked for them
            self.conn.exec_driver_sql(f"ANALYZE merged_{name}")
        row = self.conn.exec_driver_sql(
            f"SELECT COUNT(*), SUM(CASE WHEN is_new THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN is_changed THEN 1 ELSE 0 END) FROM merged_{name}"
        ).one()
        total, new, changed = int(row[0]), int(row[1] or 0), int(row[2] or 0)
        return TableChange(added=new, changed=changed, unchanged=total - new - changed)

    def changed_rows(self, name: str, columns: list[str], limit: int = 2000) -> pd.DataFrame:
        """Old and new values of changed fields, for a preview."""
        keys = list(s.LOADED_TABLES[name])
        on = " AND ".join(f"e.{k} = m.{k}" for k in keys)
        cols = [c for c in columns if c not in keys]
        select = ", ".join(
            [
                *(f"m.{k}" for k in keys),
                *(f"m.{c} AS new_{c}" for c in cols),
                *(f"e.{c} AS old_{c}" for c in cols),
            ]
        )
        r = self.conn.exec_driver_sql(
            f"SELECT {select} FROM merged_{name} m JOIN {name} e ON {on} WHERE m.is_changed LIMIT {int(limit)}"
        )
        df = pd.DataFrame(r.fetchall(), columns=list(r.keys()))
        out = []
        for rec in df.to_dict("records"):
            key = " ".join(_key_text(k, rec[k]) for k in keys)
            for c in cols:
                old, new = rec[f"old_{c}"], rec[f"new_{c}"]
                if not _same(old, new):
                    out.append(
                        {
                            "table": TABLE_LABELS[name],
                            "key": key,
                            "field": c,
                            "old": old,
                            "new": new,
                        }
                    )
        return pd.DataFrame(out, columns=["table", "key", "field", "old", "new"])

    def published_changes(self, name: str, columns: list[str]) -> pd.DataFrame:
        """New and changed fields of rows in quarters that are or were published (compared by
        :meth:`compare`), field by field as :func:`revision_rule.field_changes` counts them."""
        keys = list(s.LOADED_TABLES[name])
        on = " AND ".join(f"e.{k} = m.{k}" for k in keys)
        cols = [c for c in columns if c not in keys]
        select = ", ".join(
            [
                *(f"m.{k}" for k in keys),
                "m.is_new",
                *(f"m.{c} AS new_{c}" for c in cols),
                *(f"e.{c} AS old_{c}" for c in cols),
            ]
        )
        quarter = s.record_quarter(name)
        locked = f"m.{quarter} IN ({LOCKED_QUARTERS_SQL})"
        if quarter not in keys:  # a row may move out of a locked quarter too
            locked = f"({locked} OR e.{quarter} IN ({LOCKED_QUARTERS_SQL}))"
        r = self.conn.exec_driver_sql(
            f"SELECT {select} FROM merged_{name} m LEFT JOIN {name} e ON {on} "
            f"WHERE (m.is_new OR m.is_changed) AND {locked}"
        )
        df = pd.DataFrame(r.fetchall(), columns=list(r.keys()))
        out = []
        for rec in df.to_dict("records"):
            key = {k: rec[k] for k in keys}
            new = {**key, **{c: rec[f"new_{c}"] for c in cols}}
            old = None if rec["is_new"] else {**key, **{c: rec[f"old_{c}"] for c in cols}}
            out.extend(field_changes(name, old, new))
        return pd.DataFrame(out, columns=CHANGE_COLUMNS)

    def apply(self, name: str, columns: list[str], batch_id: int, changed: int = 1) -> None:
        """Write the compared rows: the replaced rows into ``<name>_history``, then the new and
        changed rows. ``changed`` is the count :meth:`compare` found; with none (a load of new rows
        only) the history and delete statements are skipped, as they would find no row."""
        keys = list(s.LOADED_TABLES[name])
        on = " AND ".join(f"e.{k} = m.{k}" for k in keys)
        all_cols = [c.name for c in s.metadata.tables[name].columns]
        col_list = ", ".join(all_cols)
        e_cols = ", ".join(f"e.{c}" for c in all_cols)
        if changed:
            self.conn.execute(
                sa.text(
                    f"INSERT INTO {name}_history (replaced_by, {col_list}) SELECT :b, {e_cols} "
                    f"FROM {name} e JOIN merged_{name} m ON {on} WHERE m.is_changed"
                ),
                {"b": batch_id},
            )
            self.conn.exec_driver_sql(
                f"DELETE FROM {name} e USING merged_{name} m WHERE {on} AND m.is_changed"
            )
        new_cols = [c for c in all_cols if c != "batch_id"]
        # Rows by quarter: every dashboard query picks a quarter, and DuckDB skips the blocks of rows
        # whose quarters cannot match, so a history loaded indicator by indicator (a tidy file sorted
        # by reference) would otherwise be read whole for each quarter shown.
        order = _write_order(name, self.is_duckdb)
        self.conn.execute(
            sa.text(
                f"INSERT INTO {name} ({', '.join(new_cols)}, batch_id) SELECT {', '.join(new_cols)}, :b "
                f"FROM merged_{name} WHERE is_new OR is_changed{order}"
            ),
            {"b": batch_id},
        )

    def _drop_stage(self, name: str) -> None:
        """Drop ``stage_<name>``: on DuckDB a view of a registered frame, which goes too."""
        if self.is_duckdb:
            self.conn.exec_driver_sql(f"DROP VIEW IF EXISTS stage_{name}")
            self.conn.connection.driver_connection.unregister(f"incoming_{name}")  # type: ignore[union-attr]
        else:
            self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS stage_{name}")

    def cleanup(self, names: Sequence[str]) -> None:
        for name in names:
            self._drop_stage(name)
            self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS merged_{name}")


def _key_text(k: str, v: Any) -> str:
    if k == "period":
        from harrow_dash.ingest.comparators import period_text

        return period_text(int(v))
    if k == "month":
        from harrow_dash.ingest.headings import Month

        return Month.from_key(int(v)).label
    return str(v)


def _reference_rows(conn: Connection, incoming: Incoming, batch_id: int) -> None:
    """Create directorates and portfolios named in the files that the database does not have."""
    for table, column, names in (
        (s.directorates, "name", incoming.directorates),
        (s.portfolio_holders, "portfolio", incoming.portfolios),
    ):
        existing = {r[0] for r in conn.execute(sa.select(table.c[column]))}
        new = [n for n in names if n not in existing]
        if new:
            conn.execute(table.insert(), [{column: n, "batch_id": batch_id} for n in new])


def read_inputs(
    files: Sequence[FileInput], max_bytes: int | None = None, notes: list[Problem] | None = None
) -> tuple[list[Sheet], list[Problem]]:
    """Every file's tables and problems; ``notes`` gets the readers' notes for the preview."""
    sheets: list[Sheet] = []
    problems: list[Problem] = []
    for f in files:
        found, probs = read_file(f.content, f.name, max_bytes=max_bytes, notes=notes)
        sheets.extend(found)
        problems.extend(probs)
    return sheets, problems


def read_streaming(
    files: Sequence[FileInput], side: SideText, notes: list[Problem] | None = None
) -> tuple[list[Sheet], list[Problem], Parsed, tuple[str, int] | None]:
    """Read and parse every file for a streamed load: CSV files on disk piece by piece, others whole;
    the parsed rows are kept compact (see :mod:`ingest.stream`). Returns the tables found (header
    only for streamed files), reading problems, what was parsed, and (file, row) if reading stopped
    at the problem cap."""
    from harrow_dash.ingest import readers

    out = Parsed()
    kept = Kept()
    sheets: list[Sheet] = []
    problems: list[Problem] = []
    for f in files:
        if f.path is not None and f.path.suffix.lower() == ".csv":
            found = stream_csv(
                f.path,
                f.name,
                out,
                side,
                kept,
                max_cells=readers.MAX_CSV_CELLS,
                max_rows=readers.MAX_ROWS,
                problems_before=len(problems),
            )
            problems.extend(found.problems)
            out.more_problems += found.more_problems
            sheets.extend(found.sheets)
            if found.stopped_at is not None:
                side.finish()
                return sheets, problems, out, (f.name, found.stopped_at)
            continue
        tables, probs = read_file(f.read(), f.name, notes=notes)
        problems.extend(probs)
        sheets.extend(tables)
        for sheet in tables:
            before = {
                k: len(getattr(out, k)) for k in ("indicators", "values", "months", "actions")
            }
            parse_sheet(sheet, out)
            compact(out, before, side, kept)
    side.finish()
    for kind in ("values", "months"):
        frame = kept.frame(kind, take=True)
        setattr(out, kind, [frame] if len(frame) else [])
    release_memory()
    return sheets, problems, out, None


_INCOMING_ATTRIBUTES = {
    "indicators": "indicators",
    "indicator_values": "values",
    "indicator_monthly_values": "months",
    "flagship_actions": "actions",
    "action_statuses": "statuses",
    "highlights": "highlights",
    "corrective_actions": "corrective_actions",
    "corrective_action_updates": "corrective_updates",
}


def _let_go(incoming: Incoming, name: str) -> None:
    """Drop the incoming rows of table ``name`` (staged already)."""
    if name in _INCOMING_ATTRIBUTES:
        setattr(incoming, _INCOMING_ATTRIBUTES[name], pd.DataFrame())
    else:
        incoming.comparators.pop(name, None)
    release_memory()


def _diff(
    conn: Connection,
    store: Store,
    plan: LoadPlan,
    preview: bool,
    write: Callable[[LoadPlan], int] | None = None,
) -> int | None:
    """Compare every table of the plan with the database. With ``write``, which is called once
    everything is compared (it may refuse by raising) and returns the batch number to write under,
    then writes the new and changed rows and returns that number: a refused load takes none."""
    assert plan.incoming is not None
    stager = _Stager(conn, store.is_duckdb, plan.side)
    frames = _frames(plan.incoming)
    changes = []
    published = []
    # A streamed load being written lets go of each table's rows once they are staged: DuckDB
    # works on its copy (within its memory limit), and the plan is not committed twice.
    consume = write is not None and plan.side is not None
    for name in DATA_TABLES:
        frame, columns = frames[name]
        if frame is None or frame.empty:
            continue
        plan.tables[name] = stager.compare(name, frame, columns)
        if consume:
            del frame
            frames[name] = (None, columns)
            _let_go(plan.incoming, name)
        if preview and plan.tables[name].changed:
            changes.append(stager.changed_rows(name, columns))
        if name in s.RECORD_TABLES and (plan.tables[name].added or plan.tables[name].changed):
            published.append(stager.published_changes(name, columns))
    published = [p for p in published if len(p)]
    # Which of them are revisions: the one rule the rollback and the republication use too.
    plan.published_changes = revisions_for(
        conn,
        pd.concat(published, ignore_index=True)
        if published
        else pd.DataFrame(columns=CHANGE_COLUMNS),
    ).changes
    if preview:
        plan.changes = (
            pd.concat(changes, ignore_index=True)
            if changes
            else pd.DataFrame(columns=["table", "key", "field", "old", "new"])
        )
    batch_id = write(plan) if write is not None else None
    if batch_id is not None:
        if store.is_duckdb and plan.side is not None and plan.changed:
            # The memory limit the command line sets (cli.LOAD_DUCKDB_MEMORY) holds while rows are
            # staged, compared and added, work DuckDB moves to temporary files beyond it. It is
            # lifted for a load that replaces stored rows: DuckDB holds what such a transaction
            # changes in memory until it commits, and at the limit the commit itself fails
            # (measured: replacing 832,049 values needs about 250 MB of DuckDB's own).
            conn.exec_driver_sql("RESET memory_limit")
        for name in plan.tables:
            stager.apply(name, frames[name][1], batch_id, plan.tables[name].changed)
    stager.cleanup([n for n in DATA_TABLES if n in plan.tables])
    return batch_id


def prepare(
    store: Store,
    files: Sequence[FileInput],
    max_bytes: int | None = None,
    compare: bool = True,
    stream: bool = False,
) -> LoadPlan:
    """Read, check and compare files with the database. Writes nothing.

    ``stream=True`` (the command line) reads CSV files given by path as a stream, in bounded memory
    (see :mod:`ingest.stream`); the plan then holds texts set aside on disk until
    :meth:`LoadPlan.cleanup`. Without it every file is read whole (the Data page's small uploads).

    ``compare=False`` only reads and checks: for a load committed straight away (the command line),
    whose commit compares inside its own transaction anyway, so the rows are staged once, not twice.
    The plan's counts are then filled in by :func:`commit`."""
    plan = LoadPlan(list(files))
    notes: list[Problem] = []
    stopped: tuple[str, int] | None = None
    if stream:
        plan.side = SideText()
        sheets, plan.problems, parsed, stopped = read_streaming(files, plan.side, notes)
    else:
        sheets, plan.problems = read_inputs(files, max_bytes, notes)
        parsed = parse_sheets(sheets)
    parsed.warnings[:0] = notes
    plan.warnings = parsed.warnings
    if stopped is None:
        with store.connect() as conn:
            context = context_from(conn)
        incoming, problems = validate(parsed, context)
        plan.warnings = plan.warnings + incoming.notes
        more_found = incoming.more_problems
        if stream:
            del parsed
            release_memory()
    else:  # the rest of the file was not read: its rows are not checked across rows either
        incoming, problems, more_found = None, parsed.problems, parsed.more_problems
    plan.problems = sorted(
        set(plan.problems + problems),
        key=lambda p: (p.file, p.sheet or "", p.row or 0, p.column or "", p.message),
    )
    more = more_found + max(0, len(plan.problems) - MAX_PROBLEMS)
    if stopped is not None:
        file, row = stopped
        plan.problems = plan.problems[:MAX_PROBLEMS] + [
            Problem.whole_file(
                plan.file_name,
                f"and {more:,} or more problems not listed: reading stopped at row {row:,} of "
                f"{file} once {MAX_PROBLEMS:,} problems were found, so the rest of the file was "
                "not read.",
            )
        ]
    elif more:
        plan.problems = plan.problems[:MAX_PROBLEMS] + [
            Problem.whole_file(plan.file_name, f"and {more:,} more problems not listed.")
        ]
    if plan.problems:
        plan.cleanup()
        return plan
    assert incoming is not None
    if not sheets:
        plan.problems = [Problem.whole_file(plan.file_name, "the file holds no data to load.")]
        return plan
    plan.incoming = incoming
    plan.warnings += _unmatched_measure_notes(store, incoming, plan.file_name)
    if not compare:
        return plan
    with store.connect() as conn:
        trans = conn.begin()
        try:
            _diff(conn, store, plan, preview=True)
        finally:
            trans.rollback()
    return plan


def _unmatched_measure_notes(store: Store, incoming: Incoming, file_name: str) -> list[Problem]:
    """A note naming the file's comparator measures that no indicator is compared with (neither as
    stored nor in the file), so the editor knows to match them."""
    measures = incoming.comparators.get("comparator_measures")
    if measures is None or measures.empty:
        return []
    i = s.indicators
    with store.connect() as conn:
        used = {
            str(r[0])
            for r in conn.execute(
                sa.select(i.c.benchmark_measure).where(i.c.benchmark_measure.is_not(None))
            )
        }
    if "benchmark_measure" in incoming.indicators:
        used |= {str(m) for m in incoming.indicators["benchmark_measure"].dropna()}
    unmatched = [str(m) for m in measures["measure"] if str(m) not in used]
    if not unmatched:
        return []
    shown = ", ".join(f"'{m}'" for m in unmatched[:5])
    more = f" and {len(unmatched) - 5:,} more" if len(unmatched) > 5 else ""
    n = len(unmatched)
    return [
        Problem.whole_file(
            file_name,
            f"{n:,} comparator measure{'s are' if n != 1 else ' is'} not compared with any "
            f"indicator yet: {shown}{more}. Match {'them' if n != 1 else 'it'} once on the Data "
            "page (Comparator measures) or with a benchmark_measure column in the indicators "
            "file; the match is remembered.",
        )
    ]


def published_change_message(plan: LoadPlan, limit: int = 20) -> str:
    """Why a load that changes published quarters is refused, and the first ``limit`` changes."""
    from harrow_dash.rules.periods import Period

    changes = plan.published_changes
    quarters = ", ".join(Period.from_key(int(k)).label for k in sorted(set(changes["period"])))
    n = len(changes)
    lines = [
        f"Refused: {plan.file_name} would change {n:,} published figure{'s' if n != 1 else ''} "
        f"({quarters}); nothing was loaded. A published quarter is the record Cabinet saw: change it "
        "only as a revision of published figures, with a reason."
    ]
    for row in changes.head(limit).itertuples():
        lines.append("  " + describe_published_change(row))
    if n > limit:
        lines.append(f"  ... and {n - limit:,} more.")
    return "\n".join(lines)


def describe_published_change(row: Any) -> str:
    from harrow_dash.rules.periods import Period

    what = TABLE_LABELS.get(row.table, row.table)
    field = FIELD_WORDS.get(row.field, row.field)

    def shown(value: Any) -> str:  # a marker in words ('provisional'), a quarter as its label
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return "(none)"
        return repr(value_words(row.field, value) or str(value))

    old, new = shown(row.old), shown(row.new)
    return f"{Period.from_key(int(row.period)).label} {what} {row.item} {field}: {old} -> {new}"


def commit(
    store: Store, plan: LoadPlan, user: str, revision: Revision | None = None
) -> BatchResult:
    """Write a prepared load in one transaction. Refuses a plan with problems; writes nothing when
    every row already matches the database. A load that adds or changes figures of a published
    quarter (one published now or once: :mod:`harrow_dash.store.revision_rule`) is refused
    (:class:`PublishedChangeRefused`) unless ``revision`` gives a reason; then each changed field is
    recorded in ``published_revisions``."""
    if not plan.ok or plan.incoming is None:
        raise LoadRefused(plan.problems)
    if revision is not None and not revision.reason.strip():
        raise PublishedChangeRefused(
            plan, "A revision of published figures needs a reason; nothing was loaded."
        )
    try:
        # One load, rollback or publication at a time (see Store.writing): this one starts from
        # whatever the one before it committed, so neither loses the other's rows.
        with store.writing() as conn:
            revised = Revisions()

            def batch_number(compared: LoadPlan) -> int:
                nonlocal revised
                if compared.added == 0 and compared.changed == 0:
                    raise _NothingToWrite
                revised = revisions_for(conn, compared.published_changes)
                if revised.needs_reason and revision is None:
                    raise PublishedChangeRefused(compared, published_change_message(compared))
                # Taken only now: a PostgreSQL sequence does not give back a number taken by a
                # load that was then refused.
                return int(conn.execute(sa.select(s.batch_id_seq.next_value())).scalar_one())

            # Compare again inside the transaction so the counts describe exactly what is written.
            batch_id = _diff(conn, store, plan, preview=False, write=batch_number)
            assert batch_id is not None
            _write_batch(conn, plan, batch_id, user)
            if revised.needs_reason and revision is not None:
                record(
                    conn,
                    revised,
                    batch_id=batch_id,
                    user=user,
                    reason=revision.reason.strip(),
                    change=BY_LOAD,
                )
    except _NothingToWrite:
        return BatchResult(None, plan)
    store.analyse(plan.tables)
    return BatchResult(batch_id, plan)


class _NothingToWrite(Exception):
    """Raised inside the load transaction to roll it back when every row already matches."""


def _write_batch(conn: Connection, plan: LoadPlan, batch_id: int, user: str) -> None:
    assert plan.incoming is not None
    _reference_rows(conn, plan.incoming, batch_id)
    conn.execute(
        s.load_batches.insert().values(
            id=batch_id,
            file_name=plan.file_name,
            sha256=plan.sha256,
            loaded_by=user,
            loaded_at=dt.datetime.now().replace(microsecond=0),
            rows_added=plan.added,
            rows_changed=plan.changed,
            rows_unchanged=plan.unchanged,
            status="committed",
        )
    )


def load(
    store: Store,
    files: Sequence[FileInput],
    user: str,
    max_bytes: int | None = None,
    revision: Revision | None = None,
) -> BatchResult:
    """Prepare and commit in one go; raises :class:`LoadRefused` with every problem."""
    plan = prepare(store, files, max_bytes, compare=False)
    if not plan.ok:
        raise LoadRefused(plan.problems)
    return commit(store, plan, user, revision)


class RollbackRefused(Exception):
    pass


class RollbackNeedsReason(RollbackRefused):
    """The rollback would change figures of a published (or once published) quarter and no reason
    was given: nothing was rolled back. ``revisions`` lists what it would change."""

    def __init__(self, revisions: Revisions, message: str):
        self.revisions = revisions
        super().__init__(message)


_INTEGRITY_CHECKS = [
    ("indicator_values", "ref NOT IN (SELECT ref FROM indicators)"),
    ("indicator_monthly_values", "ref NOT IN (SELECT ref FROM indicators)"),
    ("action_statuses", "ref NOT IN (SELECT ref FROM flagship_actions)"),
    (
        "indicators",
        "directorate IS NOT NULL AND directorate NOT IN (SELECT name FROM directorates)",
    ),
    (
        "indicators",
        "portfolio IS NOT NULL AND portfolio NOT IN (SELECT portfolio FROM portfolio_holders)",
    ),
    (
        "flagship_actions",
        "directorate IS NOT NULL AND directorate NOT IN (SELECT name FROM directorates)",
    ),
    (
        "flagship_actions",
        "portfolio IS NOT NULL AND portfolio NOT IN (SELECT portfolio FROM portfolio_holders)",
    ),
    (
        "flagship_actions",
        "parent_ref IS NOT NULL AND parent_ref NOT IN (SELECT ref FROM flagship_actions)",
    ),
    (
        "highlights",
        "indicator_ref IS NOT NULL AND indicator_ref NOT IN (SELECT ref FROM indicators)",
    ),
    (
        "highlights",
        "action_ref IS NOT NULL AND action_ref NOT IN (SELECT ref FROM flagship_actions)",
    ),
    (
        "corrective_action_updates",
        "action_id NOT IN (SELECT action_id FROM corrective_actions)",
    ),
    (
        "corrective_actions",
        "subject_kind = 'indicator' AND subject_ref NOT IN (SELECT ref FROM indicators)",
    ),
    (
        "corrective_actions",
        "subject_kind = 'flagship action' AND subject_ref NOT IN (SELECT ref FROM flagship_actions)",
    ),
]


def rollback(store: Store, batch_id: int, user: str, reason: str | None = None) -> dict[str, int]:
    """Undo a batch: remove the rows it added and restore the rows it replaced, exactly.

    Refused (nothing changes) when a later batch still in force changed rows this batch wrote or
    depends on rows it created; that later batch must be rolled back first. A rollback that changes
    figures of a quarter published now or once is a revision by the same rule as a load
    (:mod:`harrow_dash.store.revision_rule`): refused without a ``reason``
    (:class:`RollbackNeedsReason`, naming the quarters), and recorded with it. Waits for any load,
    rollback or publication in progress (see :meth:`Store.writing`).
    """
    with store.writing() as conn:
        b = s.load_batches
        status = conn.execute(sa.select(b.c.status).where(b.c.id == batch_id)).scalar()
        if status is None:
            raise RollbackRefused(f"There is no batch {batch_id}.")
        if status != "committed":
            raise RollbackRefused(f"Batch {batch_id} has already been rolled back.")
        later: set[int] = set()
        for name in s.LOADED_TABLES:
            rows = conn.execute(
                sa.text(f"SELECT DISTINCT replaced_by FROM {name}_history WHERE batch_id = :b"),
                {"b": batch_id},
            )
            later.update(int(r[0]) for r in rows)
        if later:
            ids = ", ".join(str(i) for i in sorted(later))
            raise RollbackRefused(
                f"Batch {batch_id} cannot be rolled back: batch {ids} later changed rows it loaded. "
                f"Roll back batch {ids} first."
            )
        revised = revisions_for(conn, _rollback_changes(conn, batch_id), undoing_batch=batch_id)
        try:
            why = require_reason(revised, reason, f"Rolling back batch {batch_id}")
        except ReasonNeeded as exc:
            raise RollbackNeedsReason(revised, str(exc)) from None
        restored: dict[str, int] = {}
        for name in s.LOADED_TABLES:
            cols = ", ".join(c.name for c in s.metadata.tables[name].columns)
            removed = conn.execute(
                sa.text(f"DELETE FROM {name} WHERE batch_id = :b"), {"b": batch_id}
            ).rowcount
            back = conn.execute(
                sa.text(
                    f"INSERT INTO {name} ({cols}) SELECT {cols} FROM {name}_history WHERE replaced_by = :b"
                ),
                {"b": batch_id},
            ).rowcount
            conn.execute(
                sa.text(f"DELETE FROM {name}_history WHERE replaced_by = :b"), {"b": batch_id}
            )
            restored[name] = int(back or 0)
            restored[f"{name}_removed"] = int(removed or 0)
        for table, condition in _INTEGRITY_CHECKS:
            orphans = conn.execute(
                sa.text(f"SELECT DISTINCT batch_id FROM {table} WHERE {condition}")
            ).fetchall()
            if orphans:
                ids = ", ".join(str(r[0]) for r in orphans)
                raise RollbackRefused(
                    f"Batch {batch_id} cannot be rolled back: batch {ids} added rows that depend on "
                    f"what batch {batch_id} created. Roll back batch {ids} first."
                )
        now = dt.datetime.now().replace(microsecond=0)
        conn.execute(
            sa.update(b)
            .where(b.c.id == batch_id)
            .values(status="rolled back", rolled_back_at=now, rolled_back_by=user)
        )
        record(
            conn, revised, batch_id=batch_id, user=user, reason=why, change=BY_ROLLBACK, when=now
        )
    store.analyse(s.LOADED_TABLES)
    return restored


def _rows_by_key(
    conn: Connection, sql: str, name: str, batch_id: int
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The rows ``sql`` selects of record table ``name`` in quarters published now or once, by key."""
    keys = s.LOADED_TABLES[name]
    quarter = s.record_quarter(name)
    found = conn.execute(
        sa.text(f"{sql} AND {quarter} IN ({LOCKED_QUARTERS_SQL})"), {"b": batch_id}
    )
    return {tuple(r[k] for k in keys): dict(r) for r in found.mappings()}


def _rollback_changes(conn: Connection, batch_id: int) -> pd.DataFrame:
    """What rolling back the batch would do to figures of quarters published now or once, field by
    field: each row it loaded there goes back to the row it replaced, or goes."""
    out: list[dict[str, Any]] = []
    for name in s.RECORD_TABLES:
        loaded = _rows_by_key(conn, f"SELECT * FROM {name} WHERE batch_id = :b", name, batch_id)
        replaced = _rows_by_key(
            conn, f"SELECT * FROM {name}_history WHERE replaced_by = :b", name, batch_id
        )
        for key in sorted(set(loaded) | set(replaced), key=str):
            out.extend(field_changes(name, loaded.get(key), replaced.get(key)))
    return pd.DataFrame(out, columns=CHANGE_COLUMNS)


def rollback_revisions(store: Store, batch_id: int) -> Revisions:
    """The revisions of published figures rolling back the batch would make (nothing is written):
    for the Data page, to ask for a reason before the editor confirms."""
    with store.connect() as conn:
        return revisions_for(conn, _rollback_changes(conn, batch_id), undoing_batch=batch_id)
