"""A published quarter is the record: loads that would change it are refused unless made as a revision
with a reason; a revision is recorded field by field (who, when, why, old and new), shown beside the
figure it changed, listed in the briefing pack, and can be rolled back, which is recorded too.

Through the loader, the Data page (AppTest with real uploads) and the Indicators page; the command line
is tested in test_cli.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from apptest_helpers import EDITOR, AppEnv, app_env, run_page, unescape
from docx import Document

from harrow_dash.ingest.load import (
    FileInput,
    PublishedChangeRefused,
    Revision,
    RollbackRefused,
    commit,
    load,
    prepare,
    rollback,
)
from harrow_dash.outputs import revisions
from harrow_dash.outputs.briefing import build_briefing
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store

Q2, Q3, Q4 = (parse_period(q) for q in ("Q2 2023-24", "Q3 2023-24", "Q4 2023-24"))
P1 = "A council that puts residents first"
PI02_Q3 = "Ref,Period,Actual\nPI-02,Q3 2023-24,95\n"


def csv(name: str, text: str) -> list[FileInput]:
    return [FileInput(name, text.encode("utf-8"))]


def stored(store: Store, ref: str, period_key: int) -> pd.Series:
    df = store.read(
        "SELECT * FROM indicator_values WHERE ref = :ref AND period = :period",
        {"ref": ref, "period": period_key},
    )
    return df.iloc[0]


@pytest.fixture
def published(sample_store: Store) -> Store:
    """The sample with Q3 2023-24 published (PI-02's Q3 actual is 72.4%, as published)."""
    assert stored(sample_store, "PI-02", Q3.key)["actual"] == pytest.approx(72.4)
    sample_store.publish(Q3, "publisher@harrow.gov.uk")
    return sample_store


# -- the loader --------------------------------------------------------------------------------------


def test_a_load_that_changes_a_published_quarter_is_refused_with_every_change_listed(
    published: Store, db_snapshot
) -> None:
    before = db_snapshot(published)
    text = (
        "Ref,Period,Actual,Target,Commentary\n"
        "PI-02,Q3 2023-24,95,90,Recounted\n"  # actual and commentary change; target is 90 already
        "PI-02,Q4 2023-24,93,90,\n"  # a draft quarter: not locked
    )
    plan = prepare(published, csv("late.csv", text))
    assert plan.ok
    changes = plan.published_changes
    assert sorted(zip(changes["item"], changes["period"], changes["field"], strict=True)) == [
        ("PI-02", Q3.key, "actual"),
        ("PI-02", Q3.key, "commentary"),
    ]
    actual = changes[changes["field"] == "actual"].iloc[0]
    assert (actual["old"], actual["new"]) == ("72.4", "95")
    with pytest.raises(PublishedChangeRefused) as refused:
        commit(published, plan, "editor")
    message = str(refused.value)
    assert message.startswith(
        "Refused: late.csv would change 2 published figures (Q3 2023-24); nothing was loaded."
    )
    assert "Q3 2023-24 indicator values PI-02 actual: '72.4' -> '95'" in message
    assert db_snapshot(published) == before  # not even the draft quarter's row


@pytest.mark.parametrize(
    ("what", "text"),
    [
        ("a new value", "Ref,Period,Actual\nPI-90,Q3 2023-24,5\n"),
        ("an action status", "Ref,Title,Period,Status\nFA-01,x,Q3 2023-24,Off track\n"),
        (
            "a new highlight",
            f"Period,Priority,Kind,Text\nQ3 2023-24,{P1},achievement,A late addition\n",
        ),
    ],
)
def test_new_values_statuses_and_highlights_in_a_published_quarter_are_changes_too(
    published: Store, db_snapshot, what: str, text: str
) -> None:
    if what == "a new value":  # a new indicator needs its definition
        text = (
            "Ref,Name,Priority,Unit,Polarity,Period,Actual\n"
            f"PI-90,New measure,{P1},count,higher,Q3 2023-24,5\n"
        )
    if what == "an action status":
        title = published.read("SELECT title FROM flagship_actions WHERE ref = 'FA-01'")
        text = text.replace(",x,", f',"{title["title"].iloc[0]}",')
    before = db_snapshot(published)
    plan = prepare(published, csv("f.csv", text))
    assert plan.ok, plan.problems
    assert plan.changes_published, what
    assert set(plan.published_changes["period"]) == {Q3.key}
    with pytest.raises(PublishedChangeRefused):
        commit(published, plan, "editor")
    assert db_snapshot(published) == before


def test_loads_into_draft_quarters_and_unchanged_published_rows_are_not_locked(
    published: Store,
) -> None:
    text = "Ref,Period,Actual\nPI-02,Q3 2023-24,72.4\nPI-02,Q4 2023-24,93\n"
    result = load(published, csv("q4.csv", text), "editor")
    assert result.batch_id is not None
    assert not result.plan.changes_published
    assert revisions.read(published).empty


def test_a_revision_needs_a_reason(published: Store, db_snapshot) -> None:
    before = db_snapshot(published)
    with pytest.raises(PublishedChangeRefused, match="needs a reason"):
        load(published, csv("late.csv", PI02_Q3), "editor", revision=Revision("   "))
    assert db_snapshot(published) == before


def test_a_revision_is_recorded_with_who_when_why_and_old_and_new_values(
    published: Store,
) -> None:
    result = load(
        published, csv("late.csv", PI02_Q3), "jo@harrow.gov.uk", revision=Revision(" Late returns ")
    )
    assert result.batch_id == 2
    assert stored(published, "PI-02", Q3.key)["actual"] == 95
    record = revisions.read(published)
    assert len(record) == 1
    row = record.iloc[0]
    assert (row["batch_id"], row["period"], row["table_name"], row["item"], row["field"]) == (
        2,
        Q3.key,
        "indicator_values",
        "PI-02",
        "actual",
    )
    assert (row["old_value"], row["new_value"]) == ("72.4", "95")
    assert (row["revised_by"], row["reason"]) == ("jo@harrow.gov.uk", "Late returns")
    assert abs(pd.Timestamp(row["revised_at"]) - pd.Timestamp.now()) < pd.Timedelta(minutes=5)
    assert pd.isna(row["rolled_back_at"])
    # Shown beside the figure: the date, the figure as published and as revised.
    figures = revisions.in_force(record, Q3)
    facts = revisions.facts_from(
        published.read("SELECT ref, name, unit, counts_people FROM indicators")
    )
    note = revisions.indicator_notes(figures, facts)["PI-02"]
    today = pd.Timestamp.now().strftime("%d %B %Y")
    assert note == f"Actual revised on {today} from 72.4% (as published) to 95%"


def test_a_figure_revised_twice_shows_the_published_and_the_latest_value(
    published: Store,
) -> None:
    load(published, csv("a.csv", PI02_Q3), "jo", revision=Revision("first"))
    load(published, csv("b.csv", PI02_Q3.replace("95", "96")), "jo", revision=Revision("second"))
    figures = revisions.in_force(revisions.read(published), Q3)
    assert [(f.published, f.now, f.reason) for f in figures] == [("72.4", "96", "second")]


def test_rolling_back_a_revision_restores_the_published_figure_and_is_recorded(
    published: Store,
) -> None:
    result = load(published, csv("late.csv", PI02_Q3), "jo", revision=Revision("Late returns"))
    assert result.batch_id is not None
    rollback(published, result.batch_id, "sam", reason="The late returns were wrong")
    assert stored(published, "PI-02", Q3.key)["actual"] == pytest.approx(72.4)
    record = revisions.read(published)
    assert len(record) == 1  # the record is kept, marked rolled back
    assert record.iloc[0]["rolled_back_by"] == "sam"
    assert record.iloc[0]["rolled_back_reason"] == "The late returns were wrong"
    assert not pd.isna(record.iloc[0]["rolled_back_at"])
    assert revisions.in_force(record, Q3) == []
    table = revisions.record_table(record)
    assert table.iloc[0]["Status"].startswith("Rolled back ")
    assert table.iloc[0]["Status"].endswith(" by sam")


def test_a_missing_value_is_recorded_as_missing_and_its_undoing_is_found(
    published: Store,
) -> None:
    """A load's changes mix fields that had no value with fields that had one; in a frame a column of
    texts holds the missing ones as NaN. They are recorded as missing (not as the text 'nan'), and
    a rollback that puts them back is found to undo the revision exactly."""
    from harrow_dash.store.revision_rule import CHANGE_COLUMNS, record, revisions_for

    rows = [
        ("indicator_values", Q3.key, "PI-02", "actual", "72.4", "95"),
        ("indicator_values", Q3.key, "PI-02", "benchmark", None, "80"),
    ]
    changes = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    with published.begin() as conn:
        made = revisions_for(conn, changes)
        record(conn, made, batch_id=99, user="editor", reason="Recounted", change="load")
    kept = revisions.read(published).set_index("field")
    assert pd.isna(kept.at["benchmark", "old_value"]) and kept.at["actual", "old_value"] == "72.4"
    shown = revisions.record_table(revisions.read(published)).set_index("Field")
    assert shown.at["benchmark", "Published value"] == "(blank)"
    undoing = pd.DataFrame(
        [(t, p, i, f, n, o) for t, p, i, f, o, n in rows], columns=CHANGE_COLUMNS
    )
    with published.connect() as conn:
        undo = revisions_for(conn, undoing, undoing_batch=99)
    assert undo.changes.empty and len(undo.undone) == 2


def test_rolling_back_an_ordinary_batch_with_published_figures_needs_a_reason(
    sample_store: Store, db_snapshot
) -> None:
    result = load(sample_store, csv("q3.csv", PI02_Q3), "jo")  # Q3 is still a draft
    assert result.batch_id is not None
    sample_store.publish(Q3, "publisher")
    before = db_snapshot(sample_store)
    with pytest.raises(RollbackRefused, match=r"published figure \(Q3 2023-24\), so it needs a"):
        rollback(sample_store, result.batch_id, "sam")
    assert db_snapshot(sample_store) == before


def test_a_revision_of_a_small_count_does_not_show_the_hidden_figures(
    published: Store,
) -> None:
    text = (
        "Ref,Name,Priority,Unit,Polarity,Counts people,Period,Actual,Target\n"
        f"PI-91,Rough sleepers,{P1},count,lower,yes,Q2 2023-24,2,5\n"
    )
    load(published, csv("a.csv", text), "jo")
    published.publish(Q2, "publisher")
    load(published, csv("b.csv", text.replace(",2,5", ",3,5")), "jo", revision=Revision("recount"))
    figures = revisions.in_force(revisions.read(published), Q2)
    facts = revisions.facts_from(
        published.read("SELECT ref, name, unit, counts_people FROM indicators")
    )
    note = revisions.indicator_notes(figures, facts)["PI-91"]
    today = pd.Timestamp.now().strftime("%d %B %Y")
    assert note == f"Actual revised on {today} from fewer than 5 (as published) to fewer than 5"


def test_the_briefing_pack_lists_the_revised_figures(published: Store) -> None:
    load(published, csv("late.csv", PI02_Q3), "jo", revision=Revision("Late returns"))
    doc = Document(io.BytesIO(build_briefing(published, Filters(period=Q3), RuleSettings())))
    texts = [p.text for p in doc.paragraphs]
    assert "Revised figures" in texts
    line = next(t for t in texts if t.startswith("PI-02 "))
    assert "(indicator value, Q3 2023-24): actual revised on" in line
    assert line.endswith("from 72.4% (as published) to 95%. Reason: Late returns")
    # Another quarter, or the same one before any revision, has no such section.
    other = Document(io.BytesIO(build_briefing(published, Filters(period=Q2), RuleSettings())))
    assert "Revised figures" not in [p.text for p in other.paragraphs]


# -- the Data page and the Indicators page ----------------------------------------------------------


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, published: Store) -> Iterator[AppEnv]:
    db_path = Path(published.engine.url.database or "")
    yield from app_env(monkeypatch, tmp_path, db_path)


