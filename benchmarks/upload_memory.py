"""The app's memory when an editor uploads a hostile file at the upload cap, through the real Data page.

``upload_memory``
    ``streamlit run harrow_dash/ui/asgi_app.py`` (local mode: the local user is an editor) on an empty database, started
    afresh for each file; headless Chromium (Playwright) opens the Data page and uploads the file,
    waiting until the page shows the importer's answer. Before each upload the server's peak resident size
    is reset (``/proc/PID/clear_refs``); after the answer is drawn it is read (``VmHWM``: the most
    the process held at any moment, including Streamlit's own copy of the upload) with the resident
    size then (``VmRSS``, while the session still holds its result). Target: peak under 400 MB for
    every file. The files are the worst cases of issue 10, each just under the 20 MB cap
    (``.streamlit/config.toml`` ``maxUploadSize``):

    * ``wide_row.csv``: a scorecard CSV with a million fields in one data row (below the rows the
      reader sizes the grid from);
    * ``wide_header.csv``: a million-column header;
    * ``no_dimension.xlsx``: a workbook whose sheet has no ``<dimension>`` element, with as many
      cells as the reader's limit allows (a whole load of 700,000 new indicators);
    * ``shared_strings.xlsx``: a small sheet with a shared-strings table of millions of strings.

    * ``largest``: the largest scorecard an upload may be (``MAX_UPLOAD_CELLS`` cells: 1,800 new
      indicators x 50 quarters), as CSV and as a workbook: a whole check and comparison, which
      holds several times the file's cells while it runs.

    Skipped without Chromium or Playwright.
"""

from __future__ import annotations

import os
import re
import time
import zipfile
from pathlib import Path

from benchmarks.harness import Row, Run, bench, shown, skip_row, start_streamlit, stop
from harrow_dash.config import ASGI_APP

TARGET_MB = 400.0
# .streamlit/config.toml maxUploadSize = 20: the uploader refuses a file above 20,000,000 bytes.
CAP_BYTES = 20_000_000
SIZE = CAP_BYTES - 64 * 1024  # each file just under the cap
TIMEOUT_MS = 300_000
SC_HEAD = "PI Ref,Measure,Priority,Good is,Unit,Q3 2023-24\n"
P1 = "A council that puts residents first"


# -- the files ------------------------------------------------------------------------------------------
def wide_row_csv(out_dir: Path) -> Path:
    path = out_dir / "upload-wide_row.csv"
    if path.exists():
        return path
    lines = [SC_HEAD] + [f"PI-{i:03d},Measure {i},{P1},higher,count,{i}\n" for i in range(40)]
    head = "".join(lines).encode()
    field = b"1234567890.12345678,"  # 20 bytes: a million of them fill the cap
    n = (SIZE - len(head)) // len(field)
    path.write_bytes(head + b"PI-999," + field * (n - 1) + b"1\n")
    return path


def wide_header_csv(out_dir: Path) -> Path:
    path = out_dir / "upload-wide_header.csv"
    if path.exists():
        return path
    cells = [b"PI Ref", b"Measure", b"Priority", b"Good is", b"Unit"]
    n = (SIZE - 200) // len(b"Column 0000000,")
    header = b",".join(cells + [b"Column %07d" % i for i in range(n)])
    path.write_bytes(header + b"\nPI-01,Calls," + P1.encode() + b",higher,count,1\n")
    return path


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{shared}</Types>"
)
_SHARED_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Scorecard" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>{shared}</Relationships>'
)
_SHARED_REL = (
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/>'
)
_SHEET_OPEN = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_CLOSE = "</sheetData></worksheet>"


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> str:
    cells = ["PI Ref", "Measure", "Priority", "Good is", "Unit", "Q3 2023-24"]
    return (
        '<row r="1">'
        + "".join(_inline(f"{chr(65 + i)}1", c) for i, c in enumerate(cells))
        + "</row>"
    )


