"""When the database fails, each person reads a plain message (harrow_dash.store.failures).

* PostgreSQL unreachable: every page, in public mode, says only "The dashboard cannot reach its data
  just now; try again in a minute"; an editor also reads the cause, and neither reads the server's
  host, port, user name, database name, password or the driver's text; the server log has all of it.
* Real failures (a refused connection, a database that does not exist, an unknown user, a DuckDB file
  held by another process) are each classified as what they are.
* A failure after the frame (mid-page) shows the same message, not Streamlit's exception box.
* A public instance on a DuckDB file another process holds for writing (the internal instance) reads
  it, by the read-only commands' copy-and-retry rule, follows its changes, and never keeps the
  internal instance from opening the file.
* The command line prints one plain line when PostgreSQL goes away in the middle of a load, never
  psycopg's own "error ignored terminating <psycopg.Copy ...>".
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from apptest_helpers import (
    NO_ACCESS,
    AppEnv,
    alert_texts,
    app_env,
    is_editor_page,
    page_bytes,
    page_files,
    run_page,
    unescape,
)
from pg_cluster import Cluster

from harrow_dash.rules.periods import Period
from harrow_dash.store import DatabaseBusy, DatabaseError, Store, open_for_reading
from harrow_dash.store.failures import VIEWER_MESSAGE, Failure, classify, page_message

# Nothing listens on port 9 (discard); the names are the secrets a viewer must never read.
SECRET_USER, SECRET_PASSWORD, SECRET_DB = "harrowsecretuser", "hunter2pw", "harrowsecretdb"
DOWN_URL = f"postgresql+psycopg://{SECRET_USER}:{SECRET_PASSWORD}@127.0.0.1:9/{SECRET_DB}"
SECRETS = (
    SECRET_USER,
    SECRET_PASSWORD,
    SECRET_DB,
    "127.0.0.1",
    ":9",
    "psycopg",
    "Connection refused",
)
EDITOR_CAUSE = f"{VIEWER_MESSAGE} Cause: {Failure.UNREACHABLE}; the server's log has the details."


def _texts(at) -> str:
    return unescape(page_bytes(at).decode("utf-8", "replace"))


def _errors(at) -> list[str]:
    return [unescape(e) for e in alert_texts(at, "error")]


@pytest.fixture
def down_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pg_cluster: Cluster
) -> Iterator[AppEnv]:
    """The app pointed at a PostgreSQL server that is not there (needs the driver: pg_cluster)."""
    yield from app_env(monkeypatch, tmp_path, DOWN_URL)


@pytest.mark.parametrize("page", page_files())
def test_a_public_viewer_reads_only_the_plain_message_when_postgresql_is_down(
    down_env: AppEnv, page: str
) -> None:
    down_env.configure(public=True)
    at = run_page(page)
    assert not at.exception, at.exception
    # An editors' page says only that it is for editors, before it goes near the database.
    errors = _errors(at)
    if is_editor_page(page):
        assert len(errors) == 1 and errors[0].startswith(NO_ACCESS), errors
    else:
        assert errors == [VIEWER_MESSAGE]
    shown = _texts(at)
    for secret in SECRETS:
        assert secret not in shown, secret


def test_an_editor_reads_the_cause_without_address_or_credentials(down_env: AppEnv) -> None:
    at = run_page("app.py")  # local mode: the local user is an editor
    assert not at.exception, at.exception
    assert _errors(at) == [EDITOR_CAUSE]
    shown = _texts(at)
    for secret in SECRETS:
        assert secret not in shown, secret


def test_the_server_log_has_the_full_detail(
    down_env: AppEnv, caplog: pytest.LogCaptureFixture
) -> None:
    down_env.configure(public=True)
    with caplog.at_level(logging.ERROR, logger="harrow_dash"):
        run_page("app.py")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("harrow_dash"))
    assert "UNREACHABLE" in logged
    assert "127.0.0.1" in logged and SECRET_DB in logged  # the address, for whoever runs the server
    assert SECRET_PASSWORD not in logged  # the password never, not even in the log


# -- real failures, classified -------------------------------------------------------------------------


def _failure_of(url: str) -> BaseException:
    store = Store(url)
    try:
        with pytest.raises((DatabaseBusy, DatabaseError)) as caught:
            store.data_version()
    finally:
        store.dispose()
    return caught.value


def test_real_postgresql_failures_are_classified_and_never_shown_with_their_address(
    pg_cluster: Cluster,
) -> None:
    port = pg_cluster.port
    cases = {
        DOWN_URL: Failure.UNREACHABLE,
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/{SECRET_DB}": Failure.NO_DATABASE,
        f"postgresql+psycopg://{SECRET_USER}@127.0.0.1:{port}/postgres": Failure.SIGN_IN_REFUSED,
    }
    for url, expected in cases.items():
        exc = _failure_of(url)
        assert classify(exc) is expected, (url, exc)
        assert page_message(exc, editor=False) == VIEWER_MESSAGE
        editor = page_message(exc, editor=True)
        assert editor == f"{VIEWER_MESSAGE} Cause: {expected}; the server's log has the details."
        for secret in (SECRET_USER, SECRET_DB, str(port), "127.0.0.1"):
            assert secret not in editor


def _hold_for_writing(path: Path) -> subprocess.Popen[str]:
    """Another process (as the internal instance is) holding a DuckDB file for writing; it runs each
    SQL line it is sent and answers "done"."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys\n"
         f"con = duckdb.connect({str(path)!r})\n"
         "print('ready', flush=True)\n"
         "for line in sys.stdin:\n"
         "    con.execute(line)\n"
         "    print('done', flush=True)\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    return holder


