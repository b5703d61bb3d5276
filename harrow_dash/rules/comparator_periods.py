"""Periods as comparator data is published: the one place that reads, labels and orders them.

The council's own figures are financial-year quarters (:mod:`harrow_dash.rules.periods`). Other areas'
figures come as their publishers write them: a quarter (``2023/24 Q3``), a financial year
(``2010/11``, ``2023-24``), a calendar year (``2022``), an academic year (``2022/23`` for schools
data), a month (``April 2021``), a run of months (``Apr 2021 - Jun 2021``), a calendar quarter
(``Q3 2023``, ``2023 Q3``: July to September 2023) or several years pooled (``2020 - 22``).

Rules:
* A period is never guessed. ``2022`` is the calendar year 2022, labelled ``2022``. ``2022/23`` is
  the financial year 2022-23 unless the measure is declared to count academic years (``year type``
  column, e.g. DfE's ``time_identifier``; remembered per measure), when it is the academic year
  September 2022 to August 2023.
* A period that covers exactly one financial-year quarter *is* that quarter, however it is written
  (``Apr 2021 - Jun 2021``, ``Q2 2021`` in calendar quarters): it is stored and labelled as
  ``Q1 2021-22``, so it lines up with the council's own figures. Likewise April to March is the
  financial year and January to December the calendar year.
* Every period is stored as an integer key. Financial-year quarters keep the keys the council's
  figures use (``20233`` = Q3 2023-24) and a whole financial year is ``fy_start * 10`` (``20230``);
  every other period is ``kind * 10**8 + first_month * 10**4 + last_month``, months counted from
  January 1900, so the key fits a 32-bit column and says exactly which months it covers.
* A comparison at a quarter uses the latest period that had ended by the end of that quarter
  (:func:`ended_by`, :func:`latest_ended`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from harrow_dash.rules.periods import MONTH_NAMES, Period, PeriodError, parse_period

# Kinds of period other than financial years and their quarters.
CALENDAR = 1  # one or more whole calendar years
ACADEMIC = 2  # one or more academic years, September to August
MONTHS = 3  # a month or a run of months that is none of the above
FINANCIAL_YEARS = 4  # several financial years pooled (one financial year has its own key)
_KIND_BASE = 10**8
_MONTH_BASE = 10**4

YEAR_TYPES = {
    "financial": "financial year",
    "academic": "academic year",
    "calendar": "calendar year",
}
# How publishers say which kind of year a period is (DfE's time_identifier and plain words).
_YEAR_TYPE_WORDS = {
    "financial year": "financial",
    "financial": "financial",
    "fy": "financial",
    "fiscal year": "financial",
    "tax year": "financial",
    "academic year": "academic",
    "academic": "academic",
    "school year": "academic",
    "ay": "academic",
    "calendar year": "calendar",
    "calendar": "calendar",
    "cy": "calendar",
    "year": "calendar",
}


class ComparatorPeriodError(ValueError):
    """A published period that cannot be read, with a plain-English reason."""


def year_type(text: str) -> str | None:
    """``financial``, ``academic`` or ``calendar`` for the words a publisher uses; None for blank.
    Raises :class:`ComparatorPeriodError` for words that name none of them."""
    norm = re.sub(r"\s+", " ", text.strip().lower())
    if not norm:
        return None
    if norm in _YEAR_TYPE_WORDS:
        return _YEAR_TYPE_WORDS[norm]
    for words, kind in _YEAR_TYPE_WORDS.items():
        if len(words) > 3 and norm.startswith(words):  # "Academic year Q1", "Financial year Q3"
            return kind
    raise ComparatorPeriodError(
        f"'{text.strip()}' is not a kind of year; write 'financial year', 'academic year' or "
        "'calendar year'."
    )


def _month_index(year: int, month: int) -> int:
    return (year - 1900) * 12 + month - 1


def _month_of(index: int) -> tuple[int, int]:
    return 1900 + index // 12, index % 12 + 1


@dataclass(frozen=True)
class Span:
    """The months a period covers, first and last inclusive, and how it is labelled."""

    kind: int
    first: int  # month index (months since January 1900)
    last: int

    @property
    def key(self) -> int:
        return self.kind * _KIND_BASE + self.first * _MONTH_BASE + self.last


def _span_key(first: int, last: int, kind_if_not_aligned: int = MONTHS) -> int:
    """The key of the months ``first`` to ``last``: a financial-year quarter or year has its own key;
    whole calendar years are CALENDAR; anything else is ``kind_if_not_aligned``."""
    (y1, m1), m2 = _month_of(first), _month_of(last)[1]
    length = last - first + 1
    if length == 3 and m1 in (4, 7, 10, 1):
        return Period.containing(dt.date(y1, m1, 1)).key
    if length == 12 and m1 == 4:
        return y1 * 10
    if m1 == 1 and m2 == 12:
        return Span(CALENDAR, first, last).key
    return Span(kind_if_not_aligned, first, last).key


def calendar_years(first_year: int, last_year: int) -> int:
    return Span(CALENDAR, _month_index(first_year, 1), _month_index(last_year, 12)).key


def academic_years(first_year: int, last_year: int) -> int:
    """The academic years starting in September ``first_year`` to the one starting in
    ``last_year``."""
    return Span(ACADEMIC, _month_index(first_year, 9), _month_index(last_year + 1, 8)).key


def financial_years(first_year: int, last_year: int) -> int:
    if first_year == last_year:
        return first_year * 10
    return Span(FINANCIAL_YEARS, _month_index(first_year, 4), _month_index(last_year + 1, 3)).key


def months(first: tuple[int, int], last: tuple[int, int]) -> int:
    return _span_key(_month_index(*first), _month_index(*last))


def is_quarter(key: int) -> bool:
    """A financial-year quarter (the periods a quarterly trend chart can show)."""
    return key < _KIND_BASE and key % 10 != 0


def first_and_last_month(key: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """(year, month) of the first and last month the period covers."""
    key = int(key)
    if key < _KIND_BASE:
        if key % 10 == 0:
            fy = key // 10
            return (fy, 4), (fy + 1, 3)
        p = Period.from_key(key)
        return (p.start_date.year, p.start_date.month), (p.end_date.year, p.end_date.month)
    rest = key % _KIND_BASE
    return _month_of(rest // _MONTH_BASE), _month_of(rest % _MONTH_BASE)


def end_index(key: int) -> int:
    """The month index of the period's last month."""
    return _month_index(*first_and_last_month(key)[1])


