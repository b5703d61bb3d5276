"""Units of measure and how numbers are written so they read like the Cabinet report.

Percentages carry the unit ("66.5%"), counts have thousands separators ("1,234"), money is "£1.4m",
"£12.5k" or "£950", durations name their unit ("12.5 days"). Suppressed and missing values are words.
"""

from __future__ import annotations

import math
from enum import StrEnum


class Unit(StrEnum):
    PERCENT = "%"
    COUNT = "count"
    DAYS = "days"
    WEEKS = "weeks"
    MINUTES = "minutes"
    SECONDS = "seconds"
    MONEY = "£"
    RATE = "rate"
    SCORE = "score"


_UNIT_WORDS = {
    Unit.PERCENT: {"%", "percent", "percentage", "per cent", "pct"},
    Unit.COUNT: {"count", "number", "no.", "no", "#", "n", "total"},
    Unit.DAYS: {"days", "day", "working days"},
    Unit.WEEKS: {"weeks", "week"},
    Unit.MINUTES: {"minutes", "mins", "min"},
    Unit.SECONDS: {"seconds", "secs", "sec", "s"},
    Unit.MONEY: {"£", "gbp", "pounds", "money", "£k", "£m"},
    Unit.RATE: {"rate", "rate per 1,000", "per 1,000", "per 1000", "per 100,000", "ratio"},
    Unit.SCORE: {"score", "points", "index"},
}


def parse_unit(text: object) -> Unit:
    word = " ".join(str(text).strip().lower().split())
    for unit, words in _UNIT_WORDS.items():
        if word in words:
            return unit
    accepted = ", ".join(u.value for u in Unit)
    raise ValueError(f"'{text}' is not a unit; use one of: {accepted}.")


def _trim(number: float, decimals: int) -> str:
    text = f"{number:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_number(value: float | None, unit: Unit | str) -> str:
    """A value written for people, e.g. 66.5%, 1,234, £1.4m, 12.5 days. Missing -> an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    unit = Unit(unit)
    if unit is Unit.PERCENT:
        return f"{_trim(value, 1)}%"
    if unit is Unit.MONEY:
        sign = "-" if value < 0 else ""
        v = abs(value)
        if v >= 1_000_000:
            return f"{sign}£{_trim(v / 1_000_000, 1)}m"
        if v >= 10_000:
            return f"{sign}£{_trim(v / 1_000, 1)}k"
        return f"{sign}£{v:,.0f}"
    if unit is Unit.COUNT:
        return _trim(value, 1)
    if unit in (Unit.DAYS, Unit.WEEKS, Unit.MINUTES, Unit.SECONDS):
        word = unit.value if abs(value) != 1 else unit.value[:-1]
        return f"{_trim(value, 1)} {word}"
    return _trim(value, 2)
