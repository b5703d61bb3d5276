"""Applying the domain rules to tables of indicator values: RAG, state, direction of travel, display.

The store returns raw values; this module adds what the rules say about them, using the rule modules
(``rag``, ``travel``, ``value_states``, ``suppression``, ``units``) and nothing else, so every page,
export and briefing shows the same judgement. Pure pandas, no Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from harrow_dash.rag import Rag, compute_rag_frame, rag_mismatch_note
from harrow_dash.suppression import DEFAULT_THRESHOLD, is_suppressed, suppressed_text
from harrow_dash.travel import Travel, direction_of_travel
from harrow_dash.units import format_number
from harrow_dash.value_states import ValueState, value_state

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
    out["rag_note"] = [
        rag_mismatch_note(o, c) for o, c in zip(official, out["computed_rag"], strict=True)
    ]
    out["state"] = [
        value_state(a, t, f, bool(nd)).value
        for a, t, f, nd in zip(
            out["actual"],
            out["target"],
            out["frequency"],
            out["not_due"].fillna(False),
            strict=True,
        )
    ]
    # An indicator without an actual has no rating, whatever was computed.
    no_value = out["state"].isin([ValueState.NOT_DUE.value, ValueState.NOT_REPORTED.value])
    out.loc[no_value & official.isna(), "rag"] = NOT_RATED
    out["suppressed"] = [
        is_suppressed(a, bool(cp), rules.suppression_threshold)
        for a, cp in zip(out["actual"], out["counts_people"], strict=True)
    ]
    out["actual_text"] = [
        _actual_text(a, u, st, sup, rules)
        for a, u, st, sup in zip(
            out["actual"], out["unit"], out["state"], out["suppressed"], strict=True
        )
    ]
    out["target_text"] = [
        _target_text(t, tu, u, pol)
        for t, tu, u, pol in zip(
            out["target"], out["target_upper"], out["unit"], out["polarity"], strict=True
        )
    ]
    out["rag_text"] = out["rag"].map(rag_label)
    return out


def _actual_text(
    actual: float | None, unit: str, state: str, suppressed: bool, rules: RuleSettings
) -> str:
    if state in (ValueState.NOT_DUE.value, ValueState.NOT_REPORTED.value):
        return ValueState(state).text
    if suppressed and not rules.reveal_suppressed:
        return suppressed_text(rules.suppression_threshold)
    text = format_number(actual, unit)
    return f"{text} (suppressed publicly)" if suppressed else text


def _target_text(target: float | None, upper: float | None, unit: str, polarity: str) -> str:
    if target is None or pd.isna(target):
        return "No target"
    if polarity == "band" and upper is not None and not pd.isna(upper):
        return f"{format_number(target, unit)} to {format_number(upper, unit)}"
    return format_number(target, unit)


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
