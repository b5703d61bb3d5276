"""Comparisons that compare like with like: cumulative and seasonal measures against the same quarter a
year earlier, changes in the unit's own terms, movers ranked against their tolerance.

The defect these protect against: "Biggest improvements" put council tax collected (cumulative from
April, 56% -> 84.1% from Q2 to Q3) on top as "+50%", beside business rates and the arts centre in
pantomime season.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from apptest_helpers import run_page, small_tables
from hypothesis import given
from hypothesis import strategies as st

from harrow_dash.ingest.problems import LoadRefused
from harrow_dash.outputs import views
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.movements import (
    Pattern,
    change_text,
    compare_with_year,
    movement,
    movement_frame,
    parse_pattern,
    pattern_of,
)
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store

Q3 = parse_period("Q3 2023-24")
RULES = RuleSettings()

# -- the rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("cumulative", Pattern.CUMULATIVE),
        ("Cumulative", Pattern.CUMULATIVE),
        ("year to date", Pattern.CUMULATIVE),
        ("seasonal", Pattern.SEASONAL),
        ("", Pattern.NEITHER),
        ("no", Pattern.NEITHER),
        ("neither", Pattern.NEITHER),
    ],
)
def test_cumulative_or_seasonal_is_read_in_its_usual_spellings(text: str, pattern: Pattern) -> None:
    assert parse_pattern(text) is pattern


def test_an_unknown_pattern_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="use cumulative, seasonal or leave it blank"):
        parse_pattern("monthly")


def test_only_cumulative_and_seasonal_measures_compare_with_a_year_earlier() -> None:
    assert Pattern.CUMULATIVE.compares_with_year and Pattern.SEASONAL.compares_with_year
    assert not Pattern.NEITHER.compares_with_year


SPELLINGS = st.sampled_from(
    ["cumulative", " Year To Date ", "c", "seasonal", "S", "neither", "", "monthly", "ytd"]
)


@given(st.lists(st.one_of(SPELLINGS, st.text(max_size=6), st.none(), st.floats(), st.integers())))
def test_a_column_of_patterns_compares_as_each_value_does(values: list[object]) -> None:
    # The column's reading (each spelling read once) is the value-by-value rule, in order.
    expected = [pattern_of(v).compares_with_year for v in values]
    assert compare_with_year(values).tolist() == expected


@pytest.mark.parametrize(
    ("now", "earlier", "unit", "text"),
    [
        (84.1, 56.0, "%", "+28.1 pp"),  # percentage points, not "+50%"
        (41.2, 44.9, "%", "\u22123.7 pp"),
        (236, 221, "seconds", "+15 seconds"),
        (41800, 28900, "count", "+12,900"),
        (4_100_000, 4_800_000, "\u00a3", "\u2212\u00a3700k"),
        (9.2, 9.2, "days", "no change"),
    ],
)
def test_a_change_is_given_in_the_units_own_terms(now, earlier, unit, text) -> None:
    assert change_text(now, earlier, unit) == text


def test_a_movement_is_measured_in_tolerances_of_the_target() -> None:
    # Target 90%, tolerance 5%: the Amber band is 4.5 points wide; 3 points better is 2/3 of it.
    assert movement(84.0, 81.0, "higher", 90.0, tolerance=0.05) == pytest.approx(3 / 4.5)
    # Lower is better: a fall is an improvement.
    assert movement(38, 47, "lower", 30.0, tolerance=0.1) == pytest.approx(9 / 3)
    # For a band, getting closer to the band is better; inside it there is no further gain.
    assert movement(96, 90, "band", 95.0, 98.0, 0.05) == pytest.approx(5 / (95 * 0.05))
    # No target: the earlier value stands in for it.
    assert movement(110, 100, "higher", None) == pytest.approx(10 / (100 * 0.05))


def test_a_large_relative_change_on_a_loose_target_ranks_below_a_small_one_on_a_tight_target() -> (
    None
):
    """Raw relative change would rank 10 -> 15 (+50%) first; against tolerance it is small."""
    loose = movement(15, 10, "higher", 100.0, tolerance=0.5)  # 5 of a 50-wide band
    tight = movement(91, 90, "higher", 95.0, tolerance=0.01)  # 1 of a 0.95-wide band
    assert tight > loose


# -- the sample, as the Overview shows it -----------------------------------------------------------


def test_cumulative_and_seasonal_measures_are_compared_with_a_year_earlier(
    sample_store: Store,
) -> None:
    ov = views.overview(sample_store, Filters(period=Q3), RULES)
    assert ov is not None
    movers = pd.concat([ov.improvements, ov.deteriorations]).set_index("ref")
    # Council tax collected (cumulative): 84.6% in Q3 2022-23, 84.1% now: a small deterioration,
    # not the "+50%" improvement on Q2's 56%.
    assert "PI-04" not in set(ov.improvements["ref"])
    assert movers.at["PI-04", "compared_with"] == "Q3 2022-23"
    assert movers.at["PI-04", "change_text"] == "\u22120.5 pp"
    # Arts centre attendances (seasonal): against Q3 2022-23, not against the quieter Q2.
    assert movers.at["PI-25", "compared_with"] == "Q3 2022-23"
    assert movers.at["PI-25", "previous_text"] == "36,900"
    # Everything else against last quarter.
    others = movers.drop(index=[r for r in ("PI-04", "PI-05", "PI-25") if r in movers.index])
    assert set(others["compared_with"]) == {"Q2 2023-24"}


def test_movers_are_ranked_by_change_relative_to_tolerance(sample_store: Store) -> None:
    ov = views.overview(sample_store, Filters(period=Q3), RULES)
    assert ov is not None
    inds = ov.indicators.set_index("ref")
    for frame, sign in ((ov.improvements, 1), (ov.deteriorations, -1)):
        scores = list(frame["change"])
        assert scores == sorted(scores, reverse=sign > 0)
        for r in frame.itertuples():
            i = inds.loc[r.ref]
            earlier = i["year_actual"] if r.compared_with == "Q3 2022-23" else i["prev_actual"]
            expected = movement(
                i["actual"], earlier, i["polarity"], i["target"], i["target_upper"], i["tolerance"]
            )
            assert r.change == pytest.approx(expected)
            assert sign * r.change > 0


def test_percentage_changes_are_in_percentage_points(sample_store: Store) -> None:
    ov = views.overview(sample_store, Filters(period=Q3), RULES)
    assert ov is not None
    movers = pd.concat([ov.improvements, ov.deteriorations])
    pct = movers[movers["actual_text"].str.endswith("%")]
    assert len(pct), "the sample's movers should include a percentage"
    assert all(t.endswith(" pp") for t in pct["change_text"])


# -- loading the column ---------------------------------------------------------------------------

HEADER = (
    "ref,name,priority,unit,polarity,cumulative_or_seasonal,period,actual,target\n"
    "X-01,Rent collected,A council that puts residents first,%,higher,cumulative,Q1 2023-24,24,25\n"
    "X-02,Library visits,A council that puts residents first,count,higher,seasonal,Q1 2023-24,900,1000\n"
    "X-03,Calls answered,A council that puts residents first,%,higher,,Q1 2023-24,90,95\n"
)


def test_the_importer_stores_whether_a_measure_is_cumulative_or_seasonal(
    store: Store, write_csv, load_files
) -> None:
    load_files(store, write_csv("ind.csv", HEADER))
    snap = views.indicators_at(store, Filters(period=parse_period("Q1 2023-24")), RULES)
    got = dict(zip(snap["ref"], snap["cumulative_or_seasonal"], strict=True))
    assert got["X-01"] == "cumulative"
    assert got["X-02"] == "seasonal"
    assert got["X-03"] is None or pd.isna(got["X-03"])


def test_a_wrong_cumulative_or_seasonal_value_names_its_row_and_column(
    store: Store, write_csv, load_files
) -> None:
    bad = HEADER.replace(",seasonal,", ",sometimes,")
    with pytest.raises(LoadRefused) as caught:
        load_files(store, write_csv("ind.csv", bad))
    text = " ".join(str(p) for p in caught.value.problems)
    assert "sometimes" in text and "cumulative, seasonal" in text
    assert "row 3" in text.lower() or "3" in text


# -- the Overview page -------------------------------------------------------------------------------


@pytest.fixture
def overview_env(sample_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Store:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("", encoding="utf-8")
    monkeypatch.setenv("HARROW_DASH_SECRETS", str(secrets))
    monkeypatch.setenv("HARROW_DASH_DATABASE_URL", sample_store.url)
    for name in (
        "HARROW_DASH_PUBLIC",
        "HARROW_DASH_SUPPRESSION",
        "HARROW_DASH_SUPPRESS_ZERO",
        "HARROW_DASH_EDITORS",
    ):
        monkeypatch.delenv(name, raising=False)
    return sample_store


def test_overview_movers_tables_say_what_they_compare_with(overview_env: Store) -> None:
    from apptest_helpers import clear_streamlit_caches

    clear_streamlit_caches()
    at = run_page("app.py", query={"quarter": Q3.label})
    assert not at.exception
    tables = small_tables(at)
    improvements = tables["Biggest improvements"]
    assert "Biggest deteriorations" in tables
    assert list(improvements.columns) == ["Indicator", "Compared with", "Then", "Now", "Change"]
    assert not improvements["Change"].str.contains("%").any()  # never a relative change
    assert "PI-04 Council tax collected in year (cumulative)" not in set(improvements["Indicator"])


def test_direction_of_travel_in_reports_compares_like_with_like(sample_store: Store) -> None:
    """The briefing's and slides' direction of travel: council tax collected is not "improving"
    because December follows September; it is compared with December a year earlier."""
    inds = views.indicators_at(sample_store, Filters(period=Q3), RULES).set_index("ref")
    assert inds.at["PI-04", "travel_prev_text"] == "\u25b2 improving"  # 56% -> 84.1%, cumulative
    assert inds.at["PI-04", "travel_text"] == "\u25bc worsening on a year earlier"  # 84.6% -> 84.1%
    assert (
        inds.at["PI-02", "travel_text"] == inds.at["PI-02", "travel_prev_text"] + " on last quarter"
    )


_NUM = st.one_of(st.none(), st.sampled_from([0.0, 1.0, 5.0, 90.0, 100.0]), st.floats(-1e4, 1e4))


@given(
    st.lists(
        st.tuples(
            _NUM,
            _NUM,
            st.sampled_from(["higher", "lower", "band"]),
            _NUM,
            _NUM,
            st.sampled_from([None, 0.0, 0.01, 0.05, 0.5]),
        ),  # fmt: skip
        min_size=1,
        max_size=30,
    )
)
def test_movement_frame_agrees_with_movement_for_one_value(rows: list[tuple]) -> None:
    """The whole-column ranking the Overview uses gives exactly the rule's movement."""
    frame = pd.DataFrame(rows, columns=["a", "e", "p", "t", "u", "tol"])
    for c in ("a", "e", "t", "u", "tol"):
        frame[c] = frame[c].astype(float)
    got = movement_frame(frame["a"], frame["e"], frame["p"], frame["t"], frame["u"], frame["tol"])
    for (a, e, p, t, u, tol), score in zip(rows, got, strict=True):
        want = movement(a, e, p, t, u, tol)
        assert (math.isnan(want) and math.isnan(score)) or score == pytest.approx(want, rel=1e-12)
