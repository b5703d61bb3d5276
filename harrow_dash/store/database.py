"""``Store``: the store put together from its parts (connection, publication, scorecard,
comparator and export reads), and opening a DuckDB file for reading when another program holds
it (:func:`open_for_reading`, a snapshot a public instance follows)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from pathlib import Path

import sqlalchemy as sa

from harrow_dash.store.comparator_reads import ComparatorReads
from harrow_dash.store.connection import _Source
from harrow_dash.store.errors import BUSY_MESSAGE
from harrow_dash.store.export_reads import ExportReads
from harrow_dash.store.failures import (
    DatabaseBusy,
    DatabaseError,
)
from harrow_dash.store.publication import Publication
from harrow_dash.store.scorecard_reads import ScorecardReads


class Store(Publication, ScorecardReads, ComparatorReads, ExportReads):
    """The performance store: see :mod:`harrow_dash.store`."""

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


# -- reading a DuckDB file another program holds ------------------------------------------------------


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
