"""Filters are never silently ignored: the directorate and portfolio filters narrow flagship actions and
achievements and areas for improvement as they narrow indicators, on every page and in every output.

* Flagship actions have a directorate and a portfolio holder (the actions layout reads both); a split
  line without its own has its parent's.
* A highlight has the directorate and portfolio of the indicator or action it refers to; one that
  refers to nothing cannot be placed, so a directorate or portfolio filter leaves it out and the
  scope line says how many, in words.
* The RAG filter reads action statuses as the report counts them, everywhere; it does not narrow
  highlights (they have no rating), and the scope line says so.

Expected rows are worked out here from the sample CSV files with pandas, independently of the SQL.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from apptest_helpers import app_env, open_on_demand, run_page
from docx import Document

from harrow_dash.config import SAMPLE_DIR
from harrow_dash.ingest.load import FileInput, load
from harrow_dash.ingest.template import build_template
from harrow_dash.outputs import explore
from harrow_dash.outputs.briefing import build_briefing
from harrow_dash.outputs.export_files import export_context
from harrow_dash.outputs.views import actions_at, overview
from harrow_dash.rules import scope
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store

Q3 = Period(2023, 3)
CHS = "Children's Services"
FHR = "Finance and Human Resources"
RULES = RuleSettings()


# -- what the sample files say, read independently ------------------------------------------------


def _sample(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE_DIR / name, dtype=str, keep_default_na=False)


def action_owners() -> pd.DataFrame:
    """One row per action and line: its directorate and portfolio (a line's own, else its parent's)
    and whether it is a split action's own row."""
    acts = _sample("actions.csv").drop_duplicates("ref").set_index("ref")
    out = pd.DataFrame(index=acts.index)
    for col, own in (("directorate", "directorate"), ("portfolio", "portfolio_holder")):
        out[col] = [
            acts.at[r, own]
            or (acts.at[acts.at[r, "parent_ref"], own] if acts.at[r, "parent_ref"] else "")
            for r in acts.index
        ]
    out["is_parent"] = out.index.isin(set(acts["parent_ref"]) - {""})
    return out


def expected_lines(directorate: str | None = None, portfolio: str | None = None) -> set[str]:
    owners = action_owners()
    keep = ~owners["is_parent"]
    if directorate:
        keep &= owners["directorate"] == directorate
    if portfolio:
        keep &= owners["portfolio"] == portfolio
    return set(owners.index[keep])


def expected_highlights(quarters: set[str], portfolio: str) -> tuple[set[str], set[str], set[str]]:
    """(texts placed in ``portfolio``, texts placed elsewhere, texts that refer to nothing) in the
    given quarters."""
    hl = _sample("highlights.csv")
    hl = hl[hl["period"].isin(quarters)]
    ind = _sample("indicators.csv").drop_duplicates("ref").set_index("ref")["portfolio_holder"]
    act = action_owners()["portfolio"]
    mine, other, nothing = set(), set(), set()
    for r in hl.itertuples():
        owners = {ind[r.indicator_ref]} if r.indicator_ref else set()
        owners |= {act[r.action_ref]} if r.action_ref else set()
        (nothing if not owners else mine if portfolio in owners else other).add(r.text)
    return mine, other, nothing


def test_the_sample_gives_every_action_a_portfolio_and_some_lines_differ_from_their_parent() -> (
    None
):
    owners = action_owners()
    assert (owners["portfolio"] != "").all() and (owners["directorate"] != "").all()
    assert owners.at["FA-20", "portfolio"] == FHR and owners.at["FA-20a", "portfolio"] == CHS
    assert owners.at["FA-20b", "portfolio"] == FHR  # blank in the file: its parent's
    assert expected_lines(portfolio=CHS) == {"FA-18a", "FA-18b", "FA-20a", "FA-22"}


# -- the core --------------------------------------------------------------------------------------


