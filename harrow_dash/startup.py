"""Start-up checks for an app instance (``harrow-dash serve``): fail at once, in one line, or not at all.

A supervisor (Docker Compose, systemd, a council's orchestration) restarts an instance that exits
non-zero and shows the last line it wrote. So before Streamlit starts, an instance checks that:

* who may frame it (``HARROW_DASH_FRAME_ANCESTORS``) is a list of sources its security headers can
  carry (:func:`harrow_dash.formats.security_headers.frame_ancestors_problem`);
* it can bind its port (:func:`port_problem`): a port already taken is named in the line;
* it can reach its database and the database is set up (:func:`database_problem`): the cause is the
  same classification every other path uses (:func:`harrow_dash.store.failures.classify`), the database is
  opened by the rule for everything that only reads (:func:`harrow_dash.store.open_for_reading`), and
  the line names the database without its password and without the driver's text (which may quote
  the password, the user name or the SQL).

Each check returns ``None`` (fine) or the one line to print; :func:`startup_problem` runs both.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import sqlalchemy as sa

from harrow_dash.formats.security_headers import DEFAULT_FRAME_ANCESTORS, frame_ancestors_problem
from harrow_dash.store.failures import Failure, classify

PREFIX = "harrow-dash serve: cannot start:"


def one_line(text: str) -> str:
    """``text`` on one line (a supervisor shows the last line an instance wrote)."""
    return " ".join(text.split())


def port_problem(address: str, port: int) -> str | None:
    """Why the instance cannot listen on ``address``:``port``, or None when it can.

    Binds a socket the way Streamlit's web server does, with ``SO_REUSEADDR``, so a port whose
    last connections are still closing counts as free, as it is for Streamlit, and closes it again."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    host = "" if address in ("", "0.0.0.0") else address
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            where = f"{address or '0.0.0.0'}:{port}"
            if exc.errno == errno.EADDRINUSE:
                why = (
                    f"port {port} is already in use on {where}; another program is listening there"
                )
            elif exc.errno == errno.EACCES:
                why = f"port {port} on {where} needs privileges this process does not have"
            elif exc.errno == errno.EADDRNOTAVAIL:
                why = f"address {address} is not an address of this machine (port {port})"
            else:
                why = f"port {port} on {where} cannot be used ({exc.strerror or exc})"
            return one_line(f"{PREFIX} {why}.")
    return None


def database_name(url: str) -> str:
    """The database a URL names, for a log line: driver, host, port and database (or a DuckDB file's
    path), never the user name or password."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return "the database in HARROW_DASH_DATABASE_URL"
    if parsed.drivername.startswith("duckdb"):
        return f"DuckDB file {parsed.database}"
    host = parsed.host or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    name = f" {parsed.database}" if parsed.database else ""
    return f"{parsed.get_backend_name()} database{name} on {host}{port}"


# How long the check waits for a PostgreSQL server that does not answer (a firewall dropping packets)
# before it reports it unreachable, unless the URL sets its own ``connect_timeout``.
CONNECT_TIMEOUT_SECONDS = 10


def with_connect_timeout(url: str) -> str:
    """``url`` with ``connect_timeout`` for PostgreSQL (the check then fails in seconds rather than
    after the operating system's TCP timeout, minutes later); other URLs as they are."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return url
    if parsed.get_backend_name() != "postgresql" or "connect_timeout" in parsed.query:
        return url
    timeout = {"connect_timeout": str(CONNECT_TIMEOUT_SECONDS)}
    return parsed.update_query_dict(timeout).render_as_string(hide_password=False)


def _duckdb_file_missing(url: str) -> bool:
    """A DuckDB URL whose file does not exist (opening it would create an empty database)."""
    if not url.startswith("duckdb"):
        return False
    name = sa.engine.make_url(url).database
    return bool(name) and name != ":memory:" and not Path(str(name)).is_file()


def _what_to_do(failure: Failure) -> str:
    if failure is Failure.NOT_SET_UP or failure is Failure.TABLES_MISSING:
        return "run harrow-dash init first"
    if failure is Failure.SETTINGS:
        return "check HARROW_DASH_DATABASE_URL"
    if failure is Failure.SIGN_IN_REFUSED:
        return "check the user name and password in HARROW_DASH_DATABASE_URL"
    return "check that the database server is running and HARROW_DASH_DATABASE_URL names it"


def database_problem(url: str, *, public: bool = False) -> str | None:
    """Why the instance cannot use its database, or None when it can: it is reached and set up.

    Opened as every read-only path opens it (:func:`harrow_dash.store.open_for_reading`), so checking
    a DuckDB file that the internal instance already holds reads a snapshot instead of failing; a
    DuckDB file that does not exist is not created (it is reported as not set up)."""
    from harrow_dash.store import open_for_reading  # the store imports much: only when checking

    failure: Failure | None = None
    if _duckdb_file_missing(url):
        failure = Failure.NOT_SET_UP
    else:
        try:
            store = open_for_reading(with_connect_timeout(url), public=public)
        except Exception as exc:  # classified below, never printed: it may quote the password
            failure = classify(exc)
        else:
            try:
                if not store.is_initialised():
                    failure = Failure.NOT_SET_UP
            except Exception as exc:
                failure = classify(exc)
            finally:
                store.dispose()
    if failure is None:
        return None
    return one_line(f"{PREFIX} {failure} ({database_name(url)}); {_what_to_do(failure)}.")


def startup_problem(
    address: str,
    port: int,
    url: str,
    *,
    public: bool = False,
    frame_ancestors: str = DEFAULT_FRAME_ANCESTORS,
) -> str | None:
    """The first reason the instance cannot start (who may frame it, its port, then its database),
    or None."""
    framing = frame_ancestors_problem(frame_ancestors)
    if framing is not None:
        return f"{PREFIX} {framing}"
    return port_problem(address, port) or database_problem(url, public=public)
