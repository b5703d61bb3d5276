"""Corrective actions loaded from files like every other kind, on both databases: real CSV, Excel and
OpenDocument files in the shapes officers bring (a Pentana/Camms-like export, the template), every
problem named by row and column with nothing written, updates of a published quarter only as a
revision with a reason, rollback restoring every table, and the downloads (the command-line export,
open data) with the status as at each quarter, published only and without internal notes, text
neutralised for spreadsheets."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from ods_files import ods_bytes

from harrow_dash.cli import main, publish_sample_history
from harrow_dash.ingest.load import (
    FileInput,
    PublishedChangeRefused,
    Revision,
    commit,
    prepare,
    rollback,
)
from harrow_dash.ingest.problems import LoadRefused
from harrow_dash.ingest.template import build_template
from harrow_dash.outputs import open_data, revisions
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store

pytestmark = pytest.mark.both_databases

Q3 = parse_period("Q3 2023-24")

# As a Pentana or Camms export names its columns: dates, not quarters, and the linked PI by code.
PENTANA_HEADER = [
    "Action Code",
    "Linked PI",
    "Action",
    "Action Owner",
    "Cabinet Member",
    "Date Agreed",
    "Due Date",
    "Quarter",
    "Status",
    "Latest Note",
    "Reason for closure",
]
PENTANA_ROWS = [
    PENTANA_HEADER,
    [
        "CA-P-01",
        "PI-33",
        "Agree a behaviour support plan with every secondary school",
        "Head of Inclusion",
        "Cllr Example",
        "14/09/2023",
        "31/03/2024",
        "Q2 2023-24",
        "Not started",
        "Plan drafted with two schools.",
        "",
    ],
    [
        "CA-P-01",
        "PI-33",
        "Agree a behaviour support plan with every secondary school",
        "Head of Inclusion",
        "Cllr Example",
        "14/09/2023",
        "31/03/2024",
        "Q3 2023-24",
        "In Progress",
        "Plans agreed with five of nine schools.",
        "",
    ],
    [
        "CA-P-02",
        "FA-12c",
        "Re-scope phase 3 design",
        "Director of Regeneration",
        "Cllr Example",
        "2023-10-05",
        "2024-06-30",
        "Q3 2023-24",
        "Cancelled",
        "Folded into the phase 2 re-tender.",
        "Phase 3 now follows phase 2's contract.",
    ],
]


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def _xlsx(rows: list[list[object]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Actions"
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _load(store: Store, name: str, content: bytes, reason: str | None = None) -> int | None:
    plan = prepare(store, [FileInput(name, content)])
    if not plan.ok:
        raise LoadRefused(plan.problems)
    return commit(store, plan, "tester", Revision(reason) if reason else None).batch_id


@pytest.mark.parametrize("kind", [".csv", ".xlsx", ".ods"])
def test_a_pentana_like_export_loads_in_every_format(sample_store: Store, kind: str) -> None:
    content = {
        ".csv": lambda: _csv(PENTANA_ROWS),
        ".xlsx": lambda: _xlsx(PENTANA_ROWS),  # type: ignore[arg-type]
        ".ods": lambda: ods_bytes({"Actions": PENTANA_ROWS}),  # type: ignore[dict-item]
    }[kind]()
    plan = prepare(sample_store, [FileInput(f"pentana{kind}", content)])
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.tables["corrective_actions"].added == 2
    assert plan.tables["corrective_action_updates"].added == 3
    commit(sample_store, plan, "tester")
    got = sample_store.corrective_actions(Filters()).set_index("action_id")
    first = got.loc["CA-P-01"]
    assert first["subject_kind"] == "indicator" and first["subject_ref"] == "PI-33"
    assert first["agreed_period"] == parse_period("Q2 2023-24").key  # 14/09/2023 is in Q2
    assert first["due_period"] == parse_period("Q4 2023-24").key
    assert first["owner"] == "Head of Inclusion"
    assert first["portfolio_holder"] == "Cllr Example"
    assert first["recorded_status"] == "in progress"
    assert first["latest_update"] == "Plans agreed with five of nine schools."
    second = got.loc["CA-P-02"]
    assert second["subject_kind"] == "flagship action"
    assert second["recorded_status"] == "dropped"
    assert second["dropped_reason"] == "Phase 3 now follows phase 2's contract."
    updates = sample_store.corrective_action_updates(["CA-P-01"])
    assert list(updates["status"]) == ["agreed", "in progress"]  # "Not started" is agreed


def test_every_problem_is_named_by_row_and_column_and_nothing_is_written(
    sample_store: Store, db_snapshot
) -> None:
    before = db_snapshot(sample_store)
    rows = [
        ["Action ID", "Subject", "Action", "Agreed quarter", "Due quarter", "Quarter", "Status",
         "Update", "Dropped reason"],
        ["CA-X-01", "PI-99", "Do it", "Q2 2023-24", "Q3 2023-24", "Q2 2023-24", "agreed", "", ""],
        ["CA-X-02", "PI-01", "Do it", "Q3 2023-24", "Q1 2023-24", "", "", "", ""],
        ["CA-X-03", "PI-01", "Do it", "Q2 2023-24", "Q3 2023-24", "Q3 2023-24", "finished", "", ""],
        ["CA-X-04", "PI-01", "Do it", "Q2 2023-24", "Q3 2023-24", "Q3 2023-24", "dropped", "", ""],
        ["CA-X-05", "PI-01", "Do it", "Q2 2023-24", "Q3 2023-24", "Q1 2023-24", "agreed", "", ""],
        ["CA-X-06", "PI-01", "Do it", "Q2 2023-24", "sometime", "", "", "", ""],
        ["CA-X-07", "", "", "", "", "Q3 2023-24", "done", "", ""],
    ]  # fmt: skip
    plan = prepare(sample_store, [FileInput("bad.csv", _csv(rows))])
    found = {(p.row, p.column, p.message) for p in plan.problems}
    assert found == {
        (2, 'B ("Subject")', "the subject 'PI-99' is not an indicator, flagship action or "
         "priority the database or this load knows."),
        (3, 'E ("Due quarter")', "CA-X-02: the due quarter (Q1 2023-24) is before the quarter "
         "the action was agreed (Q3 2023-24)."),
        (4, 'G ("Status")', "'finished' is not a status; use one of 'agreed', 'in progress', "
         "'done', 'overdue', 'dropped'."),
        (5, 'I ("Dropped reason")', "CA-X-04 is dropped in Q3 2023-24: give the reason it was "
         "dropped."),
        (6, 'F ("Quarter")', "CA-X-05: an update for Q1 2023-24, before the action was agreed "
         "(Q2 2023-24)."),
        (7, 'E ("Due quarter")', "'sometime' is not a quarter; write it like 'Q3 2023-24', or a "
         "date such as 31/12/2023."),
        (8, None, "CA-X-07 is a new corrective action, so the file must give its subject, "
         "action, agreed quarter and due quarter."),
    }  # fmt: skip
    with pytest.raises(LoadRefused):
        _load(sample_store, "bad.csv", _csv(rows))
    assert db_snapshot(sample_store) == before


def test_a_corrective_sheet_is_not_taken_for_flagship_actions_or_indicators(
    sample_store: Store,
) -> None:
    """Its "Action", "Status" and "Ref" columns would fit the flagship actions layout."""
    rows = [
        ["Ref", "Subject", "Action", "Status", "Quarter", "Agreed", "Due"],
        ["CA-R-01", "1", "Review priority one's Red indicators", "agreed", "Q3 2023-24",
         "Q3 2023-24", "Q4 2023-24"],
    ]  # fmt: skip
    plan = prepare(sample_store, [FileInput("short.csv", _csv(rows))])
    assert plan.ok, [str(p) for p in plan.problems]
    assert set(plan.tables) == {"corrective_actions", "corrective_action_updates"}
    commit(sample_store, plan, "tester")
    row = sample_store.corrective_actions(Filters()).set_index("action_id").loc["CA-R-01"]
    assert (row["subject_kind"], row["subject_ref"]) == ("priority", "1")


def test_an_update_of_a_published_quarter_is_a_revision_and_rolls_back_exactly(
    sample_store: Store, db_snapshot
) -> None:
    publish_sample_history(sample_store, out=io.StringIO())
    before = db_snapshot(sample_store)
    rows = [
        ["Action ID", "Quarter", "Status", "Update"],
        ["CA-23Q1-02", "Q3 2023-24", "done", "Backlog cleared in December."],
    ]
    with pytest.raises(PublishedChangeRefused) as refused:
        _load(sample_store, "late.csv", _csv(rows))
    assert set(refused.value.plan.published_changes["field"]) == {"status", "update_text",
                                                                    "internal_note"}  # fmt: skip
    assert db_snapshot(sample_store) == before
    batch = _load(sample_store, "late.csv", _csv(rows), reason="Late return")
    assert batch is not None
    row = sample_store.corrective_actions(Filters()).set_index("action_id").loc["CA-23Q1-02"]
    assert row["recorded_status"] == "done"
    # The briefing's "Revised figures" quotes the public fields, never the internal note.
    lines = revisions.briefing_lines(revisions.in_force(revisions.read(sample_store)))
    text = " ".join(lines)
    assert "corrective action update, Q3 2023-24" in text
    assert "'in progress'" in text or "from in progress (as published) to done" in text
    assert "Resources directorate has not nominated" not in text
    assert "internal note revised on" in text
    with pytest.raises(Exception, match="reason"):
        rollback(sample_store, batch, "tester")
    rollback(sample_store, batch, "tester", reason="Loaded too early")
    after = db_snapshot(sample_store)
    for name in ("corrective_actions", "corrective_action_updates"):
        assert after[name] == before[name]


def _sample_actions() -> pd.DataFrame:
    return pd.read_csv(
        Path(__file__).resolve().parents[1] / "data" / "sample" / "corrective_actions.csv",
        dtype=str,
        keep_default_na=False,
    )


def _frame_csv(frame: pd.DataFrame) -> bytes:
    return _csv([list(frame.columns), *frame.to_numpy().tolist()])


def test_rewording_an_action_agreed_in_a_published_quarter_is_a_revision(
    sample_store: Store, db_snapshot
) -> None:
    """What Cabinet agreed is published with the quarter it was agreed in: a load that rewords it
    is refused without a reason, recorded field by field with one, and rolled back exactly."""
    publish_sample_history(sample_store, out=io.StringIO())  # Q1 2023-24 is published
    sample = _sample_actions()
    agreed = sample[sample["action_id"] == "CA-23Q1-01"].copy()
    assert set(agreed["agreed_quarter"]) == {"Q1 2023-24"}
    agreed["action"] = "Something other than what Cabinet agreed"
    agreed["owner"] = "Somebody else"
    before = db_snapshot(sample_store)
    with pytest.raises(PublishedChangeRefused) as refused:
        _load(sample_store, "reworded.csv", _frame_csv(agreed))
    changes = refused.value.plan.published_changes
    assert set(changes["field"]) == {"action", "owner"}
    assert set(changes["period"]) == {parse_period("Q1 2023-24").key}
    assert set(changes["item"]) == {"CA-23Q1-01"}
    message = str(refused.value)
    assert "Q1 2023-24 corrective actions CA-23Q1-01 owner: 'Head of Customer Experience' -> " \
        "'Somebody else'" in message  # fmt: skip
    assert db_snapshot(sample_store) == before

    batch = _load(sample_store, "reworded.csv", _frame_csv(agreed), reason="Owner changed")
    assert batch is not None
    row = sample_store.corrective_actions(Filters()).set_index("action_id").loc["CA-23Q1-01"]
    assert (row["action"], row["owner"]) == ("Something other than what Cabinet agreed",
                                             "Somebody else")  # fmt: skip
    record = revisions.record_table(revisions.read(sample_store))
    mine = record[record["What"] == "Corrective actions"]
    assert sorted(mine["Field"]) == ["action", "owner"]
    assert set(mine["Quarter"]) == {"Q1 2023-24"} and set(mine["Reason"]) == {"Owner changed"}
    assert set(mine["Published value"]) == {
        "Recruit six contact centre advisers and add a call-back option at peak times",
        "Head of Customer Experience",
    }
    lines = revisions.briefing_lines(revisions.in_force(revisions.read(sample_store)))
    assert any(line.startswith("CA-23Q1-01 (corrective action, Q1 2023-24): owner revised")
               for line in lines)  # fmt: skip

    with pytest.raises(Exception, match="reason"):
        rollback(sample_store, batch, "tester")
    rollback(sample_store, batch, "tester", reason="Wrong file")
    after = db_snapshot(sample_store)
    for name in ("corrective_actions", "corrective_action_updates", "indicator_values"):
        assert after[name] == before[name]
    assert revisions.in_force(revisions.read(sample_store)) == []


def test_a_quarters_updates_with_the_agreed_wording_repeated_need_no_reason(
    sample_store: Store,
) -> None:
    """The next quarter's updates repeat each action's definition (or leave it blank): nothing
    Cabinet agreed changes, so no reason is asked, though the actions were agreed in published
    quarters."""
    publish_sample_history(sample_store, out=io.StringIO())
    sample = _sample_actions()
    latest = sample.drop_duplicates("action_id", keep="last").copy()
    latest["quarter"] = "Q4 2023-24"  # not published
    latest["status"] = "in progress"
    latest["update"] = "Still going."
    latest["dropped_reason"] = ""
    latest = latest[~latest["action_id"].isin(["CA-23Q1-03"])]  # dropped: stays dropped
    plan = prepare(sample_store, [FileInput("q4.csv", _frame_csv(latest))])
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.tables["corrective_actions"].changed == 0
    assert plan.published_changes.empty
    assert commit(sample_store, plan, "tester").batch_id is not None
    blank = latest[["action_id", "quarter", "status", "update"]].copy()
    blank["status"] = "done"
    plan = prepare(sample_store, [FileInput("q4 done.csv", _frame_csv(blank))])
    assert plan.ok and plan.published_changes.empty
    assert commit(sample_store, plan, "tester").batch_id is not None


def test_an_action_moved_into_or_out_of_a_published_quarter_revises_that_quarter(
    sample_store: Store, db_snapshot
) -> None:
    """An action belongs to the record of the quarter it was agreed in: said to be agreed in another,
    it leaves the one record and joins the other, and a published one's change is a revision,
    which a rollback undoes exactly."""
    publish_sample_history(sample_store, out=io.StringIO())  # through Q3 2023-24
    head = ["Action ID", "Subject", "Action", "Agreed quarter", "Due quarter"]
    draft = [head, ["CA-M-01", "PI-01", "Answer more calls", "Q4 2023-24", "Q1 2024-25"]]
    assert _load(sample_store, "draft.csv", _csv(draft)) is not None  # a draft quarter: no reason
    # Said to be agreed a quarter earlier, a published one: it joins Q3 2023-24's record.
    earlier = [head, ["CA-M-01", "PI-01", "Answer more calls", "Q3 2023-24", "Q1 2024-25"]]
    before = db_snapshot(sample_store)
    with pytest.raises(PublishedChangeRefused) as refused:
        _load(sample_store, "earlier.csv", _csv(earlier))
    changes = refused.value.plan.published_changes
    assert set(changes["period"]) == {Q3.key}
    assert all(changes["old"].isna())
    assert {"action", "subject_ref", "agreed_period", "due_period"} <= set(changes["field"])
    message = str(refused.value)
    assert "Q3 2023-24 corrective actions CA-M-01 agreed quarter: (none) -> 'Q3 2023-24'" in message
    assert "Q3 2023-24 corrective actions CA-M-01 due quarter: (none) -> 'Q1 2024-25'" in message
    assert db_snapshot(sample_store) == before
    batch = _load(sample_store, "earlier.csv", _csv(earlier), reason="Agreed in December")
    assert batch is not None
    assert {f.item for f in revisions.in_force(revisions.read(sample_store), Q3)} == {"CA-M-01"}
    # Rolled back, Q3 2023-24 stands as published: the revisions are undone, nothing else recorded,
    # and the quarter publishes again without a reason.
    rollback(sample_store, batch, "tester", reason="Agreed in January after all")
    assert db_snapshot(sample_store)["corrective_actions"] == before["corrective_actions"]
    assert revisions.in_force(revisions.read(sample_store)) == []
    sample_store.unpublish(Q3)
    sample_store.publish(Q3, "tester")
    # Moved in again, then back out: Q3's record loses the action, so that is a revision too.
    assert (
        _load(sample_store, "earlier.csv", _csv(earlier), reason="Agreed in December") is not None
    )
    with pytest.raises(PublishedChangeRefused) as refused:
        _load(sample_store, "draft.csv", _csv(draft))
    gone = refused.value.plan.published_changes
    assert set(gone["period"]) == {Q3.key} and all(gone["new"].isna())
    # A new action said to be agreed in a published quarter joins its record: a revision.
    new = [head, ["CA-M-02", "PI-02", "Clear the backlog", "Q2 2023-24", "Q4 2023-24"]]
    with pytest.raises(PublishedChangeRefused) as refused:
        _load(sample_store, "new.csv", _csv(new))
    added = refused.value.plan.published_changes
    assert set(added["period"]) == {parse_period("Q2 2023-24").key}
    assert {"subject_ref", "action", "agreed_period", "due_period"} <= set(added["field"])
    assert all(added["old"].isna())


def test_republishing_a_quarter_after_its_agreed_actions_changed_needs_a_reason(
    sample_store: Store,
) -> None:
    """The figures kept as published include the quarter's agreed actions: a change the record
    does not account for (here written behind the loader's back) is a revision at republication."""
    import sqlalchemy as sa

    from harrow_dash.store import schema as s
    from harrow_dash.store.revision_rule import ReasonNeeded

    publish_sample_history(sample_store, out=io.StringIO())
    q1 = parse_period("Q1 2023-24")
    sample_store.unpublish(q1)
    sample_store.publish(q1, "tester")  # nothing changed: no reason needed
    sample_store.unpublish(q1)
    with sample_store.begin() as conn:
        c = s.corrective_actions
        conn.execute(
            sa.update(c).where(c.c.action_id == "CA-23Q1-04").values(owner="Somebody else")
        )
    with pytest.raises(ReasonNeeded) as refused:
        sample_store.publish(q1, "tester")
    changes = refused.value.revisions.changes
    assert list(zip(changes["item"], changes["field"], strict=True)) == [("CA-23Q1-04", "owner")]
    sample_store.publish(q1, "tester", reason="Owner corrected")
    record = revisions.record_table(revisions.read(sample_store, [q1]))
    assert list(record["Made by"]) == ["Republication"]


def test_an_older_database_keeps_its_published_quarters_agreed_actions_as_published(
    sample_store: Store,
) -> None:
    """Upgrading a database from before corrective actions were figures of the record keeps each
    published quarter's actions as they stand, so republishing one asks for no reason."""
    import sqlalchemy as sa

    from harrow_dash.store import schema as s

    publish_sample_history(sample_store, out=io.StringIO())
    f = s.published_figures
    with sample_store.begin() as conn:
        kept = conn.execute(
            sa.select(sa.func.count()).where(f.c.table_name == "corrective_actions")
        ).scalar()
        assert kept  # this version keeps them at publication
        conn.execute(sa.delete(f).where(f.c.table_name == "corrective_actions"))
        conn.execute(
            sa.update(s.schema_info).where(s.schema_info.c.key == "version").values(value="6")
        )
    done = sample_store.upgrade()
    assert any(d.endswith("'s corrective_actions kept as published") for d in done)
    with sample_store.connect() as conn:
        again = conn.execute(
            sa.select(sa.func.count()).where(f.c.table_name == "corrective_actions")
        ).scalar()
    assert again == kept
    q1 = parse_period("Q1 2023-24")
    sample_store.unpublish(q1)
    sample_store.publish(q1, "tester")  # no reason asked: nothing changed
    assert sample_store.upgrade() == []  # idempotent


def test_the_template_workbook_has_the_corrective_actions_sheet_and_loads_back(
    sample_store: Store,
) -> None:
    import openpyxl

    content = build_template(["A council that puts residents first"], Q3)
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb["Corrective actions"]
    heads = [c.value for c in ws[1]]
    assert heads[:4] == ["Action ID", "Subject kind", "Subject", "Action"]
    ws.append(["CA-T-01", "indicator", "PI-35", "Fill vacant places", "Head of ASC", "Cllr B",
               "Q3 2023-24", "Cabinet 14 March 2024", "Q4 2023-24", "Q3 2023-24", "agreed",
               "Referral route reopened.", "", "Officers only", "Action note"])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    assert _load(sample_store, "template.xlsx", buf.getvalue()) is not None
    row = sample_store.corrective_actions(Filters()).set_index("action_id").loc["CA-T-01"]
    assert row["internal_note"] == "Action note"
    update = sample_store.corrective_action_updates(["CA-T-01"]).iloc[0]
    assert update["internal_note"] == "Officers only"


NASTY = '=HYPERLINK("http://evil.example","click") **bold** <script>alert(1)</script>'


def test_downloads_give_the_status_as_at_each_quarter_published_only_and_neutralised(
    sample_store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HARROW_DASH_DATABASE_URL", sample_store.url)
    monkeypatch.setenv("HARROW_DASH_SECRETS", str(tmp_path / "none.toml"))
    rows = [
        ["Action ID", "Subject", "Action", "Agreed quarter", "Due quarter", "Quarter", "Status",
         "Update", "Internal note"],
        ["CA-N-01", "PI-35", NASTY, "Q2 2023-24", "Q2 2023-24", "Q2 2023-24", "in progress",
         "+1 more", "SECRET officers' note"],
    ]  # fmt: skip
    _load(sample_store, "nasty.csv", _csv(rows))
    publish_sample_history(sample_store, out=io.StringIO())
    sample_store.unpublish(Q3)
    # The command-line export, public: published quarters only, no internal notes.
    out = tmp_path / "public.csv"
    assert main(["export", "--public", "--corrective-actions", "-o", str(out)]) == 0
    public = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert "internal_note" not in public.columns
    assert "SECRET" not in out.read_text(encoding="utf-8")
    assert not (public["quarter"] == "Q3 2023-24").any()
    assert not public["action_id"].str.startswith("CA-23Q3").any()
    nasty = public[public["action_id"] == "CA-N-01"].set_index("quarter")
    assert nasty.loc["Q2 2023-24", "action"] == "'" + NASTY
    assert nasty.loc["Q2 2023-24", "update"] == "'+1 more"
    assert nasty.loc["Q2 2023-24", "status"] == "in progress"
    # CA-23Q1-02 was due in Q2 and still in progress: overdue as at Q3 in the officers' export.
    full_path = tmp_path / "full.csv"
    assert main(["export", "--corrective-actions", "-o", str(full_path)]) == 0
    full = pd.read_csv(full_path, dtype=str, keep_default_na=False)
    late = full[full["action_id"] == "CA-23Q1-02"].set_index("quarter")
    assert late.loc["Q2 2023-24", "status"] == "in progress"
    assert late.loc["Q3 2023-24", "status"] == "overdue"
    assert late.loc["Q3 2023-24", "recorded_status"] == "in progress"
    assert "SECRET officers' note" in set(full["internal_note"])
    capsys.readouterr()


def test_open_data_includes_published_corrective_actions_without_internal_notes(
    sample_store: Store,
) -> None:
    publish_sample_history(sample_store, out=io.StringIO())
    sample_store.unpublish(Q3)
    files = open_data.build(sample_store.public_view(), RuleSettings(), dt.datetime(2024, 1, 1))
    table = pd.read_csv(io.BytesIO(files["corrective_actions.csv"]), dtype=str,
                        keep_default_na=False)  # fmt: skip
    assert set(table["quarter"]) == {"Q1 2023-24", "Q2 2023-24"}
    assert set(table["action_id"]) == {a for a in table["action_id"] if not a.startswith("CA-23Q3")}
    assert "internal" not in " ".join(table.columns)
    text = files["corrective_actions.csv"].decode()
    assert "Two candidates withdrew" not in text  # an internal note of a published update
    assert table.loc[table["action_id"] == "CA-23Q1-01", "priority"].iloc[0] == (
        "A council that puts residents first"
    )
    meta = json.loads(files["datapackage.json"])
    resource = next(r for r in meta["resources"] if r["name"] == "corrective-actions")
    assert [f["name"] for f in resource["schema"]["fields"]] == list(table.columns)
    assert resource["schema"]["primaryKey"] == ["action_id", "quarter"]


def test_rows_of_one_action_may_leave_its_definition_blank_but_not_contradict_it(
    sample_store: Store,
) -> None:
    rows = [
        ["Action ID", "Subject", "Action", "Owner", "Agreed quarter", "Due quarter", "Quarter",
         "Status"],
        ["CA-D-01", "PI-35", "Fill vacant places", "Head of ASC", "Q2 2023-24", "Q4 2023-24",
         "Q2 2023-24", "agreed"],
        ["CA-D-01", "", "", "", "", "", "Q3 2023-24", "in progress"],
        ["CA-D-01", "PI-35", "Fill vacant places", "Someone else", "", "", "", ""],
    ]  # fmt: skip
    plan = prepare(sample_store, [FileInput("repeat.csv", _csv(rows))])
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (4, 'D ("Owner")', "corrective action CA-D-01 is given owner 'Head of ASC' in row 2 but "
         "a different value here; use one value."),
    ]  # fmt: skip
    plan = prepare(sample_store, [FileInput("repeat.csv", _csv(rows[:3]))])
    assert plan.ok, [str(p) for p in plan.problems]
    commit(sample_store, plan, "tester")
    row = sample_store.corrective_actions(Filters()).set_index("action_id").loc["CA-D-01"]
    assert (row["owner"], row["recorded_status"]) == ("Head of ASC", "in progress")


def test_an_indicator_cannot_be_rolled_back_from_under_its_corrective_action(
    sample_store: Store, db_snapshot
) -> None:
    indicator = [
        ["Ref", "Name", "Priority", "Unit", "Polarity", "Period", "Actual", "Target"],
        ["PI-90", "New measure", "A council that puts residents first", "%", "higher is better",
         "Q3 2023-24", "40", "60"],
    ]  # fmt: skip
    first = _load(sample_store, "indicator.csv", _csv(indicator))
    action = [
        ["Action ID", "Subject", "Action", "Agreed quarter", "Due quarter"],
        ["CA-I-01", "PI-90", "Find out why", "Q3 2023-24", "Q4 2023-24"],
    ]
    second = _load(sample_store, "action.csv", _csv(action))
    assert first is not None and second is not None
    before = db_snapshot(sample_store)
    with pytest.raises(Exception, match=f"batch {second} added rows that depend on"):
        rollback(sample_store, first, "tester", reason="wrong file")
    assert db_snapshot(sample_store) == before
    rollback(sample_store, second, "tester")
    rollback(sample_store, first, "tester", reason="wrong file")
    assert "PI-90" not in set(sample_store.indicator_list()["ref"])


def test_init_sample_on_an_older_published_sample_refuses_to_revise_it_quietly(
    sample_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    db_snapshot,
) -> None:
    """A database holding the sample from before it had corrective actions, its quarters
    published: adding them would revise published quarters, which init does not do on its own."""
    publish_sample_history(sample_store, out=io.StringIO())
    with sample_store.begin() as conn:
        conn.exec_driver_sql("DELETE FROM corrective_action_updates")
        conn.exec_driver_sql("DELETE FROM corrective_actions")
    before = db_snapshot(sample_store)
    monkeypatch.setenv("HARROW_DASH_DATABASE_URL", sample_store.url)
    monkeypatch.setenv("HARROW_DASH_SECRETS", str(tmp_path / "none.toml"))
    assert main(["init", "--sample"]) == 1
    err = capsys.readouterr().err
    assert "would change" in err and "--revise-published" in err
    assert db_snapshot(sample_store) == before
