"""Periods as comparator data is published (harrow_dash.rules.comparator_periods): read exactly, never
guessed, labelled as the pages show them, and compared by the months they cover."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harrow_dash.rules import comparator_periods as cp
from harrow_dash.rules.periods import Period


@pytest.mark.parametrize(
    ("text", "year_kind", "label"),
    [
        ("Q3 2023-24", None, "Q3 2023-24"),
        ("2023/24 Q3", None, "Q3 2023-24"),
        ("2010/11", None, "2010-11"),
        ("2023-24", None, "2023-24"),
        ("FY 2023/24", None, "2023-24"),
        ("202223", None, "2022-23"),
        ("2022", None, "2022"),
        ("2022", "calendar", "2022"),
        ("2022/23", "academic", "2022/23 academic year"),
        ("202223", "academic", "2022/23 academic year"),
        ("2020 - 22", None, "2020 to 2022"),
        ("2019/20 - 21/22", None, "2019-20 to 2021-22"),
        ("2019/20 - 21/22", "academic", "2019/20 to 2021/22 academic years"),
        ("April 2021", None, "Apr 2021"),
        ("Apr-21", None, "Apr 2021"),
        ("2021-04", None, "Apr 2021"),
        ("Apr 2021 - Jun 2021", None, "Q1 2021-22"),
        ("Apr - Jun 2021", None, "Q1 2021-22"),
        ("Oct to Dec 2023", None, "Q3 2023-24"),
        ("Jan-Mar 2024", None, "Q4 2023-24"),
        ("Nov-Jan 2024", None, "Nov 2023 to Jan 2024"),
        ("Apr 2021 - Mar 2022", None, "2021-22"),
        ("Jan 2021 - Dec 2021", None, "2021"),
        ("Oct 2022 to Sep 2023", None, "Oct 2022 to Sep 2023"),
        ("2023 Q3", None, "Q2 2023-24"),  # calendar quarters: July to September
        ("Q1 2024", None, "Q4 2023-24"),
    ],
)
def test_published_periods_are_read_exactly(text: str, year_kind: str | None, label: str) -> None:
    assert cp.label(cp.parse(text, year_kind)) == label


@pytest.mark.parametrize(
    ("text", "year_kind", "message"),
    [
        ("", None, "the period is blank."),
        ("2023/25", None, "'2023/25' is not a financial or academic year"),
        ("2022", "academic", "'2022' is a single year, but the measure counts academic years"),
        ("2022/23", "calendar", "'2022/23' spans two years, but the measure counts calendar years"),
        ("Jun 2023 - Apr 2023", None, "'Jun 2023 - Apr 2023': the period ends before it starts."),
        ("Summer 2023", None, "'Summer 2023' is not a period the importer reads"),
        ("Q5 2023-24", None, "there is no quarter 5"),
    ],
)
def test_periods_that_cannot_be_read_say_why(
    text: str, year_kind: str | None, message: str
) -> None:
    with pytest.raises(cp.ComparatorPeriodError) as err:
        cp.parse(text, year_kind)
    assert message in str(err.value)


def test_a_period_of_the_councils_own_keeps_its_key() -> None:
    """Quarters and financial years keep the keys the council's figures use, so old data reads
    as before."""
    assert cp.parse("Q3 2023-24") == Period(2023, 3).key == 20233
    assert cp.parse("2023-24") == 20230
    assert cp.is_quarter(20233) and not cp.is_quarter(20230)
    assert not cp.is_quarter(cp.parse("2022"))


@pytest.mark.parametrize(
    ("text", "at", "ended"),
    [
        ("2022", Period(2022, 3), True),  # calendar 2022 ends 31 December 2022
        ("2022", Period(2022, 2), False),
        ("2022/23", Period(2022, 4), True),
        ("2022/23", Period(2022, 3), False),
        ("May 2023", Period(2023, 1), True),
        ("Jul 2023", Period(2023, 1), False),
    ],
)
def test_a_period_has_ended_by_a_quarter_when_its_last_month_has(
    text: str, at: Period, ended: bool
) -> None:
    assert cp.ended_by(cp.parse(text), at) is ended


def test_the_latest_ended_period_is_the_one_ending_last_and_then_the_shortest() -> None:
    keys = [cp.parse(t) for t in ("2022/23", "Q4 2022-23", "2022", "Mar 2023", "2023/24")]
    assert cp.label(cp.latest_ended(keys, Period(2022, 4)) or 0) == "Mar 2023"
    assert cp.latest_ended(keys, Period(2021, 4)) is None


def test_year_types_as_publishers_write_them() -> None:
    assert cp.year_type("Academic year") == "academic"
    assert cp.year_type("Financial year Q3") == "financial"
    assert cp.year_type("Calendar year") == "calendar"
    assert cp.year_type("") is None
    with pytest.raises(cp.ComparatorPeriodError):
        cp.year_type("Leap year")


@given(
    st.sampled_from([cp.CALENDAR, cp.ACADEMIC, cp.MONTHS, cp.FINANCIAL_YEARS]),
    st.integers(1995, 2090),
    st.integers(0, 11),
    st.integers(1, 48),
)
def test_every_key_fits_a_32_bit_column_and_says_its_months(
    kind: int, year: int, month0: int, length: int
) -> None:
    first = (year - 1900) * 12 + month0
    key = cp.Span(kind, first, first + length - 1).key
    assert 0 < key < 2**31
    (y1, m1), _ = cp.first_and_last_month(key)
    assert (y1, m1) == (year, month0 + 1)
    assert cp.length_in_months(key) == length
    # Its label reads back as the same months, whatever its kind.
    assert cp.end_quarter(key) >= Period(year, 1).key - 10
