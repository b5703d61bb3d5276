"""Polarity and RAG: the single home of the rules that rate an indicator Red, Amber or Green.

* Green: the target is met (for a band, the actual lies inside it).
* Amber: missed by no more than the tolerance, a fraction of the target (default 5%, per indicator).
* Red: missed by more.
An official RAG supplied in the data wins; where it disagrees with the computed one the difference is
reported as a data-quality note, never silently.

``compute_rag`` rates one value; ``compute_rag_frame`` applies exactly the same rules to a whole table
(tests check that the two always agree).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from enum import StrEnum

import numpy as np
import pandas as pd

DEFAULT_TOLERANCE = 0.05


class Polarity(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    BAND = "band"

    @property
    def phrase(self) -> str:
        return {
            Polarity.HIGHER: "higher is better",
            Polarity.LOWER: "lower is better",
            Polarity.BAND: "within the target range is best",
        }[self]


_POLARITY_WORDS = {
    Polarity.HIGHER: {
        "higher",
        "higher is better",
        "high",
        "up",
        "increase",
        "bigger is better",
        "more is better",
        "aim to maximise",
        "maximise",
        "high is good",
        "higher is good",
        "h",
    },
    Polarity.LOWER: {
        "lower",
        "lower is better",
        "low",
        "down",
        "decrease",
        "smaller is better",
        "less is better",
        "aim to minimise",
        "minimise",
        "low is good",
        "lower is good",
        "l",
    },
    Polarity.BAND: {
        "band",
        "within band",
        "within a target band",
        "within range",
        "in range",
        "target band",
        "range",
        "within target range",
        "within target",
    },
}


def parse_polarity(text: object) -> Polarity:
    """Read a polarity in its usual spellings; raise ``ValueError`` with a reason otherwise."""
    word = " ".join(str(text).strip().lower().replace("_", " ").split())
    for polarity, words in _POLARITY_WORDS.items():
        if word in words or word == polarity.value:
            return polarity
    raise ValueError(
        f"'{text}' is not a polarity; use 'higher is better', 'lower is better' or 'within band'."
    )


class Rag(StrEnum):
    GREEN = "Green"
    AMBER = "Amber"
    RED = "Red"

    @property
    def meaning(self) -> str:
        return {
            Rag.GREEN: "target met",
            Rag.AMBER: "target missed, within tolerance",
            Rag.RED: "target missed by more than the tolerance",
        }[self]


_RAG_WORDS = {
    Rag.GREEN: {"green", "g", "on target"},
    Rag.AMBER: {"amber", "a", "amber/green", "yellow"},
    Rag.RED: {"red", "r", "off target"},
}


def parse_rag(text: object) -> Rag:
    word = str(text).strip().lower()
    for rag, words in _RAG_WORDS.items():
        if word in words:
            return rag
    raise ValueError(f"'{text}' is not a RAG rating; use Red, Amber or Green.")


def compute_rag(
    actual: float | None,
    target: float | None,
    polarity: Polarity | str,
    tolerance: float | None = None,
    target_upper: float | None = None,
) -> Rag | None:
    """The computed RAG for one value, or None when there is no actual or no target.

    For a band, ``target`` is the lower and ``target_upper`` the upper bound of the range.
    """
    polarity = Polarity(polarity)
    tol = DEFAULT_TOLERANCE if tolerance is None or _nan(tolerance) else float(tolerance)
    if actual is None or target is None or _nan(actual) or _nan(target):
        return None
    if polarity is Polarity.BAND:
        upper = target if target_upper is None or _nan(target_upper) else float(target_upper)
        low, high = min(target, upper), max(target, upper)
        if low <= actual <= high:
            return Rag.GREEN
        bound = low if actual < low else high
        return Rag.AMBER if abs(actual - bound) <= abs(bound) * tol + 1e-12 else Rag.RED
    shortfall = target - actual if polarity is Polarity.HIGHER else actual - target
    if shortfall <= 0:
        return Rag.GREEN
    return Rag.AMBER if shortfall <= abs(target) * tol + 1e-12 else Rag.RED


def _nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def as_floats(column: pd.Series) -> np.ndarray:
    """A column as floats, as ``pd.to_numeric(errors="coerce")`` gives them, whatever is not a
    number or missing as NaN; a column of floats (or of floats and gaps, read as objects) without
    converting each value. The one reading of a figure column as numbers for every whole-column
    rule (RAG, direction of travel, movements, suppression of an earlier value)."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "fiu":
        return column.to_numpy(dtype=float)
    if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in (
        "floating",
        "integer",
        "mixed-integer-float",
        "empty",
    ):
        return np.asarray(column.to_numpy(), dtype=float)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _is(column: pd.Series, word: str) -> np.ndarray:
    """Where ``column.astype(str) == word``, once per distinct value."""
    codes, distinct = pd.factorize(column)
    hits = [i for i, v in enumerate(distinct) if str(v) == word]
    return np.isin(codes, hits)


