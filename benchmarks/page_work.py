"""The work behind the pages at a large size, without the browser: what grows with the data.

``page-work``
    On a generated history of 13,200 indicators x 40 quarters (528,000 values, DuckDB; built once
    under ``bench-output/`` and reused), the core functions the pages call for the latest quarter
    with no filters, each median of 5 runs after one warm-up (nothing cached between runs):

    * the Indicators list with sparklines (``views.indicators_at``, ``views.trend_lines`` of
      every listed indicator, ``explore.indicator_list``), target under 0.5 s;
    * the Overview (``views.overview``), target under 0.3 s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.generated import history_store
from benchmarks.harness import Row, Run, bench, median_row, timed
from harrow_dash.rules.filters import Filters

INDICATORS, QUARTERS = 13_200, 40
LIST_TARGET_S = 0.5
OVERVIEW_TARGET_S = 0.3


def repeat(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    """One untimed warm-up, then ``runs`` timed calls: (seconds of each, the last result)."""
    result = fn()
    times = []
    for _ in range(runs):
        seconds, result = timed(fn)
        times.append(seconds)
    return times, result


@bench("page-work", "Indicators list and Overview computed at 13,200 indicators x 40 quarters")
def bench_page_work(run: Run) -> list[Row]:
    from harrow_dash.outputs import explore, views
    from harrow_dash.rules.scorecard import RuleSettings

    store, latest = history_store(run.out_dir, INDICATORS, QUARTERS)
    rules = RuleSettings()
    filters = Filters(period=latest)
    runs = 2 if run.quick else 5
    size = f"{INDICATORS:,} indicators x {QUARTERS} quarters, {latest.label}"
    try:

        def indicator_list() -> Any:
            inds = views.indicators_at(store, filters, rules)
            refs = [str(r) for r in inds["ref"]]
            return explore.indicator_list(inds, views.trend_lines(store, refs, latest, rules))

        list_times, table = repeat(indicator_list, runs)
        overview_times, ov = repeat(lambda: views.overview(store, filters, rules), runs)
    finally:
        store.dispose()
    points = sum(len(t) for t in table["Trend"])
    return [
        median_row(
            "page-work",
            "Indicators list with sparklines",
            list_times,
            LIST_TARGET_S,
            f"; {size}: {len(table):,} rows, {points:,} sparkline points",
        ),
        median_row(
            "page-work",
            "Overview",
            overview_times,
            OVERVIEW_TARGET_S,
            f"; {size}: {sum(ov.indicator_counts.values()):,} indicators rated",
        ),
    ]
