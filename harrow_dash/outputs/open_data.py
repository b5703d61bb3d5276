"""Open data: the council's published figures as a Frictionless Data Package (CSV files and a
``datapackage.json`` descriptor), for residents and anyone who wants to reuse them.

What goes in is exactly what the public view shows: published quarters only, read through a public
store (so definitions, statuses and highlights are those of published quarters and internal commentary is
blank), with suppression applied: a small count of people (0 to N - 1, or 1 to N - 1 with ``suppress_zero``
off) has no number, the note "fewer than N" and a key saying what it can hold, and no
rating or other fact derived from it unless that fact is the same whatever the hidden value is.

Each file is a plain UTF-8 CSV; numbers are numbers (no units inside cells; a ``unit`` column says what
they count). Text cells that a spreadsheet would run as a formula are neutralised, as in every export.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from harrow_dash.formats import csv_text
from harrow_dash.formats.spreadsheet_safe import neutralise_frame
from harrow_dash.outputs import corrective_export
from harrow_dash.outputs.download_cells import figure_cells, rating_word
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.rules.plan import COUNCIL_NAME
from harrow_dash.rules.scorecard import RuleSettings, rate
from harrow_dash.rules.suppression import DEFAULT_THRESHOLD, SmallNumbers, small_numbers
from harrow_dash.store import Store

LICENCE = {
    "name": "OGL-UK-3.0",
    "title": "Open Government Licence v3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}
SAMPLE_WARNING = (
    "ILLUSTRATIVE SAMPLE DATA: these figures were made up to demonstrate the dashboard. They are not "
    "the council's official figures."
)


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Table Schema type: string, number, integer, date, boolean
    description: str


INDICATOR_FIELDS = (
    Field("ref", "string", "Indicator reference, e.g. PI-07"),
    Field("name", "string", "What the indicator measures"),
    Field("description", "string", "How it is defined"),
    Field("priority", "string", "Corporate plan priority the indicator reports against"),
    Field("directorate", "string", "Council directorate responsible"),
    Field("portfolio_holder", "string", "Cabinet portfolio the indicator belongs to"),
    Field("unit", "string", "Unit of the values: percent, count, money (GBP), days, seconds..."),
    Field("polarity", "string", "What good looks like: higher, lower, or band (within a range)"),
    Field("frequency", "string", "How often it is reported: quarterly or annual"),
    Field("counts_people", "boolean", "True when values are counts of people (small ones hidden)"),
    Field("source", "string", "Where the figures come from"),
)
VALUE_FIELDS = (
    Field("ref", "string", "Indicator reference (see indicators.csv)"),
    Field(
        "quarter", "string", "Financial-year quarter, written like Q2 2019-20 (April-March years)"
    ),
    Field("quarter_end", "date", "Last day of the quarter: the figures are as at this date"),
    Field("actual", "number", "The value in the quarter; blank when not reported or suppressed"),
    Field(
        "status",
        "string",
        "Why there is no value or what qualifies it: suppressed, missing, not due, not applicable, "
        "provisional, revised, estimated..; blank for a plain reported value",
    ),
    Field(
        "actual_note", "string", "Why there is no value: 'fewer than 5', 'not due this quarter'.."
    ),
    Field(
        "marker",
        "string",
        "The figure's GSS marker in words, e.g. 'provisional', 'revised', 'not available'",
    ),
    Field("unit", "string", "Unit of actual and target"),
    Field("target", "number", "Target for the quarter (lower end of a band)"),
    Field("target_upper", "number", "Upper end of a target band, for band indicators"),
    Field(
        "rag",
        "string",
        "Rating: Green (met), Amber (narrowly missed), Red, withheld (it would give away a "
        "suppressed count) or not rated",
    ),
    Field("commentary", "string", "Officers' public commentary on the figure"),
)
ACTION_FIELDS = (
    Field("ref", "string", "Flagship action reference; split lines have a suffix (FA-10a)"),
    Field("title", "string", "The plan commitment"),
    Field("parent_ref", "string", "For a split line, the action it belongs to"),
    Field("priority", "string", "Corporate plan priority"),
    Field("directorate", "string", "Council directorate responsible"),
    Field("quarter", "string", "Financial-year quarter of the status"),
    Field("quarter_end", "date", "Last day of the quarter"),
    Field("status", "string", "Complete, On track, Minor slippage, Off track, Not started/not due"),
    Field("commentary", "string", "Officers' public commentary on progress"),
)
HIGHLIGHT_FIELDS = (
    Field("quarter", "string", "Financial-year quarter"),
    Field("quarter_end", "date", "Last day of the quarter"),
    Field("priority", "string", "Corporate plan priority"),
    Field("kind", "string", "achievement (key achievement) or improvement (area for improvement)"),
    Field("text", "string", "The achievement or area for improvement, as reported to Cabinet"),
    Field("indicator_ref", "string", "Indicator it refers to, if any"),
    Field("action_ref", "string", "Flagship action it refers to, if any"),
)

CORRECTIVE_FIELDS = (
    Field("action_id", "string", "Corrective action reference, e.g. CA-23Q1-01"),
    Field("subject_kind", "string", "What the action is about: indicator, flagship action or priority"),
    Field("subject_ref", "string", "The indicator or flagship action reference, or the priority's number"),
    Field("subject_title", "string", "The indicator's name, the flagship action's title or the priority"),
    Field("priority", "string", "Corporate plan priority of the subject"),
    Field("directorate", "string", "Council directorate responsible for the subject"),
    Field("portfolio", "string", "Cabinet portfolio of the subject"),
    Field("action", "string", "What Cabinet agreed would be done"),
    Field("owner", "string", "The officer responsible"),
    Field("portfolio_holder", "string", "The Cabinet member responsible"),
    Field("agreed_quarter", "string", "The quarter whose report the action was agreed on"),
    Field("agreed_at", "string", "The meeting that agreed it"),
    Field("due_quarter", "string", "The quarter by which it is due"),
    Field("quarter", "string", "Financial-year quarter the status is as at"),
    Field("quarter_end", "date", "Last day of the quarter"),
    Field(
        "status",
        "string",
        "Status as at the quarter: agreed, in progress, done, overdue (still open after its due "
        "quarter) or dropped",
    ),
    Field("recorded_status", "string", "The status reported in that quarter, if one was"),
    Field("update", "string", "The progress update reported in that quarter, if any"),
    Field("dropped_reason", "string", "Why the action was dropped"),
)  # fmt: skip


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    frame: pd.DataFrame

    @property
    def path(self) -> str:
        return f"{self.name.replace('-', '_')}.csv"


class NothingPublished(RuntimeError):
    """No quarter has been published yet, so there is no open data to give."""


def _quarter_columns(frame: pd.DataFrame, key: str = "period") -> pd.DataFrame:
    periods = [Period.from_key(int(k)) for k in frame[key]]
    out = frame.drop(columns=[key])
    out.insert(0, "quarter_end", [p.end_date.isoformat() for p in periods])
    out.insert(0, "quarter", [p.label for p in periods])
    return out


def _indicators(store: Store, rules: RuleSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    values = store.tidy_values()
    rated = rate(values, rules) if len(values) else values
    defs = (
        values.reindex(
            columns=[
                "ref",
                "name",
                "description",
                "priority",
                "directorate",
                "portfolio_holder",
                "unit",
                "polarity",
                "frequency",
                "counts_people",
                "source",
            ]
        )  # fmt: skip
        .drop_duplicates("ref")
        .sort_values("ref")
    )
    if not len(rated):
        empty = pd.DataFrame(columns=[f.name for f in VALUE_FIELDS])
        return defs, empty
    hidden = rated["suppressed"].astype(bool)
    # The one cell rule for a figure in a download (download_cells.figure_cells).
    actual, status = figure_cells(
        rated["actual"].tolist(),
        rated["suppressed"].tolist(),
        rated["state"].tolist(),
        rated["marker"].tolist() if "marker" in rated else None,
    )
    out = pd.DataFrame(
        {
            "ref": rated["ref"],
            "period": rated["period"],
            "actual": pd.Series(actual, index=rated.index, dtype=float),
            "status": pd.Series(status, index=rated.index, dtype=object),
            "actual_note": rated["actual_text"].where(
                hidden | pd.Series([a is None for a in actual], index=rated.index)
            ),
            "marker": rated["marker_text"].where(rated["marker_text"] != "", None),
            "unit": rated["unit"],
            "target": rated["target"],
            "target_upper": rated["target_upper"],
            "rag": rated["rag"].map(rating_word),
            "commentary": rated["commentary"],
        }
    )
    return defs, _quarter_columns(out)


def _actions(store: Store) -> pd.DataFrame:
    frame = store.action_statuses(Filters())
    frame = frame[frame["period"].notna()]
    out = frame.reindex(
        columns=["ref", "title", "parent_ref", "priority", "directorate", "period", "status",
                 "commentary"]
    ).astype({"period": int})  # fmt: skip
    return _quarter_columns(out)[[f.name for f in ACTION_FIELDS]]


def _highlights(store: Store) -> pd.DataFrame:
    frame = store.highlights(Filters(), all_periods=True)
    out = frame.reindex(
        columns=["period", "priority", "kind", "text", "indicator_ref", "action_ref"]
    ).sort_values(["period", "priority", "kind", "text"])
    return _quarter_columns(out)[[f.name for f in HIGHLIGHT_FIELDS]]


def resources(store: Store, rules: RuleSettings) -> list[Resource]:
    """The package's tables, from a public store (published quarters only)."""
    if not store.public:
        raise ValueError("open data is built from a public store (published quarters only)")
    rules = dataclasses.replace(rules, reveal_suppressed=False)
    indicators, values = _indicators(store, rules)
    return [
        Resource("indicators", "Performance indicators", INDICATOR_FIELDS, ("ref",), indicators),
        Resource(
            "indicator-values",
            "Indicator values by quarter",
            VALUE_FIELDS,
            ("ref", "quarter"),
            values[[f.name for f in VALUE_FIELDS]],
        ),
        Resource(
            "flagship-action-statuses",
            "Flagship action statuses by quarter",
            ACTION_FIELDS,
            ("ref", "quarter"),
            _actions(store),
        ),
        Resource(
            "highlights",
            "Key achievements and areas for improvement",
            HIGHLIGHT_FIELDS,
            (),
            _highlights(store),
        ),
        Resource(
            "corrective-actions",
            "Cabinet's corrective actions and their status by quarter",
            CORRECTIVE_FIELDS,
            ("action_id", "quarter"),
            corrective_export.export_table(store)[[f.name for f in CORRECTIVE_FIELDS]],
        ),
    ]


