"""An app instance that cannot bind its port or use its database exits non-zero with one clear line.

Each test runs the real command (``harrow-dash serve``) in its own process, as a supervisor would,
against a real port held by the test or a real database (a DuckDB file, the session's PostgreSQL
cluster, a closed port where no PostgreSQL listens), and reads its exit code and stderr.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_proxy import health, stop_process
from pg_cluster import Cluster

from harrow_dash.startup import CONNECT_TIMEOUT_SECONDS, database_problem, port_problem

pytestmark = pytest.mark.both_databases

# Words of a driver's own error text (psycopg, DuckDB, SQLAlchemy) that a supervisor's line must not
# carry: it names the failure in the dashboard's words, never the driver's.
DRIVER_WORDS = ("psycopg", "sqlalchemy", "operationalerror", "is the server running", "errno")


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARROW_DASH_")}
    env.update(
        HARROW_DASH_DATABASE_URL=url,
        HARROW_DASH_SECRETS=str(tmp_path / "no-secrets.toml"),
        PYTHONUNBUFFERED="1",
    )
    return env


def _serve(url: str, port: int, tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harrow_dash.cli", "serve", "--port", str(port)],
        env=_env(url, tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 that another program (this test) is listening on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {stderr!r}"
    return lines[0]


def test_an_instance_whose_port_is_taken_exits_non_zero_naming_the_port(
    taken_port: int, sample_db_url: str, backend: str, tmp_path: Path
) -> None:
    if backend != "duckdb":
        pytest.skip("the port is checked before the database: one database is enough")
    result = _serve(sample_db_url, taken_port, tmp_path)
    assert result.returncode != 0
    line = _one_line(result.stderr)
    assert f"port {taken_port} is already in use" in line
    assert line.startswith("harrow-dash serve: cannot start:")
    assert result.stdout == ""


def test_an_instance_whose_postgresql_is_unreachable_exits_with_one_line_and_no_password(
    backend: str, tmp_path: Path
) -> None:
    if backend != "duckdb":
        pytest.skip("no server at all: nothing to run twice")
    closed = _free_port()  # nothing listens here
    url = f"postgresql+psycopg://council_user:Sup3rS3cret@127.0.0.1:{closed}/harrow"
    result = _serve(url, _free_port(), tmp_path)
    assert result.returncode != 0
    line = _one_line(result.stderr)
    assert "the database server could not be reached" in line
    assert f"127.0.0.1:{closed}" in line  # which server, for whoever runs it
    assert "Sup3rS3cret" not in line and "council_user" not in line
    assert not [w for w in DRIVER_WORDS if w in line.lower()], line


def test_an_instance_whose_postgresql_never_answers_gives_up_within_seconds(
    backend: str, tmp_path: Path
) -> None:
    """A server that accepts the connection and says nothing (as behind a firewall that drops
    packets) is reported unreachable after ``CONNECT_TIMEOUT_SECONDS``, not minutes later."""
    if backend != "duckdb":
        pytest.skip("no server at all: nothing to run twice")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = int(silent.getsockname()[1])
        url = f"postgresql+psycopg://council_user:Sup3rS3cret@127.0.0.1:{port}/harrow"
        started = time.monotonic()
        result = _serve(url, _free_port(), tmp_path, timeout=CONNECT_TIMEOUT_SECONDS + 50)
        took = time.monotonic() - started
    assert result.returncode != 0
    line = _one_line(result.stderr)
    assert "the database server could not be reached" in line
    assert "Sup3rS3cret" not in line and "council_user" not in line
    assert took < CONNECT_TIMEOUT_SECONDS + 30


def test_an_instance_on_a_database_not_set_up_exits_with_one_line_and_creates_nothing(
    empty_db_url: str, backend: str, tmp_path: Path
) -> None:
    result = _serve(empty_db_url, _free_port(), tmp_path)
    assert result.returncode != 0
    line = _one_line(result.stderr)
    assert "the database has not been set up yet" in line and "run harrow-dash init" in line
    if backend == "duckdb":
        assert not (tmp_path / "t.duckdb").exists()  # a check does not create the file


def test_an_instance_whose_postgresql_database_does_not_exist_says_so_in_one_line(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("a database missing from its server is a PostgreSQL case")
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    url = cluster.url("no_such_database")
    result = _serve(url, _free_port(), tmp_path)
    assert result.returncode != 0
    line = _one_line(result.stderr)
    assert "does not exist on its server" in line and "no_such_database" in line
    assert not [w for w in DRIVER_WORDS if w in line.lower()], line


def test_a_healthy_instance_passes_the_checks_and_serves(
    sample_db_url: str, backend: str, tmp_path: Path
) -> None:
    assert database_problem(sample_db_url) is None
    port = _free_port()
    assert port_problem("127.0.0.1", port) is None
    proc = subprocess.Popen(
        [sys.executable, "-m", "harrow_dash.cli", "serve", "--port", str(port)],
        env=_env(sample_db_url, tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        answer = ""
        while time.monotonic() < deadline and proc.poll() is None:
            answer = health(f"http://127.0.0.1:{port}")
            if answer:
                break
            time.sleep(0.2)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert answer == "ok"
        # The checks ran in the process that became the server, which holds the port now.
        assert f"port {port} is already in use" in (port_problem("127.0.0.1", port) or "")
    finally:
        stop_process(proc)
