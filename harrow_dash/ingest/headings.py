"""Column headings: the spellings councils use for each field, and how a sheet's layout is recognised.

Headings are matched case-insensitively, ignoring extra spaces and punctuation such as ``:`` or ``.``.
docs/loading-data.md lists the accepted spellings (generated from the tables below).

Layouts:
* ``tidy``: one row per indicator per quarter (has a quarter column and an actual column);
* ``scorecard``: one row per indicator, one column per quarter (headings such as ``Q3 2023-24``);
* ``actions``: flagship action statuses, one row per action (line) per quarter;
* ``highlights``: achievements and areas for improvement;
* ``corrective``: Cabinet's corrective actions and their quarterly updates
  (see :mod:`harrow_dash.ingest.corrective`);
* ``comparators`` and ``groups``: other areas' values and named comparison groups
  (see :mod:`harrow_dash.ingest.comparators`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from harrow_dash.rules.gss import strip_notes
from harrow_dash.rules.periods import MONTH_NAMES, Period, PeriodError, parse_period

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
    # monthly indicators: how the quarter's position comes from the months ("last month" or "sum").
    "quarter_rule": (
        "quarter rule",
        "quarterly rule",
        "quarter value",
        "quarter value is",
        "quarter from months",
        "quarterly position",
    ),
    # yes/no: a value below zero is possible (a net change); otherwise counts, percentages and
    # durations must not be negative.
    "allow_negative": (
        "allow negative",
        "allow negatives",
        "allows negative",
        "can be negative",
        "negative allowed",
        "negatives allowed",
    ),
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
    # The actual's GSS marker in words or as the symbol ("provisional", "[p]"; harrow_dash.rules.gss),
    # as the editors' export writes it beside the figure.
    "marker": ("marker", "data marker", "value marker", "markers", "gss marker", "actual marker"),
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
        "actual status",
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
        "new la code",
        "la code (ons)",
        "ons area code",
        "ons la code",
        "lad code",
        "utla code",
        "geo code",
        "organisation code",
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
        "geography",
        "lad name",
        "utla name",
        "organisation name",
    ),
    # Files with a row per level (DfE: national, regional, local authority rows) give each level's
    # code in its own column: a row without an area code takes its region's, else its country's.
    "region_code": ("region code",),
    "region_name": ("region name",),
    "country_code": ("country code",),
    "country_name": ("country name",),
    # Codes and labels that identify a row but are not read: older codes, a parent area, a sort key.
    "other_code": (
        "old la code",
        "la code (old)",
        "parent code",
        "parent name",
        "time period sortable",
        "time period range",
    ),
    "area_type": (
        "area type",
        "geographic level",
        "geography type",
        "geography level",
        "area level",
        "organisation type",
    ),
    "measure": (
        "measure id",
        "metric id",
        "measure code",
        "metric code",
        "measure ref",
        "benchmark measure",
        "indicator id",
        "indicator code",
        "metric ref",
    ),
    # "measure" beside an indicator or metric name is the statistic (Percentage, Count, Rate per
    # 1,000), as ONS, DfE and OHID open data use it; alone it names the measure.
    "measure_name": (
        "measure name",
        "measure",
        "metric",
        "metric name",
        "indicator name",
        "indicator",
        "metric title",
        "indicator title",
        "indicator full name",
    ),
    "statistic": ("statistic", "statistic type", "measure type"),
    "period": (
        "period",
        "time period",
        "quarter",
        "year",
        "financial year",
        "period label",
        "academic year",
        "calendar year",
        "reporting period",
        "date",
        "time",
    ),
    "year_type": (
        "year type",
        "time identifier",
        "period type",
        "time period type",
        "year kind",
    ),
    "value": (
        "value",
        "data value",
        "figure",
        "actual",
        "metric value",
        "obs value",
        "observation",
        "indicator value",
    ),
    "value_note": ("value note", "value notes", "data marking", "obs status", "value status"),
    "source": ("source", "data source", "publisher", "dataset"),
    # Breakdowns: one measure for everyone (Persons, All ages), another for each part of it.
    "sex": ("sex", "gender"),
    "age": ("age", "age group", "age band"),
    "category_type": ("category type", "breakdown type", "inequality type"),
    "category": ("category", "breakdown", "inequality", "characteristic"),
}
GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "group_name": ("group", "group name", "comparison group", "comparator group"),
    "area_code": COMPARATOR_FIELDS["area_code"],
    "area_name": COMPARATOR_FIELDS["area_name"],
}

# Cabinet's corrective actions (harrow_dash.ingest.corrective): the spellings Pentana and Camms
# exports use. "internal note" is the quarter's update's; "action internal note" the action's own.
CORRECTIVE_FIELDS: dict[str, tuple[str, ...]] = {
    "action_id": (
        "action id",
        "action ref",
        "action code",
        "action reference",
        "corrective action id",
        "corrective action ref",
        "ca ref",
        "ca id",
        "code",
        "ref",
        "reference",
        "id",
    ),
    "subject_kind": ("subject kind", "subject type", "linked item type", "relates to type"),
    "subject_ref": (
        "subject",
        "subject ref",
        "linked indicator",
        "linked pi",
        "linked to",
        "linked item",
        "linked code",
        "related to",
        "relates to",
        "parent code",
        "indicator or action",
        "pi ref",
        "indicator ref",
    ),
    "action": (
        "action",
        "corrective action",
        "action description",
        "action title",
        "what will be done",
        "description",
        "title",
    ),
    "owner": (
        "owner",
        "action owner",
        "assigned to",
        "responsible officer",
        "lead officer",
        "officer",
        "managed by",
    ),
    "portfolio_holder": ("portfolio holder", "cabinet member", "lead member"),
    "agreed_period": (
        "agreed quarter",
        "quarter agreed",
        "agreed in",
        "agreed",
        "date agreed",
        "agreed date",
        "start date",
        "created",
    ),
    "agreed_at": ("agreed at", "meeting", "agreed at meeting", "cabinet meeting", "decision"),
    "due_period": (
        "due quarter",
        "due date",
        "due",
        "due by",
        "target date",
        "deadline",
        "end date",
        "completion date",
        "due period",
    ),
    "period": (
        "quarter",
        "update quarter",
        "period",
        "reporting period",
        "update period",
        "as at",
    ),
    "status": ("status", "action status", "progress status"),
    "update": (
        "update",
        "progress update",
        "latest note",
        "latest update",
        "progress",
        "progress note",
        "note",
        "notes",
        "commentary",
        "comments",
    ),
    "dropped_reason": (
        "dropped reason",
        "reason dropped",
        "reason for dropping",
        "why dropped",
        "reason for closure",
        "reason",
    ),
    "internal_note": (
        "internal note",
        "internal notes",
        "officer note",
        "officers only",
        "note (internal)",
    ),
    "action_internal_note": ("action internal note", "internal note (action)"),
}

# Headings that name a corrective action's id and nothing else's: a sheet of quarters' updates alone
# (id, quarter, status) under one of them is corrective actions, not flagship action statuses.
CORRECTIVE_ID_HEADINGS = frozenset(
    {"action id", "corrective action id", "corrective action ref", "ca ref", "ca id"}
)

LAYOUT_FIELDS = {
    "comparators": COMPARATOR_FIELDS,
    "corrective": CORRECTIVE_FIELDS,
    "groups": GROUP_FIELDS,
    "tidy": INDICATOR_FIELDS,
    "scorecard": INDICATOR_FIELDS,
    "actions": ACTION_FIELDS,
    "highlights": HIGHLIGHT_FIELDS,
}

# The fields each layout must have, for the message about a header that is not quite one: each entry
# is a field or fields any one of which will do (a scorecard also needs period columns). The message
# names the first of each entry missing.
REQUIRED_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "comparators": (
        ("area_code", "area_name"),
        ("measure", "measure_name"),
        ("period",),
        ("value",),
    ),
    "groups": (("group_name",), ("area_code",)),
    "tidy": (("ref",), ("period",), ("actual",)),
    "scorecard": (("ref",),),
    "highlights": (("priority",), ("kind",), ("text",)),
    "actions": (("ref",), ("title",), ("status",)),
    "corrective": (("action_id",), ("subject_ref",), ("action",), ("due_period",)),
}
LAYOUT_NAMES = {
    "comparators": "comparator values",
    "groups": "comparison groups",
    "tidy": "indicator values",
    "scorecard": "indicator values",
    "highlights": "highlights",
    "actions": "flagship actions",
    "corrective": "corrective actions",
}
FIELD_WORDS = {
    "ref": "the reference",
    "action_id": "the action id",
    "subject_ref": "the subject",
    "action": "the action",
    "due_period": "the due quarter",
    "period": "the quarter",
    "actual": "the actual value",
    "title": "the action's title",
    "status": "the status",
    "priority": "the priority",
    "kind": "the kind of highlight",
    "text": "the highlight's text",
    "area_code": "the area code",
    "measure": "the measure",
    "value": "the value",
    "group_name": "the group's name",
}

# Sheets with these names hold guidance for people, or a GSS accessible workbook's cover, contents and
# notes, not data: a sheet whose name starts with one of them is skipped when it holds no table.
NON_TABLE_SHEETS = (
    "cover",
    "contents",
    "table of contents",
    "notes",
    "note",
    "glossary",
    "definitions",
    "guidance",
    "read me",
    "readme",
    "information",
    "metadata",
    "key",
    "instructions",
    "lists",
    "about",
)
GUIDANCE_SHEETS = NON_TABLE_SHEETS  # the older name, kept for callers


def is_non_table_sheet(name: object) -> bool:
    """Whether a sheet's name says it holds no table (``Cover sheet``, ``Contents``, ``Notes``)."""
    return normalise(name).startswith(NON_TABLE_SHEETS)