_RAG_BY_CODE = np.array([Rag.GREEN.value, Rag.AMBER.value, Rag.RED.value, None], dtype=object)


def compute_rag_frame(
    actual: pd.Series,
    target: pd.Series,
    polarity: pd.Series,
    tolerance: pd.Series,
    target_upper: pd.Series,
    default_tolerance: float = DEFAULT_TOLERANCE,
) -> pd.Series:
    """Vectorised :func:`compute_rag` over aligned columns; missing ratings are ``None``."""
    a = as_floats(actual)
    t = as_floats(target)
    tu = as_floats(target_upper)
    tol = as_floats(tolerance)
    tol = np.where(np.isnan(tol), default_tolerance, tol)
    upper = np.where(np.isnan(tu), t, tu)
    low, high = np.minimum(t, upper), np.maximum(t, upper)
    bound = np.where(a < low, low, high)
    band_short = np.where((a >= low) & (a <= high), 0.0, np.abs(a - bound))
    band_allow = np.abs(bound) * tol + 1e-12
    short = np.where(_is(polarity, Polarity.LOWER.value), a - t, t - a)
    allow = np.abs(t) * tol + 1e-12
    is_band = _is(polarity, Polarity.BAND.value)
    shortfall = np.where(is_band, band_short, short)
    allowance = np.where(is_band, band_allow, allow)
    with np.errstate(invalid="ignore"):
        code = np.where(shortfall <= 0, 0, np.where(shortfall <= allowance, 1, 2))
    code[np.isnan(a) | np.isnan(t)] = 3
    return pd.Series(_RAG_BY_CODE[code], index=actual.index, dtype=object)


def effective_rag(official: Rag | str | None, computed: Rag | str | None) -> Rag | None:
    """The RAG to show: the official one where the data gives one, else the computed one."""
    if isinstance(official, str) and official:
        return Rag(official)
    return Rag(computed) if isinstance(computed, str) and computed else None


def rag_mismatch_note(official: Rag | str | None, computed: Rag | str | None) -> str | None:
    """A data-quality note when the official RAG differs from the one the rules give."""
    if (
        not isinstance(official, str)
        or not isinstance(computed, str)
        or not official
        or not computed
    ):
        return None  # NaN or None from a table means "no rating"
    if Rag(official) == Rag(computed):
        return None
    return (
        f"The official rating is {Rag(official).value} but the actual and target give "
        f"{Rag(computed).value}; the official rating is shown."
    )


def count_rags(values: Iterable[str | None]) -> dict[str, int]:
    """Counts of Green, Amber, Red and anything unrated ("Not rated"), in that order."""
    counts = {Rag.GREEN.value: 0, Rag.AMBER.value: 0, Rag.RED.value: 0, "Not rated": 0}
    for v in values:
        key = v if v in counts and v != "Not rated" else "Not rated"
        counts[key] += 1
    return counts
