"""Direction of travel: is an indicator getting better, judged by its polarity?

Compared against the previous quarter and against the same quarter a year earlier. A falling count of
anti-social behaviour incidents (lower is better) is *improving*. For a band, moving closer to the band
is improving. A change smaller than a rounding hair is "no change".

``direction_of_travel`` judges one pair of values; ``direction_of_travel_frame`` applies exactly the
same rules to whole columns (tests check that the two always agree).
"""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np
import pandas as pd

from harrow_dash.rules.rag import Polarity, as_floats


class Travel(StrEnum):
    IMPROVING = "improving"
    NO_CHANGE = "no change"
    WORSENING = "worsening"
    NO_COMPARISON = "no comparison"
    # A direction that would give away a suppressed count (see harrow_dash.rules.disclosure).
    WITHHELD = "withheld: small number"

    @property
    def arrow(self) -> str:
        return {
            Travel.IMPROVING: "\u25b2",  # up triangle
            Travel.NO_CHANGE: "\u25b6",  # right triangle
            Travel.WORSENING: "\u25bc",  # down triangle
            Travel.NO_COMPARISON: "\u2013",  # en dash
            Travel.WITHHELD: "\u2298",  # circled slash
        }[self]

    @property
    def text(self) -> str:
        """Arrow and word together, never the arrow alone."""
        return f"{self.arrow} {self.value}"


def _missing(v: float | None) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _distance_to_band(value: float, low: float, high: float) -> float:
    if value < low:
        return low - value
    if value > high:
        return value - high
    return 0.0


def direction_of_travel(
    current: float | None,
    earlier: float | None,
    polarity: Polarity | str,
    target: float | None = None,
    target_upper: float | None = None,
) -> Travel:
    """Compare ``current`` with ``earlier``; for a band, the band is ``target``..``target_upper``."""
    if _missing(current) or _missing(earlier):
        return Travel.NO_COMPARISON
    assert current is not None and earlier is not None
    polarity = Polarity(polarity)
    scale = max(abs(current), abs(earlier), 1.0)
    if polarity is Polarity.BAND:
        if _missing(target):
            return Travel.NO_COMPARISON
        assert target is not None
        upper = target if _missing(target_upper) else float(target_upper)  # type: ignore[arg-type]
        low, high = min(target, upper), max(target, upper)
        delta = _distance_to_band(earlier, low, high) - _distance_to_band(current, low, high)
    else:
        delta = current - earlier if polarity is Polarity.HIGHER else earlier - current
    if abs(delta) <= 1e-9 * scale:
        return Travel.NO_CHANGE
    return Travel.IMPROVING if delta > 0 else Travel.WORSENING


def direction_of_travel_frame(
    current: pd.Series,
    earlier: pd.Series,
    polarity: pd.Series,
    target: pd.Series,
    target_upper: pd.Series,
) -> list[str]:
    """:func:`direction_of_travel` of every row of aligned columns, as the values of
    :class:`Travel`; a value that is not a number counts as missing."""
    c, e = as_floats(current), as_floats(earlier)
    t, tu = as_floats(target), as_floats(target_upper)
    compared = ~np.isnan(c) & ~np.isnan(e)
    pol = polarity.astype(object).to_numpy()
    for p in pd.unique(pol[compared]):
        Polarity(p)  # a polarity it does not know is a ValueError, as in direction_of_travel
    is_band = pol == Polarity.BAND.value
    upper = np.where(np.isnan(tu), t, tu)
    low, high = np.minimum(t, upper), np.maximum(t, upper)
    with np.errstate(invalid="ignore"):
        band_delta = _band_distance(e, low, high) - _band_distance(c, low, high)
        delta = np.where(is_band, band_delta, np.where(pol == Polarity.HIGHER.value, c - e, e - c))
        scale = np.maximum(np.maximum(np.abs(c), np.abs(e)), 1.0)
        out = np.where(
            np.abs(delta) <= 1e-9 * scale,
            Travel.NO_CHANGE.value,
            np.where(delta > 0, Travel.IMPROVING.value, Travel.WORSENING.value),
        ).astype(object)
    out[~compared | (is_band & np.isnan(t))] = Travel.NO_COMPARISON.value
    return out.tolist()


def _band_distance(value: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.where(value < low, low - value, np.where(value > high, value - high, 0.0))