def test_actions_are_filtered_by_their_own_or_their_parents_directorate_and_portfolio(
    sample_store: Store,
) -> None:
    everything = actions_at(sample_store, Filters(period=Q3))
    owners = action_owners()
    got = everything.set_index("ref")
    assert got["portfolio"].to_dict() == owners.loc[got.index, "portfolio"].to_dict()
    for directorate, portfolio in (
        (None, CHS),
        ("Resources", None),
        ("Resources", FHR),
        ("Place", None),
        (None, "Housing"),
    ):
        f = Filters(
            period=Q3,
            directorates=(directorate,) if directorate else (),
            portfolios=(portfolio,) if portfolio else (),
        )
        assert set(actions_at(sample_store, f)["ref"]) == expected_lines(directorate, portfolio), f
    # A split action is listed (for its lines) only when one of its lines matches.
    rows = sample_store.action_statuses(Filters(portfolios=(CHS,)))
    assert {"FA-18", "FA-20"} <= set(rows["ref"]) and "FA-20b" not in set(rows["ref"])


def test_highlights_inherit_the_portfolio_of_what_they_refer_to(sample_store: Store) -> None:
    f = Filters(period=Q3, portfolios=(CHS,))
    mine, other, nothing = expected_highlights({Q3.label}, CHS)
    assert mine and other and nothing  # the sample exercises all three
    assert set(sample_store.highlights(f)["text"]) == mine
    assert set(sample_store.unplaced_highlights(f)["text"]) == nothing
    # Without a directorate or portfolio filter nothing is left out.
    assert sample_store.unplaced_highlights(Filters(period=Q3)).empty
    assert len(sample_store.highlights(Filters(period=Q3))) == len(mine | other | nothing)


def test_the_scope_line_says_what_a_filter_could_not_do() -> None:
    f = Filters(period=Q3, portfolios=(CHS,), rags=("Red",))
    lines = scope.scope_lines(f, {}, 4)
    assert lines[0] == f"Portfolio: {CHS}"
    assert "RAG: Red" in lines
    assert scope.ACTIONS_RAG in lines and scope.HIGHLIGHTS_RAG in lines
    assert (
        "4 achievements and areas for improvement are left out: they refer to no indicator or "
        "flagship action with a directorate and portfolio, so the portfolio filter cannot place "
        "them." in lines
    )
    one = scope.unplaced_sentence(Filters(directorates=("Place",), portfolios=(CHS,)), 1)
    assert one is not None and one.startswith("1 achievement or area for improvement is left out")
    assert "directorate and portfolio filters cannot place it" in one
    assert scope.caveats(Filters(period=Q3), 4) == []  # nothing to say without such filters
    assert scope.short_scope(f, {}) == [f"Portfolio: {CHS}", "RAG: Red"]
    assert scope.short_caveats(f, 4)[-1] == (
        "4 highlights with no indicator or action left out by the portfolio filter"
    )
    assert scope.short_caveats(Filters(period=Q3), 4) == []


# -- the pages -------------------------------------------------------------------------------------


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sample_store: Store) -> Iterator[Store]:
    sample_store.publish(Q3, "tests")  # the presentation shows published quarters
    for _ in app_env(monkeypatch, tmp_path, Path(sample_store.engine.url.database or "")):
        yield sample_store


