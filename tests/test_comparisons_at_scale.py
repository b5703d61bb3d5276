"""The faster ways comparisons are worked out (for 33 boroughs' data at once) give exactly the answers
of the plain rules, on DuckDB and PostgreSQL:

* the Comparisons page's every-indicator standings, read from the values at the periods compared only
  (``comparisons.values_compared``), and one indicator's comparison read from its measure's values
  only (the Indicators page's trend card), equal a comparison worked out here the slow way from every
  comparator value (period picked, hidden values, rank, quartile, median and range, benchmarks), for
  every group and several quarters, in the internal and the public view, after a load of benchmarks,
  suppressed figures and small counts, after unpublishing a quarter and after rolling the load back;
* the rank counted in ``benchmarking.standing`` is the competition rank of ``competition_ranks``, and
  ``benchmarking.quantile_inc`` is ``numpy.quantile`` to the last bit.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pytest

from harrow_dash.cli import publish_sample_history
from harrow_dash.ingest.load import FileInput, load, rollback
from harrow_dash.outputs import comparisons
from harrow_dash.rules import comparator_periods
from harrow_dash.rules.areas import HARROW, LONDON_BOROUGHS, is_benchmark
from harrow_dash.rules.benchmarking import competition_ranks, quantile_inc, spread, standing
from harrow_dash.rules.periods import Period, parse_period
from harrow_dash.rules.rag import Polarity
from harrow_dash.rules.suppression import SmallNumbers, small_numbers
from harrow_dash.rules.units import format_number
from harrow_dash.store import Store

pytestmark = pytest.mark.both_databases

QUARTERS = [parse_period(q) for q in ("Q4 2022-23", "Q3 2023-24", "Q4 2023-24")]
THRESHOLDS: list[SmallNumbers | int] = [5, SmallNumbers(10, zero=False)]
HEADER = "Area code,Area name,Measure id,Measure name,Period,Value,Source\n"


def _slow(
    row: dict[str, object],
    values: pd.DataFrame,
    names: dict[str, str],
    group: comparisons.Group,
    at: Period,
    threshold: SmallNumbers | int,
) -> tuple[object, ...]:
    """One indicator's comparison the plain way, scanning every value: what the page must show."""
    people = bool(row["counts_people"])
    mine = values[values["measure"] == row["measure"]]
    members = mine[mine["area_code"].isin(group.members)]
    key = comparator_periods.latest_ended([int(k) for k in members["period"].unique()], at)
    if key is None:
        return (None,)
    at_key = mine[mine["period"] == key]
    small = small_numbers(threshold).mask(at_key["value"]) if people else False
    hidden = at_key["suppressed"].astype(bool) | small
    shown = at_key[~hidden & at_key["value"].notna()]
    ranked = shown[shown["area_code"].isin(group.members)]
    hidden_members = at_key[hidden & at_key["area_code"].isin(group.members)]
    published = dict(zip(ranked["area_code"], ranked["value"].astype(float), strict=True))
    low, median, high = (None, None, None)
    if published:
        arr = np.array(list(published.values()))
        median = float(np.quantile(arr, 0.5))
        if len(arr) >= 4:
            low, high = float(np.quantile(arr, 0.25)), float(np.quantile(arr, 0.75))
    rank = shared = None
    polarity = Polarity(str(row["polarity"]))
    if HARROW in published and polarity is not Polarity.BAND and len(published) >= 3:
        ranks = competition_ranks(pd.Series(published), polarity)
        rank, shared = int(ranks[HARROW]), int((ranks == ranks[HARROW]).sum())
    benchmarks = sorted(
        (names.get(c, c) != "England", names.get(c, c), format_number(float(v), str(row["unit"])))
        for c, v in zip(shown["area_code"], shown["value"], strict=True)
        if is_benchmark(str(c), names.get(c, c))
    )
    return (
        key,
        len(published),
        len(hidden_members),
        rank,
        shared,
        low,
        median,
        high,
        tuple((n, t) for _, n, t in benchmarks),
    )


def _fast(c: comparisons.MeasureComparison) -> tuple[object, ...]:
    s = c.standing
    if c.period_key is None or s is None:
        return (None,)
    return (
        c.period_key,
        s.ranked,
        s.suppressed,
        s.rank,
        s.shared if s.rank is not None else None,
        s.lower_quartile,
        s.median,
        s.upper_quartile,
        c.benchmarks,
    )


