"""The dashboard's commonest queries on the large database the ``history`` section built.

``queries``
    Each query 3 warm-up runs then 50 timed runs, reporting the median and the 95th percentile.
    Target: p95 under 50 ms each.

    * latest-quarter summary by priority: ``Store.indicator_snapshot(Filters(period=latest))``,
      ``scorecard.rate()`` and the RAG counts per priority;
    * one indicator's history: ``Store.indicator_history([ref])`` (a different indicator each run);
    * filtered list: ``indicator_snapshot`` with a quarter, one priority and two directorates, then
      ``rate()``.

    Also reported, without a target: the overview's full indicator step
    (``views.indicators_at``: snapshot, rate and direction of travel).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.generated import history_store
from benchmarks.harness import Row, Run, bench, percentile
from harrow_dash.rules.filters import Filters

QUERY_TARGET_MS = 50.0
FILTERED_DIRECTORATES = ("Place", "Housing")


def time_query(run: Run, fn: Callable[[int], Any]) -> tuple[list[float], Any]:
    """``fn(i)`` for i = 0, 1, ...: ``warmups`` calls untimed, then ``query_runs`` timed calls;
    durations in ms."""
    result = None
    for i in range(run.warmups):
        result = fn(i)
    durations = []
    for i in range(run.warmups, run.warmups + run.query_runs):
        start = time.perf_counter()
        result = fn(i)
        durations.append((time.perf_counter() - start) * 1000)
    return durations, result


def query_rows(
    run: Run, measure: str, durations: list[float], note: str, target: bool = True
) -> list[Row]:
    p50, p95 = statistics.median(durations), percentile(durations, 95)
    extra = {"runs_ms": durations, "max_ms": max(durations)}
    rows = [
        Row(
            "queries",
            f"{measure}: median",
            p50,
            "ms",
            note=f"{len(durations)} runs after {run.warmups} warm-ups",
        ),
        Row(
            "queries",
            f"{measure}: p95",
            p95,
            "ms",
            target=QUERY_TARGET_MS if target else None,
            status="" if target else "INFO",
            note=note,
            extra=extra,
        ).judge(),
    ]
    return rows


@bench("queries", "median and p95 of the dashboard's commonest queries on the large database")
def bench_queries(run: Run) -> list[Row]:
    from harrow_dash.outputs.views import indicators_at
    from harrow_dash.rules.scorecard import RuleSettings, rag_counts, rate

    store, latest = history_store(run.out_dir, run.indicators, run.quarters)
    rules = RuleSettings()
    rows: list[Row] = []
    try:
        counts = store.counts()
        where = (
            f"{counts['indicators']:,} indicators, {counts['indicator_values']:,} values, "
            f"latest quarter {latest.label}"
        )

        def summary(_: int) -> dict[int, dict[str, int]]:
            rated = rate(store.indicator_snapshot(Filters(period=latest)), rules)
            return {int(pid): rag_counts(g["rag"]) for pid, g in rated.groupby("priority_id")}

        durations, by_priority = time_query(run, summary)
        shown = "; ".join(
            f"P{pid} " + "/".join(str(v) for v in c.values()) for pid, c in by_priority.items()
        )
        rows += query_rows(
            run,
            "latest-quarter summary by priority",
            durations,
            f"{where}; G/A/R/not rated per priority: {shown}",
        )

        refs = list(store.indicator_list()["ref"])
        picks = np.random.default_rng(7).choice(refs, size=run.warmups + run.query_runs)

        def history(i: int) -> pd.DataFrame:
            return store.indicator_history([str(picks[i])])

        durations, hist = time_query(run, history)
        rows += query_rows(
            run,
            "one indicator's history",
            durations,
            f"a different indicator each run, {len(hist)} quarters each",
        )

        filters = Filters(period=latest, priorities=(2,), directorates=FILTERED_DIRECTORATES)

        def filtered(_: int) -> pd.DataFrame:
            return rate(store.indicator_snapshot(filters), rules)

        durations, listed = time_query(run, filtered)
        rows += query_rows(
            run,
            "filtered list",
            durations,
            f"priority 2, directorates {' and '.join(FILTERED_DIRECTORATES)}: {len(listed):,} indicators",
        )

        durations, inds = time_query(
            run, lambda _: indicators_at(store, Filters(period=latest), rules)
        )
        rows += query_rows(
            run,
            "overview indicators with travel (views.indicators_at)",
            durations,
            f"no target set; {len(inds):,} indicators",
            target=False,
        )
    finally:
        store.dispose()
    return rows