def _frame(at, first_column: str, second: str) -> pd.DataFrame:
    for element in at.dataframe:
        cols = list(element.value.columns)
        if cols[:2] == [first_column, second]:
            return element.value
    raise KeyError((first_column, second))


def test_the_data_page_refuses_a_published_change_until_an_editor_revises_with_a_reason(
    env: AppEnv, published: Store, db_snapshot
) -> None:
    env.configure(auth=True)
    before = db_snapshot(published)
    at = run_page("pages/6_Data.py", EDITOR)
    at.file_uploader[0].upload("late.csv", PI02_Q3.encode("utf-8"))
    at = at.run()
    assert not at.exception
    warning = unescape(at.warning[-1].value)
    assert "This file changes 1 published figure** (Q3 2023-24)" in warning
    changes = _frame(at, "Quarter", "What")
    assert changes.values.tolist() == [
        ["Q3 2023-24", "Indicator values", "PI-02", "actual", "72.4", "95"]
    ]
    button = at.button(key="data_commit")
    assert button.disabled and button.label == "Load into the database"
    # Ticking the box is not enough: a reason is required.
    at.checkbox(key="data_revise_published").check().run()
    assert at.button(key="data_commit").disabled
    at.text_area(key="data_revise_reason").input("Late returns from the FOI team").run()
    button = at.button(key="data_commit")
    assert not button.disabled and button.label == "Load as a revision"
    assert db_snapshot(published) == before  # nothing written before the click
    button.click().run()
    assert not at.exception
    success = unescape(at.success[0].value)
    assert success.startswith("Loaded late.csv as batch 2:")
    assert "It revised 1 published figure" in success
    row = revisions.read(published).iloc[0]
    assert (row["revised_by"], row["reason"], row["old_value"], row["new_value"]) == (
        EDITOR["email"],
        "Late returns from the FOI team",
        "72.4",
        "95",
    )
    # The record is on the page, under the load history.
    record = _frame(at, "Batch", "Quarter")
    assert record.iloc[0][["Item", "Published value", "Revised value", "Status"]].tolist() == [
        "PI-02",
        "72.4",
        "95",
        "In force",
    ]
    # Rolling the revision back from the page changes the published record again: it needs a
    # reason too, and restores the published figure, recorded honestly.
    at.button(key="data_rollback").click().run()
    assert "Rolling back batch 2 changes 1 published figure** (Q3 2023-24)" in unescape(
        at.warning[-1].value
    )
    assert at.button(key="data_rollback_confirm").disabled
    at.text_area(key="data_rollback_reason_2").input("The FOI figures were wrong").run()
    at.button(key="data_rollback_confirm").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Batch 2 rolled back")
    assert stored(published, "PI-02", Q3.key)["actual"] == pytest.approx(72.4)
    record = _frame(at, "Batch", "Quarter")
    assert record.iloc[0]["Status"].startswith("Rolled back")
    assert record.iloc[0]["Reason for rolling back"] == "The FOI figures were wrong"


