"""Suppression of small counts of people, so that nobody can be identified from the figures.

A count of people below the threshold (default 5) is never shown or exported as its raw figure: it reads
"fewer than 5". Zero is not disclosive and shows as 0. A total is suppressed too whenever one of its
parts is, since the hidden part could otherwise be worked out by subtraction. Editors may see raw values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

DEFAULT_THRESHOLD = 5


def is_suppressed(
    value: float | None, counts_people: bool, threshold: int = DEFAULT_THRESHOLD
) -> bool:
    if not counts_people or value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return 0 < abs(value) < threshold


def suppressed_text(threshold: int = DEFAULT_THRESHOLD) -> str:
    return f"fewer than {threshold}"


def suppress_group(
    parts: Sequence[float | None], total: float | None, threshold: int = DEFAULT_THRESHOLD
) -> tuple[list[float | None], float | None, list[bool], bool]:
    """Suppress the small parts of a group of people-counts and, if any is hidden, its total.

    Returns ``(parts, total, part_hidden, total_hidden)`` where hidden values are replaced by None.
    """
    hidden = [is_suppressed(p, True, threshold) for p in parts]
    shown = [None if h else p for p, h in zip(parts, hidden, strict=True)]
    total_hidden = total is not None and (any(hidden) or is_suppressed(total, True, threshold))
    return shown, (None if total_hidden else total), hidden, total_hidden
