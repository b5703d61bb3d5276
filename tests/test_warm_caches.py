"""What the warm-run caches must never change, on DuckDB and on PostgreSQL.

* The Data page's tabs read through caches (:mod:`harrow_dash.ui.editor_reads` and the corrective
  actions form's cached reads): a load or a publication by another process (here the same store
  outside the app) shows on the next run, as the data version bump drops them.
* A result cached for the internal view is never served to the public one: the mode changing drops
  every cached result, so the officers' corrective actions export read for an editor is read again,
  without internal notes, once the deployment is public.
* The follow-up is laid out once per view (its texts and tables cached) and a load elsewhere
  drops it: the next run shows the new Red indicator.
* The Cabinet presentation's deck is built once per view (cached) and a load elsewhere drops it:
  the next slide shown counts the new Red indicator.
* The follow-up links the first Red indicators one by one and the rest through one link to the
  Indicators page filtered to Red, which lists exactly as many as the link says.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pandas as pd
import pytest
from apptest_helpers import AppEnv, app_env, run_page

from harrow_dash.cli import publish_sample_history
from harrow_dash.ingest import report
from harrow_dash.ingest.load import FileInput, load
from harrow_dash.rules.periods import Period
from harrow_dash.store import Store, publishing
from harrow_dash.ui import corrective_form, follow_up

pytestmark = pytest.mark.both_databases

DATA_PAGE = "pages/6_Data.py"
BATCHES = list(report.BATCH_COLUMNS)
P1 = "A council that puts residents first"
Q3 = Period(2023, 3)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sample_store: Store) -> Iterator[AppEnv]:
    yield from app_env(monkeypatch, tmp_path, sample_store.url)


def _data_page() -> Any:
    at = run_page(DATA_PAGE)
    assert not at.exception, at.exception
    return at


def _table(at: Any, columns: list[str]) -> pd.DataFrame:
    """The table with these columns (AppTest finds a plain st.dataframe by position, not key)."""
    found = [d.value for d in at.dataframe if list(d.value.columns) == list(columns)]
    assert len(found) == 1, (columns, [list(d.value.columns) for d in at.dataframe])
    return found[0]


def _quarter_columns(store: Store) -> list[str]:
    return list(publishing.status_table(publishing.quarter_statuses(store)).columns)


def _subjects(at: Any) -> list[str]:
    found = [w for w in at.selectbox if str(w.key).startswith("corrective_add_subject_")]
    assert len(found) == 1
    return list(found[0].options)


def test_the_data_pages_cached_tabs_show_a_load_and_a_publication_by_another_process(
    env: AppEnv, sample_store: Store
) -> None:
    first = _data_page()
    batches = len(_table(first, BATCHES))
    assert not any("PI-91" in s for s in _subjects(first))
    published_before = _table(first, _quarter_columns(sample_store))
    load(
        sample_store,
        [
            FileInput(
                "t.csv",
                (
                    "Ref,Name,Priority,Unit,Good is,Period,Actual\n"
                    f"PI-91,Zebra crossings checked,{P1},count,higher is better,Q3 2023-24,310\n"
                ).encode(),
            )
        ],
        "another instance",
    )
    second = _data_page()
    assert len(_table(second, BATCHES)) == batches + 1
    assert any("PI-91" in s for s in _subjects(second))

    sample_store.publish(Q3, "another editor")
    third = _data_page()
    assert not _table(third, _quarter_columns(sample_store)).equals(published_before)
    assert (
        _table(third, _quarter_columns(sample_store))
        .astype(str)
        .apply(
            lambda row: "Q3 2023-24" in " ".join(row) and "another editor" in " ".join(row), axis=1
        )
        .any()
    )


def test_an_editors_cached_export_is_never_served_to_the_public_view(
    env: AppEnv, sample_store: Store
) -> None:
    publish_sample_history(sample_store, out=io.StringIO())
    _data_page()  # an editor's run: the officers' export, internal notes and all, is cached
    internal = corrective_form.officers_export(sample_store.url)
    assert "internal_note" in internal.columns and internal["internal_note"].astype(bool).any()

    env.configure(public=True)
    at = run_page("app.py")  # the first run in public mode drops everything cached
    assert not at.exception, at.exception
    public = corrective_form.officers_export(sample_store.url)
    assert "internal_note" not in public.columns
    assert "action_internal_note" not in public.columns


def test_many_red_indicators_get_one_link_to_them_all_on_the_indicators_page(
    env: AppEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(follow_up, "LINKS_SHOWN", 2)
    at = run_page("app.py")
    assert not at.exception, at.exception
    links = [link.proto for link in at.get("page_link") if "Indicators" in link.proto.page]
    one_by_one = [link for link in links if link.label.endswith("trend and actions")]
    assert len(one_by_one) == 2
    everything = [link for link in links if link.label.startswith("All ")]
    assert len(everything) == 1
    found = re.fullmatch(r"All ([\d,]+) Red indicators on the Indicators page", everything[0].label)
    assert found, everything[0].label
    red = int(found.group(1).replace(",", ""))
    assert red > 2
    query = parse_qs(everything[0].query_string)
    assert query["rag"] == ["Red"]
    listed = run_page("pages/2_Indicators.py", query=query)
    assert not listed.exception, listed.exception
    shown = [d.value for d in listed.dataframe if "Ref" in d.value.columns]
    assert len(shown) == 1
    assert len(shown[0]) == red


def _red_count(at: Any) -> int:
    for md in at.markdown:
        found = re.search(r"(\d+) indicators? (?:is|are) Red this quarter", str(md.value))
        if found:
            return int(found.group(1))
    raise AssertionError("no follow-up summary")


def _load_a_new_red_indicator(store: Store) -> None:
    """Another process loads PI-91, Red in Q3 2023-24 (10 against a target of 100)."""
    load(
        store,
        [
            FileInput(
                "t.csv",
                (
                    "Ref,Name,Priority,Unit,Good is,Period,Actual,Target\n"
                    f"PI-91,Zebra crossings checked,{P1},count,higher is better,Q3 2023-24,10,100\n"
                ).encode(),
            )
        ],
        "another instance",
    )


def test_the_follow_up_laid_out_once_shows_a_load_by_another_process(
    env: AppEnv, sample_store: Store
) -> None:
    """The follow-up's texts and tables are cached per view; a load elsewhere drops them."""
    query: dict[str, str | list[str]] = {"quarter": "Q3 2023-24"}
    before = _red_count(run_page("app.py", query=query))
    assert _red_count(run_page("app.py", query=query)) == before  # the cached layout
    _load_a_new_red_indicator(sample_store)
    after = run_page("app.py", query=query)
    assert not after.exception, after.exception
    assert _red_count(after) == before + 1
    assert any("PI-91" in str(h.value) for h in after.get("html"))


def _slide_one(query: dict[str, str | list[str]]) -> str:
    at = run_page("pages/5_Presentation.py", query=query)
    assert not at.exception, at.exception
    bodies = [h.proto.body for h in at.get("html") if 'class="hd-slide' in h.proto.body]
    assert len(bodies) == 1, len(bodies)
    return bodies[0]


def _red_on_slide(body: str) -> int:
    """The summary slide's count of Red indicators, from its bar's text alternative."""
    found = re.search(r'aria-label="\d+ indicators: [^"]*?(\d+) red', body)
    assert found, body[:3000]
    return int(found.group(1))


def test_the_presentations_cached_deck_shows_a_load_by_another_process(
    env: AppEnv, sample_store: Store
) -> None:
    """The deck is built once per view and cached; a load elsewhere drops it, so the slide shown
    next counts the new Red indicator."""
    query: dict[str, str | list[str]] = {"quarter": Q3.label, "draft": "1"}
    before = _slide_one(query)
    assert _slide_one(query) == before  # the cached deck
    _load_a_new_red_indicator(sample_store)
    after = _slide_one(query)
    assert _red_on_slide(after) == _red_on_slide(before) + 1