def _csv(frame: pd.DataFrame) -> bytes:
    return csv_text.csv_bytes(neutralise_frame(frame))


def descriptor(
    tables: list[Resource],
    published: list[Period],
    illustrative: bool,
    created: dt.datetime,
    threshold: SmallNumbers | int = DEFAULT_THRESHOLD,
) -> dict[str, object]:
    """The ``datapackage.json`` descriptor (Frictionless Data Package v1)."""
    rule = small_numbers(threshold)
    first, last = published[0], published[-1]
    description = (
        f"Corporate performance of the London Borough of Harrow as reported to Cabinet: indicators, "
        f"flagship action statuses, highlights and Cabinet's corrective actions for the published "
        f"quarters {first.label} to "
        f"{last.label}. Small counts of people are suppressed (shown as '{rule.text}': "
        f"{rule.meaning})."
    )
    if illustrative:
        description = SAMPLE_WARNING + " " + description
    return {
        "profile": "tabular-data-package",
        "name": "harrow-corporate-performance",
        "title": f"{COUNCIL_NAME} corporate performance: published quarters",
        "description": description,
        "version": last.label.replace(" ", "-"),
        "created": created.replace(microsecond=0).isoformat() + "Z",
        "licenses": [LICENCE],
        "keywords": ["performance", "local government", "Harrow", "corporate scorecard"],
        "resources": [
            {
                "name": t.name,
                "title": t.title,
                "path": t.path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": f.name, "type": f.type, "description": f.description}
                        for f in t.fields
                    ],
                    **({"primaryKey": list(t.primary_key)} if t.primary_key else {}),
                    "missingValues": [""],
                },
            }
            for t in tables
        ],
    }


