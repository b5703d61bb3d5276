"""UK financial-year quarters: parsing, labels, arithmetic and as-at dates.

The financial year runs April to March and is written ``2023-24``. Q1 is April-June, Q2 July-September,
Q3 October-December and Q4 January-March. The canonical label is ``Q3 2023-24``. A period is stored in
the database as an integer key ``fy_start * 10 + quarter`` (Q3 2023-24 -> 20233), which sorts in time
order. This module is the only place these rules live.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import total_ordering

__all__ = ["Period", "PeriodError", "parse_period", "period_range", "looks_like_period"]


class PeriodError(ValueError):
    """A text that cannot be read as one financial-year quarter, with a plain-English reason."""


_QUARTER_MONTHS = {1: (4, 6), 2: (7, 9), 3: (10, 12), 4: (1, 3)}


@total_ordering
@dataclass(frozen=True, slots=True)
class Period:
    """One quarter of a UK financial year; ``fy_start`` is the calendar year the year starts in."""

    fy_start: int
    quarter: int

    def __post_init__(self) -> None:
        if self.quarter not in (1, 2, 3, 4):
            raise PeriodError(f"Quarter must be 1 to 4, not {self.quarter}.")
        if not 1990 <= self.fy_start <= 2100:
            raise PeriodError(f"Financial year {self.fy_start} is outside 1990-2100.")

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self.key < other.key

    @property
    def key(self) -> int:
        """Integer key used in the database, e.g. 20233 for Q3 2023-24."""
        return self.fy_start * 10 + self.quarter

    @classmethod
    def from_key(cls, key: int) -> Period:
        return cls(int(key) // 10, int(key) % 10)

    @property
    def fy_label(self) -> str:
        """The financial year, e.g. ``2023-24``."""
        return f"{self.fy_start}-{(self.fy_start + 1) % 100:02d}"

    @property
    def label(self) -> str:
        """Canonical label, e.g. ``Q3 2023-24``."""
        return f"Q{self.quarter} {self.fy_label}"

    @property
    def long_label(self) -> str:
        """Words for headings, e.g. ``Quarter 3 2023-24``."""
        return f"Quarter {self.quarter} {self.fy_label}"

    def __str__(self) -> str:
        return self.label

    @property
    def start_date(self) -> dt.date:
        first, _ = _QUARTER_MONTHS[self.quarter]
        year = self.fy_start + (1 if self.quarter == 4 else 0)
        return dt.date(year, first, 1)

    @property
    def end_date(self) -> dt.date:
        """The as-at date of the quarter's position, e.g. 31 December 2023 for Q3 2023-24."""
        _, last = _QUARTER_MONTHS[self.quarter]
        year = self.fy_start + (1 if self.quarter == 4 else 0)
        return dt.date(year, last, calendar.monthrange(year, last)[1])

    @property
    def as_at(self) -> str:
        """``as at 31 December 2023``."""
        d = self.end_date
        return f"as at {d.day} {d.strftime('%B')} {d.year}"

    def shift(self, quarters: int) -> Period:
        index = self.fy_start * 4 + (self.quarter - 1) + quarters
        return Period(index // 4, index % 4 + 1)

    def previous(self) -> Period:
        return self.shift(-1)

    def year_earlier(self) -> Period:
        return self.shift(-4)

    @classmethod
    def in_progress(cls, today: dt.date | None = None) -> Period:
        """The quarter in progress today: no figure can be reported for a quarter after it."""
        return cls.containing(today or dt.date.today())

    @classmethod
    def containing(cls, day: dt.date) -> Period:
        """The quarter a calendar date falls in."""
        fy_start = day.year if day.month >= 4 else day.year - 1
        quarter = {4: 1, 5: 1, 6: 1, 7: 2, 8: 2, 9: 2, 10: 3, 11: 3, 12: 3}.get(day.month, 4)
        return cls(fy_start, quarter)


def period_range(first: Period, last: Period) -> list[Period]:
    """Every quarter from ``first`` to ``last`` inclusive, in order."""
    out: list[Period] = []
    p = first
    while p <= last:
        out.append(p)
        p = p.shift(1)
    return out


# Month names and their usual abbreviations, as people write them in headings and periods.
MONTH_NAMES = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip

# A financial year written 2023-24, 2023/24, 2023-2024, 2023/2024 or 23/24, 23-24.
_FY = r"(?P<y1>\d{4}|\d{2})\s*[-/\u2013\u2014]\s*(?P<y2>\d{4}|\d{2})"
_Q = r"(?:q|qtr|quarter)\s*(?P<q>\d)"
_PATTERNS = [
    re.compile(rf"^{_Q}\s*(?:of\s+)?(?:fy\s*)?{_FY}$"),  # Q3 2023-24, Quarter 3 23/24
    re.compile(rf"^(?:fy\s*)?{_FY}\s*{_Q}$"),  # 2023-24 Q3, 2023/24 Q3
]


def _expand_year(text: str) -> int:
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def parse_period(text: object) -> Period:
    """Read a quarter written in any common spelling, or raise :class:`PeriodError` saying why.

    Accepted: ``Q3 2023-24``, ``Q3 23/24``, ``2023/24 Q3``, ``Q3 2023/24``, ``2023-24 Q3``,
    ``Quarter 3 2023-24``. Refused as ambiguous: a bare year (``2023``), a year without a quarter
    (``2023-24``), a calendar-year quarter (``Q3 2023``) and years that are not consecutive.
    """
    if isinstance(text, Period):
        return text
    raw = str(text).strip().replace("\ufeff", "")
    if not raw:
        raise PeriodError("The quarter is blank.")
    norm = re.sub(r"\s+", " ", raw.lower())
    for pattern in _PATTERNS:
        m = pattern.match(norm)
        if m:
            break
    else:
        if re.fullmatch(rf"{_FY}", norm):
            raise PeriodError(
                f"'{raw}' names a financial year but not a quarter; write it like 'Q3 2023-24'."
            )
        if re.fullmatch(
            r"(?:q|qtr|quarter)\s*\d\s*(?:fy\s*)?\d{4}|(?:fy\s*)?\d{4}\s*(?:q|qtr|quarter)\s*\d",
            norm,
        ):
            raise PeriodError(
                f"'{raw}' is ambiguous: give the financial year, e.g. 'Q3 2023-24' "
                "(Q3 is October to December)."
            )
        raise PeriodError(f"'{raw}' is not a quarter; write it like 'Q3 2023-24'.")
    quarter = int(m.group("q"))
    if quarter not in (1, 2, 3, 4):
        raise PeriodError(f"'{raw}': there is no quarter {quarter}; quarters run from Q1 to Q4.")
    y1_text, y2_text = m.group("y1"), m.group("y2")
    y1 = _expand_year(y1_text)
    if len(y2_text) == 4:
        y2 = int(y2_text)
    else:
        y2 = (y1 // 100) * 100 + int(y2_text)
        if y2 < y1:
            y2 += 100
    if y2 != y1 + 1:
        raise PeriodError(
            f"'{raw}': a financial year runs over two consecutive years, like 2023-24."
        )
    return Period(y1, quarter)


def looks_like_period(text: object) -> bool:
    """True when ``text`` reads as a quarter (used to recognise quarter column headings)."""
    try:
        parse_period(text)
    except PeriodError:
        return False
    return True