def length_in_months(key: int) -> int:
    first, last = first_and_last_month(key)
    return _month_index(*last) - _month_index(*first) + 1


def ended_by(key: int, at: Period) -> bool:
    """Whether the period had ended by the end of quarter ``at``."""
    return end_index(key) <= _month_index(at.end_date.year, at.end_date.month)


def latest_ended(keys: list[int], at: Period) -> int | None:
    """The latest period that had ended by the end of quarter ``at``: the one ending last, and of
    those the shortest (the most recent figure)."""
    ended = [int(k) for k in keys if ended_by(int(k), at)]
    if not ended:
        return None
    return max(ended, key=lambda k: (end_index(k), -length_in_months(k)))


def end_quarter(key: int) -> int:
    """The key of the financial-year quarter in which the period ends (to compare with published
    quarters)."""
    year, month = first_and_last_month(key)[1]
    return Period.containing(dt.date(year, month, 1)).key


def label(key: int) -> str:
    """How a period is written on pages and in files: ``Q3 2023-24``, ``2023-24``, ``2022``,
    ``2022/23 academic year``, ``Apr 2021``, ``Apr 2021 to Sep 2021``, ``2020 to 2022``."""
    key = int(key)
    if key < _KIND_BASE:
        if key % 10 == 0:
            start = key // 10
            return f"{start}-{(start + 1) % 100:02d}"
        return Period.from_key(key).label
    kind = key // _KIND_BASE
    (y1, m1), (y2, m2) = first_and_last_month(key)
    if kind == CALENDAR:
        return str(y1) if y1 == y2 else f"{y1} to {y2}"
    if kind == ACADEMIC:
        first = f"{y1}/{(y1 + 1) % 100:02d}"
        if y2 == y1 + 1:
            return f"{first} academic year"
        return f"{first} to {y2 - 1}/{y2 % 100:02d} academic years"
    if kind == FINANCIAL_YEARS:
        return f"{y1}-{(y1 + 1) % 100:02d} to {y2 - 1}-{y2 % 100:02d}"
    first_month = dt.date(y1, m1, 1).strftime("%b %Y")
    if (y1, m1) == (y2, m2):
        return first_month
    return f"{first_month} to {dt.date(y2, m2, 1).strftime('%b %Y')}"