def readme(published: list[Period], illustrative: bool, threshold: SmallNumbers | int) -> str:
    rule = small_numbers(threshold)
    lines = [f"# {COUNCIL_NAME}: corporate performance open data", ""]
    if illustrative:
        lines += [SAMPLE_WARNING, ""]
    lines += [
        f"Published quarters: {published[0].label} to {published[-1].label} "
        f"(financial years run April to March).",
        "",
        "Files:",
        "- `indicators.csv`: the performance indicators and what good looks like for each.",
        "- `indicator_values.csv`: each indicator's value, target and rating by quarter.",
        "- `flagship_action_statuses.csv`: progress on the corporate plan's flagship actions.",
        "- `highlights.csv`: key achievements and areas for improvement reported to Cabinet.",
        "- `corrective_actions.csv`: what Cabinet agreed to do about off-track indicators and "
        "actions, with each action's status as at every quarter since it was agreed.",
        "- `datapackage.json`: the Frictionless Data Package descriptor (field types and meanings).",
        "",
        f"Counts of people below {rule.threshold} are not published: the value is blank, its status "
        f"reads 'suppressed' and the note reads '{rule.text}' ({rule.meaning}). The actual column "
        "holds numbers or blanks only; the status column says why a value is blank (suppressed, "
        "missing, not due, not applicable) or what qualifies it (provisional, revised, estimated). "
        "Ratings are plain words: Green, Amber, Red, withheld (it would give away a small count) or "
        "not rated. Figures for quarters not yet published by the council are left out. A quarter's "
        "figures are as reported to Cabinet; revisions are published as such.",
        "",
        f"Licence: {LICENCE['title']} ({LICENCE['path']}).",
        "",
    ]
    return "\n".join(lines)


