"""Cabinet's corrective actions as stored and read (issue 22): the sample's actions, the two Store
methods on both databases, filters through the subject, the public view (published quarters only,
never internal notes) and the upgrade of an older database."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from harrow_dash.cli import publish_sample_history
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.store import Store
from harrow_dash.store import schema as s
from harrow_dash.store.corrective_actions import ACTION_COLUMNS, UPDATE_COLUMNS, with_status_as_at

pytestmark = pytest.mark.both_databases

Q1, Q2, Q3 = (parse_period(f"Q{q} 2023-24") for q in (1, 2, 3))


def test_sample_corrective_actions_load_with_their_subjects(sample_store: Store) -> None:
    actions = sample_store.corrective_actions(Filters())
    assert list(actions.columns) == ACTION_COLUMNS
    assert len(actions) == 10
    by_id = actions.set_index("action_id")
    assert by_id.at["CA-23Q1-01", "subject_title"] == "Average wait before a call is answered"
    assert by_id.at["CA-23Q1-01", "recorded_status"] == "done"
    assert by_id.at["CA-23Q1-03", "recorded_status"] == "dropped"
    assert by_id.at["CA-23Q1-03", "dropped_reason"].startswith("The provider's financial")
    assert by_id.at["CA-23Q2-03", "subject_kind"] == "flagship action"
    assert by_id.at["CA-23Q2-03", "subject_title"] == "Regenerate the Grange Farm estate"
    assert by_id.at["CA-23Q3-03", "subject_kind"] == "priority"
    assert by_id.at["CA-23Q3-03", "subject_ref"] == "1"
    assert by_id.at["CA-23Q3-03", "priority"] == "Residents first"
    assert by_id.at["CA-23Q1-01", "agreed_period"] == Q1.key
    assert by_id.at["CA-23Q1-01", "agreed_at"] == "Cabinet 14 September 2023"
    # Nothing Red three quarters running in the sample has an action for PI-33 or PI-35.
    assert not {"PI-33", "PI-35"} & set(actions["subject_ref"])


def test_status_until_a_quarter_is_the_latest_recorded_by_then(sample_store: Store) -> None:
    at_q2 = sample_store.corrective_actions(Filters(), until=Q2).set_index("action_id")
    assert set(at_q2.index) == {a for a in at_q2.index if a.startswith(("CA-23Q1", "CA-23Q2"))}
    assert len(at_q2) == 7
    assert at_q2.at["CA-23Q1-01", "recorded_status"] == "in progress"
    assert at_q2.at["CA-23Q1-01", "status_period"] == Q2.key
    # The one rule: CA-23Q1-02 was due in Q2 and is still in progress in Q3, so overdue as at Q3.
    at_q3 = with_status_as_at(sample_store.corrective_actions(Filters(), until=Q3), Q3)
    status = dict(zip(at_q3["action_id"], at_q3["status"], strict=True))
    assert status["CA-23Q1-02"] == "overdue"
    assert status["CA-23Q1-01"] == "done"
    assert status["CA-23Q1-03"] == "dropped"
    assert status["CA-23Q3-01"] == "agreed"


def test_filters_apply_through_the_subject(sample_store: Store) -> None:
    clean = sample_store.corrective_actions(Filters(priorities=(2,)))
    assert set(clean["action_id"]) == {"CA-23Q1-04", "CA-23Q2-01", "CA-23Q2-03"}
    children = sample_store.corrective_actions(Filters(portfolios=("Children's Services",)))
    assert set(children["action_id"]) == {"CA-23Q2-02", "CA-23Q3-01"}
    housing = sample_store.corrective_actions(Filters(directorates=("Housing",)))
    # FA-12's directorate is Housing; a priority's action has no directorate and drops out.
    assert set(housing["action_id"]) == {"CA-23Q1-03", "CA-23Q1-04", "CA-23Q2-03", "CA-23Q3-02"}
    residents = sample_store.corrective_actions(Filters(priorities=(1,)))
    assert "CA-23Q3-03" in set(residents["action_id"])


def test_updates_come_oldest_first_with_internal_notes_for_officers(sample_store: Store) -> None:
    updates = sample_store.corrective_action_updates(["CA-23Q1-01", "CA-23Q1-04"])
    assert list(updates.columns) == UPDATE_COLUMNS
    first = updates[updates["action_id"] == "CA-23Q1-01"]
    assert list(first["period"]) == [Q1.key, Q2.key, Q3.key]
    assert list(first["status"]) == ["agreed", "in progress", "done"]
    assert first["internal_note"].iloc[1].startswith("Two candidates withdrew")
    assert len(sample_store.corrective_action_updates(["CA-23Q1-01"], until=Q1)) == 1
    assert sample_store.corrective_action_updates([]).empty


def test_public_view_shows_only_published_quarters_and_no_internal_notes(
    sample_store: Store,
) -> None:
    publish_sample_history(sample_store, out=io.StringIO())
    sample_store.unpublish(Q3)
    public = sample_store.public_view()
    actions = public.corrective_actions(Filters())
    assert set(actions["action_id"]) == {
        "CA-23Q1-01",
        "CA-23Q1-02",
        "CA-23Q1-03",
        "CA-23Q1-04",
        "CA-23Q2-01",
        "CA-23Q2-02",
        "CA-23Q2-03",
    }
    assert actions["internal_note"].isna().all()
    by_id = actions.set_index("action_id")
    # Q3's update is a draft: the public sees Q2's.
    assert by_id.at["CA-23Q1-01", "recorded_status"] == "in progress"
    assert by_id.at["CA-23Q1-03", "dropped_reason"] is None
    updates = public.corrective_action_updates(list(actions["action_id"]))
    assert Q3.key not in set(updates["period"])
    assert updates["internal_note"].isna().all()
    # Editors still see everything.
    assert len(sample_store.corrective_actions(Filters())) == 10


def test_upgrade_adds_the_tables_to_an_older_database(store: Store) -> None:
    with store.begin() as conn:
        for name in (
            "corrective_action_updates_history",
            "corrective_actions_history",
            "corrective_action_updates",
            "corrective_actions",
        ):
            conn.exec_driver_sql(f"DROP TABLE {name}")
        conn.execute(
            sa.update(s.schema_info).where(s.schema_info.c.key == "version").values(value="4")
        )
    done = store.upgrade()
    assert f"schema version 4 -> {s.SCHEMA_VERSION}" in done
    assert store.corrective_actions(Filters()).empty
    with store.connect() as conn:
        version = conn.execute(
            sa.select(s.schema_info.c.value).where(s.schema_info.c.key == "version")
        ).scalar()
    assert version == s.SCHEMA_VERSION  # 6 since indicator_values is keyed quarter first
