"""Units of measure and how numbers are written so they read like the Cabinet report.

Percentages carry the unit ("66.5%"), counts have thousands separators ("1,234"), money is "£1.4m",
"£12.5k" or "£950", durations name their unit ("12.5 days"). Suppressed and missing values are words.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
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


# Units whose values cannot be below zero (a net change is marked as allowing negative values).
NON_NEGATIVE_UNITS = frozenset(
    {Unit.PERCENT, Unit.COUNT, Unit.DAYS, Unit.WEEKS, Unit.MINUTES, Unit.SECONDS, Unit.RATE}
)

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


def _trimmed(decimals: int, suffix: str = "") -> Callable[[float], str]:
    """Writes a number with thousands separators, at most ``decimals`` places, no trailing zeros."""
    spec = f",.{decimals}f"

    def write(value: float) -> str:
        text = format(value, spec)
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text + suffix

    return write


def _money(value: float) -> str:
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v >= 1_000_000:
        return f"{sign}£{_trimmed(1)(v / 1_000_000)}m"
    if v >= 10_000:
        return f"{sign}£{_trimmed(1)(v / 1_000)}k"
    return f"{sign}£{v:,.0f}"


def _duration(word: str) -> Callable[[float], str]:
    trim = _trimmed(1)
    return lambda value: f"{trim(value)} {word if abs(value) != 1 else word[:-1]}"


@functools.cache
def formatter(unit: Unit | str) -> Callable[[float], str]:
    """The function that writes a (non-missing) number in ``unit``; one per unit, built once, so
    a long table can be written without re-deciding the rules for every value."""
    unit = Unit(unit)
    if unit is Unit.PERCENT:
        return _trimmed(1, "%")
    if unit is Unit.MONEY:
        return _money
    if unit is Unit.COUNT:
        return _trimmed(1)
    if unit in (Unit.DAYS, Unit.WEEKS, Unit.MINUTES, Unit.SECONDS):
        return _duration(unit.value)
    return _trimmed(2)


def format_number(value: float | None, unit: Unit | str) -> str:
    """A value written for people, e.g. 66.5%, 1,234, £1.4m, 12.5 days. Missing -> an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    return formatter(unit)(value)