def label_with_kind(key: int) -> str:
    """The label, with the kind of year said where the label alone leaves it open: ``year 2023-24``
    (a financial year), ``calendar year 2022``."""
    key = int(key)
    if key < _KIND_BASE and key % 10 == 0:
        return f"year {label(key)}"
    if key >= _KIND_BASE and key // _KIND_BASE == CALENDAR:
        (y1, _), (y2, _) = first_and_last_month(key)
        return f"calendar year {y1}" if y1 == y2 else f"calendar years {y1} to {y2}"
    return label(key)


# -- reading ------------------------------------------------------------------------------------------

_MON = "|".join(sorted(MONTH_NAMES, key=len, reverse=True))
_Y = r"(?:19|20)\d{2}"
_SEP = r"\s*(?:-|\u2013|\u2014|to)\s*"
_MONTH_YEAR = re.compile(rf"(?P<mon>{_MON})\.?[\s\-/']*(?P<y>{_Y}|\d{{2}})")
_YEAR_MONTH = re.compile(rf"(?P<y>{_Y})[-/](?P<m>\d{{1,2}})")
_MONTH_RANGE_SAME_YEAR = re.compile(
    rf"(?P<m1>{_MON})\.?{_SEP}(?P<m2>{_MON})\.?[\s\-/']*(?P<y>{_Y}|\d{{2}})"
)
_CALENDAR_QUARTER = re.compile(rf"(?:q(?P<q1>[1-4])\s*(?P<y1>{_Y})|(?P<y2>{_Y})\s*q(?P<q2>[1-4]))")
_YEAR_PAIR = re.compile(rf"(?:fy\s*)?(?P<a>{_Y})\s*[-/\u2013]\s*(?P<b>{_Y}|\d{{2}})")
_YEAR_PAIR_SPAN = re.compile(
    rf"(?P<a>{_Y})\s*[-/]\s*(?P<b>\d{{2}}|{_Y}){_SEP}(?P<c>{_Y}|\d{{2}})\s*[-/]\s*(?P<d>\d{{2}}|{_Y})"
)
_EES_YEAR_PAIR = re.compile(rf"(?P<a>{_Y})(?P<b>\d{{2}})")


