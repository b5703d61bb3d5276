"""The Data page, driven through AppTest with real uploads (``at.file_uploader[0].upload``).

* Every kind of bad file is refused with its message in the problems table, and the database is
  unchanged (every row of every table compared).
* A known file previews exact new / changed / unchanged counts and the changed values, and nothing is
  written before the editor confirms.
* Confirming loads one batch recorded against the signed-in editor; rolling it back from the history
  restores every table exactly; a refused rollback shows why and changes nothing.
* A preview made stale by another load is checked again before anything is written.
* User text (file names, cell text quoted in problems) is shown as text, never as HTML or Markdown.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from apptest_helpers import EDITOR, AppEnv, app_env, run_page, unescape

from harrow_dash.ingest import report
from harrow_dash.ingest.load import FileInput, load
from harrow_dash.store import Store

pytestmark = pytest.mark.both_databases

DATA_PAGE = "pages/6_Data.py"
P1 = "A council that puts residents first"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sample_store: Store) -> Iterator[AppEnv]:
    yield from app_env(monkeypatch, tmp_path, sample_store.url)


def upload(at, *files: tuple[str, bytes]):
    for name, content in files:
        at.file_uploader[0].upload(name, content)
    return at.run()


def open_data_page(user: dict[str, Any] | None = None):
    at = run_page(DATA_PAGE, user)
    assert not at.exception, at.exception
    return at


# AppTest finds a plain st.dataframe by position, not key: find each table by its columns.
COLUMNS = {
    "data_problems": report.PROBLEM_COLUMNS,
    "data_warnings": [*report.PROBLEM_COLUMNS[:-1], "Note"],
    "data_counts": report.COUNT_COLUMNS,
    "data_changes": report.CHANGE_COLUMNS,
    "data_batches": report.BATCH_COLUMNS,
}


def frame(at, key: str) -> pd.DataFrame:
    for element in at.dataframe:
        if list(element.value.columns) == COLUMNS[key]:
            return element.value
    raise KeyError(key)


def problems(at) -> list[dict[str, Any]]:
    return frame(at, "data_problems").to_dict("records")


def table(at, key: str) -> list[list[Any]]:
    return frame(at, key).values.tolist()


def rollback_choice(at):
    return next(s for s in at.selectbox if str(s.key).startswith("data_rollback_batch_"))


def csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


# -- bad files -------------------------------------------------------------------------------------


def _xlsx(rows: list[list[Any]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Values"
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite(content: bytes, part: str, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            data = src.read(name)
            z.writestr(name, change(data.decode("utf-8")).encode("utf-8") if name == part else data)
    return out.getvalue()


GOOD_XLSX_ROWS = [["Ref", "Period", "Actual"], ["PI-02", "Q3 2023-24", 80]]


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", " " * (30 * 1024 * 1024))
    return out.getvalue()


def absurd_dimensions() -> bytes:
    return _rewrite(
        _xlsx(GOOD_XLSX_ROWS),
        "xl/worksheets/sheet1.xml",
        lambda t: t.replace('<dimension ref="A1:C2"/>', '<dimension ref="A1:ZZZ999999"/>'),
    )


def entity_expansion() -> bytes:
    lol = (
        '<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    return _rewrite(
        _xlsx(GOOD_XLSX_ROWS),
        "xl/workbook.xml",
        lambda t: lol + t.replace('name="Values"', 'name="&lol2;"'),
    )


def damaged_sheet() -> bytes:
    rows = [["Ref", "Period", "Actual"]] + [[f"PI-{i:02d}", "Q3 2023-24", i] for i in range(1, 40)]

    def cut(t: str) -> str:
        return t[: t.index('<row r="30"')] + '<row r="30"><c r="A30" t="inlineStr"><is><t>x'

    return _rewrite(_xlsx(rows), "xl/worksheets/sheet1.xml", cut)


BAD_FILES = {
    "cell problems": (
        "q3.csv",
        csv(
            "Ref,Period,Actual,Priority",
            "PI-02,Q3 2023-24,abc,",
            "PI-03,Q3 2023-24,50,Clean streets",
            "PI-77,Q3 2023-24,5,",
            "PI-04,Q9 2023-24,5,",
        ),
        [
            (2, "C", "'abc' is not a number (actual)."),
            (3, "D", "unknown priority 'Clean streets'."),
            (4, None, "PI-77 is a new indicator, so the file must give its name, priority"),
            (5, "B", "Q9"),
        ],
    ),
    "duplicate value": (
        "dup.csv",
        csv("Ref,Period,Actual", "PI-02,Q3 2023-24,80", "PI-02,Q3 2023-24,81"),
        [(3, None, "duplicate: PI-02 already has a value for Q3 2023-24 in row 2.")],
    ),
    "no header": (
        "notes.csv",
        csv("just some notes", "nothing like a scorecard"),
        [(None, None, "no header row found in the first 30 rows of this file.")],
    ),
    "not text": ("binary.csv", bytes(range(256)) * 4, [(None, None, "the file is not text")]),
    "empty": ("empty.csv", b"", [(None, None, "the CSV cannot be read")]),
    "wrong type": (
        "scorecard.xls",
        b"\xd0\xcf\x11\xe0" + b"\0" * 512,
        [(None, None, "'.xls' files cannot be read; save it as .xlsx, .ods or .csv (UTF-8).")],
    ),
    "not a workbook": (
        "fake.xlsx",
        b"Ref,Period,Actual\nPI-02,Q3 2023-24,80\n",
        [(None, None, "this is not a valid .xlsx workbook (not a zip package).")],
    ),
    "zip bomb": (
        "bomb.xlsx",
        zip_bomb(),
        [(None, None, "beyond the safe limit; it was not opened.")],
    ),
    "absurd dimensions": (
        "huge.xlsx",
        absurd_dimensions(),
        [(None, None, "the sheet claims 999,999 rows by 18,278 columns, beyond the safe limit")],
    ),
    "entity expansion": (
        "entities.xlsx",
        entity_expansion(),
        [(None, None, "declares a document type (DTD)")],
    ),
    "damaged sheet": ("damaged.xlsx", damaged_sheet(), [(None, None, "the sheet cannot be read")]),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_is_refused_with_its_problems_and_nothing_is_written(
    env: AppEnv, sample_store: Store, db_snapshot, kind: str
) -> None:
    name, content, expected = BAD_FILES[kind]
    before = db_snapshot(sample_store)
    at = upload(open_data_page(), (name, content))
    assert not at.exception, at.exception
    message = unescape(at.error[0].value)
    assert message.startswith("**Nothing was loaded.**") and name in message
    found = problems(at)
    assert len(found) == len(expected), found
    for (row, column, text), got in zip(expected, found, strict=True):
        assert got["File"] == name
        assert text in got["Problem"], got
        if row is not None:
            assert got["Row"] == row
        if column is not None:
            assert got["Column"].startswith(f"{column} ("), got
    assert not [b for b in at.button if b.key == "data_commit"]
    assert db_snapshot(sample_store) == before


def test_an_oversized_file_is_refused_before_it_is_read(
    env: AppEnv, sample_store: Store, db_snapshot
) -> None:
    env.configure(max_upload_mb=1)
    before = db_snapshot(sample_store)
    body = "Ref,Period,Actual\n" + "PI-02,Q3 2023-24,80\n" * 60_000  # 1.2 MB
    at = upload(open_data_page(), ("big.csv", body.encode()))
    assert [p["Problem"] for p in problems(at)] == ["the file is 1.2 MB; the limit is 1 MB."]
    assert "up to 1 MB each" in at.file_uploader[0].label
    assert db_snapshot(sample_store) == before


def test_every_problem_is_listed_and_can_be_downloaded(env: AppEnv) -> None:
    rows = ["Ref,Period,Actual"] + [f"PI-02,Q{q} 2022-23,x{q}" for q in (1, 2, 3, 4)]
    at = upload(open_data_page(), ("four.csv", csv(*rows)))
    assert [p["Row"] for p in problems(at)] == [2, 3, 4, 5]
    assert "4 problems found" in at.error[0].value
    assert any(b.key == "data_problems_csv" for b in at.get("download_button"))


def test_user_text_is_shown_as_text(env: AppEnv, sample_store: Store, db_snapshot) -> None:
    """A file name and a cell that hold HTML and Markdown reach the screen as text."""
    before = db_snapshot(sample_store)
    name = "<img src=x onerror=alert(1)>[link](http://x).csv"
    body = csv("Ref,Period,Actual", "PI-02,Q3 2023-24,<script>alert(1)</script>")
    at = upload(open_data_page(), (name, body))
    assert not at.exception
    # In the table, the cell holds the text exactly (a table cell is never rendered as HTML).
    assert problems(at)[0]["Problem"] == "'<script>alert(1)</script>' is not a number (actual)."
    assert problems(at)[0]["File"] == name
    # In the alert, every Markdown/HTML character of the name is escaped, so it reads as typed.
    alert = at.error[0].value
    assert not re.search(r"(?<!\\)[<>\[\]()]", alert), alert  # every one escaped
    assert unescape(alert).count(name) == 1
    # No element renders the raw markup as HTML.
    for element in at.get("html"):
        assert "<script>alert" not in element.value and "<img src=x" not in element.value
    for element in at.markdown:
        assert "<script>alert" not in element.value and "<img src=x" not in element.value
    assert db_snapshot(sample_store) == before


# -- preview and commit ----------------------------------------------------------------------------

KNOWN_FILE = csv(
    "Ref,Name,Priority,Unit,Good is,Period,Actual",
    "PI-02,,,,,Q2 2023-24,74",  # unchanged (as stored)
    "PI-02,,,,,Q3 2023-24,99",  # changed: 72.4 -> 99
    "PI-02,,,,,Q4 2023-24,93",  # changed: blank -> 93 (the row held only a target)
    f"PI-90,Library visits,{P1},count,higher is better,Q3 2023-24,1200",  # new indicator, new value
)


def test_preview_shows_exact_counts_and_changes_before_anything_is_written(
    env: AppEnv, sample_store: Store, db_snapshot
) -> None:
    before = db_snapshot(sample_store)
    at = upload(open_data_page(), ("known.csv", KNOWN_FILE))
    assert not at.error
    assert table(at, "data_counts") == [
        ["Indicator definitions", 1, 0, 1],
        ["Indicator values", 1, 2, 1],
    ]
    assert table(at, "data_changes") == [
        ["Indicator values", "PI-02 Q3 2023-24", "Actual", "72.4", "99"],
        ["Indicator values", "PI-02 Q4 2023-24", "Actual", "(blank)", "93"],
    ]
    summary = unescape(at.info[0].value)
    # What the rows are, per kind, as in the table beside it.
    assert (
        "known.csv has 1 new indicator definition and 1 unchanged indicator definition; "
        "1 new indicator value, 2 changed indicator values and 1 unchanged indicator value."
    ) in summary
    assert "Nothing has been written yet" in summary
    assert at.button(key="data_commit").label == "Load into the database"
    assert db_snapshot(sample_store) == before


def test_the_summary_says_what_the_rows_are_per_kind_as_the_table_beside_it() -> None:
    """Not "1 changed row and 584 unchanged rows" beside a table of 539 values and 45 definitions:
    each kind of data by name, in the table's order, with the table's counts."""
    from harrow_dash.ingest.load import DATA_TABLES, TABLE_LABELS, LoadPlan, TableChange

    plan = LoadPlan(
        files=[],
        tables={
            "indicators": TableChange(0, 0, 45),
            "indicator_values": TableChange(0, 1, 538),
        },
    )
    assert report.plan_sentence(plan) == (
        "45 unchanged indicator definitions; 1 changed indicator value and 538 unchanged "
        "indicator values"
    )
    counts = report.counts_table(plan)
    assert [r[0] for r in counts.values.tolist()] == ["Indicator definitions", "Indicator values"]
    # Every kind of data has a word for one of it.
    every = LoadPlan(files=[], tables={n: TableChange(1, 1, 1) for n in DATA_TABLES})
    sentence = report.plan_sentence(every)
    for name in DATA_TABLES:
        assert f"1 new {TABLE_LABELS[name]}" not in sentence  # the singular, not "1 new highlights"
    assert "1 new action status, 1 changed action status and 1 unchanged action status" in sentence


def test_confirm_loads_one_batch_recorded_against_the_editor(
    env: AppEnv, sample_store: Store
) -> None:
    env.configure(auth=True)
    at = upload(open_data_page(EDITOR), ("known.csv", KNOWN_FILE))
    at.button(key="data_commit").click().run()
    assert not at.exception
    assert unescape(at.success[0].value).startswith(
        "Loaded known.csv as batch 2: 1 new indicator definition and 1 unchanged indicator "
        "definition; 1 new indicator value, 2 changed indicator values and 1 unchanged indicator "
        "value."
    )
    assert not frame(at, "data_batches").empty
    history = frame(at, "data_batches")
    latest = history.iloc[0]
    assert (latest["Batch"], latest["Loaded by"], latest["File"], latest["Status"]) == (
        2,
        EDITOR["email"],
        "known.csv",
        "committed",
    )
    assert (latest["New"], latest["Changed"], latest["Unchanged"]) == (2, 2, 2)
    assert len(latest["SHA-256"]) == 64 and latest["Checksum"] == latest["SHA-256"][:12]
    got = sample_store.read(
        "SELECT ref, period, actual FROM indicator_values "
        "WHERE ref IN ('PI-02', 'PI-90') AND period >= 20232 ORDER BY ref, period"
    )
    assert [(r, int(p)) for r, p in zip(got["ref"], got["period"], strict=True)] == [
        ("PI-02", 20232),
        ("PI-02", 20233),
        ("PI-02", 20234),
        ("PI-90", 20233),
    ]
    assert got["actual"].tolist() == pytest.approx([74.0, 99.0, 93.0, 1200.0])
    # The upload is cleared for the next file.
    assert not at.file_uploader[0].value


def test_a_file_that_matches_the_database_has_nothing_to_load(env: AppEnv) -> None:
    at = upload(open_data_page(), ("same.csv", csv("Ref,Period,Actual", "PI-02,Q3 2023-24,72.4")))
    assert "Nothing to load" in at.info[0].value
    assert not [b for b in at.button if b.key == "data_commit"]


def test_ignored_columns_are_reported_as_notes(env: AppEnv) -> None:
    body = csv("Ref,Period,Actual,Owner's mood", "PI-02,Q3 2023-24,80,cheerful")
    at = upload(open_data_page(), ("extra.csv", body))
    assert "1 note about extra" in unescape(at.warning[-1].value)
    notes = frame(at, "data_warnings").to_dict("records")
    assert notes[0]["Column"] == 'D ("Owner\'s mood")'
    assert notes[0]["Note"] == "this column is not one the importer reads; ignored."
    assert at.button(key="data_commit")


def test_several_files_load_as_one_batch(env: AppEnv, sample_store: Store) -> None:
    at = open_data_page()
    at = upload(
        at,
        ("a.csv", csv("Ref,Period,Actual", "PI-02,Q3 2023-24,80")),
        ("b.csv", csv("Ref,Period,Actual", "PI-03,Q3 2023-24,80")),
    )
    assert table(at, "data_counts")[1] == ["Indicator values", 0, 2, 0]
    at.button(key="data_commit").click().run()
    batches = sample_store.batches()
    assert batches["file_name"].iloc[0] == "a.csv, b.csv" and len(batches) == 2


def test_a_preview_made_stale_by_another_load_is_checked_again(
    env: AppEnv, sample_store: Store
) -> None:
    at = upload(open_data_page(), ("mine.csv", csv("Ref,Period,Actual", "PI-02,Q3 2023-24,99")))
    assert table(at, "data_counts")[1] == ["Indicator values", 0, 1, 0]
    # Meanwhile someone else loads exactly the value this file gives.
    load(
        sample_store,
        [FileInput("theirs.csv", csv("Ref,Period,Actual", "PI-02,Q3 2023-24,99"))],
        "x",
    )
    at.button(key="data_commit").click().run()
    assert not at.exception
    assert any("The database changed after this file was checked" in w.value for w in at.warning)
    assert len(sample_store.batches()) == 2  # nothing more was written
    assert "Nothing to load" in at.info[0].value  # the preview is up to date


def test_a_preview_whose_old_values_changed_is_shown_again_before_loading(
    env: AppEnv, sample_store: Store
) -> None:
    at = upload(open_data_page(), ("mine.csv", csv("Ref,Period,Actual", "PI-02,Q3 2023-24,99")))
    assert table(at, "data_changes")[0][3:] == ["72.4", "99"]
    load(
        sample_store,
        [FileInput("theirs.csv", csv("Ref,Period,Actual", "PI-02,Q3 2023-24,50"))],
        "x",
    )
    at.button(key="data_commit").click().run()
    assert any("The database changed after this file was checked" in w.value for w in at.warning)
    assert len(sample_store.batches()) == 2
    # Same counts, but the value it replaces is now 50: confirm again, and it loads.
    assert table(at, "data_changes")[0][3:] == ["50", "99"]
    at.button(key="data_commit").click().run()
    assert at.success and len(sample_store.batches()) == 3


def test_an_unrelated_load_meanwhile_does_not_need_a_second_confirmation(
    env: AppEnv, sample_store: Store
) -> None:
    at = upload(open_data_page(), ("mine.csv", csv("Ref,Period,Actual", "PI-02,Q3 2023-24,99")))
    load(
        sample_store,
        [FileInput("theirs.csv", csv("Ref,Period,Actual", "PI-03,Q3 2023-24,50"))],
        "x",
    )
    at.button(key="data_commit").click().run()
    assert unescape(at.success[0].value).startswith("Loaded mine.csv as batch 3")


# -- rollback --------------------------------------------------------------------------------------


def _commit(at, name: str, body: bytes):
    at = upload(at, (name, body))
    at.button(key="data_commit").click().run()
    assert at.success, [e.value for e in at.error]
    return at


def test_rollback_from_the_history_restores_every_table_exactly(
    env: AppEnv, sample_store: Store, db_snapshot
) -> None:
    before = db_snapshot(sample_store)
    at = _commit(open_data_page(), "known.csv", KNOWN_FILE)
    assert db_snapshot(sample_store) != before
    assert rollback_choice(at).value.startswith("Batch 2: known.csv")
    at.button(key="data_rollback").click().run()
    # An explicit confirmation step first; nothing has happened yet.
    assert "Roll back batch 2 (known.csv" in unescape(at.warning[-1].value)
    assert "removes the 2 rows it added and restores the 2 rows it changed" in at.warning[-1].value
    assert sample_store.batches()["status"].iloc[0] == "committed"
    at.button(key="data_rollback_confirm").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Batch 2 rolled back")
    after = db_snapshot(sample_store)
    for table_name, rows in before.items():
        if table_name != "load_batches":
            assert after[table_name] == rows, table_name
    history = frame(at, "data_batches")
    assert history.iloc[0]["Status"] == "rolled back"
    assert history.iloc[0]["Rolled back"].endswith("by Local user")


def test_rollback_can_be_cancelled(env: AppEnv, sample_store: Store) -> None:
    at = _commit(open_data_page(), "known.csv", KNOWN_FILE)
    at.button(key="data_rollback").click().run()
    at.button(key="data_rollback_cancel").click().run()
    assert not [b for b in at.button if b.key == "data_rollback_confirm"]
    assert sample_store.batches()["status"].iloc[0] == "committed"


def test_a_refused_rollback_says_why_and_changes_nothing(
    env: AppEnv, sample_store: Store, db_snapshot
) -> None:
    at = _commit(open_data_page(), "first.csv", csv("Ref,Period,Actual", "PI-02,Q3 2023-24,80"))
    at = _commit(at, "second.csv", csv("Ref,Period,Actual", "PI-02,Q3 2023-24,81"))
    before = db_snapshot(sample_store)
    choices = rollback_choice(at).options
    rollback_choice(at).set_value(choices[1]).run()
    assert choices[1].startswith("Batch 2: first.csv")
    at.button(key="data_rollback").click().run()
    at.button(key="data_rollback_confirm").click().run()
    assert not at.exception
    assert at.error[0].value == (
        "Nothing was rolled back. Batch 2 cannot be rolled back: batch 3 later changed rows it "
        "loaded. Roll back batch 3 first."
    )
    assert db_snapshot(sample_store) == before


def test_the_template_can_be_downloaded_from_the_page(env: AppEnv) -> None:
    at = open_data_page()
    buttons = {b.key: b for b in at.get("download_button")}
    assert buttons["data_template"].label == "Download the template (.xlsx)"
    assert buttons["data_template_ods"].label == "Download the template (.ods)"
    # The sample's latest data is Q3 2023-24, long past: the template defaults to this quarter.
    quarter = at.selectbox(key="data_template_quarter")
    assert quarter.value == quarter.options[0]


def test_an_unmatched_comparator_measure_is_matched_once_on_the_data_page(
    env: AppEnv, sample_store: Store
) -> None:
    """A measure loaded by name (no id) is offered with the likeliest indicators first; the
    editor's choice is saved as a batch, remembered as the indicator's benchmark measure, and the
    measure is no longer offered."""
    rows = "Local authority,Indicator,Financial year,Value\n" + "".join(
        f"{name},Household waste recycling rate,2022/23,{30 + i / 10}\n"
        for i, name in enumerate(["Harrow", "Barnet", "Brent", "Ealing", "Hillingdon"])
    )
    load(sample_store, [FileInput("recycling.csv", rows.encode())], "editor@example.gov.uk")
    at = open_data_page(EDITOR)
    picks = [s for s in at.selectbox if str(s.key).startswith("measure_match_")]
    assert len(picks) == 1
    pick = picks[0]
    assert "Household waste recycling rate (5 figures)" in unescape(pick.label)
    assert pick.value == ""  # nothing chosen until the editor chooses
    likeliest = pick.options[1]
    assert likeliest.startswith("PI-12: Household waste sent for reuse, recycling")
    pick.set_value("PI-12")
    at.button(key="FormSubmitter:measure_match-Save the matches").click().run()
    assert not at.exception, at.exception
    indicators = sample_store.benchmarked_indicators().set_index("ref")
    assert indicators.at["PI-12", "measure"] == "Household waste recycling rate"
    # The measure is matched; the one PI-12 was compared with before is offered now.
    offered = [s.label for s in at.selectbox if str(s.key).startswith("measure_match_")]
    assert len(offered) == 1 and "Household waste recycling rate" not in unescape(offered[0])
    assert unescape(offered[0]).startswith("ILL-WASTE-01")
    assert at.success[0].value == "Matched 1 measure (batch 3)."
    batches = sample_store.batches()
    assert batches.iloc[0]["file_name"] == "Comparator measures matched on the Data page"
