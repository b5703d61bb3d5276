"""OpenDocument spreadsheets (.ods): read like .xlsx, every cell as text, within the same limits.

The files are built as LibreOffice Calc writes them (``tests/ods_files.py``): empty cells and rows
repeated to the edge of the sheet, merged cells, percentage, currency, date and boolean cells.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile

import pytest
import sqlalchemy as sa
from ods_files import content_xml, ods_bytes, package, table

from harrow_dash.ingest.headings import Month
from harrow_dash.ingest.problems import Problem
from harrow_dash.ingest.readers import MAX_UPLOAD_CELLS, read_file
from harrow_dash.rules.periods import Period

P1 = "A council that puts residents first"
HEAD = ["Ref", "Measure", "Priority", "Good is", "Unit", "Q2 2023-24", "Q3 2023-24", "Commentary"]


def read(content: bytes, name: str = "scorecard.ods", upload: bool = False):
    return read_file(content, name, max_bytes=10_000_000 if upload else None)


def test_a_calc_spreadsheet_reads_every_kind_of_cell_as_text():
    merged_title = (
        '<table:table-cell table:number-columns-spanned="4" table:number-rows-spanned="1" '
        'office:value-type="string"><text:p>Corporate Scorecard</text:p></table:table-cell>'
        '<table:covered-table-cell table:number-columns-repeated="3"/>'
    )
    percent = (
        '<table:table-cell office:value-type="percentage" office:value="0.855" '
        'calcext:value-type="percentage"><text:p>85.5%</text:p></table:table-cell>'
    )
    currency = (
        '<table:table-cell office:value-type="currency" office:currency="GBP" '
        'office:value="1400000"><text:p>£1,400,000.00</text:p></table:table-cell>'
    )
    month = (
        '<table:table-cell table:style-name="ce_month" office:value-type="date" '
        'office:date-value="2023-12-31"><text:p>Dec-23</text:p></table:table-cell>'
    )
    day = (
        '<table:table-cell office:value-type="date" office:date-value="2023-12-31T00:00:00">'
        "<text:p>31/12/23</text:p></table:table-cell>"
    )
    text = (
        '<table:table-cell office:value-type="string"><text:p>Backlog <text:span '
        'text:style-name="T1">after</text:span> a<text:s text:c="3"/>change<text:line-break/>'
        "since June</text:p><text:p>Second paragraph</text:p><office:annotation>"
        "<text:p>a reviewer's comment, not the cell</text:p></office:annotation></table:table-cell>"
    )
    rows = [
        [merged_title],
        [],
        ["Ref", "Measure", "Priority", "Good is", "Unit", "Q2 2023-24", month, day, "Flag",
         "Commentary"],
        ["PI-1", "Calls answered", 1, "higher", "%", 0.8, percent, 86.25, True, text],
        ["PI-2", "Spend", 1, "lower", "£", 1250000, currency, 1e-05, False, ""],
    ]  # fmt: skip
    (sheet,), problems = read(ods_bytes({"Scorecard": rows}))
    assert problems == []
    assert (sheet.sheet, sheet.header.layout, sheet.header.row_index) == (
        "Scorecard",
        "scorecard",
        2,
    )
    assert sheet.headings == [
        "Ref", "Measure", "Priority", "Good is", "Unit", "Q2 2023-24", "Dec 2023", "31/12/2023",
        "Flag", "Commentary",
    ]  # fmt: skip
    assert sheet.data.drop(columns="_row").values.tolist() == [
        ["PI-1", "Calls answered", "1", "higher", "%", "0.8", "85.5%", "86.25", "yes",
         "Backlog after a   change\nsince June\nSecond paragraph"],
        ["PI-2", "Spend", "1", "lower", "£", "1250000", "1400000", "1e-05", "no", ""],
    ]  # fmt: skip
    assert sheet.data["_row"].tolist() == [4, 5]


def test_a_spreadsheet_loads_like_a_workbook(store, tmp_path, load_files):
    rows = [
        ["Corporate Scorecard 2023-24"],
        [],
        HEAD,
        ["PI-O1", "Calls answered", P1, "higher is better", "%", 0.81, 0.855, "Improving"],
        ["PI-O2", "Repairs done", P1, "higher is better", "count", 1234, 1500, ""],
    ]
    path = tmp_path / "scorecard.ods"
    path.write_bytes(ods_bytes({"Scorecard": rows}))
    result = load_files(store, path)
    assert result.batch_id == 1
    with store.connect() as conn:
        got = sorted(
            (r.ref, Period.from_key(r.period).label, r.actual, r.commentary)
            for r in conn.execute(
                sa.text("SELECT ref, period, actual, commentary FROM indicator_values")
            )
        )
    assert got == [
        ("PI-O1", "Q2 2023-24", pytest.approx(81), None),
        ("PI-O1", "Q3 2023-24", pytest.approx(85.5), "Improving"),
        ("PI-O2", "Q2 2023-24", pytest.approx(1234), None),
        ("PI-O2", "Q3 2023-24", pytest.approx(1500), None),
    ]


def test_control_characters_and_error_values_are_refused_naming_the_cell():
    error = (
        '<table:table-cell table:formula="of:=1/0" office:value-type="float" office:value="0" '
        'calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>'
    )
    rows = [HEAD, ["PI-1", "Calls\u009b", P1, "higher", "%", error, 0.8, ""]]
    sheets, problems = read(ods_bytes({"Values": rows}))
    assert problems == [
        Problem(
            "scorecard.ods",
            "Values",
            2,
            'B ("Measure")',
            "the cell holds a control character (U+009B), which is never part of a scorecard; "
            "remove it.",
        ),
        Problem(
            "scorecard.ods",
            "Values",
            2,
            'F ("Q2 2023-24")',
            "the cell holds the Excel error #DIV/0! (division by zero); correct the formula or "
            "clear the cell.",
        ),
    ]


def test_empty_repeats_are_never_expanded():
    # A billion empty cells and rows cost nothing: only the filled cells are kept.
    huge = (
        '<table:table table:name="Big"><table:table-row>'
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
            for h in HEAD
        )
        + '<table:table-cell table:number-columns-repeated="1000000000"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="100000"><table:table-cell '
        'table:number-columns-repeated="1000000000"/></table:table-row>'
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
            for v in ["PI-1", "Calls", P1, "higher", "%", "80", "85", "ok"]
        )
        + '<table:table-cell table:number-columns-repeated="1000000000"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1000000000"><table:table-cell '
        'table:number-columns-repeated="1000000000"/></table:table-row></table:table>'
    )
    (sheet,), problems = read(package(content_xml(huge)))
    assert problems == []
    assert sheet.data.shape == (1, 9)  # eight columns and the row number
    assert sheet.data["_row"].tolist() == [100_002]


def test_a_filled_cell_repeated_past_the_column_limit_is_refused():
    row = (
        '<table:table-cell office:value-type="string" table:number-columns-repeated="600">'
        "<text:p>x</text:p></table:table-cell>"
    )
    sheets, problems = read(package(content_xml(table("Wide", [HEAD, [row]]))))
    assert (sheets, problems) == (
        [],
        [
            Problem(
                "scorecard.ods",
                "Wide",
                None,
                None,
                "row 2 has a filled cell in column 600; the limit is 500 columns; it was not read.",
            )
        ],
    )


def test_filled_rows_repeated_past_the_upload_cell_limit_are_refused():
    rows = (
        "<table:table-row>"
        + '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p>'
        "</table:table-cell>" * 8 + "</table:table-row>"
    )
    repeated = rows.replace(
        "<table:table-row>", '<table:table-row table:number-rows-repeated="20000">'
    )
    body = table("Many", [HEAD]).replace("</table:table>", "")
    body = body[: body.rindex("<table:table-row")] + repeated + "</table:table>"
    assert read(package(content_xml(body)))[1] == []  # 160,000 cells: fine from the command line
    sheets, problems = read(package(content_xml(body)), upload=True)
    assert (sheets, problems) == (
        [],
        [
            Problem(
                "scorecard.ods",
                "Many",
                None,
                None,
                f"the sheet holds more than {MAX_UPLOAD_CELLS:,} cells, beyond the safe limit; it "
                "was not read; larger files load with the command line (harrow-dash load).",
            )
        ],
    )


def test_a_filled_row_past_the_row_limit_is_refused():
    body = (
        '<table:table table:name="Long"><table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>Ref</text:p>'
        "</table:table-cell></table:table-row></table:table>"
    )
    assert read(package(content_xml(body)))[1] == [
        Problem(
            "scorecard.ods",
            "Long",
            None,
            None,
            "the sheet has a filled row at row 1,048,577; the limit is 1,048,576 rows; it was not "
            "read.",
        )
    ]


def test_too_many_cell_elements_are_refused_before_the_grid_is_built():
    # Empty cells, each with its own style name (so that the file does not compress like a bomb).
    styles = iter(random.Random(1).sample(range(10**9), 120_000))
    rows = "".join(
        "<table:table-row>"
        + "".join(f'<table:table-cell table:style-name="c{next(styles)}"/>' for _ in range(400))
        + "</table:table-row>"
        for _ in range(300)
    )
    body = table("Many", [HEAD]).replace("</table:table>", rows + "</table:table>")
    assert read(package(content_xml(body)), upload=True)[1] == [
        Problem(
            "scorecard.ods",
            "Many",
            None,
            None,
            f"the sheet holds more than {MAX_UPLOAD_CELLS:,} cells, beyond the safe limit; it was "
            "not read; larger files load with the command line (harrow-dash load).",
        )
    ]


DTD_MESSAGE = (
    "the spreadsheet's XML declares a document type (DTD), which spreadsheets never need and "
    "which can hide an entity-expansion attack; it was not opened."
)


def test_a_dtd_is_refused():
    laughs = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    content = content_xml(table("S", [HEAD]), prolog=laughs)
    assert read(package(content))[1] == [Problem.whole_file("scorecard.ods", DTD_MESSAGE)]
    # After a long comment the prolog check does not see it; the parser refuses it all the same.
    late = content_xml(table("S", [HEAD]), prolog="<!--" + "x" * 70_000 + "-->" + laughs)
    assert read(package(late))[1] == [Problem.whole_file("scorecard.ods", DTD_MESSAGE)]


def test_a_zip_bomb_is_refused_unopened():
    content = content_xml(table("S", [HEAD])) + b" " * 60_000_000
    bomb = package(content)
    with zipfile.ZipFile(io.BytesIO(bomb)) as zf:
        expanded = sum(i.file_size for i in zf.infolist())
        packed = sum(i.compress_size for i in zf.infolist())
    assert read(bomb)[1] == [
        Problem.whole_file(
            "scorecard.ods",
            f"the spreadsheet expands to {expanded / 1e6:,.0f} MB when unpacked "
            f"({expanded / packed:,.0f} times its size), beyond the safe limit; it was not opened.",
        )
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip", "this is not a valid .ods spreadsheet (not a zip package)."),
        (
            package(content_xml(""), mimetype="application/vnd.oasis.opendocument.text"),
            "this is not a valid .ods spreadsheet: it is an OpenDocument file of another kind "
            "(application/vnd.oasis.opendocument.text).",
        ),
        (
            package(b"<office:document-content"),
            "the spreadsheet is damaged and was not opened: unclosed token: line 1, column 0",
        ),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(content, message):
    assert read(content)[1] == [Problem.whole_file("scorecard.ods", message)]


def test_a_quarter_end_date_cell_heads_a_period_column():
    rows = [
        ["Ref", "Measure", "Priority", "Good is", "Unit", dt.date(2023, 9, 30)],
        ["PI-1", "Calls", P1, "higher", "count", 5],
    ]
    (sheet,), problems = read(ods_bytes({"S": rows}))
    assert problems == []
    assert sheet.headings[5] == "30/09/2023"
    assert sheet.header.month_columns == {5: (Month(2023, 9), "actual")}


def test_an_old_openoffice_manifest_with_a_doctype_is_fine():
    # OpenOffice.org wrote a DOCTYPE in META-INF/manifest.xml; the reader never parses that part.
    good = ods_bytes({"Values": [HEAD, ["PI-1", "Calls", P1, "higher", "%", 80, 85, ""]]})
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "META-INF/manifest.xml":
                data = data.replace(
                    b"?>",
                    b'?><!DOCTYPE manifest:manifest PUBLIC "-//OpenOffice.org//DTD Manifest 1.0//EN" '
                    b'"Manifest.dtd">',
                    1,
                )
            dst.writestr(info, data)
    (sheet,), problems = read(buf.getvalue())
    assert problems == []
    assert sheet.data.iloc[0, :7].tolist() == ["PI-1", "Calls", P1, "higher", "%", "80", "85"]


def test_a_long_text_repeated_past_the_text_limit_is_refused():
    # 5,000 cells (well within the cell limit) of the same 1,000 characters: five million characters
    # from a few hundred bytes of XML.
    long = "x" * 1_000
    body = (
        '<table:table table:name="Texts"><table:table-row table:number-rows-repeated="10">'
        '<table:table-cell office:value-type="string" table:number-columns-repeated="500">'
        f"<text:p>{long}</text:p></table:table-cell></table:table-row></table:table>"
    )
    assert read(package(content_xml(body)), upload=True)[1] == [
        Problem(
            "scorecard.ods",
            "Texts",
            None,
            None,
            f"the sheet's cells hold more than {MAX_UPLOAD_CELLS * 40:,} characters of text, "
            "beyond the safe limit; it was not read; larger files load with the command line "
            "(harrow-dash load).",
        )
    ]
