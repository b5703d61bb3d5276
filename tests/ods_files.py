"""OpenDocument spreadsheets built by hand, as LibreOffice Calc writes them: a ``content.xml`` in a
zip whose first part is the uncompressed ``mimetype``, each row padded with an empty cell repeated to
column 16,384 and each sheet with an empty row repeated to row 1,048,576."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.sax.saxutils import escape

NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:fo="urn:oasis:names:w3c:www.w3.org:1999:XSL:Format:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
)
ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
# A date style without a day (mmm-yy) and one with it, and the cell styles using them.
DATE_STYLES = (
    '<number:date-style style:name="N_MONTH"><number:month number:textual="true"/>'
    "<number:text>-</number:text><number:year/></number:date-style>"
    '<number:date-style style:name="N_DAY"><number:day number:style="long"/><number:text>/'
    '</number:text><number:month number:style="long"/><number:text>/</number:text>'
    '<number:year number:style="long"/></number:date-style>'
    '<style:style style:name="ce_month" style:family="table-cell" style:parent-style-name="Default" '
    'style:data-style-name="N_MONTH"/>'
    '<style:style style:name="ce_day" style:family="table-cell" style:parent-style-name="Default" '
    'style:data-style-name="N_DAY"/>'
)


def cell(value: object) -> str:
    """One cell as Calc writes it: a number as float, text as a paragraph, a date with a day."""
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, bool):
        v = "true" if value else "false"
        return (
            f'<table:table-cell office:value-type="boolean" office:boolean-value="{v}" '
            f'calcext:value-type="boolean"><text:p>{v.upper()}</text:p></table:table-cell>'
        )
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value!r}" '
            f'calcext:value-type="float"><text:p>{value}</text:p></table:table-cell>'
        )
    if isinstance(value, dt.date):
        return (
            f'<table:table-cell table:style-name="ce_day" office:value-type="date" '
            f'office:date-value="{value.isoformat()}" calcext:value-type="date">'
            f"<text:p>{value:%d/%m/%Y}</text:p></table:table-cell>"
        )
    if isinstance(value, str) and value.startswith("<table:"):
        return value  # written out by the test
    return (
        '<table:table-cell office:value-type="string" calcext:value-type="string">'
        f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
    )


def table(name: str, rows: list[list[object]]) -> str:
    width = max((len(r) for r in rows), default=0)
    out = [
        f'<table:table table:name="{escape(name)}" table:style-name="ta1">',
        f'<table:table-column table:style-name="co1" table:number-columns-repeated="{width}" '
        'table:default-cell-style-name="Default"/>',
        '<table:table-column table:number-columns-repeated="16384" '
        'table:default-cell-style-name="Default"/>'
        if width < 16384
        else "",
    ]
    for row in rows:
        cells = "".join(cell(v) for v in row)
        pad = 16384 - len(row)
        out.append(
            f'<table:table-row table:style-name="ro1">{cells}'
            f'<table:table-cell table:number-columns-repeated="{pad}"/></table:table-row>'
        )
    out.append(
        f'<table:table-row table:style-name="ro1" table:number-rows-repeated="{1048576 - len(rows)}">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    out.append("</table:table>")
    return "".join(out)


def content_xml(tables: str, styles: str = DATE_STYLES, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<office:document-content {NAMESPACES} office:version="1.3">'
        f"<office:automatic-styles>{styles}</office:automatic-styles>"
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    ).encode()


def package(
    content: bytes, mimetype: str = ODS_MIMETYPE, extra: dict[str, bytes] | None = None
) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", content)
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
            f'manifest:media-type="{mimetype}"/></manifest:manifest>',
        )
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def ods_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """A spreadsheet of ``sheets`` (name -> rows of Python values), as Calc writes it."""
    return package(content_xml("".join(table(name, rows) for name, rows in sheets.items())))


# -- reading back, independently of the importer's reader ---------------------------------------------

_O = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_X = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def typed_cells(ods: bytes) -> dict[str, list[list[tuple[str, object]]]]:
    """Each sheet's cells as (value type, value): ("float", 2.5), ("string", "text"), ("date",
    "2023-12-31"), ("", None) for an empty cell; repeats expanded, trailing empty cells and rows
    dropped. Built with ElementTree on the whole part: for small test files only."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(io.BytesIO(ods)) as zf:
        root = ET.fromstring(zf.read("content.xml"))
    out: dict[str, list[list[tuple[str, object]]]] = {}
    for tbl in root.iter(_T + "table"):
        rows: list[list[tuple[str, object]]] = []
        for row in tbl.iter(_T + "table-row"):
            cells: list[tuple[str, object]] = []
            for c in row:
                n = int(c.get(_T + "number-columns-repeated", "1"))
                kind = c.get(_O + "value-type", "")
                if kind in ("float", "percentage", "currency"):
                    value: object = float(c.get(_O + "value", "nan"))
                elif kind == "date":
                    value = c.get(_O + "date-value")
                elif kind == "boolean":
                    value = c.get(_O + "boolean-value") == "true"
                elif kind == "string":
                    value = "\n".join(_paragraph(p) for p in c.findall(_X + "p"))
                else:
                    value = None
                cells.extend([(kind, value)] * n)
            while cells and cells[-1] == ("", None):
                cells.pop()
            rows.extend([cells] * int(row.get(_T + "number-rows-repeated", "1")))
        while rows and not rows[-1]:
            rows.pop()
        out[tbl.get(_T + "name", "")] = rows
    return out


def _paragraph(p) -> str:
    """A paragraph's text, ``text:s`` as its spaces, tabs and line breaks as written."""
    out = [p.text or ""]
    for child in p:
        if child.tag == _X + "s":
            out.append(" " * int(child.get(_X + "c", "1")))
        elif child.tag == _X + "tab":
            out.append("\t")
        elif child.tag == _X + "line-break":
            out.append("\n")
        else:
            out.append(_paragraph(child))
        out.append(child.tail or "")
    return "".join(out)


def xlsx_typed_cells(xlsx: bytes) -> dict[str, list[list[tuple[str, object]]]]:
    """The same view of an .xlsx workbook (openpyxl), to compare the two formats cell for cell."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    out: dict[str, list[list[tuple[str, object]]]] = {}
    for ws in wb.worksheets:
        rows: list[list[tuple[str, object]]] = []
        for row in ws.iter_rows():
            cells: list[tuple[str, object]] = []
            for c in row:
                v = c.value
                if v is None:
                    cells.append(("", None))
                elif isinstance(v, bool):
                    cells.append(("boolean", v))
                elif isinstance(v, int | float):
                    kind = "percentage" if "%" in c.number_format.replace('"%"', "") else "float"
                    cells.append((kind, float(v)))
                elif isinstance(v, dt.datetime | dt.date):
                    cells.append(("date", v.isoformat()))
                else:
                    cells.append(("string", str(v)))
            while cells and cells[-1] == ("", None):
                cells.pop()
            rows.append(cells)
        while rows and not rows[-1]:
            rows.pop()
        out[ws.title] = rows
    return out
