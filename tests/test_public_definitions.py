"""Public mode shows only what was published, the words as well as the figures.

Definitions are versioned with publication: publishing a quarter records the indicator and action
definitions, directorates and portfolios as they stand (``published_*`` tables), and a public store
reads them from the record of the latest published quarter. A draft quarter that adds an indicator,
an action, a directorate and a portfolio, renames an indicator, moves one to another priority and
gives an action a new lead (``draft_only.load_draft``) changes nothing in public: not the store's
answers, not any page's rendered content (AppTest, every element's bytes), not the filter lists, not
the CSV and Excel downloads, the briefing pack, the presentation or the tidy export. Inside the
council the draft shows (a positive control). The browser test of the DOM and websocket frames is
``tests/browser/test_public_drafts.py``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from apptest_helpers import app_env, open_on_demand, page_bytes, page_files, run_page
from draft_only import (
    NEW_ACTION,
    NEW_DIRECTORATE,
    NEW_INDICATOR,
    NEW_LEAD,
    NEW_PORTFOLIO,
    PI_02_PUBLISHED,
    RENAMED,
    leaks,
    load_draft,
    publish_history,
)

from harrow_dash.ingest.load import FileInput, load
from harrow_dash.outputs import explore, open_data, views
from harrow_dash.outputs.briefing import build_briefing
from harrow_dash.outputs.export_files import csv_bytes, excel_bytes
from harrow_dash.outputs.exports import tidy_export
from harrow_dash.outputs.slides import build_deck, slide_html
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store, schema

Q2, Q3, Q4 = Period(2023, 2), Period(2023, 3), Period(2023, 4)
RULES = RuleSettings()


@pytest.fixture
def drafted(sample_store: Store) -> Store:
    publish_history(sample_store)
    load_draft(sample_store)
    return sample_store


@pytest.fixture
def public(drafted: Store) -> Iterator[Store]:
    db = Store(drafted.url, public=True)
    yield db
    db.dispose()


def test_the_council_sees_the_draft(drafted: Store) -> None:
    """Positive control: the draft is really there for the internal view."""
    assert NEW_DIRECTORATE in drafted.directorates() and NEW_PORTFOLIO in drafted.portfolios()
    snap = drafted.indicator_snapshot(Filters(period=Q4)).set_index("ref")
    assert snap.at["PI-02", "name"] == RENAMED and snap.at["PI-ZQ7", "name"] == NEW_INDICATOR
    assert snap.at["PI-03", "priority_id"] == 2
    acts = drafted.action_statuses(Filters()).drop_duplicates("ref").set_index("ref")
    assert acts.at["FA-ZQ7", "title"] == NEW_ACTION and acts.at["FA-01", "lead"] == NEW_LEAD


def test_the_public_store_knows_only_the_published_definitions(
    drafted: Store, public: Store
) -> None:
    assert Q4 not in public.periods()
    assert public.directorates() == sorted(
        set(drafted.directorates()) - {NEW_DIRECTORATE}
    ) and public.portfolios() == sorted(set(drafted.portfolios()) - {NEW_PORTFOLIO})
    snap = public.indicator_snapshot(Filters(period=Q3)).set_index("ref")
    assert "PI-ZQ7" not in snap.index and len(snap) == 45
    assert snap.at["PI-02", "name"] == PI_02_PUBLISHED
    assert not snap.at["PI-02", "description"].startswith("Zq7")
    assert (
        snap.at["PI-03", "priority_id"] == 1 and snap.at["PI-03", "directorate"] != NEW_DIRECTORATE
    )
    # Asked for the draft quarter or a draft-only filter value, the public store finds nothing.
    assert not public.indicator_snapshot(Filters(period=Q4))["has_row"].any()
    assert public.indicator_snapshot(Filters(period=Q3, directorates=(NEW_DIRECTORATE,))).empty
    assert public.action_statuses(Filters(portfolios=(NEW_PORTFOLIO,))).empty
    assert set(public.indicator_history(["PI-02", "PI-ZQ7"])["name"]) == {PI_02_PUBLISHED}
    assert "PI-ZQ7" not in set(public.indicator_list()["ref"])
    acts = public.action_statuses(Filters()).drop_duplicates("ref").set_index("ref")
    assert "FA-ZQ7" not in acts.index and acts.at["FA-01", "lead"] != NEW_LEAD
    for frame in (
        public.tidy_values(),
        public.action_statuses(Filters()),
        public.highlights(Filters(), all_periods=True),
        public.indicator_snapshot(Filters(period=Q3)),
    ):
        assert not leaks(frame.to_csv()), frame.columns


def test_definitions_follow_the_latest_published_quarter_and_unpublishing(
    sample_store: Store,
) -> None:
    """A rename is public once its quarter is published, and not again once it is unpublished."""
    sample_store.publish(Q2, "tests")
    load(
        sample_store,
        [FileInput("r.csv", f"Ref,Name,Period,Actual\nPI-02,{RENAMED},Q3 2023-24,70\n".encode())],
        "tests",
    )
    public = Store(sample_store.url, public=True)

    def name() -> str:
        return str(public.indicator_list().set_index("ref").at["PI-02", "name"])

    assert name() == PI_02_PUBLISHED
    sample_store.publish(Q3, "tests")
    assert name() == RENAMED  # in force at the latest published quarter
    sample_store.unpublish(Q3)
    assert name() == PI_02_PUBLISHED
    sample_store.unpublish(Q2)
    assert public.indicator_list().empty and public.directorates() == []  # nothing published
    public.dispose()


def test_an_older_database_gets_the_definitions_as_they_stood_when_each_quarter_was_published(
    sample_db_file: Path, tmp_path: Path
) -> None:
    path = tmp_path / "old.duckdb"
    shutil.copyfile(sample_db_file, path)
    db = Store(f"duckdb:///{path}")
    db.upgrade()
    db.publish(Q3, "tests")
    import time

    time.sleep(1.1)  # load times are kept to the second
    load_draft(db)
    with db.begin() as conn:  # as a version 2 database: published, but no copies of definitions
        for table in schema.PUBLISHED_DEFINITIONS.values():
            conn.execute(table.delete())
        conn.exec_driver_sql("UPDATE schema_info SET value = '2' WHERE key = 'version'")
    db.dispose()

    db = Store(f"duckdb:///{path}")
    db.require_initialised()  # upgrades, rebuilding the copy from the load history
    public = Store(db.url, public=True)
    assert public.indicator_list().set_index("ref").at["PI-02", "name"] == PI_02_PUBLISHED
    assert "PI-ZQ7" not in set(public.indicator_list()["ref"])
    assert NEW_DIRECTORATE not in public.directorates() and len(public.directorates()) > 3
    assert db.upgrade() == []
    public.dispose()
    db.dispose()


def test_every_public_output_built_from_the_store_is_free_of_the_draft(public: Store) -> None:
    f = Filters(period=Q3)
    inds = views.indicators_at(public, f, RULES)
    lst = explore.indicator_list(inds, explore.TrendLines.none())
    rows = explore.action_rows(public.action_statuses(f, until=Q3), Q3)
    items = explore.highlight_items(public.highlights(f, all_periods=True), Q3, inds, rows)
    hist = {r: views.indicator_histories(public, [r], RULES, Q3) for r in ("PI-02", "PI-03")}
    names = dict(zip(lst["ref"], lst["name"], strict=True))
    tables = {
        "indicators": explore.indicator_download(lst),
        "trends": explore.trend_download(hist, names),
        "actions": explore.action_table(rows, Q3),
        "highlights": explore.highlights_download(items),
        "tidy export": tidy_export(public.tidy_values(), RULES),
    }
    assert PI_02_PUBLISHED in set(tables["indicators"]["Indicator"])  # positive control
    for what, table in tables.items():
        assert not leaks(csv_bytes(table)), what
        assert not leaks(excel_bytes(table, [what])), what
    assert not leaks(build_briefing(public, f, RULES))
    package = open_data.build(public, RULES, dt.datetime(2024, 1, 1))
    assert PI_02_PUBLISHED.encode() in package["indicators.csv"]  # positive control
    assert not any(leaks(content) for content in package.values())
    ov = views.overview(public, f, RULES)
    assert ov is not None
    deck = build_deck(ov)
    for n in range(1, len(deck) + 1):
        assert not leaks(slide_html(deck.slide(n), len(deck), Q3, True))


# -- every page, as the public sees it (AppTest) ---------------------------------------------------


@pytest.fixture
def public_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, drafted: Store) -> Iterator[None]:
    for env in app_env(monkeypatch, tmp_path, Path(drafted.engine.url.database or "")):
        env.configure(public=True)
        yield


PAGE_VARIANTS: list[tuple[str, dict, dict]] = [
    *((page, {}, {}) for page in page_files()),
    ("pages/2_Indicators.py", {"ind": ["PI-02", "PI-03"]}, {}),
    ("pages/4_Highlights.py", {}, {"hl_scope": "All quarters"}),
    *(("pages/5_Presentation.py", {"slide": str(n)}, {}) for n in range(1, 5)),
    *(
        ("pages/1_Priorities.py", {}, {"priority_page": f"Priority {pid}: {name}"})
        for pid, name in (
            (1, "A council that puts residents first"),
            (2, "A borough that is clean and safe"),
            (3, "A place where those in need are supported"),
        )
    ),
]


# Pages with expanders drawn only when opened, and how many at least each variant opens.
ON_DEMAND = {
    "app.py": 1,
    "pages/3_Flagship_actions.py": 1,
    "pages/4_Highlights.py": 3,
    "pages/7_Comparisons.py": 2,
}


@pytest.mark.parametrize(
    ("page", "query", "session"),
    PAGE_VARIANTS,
    ids=[f"{p}-{q}-{s}" for p, q, s in PAGE_VARIANTS],
)
def test_no_public_page_shows_anything_that_exists_only_in_a_draft(
    public_app: None, page: str, query: dict, session: dict
) -> None:
    at = run_page(page, query=query, session=session)
    # What a reader opens is drawn only when opened: open it all (every quarter of Highlights,
    # every table behind a chart).
    opened = open_on_demand(at)
    if page in ON_DEMAND:
        assert opened >= ON_DEMAND[page], f"{page}: only {opened} expanders opened"
    assert not at.exception, [e.value for e in at.exception]
    content = page_bytes(at)
    assert len(content) > 500  # a real page (the Data page says only "no access")
    assert not leaks(content)
    if page == "app.py":
        sidebar = {w.label: list(w.options) for w in at.sidebar.multiselect}
        assert NEW_DIRECTORATE not in sidebar["Directorate"] and sidebar["Directorate"]
        assert NEW_PORTFOLIO not in sidebar["Portfolio holder"] and sidebar["Portfolio holder"]
        assert at.sidebar.selectbox[0].options[0].startswith(Q3.label)  # no draft Q4
    if page == "pages/2_Indicators.py":
        assert PI_02_PUBLISHED.encode() in content  # positive control


def test_a_link_to_a_draft_only_indicator_is_answered_as_for_one_that_never_existed(
    public_app: None,
) -> None:
    def notes(ref: str) -> list[str]:
        at = run_page("pages/2_Indicators.py", query={"ind": ref})
        assert not at.exception
        return [str(i.value).replace("\\", "").replace(ref, "REF") for i in [*at.info, *at.caption]]

    assert notes("PI-ZQ7") == notes("PI-NOPE")


def test_a_draft_cannot_lift_suppression_in_public(sample_store: Store) -> None:
    """Whether an indicator counts people is a definition too: a draft that says PI-41 does not
    count people leaves its published small counts suppressed in public (trend line, history)."""
    publish_history(sample_store)
    load(
        sample_store,
        [FileInput("d.csv", b"Ref,Counts people,Period,Actual\nPI-41,no,Q4 2023-24,7\n")],
        "tests",
    )
    small = sample_store.read(
        "SELECT period, actual FROM indicator_values "
        "WHERE ref = 'PI-41' AND period <= 20233 AND actual BETWEEN 1 AND 4"
    )
    assert len(small) >= 5  # published small counts (positive control)
    inside = views.sparkline_values(sample_store, ["PI-41"], Q3, RULES)["PI-41"]
    assert len(inside) > len(
        views.sparkline_values(Store(sample_store.url, public=True), ["PI-41"], Q3, RULES)["PI-41"]
    )
    public = Store(sample_store.url, public=True)
    shown = views.sparkline_values(public, ["PI-41"], Q3, RULES)["PI-41"]
    assert not any(1 <= v <= 4 for v in shown)
    hist = views.indicator_histories(public, ["PI-41"], RULES, Q3)
    small_rows = hist[hist["period"].isin(small["period"])]
    assert (
        small_rows["suppressed"].astype(bool).all() and not (small_rows["actual_text"] == "3").any()
    )
    public.dispose()


def test_a_column_added_to_a_definition_table_is_added_to_its_published_copies(
    sample_store: Store,
) -> None:
    """Published copies made before a definition column existed get it, with the live column's
    default, when the database is upgraded; the public view reads them as before."""
    sample_store.publish(Q3, "tests")
    with sample_store.begin() as conn:  # as a database from before ``allow_negative``
        for table in ("indicators", "indicators_history", "published_indicators"):
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN allow_negative")
    done = sample_store.upgrade()
    assert "published_indicators.allow_negative" in done
    flags = sample_store.read("SELECT DISTINCT allow_negative AS f FROM published_indicators")
    assert flags["f"].tolist() == [False]
    public = Store(sample_store.url, public=True)
    assert len(public.indicator_snapshot(Filters(period=Q3))) == 45
    public.dispose()
