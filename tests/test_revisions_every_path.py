"""One rule for revisions, on every path: a change to a figure of a quarter that is or was published
needs an editor's reason and is recorded as a revision, whether a load, a rollback or a
republication makes it, through the loader, the command line and the Data page, on DuckDB and on
PostgreSQL.

The quarter here: Q3 2023-24, published with PI-01's actual 60 (batch 2 changed it from batch 1's 50
while Q3 was a draft).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from apptest_helpers import EDITOR, AppEnv, app_env, run_page, unescape

from harrow_dash.ingest.load import (
    FileInput,
    PublishedChangeRefused,
    Revision,
    RollbackNeedsReason,
    load,
    rollback,
)
from harrow_dash.outputs import revisions
from harrow_dash.rules.periods import parse_period
from harrow_dash.store import Store, publishing
from harrow_dash.store import schema as s
from harrow_dash.store.revision_rule import ReasonNeeded

pytestmark = pytest.mark.both_databases

Q2, Q3 = parse_period("Q2 2023-24"), parse_period("Q3 2023-24")
P1 = "A council that puts residents first"
HEAD = "Ref,Name,Priority,Unit,Polarity,Period,Actual\n"


def values(*rows: tuple[str, str]) -> list[FileInput]:
    body = "".join(f"PI-01,Missed bins,{P1},count,lower,{q},{a}\n" for q, a in rows)
    return [FileInput("values.csv", (HEAD + body).encode())]


def actual(store: Store, period_key: int) -> float | None:
    df = store.read(
        "SELECT actual FROM indicator_values WHERE ref = 'PI-01' AND period = :p", {"p": period_key}
    )
    return None if df.empty else float(df["actual"].iloc[0])


def record(store: Store) -> list[tuple[object, ...]]:
    """The revisions recorded: batch, quarter, field, old, new, who, why, what made it, status."""
    df = revisions.read(store)
    return [
        (
            int(r.batch_id),
            int(r.period),
            r.field,
            r.old_value,
            r.new_value,
            r.revised_by,
            r.reason,
            r.change,
            "rolled back" if not pd.isna(r.rolled_back_at) else "in force",
        )
        for r in df.itertuples()
    ]


@pytest.fixture
def published(store: Store) -> Store:
    """Batch 1 loads Q2 and Q3 (50); batch 2, while Q3 is a draft, changes Q3 to 60; Q3 published."""
    assert load(store, values(("Q2 2023-24", "40"), ("Q3 2023-24", "50")), "ann").batch_id == 1
    assert load(store, values(("Q3 2023-24", "60")), "ann").batch_id == 2
    store.publish(Q3, "publisher")
    return store


# -- rollback ---------------------------------------------------------------------------------------


def test_a_rollback_that_changes_a_published_figure_is_refused_without_a_reason_naming_the_quarter(
    published: Store, db_snapshot
) -> None:
    before = db_snapshot(published)
    for reason in (None, "   "):
        with pytest.raises(RollbackNeedsReason) as refused:
            rollback(published, 2, "sam", reason=reason)
        assert str(refused.value) == (
            "Rolling back batch 2 would change 1 published figure (Q3 2023-24), so it needs a "
            "reason, recorded with the revision. Nothing was changed."
        )
        assert refused.value.revisions.changes[["item", "field", "old", "new"]].values.tolist() == [
            ["PI-01", "actual", "60", "50"]
        ]
    assert db_snapshot(published) == before


def test_a_rollback_of_published_figures_is_recorded_as_a_revision_with_its_reason(
    published: Store,
) -> None:
    rollback(published, 2, "sam", reason="Batch 2 was the wrong file")
    assert actual(published, Q3.key) == 50
    assert record(published) == [
        (
            2,
            Q3.key,
            "actual",
            "60",
            "50",
            "sam",
            "Batch 2 was the wrong file",
            "rollback",
            "in force",
        )
    ]
    # Viewers see it as they see a load's revision: 60 as published, 50 now.
    [figure] = revisions.in_force(revisions.read(published), Q3)
    assert (figure.published, figure.now, figure.reason) == (
        "60",
        "50",
        "Batch 2 was the wrong file",
    )
    row = revisions.record_table(revisions.read(published)).iloc[0]
    assert (row["Made by"], row["Status"]) == ("Rollback of batch 2", "In force")


def test_a_rollback_that_touches_only_draft_quarters_needs_no_reason(published: Store) -> None:
    batch = load(published, values(("Q4 2023-24", "70")), "ann").batch_id
    assert batch == 3
    rollback(published, batch, "sam")
    assert revisions.read(published).empty


def test_rolling_back_a_revision_needs_a_reason_and_marks_the_revision_rolled_back_with_it(
    published: Store, db_snapshot
) -> None:
    load(published, values(("Q3 2023-24", "65")), "jo", revision=Revision("Late returns"))
    before = db_snapshot(published)
    with pytest.raises(RollbackNeedsReason, match=r"\(Q3 2023-24\)"):
        rollback(published, 3, "sam")
    assert db_snapshot(published) == before
    rollback(published, 3, "sam", reason="The late returns were a duplicate")
    assert actual(published, Q3.key) == 60
    # The revision is marked rolled back with the reason, not recorded a second time.
    assert record(published) == [
        (3, Q3.key, "actual", "60", "65", "jo", "Late returns", "load", "rolled back")
    ]
    df = revisions.read(published)
    assert (df["rolled_back_by"].iloc[0], df["rolled_back_reason"].iloc[0]) == (
        "sam",
        "The late returns were a duplicate",
    )
    assert revisions.in_force(df, Q3) == []


# -- unpublish, load, republish ---------------------------------------------------------------------


def test_a_quarter_published_once_stays_locked_after_it_is_unpublished(
    published: Store, db_snapshot
) -> None:
    published.unpublish(Q3)
    assert Q3 not in published.published_periods()
    statuses = {q.period: q.status for q in publishing.quarter_statuses(published)}
    assert (statuses[Q3], statuses[Q2]) == ("Draft (published before)", "Draft")
    before = db_snapshot(published)
    with pytest.raises(PublishedChangeRefused, match=r"1 published figure \(Q3 2023-24\)"):
        load(published, values(("Q3 2023-24", "75")), "jo")
    assert db_snapshot(published) == before
    load(published, values(("Q3 2023-24", "75")), "jo", revision=Revision("Corrected count"))
    assert record(published) == [
        (3, Q3.key, "actual", "60", "75", "jo", "Corrected count", "load", "in force")
    ]
    # The rollback of an earlier batch is held to the same rule while Q3 is a draft.
    with pytest.raises(RollbackNeedsReason):
        rollback(published, 3, "sam")


def test_republishing_after_a_recorded_revision_needs_no_reason_and_records_nothing_twice(
    published: Store,
) -> None:
    published.unpublish(Q3)
    load(published, values(("Q3 2023-24", "75")), "jo", revision=Revision("Corrected count"))
    published.publish(Q3, "publisher")
    assert Q3 in published.published_periods()
    assert len(record(published)) == 1


def _change_behind_the_rules_back(store: Store, value: float) -> None:
    """A change no revision recorded: made by hand in the database, or by a version of the dashboard
    from before quarters stayed locked once published."""
    with store.begin() as conn:
        conn.execute(
            sa.update(s.indicator_values)
            .where(s.indicator_values.c.ref == "PI-01", s.indicator_values.c.period == Q3.key)
            .values(actual=value)
        )


def test_republishing_a_quarter_changed_unrecorded_needs_a_reason_and_records_the_change(
    published: Store, db_snapshot
) -> None:
    published.unpublish(Q3)
    _change_behind_the_rules_back(published, 80)
    assert published.republication_revisions(Q3).changes[
        ["field", "old", "new"]
    ].values.tolist() == [["actual", "60", "80"]]
    before = db_snapshot(published)
    with pytest.raises(ReasonNeeded) as refused:
        published.publish(Q3, "publisher")
    assert str(refused.value) == (
        "Publishing Q3 2023-24 again would change 1 published figure (Q3 2023-24), so it needs a "
        "reason, recorded with the revision. Nothing was changed."
    )
    assert db_snapshot(published) == before and Q3 not in published.published_periods()
    published.publish(Q3, "publisher", reason="Recount found in the service's system")
    assert Q3 in published.published_periods()
    assert record(published) == [
        (
            0,
            Q3.key,
            "actual",
            "60",
            "80",
            "publisher",
            "Recount found in the service's system",
            "publication",
            "in force",
        )
    ]
    row = revisions.record_table(revisions.read(published)).iloc[0]
    assert (row["Batch"], row["Made by"]) == ("", "Republication")
    # Published again with 80: the next republication compares with that.
    published.unpublish(Q3)
    published.publish(Q3, "publisher")
    assert len(record(published)) == 1


def test_a_database_from_before_quarters_stayed_locked_remembers_its_published_quarters(
    published: Store,
) -> None:
    with published.begin() as conn:
        conn.execute(sa.delete(s.published_once))
        conn.execute(sa.delete(s.published_figures))
        conn.execute(
            sa.update(s.schema_info).where(s.schema_info.c.key == "version").values(value="3")
        )
    done = published.upgrade()
    assert any("remembered as published" in d for d in done)
    published.unpublish(Q3)
    with pytest.raises(PublishedChangeRefused):
        load(published, values(("Q3 2023-24", "75")), "jo")


# -- the command line ---------------------------------------------------------------------------------


def cli(store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARROW_DASH_")}
    env["HARROW_DASH_DATABASE_URL"] = store.url
    result = subprocess.run(
        [sys.executable, "-m", "harrow_dash.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_the_command_line_rollback_refuses_without_a_reason_and_records_one_given(
    published: Store, db_snapshot
) -> None:
    url = published.url
    published.dispose()  # DuckDB lets one process at a time open the file
    store = Store(url)
    try:
        before = db_snapshot(store)
    finally:
        store.dispose()
    refused = cli(store, "rollback", "2", "--user", "sam")
    assert refused.returncode == 1
    lines = refused.stderr.splitlines()
    assert lines[0].startswith("Rolling back batch 2 would change 1 published figure (Q3 2023-24)")
    assert lines[1] == "  Q3 2023-24 indicator values PI-01 actual: '60' -> '50'"
    assert '--reason "' in lines[2]
    store = Store(url)
    try:
        assert db_snapshot(store) == before
    finally:
        store.dispose()
    done = cli(store, "rollback", "2", "--user", "sam", "--reason", "Wrong file")
    assert done.returncode == 0, done.stderr
    store = Store(url)
    try:
        assert record(store) == [
            (2, Q3.key, "actual", "60", "50", "sam", "Wrong file", "rollback", "in force")
        ]
    finally:
        store.dispose()


def test_the_command_line_unpublish_and_publish_again_hold_to_the_rule(published: Store) -> None:
    url = published.url
    _change_behind_the_rules_back(published, 80)  # while published: found at the republication
    published.dispose()
    store = Store(url)
    off = cli(store, "unpublish", "Q3 2023-24")
    assert off.returncode == 0, off.stderr
    assert "still change only as a revision" in off.stdout
    refused = cli(store, "publish", "Q3 2023-24", "--user", "pat")
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[:2] == [
        "Publishing Q3 2023-24 again would change 1 published figure (Q3 2023-24), so it needs a "
        "reason, recorded with the revision. Nothing was changed.",
        "  Q3 2023-24 indicator values PI-01 actual: '60' -> '80'",
    ]
    done = cli(store, "publish", "Q3 2023-24", "--user", "pat", "--reason", "Recount")
    assert done.returncode == 0, done.stderr
    store = Store(url)
    try:
        assert Q3 in store.published_periods()
        assert [r[5:8] for r in record(store)] == [("pat", "Recount", "publication")]
    finally:
        store.dispose()
    nothing = cli(store, "publish", "Q1 2030-31")
    assert (nothing.returncode, nothing.stderr) == (
        1,
        "There is no data for Q1 2030-31 to publish.\n",
    )
    draft = cli(store, "unpublish", "Q2 2023-24")
    assert (draft.returncode, draft.stderr) == (1, "Q2 2023-24 is not published.\n")


# -- the Data page ------------------------------------------------------------------------------------


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, published: Store) -> Iterator[AppEnv]:
    yield from app_env(monkeypatch, tmp_path, published.url)


def test_the_data_page_asks_for_a_reason_before_rolling_back_published_figures(
    env: AppEnv, published: Store, db_snapshot
) -> None:
    env.configure(auth=True)
    at = run_page("pages/6_Data.py", EDITOR)
    assert at.selectbox(key="data_rollback_batch_2").value.startswith("Batch 2:")
    at.button(key="data_rollback").click().run()
    assert not at.exception
    assert "Rolling back batch 2 changes 1 published figure** (Q3 2023-24)" in unescape(
        at.warning[-1].value
    )
    before = db_snapshot(published)
    assert at.button(key="data_rollback_confirm").disabled
    at.text_area(key="data_rollback_reason_2").input("Batch 2 was the wrong file").run()
    assert db_snapshot(published) == before
    at.button(key="data_rollback_confirm").click().run()
    assert not at.exception
    assert actual(published, Q3.key) == 50
    assert [r[5:8] for r in record(published)] == [
        (EDITOR["email"], "Batch 2 was the wrong file", "rollback")
    ]


def test_the_data_page_asks_for_a_reason_before_publishing_a_changed_quarter_again(
    env: AppEnv, published: Store
) -> None:
    published.unpublish(Q3)
    _change_behind_the_rules_back(published, 80)
    env.configure(auth=True)
    at = run_page("pages/6_Data.py", EDITOR)
    at.selectbox(key="data_publish_quarter").set_value("Q3 2023-24").run()
    assert "Publishing Q3 2023-24 again changes 1 published figure** (Q3 2023-24)" in unescape(
        at.warning[-1].value
    )
    assert at.button(key="data_publish").disabled
    at.text_area(key="data_republish_reason").input("Recount").run()
    at.button(key="data_publish").click().run()
    assert not at.exception
    assert Q3 in published.published_periods()
    assert [r[5:8] for r in record(published)] == [(EDITOR["email"], "Recount", "publication")]
