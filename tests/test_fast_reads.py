"""The faster reads behind every page's first run give the answers the plain reads give, on DuckDB and
PostgreSQL, after a load, a revision, a rollback, a publication and an unpublication, and in public
mode.

* ``quarters.quarter_reports`` (every page's filter bar: which quarters exist, how much each has
  reported, which one a view opens on) reads the per-quarter counts every write transaction stores
  (``harrow_dash.store.quarter_counts``); here the stored counts are checked against counting afresh, and
  the reports against the counts worked out in pandas from the tables' rows.
* ``Store.indicator_actuals`` of many indicators (the Indicators and Priorities pages' sparklines)
  reads PostgreSQL as one row of packed whole columns, put in order in Python
  (``harrow_dash.store.packed_series``); here it, and the
  sparklines drawn from it, are checked against the same reads made a few hundred indicators at a
  time, the row-by-row way. The history has blank actuals and indicators that count people, some of
  them small counts the sparklines must hide; and with references in mixed case and outside ASCII,
  whose bytes travel packed and whose order (and the snapshot's) must be the same on both databases.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from pg_cluster import Cluster

from benchmarks.generated import generate_history
from harrow_dash.ingest.load import FileInput, Revision, load, rollback
from harrow_dash.outputs.views import sparkline_values
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings, rate
from harrow_dash.rules.value_states import Frequency
from harrow_dash.store import (
    Store,
    bump_data_version,
    packed_series,
    packed_snapshot,
    quarter_counts,
    schema,
    schema_upgrade,
)
from harrow_dash.store import schema as s
from harrow_dash.store.quarters import QuarterReport, quarter_reports
from harrow_dash.store.scorecard_reads import snapshot_order

pytestmark = pytest.mark.both_databases

INDICATORS, QUARTERS = 620, 6  # more indicators than Store._MANY_REFS: the packed read
RULES = RuleSettings()


def history_csv(change: float = 0.0) -> bytes:
    """The generated history with small counts of people (some under the suppression threshold),
    blank actuals, and annual indicators; ``change`` is added to every actual of the first
    indicators that are not percentages."""
    frame, _latest = generate_history(INDICATORS, QUARTERS, seed=11)
    number = frame["ref"].str[4:].astype(int)
    people = number % 5 == 0
    frame["counts_people"] = np.where(people, "yes", "no")
    frame.loc[people, "unit"] = "count"
    frame.loc[people, "actual"] = ((number[people] * 7 + frame.index[people]) % 12).astype(str)
    frame["frequency"] = np.where(number % 9 == 0, "annual", "quarterly")
    if change:
        first = (number < 30) & (frame["unit"] != "%")  # a percentage stays within 100
        shown = frame["actual"] != ""
        frame.loc[first & shown, "actual"] = (
            frame.loc[first & shown, "actual"].astype(float) + change
        ).astype(str)
    return frame.to_csv(index=False).encode()


def load_bytes(store: Store, body: bytes, revision: Revision | None = None) -> int:
    result = load(store, [FileInput("history.csv", body)], "tester", revision=revision)
    assert result.batch_id is not None
    return result.batch_id


def through_every_kind_of_write(
    history: Store, check: Callable[[], None], change: float = 1.5
) -> None:
    """``check()`` now and after each kind of write: a publication, a revision of the published
    quarter (``change`` added to some actuals: ``history_csv``), its rollback and an
    unpublication."""
    check()
    last = history.periods()[-1]
    history.publish(last, "tester")
    check()
    revised = load_bytes(history, history_csv(change=change), Revision("corrected figures"))
    check()
    rollback(history, revised, "tester", reason="back to the published figures")
    check()
    history.unpublish(last)
    check()


@pytest.fixture
def history(store: Store) -> Store:
    load_bytes(store, history_csv())
    return store


@pytest.fixture
def stores(history: Store) -> Iterator[Callable[[], list[Store]]]:
    """The store and its public view (published quarters only), opened afresh on each call."""
    opened: list[Store] = []

    def both() -> list[Store]:
        public = Store(history.url, public=True)
        opened.append(public)
        return [history, public]

    yield both
    for store in opened:
        store.dispose()


# -- the per-quarter counts -------------------------------------------------------------------------


def counted_in_pandas(store: Store) -> list[QuarterReport]:
    """The quarter reports by their definitions, from the tables' rows."""
    values = store.read(s.indicator_values.select())
    inds = store.read(s.indicators.select())
    statuses = store.read(s.action_statuses.select())
    quarterly = set(inds.loc[inds["frequency"] != Frequency.ANNUAL.value, "ref"])
    published = {p.key for p in store.published_periods()}
    keys = set(values["period"]) | set(statuses["period"])
    if store.public:
        keys &= published
    with_actual = values[values["actual"].notna()]
    firsts = values[values["ref"].isin(quarterly)].groupby("ref")["period"].min()
    reports = []
    for key in sorted(int(k) for k in keys):
        here = with_actual[with_actual["period"] == key]
        reports.append(
            QuarterReport(
                period=Period.from_key(key),
                published=key in published,
                actuals=here["ref"].nunique(),
                quarterly_actuals=here.loc[here["ref"].isin(quarterly), "ref"].nunique(),
                quarterly_expected=int((firsts <= key).sum()),
                action_statuses=int((statuses["period"] == key).sum()),
            )
        )
    return reports


