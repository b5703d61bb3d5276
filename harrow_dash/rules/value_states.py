"""The state of an indicator's value in a quarter: reported, or one of the honest 'no number' states.

"Not yet reported", "not due this quarter" (an annual measure outside its reporting quarter) and "no
target" are different things and are shown as words, never as zero. So are the figures a file said
there is none of with a GSS symbol (:mod:`harrow_dash.rules.gss`): "not available" ``[x]``, "not
applicable" ``[z]`` and "held back" (``[c]`` confidential, ``[low]``, ``[w]``).
"""

from __future__ import annotations

import math
from enum import StrEnum

from harrow_dash.rules.gss import SYMBOLS, no_figure


class ValueState(StrEnum):
    REPORTED = "reported"
    NO_TARGET = "no target"
    NOT_DUE = "not due this quarter"
    NOT_REPORTED = "not yet reported"
    NOT_AVAILABLE = "not available"
    NOT_APPLICABLE = "not applicable"
    HELD_BACK = "held back"

    @property
    def text(self) -> str:
        return {
            ValueState.REPORTED: "Reported",
            ValueState.NO_TARGET: "No target set",
            ValueState.NOT_DUE: "Not due this quarter",
            ValueState.NOT_REPORTED: "Not yet reported",
            ValueState.NOT_AVAILABLE: "Not available",
            ValueState.NOT_APPLICABLE: "Not applicable",
            ValueState.HELD_BACK: "Held back",
        }[self]


# The states of a value with no figure: it has no rating.
NO_FIGURE_STATES = frozenset(
    {
        ValueState.NOT_DUE,
        ValueState.NOT_REPORTED,
        ValueState.NOT_AVAILABLE,
        ValueState.NOT_APPLICABLE,
        ValueState.HELD_BACK,
    }
)


def symbol_state(marker: object) -> ValueState | None:
    """The state a stored GSS marker gives a value with no figure (``"x"`` -> not available, ``"c"``
    -> held back), or None for no marker or a marker that qualifies a number."""
    if not no_figure(marker):
        return None
    code = str(marker).strip()
    if SYMBOLS[code].kind == "suppressed":
        return ValueState.HELD_BACK
    return ValueState.NOT_APPLICABLE if code == "z" else ValueState.NOT_AVAILABLE


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
    marker: object = None,
) -> ValueState:
    """Which state a value is in. An annual measure with no value is "not due", never "missing";
    a value whose file said why it has no figure (a GSS symbol, ``marker``) is in that state."""
    if _missing(actual):
        if marked_not_due:
            return ValueState.NOT_DUE
        by_symbol = symbol_state(marker)
        if by_symbol is not None:
            return by_symbol
        if Frequency(frequency) is Frequency.ANNUAL:
            return ValueState.NOT_DUE
        return ValueState.NOT_REPORTED
    if _missing(target):
        return ValueState.NO_TARGET
    return ValueState.REPORTED
