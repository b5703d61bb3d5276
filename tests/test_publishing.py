"""Publishing and the public view: drafts, published quarters, commentary marked internal.

* Files mark commentary internal with a yes/no column ("Internal commentary", "Internal", ...) in the
  tidy, scorecard and flagship-action layouts; a file without the column keeps what is stored.
* A public store (public mode) sees only published quarters in every query, including the previous
  quarter and year-earlier comparisons, trend histories, statuses, highlights and the export, and
  blanks internal commentary; the internal store sees everything.
* A database made before ``commentary_internal`` existed is upgraded in place.
* ``visible_periods`` / ``choose_period``: what the Cabinet presentation may show.
* The Data page's publish panel records who and when, and the public view follows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from apptest_helpers import EDITOR, VIEWER, AppEnv, app_env, run_page, unescape

from harrow_dash.ingest.load import FileInput, load, prepare, rollback
from harrow_dash.rules.access import LOCAL_USER, PUBLIC_USER, Role, User
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.store import Store, publishing
from harrow_dash.store import schema as s

pytestmark = pytest.mark.both_databases

P1 = "A council that puts residents first"
Q3 = Period(2023, 3)
Q2 = Period(2023, 2)
Q3_LAST_YEAR = Period(2022, 3)
MARKER = "INTERNAL-ONLY-c41e"


def csv(*rows: str) -> FileInput:
    return FileInput("t.csv", ("\n".join(rows) + "\n").encode())


def flags(store: Store, table: str) -> dict[tuple[str, int], tuple[object, bool | None]]:
    df = store.read(f"SELECT ref, period, commentary, commentary_internal FROM {table}")  # noqa: S608
    df = df.astype(object).where(df.notna(), None)
    return {
        (r.ref, int(r.period)): (
            r.commentary,
            None if r.commentary_internal is None else bool(r.commentary_internal),
        )
        for r in df.itertuples()
    }


# -- reading the flag from files -------------------------------------------------------------------


def test_internal_commentary_is_read_from_the_tidy_layout(store: Store) -> None:
    load(
        store,
        [
            csv(
                "Ref,Name,Priority,Unit,Good is,Period,Actual,Commentary,Internal commentary",
                f"PI-T1,Calls,{P1},count,higher is better,Q1 2023-24,1,Staff sickness,yes",
                f"PI-T1,Calls,{P1},count,higher is better,Q2 2023-24,2,Improving,no",
                f"PI-T1,Calls,{P1},count,higher is better,Q3 2023-24,3,Steady,",
            )
        ],
        "t",
    )
    assert flags(store, "indicator_values") == {
        ("PI-T1", 20231): ("Staff sickness", True),
        ("PI-T1", 20232): ("Improving", False),
        ("PI-T1", 20233): ("Steady", False),  # blank means the commentary may be published
    }


def test_internal_commentary_is_read_from_the_scorecard_and_action_layouts(store: Store) -> None:
    load(
        store,
        [
            csv(
                "PI Ref,Measure,Priority,Unit,Good is,Q2 2023-24,Q3 2023-24,Commentary,Internal",
                f"PI-S1,Visits,{P1},count,higher is better,10,12,Ask the provider,Y",
                f"PI-S2,Loans,{P1},count,higher is better,10,12,Up,N",
            ),
            FileInput(
                "actions.csv",
                (
                    "Action ref,Title,Priority,Period,Status,Commentary,Commentary is internal\n"
                    f"FA-T1,Open a hub,{P1},Q3 2023-24,On track,Lease under negotiation,yes\n"
                    f"FA-T2,Plant trees,{P1},Q3 2023-24,Complete,Done,no\n"
                ).encode(),
            ),
        ],
        "t",
    )
    values = flags(store, "indicator_values")
    # A commentary or internal column without a quarter belongs to the latest quarter.
    assert values[("PI-S1", 20233)] == ("Ask the provider", True)
    assert values[("PI-S2", 20233)] == ("Up", False)
    assert values[("PI-S1", 20232)] == (None, False)
    statuses = flags(store, "action_statuses")
    assert statuses == {
        ("FA-T1", 20233): ("Lease under negotiation", True),
        ("FA-T2", 20233): ("Done", False),
    }


def test_an_unreadable_internal_value_is_a_problem(store: Store) -> None:
    plan = prepare(
        store,
        [
            csv(
                "Ref,Name,Priority,Unit,Good is,Period,Actual,Internal",
                f"PI-T1,Calls,{P1},count,higher is better,Q1 2023-24,1,perhaps",
            )
        ],
    )
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (2, 'H ("Internal")', "'perhaps' is not yes or no (is the commentary internal?).")
    ]


def test_a_file_without_the_internal_column_keeps_the_stored_flag(sample_store: Store) -> None:
    load(
        sample_store,
        [csv("Ref,Period,Actual,Commentary,Internal", "PI-01,Q3 2023-24,100,Old note,yes")],
        "t",
    )
    load(sample_store, [csv("Ref,Period,Actual,Commentary", "PI-01,Q3 2023-24,101,New note")], "t")
    assert flags(sample_store, "indicator_values")[("PI-01", 20233)] == ("New note", True)
    # Untouched rows of the sample are public (false), never NULL.
    assert flags(sample_store, "indicator_values")[("PI-02", 20233)][1] is False


# -- the public store ------------------------------------------------------------------------------


@pytest.fixture
def published_sample(sample_store: Store) -> Store:
    """The sample with Q3 2023-24 and Q3 2022-23 published but not Q2 2023-24 (so a comparison with
    the previous quarter would reach a draft), and internal commentary in the published Q3."""
    load(
        sample_store,
        [
            csv(
                "Ref,Period,Actual,Commentary,Internal",
                f"PI-01,Q3 2023-24,100,{MARKER} indicator,yes",
            ),
            FileInput(
                "a.csv",
                (
                    "Action ref,Title,Period,Status,Commentary,Internal\n"
                    f"FA-01,,Q3 2023-24,On track,{MARKER} action,yes\n"
                ).encode(),
            ),
        ],
        "t",
    )
    for period in (Q3, Q3_LAST_YEAR):
        sample_store.publish(period, "jo@harrow.gov.uk")
    return sample_store


def test_a_public_store_sees_only_published_quarters_and_no_internal_commentary(
    published_sample: Store,
) -> None:
    internal = published_sample
    public = Store(internal.url, public=True)
    published = {Q3_LAST_YEAR, Q3}
    assert set(public.periods()) == published
    assert public.latest_reported_period() == Q3
    assert internal.latest_reported_period() == Q3

    snap = public.indicator_snapshot(Filters(period=Q3)).set_index("ref")
    assert snap["prev_actual"].isna().all()  # Q2 2023-24 is a draft
    assert snap["year_actual"].notna().sum() > 30  # Q3 2022-23 is published
    assert pd.isna(snap.loc["PI-01", "commentary"])
    assert snap.loc["PI-01", "actual"] == 100
    inside = internal.indicator_snapshot(Filters(period=Q3)).set_index("ref")
    assert inside["prev_actual"].notna().sum() > 30
    assert inside.loc["PI-01", "commentary"].startswith(MARKER)
    # A draft quarter asked for directly is empty in public.
    assert not public.indicator_snapshot(Filters(period=Q2))["has_row"].any()

    hist = public.indicator_history(["PI-01", "PI-02"])
    assert {Period.from_key(int(k)) for k in hist["period"]} <= published
    assert not hist["commentary"].astype(str).str.contains(MARKER).any()
    assert len(internal.indicator_history(["PI-01"])) > len(public.indicator_history(["PI-01"]))

    acts = public.action_statuses(Filters())
    assert {Period.from_key(int(k)) for k in acts["period"].dropna()} <= published
    fa01 = acts[(acts["ref"] == "FA-01") & (acts["period"] == Q3.key)]
    assert fa01["status"].tolist() == ["On track"] and fa01["commentary"].isna().all()
    inside_acts = internal.action_statuses(Filters())
    assert inside_acts["commentary"].astype(str).str.contains(MARKER).any()

    hl = public.highlights(Filters(), all_periods=True)
    assert {Period.from_key(int(k)) for k in hl["period"]} <= published and len(hl)
    tidy = public.tidy_values()
    assert {Period.from_key(int(k)) for k in tidy["period"]} <= published
    assert not tidy["commentary"].astype(str).str.contains(MARKER).any()
    public.dispose()


def test_nothing_is_public_until_a_quarter_is_published(sample_store: Store) -> None:
    public = Store(sample_store.url, public=True)
    assert public.periods() == [] and public.latest_reported_period() is None
    assert public.tidy_values().empty and public.highlights(Filters(), all_periods=True).empty
    sample_store.publish(Q2, "jo")
    assert public.periods() == [Q2]
    sample_store.unpublish(Q2)
    assert public.periods() == []
    public.dispose()


# -- upgrading an older database -------------------------------------------------------------------


def test_an_older_database_is_upgraded_in_place(sample_db_url: str) -> None:
    old = Store(sample_db_url)
    with old.begin() as conn:  # make it look like a version 1 database
        for table in ("indicator_values", "action_statuses"):
            for name in (table, f"{table}_history"):
                conn.exec_driver_sql(f"ALTER TABLE {name} DROP COLUMN commentary_internal")
        conn.exec_driver_sql("DROP TABLE data_version")
        conn.exec_driver_sql("UPDATE schema_info SET value = '1' WHERE key = 'version'")
    old.dispose()

    db = Store(sample_db_url)
    db.require_initialised()  # what the CLI does first; the app calls upgrade() once per process
    assert db.read("SELECT value FROM schema_info WHERE key = 'version'")["value"].tolist() == [
        s.SCHEMA_VERSION
    ]
    assert db.read("SELECT DISTINCT commentary_internal AS f FROM indicator_values")[
        "f"
    ].tolist() == [False]
    assert db.upgrade() == []  # idempotent
    # The upgraded database loads and rolls back like a new one.
    result = load(db, [csv("Ref,Period,Actual,Internal", "PI-02,Q3 2023-24,80,yes")], "t")
    assert flags(db, "indicator_values")[("PI-02", 20233)][1] is True

    rollback(db, int(result.batch_id or 0), "t")
    assert flags(db, "indicator_values")[("PI-02", 20233)][1] is False
    db.dispose()


# -- what the Cabinet presentation may show --------------------------------------------------------

EDITOR_USER = User("Jo", "jo@harrow.gov.uk", Role.EDITOR, signed_in=True)
VIEWER_USER = User("Cllr", "cllr@example.com", Role.VIEWER, signed_in=True)


def test_visible_periods_use_published_data_unless_an_editor_chooses_the_draft(
    sample_store: Store,
) -> None:
    sample_store.publish(Q2, "jo")
    everything = sample_store.periods()
    assert Q3 in everything and Q2 in everything
    assert publishing.visible_periods(sample_store, EDITOR_USER, False) == [Q2]
    assert publishing.visible_periods(sample_store, EDITOR_USER, False, include_drafts=True) == (
        everything
    )
    assert publishing.visible_periods(sample_store, LOCAL_USER, False, include_drafts=True) == (
        everything
    )
    # Viewers and the public never get drafts, whatever they ask for.
    assert publishing.visible_periods(sample_store, VIEWER_USER, False, include_drafts=True) == [Q2]
    assert publishing.visible_periods(sample_store, PUBLIC_USER, True, include_drafts=True) == [Q2]
    assert publishing.visible_periods(sample_store, EDITOR_USER, True, include_drafts=True) == [Q2]
    # The pure form, for pages that already hold the cached lists.
    assert publishing.visible_among([Q3, Q2], [Q2], EDITOR_USER, False) == [Q2]
    assert publishing.visible_among([Q3, Q2], [Q2], EDITOR_USER, False, True) == [Q2, Q3]
    assert not publishing.may_choose_drafts(EDITOR_USER, public_mode=True)
    assert publishing.may_choose_drafts(EDITOR_USER, public_mode=False)
    assert not publishing.may_choose_drafts(VIEWER_USER, public_mode=False)


def test_choose_period_falls_back_to_the_latest_visible_quarter_with_a_note() -> None:
    assert publishing.choose_period([Q2, Q3], Q2) == (Q2, None)
    assert publishing.choose_period([Q2, Q3], None) == (Q3, None)
    chosen, note = publishing.choose_period([Q2], Q3)
    assert chosen == Q2
    assert note == (
        "Q3 2023-24 has not been published, so this shows Q2 2023-24, the latest published quarter."
    )
    assert publishing.choose_period([], Q3)[0] is None
    assert "No quarter has been published yet" in (publishing.choose_period([], Q3)[1] or "")


def test_quarter_statuses_say_who_published_and_what_each_quarter_holds(
    sample_store: Store,
) -> None:
    sample_store.publish(Q2, "jo@harrow.gov.uk")
    statuses = {q.period: q for q in publishing.quarter_statuses(sample_store)}
    assert list(statuses)[0] == Period(2023, 4)  # newest first; Q4 2023-24 has targets only
    q2, q3 = statuses[Q2], statuses[Q3]
    assert (q2.status, q2.published_by) == ("Published", "jo@harrow.gov.uk")
    assert q2.published_at is not None
    assert (q3.status, q3.published_by, q3.published_at) == ("Draft", None, None)
    assert (q3.indicator_actuals, q3.action_statuses, q3.highlights) == (40, 37, 34)
    assert statuses[Period(2023, 4)].indicator_actuals == 0
    table = publishing.status_table(list(statuses.values()))
    assert table.loc[table["Quarter"] == "Q2 2023-24", "Status"].item() == "Published"


# -- the publish panel and the public view, through the app ----------------------------------------


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sample_store: Store) -> Iterator[AppEnv]:
    yield from app_env(monkeypatch, tmp_path, sample_store.url)


def test_publishing_from_the_data_page_records_who_and_the_public_view_follows(
    env: AppEnv, sample_store: Store
) -> None:
    env.configure(auth=True)
    at = run_page("pages/6_Data.py", EDITOR)
    assert at.selectbox(key="data_publish_quarter").value == "Q4 2023-24"
    at.selectbox(key="data_publish_quarter").set_value("Q3 2023-24").run()
    assert at.button(key="data_publish").label == "Publish Q3 2023-24"
    at.button(key="data_publish").click().run()
    assert not at.exception
    assert at.success[0].value == "Q3 2023-24 is published. The public view now shows it."
    rows = sample_store.read("SELECT period, published_by, published_at FROM published_quarters")
    assert rows["period"].tolist() == [Q3.key]
    assert rows["published_by"].tolist() == [EDITOR["email"]]
    assert any(
        "was published by jo.bloggs@harrow.gov.uk on" in unescape(c.value) for c in at.caption
    )

    env.configure(auth=True, public=True)
    public = run_page("app.py")
    assert not public.exception
    assert public.sidebar.selectbox[0].options == ["Q3 2023-24 (published)"]

    env.configure(auth=True)
    at = run_page("pages/6_Data.py", EDITOR)
    at.selectbox(key="data_publish_quarter").set_value("Q3 2023-24").run()
    at.button(key="data_unpublish").click().run()
    assert at.success[0].value.startswith("Q3 2023-24 is a draft again")
    assert sample_store.published_periods() == []

    env.configure(auth=True, public=True)
    public = run_page("app.py")
    assert not public.sidebar.selectbox  # nothing published: no quarter to choose
    assert not public.exception


def test_viewers_see_that_a_quarter_is_a_draft(env: AppEnv, sample_store: Store) -> None:
    env.configure(auth=True)
    at = run_page("app.py", VIEWER)
    drafts = [c.value for c in at.sidebar.caption if "is a draft" in c.value]
    assert drafts == [
        "Q3 2023-24 is a draft: an editor has not published it yet, so the public view does not "
        "show it."
    ]
    sample_store.publish(Q3, "jo")
    import streamlit as st

    st.cache_data.clear()  # what the Data page's publish button does
    at = run_page("app.py", VIEWER)
    assert not [c for c in at.sidebar.caption if "is a draft" in c.value]


# -- the planner's statistics after each write (PostgreSQL) -------------------------------------------


def planned_rows(store: Store, table: str) -> float:
    """What PostgreSQL's planner takes ``table`` to hold (-1 before it was ever analysed)."""
    q = sa.text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)")
    with store.connect() as conn:
        return float(conn.execute(q, {"t": table}).scalar_one())


