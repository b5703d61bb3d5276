"""Bounded work for any file: limits on columns, rows and cells are enforced while a file is read (before
data frames are built), problems are capped with a count of the rest, and nothing a file holds reaches
a terminal raw."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from harrow_dash.ingest import readers
from harrow_dash.ingest.load import FileInput, prepare
from harrow_dash.ingest.problems import MAX_PROBLEMS, Problem
from harrow_dash.ingest.readers import read_file
from harrow_dash.store import Store

P1 = "A council that puts residents first"


def test_a_header_wider_than_the_column_limit_is_refused_before_parsing():
    content = (",".join(f"c{i}" for i in range(600)) + "\n1\n").encode()
    sheets, problems = read_file(content, "wide.csv")
    assert sheets == []
    assert [p.message for p in problems] == ["row 1 has 600 fields; the limit is 500 columns."]


def test_a_row_of_a_million_fields_below_the_header_is_refused_naming_it():
    head = "Ref,Measure,Priority,Good is,Unit,Q3 2023-24\n"
    rows = "".join(f"PI-{i},m,{P1},higher,count,{i}\n" for i in range(40))
    content = (head + rows + "," * 1_000_000 + "\n").encode()
    sheets, problems = read_file(content, "long.csv")
    assert sheets == []
    assert [p.message for p in problems] == [
        "the CSV cannot be read: row 42 has 1,000,001 fields; the limit is 500 columns."
    ]


def test_more_lines_than_the_row_limit_are_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(readers, "MAX_ROWS", 1000)
    content = b"Ref,Q3 2023-24\n" + b"PI-1,1\n" * 1500
    sheets, problems = read_file(content, "tall.csv")
    assert sheets == []
    assert [p.message for p in problems] == [
        "the file has 1,501 lines; the limit is 1,000 rows of data."
    ]


def test_a_csv_beyond_the_cell_limit_is_refused(monkeypatch):
    monkeypatch.setattr(readers, "MAX_CSV_CELLS", 1000)
    content = b"Ref,A,B,C\n" + b"PI-1,1,2,3\n" * 300
    _, problems = read_file(content, "cells.csv")
    assert [p.message for p in problems] == [
        "the file has 301 rows of 4 columns; the limit is 1,000 cells."
    ]


def _without_dimension(content: bytes) -> bytes:
    """The workbook with its sheets' <dimension> element removed (as some tools write them)."""
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
            dst.writestr(info, data)
    return out.getvalue()


def test_a_workbook_without_dimension_is_bounded_while_read(monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Ref", "Q3 2023-24"])
    for i in range(3000):
        ws.append([f"PI-{i}", i])
    buf = io.BytesIO()
    wb.save(buf)
    content = _without_dimension(buf.getvalue())
    assert b"<dimension" not in zipfile.ZipFile(io.BytesIO(content)).read(
        "xl/worksheets/sheet1.xml"
    )
    monkeypatch.setattr(readers, "MAX_XLSX_CELLS", 2000)
    sheets, problems = read_file(content, "nodim.xlsx")
    assert sheets == []
    # Counted before a cell is read (nothing says the sheet's size).
    assert [(p.sheet, p.message) for p in problems] == [
        ("Sheet", "the sheet holds more than 2,000 cells, beyond the safe limit; it was not read.")
    ]


def test_an_upload_is_capped_at_fewer_cells_than_the_command_line(monkeypatch):
    """Through the app (a size cap given) a file holds at most MAX_UPLOAD_CELLS cells, CSV or Excel:
    every session shares the app's memory. The command line reads the same files."""
    monkeypatch.setattr(readers, "MAX_UPLOAD_CELLS", 1000)
    csv_content = b"Ref,Q1 2023-24,Q2 2023-24,Q3 2023-24\n" + b"PI-1,1,2,3\n" * 300
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Ref", "Q3 2023-24"])
    for i in range(600):
        ws.append([f"PI-{i}", i])
    buf = io.BytesIO()
    wb.save(buf)
    hint = "; larger files load with the command line (harrow-dash load)"
    _, problems = read_file(csv_content, "cells.csv", max_bytes=10**7)
    assert [p.message for p in problems] == [
        f"the file has 301 rows of 4 columns; the limit is 1,000 cells{hint}."
    ]
    _, problems = read_file(buf.getvalue(), "cells.xlsx", max_bytes=10**7)
    assert [(p.sheet, p.message) for p in problems] == [
        (
            "Sheet",
            f"the sheet holds more than 1,000 cells, beyond the safe limit; it was not read{hint}.",
        )
    ]
    assert read_file(csv_content, "cells.csv")[1] == []
    assert read_file(buf.getvalue(), "cells.xlsx")[1] == []


def _with_shared_strings(content: bytes, n: int) -> bytes:
    """The workbook with a table of ``n`` shared strings added (openpyxl writes its texts inline)."""
    src = zipfile.ZipFile(io.BytesIO(content))
    table = "".join(f"<si><t>Comment {i}</t></si>" for i in range(n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>',
                )
            dst.writestr(info, data)
        dst.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main" count="{n}" uniqueCount="{n}">{table}</sst>',
        )
    return out.getvalue()


def test_a_huge_table_of_shared_strings_is_refused_before_it_is_loaded(monkeypatch):
    """openpyxl loads the whole table of texts when it opens a workbook: it is counted first."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Ref", "Q3 2023-24"])
    ws.append(["PI-1", 1])
    buf = io.BytesIO()
    wb.save(buf)
    monkeypatch.setattr(readers, "MAX_SHARED_STRINGS", 100)
    sheets, problems = read_file(_with_shared_strings(buf.getvalue(), 100), "fine.xlsx")
    assert problems == [] and len(sheets) == 1
    sheets, problems = read_file(_with_shared_strings(buf.getvalue(), 101), "strings.xlsx")
    assert sheets == []
    assert [p.message for p in problems] == [
        "the workbook's table of texts holds more than 100 texts, beyond the safe limit; it was "
        "not opened."
    ]


def test_problems_are_capped_with_a_count_of_the_rest(store: Store):
    head = "Ref,Measure,Priority,Good is,Unit,Q3 2023-24\n"
    rows = "".join(f"PI-{i},Calls,{P1},higher,count,x{i}\n" for i in range(MAX_PROBLEMS + 1234))
    plan = prepare(store, [FileInput("many.csv", (head + rows).encode())])
    assert len(plan.problems) == MAX_PROBLEMS + 1
    assert str(plan.problems[-1]) == "many.csv: and 1,234 more problems not listed."
    assert plan.problems[0].message == "'x0' is not a number (actual)."


def test_a_problem_never_prints_control_characters():
    problem = Problem("f.csv", None, 2, 'A ("Ref")', "'PI-1\x1b[2J\x1b[1;1H' is not known.")
    text = str(problem)
    assert "\x1b" not in text
    assert text == "f.csv, row 2, column A (\"Ref\"): 'PI-1\\x1b[2J\\x1b[1;1H' is not known."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Ref,Q3 2023-24\nPI-1,1\n", None),
        ('Ref,Q3 2023-24\nPI-1,"1\n', "a quote opens in row 2 and is never closed"),
        (
            'Ref,Commentary,Q3 2023-24\nPI-1,"two\nlines",1\nPI-2,"open,2\n',
            "a quote opens in row 3 (line 4 of the file) and is never closed",
        ),
    ],
)
def test_an_unclosed_quote_names_the_row_it_opens_in(text, message):
    _, problems = read_file(text.encode(), "q.csv")
    if message is None:
        assert not any("quote" in p.message for p in problems)
    else:
        assert len(problems) == 1 and message in problems[0].message
