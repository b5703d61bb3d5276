"""The state of an indicator's value in a quarter: reported, or one of the honest 'no number' states.

"Not yet reported", "not due this quarter" (an annual measure outside its reporting quarter) and "no
target" are different things and are shown as words, never as zero.
"""

from __future__ import annotations

import math
from enum import StrEnum


class ValueState(StrEnum):
    REPORTED = "reported"
    NO_TARGET = "no target"
    NOT_DUE = "not due this quarter"
    NOT_REPORTED = "not yet reported"

    @property
    def text(self) -> str:
        return {
            ValueState.REPORTED: "Reported",
            ValueState.NO_TARGET: "No target set",
            ValueState.NOT_DUE: "Not due this quarter",
            ValueState.NOT_REPORTED: "Not yet reported",
        }[self]


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


_FREQUENCY_WORDS = {
    Frequency.MONTHLY: {"monthly", "month", "m"},
    Frequency.QUARTERLY: {"quarterly", "quarter", "q", "qtr"},
    Frequency.ANNUAL: {"annual", "annually", "yearly", "year", "a", "y"},
}


def parse_frequency(text: object) -> Frequency:
    word = str(text).strip().lower()
    for freq, words in _FREQUENCY_WORDS.items():
        if word in words:
            return freq
    raise ValueError(f"'{text}' is not a frequency; use monthly, quarterly or annual.")


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def value_state(
    actual: float | None,
    target: float | None,
    frequency: Frequency | str,
    marked_not_due: bool = False,
) -> ValueState:
    """Which state a value is in. An annual measure with no value is "not due", never "missing"."""
    if _missing(actual):
        if marked_not_due or Frequency(frequency) is Frequency.ANNUAL:
            return ValueState.NOT_DUE
        return ValueState.NOT_REPORTED
    if _missing(target):
        return ValueState.NO_TARGET
    return ValueState.REPORTED