def normalise(heading: object) -> str:
    """A heading as it is matched: lower case, single spaces, without stray punctuation and without
    footnote markers (``Actual [note 4]`` is ``actual``)."""
    text = str(heading if heading is not None else "").replace("\ufeff", "").replace("\u00a0", " ")
    text = strip_notes(text)
    text = re.sub(r"[\s_]+", " ", text.strip().lower())
    return text.strip(" :.*")


def _lookup(fields: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalise(s): name for name, spellings in fields.items() for s in spellings}


_LOOKUPS = {layout: _lookup(fields) for layout, fields in LAYOUT_FIELDS.items()}

# Words that say which field of a period a column holds; longest first ("annual target" before
# "target"). A heading with none of them holds actuals.
_PERIOD_WORDS = {
    "annual target": "target",
    "target": "target",
    "actual": "actual",
    "rag": "rag",
    "commentary": "commentary",
    "comments": "commentary",
    "comment": "commentary",
    "status": "rag",
}
_QUARTER_WORDS = _PERIOD_WORDS  # the older name, kept for callers

MONTHS = MONTH_NAMES
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_FY_RE = r"(?:fy\s*|financial year\s*|year\s*)?(?P<y1>\d{4}|\d{2})\s*[-/\u2013\u2014]\s*(?P<y2>\d{4}|\d{2})"
_MONTH_YEAR = re.compile(rf"(?P<mon>{_MONTH_RE})\s*[-/' ]?\s*(?P<y>\d{{4}}|\d{{2}})")
_DMY = re.compile(r"(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4}|\d{2})")
_YMD = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ t]00:00(?::00)?)?")
_D_MONTH_Y = re.compile(
    rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MONTH_RE})\s+(?P<y>\d{{4}})"
)
_YEAR_MONTH = re.compile(r"(?P<y>\d{4})\s*-\s*(?P<m>\d{1,2})")
# A quarter written as its months: "Apr-Jun 2023", "Oct to Dec 2023", "Apr 2023 - Jun 2023".
_MONTH_RANGE = re.compile(
    rf"(?P<m1>{_MONTH_RE})(?:\s*[-/' ]?\s*(?P<y1>\d{{4}}|\d{{2}}))?\s*(?:[-\u2013\u2014]|to)\s*"
    rf"(?P<m2>{_MONTH_RE})\s*[-/' ]?\s*(?P<y2>\d{{4}}|\d{{2}})"
)
_BARE_QUARTER = re.compile(r"(?:q|qtr|quarter)\s*(?P<q>[1-4])")

