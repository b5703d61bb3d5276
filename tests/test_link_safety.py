"""Links keep their meaning and cannot put content on a page (AppTest over every page, real DuckDB).

* A crafted link (each payload in every URL parameter any page reads) or a file whose text fields
  carry the payloads (names, commentary, highlights, directorates, portfolios) puts nothing active on
  any page, inside the council or in public mode: no Markdown, HTML, link, image, icon code, colour
  directive or LaTeX reaches an element that renders Markdown, and a 10,000-character value is cut.
  The browser test (tests/browser/test_link_safety_in_browser.py) checks the rendered page and its requests.
* The quarter is written into the URL on first render, the default one too; a quarter in a link this
  viewer cannot see gets a note naming the quarter shown instead.
* A quarter with nothing reported says so on every page, with no counts and no briefing pack.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apptest_helpers import REPO_ROOT, AppEnv, app_env, page_files, run_page, unescape
from streamlit.testing.v1 import AppTest

from harrow_dash.ingest.load import FileInput, Revision, load
from harrow_dash.rules.periods import Period
from harrow_dash.store import Store
from tests.payloads import PAYLOADS

# What each payload looks like if it reached Markdown unescaped (or HTML unescaped).
ACTIVE_MARKDOWN = re.compile(
    r"\]\(|!\[|(?<!\\)<img|\*\*bold\*\*|:red\[|\$x\^2\$|:material/home:|https?://evil|www\.evil|A{200}"
)
# In HTML, "onerror=" is active only inside a tag: escaped into text ("&lt;img src=x onerror=...")
# it is what the reader should see, as in the follow-up's table of Red indicators.
ACTIVE_HTML = re.compile(r"<img src=x|<[^>]*\bonerror=|A{200}")
# Every parameter a page reads from its URL: the filter bar's and the pages' own.
MULTI_PARAMS = ("priority", "directorate", "portfolio", "rag", "ind")
SINGLE_PARAMS = ("quarter", "section", "action", "group", "measure", "slide")
PAGES = [p for p in page_files() if p != "pages/6_Data.py"]  # the Data page reads no parameter
# Pages without the filter bar read no filter parameter, so they have no note about one.
NO_FILTERS = {p for p in PAGES if "show_filters=False" in (REPO_ROOT / p).read_text("utf-8")}
Q3, Q4 = Period(2023, 3), Period(2023, 4)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sample_store: Store) -> Iterator[AppEnv]:
    sample_store.publish(Q3, "test")
    db_path = Path(sample_store.engine.url.database or "")
    yield from app_env(monkeypatch, tmp_path, db_path)


def _walk(node: Any, out: list[tuple[str, str, str]]) -> None:
    """(element type, field, text) for every text Streamlit renders as Markdown or HTML."""
    proto = getattr(node, "proto", None)
    kind = type(node).__name__
    if proto is not None:
        names = {f.name for f, _ in proto.ListFields()}
        for field in ("body", "label", "help", "placeholder"):
            if field in names and isinstance(getattr(proto, field), str):
                out.append((kind, field, getattr(proto, field)))
        if kind in ("Radio", "ButtonGroup") and "options" in names:
            out += [(kind, "options", str(o)) for o in proto.options]
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            _walk(child, out)


def rendered_texts(at: AppTest) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    _walk(at._tree, out)
    return out


def assert_nothing_active(at: AppTest, what: str) -> None:
    assert not at.exception, f"{what}: {[e.value for e in at.exception]}"
    for kind, field, text in rendered_texts(at):
        pattern = ACTIVE_HTML if kind == "Html" else ACTIVE_MARKDOWN
        found = pattern.search(text)
        assert found is None, f"{what}: {kind}.{field} shows {found.group()!r} in {text[:200]!r}"


def link(single: str) -> dict[str, str | list[str]]:
    """Every multi-valued parameter carries every payload; every single-valued one ``single``."""
    query: dict[str, str | list[str]] = {k: list(PAYLOADS) for k in MULTI_PARAMS}
    query.update({k: single for k in SINGLE_PARAMS})
    return query


@pytest.mark.parametrize("public", [False, True], ids=["internal", "public"])
@pytest.mark.parametrize("page", PAGES)
def test_a_crafted_link_puts_nothing_on_the_page(env: AppEnv, page: str, public: bool) -> None:
    env.configure(public=public)
    for single in PAYLOADS:
        at = run_page(page, query=link(single))
        assert_nothing_active(at, f"{page} with {single[:30]!r}")
        if page in NO_FILTERS:
            continue
        notes = [unescape(i.value) for i in at.info]
        # Each unknown directorate is named in a note as literal text (a long one cut short).
        for payload in PAYLOADS[:-1]:
            assert any(f"directorate \u2018{payload}\u2019" in n for n in notes), (page, payload)
        assert any("\u2018" + "A" * 119 + "\u2026\u2019" in n for n in notes)
        # Never another quarter silently: the note names the quarter shown instead.
        assert any("is not a quarter like Q3 2023-24" in n and "instead" in n for n in notes)


def payload_file() -> bytes:
    """New indicators, an action and highlights whose text fields are the payloads."""
    lines = [
        "Ref,Name,Description,Priority,Directorate,Portfolio holder,Unit,Polarity,Period,"
        "Actual,Target,Commentary"
    ]
    for i, p in enumerate(PAYLOADS):
        q = '"' + p.replace('"', '""') + '"'
        lines.append(
            f"PI-9{i},{q},{q},A council that puts residents first,{q},{q},%,higher is better,"
            f"Q3 2023-24,50,60,{q}"
        )
    return ("\n".join(lines) + "\n").encode()


def test_text_fields_with_payloads_put_nothing_on_any_page(
    env: AppEnv, sample_store: Store
) -> None:
    # Q3 is published: the payloads go in as a revision with a reason (which the pages show too).
    load(
        sample_store,
        [FileInput("payloads.csv", payload_file())],
        "test",
        revision=Revision("Payload test figures"),
    )
    sample_store.publish(Q3, "test")  # published again: the public view has the new definitions
    for public in (False, True):
        env.configure(public=public)
        for page in PAGES:
            query: dict[str, str | list[str]] = {"quarter": Q3.label}
            if page == "pages/2_Indicators.py":
                query["ind"] = [f"PI-9{i}" for i in range(6)]
            at = run_page(page, query=query)
            assert_nothing_active(at, f"{page} (public={public})")
    # The names do reach the pages, as text: the check above is not vacuous.
    env.configure()
    at = run_page("pages/2_Indicators.py", query={"quarter": Q3.label, "ind": ["PI-90"]})
    shown = [unescape(t) for _, _, t in rendered_texts(at)]
    assert any("[x](https://evil.example)" in t for t in shown)


# -- the quarter in the URL -------------------------------------------------------------------------


def test_the_default_quarter_is_written_into_the_url(env: AppEnv) -> None:
    # Local mode: the user is an editor, who opens on the latest mostly reported quarter (Q3; Q4
    # has rows but nothing reported).
    at = run_page("app.py")
    assert at.query_params["quarter"] == Q3.label
    assert at.selectbox(key="filter_quarter").value == Q3.label


def test_one_value_for_a_new_quarter_does_not_move_the_default(
    env: AppEnv, sample_store: Store
) -> None:
    load(sample_store, [FileInput("one.csv", b"Ref,Period,Actual\nPI-01,Q1 2024-25,99\n")], "t")
    at = run_page("app.py")
    assert at.query_params["quarter"] == Q3.label
    options = at.selectbox(key="filter_quarter").options
    assert options[0] == "Q1 2024-25 (draft, partly reported)"
    assert "Q3 2023-24 (published)" in options and "Q4 2023-24 (draft, nothing reported)" in options


def test_a_quarter_no_longer_present_gets_a_note(env: AppEnv) -> None:
    at = run_page("app.py", query={"quarter": "Q1 2030-31"})
    notes = [unescape(i.value) for i in at.info]
    assert any("Q1 2030-31" in n and f"showing {Q3.label} instead" in n for n in notes), notes
    assert at.selectbox(key="filter_quarter").value == Q3.label


def test_the_priority_shown_on_priorities_is_in_the_url(env: AppEnv) -> None:
    at = run_page("pages/1_Priorities.py", query={"quarter": Q3.label, "section": "2"})
    assert at.query_params["section"] == "2"
    assert any(h.value.startswith("Priority 2:") for h in at.header)
    at.radio(key="priority_page").set_value("3").run()
    assert at.query_params["section"] == "3"


# -- a quarter with nothing reported ----------------------------------------------------------------


@pytest.mark.parametrize("page", [p for p in PAGES if "Presentation" not in p])
def test_a_quarter_with_nothing_reported_says_so(env: AppEnv, page: str) -> None:
    at = run_page(page, query={"quarter": Q4.label})
    assert not at.exception
    words = " ".join(unescape(str(e.value)) for e in [*at.info, *at.markdown, *at.caption])
    # Highlights lists what was recorded up to the quarter and Comparisons the comparator data:
    # neither is a position of the quarter's own.
    if page not in NO_FILTERS and "Highlights" not in page and "Comparisons" not in page:
        assert "Nothing has been reported for Q4 2023-24" in words, words[:500]
    assert "not rated" not in words and "not started" not in words.replace("not the same as", "")
    assert not [b for b in at.get("download_button") if "Briefing" in str(b.proto.label)]


def test_a_quarter_before_any_action_status_says_no_status_reported(env: AppEnv) -> None:
    for page in ("app.py", "pages/1_Priorities.py", "pages/3_Flagship_actions.py"):
        at = run_page(page, query={"quarter": "Q1 2022-23"})
        assert not at.exception
        words = " ".join(unescape(str(e.value)) for e in [*at.info, *at.markdown])
        assert "No flagship action status has been reported for Q1 2022-23" in words, page
        assert "not started or not yet due" not in words
