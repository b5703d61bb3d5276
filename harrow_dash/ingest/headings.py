"""Column headings: the spellings councils use for each field, and how a sheet's layout is recognised.

Headings are matched case-insensitively, ignoring extra spaces and punctuation such as ``:`` or ``.``.
The README lists the accepted spellings (generated from the tables below).

Layouts:
* ``tidy``: one row per indicator per quarter (has a quarter column and an actual column);
* ``scorecard``: one row per indicator, one column per quarter (headings such as ``Q3 2023-24``);
* ``actions``: flagship action statuses, one row per action (line) per quarter;
* ``highlights``: achievements and areas for improvement;
* ``comparators`` and ``groups``: other areas' values and named comparison groups
  (see :mod:`harrow_dash.ingest.comparators`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harrow_dash.periods import Period, PeriodError, parse_period

INTERNAL_SPELLINGS = (
    "internal",
    "internal commentary",
    "commentary internal",
    "commentary is internal",
    "internal only",
    "internal (yes/no)",
    "commentary is internal (yes/no)",
    "internal commentary (yes/no)",
    "not for publication",
)

INDICATOR_FIELDS: dict[str, tuple[str, ...]] = {
    "ref": (
        "ref",
        "pi ref",
        "reference",
        "indicator ref",
        "kpi ref",
        "pi code",
        "code",
        "id",
        "indicator code",
        "measure ref",
        "pi",
        "pi no",
        "pi number",
        "kpi",
    ),
    "name": (
        "name",
        "measure",
        "indicator",
        "indicator name",
        "pi name",
        "kpi name",
        "measure name",
        "performance indicator",
        "description of measure",
        "pi description",
        "title",
    ),
    "description": ("description", "definition", "about", "indicator description"),
    "priority": ("priority", "corporate priority", "plan priority", "priority name", "theme"),
    "directorate": ("directorate", "department", "service area", "dept", "division"),
    "portfolio_holder": (
        "portfolio holder",
        "portfolio",
        "cabinet member",
        "lead member",
        "portfolio lead",
        "cabinet portfolio",
    ),
    "unit": ("unit", "units", "unit of measure", "measure type", "format", "type"),
    "polarity": (
        "polarity",
        "good is",
        "good performance is",
        "direction",
        "aim",
        "desired direction",
        "higher or lower is better",
        "is higher better",
        "better if",
    ),
    "tolerance": ("tolerance", "amber tolerance", "tolerance %", "rag tolerance"),
    "frequency": ("frequency", "reporting frequency", "collected", "how often"),
    "counts_people": (
        "counts people",
        "people count",
        "counts of people",
        "suppress",
        "subject to suppression",
        "suppression",
        "personal data",
    ),
    "source": ("source", "data source", "system"),
    "benchmark_measure": (
        "benchmark measure",
        "benchmark measure id",
        "comparator measure",
        "comparator measure id",
        "lg inform metric",
        "lg inform measure",
        "oflog metric",
    ),
    "cumulative_or_seasonal": (
        "cumulative or seasonal",
        "cumulative/seasonal",
        "seasonal or cumulative",
        "cumulative",
        "seasonal",
        "seasonality",
    ),
    "period": ("period", "quarter", "reporting period", "qtr", "as at", "quarter ending"),
    "actual": ("actual", "value", "result", "outturn", "performance", "actual value"),
    "target": ("target", "target value", "annual target", "target lower", "lower target"),
    "target_upper": (
        "target upper",
        "upper target",
        "target max",
        "target maximum",
        "band upper",
        "target (upper)",
        "upper bound",
    ),
    "rag": ("rag", "rag status", "rag rating", "rating", "status", "official rag"),
    "commentary": (
        "commentary",
        "comment",
        "comments",
        "narrative",
        "explanation",
        "notes",
        "officer commentary",
    ),
    "benchmark": (
        "benchmark",
        "benchmark value",
        "comparator",
        "london average",
        "national average",
        "england average",
    ),
    "benchmark_label": ("benchmark label", "benchmark name", "comparator group", "benchmark group"),
    # yes/no: the commentary is for officers and councillors only (hidden in the public view).
    "commentary_internal": INTERNAL_SPELLINGS,
}

ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "ref": ("ref", "action ref", "fa ref", "reference", "code", "id", "flagship action ref"),
    "title": ("title", "action", "flagship action", "commitment", "action title", "description"),
    "priority": INDICATOR_FIELDS["priority"],
    "directorate": INDICATOR_FIELDS["directorate"],
    "portfolio_holder": INDICATOR_FIELDS["portfolio_holder"],
    "lead": ("lead", "lead officer", "owner", "responsible officer", "accountable officer"),
    "parent_ref": ("parent ref", "parent", "part of", "parent action"),
    "period": INDICATOR_FIELDS["period"],
    "status": ("status", "progress", "rag", "rag status", "action status"),
    "commentary": INDICATOR_FIELDS["commentary"],
    "commentary_internal": INTERNAL_SPELLINGS,
}

HIGHLIGHT_FIELDS: dict[str, tuple[str, ...]] = {
    "period": INDICATOR_FIELDS["period"],
    "priority": INDICATOR_FIELDS["priority"],
    "kind": ("kind", "type", "category", "highlight type"),
    "text": ("text", "highlight", "detail", "description", "achievement or improvement"),
    "indicator_ref": ("indicator ref", "indicator", "pi ref", "related indicator"),
    "action_ref": ("action ref", "action", "fa ref", "related action", "flagship action ref"),
}

# Columns the dashboard works out itself (its own exports carry them beside the data): recognised,
# not loaded, and not reported as unknown. "official rag" is the RAG supplied, which *is* loaded.
DERIVED_HEADINGS = frozenset(
    {
        "computed rag",
        "calculated rag",
        "state",
        "reporting state",
        "data-quality note",
        "rag note",
    }
)

COMPARATOR_FIELDS: dict[str, tuple[str, ...]] = {
    "area_code": (
        "area code",
        "gss code",
        "ons code",
        "area gss code",
        "la code",
        "local authority code",
        "geography code",
        "area id",
    ),
    "area_name": (
        "area name",
        "area",
        "local authority",
        "local authority name",
        "authority",
        "la name",
        "geography name",
        "council",
    ),
    "measure": (
        "measure id",
        "metric id",
        "measure code",
        "metric code",
        "measure ref",
        "benchmark measure",
        "indicator id",
    ),
    "measure_name": ("measure name", "measure", "metric", "metric name", "indicator name"),
    "period": ("period", "time period", "quarter", "year", "financial year", "period label"),
    "value": ("value", "data value", "figure", "actual", "metric value"),
    "source": ("source", "data source", "publisher", "dataset"),
}
GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "group_name": ("group", "group name", "comparison group", "comparator group"),
    "area_code": COMPARATOR_FIELDS["area_code"],
    "area_name": COMPARATOR_FIELDS["area_name"],
}

LAYOUT_FIELDS = {
    "comparators": COMPARATOR_FIELDS,
    "groups": GROUP_FIELDS,
    "tidy": INDICATOR_FIELDS,
    "scorecard": INDICATOR_FIELDS,
    "actions": ACTION_FIELDS,
    "highlights": HIGHLIGHT_FIELDS,
}

# Sheets with these names hold guidance for people, not data, and are skipped.
GUIDANCE_SHEETS = (
    "guidance",
    "read me",
    "readme",
    "notes",
    "key",
    "instructions",
    "lists",
    "about",
)


def normalise(heading: object) -> str:
    text = str(heading if heading is not None else "").replace("\ufeff", "").replace("\u00a0", " ")
    text = re.sub(r"[\s_]+", " ", text.strip().lower())
    return text.strip(" :.*")


def _lookup(fields: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalise(s): name for name, spellings in fields.items() for s in spellings}


_LOOKUPS = {layout: _lookup(fields) for layout, fields in LAYOUT_FIELDS.items()}

_QUARTER_WORDS = {
    "actual": "actual",
    "target": "target",
    "rag": "rag",
    "commentary": "commentary",
    "comment": "commentary",
    "comments": "commentary",
    "status": "rag",
}


def quarter_heading(heading: object) -> tuple[Period, str] | None:
    """Read a scorecard quarter heading: ``Q3 2023-24`` (an actual), ``Q3 2023-24 Target``,
    ``RAG Q3 2023/24``, ``Q3 23/24 commentary``. Returns ``(period, field)`` or None."""
    text = normalise(heading)
    if not text:
        return None
    field = "actual"
    for word, name in _QUARTER_WORDS.items():
        m = re.fullmatch(rf"(?:{word}\s*[-:(]?\s*(.+?)\)?|(.+?)\s*[-:(]?\s*{word}\)?)", text)
        if m:
            text = (m.group(1) or m.group(2)).strip(" -:()")
            field = name
            break
    try:
        return parse_period(text), field
    except PeriodError:
        return None


def quarter_heading_error(heading: object) -> str | None:
    """Why a heading that looks like a quarter cannot be read, else None."""
    text = normalise(heading)
    if not re.search(r"\bq(?:tr|uarter)?\s*\d|\b\d{2,4}\s*[-/]\s*\d{2,4}\b", text):
        return None
    if quarter_heading(heading) is not None:
        return None
    core = text
    for word in _QUARTER_WORDS:
        core = re.sub(rf"\b{word}\b", "", core).strip(" -:()")
    try:
        parse_period(core)
    except PeriodError as exc:
        return f"cannot read the quarter heading: {exc}"
    return "cannot read the quarter heading."


@dataclass
class HeaderMatch:
    layout: str
    row_index: int  # 0-based index among the sheet's rows
    fields: dict[int, str]  # column index -> field name
    quarter_columns: dict[int, tuple[Period, str]]  # scorecard: column index -> (period, field)
    unknown: dict[int, str]  # column index -> heading that matched nothing


def match_header(cells: list[object]) -> HeaderMatch | None:
    """Recognise a header row and its layout, or None if this row is not a header."""
    norm = [normalise(c) for c in cells]
    best: HeaderMatch | None = None
    # Most specific first: an indicator sheet with "Description" and "RAG" columns would otherwise
    # pass for a flagship-action sheet ("title" and "status" have those spellings too).
    for layout in ("comparators", "groups", "tidy", "scorecard", "highlights", "actions"):
        lookup = _LOOKUPS[layout]
        fields: dict[int, str] = {}
        quarters: dict[int, tuple[Period, str]] = {}
        unknown: dict[int, str] = {}
        for i, h in enumerate(norm):
            if not h:
                continue
            if layout == "scorecard" and (q := quarter_heading(cells[i])) is not None:
                quarters[i] = q
            elif h in lookup and lookup[h] not in fields.values():
                fields[i] = lookup[h]
            else:
                unknown[i] = str(cells[i]).strip()
        names = set(fields.values())
        ok = {
            "comparators": {"area_code", "measure", "period", "value"} <= names,
            "groups": {"group_name", "area_code"} <= names and "value" not in names,
            "highlights": {"kind", "text", "priority"} <= names,
            "actions": {"ref", "status"} <= names and "title" in names and "actual" not in names,
            "tidy": {"ref", "period", "actual"} <= names,
            "scorecard": "ref" in names and bool(quarters) and "period" not in names,
        }[layout]
        if ok:
            best = HeaderMatch(layout, 0, fields, quarters, unknown)
            break
    return best