# What makes a heading *look like* a period: a quarter word, a month name, a year, a financial year or
# a date. Such a heading must be read or refused, never ignored (ignoring it would lose its values).
_PERIODISH = re.compile(
    rf"\b(?:q\s*\d+|qtr|quarter|fy|{_MONTH_RE})\b|\b(?:19|20)\d{{2}}\b|\d{{1,4}}\s*[-/.]\s*\d{{1,4}}"
)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, stored as the key ``year * 100 + month`` (June 2023 -> 202306)."""

    year: int
    month: int

    @property
    def key(self) -> int:
        return self.year * 100 + self.month

    @classmethod
    def from_key(cls, key: int) -> Month:
        return cls(int(key) // 100, int(key) % 100)

    @property
    def quarter(self) -> Period:
        return Period.containing(dt.date(self.year, self.month, 1))

    @property
    def is_quarter_end(self) -> bool:
        return self.month in (3, 6, 9, 12)

    @property
    def end_date(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def label(self) -> str:
        return dt.date(self.year, self.month, 1).strftime("%b %Y")


@dataclass(frozen=True, order=True)
class FinancialYear:
    """A whole financial year (its targets apply to each of its quarters)."""

    fy_start: int

    @property
    def label(self) -> str:
        return f"{self.fy_start}-{(self.fy_start + 1) % 100:02d}"


PeriodKind = Period | Month | FinancialYear


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def financial_year(text: str) -> FinancialYear | None:
    """``2023/24``, ``2023-24``, ``23/24``, ``FY 2023/24``, ``2023/2024`` as a financial year."""
    m = re.fullmatch(_FY_RE, text.strip())
    if not m:
        return None
    y1 = _year(m.group("y1"))
    y2 = int(m.group("y2")) if len(m.group("y2")) == 4 else (y1 // 100) * 100 + int(m.group("y2"))
    if y2 != y1 + 1 or not 1990 <= y1 <= 2100:
        return None
    return FinancialYear(y1)


def _month_or_date(text: str) -> Month | str | None:
    """A month (``Jun-23``, ``December 2023``, ``2023-06``) or a month-end date (``31/12/2023``,
    ``2023-12-31``, ``31 December 2023``); a message for a date that is not a month's last day; None
    otherwise. (``2011-12`` is read as a financial year before it gets here.)"""
    if m := _MONTH_YEAR.fullmatch(text):
        return Month(_year(m.group("y")), MONTHS[m.group("mon")])
    if m := _YEAR_MONTH.fullmatch(text):
        if not 1 <= int(m.group("m")) <= 12:
            return f"'{text}' is not a month (write a year and a month like 2023-06)."
        return Month(int(m.group("y")), int(m.group("m")))
    day = None
    for pattern in (_DMY, _YMD, _D_MONTH_Y):
        if m := pattern.fullmatch(text):
            month = int(m.group("m")) if "m" in m.groupdict() else MONTHS[m.group("mon")]
            try:
                day = dt.date(_year(m.group("y")), month, int(m.group("d")))
            except ValueError:
                return f"'{text}' is not a date (day/month/year)."
            break
    if day is None:
        return None
    month_ = Month(day.year, day.month)
    if day != month_.end_date:
        return (
            f"'{text}' is not the last day of a month; head the column with the month "
            f"('{month_.label}') or the quarter's last day."
        )
    return month_


def month_range(text: str) -> Period | str | None:
    """A quarter written as its first and last months (``apr-jun 2023``, ``jan to mar 2024``,
    ``apr 2023 - jun 2023``: Q1 2023-24, Q4 2023-24); a message for a range of months that is not
    one financial-year quarter (``apr-sep 2023``, ``may-jul 2023``); None if it is not a range."""
    m = _MONTH_RANGE.fullmatch(text)
    if not m:
        return None
    end = Month(_year(m.group("y2")), MONTHS[m.group("m2")])
    first = MONTHS[m.group("m1")]
    if m.group("y1"):
        start = Month(_year(m.group("y1")), first)
    else:
        start = Month(end.year if first <= end.month else end.year - 1, first)
    span = (end.year * 12 + end.month) - (start.year * 12 + start.month)
    if span == 2 and start.month in (1, 4, 7, 10):
        return end.quarter
    return (
        f"it runs from {start.label} to {end.label}, which is not one quarter; a quarter is "
        "Apr-Jun, Jul-Sep, Oct-Dec or Jan-Mar (write it like 'Apr-Jun 2023' or 'Q1 2023-24')."
    )


def month_period(text: object) -> Month | str | None:
    """A month written in a tidy file's period column (``Jun-23``, ``June 2023``, ``2023-06``,
    ``30/06/2023``), a message saying why a month-like text cannot be read, or None when the text
    does not look like a month at all (nor a date)."""
    core = normalise(text)
    if financial_year(core) is not None:
        return None  # "2011-12" is the financial year, never December 2011
    found = _month_or_date(core)
    if found is not None:
        return found
    if re.search(rf"\b(?:{_MONTH_RE})\b", core):
        return (
            f"cannot read the month '{str(text).strip()}'; write it like 'Jun 2023', "
            "'June 2023' or '2023-06'."
        )
    return None


def _strip_field(text: str) -> tuple[str, str]:
    """The heading without its field word (``Q3 2023-24 Target`` -> ``q3 2023-24``, "target")."""
    for word, name in _PERIOD_WORDS.items():
        m = re.fullmatch(rf"(?:{word}\s*[-:(]?\s*(.+?)\)?|(.+?)\s*[-:(]?\s*{word}\)?)", text)
        if m:
            return (m.group(1) or m.group(2)).strip(" -:()"), name
    return text, "actual"


def period_heading(heading: object) -> tuple[PeriodKind, str] | None:
    """Read a period column heading as ``(period, field)``: a quarter (``Q3 2023-24``,
    ``RAG Q3 2023/24``), a year's target (``Target 2023/24``, ``Annual target 2023-24``), a month or a
    month-end date (``Jun-23``, ``31/12/2023``, ``December 2023 target``). None if it is not one."""
    text = normalise(heading)
    if not text:
        return None
    core, field = _strip_field(text)
    try:
        return parse_period(core), field
    except PeriodError:
        pass
    fy = financial_year(core)
    if fy is not None:
        return (fy, field) if field == "target" else None
    quarter = month_range(core)
    if isinstance(quarter, Period):
        return quarter, field
    month = _month_or_date(core)
    if isinstance(month, Month):
        return month, field
    return None


def quarter_heading(heading: object) -> tuple[Period, str] | None:
    """Read a scorecard quarter heading: ``Q3 2023-24`` (an actual), ``Q3 2023-24 Target``,
    ``RAG Q3 2023/24``, ``Q3 23/24 commentary``. Returns ``(period, field)`` or None."""
    found = period_heading(heading)
    if found is None or not isinstance(found[0], Period):
        return None
    return found[0], found[1]


def looks_like_period(heading: object) -> bool:
    """Whether a heading names (or tries to name) a quarter, month, date or year."""
    return bool(_PERIODISH.search(normalise(heading)))


def quarter_heading_error(heading: object) -> str | None:
    """Why a heading that looks like a period cannot be read, else None (also None for a heading
    that does not look like a period at all, which may be ignored)."""
    text = normalise(heading)
    if not looks_like_period(text) or period_heading(heading) is not None:
        return None
    core, field = _strip_field(text)
    if _BARE_QUARTER.fullmatch(core) or core in MONTHS:
        return (
            f"cannot read the period heading: '{str(heading).strip()}' has no financial year; write "
            "it like 'Q1 2023-24' or put the year in a row above its quarter columns."
        )
    if financial_year(core) is not None:
        return (
            f"cannot read the period heading: '{str(heading).strip()}' names a financial year but "
            "not a quarter; a year column can only hold a target ('Target 2023/24')."
        )
    quarter = month_range(core)
    if isinstance(quarter, str):
        return f"cannot read the period heading '{str(heading).strip()}': {quarter}"
    month = _month_or_date(core)
    if isinstance(month, str):
        return f"cannot read the period heading: {month}"
    try:
        parse_period(core)
    except PeriodError as exc:
        if re.search(r"\bq(?:tr|uarter)?\s*\d|\d{2,4}\s*[-/]\s*\d{2,4}", core):
            return f"cannot read the quarter heading: {exc}"
    return (
        f"cannot read the period heading '{str(heading).strip()}': it looks like a quarter, month or "
        "year but is none of the spellings the importer reads (see docs/loading-data.md)."
    )


# -- two header rows ---------------------------------------------------------------------------------


def _band(cell: object) -> FinancialYear | None:
    return financial_year(normalise(cell))


def _combinable(cell: object) -> bool:
    """A lower-row heading that needs the year band above it: ``Q1``, ``Qtr 1``, ``Quarter 1``,
    ``Target``, ``Annual target``, a month name, optionally with a field word (``Q3 Target``)."""
    text = normalise(cell)
    if text in ("target", "annual target"):
        return True
    core, _ = _strip_field(text)
    return bool(_BARE_QUARTER.fullmatch(core)) or core in MONTHS


def is_two_row_header(upper: Sequence[object], lower: Sequence[object]) -> bool:
    return any(_band(c) for c in upper) and any(_combinable(c) for c in lower)


def combine_header_rows(
    upper: Sequence[object], lower: Sequence[object]
) -> tuple[list[str], list[tuple[int, str]]]:
    """One row of headings from two: a financial year written once above its quarter columns
    (often a merged cell, so blank to its right) is joined to each ``Q1``..``Q4``, ``Target`` or month
    below it; an identifying heading may sit in either row. Returns the headings and the problems
    (column index, message): rows that disagree, a year band over no quarter column."""
    width = max(len(upper), len(lower))
    up = [upper[i] if i < len(upper) else None for i in range(width)]
    low = [lower[i] if i < len(lower) else None for i in range(width)]
    out: list[str] = []
    problems: list[tuple[int, str]] = []
    band: FinancialYear | None = None
    band_col = -1
    band_used = False

    def close_band() -> None:
        if band is not None and not band_used:
            problems.append(
                (
                    band_col,
                    f"the year '{str(up[band_col]).strip()}' in the row above covers no quarter "
                    "column (Q1 to Q4, Target or a month below it).",
                )
            )

    for i in range(width):
        u, lo = normalise(up[i]), normalise(low[i])
        lower_text = str(low[i]).strip() if lo else ""
        # A period heading with its own year under a year band (its own cell, or a blank one the
        # band's merged cell spreads over) must name that year.
        over = _band(up[i]) if u else (band if not u else None)
        if over is not None and lo and not _combinable(low[i]):
            found = period_heading(low[i])
            if found is not None and _fy_of(found[0]) != over.fy_start:
                problems.append(
                    (
                        i,
                        f"the two header rows disagree: '{lower_text}' is below the year "
                        f"'{str(up[i] if u else up[band_col]).strip()}'.",
                    )
                )
                if not u and band is not None:
                    band_used = True  # the band was meant to cover it: not a second message
        if u and (fy := _band(up[i])) is not None:
            close_band()
            band, band_col, band_used = fy, i, False
        elif u or band is not None and not _combinable(low[i]):
            close_band()
            band = None
        if band is not None and _combinable(low[i]):
            band_used = True
            if lo in ("target", "annual target"):
                out.append(f"Target {band.label}")
                continue
            core, field = _strip_field(lo)
            if core in MONTHS:
                month = MONTHS[core]
                year = band.fy_start + (1 if month <= 3 else 0)
                base = f"{dt.date(year, month, 1):%b %Y}"
            else:
                q = _BARE_QUARTER.fullmatch(core)
                assert q is not None
                base = f"Q{q.group('q')} {band.label}"
            out.append(base if field == "actual" else f"{base} {field}")
            continue
        if u and lo and _band(up[i]) is None:
            upper_field = _any_field(u)
            lower_field = _any_field(lo)
            if upper_field and lower_field and upper_field != lower_field:
                problems.append(
                    (
                        i,
                        f"the two header rows disagree: '{str(up[i]).strip()}' above "
                        f"'{lower_text}' name different columns.",
                    )
                )
        out.append(
            lower_text if lo else ("" if _band(up[i]) is not None else str(up[i] or "").strip())
        )
    close_band()
    return out, problems


def _fy_of(p: PeriodKind) -> int:
    if isinstance(p, Period | FinancialYear):
        return p.fy_start
    return p.quarter.fy_start


def _any_field(text: str) -> str | None:
    for lookup in _LOOKUPS.values():
        if text in lookup:
            return lookup[text]
    return None


def _comparator_lookup(norm: Sequence[str]) -> dict[str, str]:
    """Comparator headings: ``measure`` names the measure, unless another heading does
    (``indicator``, ``metric``), when it is the statistic (Percentage, Count), as in ONS, DfE and
    OHID open data."""
    lookup = _LOOKUPS["comparators"]
    names = [h for h in norm if h != "measure" and lookup.get(h) == "measure_name"]
    if "measure" in norm and names:
        return {**lookup, "measure": "statistic"}
    return lookup


@dataclass
class HeaderMatch:
    layout: str
    row_index: int  # 0-based index among the sheet's rows
    fields: dict[int, str]  # column index -> field name
    quarter_columns: dict[int, tuple[Period, str]]  # scorecard: column index -> (quarter, field)
    unknown: dict[int, str]  # column index -> heading that matched nothing
    year_columns: dict[int, tuple[FinancialYear, str]] = field(default_factory=dict)
    month_columns: dict[int, tuple[Month, str]] = field(default_factory=dict)
    # Columns that give a field (or a period's field) already given by an earlier column:
    # (column index, earlier column index, what both give).
    duplicates: list[tuple[int, int, str]] = field(default_factory=list)
    # Problems with the header itself, found while combining two header rows: (column index, message).
    problems: list[tuple[int, str]] = field(default_factory=list)
    band_row_index: int | None = None  # the year row above a two-row header


def match_header(cells: Sequence[object]) -> HeaderMatch | None:
    """Recognise a header row and its layout, or None if this row is not a header."""
    norm = [normalise(c) for c in cells]
    # Most specific first: an indicator sheet with "Description" and "RAG" columns would otherwise
    # pass for a flagship-action sheet ("title" and "status" have those spellings too).
    # A corrective-actions sheet (an action with a subject and a due quarter) before the flagship
    # actions and indicators its "Action" and "Status" columns would otherwise pass for.
    for layout in (
        "comparators",
        "groups",
        "corrective",
        "tidy",
        "scorecard",
        "highlights",
        "actions",
    ):
        lookup = _comparator_lookup(norm) if layout == "comparators" else _LOOKUPS[layout]
        fields: dict[int, str] = {}
        first_of: dict[object, int] = {}
        quarters: dict[int, tuple[Period, str]] = {}
        years: dict[int, tuple[FinancialYear, str]] = {}
        months: dict[int, tuple[Month, str]] = {}
        unknown: dict[int, str] = {}
        duplicates: list[tuple[int, int, str]] = []
        for i, h in enumerate(norm):
            if not h:
                continue
            found = period_heading(cells[i]) if layout == "scorecard" and h not in lookup else None
            if found is not None:
                key: object = found
                what = f"{found[0].label} {found[1]}"
                if isinstance(found[0], Period):
                    quarters[i] = (found[0], found[1])
                elif isinstance(found[0], FinancialYear):
                    years[i] = (found[0], found[1])
                    what = f"{found[0].label} target"
                else:
                    months[i] = (found[0], found[1])
            elif h in lookup:
                key = lookup[h]
                what = lookup[h].replace("_", " ")
                if key not in first_of:
                    fields[i] = lookup[h]
            else:
                unknown[i] = str(cells[i]).strip()
                continue
            if key in first_of and key != "other_code":  # several such columns are usual
                duplicates.append((i, first_of[key], what))
            else:
                first_of[key] = i
        names = set(fields.values())
        has_periods = bool(quarters or years or months)
        ok = {
            "comparators": "period" in names
            and bool({"area_code", "area_name", "region_code", "country_code"} & names)
            and (
                ("value" in names and bool({"measure", "measure_name"} & names))
                # One column per measure (DfE open data): the kind of year or of area says so.
                or (
                    bool({"year_type", "area_type"} & names)
                    and not {"value", "measure", "measure_name"} & names
                    and bool(unknown)
                )
            ),
            "groups": {"group_name", "area_code"} <= names and "value" not in names,
            # A whole action (its subject and due quarter), or only quarters' updates of actions
            # already stored, under an id heading no other layout uses ("Action ID").
            "corrective": {"action_id", "subject_ref", "action", "due_period"} <= names
            or (
                {"period", "status"} <= names
                and any(h in CORRECTIVE_ID_HEADINGS and lookup.get(h) == "action_id" for h in norm)
            ),
            "highlights": {"kind", "text", "priority"} <= names,
            "actions": {"ref", "status"} <= names and "title" in names and "actual" not in names,
            "tidy": {"ref", "period", "actual"} <= names,
            # Period-like headings that cannot be read still make a scorecard, so that each is
            # refused by name rather than the file being "without a header".
            "scorecard": "ref" in names
            and (has_periods or any(looks_like_period(u) for u in unknown.values()))
            and "period" not in names,
        }[layout]
        if ok:
            return HeaderMatch(
                layout, 0, fields, quarters, unknown, years, months, duplicates=duplicates
            )
    return None


# -- a header that is not quite one ------------------------------------------------------------------

_NUMBER_LIKE = re.compile(r"[-+\u00a3$%.,\d\s()]*")


def looks_like_header(cells: Sequence[object]) -> bool:
    """A row a person would take for a header: several filled cells, nearly all words."""
    filled = [str(c).strip() for c in cells if normalise(c)]
    if len(filled) < 3:
        return False
    words = [c for c in filled if not _NUMBER_LIKE.fullmatch(c) and not looks_like_period(c)]
    periods = [c for c in filled if looks_like_period(c)]
    return len(words) + len(periods) >= 0.75 * len(filled) and len(words) >= 2


def _fit(layout: str, cells: Sequence[object]) -> tuple[int, list[str], bool, list[str]]:
    """How well a row of headings fits a layout: (headings known, required fields missing, whether
    it has period columns, headings unknown)."""
    lookup = _LOOKUPS[layout]
    known = 0
    names: set[str] = set()
    periods = False
    unknown: list[str] = []
    for cell in cells:
        h = normalise(cell)
        if not h:
            continue
        if h in lookup:
            known += 1
            names.add(lookup[h])
        elif layout in ("tidy", "scorecard") and period_heading(cell) is not None:
            known += 1
            periods = True
        elif h not in DERIVED_HEADINGS:
            unknown.append(str(cell).strip())
    missing = [any_of[0] for any_of in REQUIRED_FIELDS.get(layout, ()) if not names & set(any_of)]
    return known, missing, periods, unknown


def _listed(items: list[str], limit: int = 8) -> str:
    quoted = [f"'{i}'" for i in items[:limit]]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(quoted) + more


def _lacks(layout: str, missing: list[str], quarters: bool) -> str:
    """What a header lacks, in words: "there is no column for the quarter (period)"; ``quarters``:
    and no quarter columns either (an indicator header that is neither tidy nor a scorecard)."""
    words = [
        f"{'the period' if (layout, f) == ('comparators', 'period') else FIELD_WORDS.get(f, f)} ({f})"
        for f in missing
    ]
    no_quarters = "quarter columns (headings such as 'Q3 2023-24')"
    if not words:
        return f"there are no {no_quarters}"
    if len(words) == 1:
        text = f"there is no column for {words[0]}"
    else:
        text = f"there is no column for {', '.join(words[:-1])} or {words[-1]}"
    return f"{text}, and no {no_quarters}" if quarters else text


def _indicator_fit(cells: Sequence[object]) -> tuple[int, list[str], bool, list[str]]:
    """An indicator header's fit, tidy or scorecard: (headings known, fields missing, whether quarter
    columns are missing too, headings unknown)."""
    known, missing, periods, unknown = _fit("scorecard", cells)
    tidy_missing = _fit("tidy", cells)[1]
    if periods:  # a scorecard
        return known, missing, False, unknown
    if {"period", "actual"} <= set(tidy_missing):  # neither: name what either would need
        return known, tidy_missing, True, unknown
    return known, tidy_missing, False, unknown


def unplaced_header(rows: Sequence[Sequence[object]]) -> tuple[int, str] | None:
    """For a sheet without a header the importer can place: the row (0-based) that looks like its
    header and a message saying what kind of table it looks like, what it lacks and which headings
    are not known; None when no row looks like a header at all."""
    best: tuple[tuple[int, int], int, str, str, list[str]] | None = None
    first: int | None = None
    for i, row in enumerate(rows):
        if not looks_like_header(row):
            continue
        first = i if first is None else first
        # On a tie the more common kind of file is named: indicators first.
        preferred = ["scorecard", "actions", "highlights", "corrective", "comparators", "groups"]
        for layout in [*preferred, *(k for k in LAYOUT_FIELDS if k not in preferred)]:
            if layout == "tidy":
                continue  # read with the scorecard, as indicator values
            if layout == "scorecard":
                known, missing, quarters, unknown = _indicator_fit(row)
            else:
                known, missing, _, unknown = _fit(layout, row)
                quarters = False
            if layout == "corrective" and "action_id" in missing:
                continue  # without an action id column it is named as the flagship actions it
                # more likely is ("Action", "Lead", "Progress update", "Due")
            if not missing and not quarters:
                continue  # it has what the layout needs, yet is not one: nothing to say here
            score = (known, -len(missing) - quarters)
            if known and (best is None or score > best[0]):
                kind = LAYOUT_NAMES.get(layout, layout)
                best = (score, i, kind, _lacks(layout, missing, quarters), unknown)
    if first is None:
        return None
    see = "See 'Headings recognised' in docs/loading-data.md."
    if best is None:
        headings = [str(c).strip() for c in rows[first] if normalise(c)]
        return first, (
            f"the headings in row {first + 1} ({_listed(headings)}) are none the importer knows, so "
            "it cannot tell whether the sheet holds indicator values, flagship actions, highlights "
            f"or comparator values. {see}"
        )
    _, i, kind, lacks, unknown = best
    not_known = f"; headings not recognised: {_listed(unknown)}" if unknown else ""
    return i, f"the headings in row {i + 1} look like {kind}, but {lacks}{not_known}. {see}"