def _check_every_comparison(store: Store) -> int:
    """Every benchmarked indicator, group, quarter and threshold: the fast paths equal the slow
    way. Returns how many comparisons had a period (so a test cannot pass on nothing)."""
    indicators = store.benchmarked_indicators()
    measures = [str(m) for m in indicators["measure"].unique()]
    everything = store.comparator_values(measures)
    names = {**LONDON_BOROUGHS, **store.area_names()}
    # One measure's values, as the Indicators page reads them for an indicator's trend card.
    by_measure = {m: store.comparator_values([m]) for m in measures}
    compared = 0
    for group in comparisons.available_groups(store.comparison_groups()).values():
        for at in QUARTERS:
            some = comparisons.values_compared(store, measures, group, at)
            for threshold in THRESHOLDS:
                _, overview = comparisons.overview(indicators, some, names, group, at, threshold)
                for row, fast in zip(indicators.to_dict("records"), overview, strict=True):
                    slow = _slow(row, everything, names, group, at, threshold)
                    assert _fast(fast) == slow, (row["ref"], group.name, at, threshold)
                    compared += slow[0] is not None
                    if threshold != THRESHOLDS[0]:
                        continue
                    one = comparisons.for_indicator(
                        str(row["ref"]),
                        indicators,
                        by_measure[str(row["measure"])],
                        names,
                        group,
                        at,
                        threshold,
                    )
                    assert one is not None and _fast(one[0]) == slow
    return compared


def _benchmarks_and_hidden_figures(store: Store) -> FileInput:
    """England and London benchmarks, publisher-suppressed figures (Harrow's among them) and small
    counts, for every benchmarked measure at a quarter and a year."""
    lines = [HEADER]
    for i, m in enumerate(store.benchmarked_indicators()["measure"].unique()):
        for period in ("Q3 2023-24", "Q4 2023-24", "2023-24"):
            lines.append(f"E92000001,England,{m},M,{period},{40 + i},S\n")
            lines.append(f"E12000007,London,{m},M,{period},{'[c]' if i % 3 else 3},S\n")
            lines.append(f"E09000015,Harrow,{m},M,{period},{'[c]' if i % 4 == 1 else 4},S\n")
            lines.append(f"E09000003,Barnet,{m},M,{period},{i % 7},S\n")
            lines.append(f"E09000005,Brent,{m},M,{period},{4 if i % 2 else 60},S\n")
    return FileInput("benchmarks.csv", "".join(lines).encode())


def test_fast_comparisons_equal_the_slow_way_after_loads_publishing_and_rollback(
    sample_db_url: str,
) -> None:
    store = Store(sample_db_url)
    try:
        if not store.published_periods():
            publish_sample_history(store)
        public = store.public_view()
        assert _check_every_comparison(store) > 100
        assert _check_every_comparison(public) > 50
        result = load(store, [_benchmarks_and_hidden_figures(store)], "tester")
        assert result.batch_id is not None
        assert _check_every_comparison(store) > 100
        store.unpublish(parse_period("Q3 2023-24"))
        assert _check_every_comparison(public) > 50
        rollback(store, result.batch_id, "tester")
        assert _check_every_comparison(store) > 100
    finally:
        store.dispose()


def _tied(rng: random.Random, n: int) -> list[float]:
    return [
        float(rng.choice([1, 2, 2.5, 3, 7, 7, 10])) if rng.random() < 0.5 else rng.gauss(50, 20)
        for _ in range(n)
    ]


@pytest.mark.parametrize("polarity", ["higher", "lower"])
def test_the_counted_rank_is_the_competition_rank(polarity: str) -> None:
    rng = random.Random(21)
    for _ in range(300):
        codes = [f"A{i}" for i in range(rng.randint(3, 40))]
        values = dict(zip(codes, _tied(rng, len(codes)), strict=True))
        expected = competition_ranks(pd.Series(values), polarity)
        for area in codes[:5]:
            s = standing(values, codes, area, polarity)
            assert s.rank == int(expected[area])
            assert s.shared == int((expected == expected[area]).sum())


def _arrays(rng: random.Random) -> Iterable[list[float]]:
    for _ in range(500):
        yield sorted(_tied(rng, rng.randint(1, 50)))
    yield [0.1, 0.2, 0.3, 0.7]
    yield [1e-300, 1e300, -1e300, 5.0]


def test_quantile_inc_is_numpys_quantile_to_the_last_bit() -> None:
    rng = random.Random(5)
    for ordered in _arrays(rng):
        for q in (0.25, 0.5, 0.75):
            assert quantile_inc(sorted(ordered), q) == float(np.quantile(np.array(ordered), q))
        low, median, high = spread(ordered)
        assert median == float(np.quantile(np.array(ordered), 0.5))
