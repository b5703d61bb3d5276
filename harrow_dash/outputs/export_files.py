"""Export files built without Streamlit: the data as CSV, Excel and OpenDocument, charts as PNG and SVG.

* CSV and Excel hold exactly the table passed in (what the page shows), with readable headers. Every
  text cell a spreadsheet program would run as a formula (starting with = + - @, a tab or a carriage
  return) is neutralised; numbers stay numbers, and a figure with no number is blank with a
  ``status`` word beside it (:mod:`harrow_dash.outputs.download_cells`); ratings and statuses are plain
  words, the glyphs the pages show beside them left out.
* The Excel workbook has one tidy sheet: the council, what the table is, the quarter with its as-at
  date, the filters in words and (for the sample) the illustrative-data note in rows above the table.
  The OpenDocument spreadsheet (``.ods``) is the same workbook written by :mod:`harrow_dash.formats.ods`.
* Charts are rendered by vl-convert, without a browser. vl-convert draws text only in a font it can
  find; with an unknown font it silently draws *no text at all*, so :func:`ensure_chart_font` checks
  the chart font really renders (registering the system font folders if needed) before any image is
  made, and refuses loudly rather than produce a chart without labels.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from harrow_dash.formats import csv_text
from harrow_dash.formats.spreadsheet_safe import neutralise
from harrow_dash.outputs.charts import EXPORT_WIDTH, FONT
from harrow_dash.outputs.download_cells import figure_cell, plain_text
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.plan import COUNCIL_NAME, ILLUSTRATIVE_NOTE
from harrow_dash.rules.suppression import DEFAULT_THRESHOLD, SmallNumbers, small_numbers

DEFAULT_CHART_WIDTH = 640
FONT_DIRECTORIES = ("/usr/share/fonts", "/usr/local/share/fonts")

# Readable headers for the store's column names; a table that already has readable headers keeps them.
READABLE_HEADERS = {
    "ref": "Ref",
    "name": "Indicator",
    "title": "Flagship action",
    "description": "Description",
    "priority_id": "Priority number",
    "priority": "Priority",
    "directorate": "Directorate",
    "portfolio": "Portfolio holder",
    "portfolio_holder": "Portfolio holder",
    "lead": "Lead",
    "unit": "Unit",
    "polarity": "What good looks like",
    "tolerance": "Amber tolerance",
    "frequency": "Frequency",
    "period": "Quarter",
    "actual": "Actual",
    "actual_text": "Actual",
    "marker": "Marker",
    "marker_text": "Marker",
    "target": "Target",
    "target_text": "Target",
    "target_upper": "Target (top of range)",
    "rag": "RAG",
    "rag_text": "RAG",
    "official_rag": "Official RAG",
    "computed_rag": "Calculated RAG",
    "rag_note": "Data-quality note",
    "state": "Reporting state",
    "commentary": "Commentary",
    "benchmark": "Benchmark",
    "benchmark_label": "Benchmark name",
    "travel_prev": "Since last quarter",
    "travel_prev_text": "Since last quarter",
    "travel_year": "Since a year ago",
    "travel_year_text": "Since a year ago",
    "status": "Status",
    "previous_status": "Status last quarter",
    "group": "Status group",
    "parent_ref": "Part of action",
    "counts_people": "Counts people",
    "suppressed": "Suppressed (fewer than 5)",
}
UNIT_WORDS = {
    "%": "per cent",
    "£": "pounds (£)",
    "count": "count",
    "days": "days",
    "weeks": "weeks",
    "minutes": "minutes",
    "seconds": "seconds",
    "rate": "rate",
    "score": "score",
}
# Excel number formats by unit, for numeric value columns of a tidy table that has a unit column.
_UNIT_FORMATS = {
    "%": '0.0"%"',
    "£": '"£"#,##0',
    "count": "#,##0",
    "days": '0.0" days"',
    "weeks": '0.0" weeks"',
    "minutes": '0" minutes"',
    "seconds": '0" seconds"',
    "rate": "0.0",
    "score": "0.0",
}
_VALUE_COLUMNS = ("actual", "target", "target_upper", "benchmark")
# openpyxl refuses control characters other than tab, newline and carriage return.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ChartFontMissing(RuntimeError):
    """vl-convert cannot find the chart font, so a chart image would have no text."""


# -- tables -----------------------------------------------------------------------------------------


def readable_headers(columns: Sequence[object]) -> list[str]:
    """Headers for people: store column names become words; duplicates get a distinguishing suffix."""
    out: list[str] = []
    for col in columns:
        text = str(col)
        header = READABLE_HEADERS.get(text)
        if header is None:
            header = text.replace("_", " ").strip() if "_" in text or text.islower() else text
            header = header[:1].upper() + header[1:]
        if header in out:
            header = f"{header} ({text.replace('_', ' ')})"
        n = 2
        base = header
        while header in out:
            header, n = f"{base} {n}", n + 1
        out.append(header)
    return out


def protect_suppressed(
    table: pd.DataFrame, threshold: SmallNumbers | int = DEFAULT_THRESHOLD
) -> pd.DataFrame:
    """Belt and braces: where a table still carries a ``suppressed`` flag with a raw ``actual``,
    blank the actual and say ``suppressed`` in its ``status`` column (the one cell rule,
    :func:`harrow_dash.outputs.download_cells.figure_cell`; the pages pass tables without the raw figure)."""
    if "suppressed" not in table.columns or "actual" not in table.columns:
        return table
    hide = table["suppressed"].fillna(False).astype(bool)
    if not hide.any():
        return table
    out = table.copy()
    out["actual"] = out["actual"].astype(object)
    out.loc[hide, "actual"] = None
    status = out["status"].astype(object) if "status" in out.columns else None
    words = [
        figure_cell(None, True)[1] if h else (None if status is None else status.iloc[i])
        for i, h in enumerate(hide.tolist())
    ]
    if status is None:
        out.insert(int(out.columns.get_loc("actual")) + 1, "status", words)
    else:
        out["status"] = words
    return out


def _cell(value: object) -> object:
    """One value as a spreadsheet cell: numbers as numbers, missing as empty, text neutralised."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else value
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        try:
            return _cell(value.item())
        except (TypeError, ValueError):
            pass
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, dt.date | dt.datetime):
        return value
    if isinstance(value, list | tuple | set):
        value = ", ".join(str(v) for v in value)
    text = _ILLEGAL_XML.sub("", str(value))
    return neutralise(plain_text(text))


