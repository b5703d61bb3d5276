"""Importing the scorecards councils keep: a wide CSV of a million values, and a two-header-row workbook.

``import_csv``
    One scorecard-layout CSV (one row per indicator, one column per quarter): 20,000 indicators x 50
    quarters = 1,000,000 values, loaded through ``ingest.load.load`` (read, parse, validate, compare,
    write, record the batch) into a fresh DuckDB file. Median of 3; target under 3 s. Reported beside
    it, as a ratio from the same run: the time pandas alone takes to read the same file into text
    columns (the floor any importer of this file pays). The note gives the load's CPU seconds
    (DuckDB's threads included) and the load average. Parsing the file's 50 quarter blocks took
    0.62-0.69 CPU s, 0.43-0.53 s since each block's two dozen fields are joined to it at once
    (``parse._SheetParser._value_fields``) rather than inserted column by column (measured alternately,
    parse alone, load average 12-14).
``import_xlsx``
    One workbook whose header is two rows (the financial year in a merged cell above ``Q1`` .. ``Q4``
    and ``Annual Target``), 500 indicators x 12 quarters (three years), loaded the same way. Median of
    3; target under 3 s. Reference: openpyxl alone reading every cell of the same workbook.

The files are generated deterministically under ``bench-output/`` and reused.
"""

from __future__ import annotations

import csv
import io
import os
import statistics
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.harness import Row, Run, bench, load_average, runs_note, shown, timed
from harrow_dash.ingest.load import FileInput, load
from harrow_dash.rules.periods import Period

CSV_TARGET_S = 3.0
XLSX_TARGET_S = 3.0
PRIORITIES = (
    "A council that puts residents first",
    "A borough that is clean and safe",
    "A place where those in need are supported",
)


def scorecard_csv(out_dir: Path, indicators: int = 20_000, quarters: int = 50) -> Path:
    path = out_dir / f"import-scorecard-{indicators}x{quarters}.csv"
    if path.exists():
        return path
    out_dir.mkdir(parents=True, exist_ok=True)
    first = Period(2023, 4).shift(-(quarters - 1))
    periods = [first.shift(i) for i in range(quarters)]
    rng = np.random.default_rng(10)
    values = rng.integers(0, 1000, size=(indicators, quarters))
    head = ["PI Ref", "Measure", "Priority", "Good is", "Unit", *[p.label for p in periods]]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        for i in range(indicators):
            w.writerow(
                [f"PI-{i:05d}", f"Measure {i}", PRIORITIES[i % 3], "higher", "count", *values[i]]
            )
    return path


def two_row_workbook(out_dir: Path, indicators: int = 500, years: int = 3) -> Path:
    import openpyxl

    path = out_dir / f"import-two-row-{indicators}x{years * 4}.xlsx"
    if path.exists():
        return path
    out_dir.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Scorecard"
    ws.append(["Corporate scorecard"])
    fys = [2021 + y for y in range(years)]
    upper: list[object] = ["Ref", "Measure", "Priority", "Good is", "Unit"]
    lower: list[object] = [None] * 5
    for fy in fys:
        upper += [f"{fy}/{(fy + 1) % 100:02d}", None, None, None, None]
        lower += ["Q1", "Q2", "Q3", "Q4", "Annual Target"]
    ws.append(upper)
    ws.append(lower)
    for y in range(years):
        col = 6 + 5 * y
        ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + 4)
    rng = np.random.default_rng(11)
    for i in range(indicators):
        row: list[object] = [f"PI-{i:04d}", f"Measure {i}", PRIORITIES[i % 3], "higher", "count"]
        for _ in fys:
            row += [int(v) for v in rng.integers(0, 1000, size=4)] + [500]
        ws.append(row)
    wb.save(path)
    return path


def _load_times(run: Run, name: str, path: Path) -> tuple[list[float], int, str]:
    """The load's times, the values it added, and a note of its CPU seconds and the load average."""
    content = path.read_bytes()
    times: list[float] = []
    cpus: list[float] = []
    loads = [load_average()[0]]
    added = 0
    for _ in range(1 if run.quick else 3):
        store = run.fresh_db(name)
        try:
            cpu = time.process_time()
            seconds, result = timed(partial(load, store, [FileInput(path.name, content)], "bench"))
            cpus.append(time.process_time() - cpu)
            times.append(seconds)
            loads.append(load_average()[0])
            added = result.plan.tables["indicator_values"].added
        finally:
            store.dispose()
    note = (
        f"; CPU {statistics.median(cpus):.1f} s (median); load average {min(loads):.1f} to "
        f"{max(loads):.1f} on {os.cpu_count()} CPUs"
    )
    return times, added, note


@bench("import_csv", "load 1,000,000 values from one scorecard CSV (target < 3 s)")
def bench_import_csv(run: Run) -> list[Row]:
    path = scorecard_csv(run.out_dir)
    times, added, busy = _load_times(run, "import-csv", path)
    ref_s, _ = timed(
        lambda: pd.read_csv(io.BytesIO(path.read_bytes()), header=None, dtype=str, engine="c")
    )
    median = statistics.median(times)
    return [
        Row(
            "import_csv",
            "load 1,000,000 values (20,000 indicators x 50 quarters, one CSV)",
            median,
            "s",
            target=CSV_TARGET_S,
            note=runs_note(times, extra=f"; {added:,} values written{busy}; {shown(path)}"),
            extra={"runs": times},
        ).judge(),
        Row(
            "import_csv",
            "load / pandas read_csv of the same file",
            median / ref_s,
            "x",
            note=f"pandas alone: {ref_s:.2f} s",
        ),
    ]


@bench("import_xlsx", "load a two-header-row workbook of 500 indicators x 12 quarters (< 3 s)")
def bench_import_xlsx(run: Run) -> list[Row]:
    import openpyxl

    path = two_row_workbook(run.out_dir)
    times, added, busy = _load_times(run, "import-xlsx", path)

    def read_all() -> int:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        n = sum(len(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True))
        wb.close()
        return n

    ref_s, _ = timed(read_all)
    median = statistics.median(times)
    return [
        Row(
            "import_xlsx",
            "load 500 indicators x 12 quarters (two header rows, merged years)",
            median,
            "s",
            target=XLSX_TARGET_S,
            note=runs_note(times, extra=f"; {added:,} values written{busy}; {shown(path)}"),
            extra={"runs": times},
        ).judge(),
        Row(
            "import_xlsx",
            "load / openpyxl reading every cell",
            median / ref_s,
            "x",
            note=f"openpyxl alone: {ref_s:.2f} s",
        ),
    ]
