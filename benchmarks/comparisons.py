"""The Comparisons page in the browser at full comparator size: 33 areas x 45 measures x 12 quarters.

``comparisons``
    The sample data with every one of its 45 indicators mapped to a comparator measure and all 33
    London boroughs' values for each of its 12 quarters (17,820 comparator values), served by
    ``streamlit run``; in the same run and browser, the Indicators page (with one indicator picked,
    its trend card and chart drawn) and the Comparisons page are each loaded 5 times on the warmed
    server (navigation start to drawn, as the ``pages`` section measures it). Target: Comparisons
    within 1.2x the Indicators page (a ratio, so the machine's load cancels out).
"""

from __future__ import annotations

import io
import math
import random
import statistics
import sys

import pandas as pd

from benchmarks.browser import CHROMIUM_ARGS, find_chromium, page_load_seconds
from benchmarks.harness import (
    Row,
    Run,
    bench,
    runs_note,
    sample_missing,
    skip_row,
    start_streamlit,
    stop,
)
from harrow_dash.config import ASGI_APP
from harrow_dash.rules.areas import LONDON_BOROUGHS

RATIO_TARGET = 1.2
RUNS = 5


def _comparator_frame(values: pd.DataFrame) -> pd.DataFrame:
    """All 33 boroughs for every indicator and quarter of ``values`` (ref, period, actual)."""
    rng = random.Random(7)
    rows = []
    for rec in values.itertuples():
        base = 50.0 if pd.isna(rec.actual) else float(rec.actual)
        for code in LONDON_BOROUGHS:
            rows.append(
                (code, f"BENCH-{rec.ref}", int(rec.period), base * math.exp(rng.gauss(0, 0.1)))
            )
    frame = pd.DataFrame(rows, columns=["area_code", "measure", "period", "value"])
    frame["suppressed"] = False
    frame["source"] = "benchmark data"
    frame["batch_id"] = None
    return frame


@bench("comparisons", "Comparisons page at 33 areas x 45 measures x 12 quarters, vs Indicators")
def bench_comparisons(run: Run) -> list[Row]:
    from harrow_dash.cli import load_sample

    chromium = find_chromium()
    if chromium is None:
        return [skip_row("comparisons", "Comparisons page render", "Chromium not found")]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [skip_row("comparisons", "Comparisons page render", "playwright not installed")]
    missing = sample_missing()
    if missing:
        return [skip_row("comparisons", "Comparisons page render", f"{missing} not there yet")]

    store = run.fresh_db("comparisons")
    try:
        load_sample(store, out=io.StringIO())
        values = store.read(
            "SELECT ref, period, actual FROM indicator_values WHERE period <= 20234"
        )
        frame = _comparator_frame(values)
        with store.begin() as conn:
            conn.exec_driver_sql("DELETE FROM comparator_values")
            conn.exec_driver_sql("UPDATE indicators SET benchmark_measure = 'BENCH-' || ref")
            raw = conn.connection.driver_connection
            raw.register("bench_frame", frame)  # type: ignore[union-attr]
            conn.exec_driver_sql("INSERT INTO comparator_values SELECT * FROM bench_frame")
            raw.unregister("bench_frame")  # type: ignore[union-attr]
        counts = store.read(
            "SELECT COUNT(DISTINCT area_code) AS a, COUNT(DISTINCT measure) AS m, "
            "COUNT(DISTINCT period) AS q, COUNT(*) AS n FROM comparator_values"
        ).iloc[0]
    finally:
        store.dispose()
    size = (
        f"{counts['a']} areas x {counts['m']} measures x {counts['q']} quarters ({counts['n']:,})"
    )
    db = run.out_dir / "comparisons.duckdb"
    runs = 2 if run.quick else RUNS
    proc = None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        try:
            proc, base = start_streamlit(
                ASGI_APP,
                run.out_dir / "comparisons-streamlit.log",
                {"HARROW_DASH_DATABASE_URL": f"duckdb:///{db}"},
                ["--server.fileWatcherType", "none"],
            )
            urls = {
                # Indicators as it opened when this target was set: the first indicator picked,
                # its trend card and chart drawn (it now opens with none picked).
                "Indicators": f"{base}/Indicators?quarter=Q3+2023-24&ind=PI-01",
                "Comparisons": f"{base}/Comparisons?quarter=Q3+2023-24",
            }
            for url in urls.values():  # warm the server
                page_load_seconds(page, url)
            times: dict[str, list[float]] = {name: [] for name in urls}
            for _ in range(runs):  # interleaved, so both see the same machine load
                for name, url in urls.items():
                    print(f"  render {name} ...", file=sys.stderr, flush=True)
                    times[name].append(page_load_seconds(page, url))
        finally:
            browser.close()
            stop(proc)
    ind, cmp_ = statistics.median(times["Indicators"]), statistics.median(times["Comparisons"])
    return [
        Row(
            "comparisons",
            "render Indicators, one picked (reference)",
            ind,
            "s",
            status="INFO",
            note=runs_note(times["Indicators"], extra="; navigation start to drawn"),
        ),
        Row(
            "comparisons",
            f"render Comparisons ({size})",
            cmp_,
            "s",
            status="INFO",
            note=runs_note(times["Comparisons"], extra="; navigation start to drawn"),
        ),
        Row(
            "comparisons",
            "Comparisons render / Indicators render",
            cmp_ / ind,
            "x",
            target=RATIO_TARGET,
            note="same server, browser and run, interleaved",
        ).judge(),
    ]
