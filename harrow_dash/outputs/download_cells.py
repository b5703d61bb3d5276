"""The one rule for a figure and a rating in a downloaded file, so a download can be summed and charted.

A figure column in a download (CSV, Excel, OpenDocument, open data, the command-line export) holds a
number or nothing: never words. Why a cell has no number, or what qualifies the number it has, is a
plain word in a separate ``status`` column:

* ``suppressed``: a small count of people not shown, or a figure the source held back (GSS ``[c]``,
  ``[low]``, ``[w]``);
* ``missing``: not yet reported, or not available (``[x]``);
* ``not due``: an annual measure outside its reporting quarter (or a value marked not due);
* ``not applicable``: GSS ``[z]``;
* a number's GSS marker in words (``provisional``, ``revised``, ``estimated``...), the number kept;
* blank: a plain reported number.

A rating is the plain word (``Green``, ``Amber``, ``Red``), ``withheld`` where giving it would narrow
down a suppressed count, ``not rated`` where there is none. The glyphs the pages put beside words
(``✔``, ``▲``, ``⊘``...) are for the screen only: :func:`plain_text` turns each label the pages write
into its words, for every cell of every page download.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache

from harrow_dash.outputs import explore
from harrow_dash.rules.action_status import ActionStatus
from harrow_dash.rules.action_status import status_label as group_status_label
from harrow_dash.rules.disclosure import WITHHELD_RAG
from harrow_dash.rules.gss import SYMBOLS, marker_codes
from harrow_dash.rules.rag import Rag
from harrow_dash.rules.scorecard import NOT_RATED, RAG_ORDER, rag_label
from harrow_dash.rules.travel import Travel
from harrow_dash.rules.value_states import ValueState

SUPPRESSED = "suppressed"
MISSING = "missing"
NOT_DUE = "not due"
NOT_APPLICABLE = "not applicable"
WITHHELD = "withheld"
NOT_RATED_WORDS = "not rated"

# The status of a value with no number, by its reporting state (value_states.ValueState).
_STATE_STATUS = {
    ValueState.NOT_DUE.value: NOT_DUE,
    ValueState.NOT_REPORTED.value: MISSING,
    ValueState.NOT_AVAILABLE.value: MISSING,
    ValueState.NOT_APPLICABLE.value: NOT_APPLICABLE,
    ValueState.HELD_BACK.value: SUPPRESSED,
}


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool | str):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _flag(value: object) -> bool:
    return value is True or (not isinstance(value, str) and value == 1)


def number_words(marker: object) -> str | None:
    """The words of the GSS markers that qualify a number (``"p,e"`` -> ``"provisional,
    estimated"``), None where there are none. Codes for no figure are not a number's markers."""
    words = [
        SYMBOLS[c].words if c in SYMBOLS else f"[{c}]"
        for c in marker_codes(marker)
        if c not in SYMBOLS or SYMBOLS[c].kind == "marker"
    ]
    return ", ".join(words) or None


def figure_cell(
    actual: object,
    suppressed: object = False,
    state: object = None,
    marker: object = None,
    reveal_suppressed: bool = False,
) -> tuple[float | None, str | None]:
    """One figure as a download holds it: (number or None, status word or None).

    ``suppressed`` says the figure is a small count of people (hidden unless
    ``reveal_suppressed``, for an editor who sees raw counts); ``state`` is its reporting state
    (:class:`harrow_dash.rules.value_states.ValueState` value); ``marker`` its stored GSS codes."""
    if _flag(suppressed) and not reveal_suppressed:
        return None, SUPPRESSED
    number = _number(actual)
    if number is None:
        return None, _STATE_STATUS.get(str(state), MISSING) if state is not None else MISSING
    return number, number_words(marker)


def figure_cells(
    actual: Sequence[object],
    suppressed: Sequence[object] | None = None,
    state: Sequence[object] | None = None,
    marker: Sequence[object] | None = None,
    reveal_suppressed: bool = False,
) -> tuple[list[float | None], list[str | None]]:
    """:func:`figure_cell` for whole columns: (numbers, statuses)."""
    n = len(actual)
    cells = [
        figure_cell(a, s, st, m, reveal_suppressed)
        for a, s, st, m in zip(
            actual,
            suppressed if suppressed is not None else [False] * n,
            state if state is not None else [None] * n,
            marker if marker is not None else [None] * n,
            strict=True,
        )
    ]
    return [c[0] for c in cells], [c[1] for c in cells]


def rating_word(rag: object) -> str:
    """A rating as a download writes it: ``Green``, ``Amber``, ``Red``, ``withheld`` or ``not
    rated`` (no glyph)."""
    text = str(rag) if isinstance(rag, str) else ""
    if text in {r.value for r in Rag}:
        return text
    if text == WITHHELD_RAG:
        return WITHHELD
    return NOT_RATED_WORDS


@cache
def _labels() -> dict[str, str]:
    """Every label a page writes with a glyph, and its words in a download."""
    out: dict[str, str] = {rag_label(r): rating_word(r) for r in RAG_ORDER}
    out[rag_label(NOT_RATED)] = NOT_RATED_WORDS
    for t in Travel:
        out[t.text] = WITHHELD if t is Travel.WITHHELD else t.value
    for s in ActionStatus:
        out[explore.status_label(s.value)] = s.value
        out[group_status_label(s.value)] = s.value
    for kind, words in explore.KIND_WORDS.items():
        out[explore.kind_label(kind)] = words
    out[explore.RAG_NOTE_FLAG] = explore.RAG_NOTE_FLAG.split(" ", 1)[1]
    return out


def plain_text(value: str) -> str:
    """A cell as a download writes it: a page's label with a glyph becomes its words ("✖ Red" ->
    "Red", "⊘ Rating withheld: small number" -> "withheld", "▲ improving" -> "improving"); a split
    action line loses its indent and arrow. Any other text is returned unchanged."""
    found = _labels().get(value)
    if found is not None:
        return found
    if value.startswith(explore.SPLIT_MARK):
        return value[len(explore.SPLIT_MARK) :]
    return value
