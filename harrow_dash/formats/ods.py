"""Writing an OpenDocument spreadsheet (``.ods``) from a workbook built with openpyxl.

The template and the page downloads build one openpyxl workbook; this module writes the same sheets,
cells and look as ``.ods`` (the government's open standard), so the two formats cannot drift apart.
It writes the small XML itself: the package needs four parts, and a dependency for that would be
more code to trust than the code it saves.

Kept: sheet names and order; every cell's value with its type (numbers as numbers, a cell formatted
as a percentage as a percentage, dates, booleans, text as text, so a formula-like text stays text);
bold, font size and colour, fill and wrapping; column widths; drop-down lists (list data validations
that name a range). Not kept: frozen panes and filter buttons (view settings).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from typing import Any
from xml.sax.saxutils import escape, quoteattr

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
ODS_MIME = MIMETYPE

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:fo="urn:oasis:names:w3c:www.w3.org:1999:XSL:Format:1.0" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"'
)
# Characters XML 1.0 cannot hold at all (openpyxl refuses them too).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_QUOTED = re.compile(r"\"[^\"]*\"|\[[^\]]*\]")
_DATA_STYLES = (
    '<number:percentage-style style:name="N_PCT"><number:number number:decimal-places="1" '
    'number:min-decimal-places="0" number:min-integer-digits="1"/><number:text>%</number:text>'
    "</number:percentage-style>"
    '<number:date-style style:name="N_DAY"><number:day number:style="long"/><number:text>/'
    '</number:text><number:month number:style="long"/><number:text>/</number:text>'
    '<number:year number:style="long"/></number:date-style>'
    '<number:date-style style:name="N_MONTH"><number:month number:textual="true"/>'
    '<number:text> </number:text><number:year number:style="long"/></number:date-style>'
)
CHARS_TO_CM = 0.2  # an Excel column width is in characters of the default font


def _text(value: object) -> str:
    return _ILLEGAL_XML.sub("", str(value))


def _number_kind(value: object, number_format: str) -> str:
    """How a value is written: ``percentage``, ``date``, ``month``, ``float``, ``boolean``, ``string``
    or ``empty``."""
    if value is None or value == "":
        return "empty"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return "string"  # "nan", "inf": no OpenDocument number can hold them
        return "percentage" if "%" in _QUOTED.sub("", number_format or "") else "float"
    if isinstance(value, dt.date):
        fmt = _QUOTED.sub("", (number_format or "").lower())
        return "month" if "d" not in fmt and fmt not in ("", "general") else "date"
    return "string"


class _Styles:
    """Automatic cell and column styles, one per distinct look."""

    def __init__(self) -> None:
        self.cells: dict[tuple[object, ...], str] = {}
        self.columns: dict[float, str] = {}
        # openpyxl's style of a cell (an array of ids) -> ours: reading a cell's font, fill and
        # alignment is slow, and a sheet has few distinct styles.
        self.seen: dict[tuple[object, ...], str | None] = {}

    def cell(self, cell: Any, kind: str) -> str | None:
        data = kind if kind in ("percentage", "date", "month") else None
        seen = (tuple(cell._style) if cell.has_style else None, data)
        if seen not in self.seen:
            self.seen[seen] = self._look(cell, data)
        return self.seen[seen]

    def _look(self, cell: Any, kind: str | None) -> str | None:
        font, fill, align = cell.font, cell.fill, cell.alignment
        colour = _colour(getattr(font, "color", None))
        background = (
            _colour(getattr(fill, "fgColor", None)) if getattr(fill, "fill_type", None) else None
        )
        key = (
            bool(font.b),
            float(font.sz) if font.sz and float(font.sz) != 11 else None,
            colour,
            background,
            bool(align.wrap_text),
            kind,
        )
        if key == (False, None, None, None, False, None):
            return None
        if key not in self.cells:
            self.cells[key] = f"ce{len(self.cells) + 1}"
        return self.cells[key]

    def column(self, width: float) -> str:
        if width not in self.columns:
            self.columns[width] = f"co{len(self.columns) + 1}"
        return self.columns[width]

    def xml(self) -> str:
        out = [_DATA_STYLES]
        for width, name in self.columns.items():
            out.append(
                f'<style:style style:name="{name}" style:family="table-column">'
                f'<style:table-column-properties style:column-width="{width * CHARS_TO_CM:.2f}cm"/>'
                "</style:style>"
            )
        for (bold, size, colour, background, wrap, kind), name in self.cells.items():
            data = {"percentage": "N_PCT", "date": "N_DAY", "month": "N_MONTH"}.get(str(kind))
            attrs = f' style:data-style-name="{data}"' if data else ""
            cell_props = []
            if background:
                cell_props.append(f'fo:background-color="#{background}"')
            if wrap:
                cell_props.append('fo:wrap-option="wrap" style:vertical-align="top"')
            text_props = []
            if bold:
                text_props.append('fo:font-weight="bold"')
            if size:
                text_props.append(f'fo:font-size="{size:g}pt"')
            if colour:
                text_props.append(f'fo:color="#{colour}"')
            out.append(
                f'<style:style style:name="{name}" style:family="table-cell"{attrs}>'
                + (f"<style:table-cell-properties {' '.join(cell_props)}/>" if cell_props else "")
                + (f"<style:text-properties {' '.join(text_props)}/>" if text_props else "")
                + "</style:style>"
            )
        return "".join(out)


def _colour(colour: Any) -> str | None:
    rgb = getattr(colour, "rgb", None)
    if isinstance(rgb, str) and re.fullmatch(r"[0-9A-Fa-f]{8}", rgb):
        return rgb[2:].lower()
    return None


def _cell_xml(value: object, kind: str, style: str | None, validation: str | None) -> str:
    attrs = ""
    if style:
        attrs += f' table:style-name="{style}"'
    if validation:
        attrs += f' table:content-validation-name="{validation}"'
    if kind == "empty":
        return f"<table:table-cell{attrs}/>"
    if kind == "boolean":
        v = "true" if value else "false"
        return (
            f'<table:table-cell{attrs} office:value-type="boolean" office:boolean-value="{v}">'
            f"<text:p>{v.upper()}</text:p></table:table-cell>"
        )
    if kind in ("float", "percentage"):
        number = float(value)  # type: ignore[arg-type]
        shown = f"{number * 100:.10g}%" if kind == "percentage" else f"{number:.15g}"
        return (
            f'<table:table-cell{attrs} office:value-type="{kind}" office:value="{number!r}">'
            f"<text:p>{shown}</text:p></table:table-cell>"
        )
    if kind in ("date", "month"):
        assert isinstance(value, dt.date)
        iso = value.isoformat() if isinstance(value, dt.datetime) else f"{value.isoformat()}"
        shown = value.strftime("%b %Y" if kind == "month" else "%d/%m/%Y")
        return (
            f'<table:table-cell{attrs} office:value-type="date" office:date-value="{iso}">'
            f"<text:p>{shown}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell{attrs} office:value-type="string">{_paragraphs(_text(value))}'
        "</table:table-cell>"
    )


def _paragraphs(text: str) -> str:
    """Text as paragraphs, runs of spaces as ``text:s`` (XML would fold them into one)."""
    out = []
    for line in text.split("\n"):
        line = escape(line.replace("\r", ""))
        line = re.sub(r"  +", lambda m: f' <text:s text:c="{len(m.group()) - 1}"/>', line)
        line = line.replace("\t", "<text:tab/>")
        out.append(f"<text:p>{line}</text:p>")
    return "".join(out)


def _runs(cells: list[str]) -> str:
    """Cells with consecutive identical ones written once with a repeat count; trailing plain empty
    cells dropped."""
    while cells and cells[-1] == "<table:table-cell/>":
        cells.pop()
    out = []
    i = 0
    while i < len(cells):
        j = i
        while j + 1 < len(cells) and cells[j + 1] == cells[i]:
            j += 1
        n = j - i + 1
        if n > 1:
            out.append(
                cells[i].replace(
                    "<table:table-cell", f'<table:table-cell table:number-columns-repeated="{n}"', 1
                )
            )
        else:
            out.append(cells[i])
        i = j + 1
    return "".join(out)


def _validations(ws: Any, sheet_index: int) -> tuple[list[str], dict[tuple[int, int], str]]:
    """The sheet's list drop-downs as OpenDocument content validations, and the cells they apply to
    ((row, column), 1-based)."""
    from openpyxl.utils import range_boundaries  # here: openpyxl is only needed to write a file

    defs: list[str] = []
    where: dict[tuple[int, int], str] = {}
    for n, dv in enumerate(getattr(ws.data_validations, "dataValidation", []), start=1):
        m = re.fullmatch(r"'?([^'!]+)'?!\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)", dv.formula1 or "")
        if dv.type != "list" or not m:
            continue
        sheet, c1, r1, c2, r2 = m.groups()
        name = f"val{sheet_index}_{n}"
        source = f"[$'{sheet}'.${c1}${r1}:${c2}${r2}]"
        first = str(dv.sqref).split()[0]
        min_col, min_row, _, _ = range_boundaries(first)
        base = f"$'{ws.title}'.${_letters(min_col or 1)}${min_row or 1}"
        defs.append(
            f"<table:content-validation table:name={quoteattr(name)} "
            f"table:condition={quoteattr(f'of:cell-content-is-in-list({source})')} "
            f'table:allow-empty-cell="{"true" if dv.allow_blank else "false"}" '
            f"table:base-cell-address={quoteattr(base)}/>"
        )
        for ref in str(dv.sqref).split():
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            for r in range(min_row or 1, (max_row or min_row or 1) + 1):
                for c in range(min_col or 1, (max_col or min_col or 1) + 1):
                    where[(r, c)] = name
    return defs, where


def _letters(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def workbook_ods(wb: Any) -> bytes:
    """An openpyxl workbook (built in memory, not read-only) as ``.ods`` bytes."""
    styles = _Styles()
    tables = []
    for index, ws in enumerate(wb.worksheets, start=1):
        defs, validation_at = _validations(ws, index)
        max_row = max([ws.max_row or 0] + [r for r, _ in validation_at])
        max_col = max([ws.max_column or 0] + [c for _, c in validation_at])
        columns = []
        for c in range(1, max_col + 1):
            dim = ws.column_dimensions.get(_letters(c))
            width = float(dim.width) if dim is not None and dim.width else 10.0
            columns.append(f'<table:table-column table:style-name="{styles.column(width)}"/>')
        rows: list[str] = []
        for r in range(1, max_row + 1):
            cells = []
            for c in range(1, max_col + 1):
                cell = ws._cells.get((r, c))  # only cells that exist: reading ws.cell would add one
                value = cell.value if cell is not None else None
                fmt = cell.number_format if cell is not None and cell.has_style else ""
                kind = _number_kind(value, fmt)
                style = styles.cell(cell, kind) if cell is not None else None
                cells.append(_cell_xml(value, kind, style, validation_at.get((r, c))))
            rows.append(f"<table:table-row>{_runs(cells)}</table:table-row>")
        body = _row_runs(rows)
        validations = (
            f"<table:content-validations>{''.join(defs)}</table:content-validations>"
            if defs
            else ""
        )
        tables.append((validations, f"<table:table table:name={quoteattr(ws.title)}>"
                       + "".join(columns) + body + "</table:table>"))  # fmt: skip
    validation_xml = "".join(v for v, _ in tables)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content {_NS} office:version="1.3">'
        f"<office:automatic-styles>{styles.xml()}</office:automatic-styles>"
        f"<office:body><office:spreadsheet>{validation_xml}"
        + "".join(t for _, t in tables)
        + "</office:spreadsheet></office:body></office:document-content>"
    )
    return _package(content.encode("utf-8"))


def _row_runs(rows: list[str]) -> str:
    out = []
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1] == rows[i]:
            j += 1
        n = j - i + 1
        row = rows[i]
        if n > 1:
            row = row.replace(
                "<table:table-row>", f'<table:table-row table:number-rows-repeated="{n}">', 1
            )
        out.append(row)
        i = j + 1
    return "".join(out)


def _package(content: bytes) -> bytes:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.3">'
        f'<manifest:file-entry manifest:full-path="/" manifest:version="1.3" '
        f'manifest:media-type="{MIMETYPE}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-styles {_NS} office:version="1.3"><office:styles/>'
        "</office:document-styles>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        # The mimetype first and uncompressed, so that a program can tell the type from the bytes.
        zf.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("styles.xml", styles)
        zf.writestr("content.xml", content)
    return buf.getvalue()