def _write_xlsx(path: Path, sheet_parts, shared: bytes | None = None) -> None:
    """A workbook written part by part (no ``<dimension>`` element; openpyxl always writes one)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr(
            "[Content_Types].xml", _CONTENT_TYPES.format(shared=_SHARED_TYPE if shared else "")
        )
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(shared=_SHARED_REL if shared else ""),
        )
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for part in sheet_parts:
                fh.write(part.encode())
        if shared is not None:
            zf.writestr("xl/sharedStrings.xml", shared)


def no_dimension_xlsx(out_dir: Path, rows: int = 700_000) -> Path:
    """A scorecard of 700,000 new indicators x two quarters (4.9 million cells, just within the
    reader's cell limit) in a sheet without ``<dimension>`` (nothing says its size before it is
    read) and without cell references (the smallest XML per cell, so the most cells within the
    expanded-size limit): a whole load to check and compare."""
    path = out_dir / "upload-no_dimension.xlsx"
    if path.exists():
        return path

    def text(t: str) -> str:
        return f'<c t="inlineStr"><is><t>{t}</t></is></c>'

    def parts():
        cells = ["PI Ref", "Measure", "Priority", "Good is", "Unit", "Q2 2023-24", "Q3 2023-24"]
        yield _SHEET_OPEN + "<row>" + "".join(text(c) for c in cells) + "</row>"
        for r in range(rows):
            yield (
                f"<row>{text(f'PI-{r:07d}')}{text(f'M{r}')}<c><v>{r % 3 + 1}</v></c>"
                f"{text('higher')}{text('count')}<c><v>{(r * 7919) % 100003}</v></c>"
                f"<c><v>{(r * 104729) % 1000003}</v></c></row>"
            )
        yield _SHEET_CLOSE

    _write_xlsx(path, parts())
    return path


def shared_strings_xlsx(out_dir: Path, strings: int = 5_500_000) -> Path:
    """A two-row sheet whose cells point into a shared-strings table of millions of strings (a reader
    that loads the table whole holds every one of them)."""
    path = out_dir / "upload-shared_strings.xlsx"
    if path.exists():
        return path
    table = "".join(f"<si><t>Commentary {i:08d}</t></si>" for i in range(strings))
    shared = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{strings}" uniqueCount="{strings}">{table}</sst>'
    ).encode()
    row = '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="F2"><v>1</v></c></row>'
    _write_xlsx(path, [_SHEET_OPEN, _header_row(), row, _SHEET_CLOSE], shared)
    return path


def largest_csv(out_dir: Path) -> Path:
    """The largest scorecard the app takes (just within ``MAX_UPLOAD_CELLS``): 1,800 new indicators x
    50 quarters, a whole load to check and compare."""
    from benchmarks.bench_import import scorecard_csv

    return scorecard_csv(out_dir, indicators=1_800, quarters=50)


def largest_xlsx(out_dir: Path) -> Path:
    """The same as a workbook."""
    import openpyxl

    path = out_dir / "upload-largest.xlsx"
    if path.exists():
        return path
    csv_path = largest_csv(out_dir)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Scorecard")
    for line in csv_path.read_text(encoding="utf-8").splitlines():
        cells = line.split(",")
        ws.append([cells[0], *cells[1:5], *(int(c) if c.isdigit() else c for c in cells[5:])])
    wb.save(path)
    return path


CASES = (
    ("a million fields in one row (CSV)", wide_row_csv),
    ("a million-column header (CSV)", wide_header_csv),
    ("no <dimension>, 4.9 million cells (.xlsx)", no_dimension_xlsx),
    ("millions of shared strings (.xlsx)", shared_strings_xlsx),
    ("the largest scorecard taken: 90,000 values (CSV)", largest_csv),
    ("the largest scorecard taken: 90,000 values (.xlsx)", largest_xlsx),
)


# -- measuring ------------------------------------------------------------------------------------------
def _status_mb(pid: int, field: str) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    m = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) / 1024 if m else float("nan")


def _reset_peak(pid: int) -> None:
    """Set the process's peak resident size (VmHWM) back to its size now."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


ANSWER = re.compile(r"Nothing was loaded|Checked: no problems|Nothing to load")


@bench("upload_memory", "the app's memory for uploads at the 20 MB cap (peak < 400 MB)")
def bench_upload_memory(run: Run) -> list[Row]:
    section = "upload_memory"
    try:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [skip_row(section, "uploads at the cap", "Playwright is not installed")]
    from benchmarks.browser import CHROMIUM_ARGS, PAGE_DRAWN_JS, find_chromium

    chromium = find_chromium()
    if chromium is None:
        return [skip_row(section, "uploads at the cap", "no Chromium")]
    run.out_dir.mkdir(parents=True, exist_ok=True)
    files = [(label, make(run.out_dir)) for label, make in CASES]
    store = run.fresh_db("upload-memory")
    url = store.url
    store.dispose()
    env = {
        "HARROW_DASH_DATABASE_URL": url,
        "HARROW_DASH_SECRETS": str(run.out_dir / "no-secrets.toml"),
    }
    rows: list[Row] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for label, path in files:
                # A server of its own for each file: what one upload costs a freshly started app
                # (a long-running server's resident size also keeps what earlier work freed).
                log = run.out_dir / "upload-memory.log"
                proc, base = start_streamlit(ASGI_APP, log, env)
                try:
                    page = browser.new_page(viewport={"width": 1440, "height": 900})
                    page.goto(f"{base}/Data", timeout=TIMEOUT_MS)
                    page.wait_for_function(PAGE_DRAWN_JS, arg=None, timeout=TIMEOUT_MS)
                    before = _status_mb(proc.pid, "VmRSS")
                    _reset_peak(proc.pid)
                    uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
                    start = time.perf_counter()
                    uploader.set_input_files(str(path))
                    answer = page.get_by_text(ANSWER).first
                    try:
                        answer.wait_for(timeout=TIMEOUT_MS)
                        page.wait_for_function(PAGE_DRAWN_JS, arg=None, timeout=TIMEOUT_MS)
                        said = answer.inner_text().split(".")[0]
                    except PlaywrightTimeout:
                        said = f"no answer within {TIMEOUT_MS // 1000} s"
                    seconds = time.perf_counter() - start
                    peak = _status_mb(proc.pid, "VmHWM")
                    after = _status_mb(proc.pid, "VmRSS")
                    page.close()
                finally:
                    stop(proc)
                size = os.path.getsize(path) / 2**20
                rows.append(
                    Row(
                        section,
                        f"peak: {label}",
                        peak,
                        "MB",
                        target=TARGET_MB,
                        note=f"{size:.1f} MB file ({shown(path)}); before the upload {before:,.0f} "
                        f"MB, after {after:,.0f} MB; answered in {seconds:.1f} s: {said}",
                        extra={"before_mb": before, "after_mb": after, "said": said},
                    ).judge()
                )
                rows.append(Row(section, f"after: {label}", after, "MB"))
        finally:
            browser.close()
    return rows
