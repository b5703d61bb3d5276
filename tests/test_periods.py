"""Financial-year quarters: every accepted spelling, clear refusals, labels, dates and arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harrow_dash.rules.periods import (
    Period,
    PeriodError,
    looks_like_period,
    parse_period,
    period_range,
)

Q3_2023 = Period(2023, 3)


@pytest.mark.parametrize(
    "text",
    [
        "Q3 2023-24",
        "Q3 23/24",
        "2023/24 Q3",
        "Q3 2023/24",
        "2023-24 Q3",
        "Quarter 3 2023-24",
        "q3 2023-24",
        "Q3 2023-2024",
        "Qtr 3 2023/2024",
        "Q3 23-24",
        "Q3 FY2023-24",
        "  Q3   2023-24  ",
        "\ufeffQ3 2023-24",
        "Q3 2023\u201324",  # en dash, as Word writes it
    ],
)
def test_accepted_spellings_all_mean_q3_2023_24(text):
    assert parse_period(text) == Q3_2023


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Q1 2021-22", Period(2021, 1)),
        ("Q4 2023-24", Period(2023, 4)),
        ("Q4 23/24", Period(2023, 4)),
        ("2024/25 Q1", Period(2024, 1)),
    ],
)
def test_other_quarters(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2023", "write it like 'Q3 2023-24'"),
        ("2023-24", "names a financial year but not a quarter"),
        ("2023/24", "names a financial year but not a quarter"),
        ("Q3 2023", "ambiguous"),
        ("2023 Q3", "ambiguous"),
        ("Q5 2023-24", "there is no quarter 5"),
        ("Q0 2023-24", "there is no quarter 0"),
        ("Q3 2023-25", "two consecutive years"),
        ("Q3 2023/22", "two consecutive years"),
        ("", "blank"),
        ("   ", "blank"),
        ("next quarter", "is not a quarter"),
    ],
)
def test_refusals_say_why(text, reason):
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    assert reason in str(info.value)


def test_non_consecutive_year_without_quarter_is_refused():
    with pytest.raises(PeriodError):
        parse_period("2023-25")


def test_calendar_quarter_message_explains_the_financial_year():
    with pytest.raises(PeriodError, match=r"Q3 is October to December"):
        parse_period("Q3 2023")


def test_looks_like_period():
    assert looks_like_period("Q3 23/24")
    assert not looks_like_period("Q3 2023")
    assert not looks_like_period("Target")


def test_period_instances_pass_through():
    assert parse_period(Q3_2023) is Q3_2023


def test_invalid_period_objects_are_refused():
    with pytest.raises(PeriodError):
        Period(2023, 5)
    with pytest.raises(PeriodError):
        Period(1850, 1)


def test_labels_and_key():
    assert Q3_2023.label == "Q3 2023-24"
    assert str(Q3_2023) == "Q3 2023-24"
    assert Q3_2023.long_label == "Quarter 3 2023-24"
    assert Q3_2023.fy_label == "2023-24"
    assert Period(1999, 1).fy_label == "1999-00"
    assert Q3_2023.key == 20233
    assert Period.from_key(20233) == Q3_2023
    assert Period.from_key(Q3_2023.key) == Q3_2023


@pytest.mark.parametrize(
    ("period", "start", "end", "as_at"),
    [
        (Period(2023, 1), dt.date(2023, 4, 1), dt.date(2023, 6, 30), "as at 30 June 2023"),
        (Period(2023, 2), dt.date(2023, 7, 1), dt.date(2023, 9, 30), "as at 30 September 2023"),
        (Period(2023, 3), dt.date(2023, 10, 1), dt.date(2023, 12, 31), "as at 31 December 2023"),
        (Period(2023, 4), dt.date(2024, 1, 1), dt.date(2024, 3, 31), "as at 31 March 2024"),
    ],
)
def test_dates(period, start, end, as_at):
    assert period.start_date == start
    assert period.end_date == end
    assert period.as_at == as_at


def test_previous_and_year_earlier():
    assert Q3_2023.previous() == Period(2023, 2)
    assert Period(2023, 1).previous() == Period(2022, 4)
    assert Q3_2023.year_earlier() == Period(2022, 3)
    assert Period(2023, 4).shift(1) == Period(2024, 1)


def test_period_range_in_order():
    quarters = period_range(Period(2021, 1), Period(2023, 4))
    assert len(quarters) == 12
    assert quarters[0].label == "Q1 2021-22"
    assert quarters[-1].label == "Q4 2023-24"
    assert quarters == sorted(quarters)
    assert period_range(Period(2023, 2), Period(2023, 1)) == []


def test_containing():
    assert Period.containing(dt.date(2023, 12, 31)) == Q3_2023
    assert Period.containing(dt.date(2024, 3, 31)) == Period(2023, 4)
    assert Period.containing(dt.date(2024, 4, 1)) == Period(2024, 1)


# -- properties -------------------------------------------------------------------------------------

periods = st.builds(Period, st.integers(2001, 2089), st.integers(1, 4))


@given(periods, st.integers(-40, 40))
def test_shift_there_and_back(p, n):
    assert p.shift(n).shift(-n) == p


@given(periods)
def test_label_round_trip(p):
    assert parse_period(p.label) == p
    assert parse_period(p.long_label) == p
    assert Period.from_key(p.key) == p


@given(periods)
def test_short_spellings_round_trip(p):
    yy = f"{p.fy_start % 100:02d}/{(p.fy_start + 1) % 100:02d}"
    assert parse_period(f"Q{p.quarter} {p.fy_start}/{(p.fy_start + 1) % 100:02d}") == p
    assert parse_period(f"{p.fy_label} Q{p.quarter}") == p
    if p.fy_start <= 2098:  # two-digit years are read as 20xx
        assert parse_period(f"Q{p.quarter} {yy}") == p


@given(periods, periods)
def test_ordering_matches_keys(a, b):
    assert (a < b) == (a.key < b.key)
    assert (a == b) == (a.key == b.key)


@given(periods, st.integers(1, 8))
def test_shift_forward_is_later(p, n):
    assert p.shift(n) > p
    assert len(period_range(p, p.shift(n))) == n + 1


@given(st.dates(dt.date(1995, 4, 1), dt.date(2090, 3, 31)))
def test_containing_contains_the_date(day):
    p = Period.containing(day)
    assert p.start_date <= day <= p.end_date