def assert_counts_agree(stores: list[Store]) -> None:
    """The stored counts are what counting gives now, and the reports drawn from them are what
    counting the rows in pandas gives, for the store and its public view."""
    with stores[0].connect() as conn:
        assert quarter_counts.read(conn) == quarter_counts.compute(conn)
    for store in stores:
        assert quarter_reports(store) == counted_in_pandas(store)


def test_quarter_counts_agree_with_counting_rows_through_every_kind_of_write(
    history: Store, stores: Callable[[], list[Store]]
) -> None:
    reports = quarter_reports(history)
    assert len(reports) == QUARTERS
    assert any(r.quarterly_expected > r.quarterly_actuals > 0 for r in reports)
    through_every_kind_of_write(history, lambda: assert_counts_agree(stores()), change=1.0)


def test_quarter_counts_of_an_empty_database(store: Store) -> None:
    assert quarter_reports(store) == [] == counted_in_pandas(store)


def test_a_database_from_before_the_stored_counts_gets_them_when_upgraded(history: Store) -> None:
    expected = quarter_reports(history)
    with history.begin() as conn:
        conn.execute(sa.text("DROP TABLE quarter_counts"))
    with history.connect() as conn:  # a store that only reads counts them each time
        assert quarter_counts.read(conn, read_only=True) == quarter_counts.compute(conn)
    reader = Store(history.url, read_only=True) if history.is_duckdb else None
    if reader is not None:  # the public instance's way of reading a DuckDB file
        history.dispose()
        try:
            assert quarter_reports(reader) == expected
        finally:
            reader.dispose()
    assert "quarter_counts" in history.upgrade()
    with history.connect() as conn:
        assert schema._has_table(conn, "quarter_counts")
        assert quarter_counts.read(conn) == quarter_counts.compute(conn)
    assert quarter_reports(history) == expected == counted_in_pandas(history)
    assert "quarter_counts" not in history.upgrade()
    with history.begin() as conn:  # the table made empty by `init` on a database from before
        conn.execute(sa.text("DROP TABLE quarter_counts"))
    history.init()
    assert quarter_reports(history) == expected


# -- many indicators' actuals and the sparklines drawn from them ---------------------------------------


def few_at_a_time(store: Store, refs: list[str], until: Period | None) -> pd.DataFrame:
    """The actuals read a few hundred indicators at a time (the row-by-row read)."""
    step = Store._MANY_REFS
    parts = [store.indicator_actuals(refs[i : i + step], until) for i in range(0, len(refs), step)]
    return pd.concat(parts, ignore_index=True).sort_values(["ref", "period"], ignore_index=True)


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ref": frame["ref"].astype(str).to_numpy(),
            "period": frame["period"].astype("int64").to_numpy(),
            "actual": frame["actual"].to_numpy(dtype=float, na_value=np.nan),
            "counts_people": frame["counts_people"].astype(bool).to_numpy(),
        }
    )