def test_the_indicators_page_shows_a_revised_figure_beside_its_value(
    env: AppEnv, published: Store
) -> None:
    load(published, csv("late.csv", PI02_Q3), "jo", revision=Revision("Late returns"))
    env.configure(auth=True)
    at = run_page("pages/2_Indicators.py", EDITOR, query={"ind": "PI-02"})
    assert not at.exception
    table = _frame(at, "Ref", "Indicator")
    cols = list(table.columns)
    assert cols.index("Revised") == cols.index("Actual") + 1
    row = table[table["Ref"] == "PI-02"].iloc[0]
    assert row["Actual"] == "95%"
    today = pd.Timestamp.now()
    assert row["Revised"] == f"Revised {today:%d %b %Y}; published 72.4%"
    # Beside the chart, in full: the figure as published and as revised.
    assert f"Actual revised on {today:%d %B %Y} from 72.4% (as published) to 95%" in [
        unescape(c.value) for c in at.caption
    ]
    assert set(table[table["Ref"] != "PI-02"]["Revised"]) == {""}


def test_the_priorities_table_shows_a_revised_figure_beside_its_value(
    env: AppEnv, published: Store
) -> None:
    load(published, csv("late.csv", PI02_Q3), "jo", revision=Revision("Late returns"))
    env.configure(auth=True)
    at = run_page("pages/1_Priorities.py", EDITOR, query={"quarter": "Q3 2023-24"})
    assert not at.exception
    table = _frame(at, "Ref", "Indicator")
    assert list(table.columns)[2:4] == ["Actual", "Revised"]
    row = table[table["Ref"] == "PI-02"].iloc[0]
    assert (row["Actual"], row["Revised"]) == (
        "95%",
        f"Revised {pd.Timestamp.now():%d %b %Y}; published 72.4%",
    )
