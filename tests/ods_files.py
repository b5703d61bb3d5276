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
