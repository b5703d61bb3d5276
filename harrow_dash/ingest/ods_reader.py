"""Reading an OpenDocument spreadsheet's tables (``content.xml``) as text grids, streaming and bounded.

An ``.ods`` file says "this cell, repeated 16,384 times" (``table:number-columns-repeated``) and "this
row, repeated a million times"; spreadsheet programs write such repeats of *empty* cells and rows to the
edge of every sheet. So nothing is expanded while it is read: an empty run only moves the position on,
and a filled cell or row is counted, repeats included, against the limits before it is kept. Parsing is
streamed with defusedxml (no DTD, no entities), each row dropped from the tree once read.

Every cell becomes text as :func:`harrow_dash.ingest.readers._cell_text` writes an Excel cell:
numbers as Python writes them (``72.4``), a percentage cell as ``85%``, a date as ``31/12/2023`` (or
``Dec 2023`` when its format shows no day), a boolean as ``yes`` / ``no``, text as written (paragraphs
joined by line breaks, ``text:s`` as spaces).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from defusedxml.ElementTree import iterparse

OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
NUMBER = "{urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0}"
CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
# Excel's own limit on the characters in a cell; a cell's text is cut there (``text:s`` says "this
# many spaces" in a few bytes).
MAX_CELL_CHARS = 32_767
# Characters of text a sheet may hold, per cell allowed: a repeated filled cell costs a few bytes of
# XML however long its text, and every repeat becomes a text of its own once the grid is built.
CHARS_PER_CELL = 40

_CELLS = (TABLE + "table-cell", TABLE + "covered-table-cell")


class OdsLimit(Exception):
    """A limit was passed while reading a sheet: the message says which (the sheet is not read)."""


@dataclass
class OdsSheet:
    name: str
    rows: list[list[str]]  # as text, trailing blank cells and rows dropped


@dataclass
class _Styles:
    """Which cell styles show a date without its day (``mmm-yy``): those dates name a month."""

    month_only_formats: set[str] = field(default_factory=set)  # data (number) style names
    cell_formats: dict[str, str] = field(default_factory=dict)  # cell style -> data style

    def month_only(self, cell_style: str | None) -> bool:
        return (
            cell_style is not None and self.cell_formats.get(cell_style) in self.month_only_formats
        )

    def take(self, elem: Any) -> None:
        if elem.tag == NUMBER + "date-style":
            if elem.find(NUMBER + "day") is None and elem.find(NUMBER + "month") is not None:
                self.month_only_formats.add(elem.get(STYLE + "name", ""))
        elif elem.tag == STYLE + "style" and elem.get(STYLE + "data-style-name"):
            self.cell_formats[elem.get(STYLE + "name", "")] = elem.get(STYLE + "data-style-name")


def _repeat(elem: Any, attribute: str) -> int:
    try:
        return max(1, int(elem.get(TABLE + attribute, "1")))
    except ValueError:
        return 1


def _number(elem: Any) -> float | None:
    try:
        return float(elem.get(OFFICE + "value", ""))
    except ValueError:
        return None


def _paragraph(elem: Any, out: list[str], budget: list[int]) -> None:
    """The text of a paragraph (or a span, link... inside one), ``text:s`` as spaces, ``text:tab`` as
    a tab and ``text:line-break`` as a line feed; notes and annotations are not the cell's text."""
    if elem.text:
        out.append(elem.text)
        budget[0] -= len(elem.text)
    for child in elem:
        if budget[0] <= 0:
            return
        tag = child.tag
        if tag == TEXT + "s":
            try:
                n = int(child.get(TEXT + "c", "1"))
            except ValueError:
                n = 1
            n = max(0, min(n, budget[0]))
            out.append(" " * n)
            budget[0] -= n
        elif tag == TEXT + "tab":
            out.append("\t")
            budget[0] -= 1
        elif tag == TEXT + "line-break":
            out.append("\n")
            budget[0] -= 1
        elif tag not in (OFFICE + "annotation", TEXT + "note"):
            _paragraph(child, out, budget)
        if child.tail:
            out.append(child.tail)
            budget[0] -= len(child.tail)


def _text(cell: Any) -> str:
    out: list[str] = []
    budget = [MAX_CELL_CHARS]
    for i, p in enumerate(cell.findall(TEXT + "p")):
        if i:
            out.append("\n")
        _paragraph(p, out, budget)
    return "".join(out)[:MAX_CELL_CHARS]


def _date_text(value: str, month_only: bool) -> str | None:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.strftime("%b %Y" if month_only else "%d/%m/%Y")


def cell_text(cell: Any, month_only: bool = False) -> str:
    """One cell as text, as a person reads it (see the module's docstring)."""
    if cell.tag != TABLE + "table-cell":
        return ""  # covered by a merged cell: its text is the merged cell's
    kind = cell.get(OFFICE + "value-type")
    if cell.get(CALCEXT + "value-type") == "error":
        return _text(cell)  # "#DIV/0!": the text shown, refused by the readers' cell checks
    if kind in ("float", "currency", "percentage"):
        value = _number(cell)
        if value is not None:
            return f"{value * 100:.10g}%" if kind == "percentage" else f"{value:.15g}"
    elif kind == "boolean":
        return "yes" if cell.get(OFFICE + "boolean-value", "").lower() in ("true", "1") else "no"
    elif kind == "date":
        found = _date_text(cell.get(OFFICE + "date-value", ""), month_only)
        if found is not None:
            return found
    return _text(cell)