def assert_actuals_agree(stores: list[Store], packed: bool = True) -> None:
    """Every indicator's actuals read at once (on PostgreSQL from the kept series, which must be
    usable when ``packed``) are the rows read a few indicators at a time, up to each of three
    quarters; and the sparklines drawn from them are the same drawn a few at a time."""
    refs = sorted(str(r) for r in stores[0].indicator_list()["ref"])  # the internal store's
    assert len(refs) > Store._MANY_REFS
    periods = stores[0].periods()
    for store in stores:
        for until in (None, periods[-1], periods[1]):
            many = store.indicator_actuals(refs, until)
            expected = few_at_a_time(store, refs, until)
            pd.testing.assert_frame_equal(comparable(many), comparable(expected))
            if packed and not store.is_duckdb:  # the series were read, not the rows
                kept = packed_series.actual_lines(
                    store,
                    store._def("indicators"),
                    refs,
                    until.key if until else None,
                    store.public,
                )
                assert kept is not None
                pd.testing.assert_frame_equal(comparable(kept.frame()), comparable(expected))
            sparks = sparkline_values(store, refs, until, RULES)
            step = 200
            pieces: dict[str, list[float]] = {}
            for i in range(0, len(refs), step):
                pieces.update(sparkline_values(store, refs[i : i + step], until, RULES))
            assert sparks == pieces
        wanted = refs[::3]  # not every indicator: only the ones asked for come back
        got = store.indicator_actuals(wanted, None)
        assert set(got["ref"]) <= set(wanted)
        pd.testing.assert_frame_equal(
            comparable(got), comparable(few_at_a_time(store, wanted, None))
        )


def test_many_indicators_actuals_and_sparklines_agree_with_the_row_by_row_read(
    history: Store, stores: Callable[[], list[Store]]
) -> None:
    refs = sorted(str(r) for r in history.indicator_list()["ref"])
    sparks = sparkline_values(history, refs, None, RULES)
    actuals = history.indicator_actuals(refs, None)
    hidden = actuals["counts_people"].astype(bool) & (
        actuals["actual"] < RULES.small_numbers.threshold
    )
    assert hidden.any() and actuals["actual"].isna().any()  # the cases the rule is about
    assert sum(len(v) for v in sparks.values()) < len(actuals)
    through_every_kind_of_write(history, lambda: assert_actuals_agree(stores()), change=2.5)


def test_many_indicators_with_no_value_read_as_nothing(store: Store) -> None:
    refs = [f"NONE-{i:04d}" for i in range(Store._MANY_REFS + 5)]
    assert store.indicator_actuals(refs, None).empty
    assert sparkline_values(store, refs, None, RULES) == {}


def odd_references_csv() -> bytes:
    """The history with references with accents, other scripts and in mixed case."""
    frame = pd.read_csv(io.BytesIO(history_csv()), dtype=str, keep_default_na=False)
    number = frame["ref"].str[4:].astype(int)
    marks = np.array(["é", "日本", "a", "Z", "ß-x"])
    odd = number % 3 == 0
    frame.loc[odd, "ref"] = frame.loc[odd, "ref"] + "-" + marks[number[odd] % len(marks)]
    lower = number % 4 == 1
    frame.loc[lower, "ref"] = frame.loc[lower, "ref"].str.lower()
    return frame.to_csv(index=False).encode()


def test_many_indicators_with_references_outside_ascii_read_as_row_by_row(store: Store) -> None:
    """The packed read carries each reference as its UTF-8 bytes and puts the rows in order itself:
    references with accents, other scripts and mixed case come back whole, each with its own
    values, in the order the row-by-row read gives."""
    load_bytes(store, odd_references_csv())
    refs = sorted(str(r) for r in store.indicator_list()["ref"])
    assert any(not r.isascii() for r in refs) and any(r.islower() for r in refs)
    last = store.periods()[-1]
    store.publish(last, "tester")
    public = Store(store.url, public=True)
    try:
        assert_actuals_agree([store, public])
        for reader in (store, public):  # the snapshot in the same order on both databases
            snapshot = reader.indicator_snapshot(Filters(period=last))
            listed = list(zip(snapshot["priority_id"].astype(int), snapshot["ref"], strict=True))
            assert len(listed) == len(refs) and listed == sorted(listed)
    finally:
        public.dispose()


