"""The database schema: SQLAlchemy Core tables, the single source of truth for what is stored.

Periods are stored as integer keys (see :mod:`harrow_dash.rules.periods`), e.g. 20233 for Q3 2023-24.
Every loaded row carries the load batch that last wrote it; ``*_history`` tables keep the rows a batch
replaced so that a rollback restores exactly what was there before.

Tables are declared explicitly (duckdb-engine cannot reflect them with SQLAlchemy 2.1). A database made
by an older version is brought up to date by :func:`upgrade` (new tables and new columns, and once
``indicator_values``' key put quarter first).

``commentary_internal`` marks commentary that is for officers and councillors only: the public view
(public mode) blanks it. It was added after the first release, so it is the last column of its tables
(where ``ALTER TABLE ... ADD COLUMN`` puts it in an upgraded database) and may be NULL there (read as
false).
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    Column,
    Connection,
    DateTime,
    DefaultClause,
    Double,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)

metadata = MetaData()

batch_id_seq = Sequence("load_batches_id_seq", metadata=metadata)
highlight_id_seq = Sequence("highlights_id_seq", metadata=metadata)

priorities = Table(
    "priorities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String, nullable=False, unique=True),
    Column("short_name", String, nullable=False),
)

directorates = Table(
    "directorates",
    metadata,
    Column("name", String, primary_key=True),
    Column("batch_id", Integer),
)

portfolio_holders = Table(
    "portfolio_holders",
    metadata,
    Column("portfolio", String, primary_key=True),
    Column("batch_id", Integer),
)

# Column order of the value-like tables is relied on by the bulk loader (INSERT ... SELECT *).
indicators = Table(
    "indicators",
    metadata,
    Column("ref", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("description", Text),
    Column("priority_id", Integer, nullable=False),
    Column("directorate", String),
    Column("portfolio", String),
    Column("unit", String, nullable=False),
    Column("polarity", String, nullable=False),
    Column("tolerance", Double),
    Column("frequency", String, nullable=False),
    Column("counts_people", Boolean, nullable=False),
    Column("source", String),
    Column("batch_id", Integer),
    # Added after the first release, so last (where ALTER TABLE ... ADD COLUMN puts it).
    Column("benchmark_measure", String),  # the comparator measure this indicator maps to
    # Added after the first release (last, where ALTER TABLE puts them): how a monthly indicator's
    # quarter comes from its months ("last": the quarter's last month; "sum": the three months), and
    # whether its values may be negative (counts, percentages and durations otherwise may not).
    Column("quarter_rule", String),
    Column("allow_negative", Boolean, server_default=false()),
    # Added later still: "cumulative", "seasonal" or NULL (neither); such measures compare with the
    # same quarter a year earlier (harrow_dash.rules.movements).
    Column("cumulative_or_seasonal", String),
)

indicator_values = Table(
    "indicator_values",
    metadata,
    Column("ref", String, nullable=False),
    Column("period", Integer, nullable=False),
    Column("actual", Double),
    Column("target", Double),
    Column("target_upper", Double),
    Column("official_rag", String),
    Column("commentary", Text),
    Column("benchmark", Double),
    Column("benchmark_label", String),
    Column("not_due", Boolean, nullable=False),
    Column("batch_id", Integer),
    Column("commentary_internal", Boolean, server_default=false()),
    # Added later (last, where ALTER TABLE puts it): the actual's GSS marker as its codes, e.g. "p"
    # (provisional) or "p,e" after a number, or "x" (not available), "c" (confidential) for a value
    # with no figure; NULL for none. harrow_dash.rules.gss.marker_words gives its words.
    Column("marker", String),
    # Quarter first (schema version 6): a load writes its rows by quarter, so the key's index grows
    # at its end, and every dashboard query picks a quarter; on PostgreSQL ix_indicator_values_ref
    # serves lookups by indicator. (LOADED_TABLES keeps naming the key "ref, period": that order is
    # the recorded row keys' text, not the index's.)
    PrimaryKeyConstraint("period", "ref"),
)

# Monthly figures of monthly indicators (``month`` is year * 100 + month, e.g. 202306). The quarter's
# position, the one Cabinet sees, is in ``indicator_values``, worked out from these by the indicator's
# quarter rule when they are loaded.
indicator_monthly_values = Table(
    "indicator_monthly_values",
    metadata,
    Column("ref", String, nullable=False),
    Column("month", Integer, nullable=False),
    Column("actual", Double),
    Column("target", Double),
    Column("batch_id", Integer),
    Column("marker", String),  # added later: the month's GSS marker, as in indicator_values
    PrimaryKeyConstraint("ref", "month"),
)

flagship_actions = Table(
    "flagship_actions",
    metadata,
    Column("ref", String, primary_key=True),
    Column("title", String, nullable=False),
    Column("priority_id", Integer, nullable=False),
    Column("directorate", String),
    Column("lead", String),
    Column("parent_ref", String),
    Column("batch_id", Integer),
    # Added after the first release, hence last (where ALTER TABLE ... ADD COLUMN puts it).
    Column("portfolio", String),
)

action_statuses = Table(
    "action_statuses",
    metadata,
    Column("ref", String, nullable=False),
    Column("period", Integer, nullable=False),
    Column("status", String, nullable=False),
    Column("commentary", Text),
    Column("batch_id", Integer),
    Column("commentary_internal", Boolean, server_default=false()),
    PrimaryKeyConstraint("ref", "period"),
)

highlights = Table(
    "highlights",
    metadata,
    Column("period", Integer, nullable=False),
    Column("priority_id", Integer, nullable=False),
    Column("kind", String, nullable=False),  # "achievement" | "improvement"
    Column("text", Text, nullable=False),
    Column("indicator_ref", String),
    Column("action_ref", String),
    Column("batch_id", Integer),
    PrimaryKeyConstraint("period", "priority_id", "kind", "text"),
)

# Cabinet's corrective actions (issue 22): what Cabinet agreed to do about an indicator, a flagship
# action or a priority that is off track, and their updates quarter by quarter. ``subject_kind`` is
# "indicator", "flagship action" or "priority"; ``subject_ref`` an indicator or flagship action ref,
# or a priority id as text. Periods are quarter keys. ``internal_note`` is for officers only (never in
# the public view). An action is public once its agreed quarter is published; an update once its own
# quarter is (harrow_dash.store.corrective_actions).
corrective_actions = Table(
    "corrective_actions",
    metadata,
    Column("action_id", String, primary_key=True),
    Column("subject_kind", String, nullable=False),
    Column("subject_ref", String, nullable=False),
    Column("action", Text, nullable=False),
    Column("owner", String),
    Column("portfolio_holder", String),
    Column("agreed_period", Integer, nullable=False),
    Column("agreed_at", String),
    Column("due_period", Integer, nullable=False),
    Column("internal_note", Text),
    Column("batch_id", Integer),
)

# One row per action per quarter it was reported on. ``status`` is a CorrectiveStatus value as
# recorded (the status *as at* a quarter is corrective_status.status_as_at's). The public update text
# is stored as ``update_text`` (UPDATE is a reserved word in SQL); the store returns it as ``update``.
corrective_action_updates = Table(
    "corrective_action_updates",
    metadata,
    Column("action_id", String, nullable=False),
    Column("period", Integer, nullable=False),
    Column("status", String, nullable=False),
    Column("update_text", Text),
    Column("dropped_reason", Text),
    Column("internal_note", Text),
    Column("batch_id", Integer),
    PrimaryKeyConstraint("action_id", "period"),
)

# Comparator data (benchmarking): other areas' values, as LG Inform and Oflog publish them.
areas = Table(
    "areas",
    metadata,
    Column("code", String, primary_key=True),  # ONS GSS code, e.g. E09000015 (Harrow)
    Column("name", String, nullable=False),
    # "benchmark" for England, a region or a group's average (shown beside a ranking, never in
    # it); NULL for an area to rank.
    Column("kind", String),
    Column("batch_id", Integer),
)

comparator_measures = Table(
    "comparator_measures",
    metadata,
    Column("measure", String, primary_key=True),
    Column("name", String),
    # How a year pair such as 2022/23 is read for this measure: "financial" (NULL), "academic" or
    # "calendar" (harrow_dash.rules.comparator_periods).
    Column("year_type", String),
    Column("batch_id", Integer),
)

comparator_values = Table(
    "comparator_values",
    metadata,
    Column("area_code", String, nullable=False),
    Column("measure", String, nullable=False),
    # A period key as harrow_dash.rules.comparator_periods writes it (20233 = Q3 2023-24).
    Column("period", Integer, nullable=False),
    Column("value", Double),
    Column("suppressed", Boolean, nullable=False),
    Column("source", String),
    Column("marker", String),  # GSS symbols as gss.stored_marker writes them ("p"), NULL for none
    Column("batch_id", Integer),
    PrimaryKeyConstraint("area_code", "measure", "period"),
)

comparison_groups = Table(
    "comparison_groups",
    metadata,
    Column("group_name", String, nullable=False),
    Column("area_code", String, nullable=False),
    Column("batch_id", Integer),
    PrimaryKeyConstraint("group_name", "area_code"),
)

load_batches = Table(
    "load_batches",
    metadata,
    Column("id", Integer, batch_id_seq, primary_key=True),
    Column("file_name", String, nullable=False),
    Column("sha256", String, nullable=False),
    Column("loaded_by", String, nullable=False),
    Column("loaded_at", DateTime, nullable=False),
    Column("rows_added", Integer, nullable=False),
    Column("rows_changed", Integer, nullable=False),
    Column("rows_unchanged", Integer, nullable=False),
    Column("status", String, nullable=False),  # "committed" | "rolled back"
    Column("rolled_back_at", DateTime),
    Column("rolled_back_by", String),
)

published_quarters = Table(
    "published_quarters",
    metadata,
    Column("period", Integer, primary_key=True, autoincrement=False),
    Column("published_by", String, nullable=False),
    Column("published_at", DateTime, nullable=False),
)

# Every quarter ever published, kept when it is unpublished: a quarter that Cabinet saw stays part of
# the record, so its figures change only as a recorded revision even while it is a draft again (see
# harrow_dash.store.revision_rule).
published_once = Table(
    "published_once",
    metadata,
    Column("period", Integer, primary_key=True, autoincrement=False),
    Column("first_published_by", String, nullable=False),
    Column("first_published_at", DateTime, nullable=False),
)

# The figures of each quarter as last published, one row per field (revision_rule.take_figures): a
# republication compares the figures with these and records what changed unrecorded.
published_figures = Table(
    "published_figures",
    metadata,
    Column("period", Integer, nullable=False),
    Column("table_name", String, nullable=False),
    Column("row_key", Text, nullable=False),  # every key column of the row, so highlights differ
    Column("item", String, nullable=False),
    Column("field", String, nullable=False),
    Column("value", Text),
    Column("published_at", DateTime, nullable=False),
)

# A change to a published quarter's figures: one row per field a revision changed (a row added to a
# published quarter gives a row per field it fills; a highlight added or removed, its ``text``). Values are kept as text as they were
# stored. ``change`` says what made it: "load" (a revision batch; NULL in older databases),
# "rollback" (rolling back ``batch_id`` changed a published figure) or "publication" (a
# republication found the figure changed since it was last published). Rolling a revision batch
# back marks its rows rolled back, with the reason; they are never deleted.
published_revisions = Table(
    "published_revisions",
    metadata,
    Column("batch_id", Integer, nullable=False),
    Column("period", Integer, nullable=False),
    Column("table_name", String, nullable=False),
    Column("item", String, nullable=False),  # the row's key in words, e.g. "PI-02" or "FA-03"
    Column("field", String, nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("revised_by", String, nullable=False),
    Column("revised_at", DateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("rolled_back_at", DateTime),
    Column("rolled_back_by", String),
    Column("change", String),
    Column("rolled_back_reason", Text),
)

schema_info = Table(
    "schema_info",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", String, nullable=False),
    UniqueConstraint("key"),
)

# One row: a number bumped by every change to what pages show (load, rollback, publication, revision),
# so that every app instance knows when its cached results are stale (see store.bump_data_version).
data_version = Table(
    "data_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)

# Per quarter, how much it holds (what harrow_dash.store.quarter_counts.compute counts from the tables
# above): rewritten by every write transaction that bumps the data version, so pages read a few dozen
# rows instead of counting every value. No key: it is always rewritten whole.
quarter_counts = Table(
    "quarter_counts",
    metadata,
    Column("period", Integer, nullable=False),
    Column("value_rows", Integer, nullable=False),
    Column("actuals", Integer, nullable=False),
    Column("quarterly_actuals", Integer, nullable=False),
    Column("quarterly_first", Integer, nullable=False),
    Column("action_statuses", Integer, nullable=False),
)

# Every indicator's values as one packed series, on PostgreSQL only (see
# harrow_dash.store.packed_series, which writes and reads it): its quarters and actuals in quarter
# order, as their binary forms end to end, written by every write transaction that bumps the data
# version, with that version, so that a series written before a change it did not see (by an older
# version of the app) is known to be stale. Empty on DuckDB, which reads the values themselves.
indicator_series = Table(
    "indicator_series",
    metadata,
    Column("ref", String, primary_key=True),
    Column("periods", LargeBinary, nullable=False),
    Column("actuals", LargeBinary, nullable=False),
    Column("data_version", BigInteger, nullable=False),
)


# A quarter's snapshot in parts, packed, on PostgreSQL only (see harrow_dash.store.packed_snapshot,
# which writes and reads them): per quarter, every value of that quarter (``quarter_packs``); per
# priority, its indicators' definitions with the priority's name (``definition_packs``). Each pack
# is a few binary strings, rewritten by every write transaction that bumps the data version, with
# that version. Empty on DuckDB.
def _packs(name: str, key: str) -> Table:
    table = Table(
        name,
        metadata,
        Column(key, Integer, primary_key=True, autoincrement=False),
        Column("n", Integer, nullable=False),  # the rows packed
        Column("numbers", LargeBinary),  # each row's reals and whole numbers, big-endian
        Column("flags", String),  # each row's characters: which reals are missing, each yes/no
        Column("lengths", LargeBinary),  # each row's texts' lengths in bytes (-1: missing), int32
        Column("texts", LargeBinary),  # each row's texts, UTF-8, end to end
        Column("data_version", BigInteger, nullable=False),
    )
    # The packs are read whole and are already dense: stored as they are, not compressed
    # (PostgreSQL's compression doubled the time a write spent on them).
    event.listen(
        table,
        "after_create",
        DDL(
            f"ALTER TABLE {name} "
            + ", ".join(
                f"ALTER COLUMN {c} SET STORAGE EXTERNAL"
                for c in ("numbers", "flags", "lengths", "texts")
            )
        ).execute_if(dialect="postgresql"),
    )
    return table


quarter_packs = _packs("quarter_packs", "period")
definition_packs = _packs("definition_packs", "priority_id")

# Indexes the dashboard's queries need on PostgreSQL: every page picks a quarter, which the primary
# keys serve where they lead with the quarter (indicator_values') and these otherwise. DuckDB does
# without (it skips blocks of rows by their min/max, and an index there would only slow loads down),
# so these are created on PostgreSQL only. A rollback's lookups by batch scan the tables: rare, and
# cheaper than an index every load must maintain.
POSTGRES_INDEXES = [
    # One indicator's values (its history, trend line and months). By ref alone, not (ref, period):
    # a load writes rows by quarter, so this index is the one it fills out of order, and with one
    # entry per indicator (its rows' positions kept together) it is smaller and quicker to fill.
    # Measured at a million values, normal durability: (period, ref) key and this index 3.4 CPU s of
    # the server's INSERT, against 4.5 for the old (ref, period) key and (period, ref) index; the
    # key alone 1.8, but then one indicator's history is read by scanning every value (7.6 ms -> 103
    # ms at 528,000 values).
    Index("ix_indicator_values_ref", indicator_values.c.ref),
    Index("ix_action_statuses_period", action_statuses.c.period, action_statuses.c.ref),
    # One measure's values (an indicator's comparison); the primary key leads with the area.
    Index("ix_comparator_values_measure", comparator_values.c.measure, comparator_values.c.period),
]
for _index in POSTGRES_INDEXES:
    _index.ddl_if(dialect="postgresql")

# Loaded tables, their key columns, in the order rows are written (parents first).
LOADED_TABLES: dict[str, tuple[str, ...]] = {
    "directorates": ("name",),
    "portfolio_holders": ("portfolio",),
    "indicators": ("ref",),
    "indicator_values": ("ref", "period"),
    "indicator_monthly_values": ("ref", "month"),
    "flagship_actions": ("ref",),
    "action_statuses": ("ref", "period"),
    "highlights": ("period", "priority_id", "kind", "text"),
    "corrective_actions": ("action_id",),
    "corrective_action_updates": ("action_id", "period"),
    "areas": ("code",),
    "comparator_measures": ("measure",),
    "comparator_values": ("area_code", "measure", "period"),
    "comparison_groups": ("group_name", "area_code"),
}


# The tables whose rows of a published quarter are the record Cabinet saw: locked once published,
# changed only as a recorded revision. Other areas' figures (comparator_values) are not: publishers
# bring them out months after the quarter, and loading them changes no council figure.
RECORD_TABLES = (
    "indicator_values",
    "action_statuses",
    "highlights",
    "corrective_actions",
    "corrective_action_updates",
)
# The column that says which quarter's record a row of a record table belongs to: ``period``, but a
# corrective action belongs to the quarter Cabinet agreed it in (it is published with that quarter).
RECORD_QUARTER = {"corrective_actions": "agreed_period"}


def record_quarter(table: str) -> str:
    """The column holding the quarter whose record a row of ``table`` (a record table) is part of."""
    return RECORD_QUARTER.get(table, "period")


def _history_table(name: str) -> Table:
    """A copy of a loaded table that records the rows a batch replaced, tagged by that batch."""
    source = metadata.tables[name]
    cols = [Column(c.name, c.type) for c in source.columns]
    return Table(f"{name}_history", metadata, Column("replaced_by", Integer, nullable=False), *cols)


HISTORY_TABLES = {name: _history_table(name) for name in LOADED_TABLES}
for _name, _table in HISTORY_TABLES.items():
    # A rollback finds the rows a batch replaced, and which later batch replaced its own rows.
    Index(f"ix_{_name}_history_replaced_by", _table.c.replaced_by).ddl_if(dialect="postgresql")
    Index(f"ix_{_name}_history_batch", _table.c.batch_id).ddl_if(dialect="postgresql")

# Definitions as they stood when a quarter was published: ``Store.publish`` copies these tables into
# ``published_<name>`` (one copy per published quarter), and a public store reads names,
# descriptions, priorities, directorates, portfolios and leads from the copy made for the latest
# published quarter, so whatever exists only in drafts does not exist in the public view. The copies
# have the live tables' columns (a column added there is added here too) plus the quarter.
DEFINITION_TABLES = ("directorates", "portfolio_holders", "indicators", "flagship_actions")


def _published_table(name: str) -> Table:
    """``published_<name>``: the quarter, then ``name``'s columns. A column added to ``name`` later
    is added here by :func:`upgrade` with the same default, so the copies made before it existed
    read as the live rows did when the column arrived."""
    source = metadata.tables[name]
    cols = [
        Column(
            c.name,
            c.type,
            server_default=(
                DefaultClause(c.server_default.arg)  # type: ignore[attr-defined]
                if c.server_default is not None
                else None
            ),
        )
        for c in source.columns
    ]
    return Table(f"published_{name}", metadata, Column("period", Integer, nullable=False), *cols)


PUBLISHED_DEFINITIONS = {name: _published_table(name) for name in DEFINITION_TABLES}

# Key of the PostgreSQL advisory lock every write transaction takes, and an upgrade before it rewrites
# what writes keep (any fixed number will do).
WRITE_LOCK_KEY = 0x4861_7272_6F77  # "Harrow"

# 5: corrective actions (new tables only); 6: indicator_values keyed by quarter first; 7: corrective
# actions are figures of the record (kept as published with the quarter they were agreed in); 8: every
# indicator's values kept packed on PostgreSQL (indicator_series; a new table, filled by upgrade); 9:
# each quarter's snapshot kept packed on PostgreSQL (quarter_packs and definition_packs; new tables,
# filled by upgrade).
SCHEMA_VERSION = "9"
# The first schema version whose publications copy the definitions (see DEFINITION_TABLES).
PUBLISHED_DEFINITIONS_SINCE = 3
# The first schema version that remembers quarters once published and their figures as published.
PUBLISHED_ONCE_SINCE = 4
# The first schema version that keeps corrective actions among a quarter's figures as published.
CORRECTIVE_FIGURES_SINCE = 7


def _has_table(conn: Connection, name: str) -> bool:
    """Whether the database has the table ``name`` (in the connection's schema)."""
    found = conn.execute(
        text(
            "SELECT COUNT(*) FROM information_schema.tables "
            "WHERE table_name = :t AND table_schema = current_schema()"
        ),
        {"t": name},
    ).scalar()
    return bool(found)
