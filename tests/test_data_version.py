"""The data version and plain database errors, on DuckDB and on PostgreSQL.

* Every change to what pages show (a load, a rollback, a publication, an unpublication) bumps the
  data version once; a refused load, a load with nothing new and a refused rollback leave it alone.
* A page run in an app process whose cached results are stale (another process loaded meanwhile)
  clears them: the same page, same filters, shows the new figures.
* A database error reaches the Data page once, as a sentence without SQL, and the command line as a
  sentence with exit code 1, never ``unexpected error: ProgrammingError``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from apptest_helpers import AppEnv, alert_texts, app_env, page_bytes, run_page, unescape

from harrow_dash.formats.textsafe import WORD_JOINER
from harrow_dash.ingest.load import FileInput, Revision, RollbackRefused, load, rollback
from harrow_dash.ingest.problems import LoadRefused
from harrow_dash.rules.periods import Period
from harrow_dash.store import Store

pytestmark = pytest.mark.both_databases

P1 = "A council that puts residents first"
Q3 = Period(2023, 3)


def csv(*lines: str) -> list[FileInput]:
    return [FileInput("t.csv", ("\n".join(lines) + "\n").encode())]


def test_every_change_bumps_the_data_version_once(sample_store: Store) -> None:
    v0 = sample_store.data_version()
    result = load(sample_store, csv("Ref,Period,Actual", "PI-02,Q3 2023-24,77"), "t")
    assert sample_store.data_version() == v0 + 1
    sample_store.publish(Q3, "jo")
    assert sample_store.data_version() == v0 + 2
    sample_store.unpublish(Q3)
    assert sample_store.data_version() == v0 + 3
    # Q3 was published once: changing its figures again is a revision, with a reason.
    rollback(sample_store, int(result.batch_id or 0), "t", reason="wrong file")
    assert sample_store.data_version() == v0 + 4

    with pytest.raises(LoadRefused):
        load(sample_store, csv("Ref,Period,Actual", "PI-02,Q3 2023-24,seventy"), "t")
    with pytest.raises(RollbackRefused):
        rollback(sample_store, int(result.batch_id or 0), "t")
    again = load(
        sample_store,
        csv("Ref,Period,Actual", "PI-02,Q3 2023-24,77"),
        "t",
        revision=Revision("right file after all"),
    )
    assert again.batch_id is not None
    assert sample_store.data_version() == v0 + 5
    assert load(sample_store, csv("Ref,Period,Actual", "PI-02,Q3 2023-24,77"), "t").nothing_to_do
    assert sample_store.data_version() == v0 + 5


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sample_store: Store) -> Iterator[AppEnv]:
    yield from app_env(monkeypatch, tmp_path, sample_store.url)


def _indicator_total(at) -> int:
    for md in at.markdown:
        found = re.fullmatch(r"#+ Performance indicators: (\d+)", str(md.value))
        if found:
            return int(found.group(1))
    raise AssertionError("no 'Performance indicators: N' heading")


def test_a_page_run_after_another_process_loaded_shows_the_new_figures(
    env: AppEnv, sample_store: Store
) -> None:
    """The app's caches live as long as its process; this process did not load (another did, here
    the same store object outside the app), yet the next run shows the load."""
    first = run_page("app.py")
    assert not first.exception, first.exception
    before = _indicator_total(first)
    load(
        sample_store,
        csv(
            "Ref,Name,Priority,Unit,Good is,Period,Actual",
            f"PI-91,Zebra crossings checked,{P1},count,higher is better,Q3 2023-24,310",
        ),
        "another instance",
    )
    second = run_page("app.py")
    assert _indicator_total(second) == before + 1


# -- database errors ------------------------------------------------------------------------------------


def _break_the_history(store: Store) -> None:
    """A database whose load history is not the dashboard's table any more (a view of one column, as
    a botched manual repair might leave): reading it fails, and no upgrade can fix it."""
    with store.begin() as conn:
        conn.exec_driver_sql("DROP TABLE load_batches")
        conn.exec_driver_sql("CREATE VIEW load_batches AS SELECT 1 AS id")


def test_a_database_error_on_the_data_page_is_one_plain_sentence(
    env: AppEnv, sample_store: Store
) -> None:
    assert not run_page("pages/6_Data.py").exception  # the process has checked the schema
    _break_the_history(sample_store)
    # The breakage bumps no data version, so the load history read before it stays cached until
    # the cache's time to live runs out; the page run after that reads it again.
    from harrow_dash.ui import data

    data.clear()
    at = run_page("pages/6_Data.py")
    assert not at.exception, at.exception
    errors = [unescape(e).replace(WORD_JOINER, "") for e in alert_texts(at, "error")]
    assert len(errors) == 1, errors
    # The cause in plain words (DuckDB and PostgreSQL word this breakage differently).
    assert errors[0].startswith(
        "The dashboard cannot reach its data just now; try again in a minute. Cause: the database "
    ), errors[0]
    assert errors[0].endswith("; the server's log has the details."), errors[0]
    everything = page_bytes(at)
    where = str(sa.engine.make_url(sample_store.url).database).encode()  # file or database name
    for raw in (b"SELECT", b"Traceback", b"ProgrammingError", b"BinderException", where):
        assert raw not in everything


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARROW_DASH_")}
    env["HARROW_DASH_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "harrow_dash.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_database_error_on_the_command_line_is_a_plain_sentence(sample_store: Store) -> None:
    _break_the_history(sample_store)
    url = sample_store.url
    sample_store.dispose()
    result = _cli(url, "batches")
    assert result.returncode == 1
    assert result.stderr.startswith(f"The database {url} "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    for raw in ("unexpected error", "ProgrammingError", "Exception", "SELECT", "Traceback"):
        assert raw not in result.stderr


def test_a_database_that_cannot_be_reached_says_so(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "postgresql":
        request.getfixturevalue("pg_cluster")  # skips (or fails under CI) without PostgreSQL
    if backend == "duckdb":
        bad = tmp_path / "not-a-database.duckdb"
        bad.write_bytes(b"this is not a DuckDB file" * 100)
        url = f"duckdb:///{bad}"
        expected = f"The database {url} reported a problem and nothing was changed:"
    else:
        url = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"  # nothing listens on port 9
        expected = f"Could not connect to the database {url}"
    result = _cli(url, "batches")
    assert result.returncode == 1
    assert result.stderr.startswith(expected), result.stderr
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr
