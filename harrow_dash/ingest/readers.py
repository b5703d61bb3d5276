"""Reading CSV, Excel (.xlsx) and OpenDocument (.ods) files into text grids, safely, before anything
is interpreted.

Every cell becomes text exactly as a person would read it (an Excel cell formatted as a percentage
becomes ``85%``), so that one set of rules reads every format. Row numbers are the ones a spreadsheet
program shows. Workbooks are checked before they are parsed in full: a size cap, a cap on how far their
compressed parts expand, and a cap on the sheet dimensions; openpyxl parses their XML through
defusedxml, and an .ods's ``content.xml`` is streamed through defusedxml
(:mod:`harrow_dash.ingest.ods_reader`).

A workbook's cover, contents, notes and guidance sheets (named so, holding no table) are skipped; the
readers say which in one note (``notes``), shown in the load preview.

Every reader is bounded while it reads, before any data frame is built: at most ``MAX_COLUMNS``
columns, ``MAX_ROWS`` rows and ``MAX_CSV_CELLS`` / ``MAX_XLSX_CELLS`` cells. A file beyond them is
refused with the limit named. Cells are checked as they are read: control characters (NUL, escape
sequences) and Excel error values (``#DIV/0!``, ``#N/A``...) are refused naming the cell, and so is a
workbook formula saved without its calculated value (written by a tool that does not calculate).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
import pyarrow as pa
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from harrow_dash.ingest.arrow_csv import arrow_grid
from harrow_dash.ingest.headings import (
    HeaderMatch,
    combine_header_rows,
    is_non_table_sheet,
    is_two_row_header,
    match_header,
    unplaced_header,
)
from harrow_dash.ingest.ods_reader import OdsSheet, is_ods, read_styles, read_tables
from harrow_dash.ingest.problems import Problem

MAX_XLSX_EXPANDED_BYTES = 200 * 1024 * 1024
MAX_XLSX_RATIO = 100
MAX_XLSX_CELLS = 5_000_000
MAX_COLUMNS = 500
MAX_XLSX_COLUMNS = MAX_COLUMNS
MAX_ROWS = 1_048_576  # Excel's own limit
MAX_CSV_CELLS = 24_000_000
# A file uploaded through the app (``read_file`` with ``max_bytes``) is capped far lower: checking and
# comparing a file holds several times its cells in memory in the one process every session shares,
# and a quarter's scorecard is a few thousand cells. Larger files load with the command line.
MAX_UPLOAD_CELLS = 100_000
# Shared strings are loaded whole by openpyxl before any sheet is read: counted first.
MAX_SHARED_STRINGS = 500_000
UPLOAD_HINT = "; larger files load with the command line (harrow-dash load)"
HEADER_SEARCH_ROWS = 30

# Control characters other than tab, line feed and carriage return (C0, DEL and C1).
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The same characters in UTF-8: an ASCII control byte, or U+0080-U+009F (written 0xC2 0x80-0x9F).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_OTHER_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_C1_IN_UTF8 = re.compile(b"\xc2[\x80-\x9f]")


def has_control_chars(content: bytes) -> bool:
    """Whether valid UTF-8 ``content`` holds a character ``CONTROL_CHARS`` matches: the same answer
    as searching the decoded text, several times faster for a large file (no character class is
    tried at every position: the bytes that are not control bytes are deleted, and a C1 control
    has a fixed first byte)."""
    return bool(content.translate(None, _OTHER_BYTES)) or _C1_IN_UTF8.search(content) is not None


EXCEL_ERRORS = {
    "#div/0!": "division by zero",
    "#n/a": "a value not available, often a failed lookup",
    "#ref!": "a reference to a cell that no longer exists",
    "#value!": "a formula given the wrong kind of value",
    "#name?": "a formula naming something Excel does not know",
    "#num!": "an impossible number",
    "#null!": "an empty intersection of ranges",
    "#spill!": "a result that cannot spill into its cells",
    "#calc!": "a calculation Excel cannot do",
    "#getting_data": "a value still being fetched",
}


@dataclass
class Sheet:
    """One table found in a file: its header and its data rows as text."""

    file: str
    sheet: str | None
    header: HeaderMatch
    headings: list[str]
    data: pd.DataFrame  # columns 0..n-1 as text, plus "_row" (1-based row number in the file)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def describe_column(sheet: Sheet, index: int) -> str:
    """``F ("Q3 2023-24")``: the letter a spreadsheet shows and the heading."""
    heading = sheet.headings[index] if index < len(sheet.headings) else ""
    return f'{column_letter(index)} ("{heading}")'


def _repeated(text: str, n: int) -> object:
    """``text`` as a whole column of ``n`` rows: what assigning the bare string gives, built directly
    (pandas builds a text column from a scalar by an element-by-element take, slow for a big file).
    Arrow's buffers are written at once: the text's bytes ``n`` times and evenly spaced offsets (a
    fifth of the time a dictionary's decoding takes)."""
    if n == 0:
        return text
    data = text.encode("utf-8")
    offsets = np.arange(n + 1, dtype=np.int64) * len(data)
    values = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data * n))
    return pd.array(values, dtype=str)


