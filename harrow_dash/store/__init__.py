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

The package, by concern:

* :mod:`~harrow_dash.store.schema` (the tables, the one source of truth) and
  :mod:`~harrow_dash.store.schema_upgrade` (bringing an older database up to date);
* :mod:`~harrow_dash.store.connection` (the engine, connections, write transactions and the data
  version), :mod:`~harrow_dash.store.errors` and :mod:`~harrow_dash.store.failures` (what a database
  failure becomes), :mod:`~harrow_dash.store.bulk_reads` (reading results fast);
* the reads: :mod:`~harrow_dash.store.scorecard_reads`, :mod:`~harrow_dash.store.comparator_reads`,
  :mod:`~harrow_dash.store.export_reads`, with :mod:`~harrow_dash.store.packed_series`,
  :mod:`~harrow_dash.store.packed_read`, :mod:`~harrow_dash.store.comparator_index`,
  :mod:`~harrow_dash.store.quarter_counts`, :mod:`~harrow_dash.store.quarters` and
  :mod:`~harrow_dash.store.corrective_actions`;
* publication: :mod:`~harrow_dash.store.publication` (publishing a quarter),
  :mod:`~harrow_dash.store.publishing` (what the pages ask about it),
  :mod:`~harrow_dash.store.published_definitions` and :mod:`~harrow_dash.store.revision_rule`;
* :mod:`~harrow_dash.store.database`: ``Store`` put together, and :func:`open_for_reading`.
"""

from harrow_dash.store.bulk_reads import MANY_REFS, prepare_select
from harrow_dash.store.connection import bump_data_version
from harrow_dash.store.database import Store, open_for_reading
from harrow_dash.store.errors import BUSY_MESSAGE
from harrow_dash.store.export_reads import SAMPLE_LOADER
from harrow_dash.store.failures import DatabaseBusy, DatabaseError, NotInitialised
from harrow_dash.store.scorecard_reads import snapshot_order

__all__ = [
    "BUSY_MESSAGE",
    "MANY_REFS",
    "SAMPLE_LOADER",
    "DatabaseBusy",
    "DatabaseError",
    "NotInitialised",
    "Store",
    "bump_data_version",
    "open_for_reading",
    "prepare_select",
    "snapshot_order",
]