def export_frame(
    table: pd.DataFrame, threshold: SmallNumbers | int = DEFAULT_THRESHOLD
) -> pd.DataFrame:
    """The table as it is exported: suppressed actuals hidden, readable headers, every cell safe."""
    safe = protect_suppressed(table, threshold)
    out = pd.DataFrame(
        {
            i: pd.Series([_cell(v) for v in safe.iloc[:, i]], dtype=object)
            for i in range(safe.shape[1])
        },
        index=range(len(safe)),
        dtype=object,
    )
    out.columns = [str(neutralise(h)) for h in readable_headers(list(safe.columns))]
    return out


def csv_bytes(table: pd.DataFrame, threshold: SmallNumbers | int = DEFAULT_THRESHOLD) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark (so Excel reads £ and accents correctly).

    Rows end in CRLF (RFC 4180), so a field holding a bare carriage return is quoted too: unquoted,
    a spreadsheet program would start a new row there, and its next cell could be a formula."""
    frame = export_frame(table, threshold)
    return csv_text.csv_bytes(frame, line_end="\r\n", bom=True)


def export_context(
    what: str,
    filters: Filters,
    priority_names: Mapping[int, str] | None = None,
    illustrative: bool = False,
    threshold: SmallNumbers | int = DEFAULT_THRESHOLD,
    notes: Sequence[str] = (),
) -> list[str]:
    """The lines written above an exported table: council, what it is, quarter and as-at date,
    filters in words and ``notes`` on what they could not do, the illustrative-data note and the
    suppression rule."""
    lines = [f"{COUNCIL_NAME}: {what}"]
    lines += filters.describe(priority_names)
    lines += notes
    if filters.period is None:
        lines.insert(1, "Quarter: none selected")
    if illustrative:
        lines.append(ILLUSTRATIVE_NOTE)
    lines.append(small_numbers(threshold).download_note)
    return lines


def excel_bytes(
    table: pd.DataFrame,
    context_lines: Sequence[str],
    sheet_title: str = "Data",
    threshold: SmallNumbers | int = DEFAULT_THRESHOLD,
) -> bytes:
    """One tidy sheet: ``context_lines`` in rows at the top, a blank row, then the table with a bold,
    frozen, filterable header row. Numbers stay numeric (with the unit's number format where the table
    has a ``unit`` column); text is neutralised against formula injection."""
    wb = _workbook(table, context_lines, sheet_title, threshold)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ods_bytes(
    table: pd.DataFrame,
    context_lines: Sequence[str],
    sheet_title: str = "Data",
    threshold: SmallNumbers | int = DEFAULT_THRESHOLD,
) -> bytes:
    """The Excel download's sheet as an OpenDocument spreadsheet (``.ods``): the same rows and cells,
    numbers as numbers, text neutralised against formula injection."""
    from harrow_dash.formats.ods import workbook_ods

    return workbook_ods(_workbook(table, context_lines, sheet_title, threshold))


def _workbook(
    table: pd.DataFrame,
    context_lines: Sequence[str],
    sheet_title: str,
    threshold: SmallNumbers | int,
) -> Any:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    frame = export_frame(table, threshold)
    raw_units = (
        [str(u) if isinstance(u, str) else "" for u in table["unit"]]
        if "unit" in table.columns
        else None
    )
    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\[\]:*?/\\]", " ", sheet_title)[:31] or "Data"
    for r, line in enumerate(context_lines, start=1):
        cell = ws.cell(row=r, column=1, value=_cell(line))
        cell.font = Font(bold=(r == 1), size=14 if r == 1 else 11)
    header_row = len(context_lines) + 2
    header_fill = PatternFill("solid", fgColor="12436D")
    for c, header in enumerate(frame.columns, start=1):
        cell = ws.cell(row=header_row, column=c, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    value_cols = {
        i
        for i, name in enumerate(table.columns)
        if str(name) in _VALUE_COLUMNS and raw_units is not None
    }
    for r, row in enumerate(frame.itertuples(index=False, name=None), start=header_row + 1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            if (
                c - 1 in value_cols
                and isinstance(value, int | float)
                and not isinstance(value, bool)
                and raw_units is not None
            ):
                fmt = _UNIT_FORMATS.get(raw_units[r - header_row - 1])
                if fmt:
                    cell.number_format = fmt
            elif isinstance(value, str) and len(value) > 60:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for c, header in enumerate(frame.columns, start=1):
        longest = max(
            [len(str(header))] + [len(str(v)) for v in frame.iloc[:200, c - 1] if v is not None]
        )
        ws.column_dimensions[get_column_letter(c)].width = min(max(10, longest + 2), 60)
    last_row = header_row + max(len(frame), 0)
    if len(frame.columns):
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(frame.columns))}{last_row}"
    ws.sheet_view.showGridLines = True
    return wb


# -- charts -----------------------------------------------------------------------------------------


def _probe_spec(font: str) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 120,
        "height": 40,
        "data": {"values": [{"t": "Harrow"}]},
        "mark": {"type": "text", "font": font, "fontSize": 30, "color": "black"},
        "encoding": {"text": {"field": "t", "type": "nominal"}},
        "config": {"view": {"stroke": None}},
    }


def text_renders(font: str) -> bool:
    """True when vl-convert really draws text in ``font`` (it draws none for an unknown font)."""
    import vl_convert as vlc
    from PIL import Image

    png = vlc.vegalite_to_png(_probe_spec(font), scale=1)
    image = Image.open(io.BytesIO(png)).convert("L")
    dark = sum(image.histogram()[:128])  # pixels darker than mid-grey
    return dark > 20


@lru_cache(maxsize=4)
def ensure_chart_font(font: str = FONT) -> None:
    """Make sure vl-convert can draw ``font``; register the system font folders if it cannot yet.
    Raise :class:`ChartFontMissing` (with what to install) rather than make charts without text."""
    if text_renders(font):
        return
    import vl_convert as vlc

    for folder in FONT_DIRECTORIES:
        if Path(folder).is_dir():
            vlc.register_font_directory(folder)
    if not text_renders(font):
        raise ChartFontMissing(
            f"The chart font '{font}' is not installed, so chart images would have no text. "
            "Install it (Debian: apt-get install fonts-dejavu-core) and try again."
        )


def chart_spec(
    chart: alt.TopLevelMixin | Mapping[str, Any],
    width: int = DEFAULT_CHART_WIDTH,
    description: str | None = None,
) -> dict[str, Any]:
    """The chart's Vega-Lite spec with a fixed width (a 'container' width has no container here)."""
    spec = dict(chart) if isinstance(chart, Mapping) else chart.to_dict()
    if spec.get("width") in (None, "container"):
        # A chart that knows the width its content needs (a timeline's labels and columns) gets it.
        natural = (spec.get("usermeta") or {}).get(EXPORT_WIDTH)
        spec["width"] = int(natural) if natural else width
    if spec.get("height") == "container":
        spec["height"] = 300
    if description:
        spec["description"] = description
    return spec