def plain(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def page_text(at) -> str:
    return plain("\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]))


def unplaced_caption(n: int) -> str:
    return (
        f"{n} achievements and areas for improvement are left out: they refer to no indicator or "
        "flagship action with a directorate and portfolio, so the portfolio filter cannot place them."
    )


def test_overview_counts_and_lists_only_the_portfolios_actions_and_highlights(env: Store) -> None:
    at = run_page("app.py", query={"quarter": Q3.label, "portfolio": CHS})
    assert not at.exception
    text = page_text(at)
    assert "## Flagship actions: 4" in text
    mine, other, nothing = expected_highlights({Q3.label}, CHS)
    assert all(t in text for t in mine)
    assert not any(t in text for t in other | nothing)
    assert unplaced_caption(len(nothing)) in text
    assert "not assigned" not in text


def test_flagship_actions_page_and_its_table_follow_the_portfolio(env: Store) -> None:
    at = run_page("pages/3_Flagship_actions.py", query={"quarter": Q3.label, "portfolio": CHS})
    assert not at.exception
    table = next(d.value for d in at.dataframe if d.proto.alt.startswith("Flagship actions with"))
    refs = {a.strip("\u00a0\u21b3 ").split()[0] for a in table["Action"]}
    assert refs == expected_lines(portfolio=CHS) | {"FA-18", "FA-20"}  # lines and their parents
    assert set(table["Portfolio holder"]) == {CHS, FHR}  # FA-20 itself is Finance's
    assert "4 flagship action lines" in page_text(at)
    assert "not assigned to portfolio holders" not in page_text(at)


def test_highlights_page_follows_the_portfolio_and_counts_what_it_leaves_out(env: Store) -> None:
    at = run_page("pages/4_Highlights.py", query={"quarter": Q3.label, "portfolio": CHS})
    assert not at.exception
    open_on_demand(at)  # earlier quarters are drawn when opened
    last_four = {Q3.shift(-i).label for i in range(4)}
    mine, other, nothing = expected_highlights(last_four, CHS)
    text = page_text(at)
    assert all(t in text for t in mine)
    assert not any(t in text for t in other | nothing)
    assert unplaced_caption(len(nothing)) in text
    assert "do not" not in text  # the old claim that these filters do not narrow this page


def test_priorities_page_follows_the_portfolio(env: Store) -> None:
    at = run_page(
        "pages/1_Priorities.py",
        query={"quarter": Q3.label, "portfolio": CHS, "section": "3"},  # priority 3
    )
    assert not at.exception
    acts = next(d.value for d in at.dataframe if "Action" in d.value.columns)
    assert set(acts["Ref"]) == expected_lines(portfolio=CHS)
    mine, other, nothing = expected_highlights({Q3.label}, CHS)
    text = page_text(at)
    assert all(t in text for t in mine if t in _priority_texts(3))
    assert not any(t in text for t in other | nothing)


def _priority_texts(pid: int) -> set[str]:
    hl = _sample("highlights.csv")
    names = sorted(set(hl["priority"]))
    wanted = {
        1: "A council that puts residents first",
        2: "A borough that is clean and safe",
        3: "A place where those in need are supported",
    }[pid]
    assert wanted in names
    return set(hl.loc[hl["priority"] == wanted, "text"])


def test_presentation_counts_the_portfolios_actions_and_says_what_it_leaves_out(
    env: Store,
) -> None:
    at = run_page("pages/5_Presentation.py", query={"quarter": Q3.label, "portfolio": CHS})
    assert not at.exception
    html = "\n".join(h.proto.body for h in at.get("html"))
    assert f"Portfolio: {CHS.replace(chr(39), '&#x27;')}" in html
    _, _, nothing = expected_highlights({Q3.label}, CHS)
    caveats = html.split('class="hd-note hd-caveats"', 1)[1].split("</p>", 1)[0]
    assert f"{len(nothing)} highlights with no indicator or action left out by the portfolio" in (
        caveats
    )
    assert "4 flagship action lines" in html
    # The note is on the summary slide, which has room for it; the others keep their budget.
    later = run_page(
        "pages/5_Presentation.py", query={"quarter": Q3.label, "portfolio": CHS, "slide": "2"}
    )
    assert 'class="hd-note hd-caveats"' not in "\n".join(h.proto.body for h in later.get("html"))


# -- the outputs -----------------------------------------------------------------------------------


def test_briefing_pack_follows_the_portfolio_and_its_scope_says_what_is_left_out(
    sample_store: Store,
) -> None:
    doc = Document(io.BytesIO(build_briefing(sample_store, Filters(Q3, portfolios=(CHS,)), RULES)))
    paragraphs = [p.text for p in doc.paragraphs]
    scope_line = next(p for p in paragraphs if p.startswith("Scope: "))
    mine, other, nothing = expected_highlights({Q3.label}, CHS)
    assert f"Portfolio: {CHS}." in scope_line and unplaced_caption(len(nothing)) in scope_line
    action_refs = {
        row.cells[0].text
        for t in doc.tables
        if t.rows[0].cells[1].text == "Flagship action"
        for row in t.rows[1:]
    }
    assert action_refs == expected_lines(portfolio=CHS)
    bullets = {p.text for p in doc.paragraphs if p.style.name == "List Bullet"}
    assert bullets == mine


def test_downloads_say_what_the_filters_could_not_do(sample_store: Store) -> None:
    f = Filters(Q3, portfolios=(CHS,))
    history = sample_store.action_statuses(f, until=Q3)
    table = explore.action_table(explore.action_rows(history, Q3), Q3)
    assert {a.strip("\u00a0\u21b3 ").split()[0] for a in table["Action"]} == expected_lines(
        portfolio=CHS
    ) | {"FA-18", "FA-20"}
    notes = scope.caveats(f, 3, actions=False)
    lines = export_context("Highlights", f, {}, notes=notes)
    assert lines[1:4] == [f"Quarter: {Q3.label} ({Q3.as_at})", f"Portfolio: {CHS}", notes[0]]


def test_the_rag_filter_reads_action_statuses_the_same_way_everywhere(sample_store: Store) -> None:
    f = Filters(period=Q3, rags=("Green",))
    ov = overview(sample_store, f, RULES)
    assert ov is not None
    overview_lines = set(ov.actions["ref"])
    rows = explore.action_rows(sample_store.action_statuses(f, until=Q3), Q3)
    page_lines = set(explore.filter_actions(rows, rags=f.rags).query("is_line")["ref"])
    assert page_lines == overview_lines
    statuses = set(explore.filter_actions(rows, rags=f.rags).query("is_line")["status"])
    assert statuses == {"On track", "Complete"}
    not_rated = explore.filter_actions(rows, rags=("Not rated",)).query("is_line")
    assert set(not_rated["status"]) <= {"Not started", "Not yet due"}
    assert len(not_rated) < len(rows.query("is_line"))  # it narrows, not ignored


# -- loading ---------------------------------------------------------------------------------------


def test_the_actions_layout_reads_a_portfolio_holder_and_registers_a_new_one(
    store: Store,
) -> None:
    p1 = "A council that puts residents first"
    rows = (
        "Action ref,Title,Priority,Directorate,Cabinet member,Lead,Parent ref,Period,Status\n"
        f"FA-T1,Open hubs,{p1},Place,New Portfolio,Head of Hubs,,Q3 2023-24,On track\n"
        f"FA-T1a,First hub,{p1},Place,,Head of Hubs,FA-T1,Q3 2023-24,Complete\n"
    )
    load(store, [FileInput("a.csv", rows.encode())], "t")
    assert "New Portfolio" in store.portfolios()
    got = store.action_statuses(Filters(portfolios=("New Portfolio",))).set_index("ref")
    assert got["portfolio"].to_dict() == {"FA-T1": "New Portfolio", "FA-T1a": "New Portfolio"}
    stored = store.read("SELECT ref, portfolio FROM flagship_actions ORDER BY ref")
    assert stored["portfolio"].tolist()[1] is None or pd.isna(stored["portfolio"].tolist()[1])


def test_the_template_has_a_portfolio_holder_column_for_actions() -> None:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(build_template(["Priority"], Q3)))
    ws = wb["Flagship actions"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["Action ref", "Title", "Priority", "Directorate", "Portfolio holder"]


def test_the_sample_loads_every_action_portfolio(sample_store: Store) -> None:
    stored = sample_store.read("SELECT ref, portfolio FROM flagship_actions").set_index("ref")
    own = _sample("actions.csv").drop_duplicates("ref").set_index("ref")["portfolio_holder"]
    assert {
        r: (v if isinstance(v, str) else "") for r, v in stored["portfolio"].items()
    } == own.to_dict()
    assert set(own) - {""} <= set(sample_store.portfolios())
