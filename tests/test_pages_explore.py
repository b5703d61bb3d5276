"""AppTest tests for the Indicators, Flagship actions and Highlights pages, on the shipped sample data,
plus the pure helpers behind them (harrow_dash.outputs.explore, the trend chart's data).

Each page test runs the real page file against a private copy of the sample database. Pages are run
through ``app.py`` (``switch_page``) because the shared frame's navigation links resolve page paths
against the entry point, as they do in the browser. Known figures (see data/sample/README.md):
Q3 2023-24 has 45 indicators (22 green, 6 amber, 9 red, 2 ratings withheld, 6 not rated with the
official RAG; PI-41's Green and PI-39's (a 0, suppressed by default) are withheld as they would narrow
down a suppressed count), 19 of them
in "A borough that is clean and safe"; PI-37 (rough sleepers) is 3 in Q3 2023-24, a suppressed count;
31 flagship action lines: 7 complete, 16 on track, 5 minor slippage, 3 off track.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from apptest_helpers import html_table, open_on_demand, table_rows
from streamlit.testing.v1 import AppTest

from harrow_dash.outputs import charts, explore, views
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store

REPO = Path(__file__).resolve().parents[1]
Q3 = "Q3 2023-24"
CLEAN_AND_SAFE = "A borough that is clean and safe"
RESIDENTS_FIRST = "A council that puts residents first"


@pytest.fixture
def db_url(sample_db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private copy of the sample database, named in the environment the app reads."""
    target = tmp_path / "pages.duckdb"
    shutil.copyfile(sample_db_file, target)
    wal = sample_db_file.with_name(sample_db_file.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    url = f"duckdb:///{target}"
    monkeypatch.setenv("HARROW_DASH_DATABASE_URL", url)
    monkeypatch.delenv("HARROW_DASH_PUBLIC", raising=False)
    monkeypatch.delenv("HARROW_DASH_SUPPRESS_ZERO", raising=False)
    return url


def run_page(page: str, query: dict[str, str | list[str]] | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def choose(at: AppTest, priority: str | None = None, directorate: str | None = None) -> AppTest:
    at.selectbox(key="filter_quarter").select(Q3)
    if priority:
        at.multiselect(key="filter_priority").select(priority)
    if directorate:
        at.multiselect(key="filter_directorate").select(directorate)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


TABLES = {  # a table's accessible name (its alt text) starts with...
    "indicators": "Indicators matching the filters",
    "actions": "Flagship actions with their status",
}


def tables(at: AppTest, name: str) -> list[pd.DataFrame]:
    """The dataframes whose accessible name starts with ``TABLES[name]`` (or ``name`` itself)."""
    start = TABLES.get(name, name)
    return [d.value for d in at.dataframe if d.proto.alt.startswith(start)]


def frame(at: AppTest, name: str) -> pd.DataFrame:
    found = tables(at, name)
    assert found, f"no table named {name!r}"
    return found[0]


def plain(text: str) -> str:
    """Markdown as read: backslash escapes (how user text is shown safely) removed."""
    return re.sub(r"\\(.)", r"\1", text)


def infos(at: AppTest) -> list[str]:
    return [plain(i.value) for i in at.info]


def markdown_text(at: AppTest) -> str:
    return plain("\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]))


def chart_data(at: AppTest) -> list[pd.DataFrame]:
    """The data each Altair chart on the page sends to the browser."""
    out = []
    for chart in at.get("vega_lite_chart"):
        for ds in chart.proto.datasets:
            out.append(pa.ipc.open_stream(ds.data.data).read_all().to_pandas())
    return out


# -- Indicators -----------------------------------------------------------------------------------


def test_indicators_lists_every_indicator_with_status(db_url: str) -> None:
    at = choose(run_page("2_Indicators.py"))
    table = frame(at, "indicators")
    assert len(table) == 45
    captions = [c.value for c in at.caption]
    assert any(
        "45 indicators: 22 green, 6 amber, 9 red, 2 ratings withheld (small number), 6 not rated"
        in c
        for c in captions
    )
    # The trend line column carries numbers; the picker starts empty, so no chart is drawn until
    # an indicator is picked (or named in the link), and the page says how to get one.
    assert table.loc[table["Ref"] == "PI-01", "Trend"].iloc[0][-1] == pytest.approx(236)
    assert at.multiselect(key="ind_select").value == []
    assert not at.get("vega_lite_chart")
    assert any("Pick one or more indicators" in i for i in infos(at))
    at.multiselect(key="ind_select").select("PI-01").run()
    assert len(at.get("vega_lite_chart")) == 1
    assert at.query_params["ind"] == "PI-01"  # the link names the pick


def test_indicators_filtered_by_priority_show_the_real_numbers(db_url: str) -> None:
    at = choose(run_page("2_Indicators.py"), priority=CLEAN_AND_SAFE)
    table = frame(at, "indicators").set_index("Ref")
    assert len(table) == 19
    assert set(table["Priority"]) == {CLEAN_AND_SAFE}
    assert table.at["PI-16", "Actual"] == "1,184"
    assert table.at["PI-16", "Target"] == "1,000"
    assert table.at["PI-16", "RAG"] == "\u2716 Red"
    # A falling count of a "lower is better" measure is improving.
    assert table.at["PI-14", "Since last quarter"] == "\u25b2 improving"
    assert table.at["PI-28", "Actual"] == "Not due this quarter (annual measure)"
    assert table.at["PI-28", "RAG"] == "\u25cb Not rated"
    assert table.at["PI-19", "Data note"].startswith("\u26a0")


def test_indicators_search_narrows_the_list(db_url: str) -> None:
    at = choose(run_page("2_Indicators.py"))
    at.text_input(key="ind_search").input("planning applications").run()
    assert list(frame(at, "indicators")["Ref"]) == ["PI-07", "PI-08"]
    at.text_input(key="ind_search").input("no such words here").run()
    assert any("No indicators match" in i for i in infos(at))


def test_indicators_empty_filters_say_so(db_url: str) -> None:
    at = choose(
        run_page("2_Indicators.py"), priority=RESIDENTS_FIRST, directorate="People - Adults"
    )
    assert any("No indicators match these filters" in i for i in infos(at))
    assert not tables(at, "indicators")


def test_suppressed_count_shows_fewer_than_5(db_url: str) -> None:
    at = run_page("2_Indicators.py", {"ind": "PI-37"})
    at = choose(at)
    assert at.multiselect(key="ind_select").value == ["PI-37"]
    table = frame(at, "indicators").set_index("Ref")
    assert table.at["PI-37", "Actual"] == "fewer than 5"
    # The trend line leaves the small counts out (Q3 2023-24 is 3 in the data).
    assert 3.0 not in table.at["PI-37", "Trend"]
    assert not tables(at, "Quarterly values of PI-37")  # drawn when opened
    assert open_on_demand(at) == 1
    numbers = frame(at, "Quarterly values of PI-37").set_index("Quarter")
    assert numbers.at[Q3, "Actual"] == "fewer than 5"
    assert "3" not in set(numbers["Actual"])
    assert "fewer than 5" in markdown_text(at)
    # The chart's own data (sent to the browser) holds no raw value for the suppressed quarters.
    # (The trend's own dataset; a comparison group's band, if any, comes as another.)
    (data,) = [d for d in chart_data(at) if "suppressed" in d]
    hidden = data[data["suppressed"].astype(bool)]
    assert set(hidden["quarter"]) >= {Q3} and hidden["actual"].isna().all()
    assert set(hidden["actual_fmt"]) == {"fewer than 5"}


def _pi39_at_q3(at: AppTest) -> tuple[str, pd.DataFrame]:
    """PI-39's Q3 2023-24 actual as the indicator list shows it, and its trend chart's data."""
    table = frame(at, "indicators").set_index("Ref")
    (data,) = [d for d in chart_data(at) if "suppressed" in d]
    return str(table.at["PI-39", "Actual"]), data


def test_a_zero_count_of_people_is_hidden_by_default_band_zero_to_four(db_url: str) -> None:
    """PI-39 is 0 in Q3 2023-24: by default it reads 'fewer than 5', its Green is withheld, the
    chart draws a band over 0 to 4, and the key says a hidden count is between 0 and 4."""
    at = choose(run_page("2_Indicators.py", {"ind": "PI-39"}))
    actual, data = _pi39_at_q3(at)
    assert actual == "fewer than 5"
    assert "**RAG:** \u2298 Rating withheld" in markdown_text(at)
    q3 = data[data["quarter"] == Q3].iloc[0]
    assert bool(q3["suppressed"]) and pd.isna(q3["actual"])
    hidden = data[data["suppressed"].astype(bool)]
    assert set(hidden["hidden_low"]) == {0.0} and set(hidden["hidden_high"]) == {4.0}
    text = markdown_text(at)
    assert "a hidden count is between 0 and 4" in text  # the key to ratings and the chart's key


def test_with_suppress_zero_off_a_zero_count_is_shown_band_one_to_four(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same page with ``HARROW_DASH_SUPPRESS_ZERO=false``: PI-39 reads 0 (Green), the band of
    the other hidden quarters is 1 to 4, and the key says so."""
    monkeypatch.setenv("HARROW_DASH_SUPPRESS_ZERO", "false")
    at = choose(run_page("2_Indicators.py", {"ind": "PI-39"}))
    actual, data = _pi39_at_q3(at)
    assert actual == "0"
    q3 = data[data["quarter"] == Q3].iloc[0]
    assert not bool(q3["suppressed"]) and q3["actual"] == 0
    assert "**RAG:** \u2714 Green" in markdown_text(at)
    hidden = data[data["suppressed"].astype(bool)]
    assert len(hidden) and set(hidden["hidden_low"]) == {1.0}
    assert set(hidden["hidden_high"]) == {4.0}
    assert "a hidden count is between 1 and 4; a count of 0 is shown as 0" in markdown_text(at)


def test_indicator_link_with_unknown_ref_is_gentle(db_url: str) -> None:
    at = run_page("2_Indicators.py", {"ind": ["PI-99", "pi-16"]})
    assert at.multiselect(key="ind_select").value == ["PI-16"]
    assert any("PI-99" in i for i in infos(at))


def test_picked_indicator_shows_commentary_and_rag_note(db_url: str) -> None:
    at = run_page("2_Indicators.py", {"ind": "PI-19"})
    assert at.multiselect(key="ind_select").value == ["PI-19"]
    assert any("official rating is Amber" in w.value for w in at.warning)
    text = markdown_text(at)
    assert "3,190,000" in text and "Commentary, Q3 2023" in text
    assert open_on_demand(at) == 1
    numbers = frame(at, "Quarterly values of PI-19")
    assert list(numbers["Quarter"])[-1] == Q3


# -- Flagship actions -----------------------------------------------------------------------------


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_flagship_actions_counts_and_split_lines(db_url: str) -> None:
    at = choose(run_page("3_Flagship_actions.py"))
    counts = metrics(at)
    assert counts["\u2605 Complete"] == "7"
    assert counts["\u2714 On track"] == "16"
    assert counts["\u25b2 Minor slippage"] == "5"
    assert counts["\u2716 Off track"] == "3"
    table = frame(at, "actions")
    assert len(table) == 37  # 24 actions and 13 split lines (6 split actions)
    actions = list(table["Action"])
    parent = next(i for i, a in enumerate(actions) if a.startswith("FA-12 "))
    assert "\u21b3 FA-12a" in actions[parent + 1]
    assert "\u21b3 FA-12c" in actions[parent + 3]
    row = table[table["Action"].str.startswith("FA-04 ")].iloc[0]
    assert row["Status"] == "\u2716 Off track"
    assert row["Last quarter"] == "\u25b2 Minor slippage"


def test_flagship_actions_status_filter_and_search(db_url: str) -> None:
    at = choose(run_page("3_Flagship_actions.py"))
    at.multiselect(key="fa_status").select("Off track").run()
    assert metrics(at)["\u2716 Off track"] == "3"
    assert metrics(at)["\u2714 On track"] == "0"
    at.multiselect(key="fa_status").unselect("Off track")
    at.text_input(key="fa_search").input("Grange Farm").run()
    actions = list(frame(at, "actions")["Action"])
    assert [a.replace("\u21b3", " ").split()[0] for a in actions] == [
        "FA-12",
        "FA-12a",
        "FA-12b",
        "FA-12c",
    ]
    at.text_input(key="fa_search").input("nothing matches this").run()
    assert any("No flagship actions match" in i for i in infos(at))


def timeline_rows(at: AppTest) -> list[str]:
    """The first cell of each body row of the page's timeline grid (its HTML element)."""
    return [row[0] for row in table_rows(html_table(at, "hd-tl"))]


def test_flagship_timeline_is_a_table_of_the_lines_shown(db_url: str) -> None:
    """The timeline is an HTML table, not a chart, with one row per line in the commentary table's
    order; the status filter and the search narrow it as they narrow the table."""
    at = choose(run_page("3_Flagship_actions.py"))
    assert not at.get("vega_lite_chart")
    table = frame(at, "actions")
    assert timeline_rows(at) == list(table["Action"])
    at.text_input(key="fa_search").input("Grange Farm").run()
    assert [r.replace("\u21b3", " ").split()[0] for r in timeline_rows(at)] == [
        "FA-12",
        "FA-12a",
        "FA-12b",
        "FA-12c",
    ]


def test_flagship_actions_link_searches_for_the_action(db_url: str) -> None:
    at = run_page("3_Flagship_actions.py", {"action": "FA-06"})
    assert at.text_input(key="fa_search").value == "FA-06"
    assert len(frame(at, "actions")) == 1


def test_flagship_page_summary_and_timeline_give_one_count(db_url: str) -> None:
    """On the page: the summary under the counts and the timeline's description (its caption, what
    a screen reader hears) give the same count for a split action and its lines."""
    at = choose(run_page("3_Flagship_actions.py"))
    at.text_input(key="fa_search").input("Grange Farm").run()
    summary = next(c.value for c in at.caption if "flagship action line" in c.value)
    counted = summary.split(" \u00b7 ", 1)[1].split(" A split action")[0]
    assert counted == "3 flagship action lines: 1 complete, 2 off track."
    caption = html.unescape(html_table(at, "hd-tl").split("<caption>")[1].split("</caption>")[0])
    assert f"in {Q3}, {counted}" in caption


def test_flagship_actions_empty_filters_say_so(db_url: str) -> None:
    at = choose(
        run_page("3_Flagship_actions.py"), priority=RESIDENTS_FIRST, directorate="People - Adults"
    )
    assert any("No flagship actions match these filters" in i for i in infos(at))


# -- Highlights -----------------------------------------------------------------------------------


def test_highlights_this_quarter_grouped_by_priority_with_links(db_url: str) -> None:
    at = choose(run_page("4_Highlights.py"))
    at.segmented_control(key="hl_scope").set_value("This quarter only").run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any("21 achievements and 13 areas for improvement" in c for c in captions)
    headers = [s.value for s in at.main.header]
    assert headers == [
        "Priority 1: " + RESIDENTS_FIRST,
        "Priority 2: " + CLEAN_AND_SAFE,
        "Priority 3: A place where those in need are supported",
    ]
    text = markdown_text(at)
    assert "**\u2714 Achievement**" in text and "**\u2691 Area for improvement**" in text
    links = at.get("page_link")
    assert any("PI\\-01" in link.proto.label or "PI-01" in link.proto.label for link in links)


def test_highlights_search_kind_and_empty_state(db_url: str) -> None:
    at = choose(run_page("4_Highlights.py"), priority=CLEAN_AND_SAFE)
    at.segmented_control(key="hl_scope").set_value("All quarters").run()
    at.text_input(key="hl_search").input("catalytic").run()
    captions = [c.value for c in at.caption]
    assert "5 achievements and 1 area for improvement, newest quarter first." in captions
    at.segmented_control(key="hl_kind").set_value(["improvement"]).run()
    assert "0 achievements and 1 area for improvement, newest quarter first." in [
        c.value for c in at.caption
    ]
    assert "**\u2714 Achievement**" not in markdown_text(at)
    at.text_input(key="hl_search").input("no highlight says this").run()
    assert any("No highlights match \u201cno highlight says this\u201d" in i for i in infos(at))


def test_highlights_all_quarters_newest_first(db_url: str) -> None:
    at = choose(run_page("4_Highlights.py"), priority=RESIDENTS_FIRST)
    at.segmented_control(key="hl_scope").set_value("All quarters").run()
    # The newest quarter in full; each earlier one is an expander that says what it holds.
    newest = [m.value for m in at.markdown if m.value.startswith("### ")]
    assert newest == ["### " + Q3]
    earlier = [e.label for e in at.expander if e.label[:1] == "Q"]
    assert len(earlier) > 3
    quarters = [Q3] + [label.split(":")[0] for label in earlier]
    assert quarters == sorted(quarters, key=lambda q: parse_period(q).key, reverse=True)
    assert all(re.search(r": \d+ achievements?, \d+ areas? for improvement$", e) for e in earlier)
    # Closed, an earlier quarter sends nothing; opened, its items and links are drawn.
    shown_before = markdown_text(at).count("\u2714 Achievement")
    assert open_on_demand(at) == len(earlier)
    assert markdown_text(at).count("\u2714 Achievement") > shown_before
    assert [m.value for m in at.markdown if m.value.startswith("### ")] == ["### " + Q3]


def test_a_search_shows_every_matching_quarter_in_full(db_url: str) -> None:
    at = choose(run_page("4_Highlights.py"), priority=CLEAN_AND_SAFE)
    at.segmented_control(key="hl_scope").set_value("All quarters").run()
    at.text_input(key="hl_search").input("catalytic").run()
    quarters = [m.value for m in at.markdown if m.value.startswith("### ")]
    assert len(quarters) > 1 and not [e for e in at.expander if e.label[:1] == "Q"]


# -- the pure helpers -----------------------------------------------------------------------------


def test_search_matches_every_word_literally() -> None:
    df = pd.DataFrame(
        {"a": ["Fly-tipping (reported)", "ASB incidents", None], "b": ["x", "y", "z"]}
    )
    assert list(explore.search(df, "fly (reported", ["a"]).index) == [0]
    assert list(explore.search(df, "  ", ["a"]).index) == [0, 1, 2]
    assert explore.search(df, "asb z", ["a", "b"]).empty


def test_trend_chart_data_never_holds_a_suppressed_value(sample_store: Store) -> None:
    hist = views.indicator_histories(sample_store, ["PI-37"], RuleSettings(), parse_period(Q3))
    assert 3.0 in set(hist["actual"])  # the raw value is in the store...
    data = charts.trend_frame(hist)
    q3 = data[data["quarter"] == Q3].iloc[0]
    assert pd.isna(q3["actual"]) and q3["actual_text"] == "fewer than 5"
    spec = charts.trend_chart(hist).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert all(r["actual"] is None for r in rows if r["suppressed"])  # ...never in the chart
    assert "(lower is better)" in " ".join(spec["title"]["text"])


def test_action_rows_put_split_lines_under_their_parent(sample_store: Store) -> None:
    period = parse_period(Q3)
    rows = explore.action_rows(sample_store.action_statuses(Filters(period=period), period), period)
    refs = list(rows["ref"])
    assert refs.index("FA-12a") == refs.index("FA-12") + 1
    assert explore.status_counts(rows) == {
        "Complete": 7,
        "On track": 16,
        "Minor slippage": 5,
        "Off track": 3,
        "Not started": 0,
        "Not yet due": 0,
    }
    only = explore.filter_actions(rows, ["Complete"], "Grange")
    assert list(only["ref"]) == ["FA-12", "FA-12a"]
    assert bool(only.set_index("ref").at["FA-12", "context_only"])


def test_flagship_summary_and_timeline_count_a_split_action_once_by_its_lines(
    sample_store: Store,
) -> None:
    """One count: the page's summary and the timeline's description give the same lines per status,
    for the whole plan and for one portfolio; a split action's own status is not counted beside its
    lines (FA-12 is off track and so is its line FA-12b: one off-track line, not two)."""
    period = parse_period(Q3)
    for filters in (
        Filters(period=period),
        Filters(period=period, portfolios=("Planning and Regeneration",)),
    ):
        history = sample_store.action_statuses(filters, period)
        rows = explore.filter_actions(explore.action_rows(history, period))
        assert "FA-12" in set(rows["ref"]) and "FA-12b" in set(rows["ref"])
        summary = explore.describe_status_counts(explore.status_counts(rows))
        timeline = charts.describe_timeline(explore.timeline_frame(history, rows), Q3)
        assert f"in {Q3}, {summary}" in timeline
    grange = rows[rows["ref"].str.startswith("FA-12")]
    counts = explore.status_counts(grange)
    assert counts["Off track"] == 2 and counts["Complete"] == 1  # FA-12b, FA-12c; FA-12a
    assert "3 flagship action lines: 1 complete, 2 off track." in charts.describe_timeline(
        explore.timeline_frame(history, grange), Q3
    )


def test_highlight_scopes_and_link_refs() -> None:
    period = parse_period(Q3)
    items = pd.DataFrame(
        {
            "period": [20233, 20232, 20224, 20223],
            "kind": ["achievement", "improvement", "achievement", "improvement"],
            "text": ["a", "b", "c", "d"],
            "quarter": ["Q3 2023-24", "Q2 2023-24", "Q4 2022-23", "Q3 2022-23"],
            "indicator_ref": ["", "", "", ""],
            "indicator_name": ["", "", "", ""],
            "action_ref": ["", "", "", ""],
            "action_title": ["", "", "", ""],
        }
    )
    assert list(explore.filter_highlights(items, period, "This quarter only")["text"]) == ["a"]
    assert list(explore.filter_highlights(items, period, "Last four quarters")["text"]) == [
        "a",
        "b",
        "c",
    ]
    assert list(explore.filter_highlights(items, period, kinds=["improvement"])["text"]) == [
        "b",
        "d",
    ]
    assert explore.pick_refs(["pi-01", "PI-01", "X"], ["PI-01", "PI-02"]) == (["PI-01"], ["X"])
    assert explore.kind_label("improvement") == "\u2691 Area for improvement"
    assert explore.status_label("Minor slippage") == "\u25b2 Minor slippage"


def test_highlights_download_header_names_the_quarters_its_rows_cover(db_url: str) -> None:
    at = choose(run_page("4_Highlights.py"), priority=RESIDENTS_FIRST)
    at.segmented_control(key="hl_scope").set_value("All quarters").run()
    captions = [c.value for c in at.caption]
    assert any(c.startswith(f"Highlights, Q1 2022-23 to {Q3}: ") for c in captions), captions
    at.segmented_control(key="hl_scope").set_value("This quarter only").run()
    captions = [c.value for c in at.caption]
    assert any(c.startswith(f"Highlights, {Q3}: ") for c in captions), captions


def test_overview_offers_its_counts_as_a_download(db_url: str) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    assert "Summary of performance by priority: 4 rows, as shown on this page." in captions
    from harrow_dash.outputs.explore import summary_download

    table = summary_download(
        {"Green": 2, "Red": 1}, {"Green": 1}, [("P1", {"Red": 1}, {})], {"Green": "on track"}
    )
    assert list(table["Priority"]) == ["All priorities", "P1"]
    assert table.loc[0, "Flagship: on track"] == 2 and table.loc[0, "Flagship action lines"] == 3
    assert table.loc[1, "Indicators"] == 0 and table.loc[0, "Indicators: green"] == 1


# -- polish: keyboard-reachable commentary and downloads placed where users look ------------------


def in_order(node: object) -> list[object]:
    """Every element under ``node`` in the order the page shows them."""
    out = [node]
    for child in getattr(node, "children", {}).values():
        out += in_order(child)
    return out


def test_flagship_commentary_is_offered_without_ticking_a_row(db_url: str) -> None:
    at = choose(run_page("3_Flagship_actions.py"))
    picker = at.selectbox(key=next(k for k in at.session_state if k.startswith("fa_full_")))
    assert picker.label == "Show the full commentary of" and picker.value is None
    assert "Last quarter:" not in markdown_text(at)  # nothing chosen: no detail yet
    table = frame(at, "actions")
    defaults = ("No commentary this quarter.", "Reported by its lines below.")
    i = next(n for n, c in enumerate(table["Commentary"]) if c not in defaults)
    ref = picker.options[i].split(" ")[0]
    assert ref in table["Action"].iloc[i]  # the choices follow the table's rows
    picker.set_value(i).run()
    assert not at.exception
    detail = [e for e in in_order(at.main) if getattr(e, "key", None) == "fa_detail"]
    assert len(detail) == 1
    shown = plain("\n".join(m.value for m in detail[0].markdown))
    assert table["Commentary"].iloc[i] in shown
    assert f"{ref} " in shown


def test_indicator_trend_download_sits_above_the_charts(db_url: str) -> None:
    at = choose(run_page("2_Indicators.py", {"ind": ["PI-01", "PI-02"]}))
    order = in_order(at.main)
    where = {
        "trend download": next(
            n
            for n, e in enumerate(order)
            if getattr(e, "type", "") == "caption" and e.value.startswith("Indicator trends: ")
        ),
        "picker": next(n for n, e in enumerate(order) if getattr(e, "key", None) == "ind_select"),
        "first chart": next(
            n for n, e in enumerate(order) if getattr(e, "key", None) == "ind_card_PI-01"
        ),
    }
    assert where["picker"] < where["trend download"] < where["first chart"], where


def test_priorities_offer_the_flagship_actions_table_as_a_download(db_url: str) -> None:
    at = choose(run_page("1_Priorities.py", {"section": "1"}))
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Priority 1 indicators: ") for c in captions), captions
    actions = [c for c in captions if c.startswith("Priority 1 flagship actions: ")]
    assert actions, captions
    shown = [d.value for d in at.dataframe if "Action" in d.value.columns]
    assert actions[0].startswith(f"Priority 1 flagship actions: {len(shown[0])} rows"), actions


def test_overview_lists_each_highlight_once_under_its_kind(db_url: str) -> None:
    """The Overview's achievements and areas for improvement, per priority: each of the quarter's
    highlights under its own kind's heading (marked by its symbol), none twice, none missing."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30)
    at.run()
    at = choose(at)
    shown: dict[str, list[str]] = {"achievement": [], "improvement": []}
    for block in (m.value for m in at.markdown):
        for marker, kind in (("\u2714\u2002", "achievement"), ("\u2691\u2002", "improvement")):
            if block.startswith(marker):
                shown[kind] += [plain(item.removeprefix(marker)) for item in block.split("\n\n")]
    ov = views.overview(Store(db_url), Filters(period=parse_period(Q3)), RuleSettings())
    assert ov is not None
    placed = ov.highlights[
        ov.highlights["priority_id"].isin([p.priority_id for p in ov.priorities])
    ]
    for kind, texts in shown.items():
        expected = placed.loc[placed["kind"] == kind, "text"].tolist()
        assert texts and sorted(texts) == sorted(expected), kind