def _where(sheet: Sheet, data: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "_file": _repeated(sheet.file, len(data)),
            "_sheet": sheet.sheet,
            "_row": data["_row"].to_numpy(),
        }
    )


def _header_at(grid: pd.DataFrame, i: int) -> tuple[int, HeaderMatch] | None:
    """The header starting at row ``i``: two rows when row ``i`` holds financial years over the
    quarter columns of row ``i + 1``, else row ``i`` alone. Returns (the header's lower row, match)."""
    cells = list(grid.iloc[i])
    if i + 1 < len(grid):
        lower = list(grid.iloc[i + 1])
        if is_two_row_header(cells, lower):
            combined, problems = combine_header_rows(cells, lower)
            match = match_header(combined)
            if match:
                match.problems = problems
                match.band_row_index = i
                return i + 1, match
    match = match_header(cells)
    return (i, match) if match else None


def _find_header(
    grid: pd.DataFrame, file: str, sheet: str | None, scan_cells: bool = True
) -> tuple[Sheet | None, list[Problem]]:
    for start in range(min(HEADER_SEARCH_ROWS, len(grid))):
        found = _header_at(grid, start)
        if found:
            i, match = found
            match.row_index = i
            top = match.band_row_index if match.band_row_index is not None else i
            if match.band_row_index is not None:
                upper = list(grid.iloc[match.band_row_index])
                headings = combine_header_rows(upper, list(grid.iloc[i]))[0]
            else:
                headings = [str(c).strip() for c in grid.iloc[i]]
            problems = _cell_problems(grid, top, file, sheet, headings) if scan_cells else []
            data = grid.iloc[i + 1 :].copy()
            data["_row"] = data.index + 1
            blank = _blank_rows(data)
            data = data[~blank].reset_index(drop=True)
            return Sheet(file, sheet, match, headings, data), problems
    if sheet is not None and is_non_table_sheet(sheet):
        return None, []
    where = "this sheet" if sheet else "this file"
    rows = grid.iloc[:HEADER_SEARCH_ROWS].values.tolist()
    unplaced = unplaced_header(rows)
    if unplaced is not None:
        row, message = unplaced
        return None, [Problem(file, sheet, row + 1, None, message)]
    return None, [
        Problem(
            file,
            sheet,
            None,
            None,
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows of {where}. A header needs at "
            "least a reference column and either quarter columns (scorecard), a quarter and an actual "
            "column (tidy), a title and a status column (flagship actions) or a priority, kind and text "
            "column (highlights). See the template: harrow-dash template -o template.xlsx (or .ods)",
        )
    ]


def _cell_problems(
    grid: pd.DataFrame, top: int, file: str, sheet: str | None, headings: list[str]
) -> list[Problem]:
    """Control characters and Excel error values in the header and data rows, each named by its
    cell; such cells are blanked in ``grid`` so that no second message is given about them."""
    problems: list[Problem] = []
    body = grid.iloc[top:]

    def where(col: int) -> str:
        heading = headings[col] if col < len(headings) else ""
        return f'{column_letter(col)} ("{heading}")' if heading else column_letter(col)

    for col in grid.columns:
        values = body[col]
        controls = values.str.contains(CONTROL_CHARS.pattern, regex=True)
        errors = values.str.strip().str.lower().isin(list(EXCEL_ERRORS))
        for r in np.flatnonzero(controls.to_numpy()):
            text = values.iloc[r]
            char = CONTROL_CHARS.search(text)
            assert char is not None
            problems.append(
                Problem(
                    file,
                    sheet,
                    int(top + r + 1),
                    where(int(col)),
                    f"the cell holds a control character (U+{ord(char.group()):04X}), which is never "
                    "part of a scorecard; remove it.",
                )
            )
        for r in np.flatnonzero(errors.to_numpy()):
            text = values.iloc[r].strip()
            problems.append(
                Problem(
                    file,
                    sheet,
                    int(top + r + 1),
                    where(int(col)),
                    f"the cell holds the Excel error {text.upper()} ({EXCEL_ERRORS[text.lower()]}); "
                    "correct the formula or clear the cell.",
                )
            )
        if controls.any():
            idx = body.index[controls.to_numpy()]
            grid.loc[idx, col] = grid.loc[idx, col].str.replace(
                CONTROL_CHARS.pattern, "", regex=True
            )
        if errors.any():
            grid.loc[body.index[errors.to_numpy()], col] = ""
    return problems


