"""The one filter object every query and page takes, and its round trip through a URL's query string.

The filter bar binds each widget to a query parameter: ``quarter`` (canonical label), ``priority``
(priority names), ``directorate``, ``portfolio`` and ``rag``, repeated for several values.

A link an officer shares carries the filters, the quarter always included (the frame writes the
default one into the URL too), so a link opens the same quarter after the next quarter is loaded.
Reading it back never fails: a value that no longer exists, or that this viewer may not see, is
dropped with a gentle note saying so and naming what is shown instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from harrow_dash.formats.textsafe import quoted
from harrow_dash.rules.periods import Period, PeriodError, parse_period

RAG_CHOICES = ("Green", "Amber", "Red", "Withheld", "Not rated")


@dataclass(frozen=True)
class Filters:
    period: Period | None = None
    priorities: tuple[int, ...] = ()
    directorates: tuple[str, ...] = ()
    portfolios: tuple[str, ...] = ()
    rags: tuple[str, ...] = ()

    def with_period(self, period: Period) -> Filters:
        return replace(self, period=period)

    def describe(self, priority_names: Mapping[int, str] | None = None) -> list[str]:
        """Plain-English lines naming the filters in force, for headers of exports and briefings."""
        names = priority_names or {}
        lines = []
        if self.period:
            lines.append(f"Quarter: {self.period.label} ({self.period.as_at})")
        if self.priorities:
            lines.append(
                "Priority: " + "; ".join(names.get(p, f"Priority {p}") for p in self.priorities)
            )
        if self.directorates:
            lines.append("Directorate: " + "; ".join(self.directorates))
        if self.portfolios:
            lines.append("Portfolio: " + "; ".join(self.portfolios))
        if self.rags:
            lines.append("RAG: " + "; ".join(self.rags))
        if len(lines) <= 1:
            lines.append("All priorities, directorates and portfolios")
        return lines


@dataclass
class Options:
    """The values a filter may take, as the database holds them now.

    ``default_period`` is the quarter a view opens on (:func:`harrow_dash.store.quarters.default_quarter`;
    the frame puts the editors' one, ``draft_default``, there for an editor); ``quarter_states``
    says how far each quarter is reported and published, for the quarter picker."""

    periods: list[Period]
    priorities: dict[int, str]
    directorates: list[str]
    portfolios: list[str]
    default_period: Period | None
    draft_default: Period | None = None
    quarter_states: dict[Period, str] = field(default_factory=dict)
    nothing_reported: tuple[Period, ...] = ()  # quarters with no indicator actual, no action status
    public: bool = False


@dataclass
class ParsedLink:
    filters: Filters
    notes: list[str] = field(default_factory=list)


def _many(params: Mapping[str, str | list[str]], key: str) -> list[str]:
    raw = params.get(key, [])
    items = [raw] if isinstance(raw, str) else list(raw)
    return [item for item in items if item]


def to_query(filters: Filters, names: Mapping[int, str]) -> dict[str, list[str]]:
    """Query-string parameters for ``filters``, as the filter bar writes them (repeated parameters
    for several values; priorities by name)."""
    q: dict[str, list[str]] = {}
    if filters.period:
        q["quarter"] = [filters.period.label]
    if filters.priorities:
        q["priority"] = [names.get(p, str(p)) for p in filters.priorities]
    if filters.directorates:
        q["directorate"] = list(filters.directorates)
    if filters.portfolios:
        q["portfolio"] = list(filters.portfolios)
    if filters.rags:
        q["rag"] = list(filters.rags)
    return q


def from_query(params: Mapping[str, str | list[str]], options: Options) -> ParsedLink:
    """Filters from a link, keeping only values that exist; each dropped value gets a note (plain
    text quoting the link's value, shortened: escape it where it is shown). A quarter the viewer
    cannot see is never swapped silently: the note names the quarter shown instead."""
    notes: list[str] = []
    period = options.default_period
    quarter = _many(params, "quarter")
    if quarter:
        instead = f"showing {_label(period)} instead."
        try:
            wanted = parse_period(quarter[0])
        except PeriodError:
            notes.append(
                f"The link's quarter {quoted(quarter[0])} is not a quarter like Q3 2023-24; "
                + instead
            )
        else:
            if wanted in options.periods:
                period = wanted
            elif options.public:
                notes.append(
                    f"The link is for {wanted.label}, which is not a published quarter, so the "
                    f"public view cannot show it; {instead}"
                )
            else:
                notes.append(
                    f"The link is for {wanted.label}, but there is no data for that quarter (it "
                    f"has not been loaded, or its data was rolled back); {instead}"
                )

    def keep(key: str, allowed: Iterable[str], what: str) -> tuple[str, ...]:
        allowed_list = list(allowed)
        lookup = {a.lower(): a for a in allowed_list}
        kept: list[str] = []
        for value in _many(params, key):
            match = lookup.get(value.strip().lower())
            if match is None:
                notes.append(
                    f"The link names {what} {quoted(value)}, which is not in the data; it was "
                    "ignored."
                )
            elif match not in kept:
                kept.append(match)
        return tuple(kept)

    by_name = {name: pid for pid, name in options.priorities.items()}
    prio_names = keep("priority", list(by_name), "a priority")
    filters = Filters(
        period=period,
        priorities=tuple(by_name[n] for n in prio_names),
        directorates=keep("directorate", options.directorates, "a directorate"),
        portfolios=keep("portfolio", options.portfolios, "a portfolio"),
        rags=keep("rag", RAG_CHOICES, "a RAG status"),
    )
    return ParsedLink(filters, notes)


def _label(period: Period | None) -> str:
    return period.label if period else "the latest quarter"
