"""Database errors as the store raises them: every driver or SQLAlchemy error leaves the store as
:class:`~harrow_dash.store.failures.DatabaseBusy` or ``DatabaseError`` with a plain sentence
(:func:`plain_message`), never the driver's text."""

from __future__ import annotations

import sys

import duckdb
from sqlalchemy.exc import DBAPIError

from harrow_dash.store.failures import (
    DatabaseBusy,
    DatabaseError,
    Failure,
    classify,
)

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