def test_a_reference_holding_the_packed_reads_separator_comes_back_whole(history: Store) -> None:
    """The packed read puts a separator (0x1f) between references. A load refuses a control
    character in a reference, but a database written another way may hold one: it must not be cut
    in two; the read notices the count is wrong and reads the rows the ordinary way instead."""
    i, v = s.indicators, s.indicator_values
    source = str(history.indicator_list()["ref"].iloc[7])
    odd = source + "\x1fB"
    with history.writing() as conn:
        conn.execute(sa.insert(i).from_select(
            list(i.c.keys()),
            sa.select(*(sa.literal(odd).label("ref") if c.name == "ref" else c for c in i.c))
            .where(i.c.ref == source),
        ))  # fmt: skip
        conn.execute(sa.insert(v).from_select(
            list(v.c.keys()),
            sa.select(*(sa.literal(odd).label("ref") if c.name == "ref" else c for c in v.c))
            .where(v.c.ref == source),
        ))  # fmt: skip
    refs = sorted(str(r) for r in history.indicator_list()["ref"])
    assert odd in refs
    assert_actuals_agree([history], packed=False)
    actuals = history.indicator_actuals(refs, None)
    assert len(actuals[actuals["ref"] == odd]) == QUARTERS


def test_series_kept_before_a_change_they_did_not_see_are_not_read_and_upgrade_rewrites_them(
    history: Store, backend: str
) -> None:
    """On PostgreSQL every indicator's values are kept packed (``indicator_series``), rewritten by
    every write. A write by an older version of the app bumps the data version without rewriting
    them: they are then stale, the read goes row by row (the same frame), and the next upgrade (each
    app process and command runs one) rewrites them. A database from before the table gets them
    when upgraded. On DuckDB the table stays empty and is never read."""
    t = s.indicator_series
    with history.connect() as conn:
        kept = conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
        assert not packed_series.stale(conn)
    if backend == "duckdb":
        assert kept == 0
        return
    assert kept == len(history.indicator_list())
    refs = sorted(str(r) for r in history.indicator_list()["ref"])
    first = refs[0]
    with history.begin() as conn:  # an older version's load: values and version, not the series
        conn.execute(
            sa.update(s.indicator_values)
            .where(s.indicator_values.c.ref == first)
            .values(actual=s.indicator_values.c.actual + 1000)
        )
        conn.execute(sa.update(s.data_version).values(version=s.data_version.c.version + 1))
    with history.connect() as conn:
        assert packed_series.stale(conn)
    assert packed_series.actual_lines(history, s.indicators, refs, None, False) is None
    assert_actuals_agree([history], packed=False)
    sparks = sparkline_values(history, refs, None, RULES)
    assert min(sparks[first]) >= 1000  # the change is seen
    assert "indicator_series" in history.upgrade()
    assert_actuals_agree([history])
    assert sparkline_values(history, refs, None, RULES) == sparks
    assert "indicator_series" not in history.upgrade()
    with history.begin() as conn:  # a database from before the table
        conn.execute(sa.text("DROP TABLE indicator_series"))
    assert "indicator_series" in history.upgrade()
    assert_actuals_agree([history])


# -- the quarter before, read for its ratings only ----------------------------------------------------


def test_the_narrow_snapshot_rates_every_indicator_as_the_whole_one(
    history: Store, stores: Callable[[], list[Store]]
) -> None:
    """``rating_snapshot`` (the quarter the overview compares with) gives every indicator the rating,
    state and suppression the whole snapshot gives, for every quarter and filter, internally and
    publicly, small counts of people, blank actuals and annual indicators included."""
    periods = history.periods()
    history.publish(periods[-2], "tester")
    for store in stores():
        for period in [*periods, Period(1999, 1)]:
            for filters in (
                Filters(period=period),
                Filters(period=period, priorities=(2,)),
                Filters(period=period, directorates=("Resources",)),
            ):
                whole = store.indicator_snapshot(filters)
                narrow = store.rating_snapshot(filters)
                assert list(narrow["ref"]) == list(whole["ref"])
                if whole.empty:
                    continue
                columns = ["ref", "priority_id", "rag", "state", "suppressed"]
                pd.testing.assert_frame_equal(
                    rate(narrow, RULES, texts=False)[columns],
                    rate(whole, RULES, texts=False)[columns],
                )


# -- the quarter's snapshot, packed at each write on PostgreSQL --------------------------------------


