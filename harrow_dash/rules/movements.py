"""Comparisons that compare like with like: which earlier quarter, the change in the unit's own terms,
and how big a movement is.

* A **cumulative** measure builds up over the year (council tax collected: 29% in Q1, 97% by Q4) and a
  **seasonal** one follows the time of year (arts centre attendances in pantomime season). Both are
  compared with the same quarter a year earlier; every other measure with the previous quarter.
* A change is written in the unit's own terms: percentage points for a percentage ("+28.1 pp"), the
  count for a count, "£0.2m" for money.
* Movers are ranked by the change *relative to the indicator's tolerance* (the width of its Amber
  band, a share of the target): moving by one tolerance is a movement of 1.0, whatever the unit. An
  indicator without a target is measured against its earlier value with the default tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from enum import StrEnum

import numpy as np
import pandas as pd

from harrow_dash.rules.rag import DEFAULT_TOLERANCE, Polarity, as_floats
from harrow_dash.rules.units import Unit, formatter


class Pattern(StrEnum):
    """How an indicator's values behave through the year (the data's ``cumulative_or_seasonal``)."""

    CUMULATIVE = "cumulative"
    SEASONAL = "seasonal"
    NEITHER = "neither"

    @property
    def compares_with_year(self) -> bool:
        return self is not Pattern.NEITHER


_PATTERN_WORDS = {
    Pattern.CUMULATIVE: {"cumulative", "cumulative year to date", "year to date", "ytd", "c"},
    Pattern.SEASONAL: {"seasonal", "season", "s"},
    Pattern.NEITHER: {"neither", "no", "none", "n", "-", "not cumulative or seasonal", "discrete"},
}


def parse_pattern(text: object) -> Pattern:
    """Read ``cumulative``, ``seasonal`` or ``neither`` (blank means neither); else ``ValueError``."""
    word = " ".join(str(text if text is not None else "").strip().lower().split())
    if not word:
        return Pattern.NEITHER
    for pattern, words in _PATTERN_WORDS.items():
        if word in words or word == pattern.value:
            return pattern
    raise ValueError(
        f"'{text}' is not a comparison pattern; use cumulative, seasonal or leave it blank."
    )


def pattern_of(value: object) -> Pattern:
    """The pattern stored for an indicator (missing or unknown reads as neither)."""
    try:
        return parse_pattern(value if isinstance(value, str) else "")
    except ValueError:
        return Pattern.NEITHER


def compare_with_year(values: Iterable[object]) -> np.ndarray:
    """``pattern_of(v).compares_with_year`` of every value, as a boolean array: each distinct value
    read once (a column of thousands of indicators holds a handful of spellings)."""
    seen: dict[object, bool] = {}
    out = []
    for v in values:
        key = v if isinstance(v, str) else None
        got = seen.get(key)
        if got is None:
            got = seen[key] = pattern_of(key).compares_with_year
        out.append(got)
    return np.array(out, dtype=bool)


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def change_text(now: float, earlier: float, unit: Unit | str) -> str:
    """The change from ``earlier`` to ``now`` in the unit's own terms, with its sign.

    '+28.1 pp' for percentages, '-30 seconds', '+1,204', '+£0.2m'."""
    delta = now - earlier
    if abs(delta) < 1e-9:
        return "no change"
    sign = "+" if delta > 0 else "\u2212"
    unit = Unit(unit)
    if unit is Unit.PERCENT:
        return f"{sign}{formatter(Unit.COUNT)(round(abs(delta), 1))} pp"
    return f"{sign}{formatter(unit)(abs(delta))}"


def movement(
    now: float | None,
    earlier: float | None,
    polarity: Polarity | str,
    target: float | None,
    target_upper: float | None = None,
    tolerance: float | None = None,
) -> float:
    """The size of a movement, positive when better by the indicator's polarity, in tolerances.

    The change (for a band, how much closer to the band) divided by the indicator's tolerance as an
    amount: ``tolerance`` (default 5%) of the target, or of the band edge nearest the values. With no
    target (or a target of 0) the earlier value stands in for it. NaN when a value is missing."""
    if _missing(now) or _missing(earlier):
        return float("nan")
    assert now is not None and earlier is not None
    polarity = Polarity(polarity)
    tol = DEFAULT_TOLERANCE if _missing(tolerance) or not tolerance else float(tolerance)
    has_target = not _missing(target)
    if polarity is Polarity.BAND and has_target:
        assert target is not None
        upper = target if _missing(target_upper) else float(target_upper)  # type: ignore[arg-type]
        low, high = min(target, upper), max(target, upper)

        def dist(v: float) -> float:
            return max(low - v, 0.0, v - high)

        gain = dist(earlier) - dist(now)
        side = low if min(now, earlier) < low else high
        base = abs(side)
    else:
        gain = now - earlier if polarity is not Polarity.LOWER else earlier - now
        base = abs(target) if has_target else 0.0  # type: ignore[arg-type]
    if not base:
        base = abs(earlier) or 1.0
    scale = base * tol
    if not scale:  # a target so small that its tolerance underflows to 0: as numpy divides
        return float("nan") if not gain else math.copysign(math.inf, gain)
    return gain / scale


def movement_frame(
    now: pd.Series,
    earlier: pd.Series,
    polarity: pd.Series,
    target: pd.Series,
    target_upper: pd.Series,
    tolerance: pd.Series,
) -> np.ndarray:
    """:func:`movement` of every row of aligned columns, whole columns at once (the tests check
    that the two agree)."""
    a, e = as_floats(now), as_floats(earlier)
    t, u, tol = as_floats(target), as_floats(target_upper), as_floats(tolerance)
    tol = np.where(np.isnan(tol) | (tol == 0), DEFAULT_TOLERANCE, tol)
    pol = polarity.astype(object).to_numpy()
    has_target = ~np.isnan(t)
    is_band = (pol == Polarity.BAND.value) & has_target
    hi = np.where(np.isnan(u), t, u)
    low, high = np.minimum(t, hi), np.maximum(t, hi)
    with np.errstate(invalid="ignore", divide="ignore"):

        def dist(v: np.ndarray) -> np.ndarray:
            return np.maximum(np.maximum(low - v, 0.0), v - high)

        band_gain = dist(e) - dist(a)
        side = np.where(np.minimum(a, e) < low, low, high)
        gain = np.where(pol == Polarity.LOWER.value, e - a, a - e)
        gain = np.where(is_band, band_gain, gain)
        base = np.where(is_band, np.abs(side), np.where(has_target, np.abs(t), 0.0))
        fallback = np.where(np.abs(e) > 0, np.abs(e), 1.0)
        base = np.where(base > 0, base, fallback)
        out = gain / (base * tol)
    out[np.isnan(a) | np.isnan(e)] = np.nan
    return out
