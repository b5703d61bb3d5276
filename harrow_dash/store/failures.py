"""What each person is told when the dashboard cannot use its database: one rule for every path.

A database failure (the server down, the sign-in refused, the DuckDB file held by another program, a
load still running) is classified once, from the driver's own error, into a :class:`Failure`. From
that, and from who is asking, :func:`page_message` gives the sentence a page shows:

* a **viewer** (public mode included) reads only :data:`VIEWER_MESSAGE`: "The dashboard cannot reach
  its data just now; try again in a minute." Nothing about servers, addresses or commands;
* an **editor** reads the same, with the cause in plain words ("the database server could not be
  reached") and never a host, port, user name, database name, password or the driver's text;
* the **server log** gets everything (:func:`log_failure`: the exception, its driver cause and the
  traceback, through the ``harrow_dash`` logger).

The command line (an engineer at a terminal) keeps its own sentences (:mod:`harrow_dash.store`
``plain_message``), classified by the same :func:`classify`, and never prints a driver's raw log line
(:func:`quiet_driver_logs`).

The exceptions the store raises live here (and are re-exported by :mod:`harrow_dash.store`), each
carrying its :class:`Failure`, so this module needs nothing from the store.
"""

from __future__ import annotations

import logging
from enum import StrEnum

log = logging.getLogger("harrow_dash.store.failures")

VIEWER_MESSAGE = "The dashboard cannot reach its data just now; try again in a minute."


class Failure(StrEnum):
    """Why the database could not be used, in words an editor may read (no address, no credentials)."""

    UNREACHABLE = "the database server could not be reached, or refused the connection"
    SIGN_IN_REFUSED = "the database server refused the dashboard's sign-in"
    NO_DATABASE = "the database named in the settings does not exist on its server"
    OUT_OF_RESOURCES = "the database server ran out of resources (disk space or memory)"
    TABLES_MISSING = "the database lacks part of the dashboard's tables"
    FILE_IN_USE = "the database file is in use by another program"
    WRITE_BUSY = "another load, rollback or publication is still running"
    NOT_SET_UP = "the database has not been set up yet"
    SETTINGS = "the database address in the settings cannot be used"
    OTHER = "the database reported a problem"


class DatabaseBusy(RuntimeError):
    """Another program holds the database (DuckDB allows one writer process per file), or another
    write is still running."""

    def __init__(self, message: str, failure: Failure = Failure.FILE_IN_USE) -> None:
        super().__init__(message)
        self.failure = failure


class NotInitialised(RuntimeError):
    """The database has no schema yet."""

    failure = Failure.NOT_SET_UP


class DatabaseError(RuntimeError):
    """Any other database error, as a plain sentence for the terminal. The driver's own text (with the
    SQL) stays on ``__cause__`` for logs; it is never shown on a page."""

    def __init__(self, message: str, failure: Failure = Failure.OTHER) -> None:
        super().__init__(message)
        self.failure = failure


DATABASE_FAILURES: tuple[type[Exception], ...] = (DatabaseBusy, DatabaseError, NotInitialised)

# PostgreSQL: lock not available (lock_timeout), serialization failure, deadlock.
_BUSY_CODES = frozenset({"55P03", "40001", "40P01"})


def _driver_error(exc: BaseException) -> BaseException:
    return getattr(exc, "orig", None) or exc


def sqlstate(exc: BaseException) -> str:
    """The driver error's SQLSTATE (PostgreSQL), or ``""``."""
    return str(getattr(_driver_error(exc), "sqlstate", "") or "")


def is_file_in_use(exc: BaseException) -> bool:
    """DuckDB's lock errors: another process holds the file (or, within one process, a connection
    opened it with another configuration, such as for writing where this one reads)."""
    text = str(exc).lower()
    return (
        "could not set lock" in text
        or "conflicting lock" in text
        or "different configuration" in text
    )


def _is_disconnect(exc: BaseException) -> bool:
    return bool(getattr(exc, "connection_invalidated", False))


