"""Reading CSV and Excel files into text grids, safely, before anything is interpreted.

Every cell becomes text exactly as a person would read it (an Excel cell formatted as a percentage
becomes ``85%``), so that one set of rules reads both formats. Row numbers are the ones a spreadsheet
program shows. Workbooks are checked before they are parsed in full: a size cap, a cap on how far their
compressed parts expand, and a cap on the sheet dimensions; openpyxl parses their XML through
defusedxml.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from harrow_dash.ingest.headings import GUIDANCE_SHEETS, HeaderMatch, match_header, normalise
from harrow_dash.ingest.problems import Problem

MAX_XLSX_EXPANDED_BYTES = 200 * 1024 * 1024
MAX_XLSX_RATIO = 100
MAX_XLSX_CELLS = 5_000_000
MAX_XLSX_COLUMNS = 500
HEADER_SEARCH_ROWS = 30


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


def _find_header(
    grid: pd.DataFrame, file: str, sheet: str | None
) -> tuple[Sheet | None, list[Problem]]:
    for i in range(min(HEADER_SEARCH_ROWS, len(grid))):
        cells = list(grid.iloc[i])
        match = match_header(cells)
        if match:
            match.row_index = i
            data = grid.iloc[i + 1 :].copy()
            data["_row"] = data.index + 1
            blank = _blank_rows(data)
            data = data[~blank].reset_index(drop=True)
            headings = [str(c).strip() for c in cells]
            return Sheet(file, sheet, match, headings, data), []
    if sheet is not None and normalise(sheet).startswith(GUIDANCE_SHEETS):
        return None, []
    where = "this sheet" if sheet else "this file"
    return None, [
        Problem(
            file,
            sheet,
            None,
            None,
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows of {where}. A header needs at "
            "least a reference column and either quarter columns (scorecard), a quarter and an actual "
            "column (tidy), a title and a status column (flagship actions) or a priority, kind and text "
            "column (highlights). See the template: harrow-dash template -o template.xlsx",
        )
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


def _csv_width(text: str) -> int:
    """The most fields in any of the first rows (where a header may be), 0 if none can be read."""
    try:
        rows = zip(range(HEADER_SEARCH_ROWS + 1), csv.reader(_lines(text)), strict=False)
        return max((len(row) for _, row in rows), default=0)
    except csv.Error:
        return 0


def read_csv(content: bytes, file: str) -> tuple[list[Sheet], list[Problem]]:
    source: io.BytesIO | io.StringIO
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            return [], [
                Problem(file, None, None, None, "the file is not text (expected UTF-8 CSV).")
            ]
        source = io.StringIO(text)
    else:
        # Valid UTF-8: pandas reads the bytes itself, several times faster for a large file than
        # reading the decoded text back out of a StringIO.
        source = io.BytesIO(content)
    try:
        # Title rows above the header are often shorter than it; pandas sizes the grid from the
        # first line unless told the width, so measure the widest of the rows a header may be in.
        width = _csv_width(text)
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
        reason = str(exc).split("\n")[0]
        return [], [Problem(file, None, None, None, f"the CSV cannot be read: {reason}")]
    grid.columns = range(grid.shape[1])
    sheet, problems = _find_header(grid, file, None)
    return ([sheet] if sheet else []), problems


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
        return value.strftime("%Y-%m-%d")
    return str(value)


def check_workbook(content: bytes, file: str) -> list[Problem]:
    """Refuse oversized or malformed workbooks before openpyxl parses them."""
    if not zipfile.is_zipfile(io.BytesIO(content)):
        return [
            Problem(
                file, None, None, None, "this is not a valid .xlsx workbook (not a zip package)."
            )
        ]
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        infos = zf.infolist()
        expanded = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if len(infos) > 10_000:
            return [
                Problem(
                    file, None, None, None, "the workbook has too many parts to be a scorecard."
                )
            ]
        if expanded > MAX_XLSX_EXPANDED_BYTES or expanded / packed > MAX_XLSX_RATIO:
            return [
                Problem(
                    file,
                    None,
                    None,
                    None,
                    f"the workbook expands to {expanded / 1e6:,.0f} MB when unpacked "
                    f"({expanded / packed:,.0f} times its size), beyond the safe limit; it was not opened.",
                )
            ]
        if "[Content_Types].xml" not in zf.namelist():
            return [Problem(file, None, None, None, "this is not a valid .xlsx workbook.")]
        try:
            dtd = any(_declares_dtd(zf, i) for i in infos if i.filename.endswith((".xml", ".rels")))
        except Exception as exc:  # a damaged, encrypted or oddly compressed part
            return [
                Problem(
                    file, None, None, None, f"the workbook is damaged and was not opened: {exc}"
                )
            ]
        if dtd:
            return [
                Problem(
                    file,
                    None,
                    None,
                    None,
                    "the workbook's XML declares a document type (DTD), which spreadsheets never "
                    "need and which can hide an entity-expansion attack; it was not opened.",
                )
            ]
    return []


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


def read_xlsx(content: bytes, file: str) -> tuple[list[Sheet], list[Problem]]:
    import openpyxl  # imported here: only needed for workbooks

    problems = check_workbook(content, file)
    if problems:
        return [], problems
    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        return [], [Problem(file, None, None, None, f"the workbook cannot be opened: {exc}")]
    sheets: list[Sheet] = []
    try:
        for ws in wb.worksheets:
            rows_n, cols_n = ws.max_row or 0, ws.max_column or 0
            if cols_n > MAX_XLSX_COLUMNS or rows_n * cols_n > MAX_XLSX_CELLS:
                problems.append(
                    Problem(
                        file,
                        ws.title,
                        None,
                        None,
                        f"the sheet claims {rows_n:,} rows by {cols_n:,} columns, beyond the safe "
                        "limit; it was not read.",
                    )
                )
                continue
            try:
                grid_rows = [
                    [_cell_text(c.value, getattr(c, "number_format", "")) for c in row]
                    for row in ws.iter_rows()
                ]
            except Exception as exc:  # read-only sheets are parsed lazily: damage shows up here
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                problems.append(
                    Problem(file, ws.title, None, None, f"the sheet cannot be read: {reason}")
                )
                continue
            if not grid_rows:
                continue
            width = max(len(r) for r in grid_rows)
            grid = pd.DataFrame([r + [""] * (width - len(r)) for r in grid_rows], dtype=str)
            sheet, found = _find_header(grid, file, ws.title)
            problems.extend(found)
            if sheet:
                sheets.append(sheet)
    finally:
        wb.close()
    return sheets, problems


def read_file(
    content: bytes, file: str, max_bytes: int | None = None
) -> tuple[list[Sheet], list[Problem]]:
    """Read a CSV or .xlsx file's tables by its name; unknown types and oversize files are refused.

    ``max_bytes`` caps uploads through the app; files named on the command line are not capped.
    """
    if max_bytes is not None and len(content) > max_bytes:
        return [], [
            Problem(
                file,
                None,
                None,
                None,
                f"the file is {len(content) / 1e6:,.1f} MB; the limit is {max_bytes / 1e6:,.0f} MB.",
            )
        ]
    suffix = Path(file).suffix.lower()
    if suffix == ".csv":
        return read_csv(content, file)
    if suffix == ".xlsx":
        return read_xlsx(content, file)
    return [], [
        Problem(
            file,
            None,
            None,
            None,
            f"'{suffix or file}' files cannot be read; save it as .xlsx or .csv (UTF-8).",
        )
    ]