def build(
    store: Store, rules: RuleSettings, created: dt.datetime | None = None
) -> dict[str, bytes]:
    """Every file of the package, by name. Raises :class:`NothingPublished` without a published
    quarter."""
    published = store.published_periods()
    if not published:
        raise NothingPublished(
            "No quarter has been published yet, so there is no open data. An editor publishes a "
            "quarter on the Data page."
        )
    created = created or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    illustrative = store.has_sample_data()
    tables = resources(store, rules)
    files = {t.path: _csv(t.frame) for t in tables}
    meta = descriptor(tables, published, illustrative, created, rules.small_numbers)
    files["datapackage.json"] = (json.dumps(meta, indent=2) + "\n").encode("utf-8")
    files["README.md"] = readme(published, illustrative, rules.small_numbers).encode()
    return files


def write(files: Mapping[str, bytes], directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = directory / name
        path.write_bytes(content)
        written.append(path)
    return written


@dataclass(frozen=True)
class PackageFile:
    """One data file of a package as its descriptor describes it, with the rows it holds."""

    name: str
    path: str
    title: str
    rows: int
    fields: tuple[Field, ...]


def contents(files: Mapping[str, bytes]) -> list[PackageFile]:
    """The data files of a package (:func:`build`), read back from the files themselves: each
    resource of ``datapackage.json`` with its fields, and the records its CSV file holds."""
    descriptor = json.loads(files["datapackage.json"])
    out = []
    for resource in descriptor["resources"]:
        text = io.StringIO(files[resource["path"]].decode("utf-8-sig"), newline="")
        records = sum(1 for _ in csv.reader(text)) - 1  # less the header
        out.append(
            PackageFile(
                resource["name"],
                resource["path"],
                resource["title"],
                max(records, 0),
                tuple(
                    Field(f["name"], f["type"], f["description"])
                    for f in resource["schema"]["fields"]
                ),
            )
        )
    return out


def as_zip(files: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            # A fixed timestamp: the same package gives the same bytes (the date is in the files).
            info = zipfile.ZipInfo(f"harrow-performance/{name}", date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    return buffer.getvalue()
