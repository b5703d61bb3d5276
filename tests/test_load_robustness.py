"""Loads that go wrong halfway, loads under concurrent reading, and hostile workbook XML.

* A load process killed with SIGKILL while it is writing a 300,000-row file leaves the database exactly
  as it was (DuckDB discards the uncommitted transaction when the file is next opened).
* Several threads reading through one Store throughout a commit get no error and only ever see the
  data before or after the load, never a mixture.
* Workbook XML is parsed safely: openpyxl reads sheets through defusedxml and the other parts through
  lxml without entity resolution, and the importer refuses any part that declares a DTD before
  openpyxl sees it.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from harrow_dash.ingest.load import FileInput, commit, prepare
from harrow_dash.ingest.readers import read_file
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.store import Store

P1 = "A council that puts residents first"
Q3 = Period(2023, 3)


def generated_csv(indicators: int, quarters: int) -> bytes:
    """New indicators (definitions and values), ``indicators * quarters`` value rows."""
    labels = [Period(2016, 1).shift(i).label for i in range(quarters)]
    lines = ["Ref,Name,Priority,Unit,Good is,Period,Actual"]
    for i in range(indicators):
        lines.extend(
            f"PI-X{i:05d},Generated {i},{P1},count,higher is better,{q},{i + j}"
            for j, q in enumerate(labels)
        )
    return ("\n".join(lines) + "\n").encode()


def copy_sample(sample_db_file: Path, target: Path) -> Path:
    shutil.copyfile(sample_db_file, target)
    wal = sample_db_file.with_name(sample_db_file.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


# -- SIGKILL in the middle of a load ---------------------------------------------------------------

LOADER = textwrap.dedent(
    """
    import sys
    import time
    from pathlib import Path

    from harrow_dash.ingest import load as L
    from harrow_dash.store import Store

    apply, write_batch = L._Stager.apply, L._write_batch

    def announced_apply(self, name, columns, batch_id, *rest):
        # Tell the test which table is being written, inside the open transaction.
        print(f"writing {name}", flush=True)
        apply(self, name, columns, batch_id, *rest)

    def paused_write_batch(conn, plan, batch_id, user):
        # Everything is written but the COMMIT: wait here, so the kill always lands inside the
        # transaction however fast this machine writes.
        write_batch(conn, plan, batch_id, user)
        print("written, not committed", flush=True)
        time.sleep(120)

    L._Stager.apply = announced_apply
    L._write_batch = paused_write_batch
    store = Store(sys.argv[1])
    files = [L.FileInput("big.csv", Path(sys.argv[2]).read_bytes())]
    plan = L.prepare(store, files)
    assert plan.ok, plan.problems[:3]
    print("prepared", flush=True)
    L.commit(store, plan, "killed")
    print("committed", flush=True)
    """
)


@pytest.mark.parametrize(
    "kill_at",
    [
        "writing indicator_values",  # the definitions are in, the 300,000 values on their way
        "written, not committed",  # every row and the batch record written, no COMMIT yet
    ],
)
def test_a_load_killed_while_writing_leaves_the_database_intact(
    sample_db_file: Path, tmp_path: Path, db_snapshot, kill_at: str
) -> None:
    db_path = copy_sample(sample_db_file, tmp_path / "kill.duckdb")
    url = f"duckdb:///{db_path}"
    db = Store(url)
    before = db_snapshot(db)
    db.dispose()  # one process at a time may open a DuckDB file
    data = tmp_path / "big.csv"
    data.write_bytes(generated_csv(10_000, 30))  # 300,000 value rows, 10,000 new indicators
    script = tmp_path / "loader.py"
    script.write_text(LOADER, encoding="utf-8")

    proc = subprocess.Popen(
        [sys.executable, str(script), url, str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line.strip())
            if line.strip() == kill_at:
                break
        assert proc.poll() is None, (
            f"the loader ended early: {seen} {proc.stderr.read() if proc.stderr else ''}"
        )
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert "writing indicators" in seen and "committed" not in seen

    after_store = Store(url)  # DuckDB recovers from its write-ahead log here
    try:
        assert db_snapshot(after_store) == before
        # And the database still works: a load goes through afterwards.
        plan = prepare(after_store, [FileInput("small.csv", generated_csv(10, 3))])
        assert plan.ok and commit(after_store, plan, "after").batch_id is not None
    finally:
        after_store.dispose()


# -- readers throughout a commit -------------------------------------------------------------------


def test_readers_query_throughout_a_commit_without_error(sample_store: Store) -> None:
    filters = Filters(period=Q3)
    before = len(sample_store.indicator_snapshot(filters))
    new = 5_000
    plan = prepare(sample_store, [FileInput("many.csv", generated_csv(new, 8))])  # to Q4 2017-18
    assert plan.ok
    # The generated values stop before Q3 2023-24, so the snapshot gains rows (new indicators)
    # with no value yet: still a visible, all-or-nothing change.
    stop = threading.Event()
    errors: list[BaseException] = []
    seen: list[tuple[float, float, int]] = []
    lock = threading.Lock()

    def reader() -> None:
        while not stop.is_set():
            start = time.monotonic()
            try:
                n = len(sample_store.indicator_snapshot(filters))
            except BaseException as exc:  # noqa: BLE001 - any error fails the test
                errors.append(exc)
                return
            with lock:
                seen.append((start, time.monotonic(), n))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    commit_start = time.monotonic()
    result = commit(sample_store, plan, "writer")
    commit_end = time.monotonic()
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(timeout=60)

    assert not errors, errors
    assert result.batch_id is not None
    sizes = {n for _, _, n in seen}
    assert sizes <= {before, before + new}, sizes
    assert before in sizes and before + new in sizes
    during = [s for s in seen if s[0] >= commit_start and s[1] <= commit_end]
    assert during, "no query ran while the commit was in progress"
    assert len(seen) >= 12


# -- hostile workbook XML --------------------------------------------------------------------------


def _workbook() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Values"
    ws.append(["Ref", "Period", "Actual"])
    ws.append(["PI-01", "Q3 2023-24", 1])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite(part: str, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            data = src.read(name)
            z.writestr(name, change(data.decode()).encode() if name == part else data)
    return out.getvalue()


LAUGHS = (
    "<!DOCTYPE lolz ["
    + '<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    + "]>"
)
XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'

HOSTILE = {
    "billion laughs in a sheet": (
        "xl/worksheets/sheet1.xml",
        lambda t: LAUGHS + t.replace("<t>Ref</t>", "<t>&lol9;</t>"),
    ),
    "billion laughs in the workbook": (
        "xl/workbook.xml",
        lambda t: LAUGHS + t.replace('name="Values"', 'name="&lol9;"'),
    ),
    "external entity in a sheet": (
        "xl/worksheets/sheet1.xml",
        lambda t: XXE + t.replace("<t>Ref</t>", "<t>&xxe;</t>"),
    ),
    "external entity in the workbook": (
        "xl/workbook.xml",
        lambda t: XXE + t.replace('name="Values"', 'name="&xxe;"'),
    ),
}


def test_openpyxl_parses_sheets_with_defusedxml() -> None:
    import openpyxl.xml
    import openpyxl.xml.functions as xml_functions

    assert openpyxl.xml.DEFUSEDXML is True, "defusedxml must be installed (see pyproject.toml)"
    assert xml_functions.iterparse.__module__.startswith("defusedxml")


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_workbook_xml_is_refused_before_parsing(kind: str) -> None:
    part, change = HOSTILE[kind]
    content = _rewrite(part, change)
    start = time.monotonic()
    sheets, problems = read_file(content, "hostile.xlsx")
    assert time.monotonic() - start < 5
    assert sheets == []
    assert [p.message for p in problems] == [
        "the workbook's XML declares a document type (DTD), which spreadsheets never need and "
        "which can hide an entity-expansion attack; it was not opened."
    ]


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_openpyxl_itself_does_not_expand_or_fetch_entities(kind: str) -> None:
    """Without our check, openpyxl still refuses or leaves the entity unexpanded: a second line."""
    part, change = HOSTILE[kind]
    content = _rewrite(part, change)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    except Exception:  # noqa: BLE001 - refusing is the safe outcome
        return
    try:
        text = " ".join(
            [ws.title for ws in wb.worksheets]
            + [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row]
        )
    except Exception:  # noqa: BLE001
        return
    finally:
        wb.close()
    assert "lollollol" not in text and "root:" not in text