class _ColumnStyles:
    """Each column's default cell style (``table:default-cell-style-name``), kept as runs."""

    def __init__(self) -> None:
        self.runs: list[tuple[int, int, str]] = []  # (first column, after last, style)
        self.next = 0

    def add(self, elem: Any) -> None:
        n = _repeat(elem, "number-columns-repeated")
        style = elem.get(TABLE + "default-cell-style-name")
        if style:
            self.runs.append((self.next, self.next + n, style))
        self.next += n

    def at(self, col: int) -> str | None:
        for first, after, style in self.runs:
            if first <= col < after:
                return style
        return None


def read_styles(fh: IO[bytes]) -> _Styles:
    """The date formats of a ``styles.xml`` part (its named cell styles and their data styles)."""
    styles = _Styles()
    for _, elem in iterparse(fh, events=("end",), forbid_dtd=True):
        styles.take(elem)
    return styles


def read_tables(
    fh: IO[bytes],
    styles: _Styles,
    max_cells: int,
    max_rows: int,
    max_columns: int,
) -> Iterator[OdsSheet | tuple[str, str]]:
    """The tables of ``content.xml``, one at a time: an :class:`OdsSheet`, or (sheet name, message)
    for a sheet beyond a limit (its rows are skipped, not kept). Raises the parser's errors (a
    damaged part, a DTD or an entity) to the caller."""
    stack: list[Any] = []
    name = ""
    failed: str | None = None
    rows: list[tuple[int, list[str]]] = []
    row_no = 0  # rows so far in this table, repeats included (0-based index of the next row)
    elements = 0  # cell and row elements read: a bound on the work, whatever they hold
    kept = 0  # cells kept, repeats of filled cells and rows included
    chars = 0  # characters of text kept, repeats included
    row_chars = 0
    max_chars = max_cells * CHARS_PER_CELL
    texts: list[str] = []
    col = 0
    columns = _ColumnStyles()
    in_body = False
    tables = 0
    for event, elem in iterparse(fh, events=("start", "end"), forbid_dtd=True):
        if event == "start":
            stack.append(elem)
            if elem.tag == OFFICE + "body":
                in_body = True
            elif elem.tag == TABLE + "table" and in_body:
                tables += 1
                name = elem.get(TABLE + "name", "") or f"Sheet{tables}"
                failed, rows, row_no, elements, kept, chars = None, [], 0, 0, 0, 0
                columns = _ColumnStyles()
                texts, col, row_chars = [], 0, 0
            continue
        stack.pop()
        parent = stack[-1] if stack else None
        tag = elem.tag
        if not in_body:
            styles.take(elem)
        elif failed is not None and tag != TABLE + "table":
            pass
        elif tag in _CELLS:
            elements += 1
            if elements > max_cells:
                failed = f"the sheet holds more than {max_cells:,} cells, beyond the safe limit"
            else:
                n = _repeat(elem, "number-columns-repeated")
                style = elem.get(TABLE + "style-name") or columns.at(col)
                text = cell_text(elem, styles.month_only(style))
                if text:
                    if col + n > max_columns:
                        failed = (
                            f"row {row_no + 1} has a filled cell in column {col + n:,}; the limit "
                            f"is {max_columns:,} columns"
                        )
                    else:
                        texts.extend([""] * (col - len(texts)))
                        texts.extend([text] * n)
                        row_chars += len(text) * n
                col += n
        elif tag == TABLE + "table-row":
            elements += 1
            n = _repeat(elem, "number-rows-repeated")
            if elements > max_cells:
                failed = f"the sheet holds more than {max_cells:,} cells, beyond the safe limit"
            elif texts:
                kept += len(texts) * n
                chars += row_chars * n
                if row_no + n > max_rows:
                    failed = (
                        f"the sheet has a filled row at row {row_no + n:,}; the limit is "
                        f"{max_rows:,} rows"
                    )
                elif kept > max_cells:
                    failed = f"the sheet holds more than {max_cells:,} cells, beyond the safe limit"
                elif chars > max_chars:
                    failed = (
                        f"the sheet's cells hold more than {max_chars:,} characters of text, "
                        "beyond the safe limit"
                    )
                else:
                    rows.extend((row_no + k, texts) for k in range(n))
            row_no += n
            texts, col, row_chars = [], 0, 0
        elif tag == TABLE + "table-column":
            columns.add(elem)
        elif tag == TABLE + "table":
            if failed is not None:
                yield name, failed
            else:
                height = rows[-1][0] + 1 if rows else 0
                width = max((len(r) for _, r in rows), default=0)
                if height * width > max_cells:
                    yield (
                        name,
                        f"the sheet has {height:,} rows by {width:,} columns, more than "
                        f"{max_cells:,} cells, beyond the safe limit",
                    )
                else:
                    grid: list[list[str]] = [[] for _ in range(height)]
                    for i, row in rows:
                        grid[i] = row
                    yield OdsSheet(name, grid)
            rows, failed = [], None
        else:
            continue
        # Read: drop it from the tree, so memory holds one row at a time.
        if tag in (*_CELLS, TABLE + "table-row", TABLE + "table") and parent is not None:
            parent.remove(elem)


def is_ods(zf: zipfile.ZipFile) -> str | None:
    """None for an OpenDocument spreadsheet package, else why it is not one."""
    names = set(zf.namelist())
    if "mimetype" in names:
        mimetype = zf.read("mimetype")[:200].decode("ascii", "replace").strip()
        if mimetype != ODS_MIMETYPE:
            return f"it is an OpenDocument file of another kind ({mimetype})"
    if "content.xml" not in names:
        return "it has no content.xml"
    return None
