"""Exports: the Word briefing pack for a whole quarter, and the tidy CSV of every value.

``briefing``
    ``briefing.build_briefing`` for Q3 2023-24 with no filters on the sample data: the overview
    queries, eight chart images rendered by vl-convert and the .docx written. The first (cold) build
    pays for vl-convert's start-up and is reported on its own; the target (5 s) applies to the median
    of the 3 builds after it.
``export``
    What ``harrow-dash export`` does with the 1,000,000-value history the ``history`` section built
    (8,000 indicators x 125 quarters): read, rate and format every value, write the CSV. Target:
    under 3 s.
"""

from __future__ import annotations

import io
import statistics
from functools import partial

from benchmarks.harness import Row, Run, bench, median_row, sample_missing, shown, skip_row, timed
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period

BRIEFING_TARGET_S = 5.0
BRIEFING_QUARTER = Period(2023, 3)


@bench("briefing", "build the Word briefing pack for the whole sample quarter (target < 5 s)")
def bench_briefing(run: Run) -> list[Row]:
    """``briefing.build_briefing`` for Q3 2023-24 with no filters on the sample data: the overview
    queries, eight chart images rendered by vl-convert and the .docx written. The first (cold) build
    pays for vl-convert's start-up and is reported on its own; the target applies to the median of
    the 3 builds after it."""
    from harrow_dash.cli import load_sample
    from harrow_dash.outputs.briefing import build_briefing
    from harrow_dash.rules.scorecard import RuleSettings

    missing = sample_missing()
    if missing:
        return [
            skip_row("briefing", "build the briefing pack", f"{', '.join(missing)} not there yet")
        ]
    store = run.fresh_db("briefing")
    try:
        load_sample(store, out=io.StringIO())
        filters = Filters(period=BRIEFING_QUARTER)
        rules = RuleSettings()
        cold, document = timed(lambda: build_briefing(store, filters, rules))
        times = [timed(lambda: build_briefing(store, filters, rules))[0] for _ in range(3)]
    finally:
        store.dispose()
    path = run.out_dir / "briefing.docx"
    path.write_bytes(document)
    median = statistics.median(times)
    return [
        Row(
            "briefing",
            f"first build, {BRIEFING_QUARTER.label} (cold: starts vl-convert)",
            cold,
            "s",
            target=BRIEFING_TARGET_S,
            note=f"{len(document) / 1024:,.0f} KB written to {shown(path)}",
        ).judge(),
        Row(
            "briefing",
            f"build the briefing pack for {BRIEFING_QUARTER.label}",
            median,
            "s",
            target=BRIEFING_TARGET_S,
            note=f"median of 3 (runs {', '.join(f'{t:.2f}' for t in times)} s), whole sample quarter",
            extra={"runs": times, "cold": cold},
        ).judge(),
    ]


# -- the tidy export of every value -----------------------------------------------------------------
EXPORT_TARGET_S = 3.0


@bench("export", "tidy CSV export of the 1,000,000-value history (target < 3 s)")
def bench_export(run: Run) -> list[Row]:
    """What ``harrow-dash export`` does, on the database the ``history`` section built: read every
    value (``Store.tidy_values``), rate and format them (``exports.tidy_export``) and write the CSV
    (``csv_text.write_csv``, as ``harrow-dash export`` does). Median of 3 (1 with ``--quick``); the read, the rating and the writing are reported apart."""
    from benchmarks.generated import history_store
    from harrow_dash.formats.csv_text import write_csv
    from harrow_dash.outputs.exports import tidy_export
    from harrow_dash.rules.scorecard import RuleSettings

    store, _latest = history_store(run.out_dir, run.indicators, run.quarters)
    path = run.out_dir / "export.csv"
    rules = RuleSettings()
    totals, parts = [], []
    try:
        for _ in range(1 if run.quick else 3):
            read_s, values = timed(store.tidy_values)
            rate_s, frame = timed(partial(tidy_export, values, rules))
            write_s, _ = timed(partial(write_csv, frame, path))
            totals.append(read_s + rate_s + write_s)
            parts.append((read_s, rate_s, write_s))
    finally:
        store.dispose()
    best = parts[totals.index(statistics.median(totals))] if len(totals) % 2 else parts[0]
    return [
        median_row(
            "export",
            f"tidy export of {len(frame):,} values to CSV",
            totals,
            EXPORT_TARGET_S,
            f"; read {best[0]:.2f} s, rate and format {best[1]:.2f} s, write {best[2]:.2f} s "
            f"({path.stat().st_size / 1e6:,.0f} MB)",
        )
    ]