def classify(exc: BaseException) -> Failure:
    """The :class:`Failure` a driver's (or SQLAlchemy's) exception stands for."""
    known = getattr(exc, "failure", None)
    if isinstance(known, Failure):
        return known
    if is_file_in_use(exc):
        return Failure.FILE_IN_USE
    code = sqlstate(exc)
    if code in _BUSY_CODES:
        return Failure.WRITE_BUSY
    text = str(_driver_error(exc)).lower()
    if code.startswith("28"):
        return Failure.SIGN_IN_REFUSED
    if code == "3D000":
        return Failure.NO_DATABASE
    if code.startswith("53"):
        return Failure.OUT_OF_RESOURCES
    if code.startswith(("08", "57P")) or _is_disconnect(exc):  # 57P: shutting down, restarting
        return Failure.UNREACHABLE
    if type(exc).__name__ == "OperationalError" and "connection failed" in text:
        # psycopg gives no SQLSTATE for a connection refused at sign-in: its text says which.
        if "role" in text or "authentication" in text or "password" in text:
            return Failure.SIGN_IN_REFUSED
        if "database" in text and "does not exist" in text:
            return Failure.NO_DATABASE
        return Failure.UNREACHABLE
    if code == "42P01" or "does not exist" in text:
        return Failure.TABLES_MISSING
    if type(exc).__name__ == "OperationalError" and (
        "connect" in text or "server closed" in text or "terminat" in text
    ):
        return Failure.UNREACHABLE
    return Failure.OTHER


NOT_SET_UP_EDITOR = (
    "The database has not been set up yet. In a terminal, run `make run` (or "
    "`harrow-dash init --sample` for the illustrative sample data), then reload this page."
)
WRITE_BUSY_EDITOR = (
    "Another load, rollback or publication is still running, so nothing was written. Wait for it "
    "to finish, then try again."
)


def page_message(exc: BaseException, *, editor: bool) -> str:
    """The one sentence a page shows for a database failure: :data:`VIEWER_MESSAGE` to a viewer
    whatever the cause; to an editor, the same with the cause in plain words. Never an address, a
    user name, a password or the driver's text (those go to the server log: :func:`log_failure`).
    Plain text with no Markdown in it beyond the commands quoted for an editor."""
    if not editor:
        return VIEWER_MESSAGE
    failure = classify(exc)
    if failure is Failure.NOT_SET_UP:
        return NOT_SET_UP_EDITOR
    if failure is Failure.WRITE_BUSY:
        return WRITE_BUSY_EDITOR
    return f"{VIEWER_MESSAGE} Cause: {failure}; the server's log has the details."


def log_failure(exc: BaseException, where: str) -> None:
    """Everything about a failure, for the server log: the sentence, the driver's text, the traceback."""
    cause = exc.__cause__
    log.error(
        "Database failure on %s (%s): %s%s",
        where,
        classify(exc).name,
        exc,
        f" [driver: {type(cause).__name__}: {cause}]" if cause is not None else "",
        exc_info=exc,
    )


# Loggers through which drivers report errors they ignored (psycopg's "error ignored terminating
# <psycopg.Copy ...>" when a connection dies during COPY; SQLAlchemy's pool on a dead connection).
DRIVER_LOGGERS = ("psycopg", "sqlalchemy.pool", "sqlalchemy.engine")


def quiet_driver_logs() -> None:
    """Keep the drivers' own log lines off a terminal: the command line reports a failure once, as a
    sentence (an unhandled logger would print its warnings to stderr)."""
    for name in DRIVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        logger.propagate = False


SERVER_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_to_server(stream: object | None = None) -> None:
    """Send the ``harrow_dash`` logger and the drivers' warnings to the server's log (stderr of the
    app's process), once per process."""
    handler_name = "harrow_dash_server_log"
    for name in ("harrow_dash", "psycopg"):
        logger = logging.getLogger(name)
        if any(h.get_name() == handler_name for h in logger.handlers):
            continue
        handler = logging.StreamHandler(stream)  # type: ignore[arg-type]
        handler.set_name(handler_name)
        handler.setFormatter(logging.Formatter(SERVER_LOG_FORMAT))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
