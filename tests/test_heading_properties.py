"""Property tests for period headings: every documented spelling, in any case and with stray spaces,
reads as the same period; near-misses are refused by name (never guessed, never silently ignored)."""

from __future__ import annotations

import calendar
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from harrow_dash.ingest.headings import (
    FinancialYear,
    Month,
    looks_like_period,
    period_heading,
    quarter_heading_error,
)
from harrow_dash.rules.periods import Period

QUARTER_SPELLINGS = [
    "Q{q} {y1}-{y2s}",
    "Q{q} {y1s}/{y2s}",
    "{y1}/{y2s} Q{q}",
    "Q{q} {y1}/{y2s}",
    "{y1}-{y2s} Q{q}",
    "Quarter {q} {y1}-{y2s}",
    "Qtr {q} {y1}/{y2s}",
    "Q{q} {y1}/{y2}",
    "Q{q} FY{y1}/{y2s}",
]
FIELD_SPELLINGS = [
    ("{p} Target", "target"),
    ("Target {p}", "target"),
    ("RAG {p}", "rag"),
    ("{p} RAG", "rag"),
    ("{p} Commentary", "commentary"),
    ("{p} (Comments)", "commentary"),
    ("{p} - Status", "rag"),
    ("{p} Actual", "actual"),
]
YEAR_TARGET_SPELLINGS = [
    "Target {y1}/{y2s}",
    "{y1}/{y2s} Target",
    "Target {y1s}/{y2s}",
    "Annual target {y1}-{y2s}",
    "Target ({y1}/{y2s})",
    "Annual Target {y1}/{y2}",
]
MONTH_SPELLINGS = ["{mon}-{yy}", "{mon} {yyyy}", "{month} {yyyy}", "{mon}-{yyyy}", "{sept} {yyyy}"]

# Two-digit years are read as this century (23/24 is 2023-24), so draw years from 2000.
periods = st.builds(Period, st.integers(2000, 2090), st.integers(1, 4))
months = st.builds(Month, st.integers(1995, 2090), st.integers(1, 12))


def _years(fy: int) -> dict[str, str]:
    return {
        "y1": str(fy),
        "y2": str(fy + 1),
        "y1s": f"{fy % 100:02d}",
        "y2s": f"{(fy + 1) % 100:02d}",
    }


@st.composite
def messy(draw: st.DrawFn, text: str) -> str:
    """``text`` in any mix of case, with stray spaces around it and between its words."""
    chars = [c.upper() if draw(st.booleans()) else c.lower() for c in text]
    out = "".join(chars)
    words = out.split(" ")
    gaps = [" " * draw(st.integers(1, 3)) for _ in words[1:]]
    joined = words[0] + "".join(g + w for g, w in zip(gaps, words[1:], strict=True))
    return " " * draw(st.integers(0, 2)) + joined + " " * draw(st.integers(0, 2))


@given(data=st.data(), period=periods, template=st.sampled_from(QUARTER_SPELLINGS))
def test_every_quarter_spelling_reads_as_the_same_quarter(data, period, template):
    written = data.draw(messy(template.format(q=period.quarter, **_years(period.fy_start))))
    assert period_heading(written) == (period, "actual")


@given(
    data=st.data(),
    period=periods,
    template=st.sampled_from(QUARTER_SPELLINGS),
    field=st.sampled_from(FIELD_SPELLINGS),
)
def test_field_words_around_a_quarter(data, period, template, field):
    p = template.format(q=period.quarter, **_years(period.fy_start))
    written = data.draw(messy(field[0].format(p=p)))
    assert period_heading(written) == (period, field[1])


@given(data=st.data(), fy=st.integers(2000, 2090), template=st.sampled_from(YEAR_TARGET_SPELLINGS))
def test_every_year_target_spelling_reads_as_that_years_target(data, fy, template):
    written = data.draw(messy(template.format(**_years(fy))))
    assert period_heading(written) == (FinancialYear(fy), "target")


@given(data=st.data(), month=months, template=st.sampled_from(MONTH_SPELLINGS))
def test_every_month_spelling_reads_as_that_month(data, month, template):
    day = dt.date(month.year, month.month, 1)
    names = {
        "mon": day.strftime("%b"),
        "month": day.strftime("%B"),
        "sept": "Sept" if month.month == 9 else day.strftime("%b"),
        "yy": f"{month.year % 100:02d}",
        "yyyy": str(month.year),
    }
    written = data.draw(messy(template.format(**names)))
    # A two-digit year is in this century.
    year = 2000 + month.year % 100 if "{yy}" in template else month.year
    assert period_heading(written) == (Month(year, month.month), "actual")


@given(
    month=months,
    style=st.sampled_from(["{d:02d}/{m:02d}/{y}", "{y}-{m:02d}-{d:02d}", "{d} {B} {y}"]),
)
def test_a_month_end_date_reads_as_its_month(month, style):
    last = calendar.monthrange(month.year, month.month)[1]
    text = style.format(
        d=last, m=month.month, y=month.year, B=dt.date(month.year, month.month, 1).strftime("%B")
    )
    assert period_heading(text) == (month, "actual")


def _refused(text: str) -> bool:
    return period_heading(text) is None and quarter_heading_error(text) is not None


@given(data=st.data(), fy=st.integers(1995, 2090), q=st.integers(5, 9))
def test_a_quarter_beyond_four_is_refused(data, fy, q):
    assert _refused(data.draw(messy(f"Q{q} {fy}-{(fy + 1) % 100:02d}")))


@given(data=st.data(), fy=st.integers(1995, 2090), gap=st.integers(2, 9), q=st.integers(1, 4))
def test_years_that_do_not_follow_each_other_are_refused(data, fy, gap, q):
    assert _refused(data.draw(messy(f"Q{q} {fy}/{(fy + gap) % 100:02d}")))


@given(data=st.data(), year=st.integers(1995, 2090), q=st.integers(1, 4))
def test_a_calendar_year_quarter_is_refused(data, year, q):
    assert _refused(data.draw(messy(f"Q{q} {year}")))


@given(data=st.data(), fy=st.integers(1995, 2090))
def test_a_year_alone_is_not_a_quarter_of_actuals(data, fy):
    for written in (f"{fy}/{(fy + 1) % 100:02d}", f"Actual {fy}-{(fy + 1) % 100:02d}"):
        assert _refused(data.draw(messy(written)))


@given(month=months, day=st.integers(1, 27))
def test_a_date_that_is_not_a_month_end_is_refused(month, day):
    assert _refused(f"{day:02d}/{month.month:02d}/{month.year}")


@given(
    data=st.data(),
    word=st.sampled_from(["Quarter Two", "Q3 FY", "Qtr three 2023", "H1 2023-24", "Sept", "Q2"]),
)
def test_near_misses_are_refused_not_ignored(data, word):
    written = data.draw(messy(word))
    assert looks_like_period(written)
    assert _refused(written)


@given(
    data=st.data(),
    heading=st.sampled_from(["Commentary", "Lead officer", "Notes", "Mayor's pledge", "Source"]),
)
def test_headings_that_are_clearly_not_periods_may_be_ignored(data, heading):
    written = data.draw(messy(heading))
    assert period_heading(written) is None and quarter_heading_error(written) is None