def snapshot_filters(store: Store, period: Period) -> list[Filters]:
    """Each kind of filter the pages apply: none, a priority, a directorate, and two priorities,
    two directorates and three portfolios at once."""
    directorates = sorted(store.directorates())
    portfolios = sorted(store.portfolios())
    return [
        Filters(period=period),
        Filters(period=period, priorities=(2,)),
        Filters(period=period, directorates=(directorates[0],)),
        Filters(
            period=period,
            priorities=(1, 2),
            directorates=tuple(directorates[:2]),
            portfolios=tuple(portfolios[:3]),
        ),
    ]


def packed_quarters(store: Store) -> set[int]:
    """The quarters with a pack (none on DuckDB)."""
    with store.connect() as conn:
        return set(conn.execute(sa.select(s.quarter_packs.c.period)).scalars())


def assert_same_frame(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The same frame exactly: every real to the bit (negative zero and NaN where they are)."""
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    for column in got.columns:
        if got[column].dtype == np.float64:
            assert (np.signbit(got[column]) == np.signbit(expected[column])).all(), column


def assert_snapshots_agree(stores: list[Store], packed: bool = True) -> None:
    """On PostgreSQL, the internal store's snapshots (``indicator_snapshot``, ``rating_snapshot``)
    come from the packs where every quarter they need is packed (the packs must be usable when
    ``packed``), and are the frames their queries give read the ordinary way; for the first and last
    quarters (the first's quarter before and year before have empty packs), one after them and one
    long before (not packed), and every kind of filter. Elsewhere (DuckDB, a public store) the
    packs are not read: the query is."""
    periods = stores[0].periods()
    window = packed_quarters(stores[0])
    assert bool(window) or not packed or stores[0].is_duckdb  # packs to read
    for store in stores:
        for period in (periods[0], periods[-1], periods[-1].shift(1), Period(1999, 1)):
            for filters in snapshot_filters(stores[0], period):
                for joined, read, needs in (
                    (
                        True,
                        store.indicator_snapshot,
                        (period, period.previous(), period.year_earlier()),
                    ),
                    (False, store.rating_snapshot, (period,)),
                ):
                    got = read(filters)
                    names = list(got.columns)
                    kept = packed_snapshot.snapshot(store, filters, names, joined)
                    if store.is_duckdb or store.public:
                        assert kept is None
                        continue
                    with packs_unreadable():  # the query, read the ordinary way
                        expected = read(filters)
                    assert_same_frame(got, expected)
                    if packed and {p.key for p in needs} <= window:
                        assert kept is not None
                        assert_same_frame(kept, expected)  # in order as packed
                    elif packed:
                        assert kept is None


@contextlib.contextmanager
def packs_unreadable() -> Iterator[None]:
    """Snapshots read the ordinary way (their query) while inside."""
    original = packed_snapshot.snapshot
    packed_snapshot.snapshot = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        yield
    finally:
        packed_snapshot.snapshot = original


def test_only_the_latest_quarters_are_packed_and_earlier_ones_are_read_by_their_query(
    history: Store, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The packs hold the ``PACKED_QUARTERS`` quarters up to the latest with an actual: a snapshot
    needing an earlier one (its quarter, the one before or the one a year before) is read by its query, with the
    same frame."""
    monkeypatch.setattr(packed_snapshot, "PACKED_QUARTERS", 5)
    load_bytes(history, history_csv(change=0.5), Revision("a write that packs five quarters"))
    periods = history.periods()
    if backend == "postgresql":
        with history.connect() as conn:
            packed = conn.execute(sa.select(s.quarter_packs.c.period)).scalars().all()
        assert sorted(packed) == [p.key for p in periods[-5:]]
    assert_snapshots_agree([history])
    names = list(history.indicator_snapshot(Filters(period=periods[-1])).columns)
    for period, readable in ((periods[-1], True), (periods[-2], False), (periods[0], False)):
        kept = packed_snapshot.snapshot(history, Filters(period=period), names, True)
        assert (kept is not None) == (readable and backend == "postgresql")


def test_snapshots_agree_with_their_queries_through_every_kind_of_write(
    history: Store, stores: Callable[[], list[Store]]
) -> None:
    through_every_kind_of_write(history, lambda: assert_snapshots_agree(stores()))


ODD_TEXTS = [
    "Résidents satisfaits — 满意度 ✓",
    "",
    'a\x1fb, "quoted"\nsecond line\\N',
    "🙂 emoji and a tab\there",
    None,
]


def test_packed_snapshot_keeps_every_text_number_and_gap_as_stored(
    history: Store, backend: str
) -> None:
    """Texts in any script, empty ones and missing ones, separators, quotes, line breaks and
    backslashes; reals missing, NaN, infinite and negative zero; yes/no missing; an indicator of a
    priority that is not one of the plan's (left out of the snapshot, kept by the rating snapshot);
    values of no indicator: the packs give the same frames as the queries."""
    refs = sorted(str(r) for r in history.indicator_list()["ref"])
    period = history.periods()[-1]
    v, i = s.indicator_values, s.indicators
    with history.begin() as conn:
        for n, ref in enumerate(refs[:40]):
            text = ODD_TEXTS[n % len(ODD_TEXTS)]
            conn.execute(
                sa.update(i)
                .where(i.c.ref == ref)
                .values(
                    name=text or "x",
                    description=text,
                    directorate=ODD_TEXTS[(n + 1) % len(ODD_TEXTS)],
                    source=text,
                    cumulative_or_seasonal=None if n % 2 else "cumulative",
                    tolerance=[None, float("nan"), -0.0, 5.0][n % 4],
                    priority_id=99 if n == 7 else i.c.priority_id,
                )
            )
            conn.execute(
                sa.update(v)
                .where(v.c.ref == ref, v.c.period == period.key)
                .values(
                    actual=[None, float("nan"), float("inf"), -0.0, 1e300][n % 5],
                    target=None,
                    commentary=text,
                    official_rag=ODD_TEXTS[(n + 2) % len(ODD_TEXTS)],
                    benchmark_label=text,
                    marker=None if n % 3 else "p,e",
                )
            )
        conn.execute(
            v.insert().values(ref="NO-SUCH-INDICATOR", period=period.key, actual=1.0, not_due=False)
        )
        conn.execute(v.delete().where(v.c.ref == refs[50], v.c.period == period.key))
        bump_data_version(conn)
    snapshot = history.indicator_snapshot(Filters(period=period))
    assert refs[7] not in set(snapshot["ref"])  # its priority is not one of the plan's
    assert refs[7] in set(history.rating_snapshot(Filters(period=period))["ref"])
    assert "NO-SUCH-INDICATOR" not in set(snapshot["ref"])
    assert not snapshot.loc[snapshot["ref"] == refs[50], "has_row"].item()
    assert set(ODD_TEXTS[:4]) <= set(snapshot["commentary"].dropna())
    assert_snapshots_agree([history])


def test_snapshot_packs_written_before_a_change_they_did_not_see_are_not_read_and_upgrade_rewrites_them(
    history: Store, backend: str
) -> None:
    """A write by an older version of the app bumps the data version without rewriting the packs:
    they are then stale, the snapshot is read by its query (the change seen), and the next upgrade
    rewrites them. A database from before the tables gets them when upgraded. On DuckDB they stay
    empty and are never read."""
    period = history.periods()[-1]
    filters = Filters(period=period)
    names = list(history.indicator_snapshot(filters).columns)
    with history.connect() as conn:
        assert not packed_snapshot.stale(conn)
        kept = conn.execute(sa.select(sa.func.count()).select_from(s.quarter_packs)).scalar()
    if backend == "duckdb":
        assert kept == 0
        assert packed_snapshot.snapshot(history, filters, names, True) is None
        return
    assert kept == packed_snapshot.PACKED_QUARTERS  # the six quarters with values, six empty
    first = sorted(str(r) for r in history.indicator_list()["ref"])[0]
    with history.begin() as conn:  # an older version's revision: values and version, not the packs
        conn.execute(
            sa.update(s.indicator_values)
            .where(s.indicator_values.c.ref == first, s.indicator_values.c.period == period.key)
            .values(actual=123456.0)
        )
        conn.execute(sa.update(s.data_version).values(version=s.data_version.c.version + 1))
    with history.connect() as conn:
        assert packed_snapshot.stale(conn)
    assert packed_snapshot.snapshot(history, filters, names, True) is None
    seen = history.indicator_snapshot(filters)
    assert seen.loc[seen["ref"] == first, "actual"].item() == 123456.0
    assert_snapshots_agree([history], packed=False)
    assert "quarter_packs" in history.upgrade()
    assert_snapshots_agree([history])
    assert "quarter_packs" not in history.upgrade()
    with history.begin() as conn:  # a database from before the tables
        conn.execute(sa.text("DROP TABLE quarter_packs"))
        conn.execute(sa.text("DROP TABLE definition_packs"))
    assert "quarter_packs" in history.upgrade()
    assert_snapshots_agree([history])


def test_a_server_whose_text_is_not_utf8_packs_nothing_and_reads_the_snapshot_by_its_query(
    pg_cluster: Cluster,
) -> None:
    """The packs hold texts as the server's bytes, read as UTF-8: on a database in another encoding
    nothing is packed, the packs are never stale (the upgrade has nothing to do), and the snapshot is
    read by its query."""
    name = f"latin{os.getpid()}"
    pg_cluster.execute(
        f"CREATE DATABASE {name} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    )
    store = Store(pg_cluster.url(name))
    try:
        store.init()
        load_bytes(store, history_csv())
        with store.connect() as conn:
            assert not packed_snapshot.stale(conn)
            for table in (s.quarter_packs, s.definition_packs):
                assert not conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        assert store.upgrade() == []
        period = store.periods()[-1]
        got = store.indicator_snapshot(Filters(period=period))
        names = list(got.columns)
        assert packed_snapshot.snapshot(store, Filters(period=period), names, True) is None
        assert len(got) == INDICATORS
        expected = snapshot_order(store.read(store._snapshot_query(Filters(period=period))))
        pd.testing.assert_frame_equal(got, expected)
    finally:
        store.dispose()
        pg_cluster.drop_database(name)


def test_packed_snapshot_keeps_python_order_under_a_collation_that_sorts_otherwise(
    pg_cluster: Cluster,
) -> None:
    """Under an ICU English collation PostgreSQL sorts text ignoring case and accents first; the
    packed definitions are put in order bytewise, so the snapshot comes in the order Python sorts
    the references, as the query's frame sorted in the app does."""
    name = f"icu{os.getpid()}"
    pg_cluster.execute(
        f"CREATE DATABASE {name} LOCALE_PROVIDER icu ICU_LOCALE 'en-GB' LOCALE 'C.UTF-8' "
        "TEMPLATE template0"
    )
    store = Store(pg_cluster.url(name))
    try:
        store.init()
        load_bytes(store, odd_references_csv())
        refs = [str(r) for r in store.indicator_list()["ref"]]
        with store.connect() as conn:  # the server's own order is not Python's
            by_server = conn.execute(sa.select(s.indicators.c.ref).order_by(s.indicators.c.ref))
            assert list(by_server.scalars()) != sorted(refs)
        assert_snapshots_agree([store])
    finally:
        store.dispose()
        pg_cluster.drop_database(name)


def test_two_instances_upgrading_at_once_rewrite_stale_packs_one_after_the_other(
    history: Store, backend: str
) -> None:
    """Instances starting together after an older version's write each find the packs stale: the
    first rewrites them under the write lock, the second waits for it, finds them current and
    leaves them (rewriting them too, it failed on the first's rows)."""
    if backend == "duckdb":
        pytest.skip("one process opens a DuckDB file: nothing to upgrade at once")
    with history.begin() as conn:  # an older version's write: the version, not the packs
        conn.execute(sa.update(s.data_version).values(version=s.data_version.c.version + 1))
    other = Store(history.url)
    outcome: list[object] = []
    try:
        with history.begin() as first:
            assert "quarter_packs" in schema_upgrade.upgrade(first)
            waiting = threading.Thread(target=lambda: outcome.append(other.upgrade()))
            waiting.start()
            waiting.join(timeout=1.0)
            assert waiting.is_alive()  # waiting for the first's transaction
        waiting.join(timeout=30)
        assert outcome == [[]]  # nothing left to do, and no error
        with history.connect() as conn:
            assert not packed_snapshot.stale(conn)
        assert_snapshots_agree([history])
    finally:
        other.dispose()