def _send(holder: subprocess.Popen[str], sql: str) -> None:
    assert holder.stdin is not None and holder.stdout is not None
    holder.stdin.write(sql + "\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "done"


def _stop(holder: subprocess.Popen[str]) -> None:
    if holder.stdin is not None:
        holder.stdin.close()
    holder.wait(timeout=30)


def test_a_duckdb_file_held_by_another_process_is_classified_as_in_use(tmp_path: Path) -> None:
    path = tmp_path / "held.duckdb"
    store = Store(f"duckdb:///{path}")
    store.init()
    store.dispose()
    holder = _hold_for_writing(path)
    try:
        exc = _failure_of(f"duckdb:///{path}")
    finally:
        _stop(holder)
    assert classify(exc) is Failure.FILE_IN_USE
    assert page_message(exc, editor=False) == VIEWER_MESSAGE
    assert str(path) not in page_message(exc, editor=True)
    assert "run the command again" not in page_message(exc, editor=True)


# -- a failure after the frame ---------------------------------------------------------------------------


@pytest.fixture
def public_sample(sample_db_url: str) -> str:
    """A copy of the sample DuckDB database with its reported quarters published."""
    store = Store(sample_db_url)
    try:
        latest = store.latest_reported_period()
        for period in store.periods():
            if latest is not None and period <= latest:
                store.publish(period, "tests")
    finally:
        store.dispose()
    return sample_db_url


@pytest.fixture
def sample_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, public_sample: str
) -> Iterator[AppEnv]:
    yield from app_env(monkeypatch, tmp_path, public_sample)


def test_a_failure_after_the_frame_shows_the_plain_message_not_a_stack_trace(
    sample_env: AppEnv, public_sample: str
) -> None:
    """The frame finds the database well; the Overview's highlights query then fails (a value that
    cannot be converted, met only when the highlights are read)."""
    store = Store(public_sample)
    with store.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE highlights RENAME TO highlights_kept")
        conn.exec_driver_sql(
            "CREATE VIEW highlights AS SELECT CAST('x' || period AS INTEGER) AS period, "
            "priority_id, kind, text, indicator_ref, action_ref, batch_id FROM highlights_kept"
        )
    store.dispose()
    for public, expected in ((True, VIEWER_MESSAGE), (False, f"{VIEWER_MESSAGE} Cause: ")):
        sample_env.configure(public=public)
        at = run_page("app.py")
        assert not at.exception, at.exception
        errors = _errors(at)
        assert len(errors) == 1 and errors[0].startswith(expected), errors
        shown = _texts(at)
        assert "Performance indicators" in shown  # drawn before the failure
        for raw in ("Traceback", "highlights", "Conversion", public_sample.split("///")[1]):
            assert raw not in shown, raw


# -- a public instance on a DuckDB file the internal instance holds --------------------------------------


