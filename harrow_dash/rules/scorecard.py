"""Applying the domain rules to tables of indicator values: RAG, state, direction of travel, display.

The store returns raw values; this module adds what the rules say about them, using the rule modules
(``rag``, ``travel``, ``value_states``, ``suppression``, ``units``) and nothing else, so every page,
export and briefing shows the same judgement. Pure pandas, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from harrow_dash.rules.disclosure import RATING_WITHHELD, WITHHELD, WITHHELD_RAG, disclosed
from harrow_dash.rules.gss import marker_words
from harrow_dash.rules.movements import compare_with_year
from harrow_dash.rules.rag import (
    Rag,
    as_floats,
    compute_rag,
    compute_rag_frame,
    rag_mismatch_note,
)
from harrow_dash.rules.suppression import (
    DEFAULT_THRESHOLD,
    SmallNumbers,
    is_suppressed,
    small_numbers,
    suppressed_text,
)
from harrow_dash.rules.travel import Travel, direction_of_travel, direction_of_travel_frame
from harrow_dash.rules.units import format_number, formatter
from harrow_dash.rules.value_states import (
    NO_FIGURE_STATES,
    Frequency,
    ValueState,
    symbol_state,
    value_state,
)

NOT_RATED = "Not rated"
# A rating that would give away a suppressed count: its own category, never folded into another,
# so that a filtered count cannot reveal which indicators are behind it.
RAG_ORDER = [Rag.GREEN.value, Rag.AMBER.value, Rag.RED.value, WITHHELD_RAG, NOT_RATED]
RAG_ICONS = {
    Rag.GREEN.value: "\u2714",
    Rag.AMBER.value: "\u25b2",
    Rag.RED.value: "\u2716",
    WITHHELD_RAG: "\u2298",
    NOT_RATED: "\u25cb",
}


@dataclass(frozen=True)
class RuleSettings:
    default_tolerance: float = 0.05
    suppression_threshold: int = DEFAULT_THRESHOLD
    reveal_suppressed: bool = False  # editors may see raw small counts
    suppress_zero: bool = True  # a count of people of 0 is hidden like 1 to threshold - 1

    @property
    def small_numbers(self) -> SmallNumbers:
        """The one small-numbers rule these settings give (threshold and the treatment of zero)."""
        return SmallNumbers(self.suppression_threshold, self.suppress_zero)


def rag_label(rag: str | None) -> str:
    """RAG as icon and word, never colour alone: '✖ Red'."""
    key = rag if rag in RAG_ICONS else NOT_RATED
    if key == WITHHELD_RAG:
        return f"{RAG_ICONS[key]} {RATING_WITHHELD}"
    return f"{RAG_ICONS[key]} {key}"


def rate(
    frame: pd.DataFrame, rules: RuleSettings | None = None, *, texts: bool = True
) -> pd.DataFrame:
    """Add ``computed_rag``, ``rag`` (official wins), ``rag_note``, ``state`` and display columns.

    ``frame`` needs: actual, target, target_upper, polarity, tolerance, official_rag, frequency,
    not_due, unit, counts_people. ``texts=False`` leaves out the text columns (``rag_note``,
    ``actual_text``, ``target_text``, ``rag_text``), for an export of a million numbers.

    Columns are worked on whole (numpy) or as plain lists, never by iterating the frame's own
    columns, so that rating the 20,000 indicators of a large database takes milliseconds.
    """
    rules = rules or RuleSettings()
    out = frame.copy(deep=False)  # copy on write: the caller's frame is never changed
    if out.empty:
        for c in (
            "computed_rag",
            "rag",
            "rag_note",
            "state",
            "suppressed",
            "actual_text",
            "target_text",
            "marker_text",
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
    if texts:
        out["rag_note"] = [
            None if o is None or c is None else rag_mismatch_note(o, c)
            for o, c in zip(official.tolist(), out["computed_rag"].tolist(), strict=True)
        ]
    out["state"] = _states(out["actual"], out["target"], out["frequency"], out["not_due"])
    # The words of each value's GSS marker ("provisional"; gss.marker_words), "" where none; a
    # value with no figure for a stated reason ("[x]", "[c]") is in that state.
    marker = out["marker"] if "marker" in out else pd.Series(None, index=out.index, dtype=object)
    out["marker_text"] = _per_distinct(marker.astype(object), marker_words)
    _symbol_states(out, marker)
    # An indicator without an actual has no rating, whatever was computed.
    no_value = out["state"].isin([s.value for s in NO_FIGURE_STATES])
    out.loc[no_value & official.isna(), "rag"] = NOT_RATED
    out["suppressed"] = suppressed_mask(out["actual"], out["counts_people"], rules.small_numbers)
    if not rules.reveal_suppressed:
        _withhold_ratings(out, rules.small_numbers)
    if not texts:
        return out
    unit = out["unit"].tolist()
    out["actual_text"] = _actual_texts(
        out["actual"].tolist(),
        unit,
        out["state"].tolist(),
        out["suppressed"].tolist(),
        rules,
        out["marker_text"].tolist(),
    )
    out["target_text"] = _target_texts(
        out["target"].tolist(), out["target_upper"].tolist(), unit, out["polarity"].tolist()
    )
    out["rag_text"] = _per_distinct(out["rag"], rag_label)
    return out


def _symbol_states(out: pd.DataFrame, marker: pd.Series) -> None:
    """Where a value has no figure and its file said why (a GSS symbol), the state says so: "not
    available", "not applicable", "held back" (:func:`value_states.symbol_state`). In place, on the
    few such rows."""
    rows = np.flatnonzero((marker.notna() & out["actual"].isna()).to_numpy())
    if not len(rows):
        return
    idx = out.index[rows]
    states = out["state"].astype(object).tolist()
    for i, m, nd in zip(
        rows.tolist(),
        marker.loc[idx].tolist(),
        out.loc[idx, "not_due"].fillna(False).tolist(),
        strict=True,
    ):
        found = None if nd else symbol_state(m)
        if found is not None:
            states[i] = found.value
    out["state"] = pd.Series(states, index=out.index, dtype="str")


def _withhold_ratings(out: pd.DataFrame, threshold: SmallNumbers | int) -> None:
    """For each suppressed actual, keep a rating only if every value the count could hold gets it
    (:func:`disclosure.disclosed`); otherwise the rating is :data:`WITHHELD_RAG`. An official rating
    stands only where it is that same rating, and no data-quality note is given (it would compare
    with the computed one). Works in place on the few suppressed rows."""
    rows = np.flatnonzero(np.asarray(out["suppressed"].tolist(), dtype=bool))
    if not len(rows):
        return
    idx = out.index[rows]
    rags, computed = [], []
    for a, t, pol, tol, tu, off in zip(
        out.loc[idx, "actual"].tolist(),
        out.loc[idx, "target"].tolist(),
        out.loc[idx, "polarity"].tolist(),
        out.loc[idx, "tolerance"].tolist(),
        out.loc[idx, "target_upper"].tolist(),
        out.loc[idx, "official_rag"].tolist(),
        strict=True,
    ):
        rating = disclosed(
            lambda v, t=t, pol=pol, tol=tol, tu=tu: compute_rag(v, _f(t), pol, _f(tol), _f(tu)),
            [a],
            [True],
            threshold,
        )
        shown = rating.value if isinstance(rating, Rag) else None
        official = off if isinstance(off, str) and off else None
        if rating is WITHHELD or (official is not None and official != shown):
            rags.append(WITHHELD_RAG)
        else:
            rags.append(shown or NOT_RATED)
        computed.append(None if rating is WITHHELD else shown)
    out["rag"] = out["rag"].astype(object)
    out.loc[idx, "rag"] = rags
    out["computed_rag"] = out["computed_rag"].astype(object)
    out.loc[idx, "computed_rag"] = computed
    out["official_rag"] = out["official_rag"].astype(object)
    out.loc[idx, "official_rag"] = None
    if "rag_note" in out:
        out["rag_note"] = out["rag_note"].astype(object)
        out.loc[idx, "rag_note"] = None


def _per_distinct(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``values.map(fn)`` for a column of a few distinct values: ``fn`` once per distinct value."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    mapped = pd.Series(distinct, dtype=values.dtype).map(fn)
    return pd.Series(mapped.array.take(codes), index=values.index, name=values.name)


# The four states a float column gives, by code (see ``_states``).
_STATE_WORDS = pa.array(
    [v.value for v in (ValueState.NOT_DUE, ValueState.NOT_REPORTED, ValueState.NO_TARGET)]
    + [ValueState.REPORTED.value]
)


def _states(
    actual: pd.Series, target: pd.Series, frequency: pd.Series, not_due: pd.Series
) -> list | pd.Series:
    """:func:`value_state` of every row, as its value; whole columns at once for float columns
    (then a text column built from a code per row, not a Python string per row)."""
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
    missing = np.flatnonzero(no_actual)
    if len(missing):
        marks = marked.iloc[missing].tolist()
        freqs = frequency.iloc[missing].tolist()
        for i, mark, freq in zip(missing, marks, freqs, strict=True):
            # as value_state: the mark first, then the frequency
            not_due_now[i] = bool(mark) or _is_annual(freq)
    code = np.where(no_actual, np.where(not_due_now, 0, 1), np.where(no_target, 2, 3))
    return pd.Series(pd.array(_STATE_WORDS.take(pa.array(code)), dtype="str"), index=actual.index)


def _is_annual(frequency: object) -> bool:
    return Frequency(frequency) is Frequency.ANNUAL  # type: ignore[arg-type]


def suppressed_mask(
    actual: pd.Series, counts_people: pd.Series, threshold: SmallNumbers | int
) -> np.ndarray:
    """:func:`is_suppressed` of every row, as a boolean array; whole columns at once for a float
    column."""
    if actual.dtype != np.float64:
        return np.array(
            [
                is_suppressed(a, bool(cp), threshold)
                for a, cp in zip(actual.tolist(), counts_people.tolist(), strict=True)
            ],
            dtype=bool,
        )
    values = np.abs(actual.to_numpy())
    if counts_people.dtype == bool:
        people = counts_people.to_numpy()
    else:  # with a gap: objects (True, False, None)
        people = np.array([bool(cp) for cp in counts_people.tolist()], dtype=bool)
    rule = small_numbers(threshold)
    with np.errstate(invalid="ignore"):
        small = values < rule.threshold
        return people & (small & (values > 0) if not rule.zero else small)


_NO_NUMBER = {v.value: v.text for v in (ValueState.NOT_DUE, ValueState.NOT_REPORTED)}
# States of a value with no figure by a GSS symbol: shown as the symbol's words ("Not available",
# "Held back (confidential)").
_BY_SYMBOL = {v.value for v in NO_FIGURE_STATES} - set(_NO_NUMBER)


# The two text columns are written in flat loops (a call less per value, which is most of the cost
# for a view of thousands of indicators); they give what these rules say, one value at a time:
#  * actual: the words for "not due" and "not yet reported"; the words of the GSS symbol a file
#    gave for no figure ("Not available"); "fewer than 5" for a suppressed count unless editors may
#    see it, then the number marked "(suppressed publicly)"; else the number; a marker's words after
#    it in brackets ("69.0% (provisional)", "fewer than 5 (provisional)": the marker is the file's,
#    the same whatever the hidden count);
#  * target: "No target"; for a band "low to high"; else the number;
# numbers written by ``units.formatter`` (the per-unit function ``units.format_number`` uses).
def _actual_texts(
    actual: list,
    unit: list,
    state: list,
    suppressed: list,
    rules: RuleSettings,
    markers: list | None = None,
) -> list[str]:
    hidden = suppressed_text(rules.small_numbers)
    reveal = rules.reveal_suppressed
    out: list[str] = []
    append = out.append
    for a, u, st, sup, mark in zip(
        actual, unit, state, suppressed, markers or [""] * len(actual), strict=True
    ):
        words = _NO_NUMBER.get(st)
        if words is not None:
            append(words)
        elif st in _BY_SYMBOL:
            append(mark[:1].upper() + mark[1:] if mark else ValueState(st).text)
        elif sup and not reveal:
            append(f"{hidden} ({mark})" if mark else hidden)
        else:
            text = format_number(a, u) if a is None or a != a else formatter(u)(a)
            if mark:
                text = f"{text} ({mark})"
            append(f"{text} (suppressed publicly)" if sup else text)
    return out


def _target_texts(target: list, upper: list, unit: list, polarity: list) -> list[str]:
    out: list[str] = []
    for t, tu, u, pol in zip(target, upper, unit, polarity, strict=True):
        if t is None or (t != t if type(t) is float else pd.isna(t)):
            out.append("No target")
            continue
        fmt = formatter(u)
        text = fmt(t)
        if (
            pol == "band"
            and tu is not None
            and not (tu != tu if type(tu) is float else pd.isna(tu))
        ):
            high = fmt(tu)
            text = f"{text} to {high}"
        out.append(text)
    return out


def add_travel(frame: pd.DataFrame, rules: RuleSettings | None = None) -> pd.DataFrame:
    """Direction of travel against last quarter (``travel_prev``) and last year (``travel_year``).

    Needs ``prev_actual`` and ``year_actual`` beside the columns :func:`rate` needs. Where either
    value is a suppressed count, the direction is given only if it is the same for every value the
    hidden count(s) could hold (:func:`disclosure.disclosed`), else it is withheld."""
    rules = rules or RuleSettings()
    out = frame.copy()
    hide = not rules.reveal_suppressed
    threshold = rules.small_numbers
    now_hidden = (
        [hide and bool(x) for x in out["suppressed"].tolist()]
        if "suppressed" in out
        else [False] * len(out)
    )
    people = out["counts_people"].tolist() if "counts_people" in out else [False] * len(out)
    for col, earlier in (("travel_prev", "prev_actual"), ("travel_year", "year_actual")):
        if not len(out):
            out[col] = pd.Series(dtype=object)
            out[f"{col}_text"] = pd.Series(dtype=object)
            continue
        values = direction_of_travel_frame(
            out["actual"], out[earlier], out["polarity"], out["target"], out["target_upper"]
        )
        # Where a count on either side is suppressed, the one rule decides (few rows).
        then_hidden = (
            suppressed_mask(
                pd.Series(as_floats(out[earlier]), index=out.index, copy=False),
                pd.Series(people, copy=False),
                threshold,
            )
            & hide
        ).tolist()
        travel: list[str] = list(values)
        for i, (h_now, h_then) in enumerate(zip(now_hidden, then_hidden, strict=True)):
            if h_now or h_then:
                row = out.iloc[i]
                travel[i] = _travel(
                    _f(row["actual"]),
                    _f(row[earlier]),
                    row["polarity"],
                    _f(row["target"]),
                    _f(row["target_upper"]),
                    h_now,
                    h_then,
                    threshold,
                )
        out[col] = pd.Series(travel, index=out.index, dtype=object)
        out[f"{col}_text"] = out[col].map(_TRAVEL_TEXT)
    # Like with like: a cumulative or seasonal measure's direction is the one against a year
    # earlier (harrow_dash.rules.movements), said so; every other measure's is against last quarter.
    by_year = compare_with_year(
        out["cumulative_or_seasonal"].tolist()
        if "cumulative_or_seasonal" in out
        else [None] * len(out)
    ).tolist()
    out["travel_text"] = [
        f"{y} on a year earlier" if yearly else f"{p} on last quarter"
        for yearly, p, y in zip(
            by_year, out["travel_prev_text"].tolist(), out["travel_year_text"].tolist(), strict=True
        )
    ]
    return out


_TRAVEL_TEXT = {t.value: t.text for t in Travel}


def _travel(
    actual: float | None,
    earlier: float | None,
    polarity: str,
    target: float | None,
    upper: float | None,
    actual_hidden: bool,
    earlier_hidden: bool,
    threshold: SmallNumbers | int,
) -> str:
    got = disclosed(
        lambda a, e: direction_of_travel(a, e, polarity, target, upper),
        [actual, earlier],
        [actual_hidden, earlier_hidden],
        threshold,
    )
    return Travel.WITHHELD.value if got is WITHHELD else got.value  # type: ignore[union-attr]


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