def rows_in(store: Store, table: str) -> int:
    with store.connect() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
        )


def test_each_write_leaves_the_planner_the_tables_as_they_are(sample_store: Store) -> None:
    """A publication, an unpublication and a rollback refresh the statistics of what they wrote
    (``Store.analyse``): planned for a table it took to be empty, the public Open data's read of the
    published values walked every value (0.7 s instead of 0.07 s at 528,000 values)."""
    if sample_store.is_duckdb:
        pytest.skip("DuckDB keeps its statistics as it writes")
    definitions = s.PUBLISHED_DEFINITIONS["indicators"].name
    sample_store.publish(Q3, "jo@harrow.gov.uk")
    assert rows_in(sample_store, definitions) > 0
    for table in (definitions, "published_quarters", "published_figures", "published_once"):
        assert planned_rows(sample_store, table) == rows_in(sample_store, table), table
    sample_store.unpublish(Q3)
    assert rows_in(sample_store, definitions) == 0
    assert planned_rows(sample_store, definitions) == 0
    values = rows_in(sample_store, "indicator_values")
    batch = load(sample_store, [csv("Ref,Period,Actual", "PI-01,Q1 2024-25,5")], "t").batch_id
    assert batch is not None
    assert rows_in(sample_store, "indicator_values") == values + 1  # a value added
    assert planned_rows(sample_store, "indicator_values") == values + 1
    rollback(sample_store, batch, "t")
    assert rows_in(sample_store, "indicator_values") == values
    assert planned_rows(sample_store, "indicator_values") == values
