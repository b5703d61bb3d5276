"""Suppression of small counts of people, so that nobody can be identified from the figures.

A count of people below the threshold (default 5) is never shown or exported as its raw figure: it reads
"fewer than 5". Zero is hidden the same way unless the ``suppress_zero`` setting is off (GSS guidance for
counts of people: a zero can disclose as much as a 1), so by default a hidden count is between 0 and 4;
with ``suppress_zero`` off a 0 shows as 0 and a hidden count is between 1 and 4. A total is suppressed
too whenever one of its parts is, since the hidden part could otherwise be worked out by subtraction.
Editors may see raw values.

:class:`SmallNumbers` is that rule, the one place that says which counts are hidden, which values a
hidden cell can hold and how that is worded in keys and notes. Functions that take a ``threshold``
accept the rule or a bare threshold (a bare threshold means the default: zero hidden too).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class SmallNumbers:
    """Counts of people below ``threshold`` are hidden, and a count of 0 too when ``zero``."""

    threshold: int = DEFAULT_THRESHOLD
    zero: bool = True

    def hides(self, value: float | None, counts_people: bool = True) -> bool:
        """Whether ``value`` (a count of people when ``counts_people``) is hidden."""
        if not counts_people or value is None or (isinstance(value, float) and math.isnan(value)):
            return False
        size = abs(value)
        return size < self.threshold and (size > 0 or self.zero)

    def mask(self, values: pd.Series) -> pd.Series:
        """:meth:`hides` for a column of counts of people (missing values are not hidden)."""
        size = pd.to_numeric(values, errors="coerce").abs()
        hidden = size < self.threshold
        if not self.zero:
            hidden &= size > 0
        return hidden.fillna(False).astype(bool)

    @property
    def low(self) -> int:
        """The smallest value a hidden count can hold."""
        return 0 if self.zero else 1

    @property
    def high(self) -> int:
        """The largest value a hidden count can hold."""
        return max(int(self.threshold) - 1, self.low)

    def values(self) -> range:
        """Every value a hidden count could hold: ``low`` to ``high``."""
        return range(self.low, self.high + 1)

    @property
    def text(self) -> str:
        """What a hidden cell reads: 'fewer than 5'."""
        return f"fewer than {self.threshold}"

    @property
    def label(self) -> str:
        """The short label of a hidden count on a chart: '<5'."""
        return f"<{self.threshold}"

    @property
    def meaning(self) -> str:
        """What a hidden cell can hold, for keys: 'a hidden count is between 0 and 4'."""
        words = f"a hidden count is between {self.low} and {self.high}"
        return words if self.zero else f"{words}; a count of 0 is shown as 0"

    @property
    def note(self) -> str:
        """The sentence for the notes of a file, a briefing or the open data."""
        return (
            f"Counts of fewer than {self.threshold} people are not shown: the cell reads "
            f"\u201c{self.text}\u201d and {self.meaning}."
        )

    @property
    def download_note(self) -> str:
        """The sentence for the notes of a downloaded table, whose figure columns hold numbers only."""
        return (
            f"Counts of fewer than {self.threshold} people are not given: the figure is blank, its "
            f"status reads \u201csuppressed\u201d, and {self.meaning}."
        )


def small_numbers(rule: SmallNumbers | int = DEFAULT_THRESHOLD) -> SmallNumbers:
    """The rule itself, from the rule or a bare threshold (which hides zero too, the default)."""
    return rule if isinstance(rule, SmallNumbers) else SmallNumbers(int(rule))


def is_suppressed(
    value: float | None, counts_people: bool, threshold: SmallNumbers | int = DEFAULT_THRESHOLD
) -> bool:
    return small_numbers(threshold).hides(value, counts_people)


def suppressed_text(threshold: SmallNumbers | int = DEFAULT_THRESHOLD) -> str:
    return small_numbers(threshold).text


def suppress_group(
    parts: Sequence[float | None],
    total: float | None,
    threshold: SmallNumbers | int = DEFAULT_THRESHOLD,
) -> tuple[list[float | None], float | None, list[bool], bool]:
    """Suppress the small parts of a group of people-counts and, if any is hidden, its total.

    Returns ``(parts, total, part_hidden, total_hidden)`` where hidden values are replaced by None.
    """
    hidden = [is_suppressed(p, True, threshold) for p in parts]
    shown = [None if h else p for p, h in zip(parts, hidden, strict=True)]
    total_hidden = total is not None and (any(hidden) or is_suppressed(total, True, threshold))
    return shown, (None if total_hidden else total), hidden, total_hidden