_PIXELS_PER_CHARACTER = 7  # about, for 13 px DejaVu Sans: how many characters a title line holds


def _lines(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v)]
    return [str(value)]


def picture_spec(
    chart: alt.TopLevelMixin | Mapping[str, Any],
    context_lines: Sequence[str],
    width: int = DEFAULT_CHART_WIDTH,
) -> dict[str, Any]:
    """A chart as a downloaded picture: seen away from the page, it says what it is. Its title is
    the chart's own (or, without one, the first of ``context_lines``); under it, in the subtitle,
    come the rest of ``context_lines`` and then the chart's own subtitle: the council and what the
    picture is, the quarter with its "as at" date, the filters, the sample-data warning when the
    sample is loaded and the suppression rule (:func:`export_context`, the lines above a downloaded
    table). Every line is wrapped to the picture's width at spaces, never cut short."""
    spec = chart_spec(chart, width)
    title = spec.get("title")
    own: list[str] = []
    own_sub: list[str] = []
    extra: dict[str, Any] = {}
    if isinstance(title, Mapping):
        own = _lines(title.get("text"))
        own_sub = _lines(title.get("subtitle"))
        extra = {k: v for k, v in title.items() if k not in ("text", "subtitle")}
    else:
        own = _lines(title)
    context = [str(line) for line in context_lines if str(line)]
    # The chart's own subtitle (what its lines mean) stays next to the chart, under the context.
    if own:
        heading, below = own, [*context, *own_sub]
    else:
        heading, below = context[:1], [*context[1:], *own_sub]
    drawn = spec.get("width")
    chars = max(40, (drawn if isinstance(drawn, int) else width) // _PIXELS_PER_CHARACTER)

    def wrapped(lines: Sequence[str], size: int) -> list[str]:
        return [part for line in lines for part in (textwrap.wrap(line, size) or [line])]

    if heading or below:
        spec["title"] = {
            **extra,
            "text": wrapped(heading, max(30, chars * 13 // 16)) or [""],  # 16 px title text
            "subtitle": wrapped(below, chars),
            "limit": 0,  # no line cut short
            "subtitlePadding": 6,
        }
    return spec


def chart_svg(
    chart: alt.TopLevelMixin | Mapping[str, Any],
    width: int = DEFAULT_CHART_WIDTH,
    description: str | None = None,
) -> bytes:
    """The chart as SVG (text as <text> elements in the chart font)."""
    import vl_convert as vlc

    ensure_chart_font()
    return vlc.vegalite_to_svg(chart_spec(chart, width, description)).encode("utf-8")


def chart_png(
    chart: alt.TopLevelMixin | Mapping[str, Any],
    width: int = DEFAULT_CHART_WIDTH,
    scale: float = 2.0,
    description: str | None = None,
) -> bytes:
    """The chart as PNG at ``scale`` times its size (2 = sharp in documents and on screens)."""
    import vl_convert as vlc

    ensure_chart_font()
    return compact_png(
        bytes(vlc.vegalite_to_png(chart_spec(chart, width, description), scale=scale))
    )


def compact_png(png: bytes) -> bytes:
    """The same picture in fewer bytes: charts are flat colours with anti-aliased text, usually
    fewer than 256 colours in all, which a palette PNG stores exactly at a fraction of the size
    (a flagship timeline: 1.5 MB as vl-convert writes it, about 0.2 MB so). Pixels are unchanged;
    a picture with more colours, or with transparency, is only recompressed."""
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    image.load()
    out = io.BytesIO()
    opaque = image.mode == "RGB" or (
        image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255)
    )
    colours = image.convert("RGB").getcolors(256) if opaque else None
    if colours is not None:
        import numpy as np

        # Index every pixel by its exact colour (Pillow's own quantize rounds colours).
        rgb = np.asarray(image.convert("RGB"), dtype=np.uint32)
        packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
        table, index = np.unique(packed, return_inverse=True)
        height, width = packed.shape
        indexed = Image.frombytes("P", (width, height), index.astype(np.uint8).tobytes())
        flat = np.stack([(table >> 16) & 255, (table >> 8) & 255, table & 255], axis=1)
        indexed.putpalette(flat.astype(np.uint8).ravel().tolist())
        indexed.save(out, "PNG", optimize=True)
    else:
        image.save(out, "PNG", optimize=True)
    smaller = out.getvalue()
    return smaller if len(smaller) < len(png) else png


def briefing_file_name(filters: Filters) -> str:
    """The briefing pack's file name (``harrow_dash.outputs.briefing.file_name``). Kept here, beside the
    other file names, so a page can name the file without importing the Word writer."""
    label = filters.period.label.replace(" ", "_") if filters.period else "no_quarter"
    return f"harrow_briefing_{label}.docx"


def file_slug(text: str) -> str:
    """A safe piece of a file name: 'Q3 2023-24' -> 'Q3_2023-24'."""
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("_") or "export"
