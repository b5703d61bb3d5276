"""PostgreSQL: loading a million values, and the dashboard's queries against DuckDB's on the same data.

Both sections run in a throwaway PostgreSQL cluster started for the run and stopped after it (the
tests' ``tests/pg_cluster.py``: ``initdb`` into a temporary folder, a free port, durability off as in
the tests). Without PostgreSQL or its driver (``pip install -e '.[postgres]'``) they are skipped.

``pg_load``
    Loading the generated 1,000,000-value history (8,000 indicators x 125 quarters, the ``history``
    section's file) into a fresh, initialised PostgreSQL database through ``ingest.load.load``, as the
    command line does: read, parse, validate, stage with COPY, compare, write, record the batch.
    Median of the run's ``--load-runs`` (3). Target: under 15 s.
``pg_queries``
    At 528,000 values (13,200 indicators x 40 quarters, the size of the ``page_runs`` section),
    loaded into a fresh DuckDB file and a fresh PostgreSQL database, each query the dashboard's pages
    run (the filter bar's options and its per-quarter counts, the quarter's snapshot, one indicator's
    history, every indicator's sparkline values, the actions and highlights, the load history, the
    data-version check each page run makes), timed on both, median of ``--query-runs`` after
    ``--warmups``. Target: PostgreSQL's median within 1.5x DuckDB's for each (ratio under 1.5).
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from benchmarks.generated import history_file, load_history
from benchmarks.harness import Row, Run, bench, median_row, skip_row, timed
from harrow_dash.config import REPO_ROOT
from harrow_dash.filters import Filters
from harrow_dash.store import Store

LOAD_TARGET_S = 15.0
RATIO_TARGET = 1.5
QUERY_INDICATORS, QUERY_QUARTERS = 13_200, 40  # 528,000 values, as page_runs

sys.path.insert(0, str(REPO_ROOT / "tests"))  # the cluster helper the tests use
from pg_cluster import Cluster, driver_available, find_bin_dir  # noqa: E402


def _why_not() -> str | None:
    if find_bin_dir() is None:
        return "PostgreSQL is not installed (Debian: apt-get install postgresql)"
    if not driver_available():
        return "the PostgreSQL driver is missing (pip install -e '.[postgres]')"
    return None


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    bin_dir = find_bin_dir()
    assert bin_dir is not None
    running = Cluster(bin_dir).start()
    try:
        yield running
    finally:
        running.stop()


@bench("pg_load", "load 1,000,000 values into PostgreSQL (target < 15 s)")
def bench_pg_load(run: Run) -> list[Row]:
    why = _why_not()
    if why:
        return [skip_row("pg_load", "load 1,000,000 values", why)]
    path, meta = history_file(run.out_dir, run.indicators, run.quarters)
    times: list[float] = []
    with cluster() as pg:
        for _ in range(run.load_runs):
            store = Store(pg.create_database())
            try:
                store.init()
                seconds, result = timed(partial(load_history, store, path))
                times.append(seconds)
                values = store.counts()["indicator_values"]
                assert result.batch_id is not None and values == meta["rows"], values
            finally:
                store.dispose()
    return [
        median_row(
            "pg_load",
            f"load {meta['rows']:,} values (COPY staging)",
            times,
            LOAD_TARGET_S,
            extra_note=f"; {run.indicators:,} indicators x {run.quarters} quarters, one CSV file",
        )
    ]


def _queries(store: Store, latest: Any) -> dict[str, Callable[[int], Any]]:
    from harrow_dash import quarters, views
    from harrow_dash.scorecard import RuleSettings

    refs = list(store.indicator_list()["ref"])
    rules = RuleSettings()
    return {
        "filter options: per-quarter counts (quarter_reports)": lambda _: quarters.quarter_reports(
            store
        ),
        "filter options: quarters": lambda _: store.periods(),
        "filter options: latest reported quarter": lambda _: store.latest_reported_period(),
        "filter options: directorates and portfolios": lambda _: (
            store.directorates(),
            store.portfolios(),
            store.priorities(),
            store.published_periods(),
        ),
        "quarter snapshot (all indicators)": lambda _: store.indicator_snapshot(
            Filters(period=latest)
        ),
        "quarter snapshot (one priority)": lambda _: store.indicator_snapshot(
            Filters(period=latest, priorities=(2,))
        ),
        "one indicator's history": lambda i: store.indicator_history([refs[(i * 37) % len(refs)]]),
        "sparkline values of every indicator": lambda _: views.sparkline_values(
            store, refs, latest, rules
        ),
        "flagship actions up to the quarter": lambda _: store.action_statuses(
            Filters(period=latest), until=latest
        ),
        "highlights of the quarter": lambda _: store.highlights(Filters(period=latest)),
        "load history": lambda _: store.batches(),
        "data version (every page run)": lambda _: store.data_version(),
    }


def _time(run: Run, fn: Callable[[int], Any]) -> list[float]:
    for i in range(run.warmups):
        fn(i)
    out = []
    for i in range(run.query_runs):
        start = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - start) * 1000)
    return out


@bench("pg_queries", "dashboard queries at 528,000 values: PostgreSQL within 1.5x DuckDB")
def bench_pg_queries(run: Run) -> list[Row]:
    why = _why_not()
    if why:
        return [skip_row("pg_queries", "dashboard queries", why)]
    path, meta = history_file(run.out_dir, QUERY_INDICATORS, QUERY_QUARTERS)
    duck_path = run.out_dir / "pg-compare.duckdb"
    for p in (duck_path, duck_path.with_name(duck_path.name + ".wal")):
        p.unlink(missing_ok=True)
    rows: list[Row] = []
    with cluster() as pg:
        stores = {
            "duckdb": Store(f"duckdb:///{duck_path}"),
            "postgresql": Store(pg.create_database()),
        }
        try:
            for store in stores.values():
                store.init()
                load_history(store, path)
            latest = stores["duckdb"].latest_reported_period()
            timings = {
                name: {q: _time(run, fn) for q, fn in _queries(store, latest).items()}
                for name, store in stores.items()
            }
        finally:
            for store in stores.values():
                store.dispose()
    for query in timings["duckdb"]:
        duck = statistics.median(timings["duckdb"][query])
        post = statistics.median(timings["postgresql"][query])
        rows.append(
            Row(
                "pg_queries",
                f"{query}: PostgreSQL / DuckDB",
                post / duck if duck else 0.0,
                "x",
                target=RATIO_TARGET,
                note=f"median {post:,.1f} ms vs {duck:,.1f} ms; {meta['rows']:,} values, "
                f"{run.query_runs} runs after {run.warmups} warm-ups",
                extra={
                    "postgresql_ms": timings["postgresql"][query],
                    "duckdb_ms": timings["duckdb"][query],
                },
            ).judge()
        )
    return rows