def test_a_public_instance_reads_a_duckdb_file_the_internal_instance_holds_for_writing(
    sample_env: AppEnv, public_sample: str
) -> None:
    sample_env.configure(public=True)
    path = Path(public_sample.removeprefix("duckdb:///"))
    holder = _hold_for_writing(path)
    try:
        at = run_page("app.py")
        assert not at.exception, at.exception
        assert _errors(at) == []
        shown = _texts(at)
        assert "Q3 2023-24" in shown and "Performance indicators" in shown
        # Neither the busy-file message nor a command-line hint (the sample's own text may say "in
        # use", as in "a call-back in use at peak times").
        assert "in use by another program" not in shown and "command" not in shown
        # The internal instance unpublishes the quarter: the public one follows on its next page.
        _send(holder, "DELETE FROM published_quarters WHERE period >= 20233")
        _send(holder, "UPDATE data_version SET version = version + 1")
        _send(holder, "CHECKPOINT")
        at = run_page("app.py")
        assert not at.exception and _errors(at) == []
        assert "Quarter 3 2023-24" not in _texts(at)
    finally:
        _stop(holder)


def test_a_public_instance_never_keeps_the_internal_instance_from_opening_the_file(
    sample_env: AppEnv, public_sample: str
) -> None:
    sample_env.configure(public=True)
    at = run_page("app.py")  # nobody else holds the file: the public instance reads it itself
    assert not at.exception and _errors(at) == []
    path = Path(public_sample.removeprefix("duckdb:///"))
    holder = _hold_for_writing(path)  # fails ("ready" not read) if the file were still held
    try:
        _send(holder, "UPDATE data_version SET version = version + 1")
        at = run_page("app.py")  # and the public instance carries on, now on a snapshot
        assert not at.exception and _errors(at) == []
        assert "Performance indicators" in _texts(at)
    finally:
        _stop(holder)


def test_the_read_only_rule_reads_a_snapshot_of_a_held_file_and_deletes_it_after(
    public_sample: str,
) -> None:
    path = Path(public_sample.removeprefix("duckdb:///"))
    holder = _hold_for_writing(path)
    try:
        store = open_for_reading(public_sample)
        assert store.snapshot is not None and store.snapshot.is_dir()
        assert Period(2023, 3) in store.published_periods()
        store.dispose()
        assert not store.snapshot.exists()
    finally:
        _stop(holder)


# -- the command line ------------------------------------------------------------------------------------


def _big_indicator_file(path: Path, indicators: int, periods: list[str]) -> Path:
    lines = ["Ref,Name,Priority,Unit,Good is,Period,Actual"]
    for i in range(indicators):
        for label in periods:
            lines.append(
                f"PI-{1000 + i},Measure {i},A council that puts residents first,count,"
                f"higher is better,{label},{i % 97}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_load_cut_off_by_postgresql_going_away_prints_one_plain_line(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    url = pg_cluster.create_database()
    Store(url).init()
    periods = [f"Q{q} {y}-{str(y + 1)[2:]}" for y in range(2016, 2024) for q in (1, 2, 3, 4)]
    big = _big_indicator_file(tmp_path / "big.csv", 20000, periods)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARROW_DASH_")}
    env["HARROW_DASH_DATABASE_URL"] = url
    loader = subprocess.Popen(
        [sys.executable, "-m", "harrow_dash.cli", "load", str(big)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    engine = sa.create_engine(pg_cluster.url("postgres"))
    terminated = False
    try:
        deadline = time.monotonic() + 240
        while loader.poll() is None and time.monotonic() < deadline and not terminated:
            with engine.connect() as conn:
                terminated = bool(
                    conn.execute(
                        sa.text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE query LIKE 'COPY %' AND datname = :db"
                        ),
                        {"db": url.rsplit("/", 1)[1]},
                    ).scalar()
                )
            time.sleep(0.01)
        out, err = loader.communicate(timeout=240)
    finally:
        engine.dispose()
        if loader.poll() is None:
            loader.kill()
    assert terminated, f"the load never reached COPY: {out} {err}"
    assert loader.returncode == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "error ignored" not in err and "psycopg.Copy" not in err and "Traceback" not in err
    assert lines[0].startswith(f"The connection to the database {url} was lost"), err
    assert lines[0].endswith(
        "nothing was changed. Check that the database server is running, then run the command again."
    )
