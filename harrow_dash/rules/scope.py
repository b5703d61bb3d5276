"""The scope line: the filters in force in words, and what a filter could not do, said plainly.

Every filter applies to everything the dashboard shows: indicators (by their own priority,
directorate and portfolio), flagship actions (a split line's own directorate and portfolio, else its
parent's) and achievements and areas for improvement (their own priority; the directorate and
portfolio of the indicator or action they refer to). Where a filter cannot apply, the scope says so
instead of leaving things in or out silently:

* a highlight that refers to no indicator or action (or to one without a directorate or portfolio)
  cannot be placed by those filters, so it is left out, and the number left out is stated;
* highlights have no RAG rating, so the RAG filter does not narrow them;
* flagship actions have statuses, not ratings: the RAG filter reads them as the report counts them.

Pages show :func:`caveats` under what they affect; the briefing pack, spreadsheet downloads and the
presentation put :func:`scope_lines` (or :func:`short_scope` and :func:`short_caveats`) in their
heading. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping

from harrow_dash.rules.filters import Filters

ACTIONS_RAG = (
    "The RAG filter reads flagship action statuses as the report counts them: Green is on track or "
    "complete, Amber minor slippage, Red off track, Not rated not started or not yet due."
)
HIGHLIGHTS_RAG = (
    "The RAG filter does not narrow achievements and areas for improvement: they have no rating."
)


def _owner_filters(filters: Filters) -> str:
    names = [
        name
        for name, on in (("directorate", filters.directorates), ("portfolio", filters.portfolios))
        if on
    ]
    return " and ".join(names) + (" filters" if len(names) > 1 else " filter")


def unplaced_sentence(filters: Filters, unplaced: int) -> str | None:
    """What the directorate and portfolio filters left out of the highlights, or None."""
    if not unplaced or not (filters.directorates or filters.portfolios):
        return None
    one = unplaced == 1
    what = (
        "1 achievement or area for improvement is"
        if one
        else f"{unplaced} achievements and areas for improvement are"
    )
    they, them = ("it refers", "it") if one else ("they refer", "them")
    return (
        f"{what} left out: {they} to no indicator or flagship action with a directorate and "
        f"portfolio, so the {_owner_filters(filters)} cannot place {them}."
    )


def caveats(
    filters: Filters,
    unplaced_highlights: int = 0,
    *,
    actions: bool = True,
    highlights: bool = True,
) -> list[str]:
    """Sentences about what the filters in force could not do, for a view that shows flagship
    actions and/or highlights (``unplaced_highlights``: how many a directorate or portfolio filter
    left out because nothing places them)."""
    out: list[str] = []
    if filters.rags and actions:
        out.append(ACTIONS_RAG)
    if filters.rags and highlights:
        out.append(HIGHLIGHTS_RAG)
    if highlights and (sentence := unplaced_sentence(filters, unplaced_highlights)):
        out.append(sentence)
    return out


def scope_lines(
    filters: Filters,
    priority_names: Mapping[int, str] | None = None,
    unplaced_highlights: int = 0,
    *,
    actions: bool = True,
    highlights: bool = True,
) -> list[str]:
    """The filters in words (without the quarter), then the caveats."""
    lines = [line for line in filters.describe(priority_names) if not line.startswith("Quarter:")]
    return lines + caveats(filters, unplaced_highlights, actions=actions, highlights=highlights)


def short_scope(filters: Filters, priority_names: Mapping[int, str] | None = None) -> list[str]:
    """The filters in force for a slide's top band (nothing when there are none)."""
    return [
        line
        for line in filters.describe(priority_names)
        if not line.startswith(("Quarter:", "All "))
    ]


def short_caveats(filters: Filters, unplaced_highlights: int = 0) -> list[str]:
    """The caveats in a few words each, for a slide (shown on a line of their own under the top
    band, so they are never cut off)."""
    out: list[str] = []
    if filters.rags:
        out.append("Flagship actions: Green counts on track and complete")
        out.append("achievements have no rating, so the RAG filter does not narrow them")
    if unplaced_sentence(filters, unplaced_highlights):
        n = unplaced_highlights
        out.append(
            f"{n} highlight{'s' if n != 1 else ''} with no indicator or action left out by the "
            f"{_owner_filters(filters)}"
        )
    return out
