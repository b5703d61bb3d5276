"""Loading data: the shipped sample, and a generated history of a million values from one CSV file.

``sample``
    Loading the shipped sample (``data/sample/*.csv``) into a fresh, initialised DuckDB file through
    ``cli.load_sample`` (the path ``make run`` takes): median of 3 runs, a fresh file each time.
``history``
    Loading a generated history of 1,000,000 indicator values (8,000 indicators x 125 quarters,
    Q4 1992-93 to Q4 2023-24) from ONE tidy CSV file sorted by indicator: the full path a user
    gets, reading the file's bytes from disk and ``ingest.load.load`` (read, parse, validate,
    compare, write, record the batch) on a fresh initialised database. Median of 3 runs. Target:
    under 3 s. The note gives the CPU seconds the load used (DuckDB's threads included) and the load
    average: on a shared machine the wall time is that CPU time stretched by the other programs. The
    same load into PostgreSQL, against this one, is the ``pg_load`` section. Where the time goes
    (cProfile of one load on a quiet machine, 2.8 s): reading the file 0.44 s (Arrow's CSV parse
    0.17, the file's hash 0.09, the control-character scan 0.1), parsing 0.48 s (texts' distinct
    values by factorize, ~17 ms a column), validation 0.47 s, DuckDB's compare and write 0.9 s, its
    commit (writing the rows to the file) 0.3 s. Two changes took it from 3.2 s to 2.5-2.9 s:
    collapsing the repeated definition columns to one row per indicator reads each column's value
    at the first row of the indicator's run when the file keeps every indicator's rows together
    and the value never changes within them (``validate._same_within_runs``; 0.44 s to 0.11 s),
    and the file's rows are read by compare's join straight from the frame (a view), not copied
    into a staging table first. The file is generated once (deterministically) and reused; its generation time is
    reported, not counted. ``--indicators 20000 --quarters 52`` gives the other shape of a million
    values (more indicators in every view, shorter history; a separate file and database).
"""

from __future__ import annotations

import io
import os
import statistics
import time
from functools import partial

from benchmarks.generated import history_db_path, history_file, load_history
from benchmarks.harness import (
    Row,
    Run,
    bench,
    load_average,
    runs_note,
    sample_missing,
    shown,
    skip_row,
    timed,
)

LOAD_TARGET_S = 3.0


@bench("sample", "load data/sample/*.csv into a fresh DuckDB file (median of 3)")
def bench_sample(run: Run) -> list[Row]:
    from harrow_dash.cli import load_sample

    missing = sample_missing()
    if missing:
        return [skip_row("sample", "load sample data", f"{', '.join(missing)} not there yet")]
    times = []
    counts: dict[str, int] = {}
    for _ in range(1 if run.quick else 3):
        store = run.fresh_db("sample")
        try:
            seconds, rc = timed(partial(load_sample, store, out=io.StringIO()))
            if rc != 0:
                return [
                    Row("sample", "load sample data", status="MISS", note="the sample was refused")
                ]
            times.append(seconds)
            counts = store.counts()
        finally:
            store.dispose()
    rows = sum(counts.values())
    note = runs_note(
        times,
        extra=f"; {counts['indicators']} indicators, {counts['indicator_values']:,} values, "
        f"{rows:,} rows in all",
    )
    return [Row("sample", "load sample data", statistics.median(times), "s", note=note)]


@bench("history", "load a generated 1,000,000-value history from one CSV (target < 3 s)")
def bench_history(run: Run) -> list[Row]:
    path, meta = history_file(run.out_dir, run.indicators, run.quarters)
    rows: list[Row] = []
    how = "reused the file generated" if meta["reused"] else "generated"
    rows.append(
        Row(
            "history",
            "generate the CSV (not counted)",
            meta["generate_seconds"],
            "s",
            note=f"{how} {meta['generated_at']}: {meta['rows']:,} rows, "
            f"{meta['bytes'] / 1e6:,.0f} MB, {shown(path)}",
        )
    )
    times = []
    cpus = []
    loads = [load_average()[0]]
    added = 0
    counts: dict[str, int] = {"indicators": 0}
    db_name = history_db_path(run.out_dir, run.indicators, run.quarters).stem
    for i in range(run.load_runs):
        store = run.fresh_db(db_name)  # the last one stays for the sections that query it
        try:
            cpu = time.process_time()
            seconds, result = timed(partial(load_history, store, path))
            cpus.append(time.process_time() - cpu)
            times.append(seconds)
            loads.append(load_average()[0])
            added = result.plan.tables["indicator_values"].added
            if i == run.load_runs - 1:
                counts = store.counts()
        finally:
            store.dispose()
    median = statistics.median(times)
    rows.append(
        Row(
            "history",
            f"load {meta['rows']:,} values from one CSV",
            median,
            "s",
            target=LOAD_TARGET_S,
            note=runs_note(
                times,
                extra=f"; {added:,} values and {counts['indicators']:,} indicators written; "
                f"CPU {statistics.median(cpus):.1f} s (median); load average {min(loads):.1f} "
                f"to {max(loads):.1f} on {os.cpu_count()} CPUs",
            ),
            extra={"runs": times},
        ).judge()
    )
    rows.append(
        Row("history", "load throughput", meta["rows"] / median, "rows/s", note="values / median")
    )
    return rows
