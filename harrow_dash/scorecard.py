"""Applying the domain rules to tables of indicator values: RAG, state, direction of travel, display.

The store returns raw values; this module adds what the rules say about them, using the rule modules
(``rag``, ``travel``, ``value_states``, ``suppression``, ``units``) and nothing else, so every page,
export and briefing shows the same judgement. Pure pandas, no Streamlit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harrow_dash.rag import Rag, compute_rag_frame, rag_mismatch_note
from harrow_dash.suppression import DEFAULT_THRESHOLD, is_suppressed, suppressed_text
from harrow_dash.travel import Travel, direction_of_travel
from harrow_dash.units import Unit, _trim, format_number
from harrow_dash.value_states import Frequency, ValueState, value_state

NOT_RATED = "Not rated"
RAG_ORDER = [Rag.GREEN.value, Rag.AMBER.value, Rag.RED.value, NOT_RATED]
RAG_ICONS = {
    Rag.GREEN.value: "\u2714",
    Rag.AMBER.value: "\u25b2",
    Rag.RED.value: "\u2716",
    NOT_RATED: "\u25cb",
}


@dataclass(frozen=True)
class RuleSettings:
    default_tolerance: float = 0.05
    suppression_threshold: int = DEFAULT_THRESHOLD
    reveal_suppressed: bool = False  # editors may see raw small counts


def rag_label(rag: str | None) -> str:
    """RAG as icon and word, never colour alone: '✖ Red'."""
    key = rag if rag in RAG_ICONS else NOT_RATED
    return f"{RAG_ICONS[key]} {key}"


def rate(frame: pd.DataFrame, rules: RuleSettings | None = None) -> pd.DataFrame:
    """Add ``computed_rag``, ``rag`` (official wins), ``rag_note``, ``state`` and display columns.

    ``frame`` needs: actual, target, target_upper, polarity, tolerance, official_rag, frequency,
    not_due, unit, counts_people.

    Columns are worked on whole (numpy) or as plain lists, never by iterating the frame's own
    columns, so that rating the 20,000 indicators of a large database takes milliseconds.
    """
    rules = rules or RuleSettings()
    out = frame.copy()
    if out.empty:
        for c in (
            "computed_rag",
            "rag",
            "rag_note",
            "state",
            "suppressed",
            "actual_text",
            "target_text",
        ):
            out[c] = pd.Series(dtype=object)
        return out
    out["computed_rag"] = compute_rag_frame(
        out["actual"],
        out["target"],
        out["polarity"],
        out["tolerance"],
        out["target_upper"],
        default_tolerance=rules.default_tolerance,
    )
    official = out["official_rag"].astype(object).where(out["official_rag"].notna(), None)
    out["rag"] = official.where(official.notna(), out["computed_rag"]).fillna(NOT_RATED)
    # rag_mismatch_note gives None unless both ratings are there.
    out["rag_note"] = [
        None if o is None or c is None else rag_mismatch_note(o, c)
        for o, c in zip(official.tolist(), out["computed_rag"].tolist(), strict=True)
    ]
    out["state"] = _states(out["actual"], out["target"], out["frequency"], out["not_due"])
    # An indicator without an actual has no rating, whatever was computed.
    no_value = out["state"].isin([ValueState.NOT_DUE.value, ValueState.NOT_REPORTED.value])
    out.loc[no_value & official.isna(), "rag"] = NOT_RATED
    out["suppressed"] = _suppressed(
        out["actual"], out["counts_people"], rules.suppression_threshold
    )
    actual, unit = out["actual"].tolist(), out["unit"].tolist()
    out["actual_text"] = [
        _actual_text(a, u, st, sup, rules)
        for a, u, st, sup in zip(
            actual, unit, out["state"].tolist(), out["suppressed"].tolist(), strict=True
        )
    ]
    out["target_text"] = [
        _target_text(t, tu, u, pol)
        for t, tu, u, pol in zip(
            out["target"].tolist(),
            out["target_upper"].tolist(),
            unit,
            out["polarity"].tolist(),
            strict=True,
        )
    ]
    out["rag_text"] = out["rag"].map(rag_label)
    return out


def _states(actual: pd.Series, target: pd.Series, frequency: pd.Series, not_due: pd.Series) -> list:
    """:func:`value_state` of every row, as its value; whole columns at once for float columns."""
    marked = not_due.fillna(False)
    if actual.dtype != np.float64 or target.dtype != np.float64:
        return [
            value_state(a, t, f, bool(nd)).value
            for a, t, f, nd in zip(
                actual.tolist(), target.tolist(), frequency.tolist(), marked.tolist(), strict=True
            )
        ]
    no_actual = np.isnan(actual.to_numpy())
    no_target = np.isnan(target.to_numpy())
    not_due_now = np.zeros(len(actual), dtype=bool)
    for i in np.flatnonzero(no_actual):  # as value_state: the mark first, then the frequency
        not_due_now[i] = bool(marked.iat[i]) or _is_annual(frequency.iat[i])
    state = np.where(
        no_actual,
        np.where(not_due_now, ValueState.NOT_DUE.value, ValueState.NOT_REPORTED.value),
        np.where(no_target, ValueState.NO_TARGET.value, ValueState.REPORTED.value),
    )
    return state.tolist()


def _is_annual(frequency: object) -> bool:
    return Frequency(frequency) is Frequency.ANNUAL  # type: ignore[arg-type]


def _suppressed(actual: pd.Series, counts_people: pd.Series, threshold: int) -> list[bool]:
    """:func:`is_suppressed` of every row; whole columns at once for a float column."""
    if actual.dtype != np.float64:
        return [
            is_suppressed(a, bool(cp), threshold)
            for a, cp in zip(actual.tolist(), counts_people.tolist(), strict=True)
        ]
    values = np.abs(actual.to_numpy())
    people = np.array([bool(cp) for cp in counts_people.tolist()], dtype=bool)
    with np.errstate(invalid="ignore"):
        return (people & (values > 0) & (values < threshold)).tolist()


_NO_NUMBER = {v.value: v.text for v in (ValueState.NOT_DUE, ValueState.NOT_REPORTED)}


def _actual_text(
    actual: float | None, unit: str, state: str, suppressed: bool, rules: RuleSettings
) -> str:
    if state in _NO_NUMBER:
        return _NO_NUMBER[state]
    if suppressed and not rules.reveal_suppressed:
        return suppressed_text(rules.suppression_threshold)
    text = _format(actual, unit)
    return f"{text} (suppressed publicly)" if suppressed else text


def _target_text(target: float | None, upper: float | None, unit: str, polarity: str) -> str:
    if target is None or _isna(target):
        return "No target"
    if polarity == "band" and upper is not None and not _isna(upper):
        return f"{_format(target, unit)} to {_format(upper, unit)}"
    return _format(target, unit)


def _isna(value: object) -> bool:
    return value != value if type(value) is float else bool(pd.isna(value))


def _format(value: float | None, unit: str) -> str:
    """:func:`~harrow_dash.units.format_number`, sped up for a float in a known unit (it is called
    twice for every indicator in view, and looking the unit up is most of its cost)."""
    if type(value) is float:
        try:
            fmt = _fast_formats().get(unit)
        except TypeError:  # an unhashable unit: let format_number say what is wrong
            fmt = None
        if fmt is not None:
            return "\u2013" if value != value else fmt(value)
    return format_number(value, unit)


def _money(value: float) -> str:
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v >= 1_000_000:
        return f"{sign}£{_trim(v / 1_000_000, 1)}m"
    if v >= 10_000:
        return f"{sign}£{_trim(v / 1_000, 1)}k"
    return f"{sign}£{v:,.0f}"


def _duration(word: str) -> Callable[[float], str]:
    return lambda v: f"{_trim(v, 1)} {word if abs(v) != 1 else word[:-1]}"


_FORMAT_PROBES = (0.0, -0.0, 1.0, -1.0, 0.04, 0.05, 0.5, 2.25, 66.45, 99.95, 100.0, 1234.5678,
                  9999.95, 10000.0, 12500.0, 99999.9, 999999.95, 1e6, 1.45e6, -12500.0, -2.5e6,
                  1e12, float("inf"), float("-inf"))


@functools.cache
def _fast_formats() -> dict[str, Callable[[float], str]]:
    """Per unit, a function writing a float exactly as ``format_number`` does. Each is checked
    against ``format_number`` on awkward values when first built; a unit whose function disagrees
    (because the rules in ``units`` changed) is left to ``format_number``."""
    special: dict[Unit, Callable[[float], str]] = {
        Unit.PERCENT: lambda v: f"{_trim(v, 1)}%",
        Unit.MONEY: _money,
        Unit.COUNT: lambda v: _trim(v, 1),
        **{u: _duration(u.value) for u in (Unit.DAYS, Unit.WEEKS, Unit.MINUTES, Unit.SECONDS)},
    }
    table: dict[str, Callable[[float], str]] = {}
    for unit in Unit:
        fmt = special.get(unit, lambda v: _trim(v, 2))
        if all(fmt(x) == format_number(x, unit) for x in _FORMAT_PROBES):
            table[unit.value] = fmt
    return table


def add_travel(frame: pd.DataFrame) -> pd.DataFrame:
    """Direction of travel against last quarter (``travel_prev``) and last year (``travel_year``).

    Needs ``prev_actual`` and ``year_actual`` beside the columns :func:`rate` needs."""
    out = frame.copy()
    for col, earlier in (("travel_prev", "prev_actual"), ("travel_year", "year_actual")):
        out[col] = (
            [
                direction_of_travel(_f(a), _f(e), p, _f(t), _f(tu)).value
                for a, e, p, t, tu in zip(
                    out["actual"],
                    out[earlier],
                    out["polarity"],
                    out["target"],
                    out["target_upper"],
                    strict=True,
                )
            ]
            if len(out)
            else pd.Series(dtype=object)
        )
        out[f"{col}_text"] = (
            out[col].map(lambda v: Travel(v).text) if len(out) else pd.Series(dtype=object)
        )
    return out


def _f(v: object) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if pd.isna(f) else f


def rag_counts(rags: pd.Series) -> dict[str, int]:
    """Counts in report order: Green, Amber, Red, Not rated."""
    counts = rags.fillna(NOT_RATED).value_counts()
    return {k: int(counts.get(k, 0)) for k in RAG_ORDER}


def filter_rags(frame: pd.DataFrame, rags: tuple[str, ...]) -> pd.DataFrame:
    return frame[frame["rag"].isin(rags)] if rags else frame
