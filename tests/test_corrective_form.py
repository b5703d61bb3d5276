"""The Data page's corrective actions form, driven through AppTest on both databases: the quarter's Red
and Off track items come first; adding an action and recording an update are load batches (in the
history, rolled back exactly); validation messages name the row and column and save nothing; an
update in a published quarter, or an action added to one, needs a reason and is recorded as a
revision; typed text that looks
like Markdown, HTML or a formula stays text."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apptest_helpers import AppEnv, app_env, run_page, unescape

from harrow_dash.cli import publish_sample_history
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.store import Store

pytestmark = pytest.mark.both_databases

DATA_PAGE = "pages/6_Data.py"
Q3 = parse_period("Q3 2023-24")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sample_store: Store) -> Iterator[AppEnv]:
    yield from app_env(monkeypatch, tmp_path, sample_store.url)


def open_page() -> Any:
    at = run_page(DATA_PAGE)
    assert not at.exception, at.exception
    return at


def widget(at: Any, kind: str, prefix: str) -> Any:
    found = [w for w in at.get(kind) if str(w.key).startswith(prefix)]
    assert len(found) == 1, (prefix, [w.key for w in at.get(kind)])
    return found[0]


def add_action(at: Any, subject_prefix: str, action: str, **fields: str) -> Any:
    subject = widget(at, "selectbox", "corrective_add_subject_")
    subject.set_value(next(o for o in subject.options if o.startswith(subject_prefix)))
    widget(at, "text_area", "corrective_add_action_").input(action)
    widget(at, "text_input", "corrective_add_owner_").input(fields.get("owner", "Head of Service"))
    widget(at, "text_input", "corrective_add_holder_").input(fields.get("holder", "Cllr Example"))
    widget(at, "text_input", "corrective_add_meeting_").input(
        fields.get("meeting", "Cabinet 14 March 2024")
    )
    if "action_id" in fields:
        widget(at, "text_input", "corrective_add_id_").input(fields["action_id"])
    if "due" in fields:
        widget(at, "selectbox", "corrective_add_due_").set_value(fields["due"])
    widget(at, "text_area", "corrective_add_note_").input(fields.get("note", ""))
    widget(at, "text_area", "corrective_add_reason_").input(fields.get("reason", ""))
    widget(at, "button", "corrective_add_save_").click()
    return at.run()


def record_update(at: Any, action_id: str, status: str, **fields: str) -> Any:
    choice = widget(at, "selectbox", "corrective_update_id_")
    at = choice.set_value(action_id).run()
    widget(at, "selectbox", "corrective_update_status_").set_value(status)
    widget(at, "text_area", "corrective_update_text_").input(fields.get("update", ""))
    widget(at, "text_area", "corrective_update_dropped_").input(fields.get("dropped", ""))
    widget(at, "text_area", "corrective_update_note_").input(fields.get("note", ""))
    widget(at, "text_area", "corrective_update_reason_").input(fields.get("reason", ""))
    widget(at, "button", "corrective_update_save_").click()
    return at.run()


def test_the_quarters_red_and_off_track_items_are_offered_first(env: AppEnv) -> None:
    at = open_page()
    assert at.selectbox(key="corrective_quarter").value == "Q4 2023-24"
    at.selectbox(key="corrective_quarter").set_value("Q3 2023-24").run()
    options = widget(at, "selectbox", "corrective_add_subject_").options
    red = [o for o in options if o.startswith("Red: ")]
    off = [o for o in options if o.startswith("Off track: ")]
    assert len(red) == 9 and len(off) == 4
    assert options[: len(red) + len(off)] == red + off
    assert "Red: Indicator PI-33 School suspensions per 100 pupils" in red
    assert "Off track: Flagship action FA-12 Regenerate the Grange Farm estate" in off
    assert options[-3:] == [
        "Priority A council that puts residents first",
        "Priority A borough that is clean and safe",
        "Priority A place where those in need are supported",
    ]


def test_adding_an_action_is_a_batch_that_rolls_back_exactly(
    env: AppEnv, sample_store: Store, db_snapshot
) -> None:
    before = db_snapshot(sample_store)
    at = open_page()
    at.selectbox(key="corrective_quarter").set_value("Q3 2023-24").run()
    assert widget(at, "text_input", "corrective_add_id_").value == "CA-23Q3-04"
    at = add_action(
        at,
        "Red: Indicator PI-33",
        "Agree a behaviour support plan with every secondary school",
        due="Q1 2024-25",
        note="Two heads are resisting: officers only.",
    )
    assert not at.exception
    assert unescape(at.success[0].value).startswith(
        "Saved as batch 2 (Data page form - new corrective"
    )
    stored = sample_store.corrective_actions(Filters()).set_index("action_id")
    row = stored.loc["CA-23Q3-04"]
    assert row["subject_ref"] == "PI-33" and row["subject_kind"] == "indicator"
    assert row["agreed_period"] == Q3.key and row["due_period"] == parse_period("Q1 2024-25").key
    assert row["agreed_at"] == "Cabinet 14 March 2024"
    assert row["internal_note"] == "Two heads are resisting: officers only."
    batches = sample_store.batches()
    assert batches["file_name"].iloc[0] == "Data page form - new corrective action CA-23Q3-04.csv"
    assert batches["loaded_by"].iloc[0] == "Local user"
    # Roll it back from the Load history: every table as it was.
    rollback = next(s for s in at.selectbox if str(s.key).startswith("data_rollback_batch_"))
    assert rollback.value.startswith("Batch 2: Data page form")
    at.button(key="data_rollback").click().run()
    at.button(key="data_rollback_confirm").click().run()
    assert not at.exception
    after = db_snapshot(sample_store)
    for name, rows in before.items():
        if name != "load_batches":
            assert after[name] == rows, name


def test_a_form_with_problems_saves_nothing_and_names_the_cell(
    env: AppEnv, sample_store: Store, db_snapshot
) -> None:
    before = db_snapshot(sample_store)
    at = open_page()
    at.selectbox(key="corrective_quarter").set_value("Q3 2023-24").run()
    at = record_update(at, "CA-23Q2-01", "dropped", update="Stopped.")
    assert not at.exception
    assert "Nothing was saved" in at.error[0].value
    problems = next(d.value for d in at.dataframe if "Problem" in list(d.value.columns)).to_dict(
        "records"
    )
    assert len(problems) == 1
    assert problems[0]["Row"] == 2
    assert problems[0]["Column"] == 'M ("Dropped reason")'
    assert problems[0]["Problem"] == (
        "CA-23Q2-01 is dropped in Q3 2023-24: give the reason it was dropped."
    )
    at = add_action(at, "Red: Indicator PI-35", "", due="Q3 2023-24")
    assert any("must give its action" in p for p in _problem_texts(at))
    assert db_snapshot(sample_store) == before


def _problem_texts(at: Any) -> list[str]:
    frame = next(d.value for d in at.dataframe if "Problem" in list(d.value.columns))
    return list(frame["Problem"])


def _open_at_published_q3(store: Store) -> Any:
    """The Data page's form at Q3 2023-24, with the sample's history (Q3 included) published."""
    publish_sample_history(store, out=io.StringIO())
    at = open_page()
    at.selectbox(key="corrective_quarter").set_value("Q3 2023-24").run()
    return at


def _revisions_of(store: Store, table: str) -> Any:
    from harrow_dash.outputs import revisions

    record = revisions.read(store)
    return record[record["table_name"] == table]


def test_an_update_in_a_published_quarter_needs_a_reason_and_is_a_revision(
    env: AppEnv, sample_store: Store, db_snapshot
) -> None:
    at = _open_at_published_q3(sample_store)
    before = db_snapshot(sample_store)
    at = record_update(at, "CA-23Q1-02", "done", update="Backlog cleared.")
    assert not at.exception
    assert "Q3 2023-24 is published" in unescape(at.error[0].value)
    assert db_snapshot(sample_store) == before
    at = record_update(
        at, "CA-23Q1-02", "done", update="Backlog cleared.", reason="Late return from IG team"
    )
    assert not at.exception
    assert unescape(at.success[0].value).startswith("Saved as batch 2")
    now = sample_store.corrective_actions(Filters()).set_index("action_id").loc["CA-23Q1-02"]
    assert now["recorded_status"] == "done" and now["latest_update"] == "Backlog cleared."
    mine = _revisions_of(sample_store, "corrective_action_updates")
    assert set(mine["field"]) >= {"status", "update_text"}
    assert set(mine["reason"]) == {"Late return from IG team"}


def test_an_action_added_to_a_published_quarter_needs_a_reason_and_is_a_revision(
    env: AppEnv, sample_store: Store, db_snapshot
) -> None:
    """An action is published with the quarter it was agreed in: adding one there revises the record."""
    at = _open_at_published_q3(sample_store)
    before = db_snapshot(sample_store)
    at = add_action(
        at, "Red: Indicator PI-02", "Name a deputy in each directorate", action_id="CA-23Q3-09"
    )
    assert not at.exception
    error = unescape(at.error[0].value)
    assert "Q3 2023-24 is published, so this is a revision of the record Cabinet saw" in error
    assert "corrective actions CA-23Q3-09 action: (none) -> 'Name a deputy" in error
    assert db_snapshot(sample_store) == before
    at = add_action(
        at,
        "Red: Indicator PI-02",
        "Name a deputy in each directorate",
        action_id="CA-23Q3-09",
        reason="Agreed at Cabinet after the report was published",
    )
    assert not at.exception
    assert unescape(at.success[0].value).startswith("Saved as batch 2")
    mine = _revisions_of(sample_store, "corrective_actions")
    assert set(mine["item"]) == {"CA-23Q3-09"} and set(mine["period"]) == {Q3.key}
    assert {"action", "subject_ref", "agreed_period", "due_period"} <= set(mine["field"])
    assert set(mine["reason"]) == {"Agreed at Cabinet after the report was published"}


def test_typed_text_stays_text(env: AppEnv, sample_store: Store) -> None:
    at = open_page()
    at.selectbox(key="corrective_quarter").set_value("Q3 2023-24").run()
    text = '**bold** <script>alert(1)</script> =HYPERLINK("http://x","y")'
    at = add_action(at, "Red: Indicator PI-35", text, due="Q4 2023-24")
    assert not at.exception
    stored = sample_store.corrective_actions(Filters()).set_index("action_id")
    assert stored.loc["CA-23Q3-04", "action"] == text
    table = next(d.value for d in at.dataframe if "Action ID" in list(d.value.columns)).set_index(
        "Action ID"
    )
    assert table.loc["CA-23Q3-04", "Action"] == text
    for element in (*at.markdown, *at.caption):
        assert "<script>" not in element.value


def test_public_mode_offers_only_published_actions_and_no_form(
    env: AppEnv, sample_store: Store
) -> None:
    """Public mode: the open data package's corrective actions cover the published quarters only
    (Q1 and Q2: four actions agreed in Q1 over two quarters, three agreed in Q2 over one), and the
    Data page with its form is not there."""
    publish_sample_history(sample_store, out=io.StringIO())
    sample_store.unpublish(Q3)
    env.configure(public=True)
    at = run_page("pages/8_Open_data.py")
    assert not at.exception and not at.error
    files = next(d.value for d in at.dataframe if "What it holds" in list(d.value.columns))
    row = files.set_index("File").loc["corrective_actions.csv"]
    assert row["Rows"] == 4 * 2 + 3
    assert "internal" not in row["Fields"]
    data_page = run_page(DATA_PAGE)
    assert not [w for w in data_page.get("text_area") if str(w.key).startswith("corrective_")]


def test_the_quarters_recorded_update_is_filled_in_and_kept(
    env: AppEnv, sample_store: Store
) -> None:
    """Changing the status alone keeps the update text and internal note already recorded."""
    at = open_page()
    at.selectbox(key="corrective_quarter").set_value("Q2 2023-24").run()
    at = widget(at, "selectbox", "corrective_update_id_").set_value("CA-23Q1-01").run()
    assert widget(at, "selectbox", "corrective_update_status_").value == "in progress"
    note = widget(at, "text_area", "corrective_update_note_").value
    assert note.startswith("Two candidates withdrew")
    widget(at, "selectbox", "corrective_update_status_").set_value("overdue")
    widget(at, "button", "corrective_update_save_").click()
    at = at.run()
    assert not at.exception
    q2 = parse_period("Q2 2023-24").key
    updates = sample_store.corrective_action_updates(["CA-23Q1-01"])
    row = updates[updates["period"] == q2].iloc[0]
    assert row["status"] == "overdue"
    assert row["update"].startswith("Four of six advisers")
    assert row["internal_note"].startswith("Two candidates withdrew")


@pytest.mark.parametrize(
    ("action_id", "offered"),
    [
        ("CA-23Q1-01", "done"),  # done in Q3: not offered as agreed again
        ("CA-23Q1-02", "overdue"),  # due Q2, still open: overdue by the one rule
        ("CA-23Q3-01", "agreed"),  # due Q1 2024-25, nothing since it was agreed
    ],
)
def test_a_quarter_with_no_update_yet_offers_the_status_as_at_that_quarter(
    env: AppEnv, action_id: str, offered: str
) -> None:
    """An editor recording Q4 starts from where the action stands, not from "agreed"."""
    at = open_page()
    at.selectbox(key="corrective_quarter").set_value("Q4 2023-24").run()
    at = widget(at, "selectbox", "corrective_update_id_").set_value(action_id).run()
    assert not at.exception, at.exception
    assert widget(at, "selectbox", "corrective_update_status_").value == offered


def action_options(at: Any) -> set[str]:
    """The action ids the update form offers (the panel's cached list of the quarter's actions)."""
    return {
        str(o).split(":", 1)[0] for o in widget(at, "selectbox", "corrective_update_id_").options
    }


def test_the_panels_cached_reads_follow_a_save_a_load_elsewhere_and_a_rollback(
    env: AppEnv, sample_store: Store
) -> None:
    """The panel reads the quarter's actions, subjects and export through cached results: they
    are what the store gives after the form's own save, after a load made elsewhere (another
    instance, the command line) and after a rollback."""
    from harrow_dash.ingest import corrective_entry as entry
    from harrow_dash.ingest.load import commit, prepare

    at = open_page()
    at.selectbox(key="corrective_quarter").set_value("Q3 2023-24").run()
    fresh = set(entry.quarter_actions(sample_store, Q3)["action_id"])
    assert action_options(at) == fresh and "CA-23Q3-04" not in fresh

    at = add_action(at, "Red: Indicator PI-33", "Agree a plan with every school", due="Q1 2024-25")
    assert not at.exception, at.exception
    at.selectbox(key="corrective_quarter").set_value("Q3 2023-24").run()
    assert action_options(at) == set(entry.quarter_actions(sample_store, Q3)["action_id"])
    assert "CA-23Q3-04" in action_options(at)

    # A load through the store itself, as another instance's or the command line's would be.
    subject = next(s for s in entry.subject_choices(sample_store, Q3) if s.ref == "PI-33")
    elsewhere = entry.NewAction(
        "CA-23Q3-05", subject, "Loaded elsewhere", "Head", "Cllr", Q3, "Cabinet", Q3
    )
    plan = prepare(sample_store, [entry.form_file(elsewhere)])
    assert plan.ok, plan.problems
    commit(sample_store, plan, "Command line")
    at = at.run()
    assert not at.exception, at.exception
    assert {"CA-23Q3-04", "CA-23Q3-05"} <= action_options(at)
    assert action_options(at) == set(entry.quarter_actions(sample_store, Q3)["action_id"])

    rollback = next(s for s in at.selectbox if str(s.key).startswith("data_rollback_batch_"))
    rollback.set_value(next(o for o in rollback.options if "CA-23Q3-05" in str(o))).run()
    at.button(key="data_rollback").click().run()
    at.button(key="data_rollback_confirm").click().run()
    assert not at.exception, at.exception
    at.selectbox(key="corrective_quarter").set_value("Q3 2023-24").run()
    assert "CA-23Q3-05" not in action_options(at) and "CA-23Q3-04" in action_options(at)
    assert action_options(at) == set(entry.quarter_actions(sample_store, Q3)["action_id"])
