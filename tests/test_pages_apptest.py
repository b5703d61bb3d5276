"""Every page through Streamlit's AppTest (in process, no browser) on the sample data.

Pages are discovered from ``app.py`` and ``pages/*.py``, so a new page is covered without editing this
file: each renders on the sample data without an exception or an error box. On the Overview, the
filters change what is shown (the numbers are checked against ``harrow_dash.outputs.views.overview``) and a
combination of filters that matches nothing says so plainly.

AppTest does not see the URL sync of the filters; ``tests/browser/test_pages.py`` tests that.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.source_util import page_icon_and_name, page_sort_key
from streamlit.testing.v1 import AppTest

from harrow_dash.outputs.charts import describe_counts
from harrow_dash.outputs.palette import ACTION_GROUP_WORDS
from harrow_dash.outputs.views import Overview, overview
from harrow_dash.rules.filters import RAG_CHOICES, Filters
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "app.py"
TIMEOUT = 30


def discover_pages() -> list[str]:
    """``app.py`` and every ``pages/*.py`` in Streamlit's order, as paths relative to the repo."""
    files = sorted(
        (
            p
            for p in (REPO_ROOT / "pages").glob("*.py")
            if not p.name.startswith(".") and p.name != "__init__.py"
        ),
        key=page_sort_key,
    )
    return ["app.py"] + [f"pages/{p.name}" for p in files]


PAGES = discover_pages()


def page_id(path: str) -> str:
    return "Overview" if path == "app.py" else page_icon_and_name(Path(path))[1]


@pytest.fixture(scope="module")
def db_url(sample_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the sample database for this module (read only: AppTest sessions share the cached
    engine, as the sessions of a running app do)."""
    target = tmp_path_factory.mktemp("apptest-db") / "sample.duckdb"
    shutil.copyfile(sample_db_file, target)
    return f"duckdb:///{target}"


@pytest.fixture
def app_env(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Point the app at the sample copy; ignore the developer's HARROW_DASH_* variables and secrets
    file (so the app runs in local mode, with default rules)."""
    for name in [n for n in os.environ if n.startswith("HARROW_DASH_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HARROW_DASH_DATABASE_URL", db_url)
    monkeypatch.setenv("HARROW_DASH_SECRETS", str(tmp_path / "no-such-secrets.toml"))
    return db_url


@pytest.fixture(scope="module")
def core(sample_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A separate copy for computing expected values with the core (not through Streamlit)."""
    target = tmp_path_factory.mktemp("apptest-core") / "sample.duckdb"
    shutil.copyfile(sample_db_file, target)
    store = Store(f"duckdb:///{target}")
    yield store
    store.dispose()


def open_page(path: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    if path != "app.py":
        at.switch_page(path).run()
    return at


def assert_ok(at: AppTest, what: str) -> None:
    assert not at.exception, f"{what}: {[e.value for e in at.exception]}"
    assert not at.error, f"{what}: error boxes: {[e.value for e in at.error]}"


def texts(at: AppTest) -> list[str]:
    """Everything written as Markdown, captions, headings and alerts, in page order per kind."""
    out: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning"):
        out += [str(e.value) for e in getattr(at, kind)]
    return out


# -- every page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES, ids=[page_id(p) for p in PAGES])
def test_page_renders_on_the_sample_data(app_env: str, path: str) -> None:
    at = open_page(path)
    assert_ok(at, path)
    assert len(at.main.children) > 1, f"{path} shows nothing but the frame's style"


@pytest.mark.parametrize("path", PAGES, ids=[page_id(p) for p in PAGES])
def test_page_renders_for_an_earlier_quarter(app_env: str, path: str) -> None:
    """Changing the quarter reruns the page cleanly: the earliest quarter, with no history behind it
    (no previous quarter to compare with, no trend)."""
    at = open_page(path)
    quarter = [s for s in at.selectbox if s.key == "filter_quarter"]
    if not quarter:
        pytest.skip(f"{path} has no quarter filter")
    # Newest first: the last has no quarter before it. Options read "Q1 2021-22 (draft)".
    earliest = quarter[0].options[-1].split(" (")[0]
    quarter[0].select(earliest).run()
    assert_ok(at, f"{path} at {earliest}")
    assert at.selectbox(key="filter_quarter").value == earliest


# -- Overview: the filters change the numbers shown ---------------------------------------------------


def summary_texts(ov: Overview) -> list[str]:
    """What the Overview's two summary cards must say for ``ov``: headings and sentences."""
    fa, pi = ov.action_counts, ov.indicator_counts
    return [
        f"## Flagship actions: {sum(fa.values())}",
        f"## Performance indicators: {sum(pi.values())}",
        describe_counts(fa, "flagship action lines", ACTION_GROUP_WORDS),
        describe_counts(pi, "indicators"),
    ]


def test_overview_shows_the_numbers_for_the_filters(app_env: str, core: Store) -> None:
    names = {int(r.id): str(r.name) for r in core.priorities().itertuples()}
    default = core.latest_reported_period()
    assert default is not None
    unfiltered = overview(core, Filters(period=default), RuleSettings())
    wanted = Filters(period=Period(2023, 3), priorities=(2,))
    filtered = overview(core, wanted, RuleSettings())
    assert unfiltered is not None and filtered is not None
    assert summary_texts(unfiltered) != summary_texts(filtered)  # the check means something

    at = open_page("app.py")
    assert_ok(at, "Overview")
    shown = texts(at)
    for line in summary_texts(unfiltered):
        assert line in shown, line

    at.selectbox(key="filter_quarter").select("Q3 2023-24")
    at.multiselect(key="filter_priority").select(names[2])
    at.run()
    assert_ok(at, "Overview, filtered")
    shown = texts(at)
    for line in summary_texts(filtered):
        assert line in shown, f"{line!r} not on the filtered Overview"
    # e.g. "Performance indicators: 19" and "19 indicators: 13 green, 3 amber, 2 red, 1 not rated."
    pi_total = sum(filtered.indicator_counts.values())
    assert any(t.startswith(f"{pi_total} indicators: ") for t in shown)
    # Only the chosen priority's column, and the header names the quarter.
    assert any(t == f"**Priority 2: {names[2]}**" for t in shown)
    assert not any(t.startswith(("**Priority 1:", "**Priority 3:")) for t in shown)
    assert any("Quarter 3 2023-24, as at 31 December 2023" in t for t in shown)


def _empty_combinations(core: Store, period: Period) -> tuple[Filters, Filters]:
    """A directorate with a RAG status that matches nothing at all, and one that matches flagship
    actions but no indicator, found in the data rather than hard-coded."""
    nothing = no_indicators = None
    for directorate in core.directorates():
        for rag in RAG_CHOICES:
            f = Filters(period=period, directorates=(directorate,), rags=(rag,))
            ov = overview(core, f, RuleSettings())
            assert ov is not None
            if ov.indicators.empty and ov.actions.empty and nothing is None:
                nothing = f
            elif ov.indicators.empty and not ov.actions.empty and no_indicators is None:
                no_indicators = f
    assert nothing is not None, "the sample has no empty directorate/RAG combination"
    assert no_indicators is not None, "the sample has no directorate/RAG without indicators"
    return nothing, no_indicators


def _apply(at: AppTest, f: Filters) -> None:
    assert f.period is not None
    at.selectbox(key="filter_quarter").select(f.period.label)
    at.multiselect(key="filter_directorate").set_value(list(f.directorates))
    at.multiselect(key="filter_rag").set_value(list(f.rags))
    at.run()


def test_overview_says_plainly_when_nothing_matches(app_env: str, core: Store) -> None:
    nothing, no_indicators = _empty_combinations(core, Period(2023, 3))

    at = open_page("app.py")
    _apply(at, nothing)
    assert_ok(at, f"Overview with {nothing}")
    infos = [i.value for i in at.info]
    assert any("No indicators or flagship actions match these filters" in i for i in infos), infos
    assert not at.get("vega_lite_chart"), "charts drawn for an empty selection"

    _apply(at, no_indicators)
    assert_ok(at, f"Overview with {no_indicators}")
    shown = texts(at)
    assert "## Performance indicators: 0" in shown
    assert "No indicators match these filters." in shown
