"""GSS markers where figures are shown: one function gives a stored marker's words
(``gss.marker_words``) and every path uses it: the rated values the pages show (Indicators table and
trend tooltip, Overview), the downloads (a separate ``status`` column beside numeric figures), the
briefing pack ("72.4% (provisional)"). A marker never reveals a suppressed count.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from apptest_helpers import AppEnv, app_env, page_bytes, run_page, small_tables
from docx import Document

from harrow_dash.ingest.load import FileInput, load
from harrow_dash.outputs.briefing import build_briefing
from harrow_dash.outputs.export_files import csv_bytes, excel_bytes
from harrow_dash.outputs.exports import analysable
from harrow_dash.outputs.views import indicators_at
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.gss import marker_words
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RuleSettings, rate
from harrow_dash.store import Store

Q3 = parse_period("Q3 2023-24")
MARKED = (
    "Ref,Period,Actual\n"
    "PI-02,Q3 2023-24,72.4% [p]\n"  # the sample's figure, now provisional
    "PI-03,Q3 2023-24,[x]\n"  # not available
    "PI-37,Q3 2023-24,3 [r]\n"  # a small count of people (suppressed), revised
    "PI-17,Q3 2023-24,38 [e]\n"  # the Overview's biggest improvement, estimated
    "PI-17,Q2 2023-24,47 [r]\n"  # and the quarter it is compared with, revised
)


@pytest.fixture
def marked(sample_store: Store) -> Store:
    load(sample_store, [FileInput("marked.csv", MARKED.encode())], "tester")
    return sample_store


def test_marker_words_is_the_one_rule():
    assert [marker_words(m) for m in ("p", "p,e", "r", "er", "u", "x", "z", "c", "low", "w")] == [
        "provisional",
        "provisional, estimated",
        "revised",
        "estimated and revised",
        "low reliability",
        "not available",
        "not applicable",
        "held back (confidential)",
        "held back (low figure)",
        "held back (no or few events)",
    ]
    assert marker_words(None) == marker_words("") == marker_words(float("nan")) == ""


def _frame(actual, marker, counts_people=False, unit="count", frequency="quarterly"):
    n = len(actual)
    return pd.DataFrame(
        {
            "actual": np.array(actual, dtype=float),
            "target": [5.0] * n,
            "target_upper": [np.nan] * n,
            "polarity": ["lower"] * n,
            "tolerance": [np.nan] * n,
            "official_rag": [None] * n,
            "frequency": [frequency] * n,
            "not_due": [False] * n,
            "unit": [unit] * n,
            "counts_people": [counts_people] * n,
            "marker": marker,
        }
    )


def test_rated_values_say_the_marker_and_the_no_figure_states():
    rated = rate(
        _frame(
            [69.0, np.nan, np.nan, np.nan, np.nan, 12.0], ["p", "x", "z", "c", None, None], unit="%"
        )
    )
    assert rated["actual_text"].tolist() == [
        "69% (provisional)",
        "Not available",
        "Not applicable",
        "Held back (confidential)",
        "Not yet reported",
        "12%",
    ]
    assert rated["state"].tolist() == [
        "reported",
        "not available",
        "not applicable",
        "held back",
        "not yet reported",
        "reported",
    ]
    assert rated["rag"].tolist()[1:4] == ["Not rated"] * 3  # no figure: never zero, never rated
    assert rated["marker_text"].tolist() == [
        "provisional", "not available", "not applicable", "held back (confidential)", "", "",
    ]  # fmt: skip


def test_a_marker_never_reveals_a_suppressed_count():
    """Every output is the same whichever hidden count (1 to 4) is stored beside the marker."""
    outputs = set()
    for hidden in (1.0, 2.0, 3.0, 4.0):
        rated = rate(_frame([hidden], ["p"], counts_people=True))
        outputs.add(tuple(rated[["actual_text", "marker_text", "state"]].iloc[0]))
    assert outputs == {("fewer than 5 (provisional)", "provisional", "reported")}


def test_page_downloads_have_numbers_and_a_status_column_with_the_marker_in_words(marked: Store):
    inds = indicators_at(marked, Filters(period=Q3), RuleSettings())
    table = pd.DataFrame(
        {"Ref": inds["ref"], "Indicator": inds["name"], "Actual": inds["actual_text"]}
    )
    shown = dict(zip(table["Ref"], table["Actual"], strict=True))
    assert (shown["PI-02"], shown["PI-03"], shown["PI-37"]) == (
        "72.4% (provisional)",
        "Not available",
        "fewer than 5 (revised)",
    )
    download = analysable(table, inds)
    assert list(download.columns)[:4] == ["Ref", "Indicator", "actual", "status"]
    rows = list(csv.DictReader(io.StringIO(csv_bytes(download).decode("utf-8-sig"))))
    by_ref = {r["Ref"]: r for r in rows}
    assert list(rows[0])[:4] == ["Ref", "Indicator", "Actual", "Status"]
    assert (by_ref["PI-02"]["Actual"], by_ref["PI-02"]["Status"]) == ("72.4", "provisional")
    assert (by_ref["PI-03"]["Actual"], by_ref["PI-03"]["Status"]) == ("", "missing")
    assert (by_ref["PI-03"]["Reporting state"]) == "not available"
    # A suppressed count: no number, and the status says only that (never the figure).
    assert (by_ref["PI-37"]["Actual"], by_ref["PI-37"]["Status"]) == ("", "suppressed")
    assert by_ref["PI-01"]["Status"] == ""
    import openpyxl

    sheet = [
        list(r)
        for r in openpyxl.load_workbook(io.BytesIO(excel_bytes(download, ["t"]))).active.iter_rows()
    ]
    h = next(i for i, r in enumerate(sheet) if r[0].value == "Ref")
    assert [c.value for c in sheet[h]][:4] == ["Ref", "Indicator", "Actual", "Status"]
    pi02 = next(r for r in sheet[h + 1 :] if r[0].value == "PI-02")
    assert (pi02[2].value, pi02[2].data_type, pi02[3].value) == (72.4, "n", "provisional")


def test_the_briefing_pack_writes_the_marker_beside_the_figure(marked: Store):
    doc = Document(io.BytesIO(build_briefing(marked, Filters(period=Q3), RuleSettings())))
    cells = {
        row.cells[0].text: row.cells[2].text
        for table in doc.tables
        if [c.text for c in table.rows[0].cells][:3] == ["Ref", "Indicator", "Actual"]
        for row in table.rows[1:]
    }
    assert cells["PI-02"] == "72.4% (provisional)"
    assert cells["PI-03"] == "Not available"
    assert cells["PI-37"] == "fewer than 5 (revised)"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert (
        "PI-02 FOI requests answered within 20 working days \u2013 72.4% (provisional) against"
        in text
    )
    assert "3 (revised)" not in text and "3.0" not in text  # the hidden count stays hidden


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, marked: Store) -> Iterator[AppEnv]:
    yield from app_env(monkeypatch, tmp_path, Path(marked.engine.url.database or ""))


def test_the_indicators_page_shows_provisional_in_its_table_and_trend_tooltip(env: AppEnv):
    at = run_page("pages/2_Indicators.py", query={"ind": "PI-02", "quarter": "Q3 2023-24"})
    assert not at.exception
    table = next(e.value for e in at.dataframe if list(e.value.columns)[:2] == ["Ref", "Indicator"])
    actual = dict(zip(table["Ref"], table["Actual"], strict=True))
    assert actual["PI-02"] == "72.4% (provisional)"
    assert actual["PI-03"] == "Not available"
    # The trend chart's data (its tooltip reads actual_fmt) says so too.
    assert b"72.4% (provisional)" in page_bytes(at)


def test_the_load_preview_shows_a_changed_marker_in_words(marked: Store):
    from harrow_dash.ingest.load import prepare
    from harrow_dash.ingest.report import changes_table

    plan = prepare(marked, [FileInput("e.csv", b"Ref,Period,Actual\nPI-02,Q3 2023-24,72.4% [e]\n")])
    assert plan.ok
    assert changes_table(plan)[["Row", "Field", "Old value", "New value"]].values.tolist() == [
        ["PI-02 Q3 2023-24", "Marker", "provisional", "estimated"]
    ]


def test_open_data_gives_the_marker_in_words(marked: Store):
    from harrow_dash.outputs.open_data import resources

    marked.publish(Q3, "publisher")
    public = marked.public_view()
    try:
        values = next(r for r in resources(public, RuleSettings()) if r.name == "indicator-values")
    finally:
        public.dispose()
    frame = values.frame
    q3 = frame[frame["quarter"] == "Q3 2023-24"].set_index("ref")
    assert q3.loc["PI-02", ["actual", "marker"]].tolist() == [72.4, "provisional"]
    assert q3.loc["PI-03", ["actual_note", "marker"]].tolist() == ["Not available", "not available"]
    assert pd.isna(q3.loc["PI-37", "actual"])  # still suppressed
    assert q3.loc["PI-37", ["actual_note", "marker"]].tolist() == [
        "fewer than 5 (revised)",
        "revised",
    ]


def test_the_overview_lists_a_mover_with_its_marker(env: AppEnv):
    at = run_page("app.py", query={"quarter": "Q3 2023-24"})
    assert not at.exception
    improvements = small_tables(at)["Biggest improvements"]
    row = improvements[improvements["Indicator"].str.startswith("PI-17 ")].iloc[0]
    assert (row["Then"], row["Now"]) == ("47 (revised)", "38 (estimated)")


def test_monthly_figures_beside_a_trend_say_their_marker():
    from harrow_dash.outputs.explore import monthly_table

    history = pd.DataFrame(
        {"ref": ["PI-60"], "period": [20231], "unit": ["count"], "counts_people": [False]}
    )
    months = pd.DataFrame(
        {
            "ref": ["PI-60"] * 3,
            "month": [202304, 202305, 202306],
            "actual": [280.0, 301.0, 295.0],
            "quarter_rule": ["sum"] * 3,
            "marker": ["p", None, "p,e"],
        }
    )
    assert monthly_table(months, history)["Monthly figure"].tolist() == [
        "280 (provisional)",
        "301",
        "295 (provisional, estimated)",
    ]