def _full_year(text: str, near: int | None = None) -> int:
    if len(text) == 4:
        return int(text)
    year = 2000 + int(text)
    if near is not None:
        year = (near // 100) * 100 + int(text)
        if year < near:
            year += 100
    return year


def _month_pair(text: str) -> tuple[int, int] | None:
    m = _MONTH_YEAR.fullmatch(text)
    if m:
        return _full_year(m.group("y")), MONTH_NAMES[m.group("mon")]
    m = _YEAR_MONTH.fullmatch(text)
    if m and 1 <= int(m.group("m")) <= 12:
        return int(m.group("y")), int(m.group("m"))
    return None


def _year_pair(a: str, b: str) -> tuple[int, int] | None:
    """The two years of ``2022/23``, ``2022-2023``; None unless the second follows the first."""
    y1 = int(a)
    y2 = _full_year(b, near=y1)
    return (y1, y2) if y2 == y1 + 1 else None


def parse(text: str, year_kind: str | None = None) -> int:
    """A published period as a key, or :class:`ComparatorPeriodError` saying why it cannot be read.

    ``year_kind`` (``financial``, ``academic``, ``calendar`` or None) says how a year pair such as
    ``2022/23`` is read: financial unless the measure counts academic years."""
    raw = str(text).strip()
    norm = re.sub(r"\s+", " ", raw.lower()).strip()
    if not norm:
        raise ComparatorPeriodError("the period is blank.")
    if year_kind == "academic":
        key = _academic(norm)
        if key is not None:
            return key
    try:
        return parse_period(raw).key
    except PeriodError as exc:
        quarter_error = str(exc)
    if m := _CALENDAR_QUARTER.fullmatch(norm):
        q = int(m.group("q1") or m.group("q2"))
        year = int(m.group("y1") or m.group("y2"))
        return Period.containing(dt.date(year, q * 3 - 2, 1)).key
    if re.fullmatch(_Y, norm):
        if year_kind in (None, "calendar"):
            return calendar_years(int(norm), int(norm))
        raise ComparatorPeriodError(
            f"'{raw}' is a single year, but the measure counts {YEAR_TYPES[year_kind]}s; write "
            f"it like {norm}/{(int(norm) + 1) % 100:02d}."
        )
    if m := re.fullmatch(rf"(?P<a>{_Y}){_SEP}(?P<b>{_Y}|\d{{2}})", norm):
        y1, y2 = int(m.group("a")), _full_year(m.group("b"), near=int(m.group("a")))
        if y2 == y1 + 1 and "to" not in norm:
            return _year_of_kind(y1, year_kind)
        if y1 < y2 <= y1 + 10 and (year_kind in (None, "calendar") or y2 != y1 + 1):
            # "2020 - 22": three calendar years pooled, as Fingertips writes them.
            return calendar_years(y1, y2)
    if m := _YEAR_PAIR.fullmatch(norm):
        pair = _year_pair(m.group("a"), m.group("b"))
        if pair is None and (month := _month_pair(norm)):
            return months(month, month)  # 2023-06: June 2023
        if pair is None:
            raise ComparatorPeriodError(
                f"'{raw}' is not a financial or academic year: the second year must follow the "
                "first (2022/23)."
            )
        return _year_of_kind(pair[0], year_kind)
    if m := _YEAR_PAIR_SPAN.fullmatch(norm):
        first = _year_pair(m.group("a"), m.group("b"))
        last = _year_pair(
            m.group("c")
            if len(m.group("c")) == 4
            else str(_full_year(m.group("c"), near=int(m.group("a")))),
            m.group("d"),
        )
        if first and last and last[0] > first[0]:
            if year_kind == "academic":
                return academic_years(first[0], last[0])
            return financial_years(first[0], last[0])
    if (m := _EES_YEAR_PAIR.fullmatch(norm)) and _year_pair(m.group("a"), m.group("b")):
        return _year_of_kind(int(m.group("a")), year_kind)
    if month := _month_pair(norm):
        return months(month, month)
    if m := _MONTH_RANGE_SAME_YEAR.fullmatch(norm):
        year = _full_year(m.group("y"))
        m1, m2 = MONTH_NAMES[m.group("m1")], MONTH_NAMES[m.group("m2")]
        first = (year - 1 if m1 > m2 else year, m1)
        return _checked_months(raw, first, (year, m2))
    parts = re.split(_SEP, norm)
    if len(parts) == 2:
        first_m, last_m = _month_pair(parts[0]), _month_pair(parts[1])
        if first_m and last_m:
            return _checked_months(raw, first_m, last_m)
    if re.search(r"\bq\d\b|quarter", norm):
        raise ComparatorPeriodError(quarter_error.replace("The quarter", "The period"))
    raise ComparatorPeriodError(
        f"'{raw}' is not a period the importer reads; write a quarter (Q3 2023-24), a financial "
        "year (2023/24), a calendar year (2023), a month (Apr 2023) or months (Apr 2023 - Jun 2023)."
    )


def _checked_months(raw: str, first: tuple[int, int], last: tuple[int, int]) -> int:
    if _month_index(*last) < _month_index(*first):
        raise ComparatorPeriodError(f"'{raw}': the period ends before it starts.")
    return months(first, last)


def _academic(norm: str) -> int | None:
    m = _YEAR_PAIR.fullmatch(norm) or _EES_YEAR_PAIR.fullmatch(norm)
    if m:
        pair = _year_pair(m.group("a"), m.group("b"))
        if pair:
            return academic_years(pair[0], pair[0])
    return None


def _year_of_kind(first_year: int, year_kind: str | None) -> int:
    if year_kind == "academic":
        return academic_years(first_year, first_year)
    if year_kind == "calendar":
        raise ComparatorPeriodError(
            f"'{first_year}/{(first_year + 1) % 100:02d}' spans two years, but the measure counts "
            f"calendar years; write the year ({first_year + 1}) or declare the kind of year."
        )
    return first_year * 10