def no_data_problems(sheets: list[Sheet]) -> list[Problem]:
    """A file whose every table has a header but no data rows is refused (a workbook may leave some
    of its sheets empty, as the template does, when another sheet holds data)."""
    if not sheets or any(len(s.data) for s in sheets):
        return []
    return [
        Problem(
            s.file,
            s.sheet,
            None,
            None,
            f"no data rows below the header in row {s.header.row_index + 1}.",
        )
        for s in sheets
    ]


def _blank_rows(data: pd.DataFrame) -> pd.Series:
    """Rows whose every cell is blank or spaces. A column is only read for the rows still blank after
    the columns before it: in a large file the first column settles almost every row."""
    blank = np.ones(len(data), dtype=bool)
    for col in data.columns:
        if col == "_row":
            continue
        rows = np.flatnonzero(blank)
        if not len(rows):
            break
        blank[rows] = (data[col].iloc[rows].str.strip() == "").to_numpy()
    return pd.Series(blank, index=data.index)


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` as iterating ``io.StringIO(text)`` gives them, without copying the whole
    text into a buffer (four bytes a character) just to read its first few rows."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _csv_width(text: str) -> tuple[int, int]:
    """The most fields in any of the first rows (where a header may be) and the row that has them;
    (0, 0) if none can be read."""
    # A line without quotes has one field more than commas: a line far too wide is refused without
    # splitting it into a million texts first.
    for i, line in zip(range(HEADER_SEARCH_ROWS + 2), _lines(text), strict=False):
        if '"' not in line and line.count(",") >= MAX_COLUMNS:
            return line.count(",") + 1, i + 1
    try:
        reader = csv.reader(_lines(text))
        rows = zip(range(HEADER_SEARCH_ROWS + 2), reader, strict=False)
        widths = [(len(row), i + 1) for i, row in rows]
    except csv.Error:
        return 0, 0
    return max(widths, default=(0, 0), key=lambda w: w[0])


class CsvRefused(Exception):
    """A CSV that cannot be read as written (an unclosed quote, a row too wide or too long)."""


# The most characters one row of a CSV may hold (all its lines, when quoted cells hold line breaks):
# a quote that opens and never closes would otherwise make the rest of the file one cell.
MAX_ROW_CHARS = 4_000_000


def where_row(row: int, line: int) -> str:
    """``row 3 (line 4 of the file)``: the row a spreadsheet shows, and the line when it differs."""
    return f"row {row}" + (f" (line {line} of the file)" if line != row else "")


def quote_message(reason: str, row: int, line: int) -> str:
    """What a strict CSV reader's complaint about a row means, naming the row the quote opens in."""
    where = where_row(row, line)
    if "unexpected end of data" in reason or "EOF inside string" in reason:
        return (
            f"the CSV cannot be read: a quote opens in {where} and is never closed; "
            "close the quote or remove it."
        )
    if "expected after" in reason:
        return (
            f"the CSV cannot be read: a quote opens in {where} and closes before the end of its "
            "cell (other text follows the closing quote); put the whole cell in quotes, doubling "
            'any quote inside it (""), or remove the quotes.'
        )
    return f"the CSV cannot be read: {where}: {reason}."


class CsvRecords:
    """The records of a CSV read strictly, one at a time, from an iterator of its lines.

    A quote that opens a cell must close it, right before a comma or the end of the row; otherwise
    :class:`CsvRefused` names the row the quote opens in (pandas would join the text on either side
    of the closing quote, or run the cell to the end of the file, and load it). A row of more than
    ``MAX_ROW_CHARS`` characters, or an unquoted line of more than ``MAX_COLUMNS`` fields, is refused
    before it is split. ``record`` is the number of records read; ``suspicious`` whether any line
    held a ``#`` or a control character (only then are cells scanned for them)."""

    def __init__(self, lines: Iterator[str], head_rows: int = 0):
        self.source = lines
        self.head_rows = head_rows
        self.line = 0
        self.record = 0
        self.chars = 0
        self.start = 1
        self.suspicious = False

    def _lines(self) -> Iterator[str]:
        for line in self.source:
            self.line += 1
            self.chars += len(line)
            if self.chars > MAX_ROW_CHARS:
                lines = self.line - self.start + 1
                why = (
                    f", over {lines:,} lines: a quote opens in {where_row(self.record + 1, self.start)} "
                    "and is not closed within them; close the quote or remove it."
                    if lines > 1
                    else f"; the limit is {MAX_ROW_CHARS:,}."
                )
                raise CsvRefused(
                    f"the CSV cannot be read: row {self.record + 1} is longer than "
                    f"{MAX_ROW_CHARS:,} characters{why}"
                )
            if '"' not in line and line.count(",") >= MAX_COLUMNS:
                fields = line.count(",") + 1
                prefix = "" if self.record < self.head_rows else "the CSV cannot be read: "
                raise CsvRefused(
                    f"{prefix}row {self.record + 1} has {fields:,} fields; the limit is "
                    f"{MAX_COLUMNS:,} columns."
                )
            if not self.suspicious and ("#" in line or CONTROL_CHARS.search(line)):
                self.suspicious = True
            yield line

    def __iter__(self) -> Iterator[list[str]]:
        limit = csv.field_size_limit()
        csv.field_size_limit(MAX_ROW_CHARS + 1)  # the row limit applies instead
        try:
            reader = csv.reader(self._lines(), strict=True)
            while True:
                self.start = self.line + 1
                self.chars = 0
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise CsvRefused(quote_message(str(exc), self.record + 1, self.start)) from None
                self.record += 1
                yield row
        finally:
            csv.field_size_limit(limit)


def _quote_problem(text: str) -> str | None:
    """The first unclosed or misplaced quote in ``text``, as a message naming its row; None if none."""
    try:
        for _ in CsvRecords(_lines(text)):
            pass
    except CsvRefused as exc:
        return str(exc)
    return None


def _refuse(file: str, message: str) -> tuple[list[Sheet], list[Problem]]:
    return [], [Problem.whole_file(file, message)]


def _is_utf16(content: bytes) -> bool:
    """A UTF-16 byte-order mark, or text whose every other byte is NUL (UTF-16 without a mark)."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = content[:4096]
    return len(head) >= 8 and (
        head[1::2].count(0) > 0.4 * len(head) / 2 or head[0::2].count(0) > 0.4 * len(head) / 2
    )


def _record_start_line(text: str, record: int) -> int:
    """The 1-based line of the file on which record ``record`` (0-based) starts."""
    reader = csv.reader(_lines(text))
    previous = 0
    for index, _ in enumerate(reader):
        if index == record:
            break
        previous = reader.line_num
    return previous + 1


def _csv_error(text: str, exc: Exception) -> str:
    reason = str(exc).strip().split("\n")[0]
    m = re.search(r"EOF inside string starting at row (\d+)", reason)
    if m:
        record = int(m.group(1))
        line = _record_start_line(text, record)
        where = f"row {record + 1}" + (f" (line {line} of the file)" if line != record + 1 else "")
        return (
            f"the CSV cannot be read: a quote opens in {where} and is never closed; "
            "close the quote or remove it."
        )
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", reason)
    if m:
        expected, row, saw = (int(g) for g in m.groups())
        if saw > MAX_COLUMNS:
            return (
                f"the CSV cannot be read: row {row} has {saw:,} fields; the limit is "
                f"{MAX_COLUMNS:,} columns."
            )
        return (
            f"the CSV cannot be read: row {row} has {saw:,} fields but the rows above have at most "
            f"{expected:,}; check for a stray comma or an unclosed quote."
        )
    reason = reason.replace("Error tokenizing data. C error: ", "")
    return f"the CSV cannot be read: {reason}"


def read_csv(
    content: bytes, file: str, max_cells: int | None = None, hint: str = ""
) -> tuple[list[Sheet], list[Problem]]:
    max_cells = MAX_CSV_CELLS if max_cells is None else max_cells
    source: io.BytesIO | io.StringIO
    if _is_utf16(content):
        return _refuse(
            file,
            "the file is UTF-16 text (as Excel's 'Unicode Text' saves it), not UTF-8; save it as "
            "'CSV UTF-8 (Comma delimited)' and load that.",
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            return _refuse(file, "the file is not text (expected UTF-8 CSV).")
        source = io.StringIO(text)
    else:
        # Valid UTF-8: pandas reads the bytes itself, several times faster for a large file than
        # reading the decoded text back out of a StringIO.
        source = io.BytesIO(content)
    # Bounds, checked before anything is parsed in full: lines (an upper bound on rows), and the
    # widest of the rows a header may be in (a wider row further down stops the parser).
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines > MAX_ROWS + 1:
        return _refuse(
            file, f"the file has {lines:,} lines; the limit is {MAX_ROWS:,} rows of data."
        )
    width, wide_row = _csv_width(text)
    if width > MAX_COLUMNS:
        return _refuse(
            file,
            f"row {wide_row} has {width:,} fields; the limit is {MAX_COLUMNS:,} columns.",
        )
    if lines * max(width, 1) > max_cells:
        return _refuse(
            file,
            f"the file has {lines:,} rows of {width:,} columns; the limit is "
            f"{max_cells:,} cells{hint}.",
        )
    if '"' in text:
        quote = _quote_problem(text)
        if quote is not None:
            return _refuse(file, quote)
    # A UTF-8 file whose rows all have the same width (a large export usually) is read by Arrow,
    # several times faster; any other goes to pandas, which gives the same grid (see arrow_csv).
    grid = arrow_grid(content, width) if isinstance(source, io.BytesIO) else None
    if grid is None:
        try:
            # Title rows above the header are often shorter than it; pandas sizes the grid from the
            # first line unless told the width, so give it the widest of the rows a header may be in.
            grid = pd.read_csv(
                source,
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                engine="c",
                names=range(width) if width else None,
                encoding="utf-8-sig" if isinstance(source, io.BytesIO) else None,
            ).fillna("")
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            return _refuse(file, _csv_error(text, exc))
    grid.columns = range(grid.shape[1])
    # Only a file holding a control character or a '#' can hold a cell to refuse: look for the
    # cells themselves only then (a large clean file is not scanned cell by cell).
    suspicious = "#" in text or (
        has_control_chars(content)
        if isinstance(source, io.BytesIO)
        else CONTROL_CHARS.search(text) is not None
    )
    sheet, problems = _find_header(grid, file, None, scan_cells=suspicious)
    sheets = [sheet] if sheet else []
    return sheets, problems + no_data_problems(sheets)


def _cell_text(value: object, number_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if "%" in (number_format or ""):
            return f"{value * 100:.10g}%"
        return f"{value:.15g}"
    if isinstance(value, dt.datetime | dt.date):
        # A date cell shown without its day (formatted mmm-yy, as Excel stores a typed "Jun-23")
        # names a month; with its day, the day.
        fmt = (number_format or "").lower()
        if "d" not in re.sub(r"\[[^\]]*\]|\"[^\"]*\"", "", fmt) and fmt not in ("", "general"):
            return value.strftime("%b %Y")
        return value.strftime("%d/%m/%Y")
    return str(value)


def check_workbook(content: bytes, file: str, kind: str = ".xlsx") -> list[Problem]:
    """Refuse oversized or malformed workbooks (``kind`` ``.xlsx`` or ``.ods``) before they are
    parsed."""
    what = "workbook" if kind == ".xlsx" else "spreadsheet"
    if not zipfile.is_zipfile(io.BytesIO(content)):
        return [Problem.whole_file(file, f"this is not a valid {kind} {what} (not a zip package).")]
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        infos = zf.infolist()
        expanded = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if len(infos) > 10_000:
            return [Problem.whole_file(file, f"the {what} has too many parts to be a scorecard.")]
        if expanded > MAX_XLSX_EXPANDED_BYTES or expanded / packed > MAX_XLSX_RATIO:
            return [
                Problem.whole_file(
                    file,
                    f"the {what} expands to {expanded / 1e6:,.0f} MB when unpacked "
                    f"({expanded / packed:,.0f} times its size), beyond the safe limit; it was not opened.",
                )
            ]
        if kind == ".xlsx" and "[Content_Types].xml" not in zf.namelist():
            return [Problem.whole_file(file, "this is not a valid .xlsx workbook.")]
        if kind == ".ods" and (why := is_ods(zf)):
            return [Problem.whole_file(file, f"this is not a valid .ods spreadsheet: {why}.")]
        # An .ods is read from its content and styles parts alone (an old OpenOffice manifest
        # declares a DTD, harmlessly, since it is never parsed).
        parsed = (".xml", ".rels") if kind == ".xlsx" else ("content.xml", "styles.xml")
        try:
            dtd = any(
                _declares_dtd(zf, i)
                for i in infos
                if i.filename.endswith(parsed) and (kind == ".xlsx" or "/" not in i.filename)
            )
        except Exception as exc:  # a damaged, encrypted or oddly compressed part
            return [Problem.whole_file(file, f"the {what} is damaged and was not opened: {exc}")]
        if dtd:
            return [Problem.whole_file(file, _dtd_message(what))]
    return []


def _dtd_message(what: str) -> str:
    return (
        f"the {what}'s XML declares a document type (DTD), which spreadsheets never need and "
        "which can hide an entity-expansion attack; it was not opened."
    )


# A DOCTYPE can only come before the root element; Excel writes none. Checked in UTF-8 and UTF-16.
_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
XML_PROLOG_BYTES = 64 * 1024


def _declares_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether an XML part declares a DTD near its start. Defence in depth: openpyxl parses sheets
    with defusedxml (which refuses entity declarations) and other parts with lxml without resolving
    entities (libxml2 refuses entity amplification), but a workbook has no use for a DTD at all."""
    with zf.open(info) as fh:
        head = fh.read(XML_PROLOG_BYTES).upper()
    return any(marker in head for marker in _DTD_MARKERS)


_CELL_XML = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]+)</(?:\w+:)?v>")
_TEXT_RESULT = re.compile(rb'\bt="str"')


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _uncalculated_formulas(zf: zipfile.ZipFile, path: str) -> list[tuple[int, int]]:
    """(row, column) of formula cells saved without a calculated value, 0-based.
    Read in pieces: a sheet part can be large, and most have no formula at all."""
    found: list[tuple[int, int]] = []
    with zf.open(path) as fh:
        carry = b""
        while chunk := fh.read(1 << 20):
            buf = carry + chunk
            last = 0
            if _FORMULA.search(buf):
                for m in _CELL_XML.finditer(buf):
                    last = m.end()
                    body = m.group(2) or b""
                    # No cached value, or an empty one in a cell that is not a text result (an
                    # empty text is a real result; an empty number is a formula never calculated).
                    if (
                        _FORMULA.search(body)
                        and not _VALUE.search(body)
                        and not _TEXT_RESULT.search(m.group(1))
                    ):
                        ref = _CELL_REF.search(m.group(1))
                        if ref:
                            col = _column_index(ref.group(1).decode())
                            found.append((int(ref.group(2)) - 1, col))
            else:
                last = max(0, len(buf) - 64 * 1024)  # keep a tail that may start a cell
            carry = buf[last:]
            if len(found) > 10_000:
                break
    return found


def _count_in_part(zf: zipfile.ZipFile, path: str, element: re.Pattern[bytes], stop: int) -> int:
    """How many ``element`` tags the XML part holds, counted in pieces while it is unpacked (nothing
    parsed, nothing kept); counting stops once past ``stop``."""
    found = 0
    carry = b""
    with zf.open(path) as fh:
        while chunk := fh.read(1 << 20):
            buf = carry + chunk
            found += len(element.findall(buf, 0, max(0, len(buf) - 16)))
            carry = buf[max(0, len(buf) - 16) :]
            if found > stop:
                return found
    return found + len(element.findall(carry))


_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_SHARED_STRING_TAG = re.compile(rb"<(?:\w+:)?si[\s>/]")


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_RELATIONSHIP_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")


def _attribute(tag: bytes, name: bytes) -> str | None:
    m = re.search(rb"(?:^|\s)(?:\w+:)?" + name + rb'\s*=\s*"([^"]*)"', tag)
    return html.unescape(m.group(1).decode("utf-8", "replace")) if m else None


def _sheet_titles(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet title, from the workbook and its relationships (read with patterns:
    these parts are small, and nothing here is trusted beyond naming a sheet in a message)."""
    try:
        workbook = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for tag in _RELATIONSHIP_TAG.findall(rels):
        rid, target = _attribute(tag, b"Id"), _attribute(tag, b"Target")
        if rid and target:
            targets[rid] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    titles = {}
    for tag in _SHEET_TAG.findall(workbook):
        name, rid = _attribute(tag, b"name"), _attribute(tag, b"id")
        if name and rid in targets:
            titles[targets[rid]] = name
    return titles


def _sheet_cells_problems(content: bytes, file: str, max_cells: int, hint: str) -> list[Problem]:
    """Every worksheet's cells counted before openpyxl opens the workbook: for a sheet without a
    ``<dimension>`` element openpyxl parses the whole sheet while opening it, to learn its size."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        titles = _sheet_titles(zf)
        for part in zf.namelist():
            if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
                continue
            if _count_in_part(zf, part, _CELL_TAG, max_cells) > max_cells:
                problems.append(
                    Problem(
                        file,
                        titles.get(part),
                        None,
                        None,
                        f"the sheet holds more than {max_cells:,} cells, beyond the safe limit; "
                        f"it was not read{hint}.",
                    )
                )
    return problems


def _shared_strings_problem(content: bytes, file: str) -> list[Problem]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        parts = [n for n in zf.namelist() if n.lower().endswith("sharedstrings.xml")]
        for part in parts:
            n = _count_in_part(zf, part, _SHARED_STRING_TAG, MAX_SHARED_STRINGS)
            if n > MAX_SHARED_STRINGS:
                return [
                    Problem.whole_file(
                        file,
                        f"the workbook's table of texts holds more than {MAX_SHARED_STRINGS:,} "
                        "texts, beyond the safe limit; it was not opened.",
                    )
                ]
    return []


def skipped_sheets_note(file: str, names: list[str]) -> Problem:
    """The one note saying which sheets were skipped as cover, contents, notes or guidance."""
    if len(names) == 1:
        return Problem(file, None, None, None, f"Skipped sheet {names[0]}: it holds no table.")
    listed = ", ".join(names[:-1]) + f" and {names[-1]}"
    return Problem(file, None, None, None, f"Skipped sheets {listed}: they hold no table.")


def _grid_sheet(
    rows: list[list[str]], file: str, title: str, skipped: list[str]
) -> tuple[Sheet | None, list[Problem]]:
    """A workbook sheet's rows (trailing blanks dropped) as a table, or its problems; a cover,
    contents, notes or guidance sheet without a table is added to ``skipped``."""
    if not rows:
        if is_non_table_sheet(title):
            skipped.append(title)
        return None, []
    width = max(len(r) for r in rows)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)
    sheet, found = _find_header(grid, file, title)
    if sheet is None and not found:
        skipped.append(title)
    return sheet, found


def _with_notes(file: str, skipped: list[str], notes: list[Problem] | None) -> None:
    if skipped and notes is not None:
        notes.append(skipped_sheets_note(file, skipped))


def read_xlsx(
    content: bytes,
    file: str,
    max_cells: int | None = None,
    hint: str = "",
    notes: list[Problem] | None = None,
) -> tuple[list[Sheet], list[Problem]]:
    """A workbook's tables; ``notes`` (if given) gets a note naming the sheets skipped as holding
    no table (cover, contents, notes, guidance)."""
    import openpyxl  # imported here: only needed for workbooks

    max_cells = MAX_XLSX_CELLS if max_cells is None else max_cells
    problems = (
        check_workbook(content, file)
        or _shared_strings_problem(content, file)
        or _sheet_cells_problems(content, file, max_cells, hint)
    )
    if problems:
        return [], problems
    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        return [], [Problem.whole_file(file, f"the workbook cannot be opened: {exc}")]
    sheets: list[Sheet] = []
    skipped: list[str] = []
    try:
        for ws in wb.worksheets:
            rows_n, cols_n = ws.max_row or 0, ws.max_column or 0
            if cols_n > MAX_XLSX_COLUMNS or rows_n * cols_n > max_cells:
                problems.append(
                    Problem(
                        file,
                        ws.title,
                        None,
                        None,
                        f"the sheet claims {rows_n:,} rows by {cols_n:,} columns, beyond the safe "
                        f"limit; it was not read{hint}.",
                    )
                )
                continue
            try:
                grid_rows, limit = _read_rows(ws, max_cells)
            except Exception as exc:  # read-only sheets are parsed lazily: damage shows up here
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                problems.append(
                    Problem(file, ws.title, None, None, f"the sheet cannot be read: {reason}")
                )
                continue
            if limit:
                problems.append(Problem(file, ws.title, None, None, limit))
                continue
            sheet, found = _grid_sheet(grid_rows, file, ws.title, skipped)
            problems.extend(found)
            if sheet:
                path = getattr(ws, "_worksheet_path", None)
                if path:
                    problems.extend(_formula_problems(wb, path, sheet, len(grid_rows)))
                sheets.append(sheet)
    finally:
        wb.close()
    _with_notes(file, skipped, notes)
    return sheets, problems + no_data_problems(sheets)


def read_ods(
    content: bytes,
    file: str,
    max_cells: int | None = None,
    hint: str = "",
    notes: list[Problem] | None = None,
) -> tuple[list[Sheet], list[Problem]]:
    """An OpenDocument spreadsheet's tables, read as a workbook's are, within the same limits
    (``content.xml`` is streamed: see :mod:`harrow_dash.ingest.ods_reader`)."""
    max_cells = MAX_XLSX_CELLS if max_cells is None else max_cells
    problems = check_workbook(content, file, ".ods")
    if problems:
        return [], problems
    sheets: list[Sheet] = []
    skipped: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            if "styles.xml" in zf.namelist():
                with zf.open("styles.xml") as fh:
                    styles = read_styles(fh)
            else:
                styles = read_styles(io.BytesIO(b"<styles/>"))
            with zf.open("content.xml") as fh:
                for table in read_tables(fh, styles, max_cells, MAX_ROWS, MAX_COLUMNS):
                    if not isinstance(table, OdsSheet):
                        title, limit = table
                        problems.append(
                            Problem(file, title, None, None, f"{limit}; it was not read{hint}.")
                        )
                        continue
                    sheet, found = _grid_sheet(table.rows, file, table.name, skipped)
                    problems.extend(found)
                    if sheet:
                        sheets.append(sheet)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        return [], [Problem.whole_file(file, _dtd_message("spreadsheet"))]
    except (ParseError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [], [
            Problem.whole_file(file, f"the spreadsheet is damaged and was not opened: {reason}")
        ]
    _with_notes(file, skipped, notes)
    return sheets, problems + no_data_problems(sheets)


def _read_rows(ws: object, max_cells: int) -> tuple[list[list[str]], str | None]:
    """The sheet's cells as text, row by row, stopping as soon as a limit is passed (a sheet without
    a ``<dimension>`` element does not say its size before it is read). Trailing blank cells and
    rows are dropped. Returns the rows, or a message naming the limit passed."""
    rows: list[list[str]] = []
    cells = 0
    last_filled = 0
    for n, row in enumerate(ws.iter_rows(), start=1):  # type: ignore[attr-defined]
        cells += len(row)
        if cells > max_cells or n > MAX_ROWS:
            return [], (
                f"the sheet has more than {min(n, MAX_ROWS):,} rows or {max_cells:,} cells, "
                "beyond the safe limit; it was not read."
            )
        texts = [_cell_text(c.value, getattr(c, "number_format", "")) for c in row]
        while texts and texts[-1] == "":
            texts.pop()
        if len(texts) > MAX_COLUMNS:
            return [], (
                f"row {n} has {len(texts):,} columns; the limit is {MAX_COLUMNS:,}; the sheet was not read."
            )
        rows.append(texts)
        if texts:
            last_filled = n
    return rows[:last_filled], None


def _formula_problems(wb: object, path: str, sheet: Sheet, n_rows: int) -> list[Problem]:
    archive = getattr(wb, "_archive", None)
    if archive is None:
        return []
    out = []
    for row, col in _uncalculated_formulas(archive, path):
        if row >= n_rows:
            continue
        heading = sheet.headings[col] if col < len(sheet.headings) else ""
        where = f'{column_letter(col)} ("{heading}")' if heading else column_letter(col)
        out.append(
            Problem(
                sheet.file,
                sheet.sheet,
                row + 1,
                where,
                "the cell holds a formula saved without its calculated value (the workbook was "
                "written by a tool that does not calculate); open it in Excel, save it, and load it "
                "again.",
            )
        )
    return out


def read_file(
    content: bytes, file: str, max_bytes: int | None = None, notes: list[Problem] | None = None
) -> tuple[list[Sheet], list[Problem]]:
    """Read a CSV, .xlsx or .ods file's tables by its name; unknown types and oversize files are
    refused.

    ``max_bytes`` caps uploads through the app, which are also capped at ``MAX_UPLOAD_CELLS`` cells;
    files named on the command line are capped only by the readers' own limits. ``notes``, if given,
    gets notes for the load preview (sheets skipped as holding no table).
    """
    if max_bytes is not None and len(content) > max_bytes:
        return [], [
            Problem.whole_file(
                file,
                f"the file is {len(content) / 1e6:,.1f} MB; the limit is {max_bytes / 1e6:,.0f} MB.",
            )
        ]
    cells, hint = (MAX_UPLOAD_CELLS, UPLOAD_HINT) if max_bytes is not None else (None, "")
    suffix = Path(file).suffix.lower()
    if suffix == ".csv":
        return read_csv(content, file, cells, hint)
    if suffix == ".xlsx":
        return read_xlsx(content, file, cells, hint, notes)
    if suffix == ".ods":
        return read_ods(content, file, cells, hint, notes)
    return [], [
        Problem.whole_file(
            file,
            f"'{suffix or file}' files cannot be read; save it as .xlsx, .ods or .csv (UTF-8).",
        )
    ]
