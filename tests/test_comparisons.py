"""Benchmarking end to end: comparator files load (and are refused when wrong), the views rank Harrow
as the rules say, and the Comparisons page shows the rank and quartile of a known measure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from harrow_dash.ingest.load import rollback
from harrow_dash.outputs import comparisons
from harrow_dash.rules.areas import HARROW, LONDON_BOROUGHS
from harrow_dash.rules.benchmarking import standing
from harrow_dash.rules.comparator_periods import parse as parse_comparator_period
from harrow_dash.rules.periods import parse_period
from harrow_dash.store import Store, schema
from tests.apptest_helpers import app_env as _app_env
from tests.apptest_helpers import html_table, page_bytes, run_page, table_rows

PAGE = "pages/7_Comparisons.py"
Q3 = parse_period("Q3 2023-24")
HEADER = ["Area code", "Area name", "Measure id", "Measure name", "Period", "Value", "Source"]


# -- loading ----------------------------------------------------------------------------------------


def test_the_sample_ships_33_boroughs_for_15_or_more_indicators_over_8_quarters(
    sample_store: Store,
) -> None:
    inds = sample_store.benchmarked_indicators()
    assert len(inds) >= 15
    values = sample_store.comparator_values(list(inds["measure"]))
    per_measure = values.groupby("measure").agg(
        areas=("area_code", "nunique"), periods=("period", "nunique")
    )
    assert (per_measure["areas"] == 33).all()
    assert (per_measure["periods"] >= 8).sum() >= 15
    assert set(values["area_code"]) == set(LONDON_BOROUGHS)


def test_comparator_file_refusals_name_row_and_column(
    store: Store, write_csv, prepare_files, db_snapshot
) -> None:
    before = db_snapshot(store)
    path = write_csv(
        "lginform.csv",
        [
            HEADER,
            ["E09000015", "Harrow", "M1", "Measure one", "Q3 2023-24", "84.1", ""],
            ["E9000015", "Harrow", "M1", "Measure one", "Q2 2023-24", "80", ""],
            ["E09000003", "Barnet", "M1", "Measure one", "2023-22", "80", ""],
            ["E09000005", "Brent", "M1", "Measure one", "Q3 2023-24", "lots", ""],
            ["E09000015", "Harrow", "M1", "Measure one", "Q3 2023-24", "84", ""],
            ["E09000009", "Ealing", "M1", "Measure one", "Q3 2023-24", "inf", ""],
        ],
    )
    plan = prepare_files(store, path)
    messages = {(p.row, p.column, p.message) for p in plan.problems}
    assert (
        3,
        'A ("Area code")',
        "'E9000015' is not an ONS GSS area code (a letter and eight digits, e.g. E09000015).",
    ) in messages
    assert (
        4,
        'E ("Period")',
        "'2023-22' is not a financial or academic year: the second year must follow the first "
        "(2022/23).",
    ) in messages
    assert (5, 'F ("Value")', "'lots' is not a number (value).") in messages
    assert any(r == 6 and "duplicate" in m for r, _, m in messages)
    assert (7, 'F ("Value")', "the value is not a finite number.") in messages
    assert db_snapshot(store) == before


def test_comparator_load_rolls_back_exactly(store: Store, write_csv, load_files, db_snapshot):
    before = db_snapshot(store)
    path = write_csv(
        "c.csv",
        [HEADER, ["E09000015", "Harrow", "M1", "Measure one", "2022/23", "[c]", "Oflog"]],
    )
    result = load_files(store, path)
    rows = store.read(sa.select(schema.comparator_values))
    assert rows.loc[0, "period"] == 20220 and bool(rows.loc[0, "suppressed"])
    assert pd.isna(rows.loc[0, "value"])
    assert result.batch_id is not None
    rollback(store, result.batch_id, "tester")
    after = db_snapshot(store)
    assert {k: v for k, v in after.items() if k != "load_batches"} == {
        k: v for k, v in before.items() if k != "load_batches"
    }


@pytest.mark.parametrize(
    ("text", "key"),
    [("Q3 2023-24", 20233), ("2023-24", 20230), ("2023/24", 20230), ("2023/2024", 20230)],
)
def test_comparator_periods_are_quarters_or_financial_years(text: str, key: int) -> None:
    assert parse_comparator_period(text) == key


@pytest.mark.parametrize("text", ["2024-23", "Q5 2023-24", "Sep", "Jun 2023 - Apr 2023"])
def test_comparator_periods_that_cannot_be_read_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_comparator_period(text)


# -- the views ----------------------------------------------------------------------------------------


def _comparison(store: Store, ref: str, group: str = "All London boroughs"):
    inds = store.benchmarked_indicators()
    row = inds[inds["ref"] == ref].iloc[0].to_dict()
    values = store.comparator_values([row["measure"]])
    groups = comparisons.available_groups(store.comparison_groups())
    return (
        comparisons.compare_measure(row, values, store.area_names(), groups[group], Q3, 5),
        values,
        row,
    )


def test_view_rank_matches_the_rule_on_the_raw_values(sample_store: Store) -> None:
    result, values, row = _comparison(sample_store, "PI-12")
    at = values[values["period"] == Q3.key]
    expected = standing(
        dict(zip(at["area_code"], at["value"], strict=True)),
        list(LONDON_BOROUGHS),
        HARROW,
        row["polarity"],
        suppressed=at.loc[at["suppressed"], "area_code"],
        small_numbers=bool(row["counts_people"]),
    )
    assert result.standing == expected
    assert result.period_key == Q3.key
    ours = sample_store.read(
        "SELECT actual FROM indicator_values WHERE ref = 'PI-12' AND period = 20233"
    )
    assert float(at.loc[at["area_code"] == HARROW, "value"].iloc[0]) == ours["actual"].iloc[0]


def test_a_rank_at_the_median_reads_at_the_median_on_every_path(sample_store: Store) -> None:
    """17th of 33 is at the median, not "third quartile": in the sentence (page, briefing,
    Indicators), the ranking table and the overview table (page and downloads), the slides' few words,
    the strip and its summary."""
    from harrow_dash.outputs.comparison_charts import describe_standings
    from harrow_dash.outputs.standings_strip import standings_html

    inds = sample_store.benchmarked_indicators()
    row = inds[inds["ref"] == "PI-12"].iloc[0].to_dict()
    values = sample_store.comparator_values([row["measure"]]).copy()
    at = values["period"] == Q3.key
    others = [c for c in LONDON_BOROUGHS if c != HARROW]
    figure = {c: 101.0 + i + (i >= 16) for i, c in enumerate(others)} | {HARROW: 117.0}
    values.loc[at, "value"] = values.loc[at, "area_code"].map(figure)
    values.loc[at, "suppressed"] = False
    group = comparisons.available_groups(sample_store.comparison_groups())["All London boroughs"]
    result = comparisons.compare_measure(row, values, sample_store.area_names(), group, Q3, 5)
    assert result.standing is not None and result.standing.rank == 17
    assert "17th of 33 London boroughs, at the median (" in result.sentence
    table = comparisons.display_table(result, 5)
    assert table.loc[table["GSS code"] == HARROW, "Quartile"].item() == "at the median"
    assert "third quartile" not in set(table["Quartile"]).intersection({"at the median"})
    over, _ = comparisons.overview(
        inds[inds["ref"] == "PI-12"], values, sample_store.area_names(), group, Q3, 5
    )
    assert over["Quartile"].item() == "at the median"
    assert "at the median" in comparisons.short_standings({"PI-12": result})["PI-12"]
    assert describe_standings(over, group.name).endswith(": 1 at the median.")
    assert ", at the median" in standings_html(over, "")


def test_small_counts_of_people_stay_suppressed_even_if_the_file_gives_them(
    sample_store: Store,
) -> None:
    with sample_store.begin() as conn:
        conn.execute(
            sa.update(schema.comparator_values)
            .where(schema.comparator_values.c.measure == "ILL-HOUS-02")
            .values(value=3.0, suppressed=False)
        )
    result, _, _ = _comparison(sample_store, "PI-37")
    assert result.standing is not None and result.standing.rank is None
    assert result.standing.ranked == 0
    assert result.standing.suppressed + result.standing.missing == 33
    assert "3" not in set(comparisons.display_table(result, 5)["Value"])


def test_an_annual_measure_uses_the_latest_year_that_has_ended(sample_store: Store) -> None:
    result, _, _ = _comparison(sample_store, "PI-44")
    assert result.period_label == "year 2022-23"


def test_loaded_groups_are_offered_beside_the_london_ones(sample_store: Store) -> None:
    groups = comparisons.available_groups(sample_store.comparison_groups())
    assert list(groups)[:3] == ["All London boroughs", "Outer London", "Inner London"]
    neighbours = groups["Statistical neighbours (illustrative)"]
    assert HARROW in neighbours.members and len(neighbours.members) == 11
    result, _, _ = _comparison(sample_store, "PI-12", neighbours.name)
    assert result.standing is not None and result.standing.group_size == 11


def test_public_store_sees_comparators_only_up_to_the_latest_published_quarter(
    sample_store: Store,
) -> None:
    with sample_store.begin() as conn:
        conn.execute(sa.delete(schema.published_quarters))
    sample_store.publish(parse_period("Q1 2023-24"), "tester")
    public = sample_store.public_view()
    values = public.comparator_values(["ILL-CTAX-01"])
    assert values["period"].max() == parse_period("Q1 2023-24").key


# -- the page -------------------------------------------------------------------------------------------


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sample_db_file: Path) -> Iterator:
    import shutil

    db = tmp_path / "app.duckdb"
    shutil.copyfile(sample_db_file, db)
    yield from _app_env(monkeypatch, tmp_path, db)


def test_comparisons_page_states_rank_and_quartile_for_a_known_measure(
    app_env, sample_db_file: Path
) -> None:
    store = Store(f"duckdb:///{sample_db_file}")
    try:
        expected, _, _ = _comparison(store, "PI-12")
    finally:
        store.dispose()
    assert expected.standing is not None and expected.standing.rank is not None
    at = run_page(PAGE, query={"quarter": "Q3 2023-24", "measure": "PI-12"})
    assert not at.exception and not at.error
    sentence = expected.standing.describe("London boroughs")
    shown = [m.value for m in at.markdown]
    assert any(sentence in str(v) for v in shown), shown
    assert at.selectbox(key="cmp_measure").value == "PI-12"
    body = page_bytes(at)
    assert b"Where Harrow stands" in body
    assert len(at.get("vega_lite_chart")) == 1  # the ranking; the standings are an HTML strip


def test_the_standings_strip_gives_each_ranked_indicator_its_rank_and_quartile(app_env) -> None:
    """The strip's rows are the standings table's ranked rows, in its order, each with the rank
    written and the quartile in words (for screen readers); the table's unranked rows are not
    drawn, as the chart did not draw them."""
    query = {"quarter": "Q3 2023-24", "measure": "PI-12"}
    opened = run_page(PAGE, query=query, session={"cmp_standings_numbers": True})
    (table,) = [d.value for d in opened.dataframe if "Where Harrow stands" in d.value]
    rows = table_rows(html_table(opened, "hd-st"))
    ranked = table[table["Rank"] != "not ranked"]
    assert len(rows) == len(ranked) > 5
    for (name, place), (ref, rank, quartile) in zip(
        rows, zip(ranked["Ref"], ranked["Rank"], ranked["Quartile"], strict=True), strict=True
    ):
        assert name.split()[0] == ref
        # The diamond, then the rank (or the rank, then the diamond, near the right end), then the
        # quartile in words for screen readers.
        assert place in (f"\u25c6 {rank}, {quartile}", f"{rank} \u25c6, {quartile}")


def test_the_numbers_behind_the_ranking_are_sent_when_their_expander_is_opened(
    app_env,
) -> None:
    query = {"quarter": "Q3 2023-24", "measure": "PI-12"}
    closed = run_page(PAGE, query=query)
    (box,) = [e for e in closed.expander if e.label == "The numbers behind the chart"]
    assert not box.dataframe  # not drawn while closed
    opened = run_page(PAGE, query=query, session={"cmp_numbers": True})
    (box,) = [e for e in opened.expander if e.label == "The numbers behind the chart"]
    (table,) = box.dataframe
    assert "Harrow (us)" in set(table.value["Area"])


def test_the_numbers_behind_the_standings_are_sent_when_their_expander_is_opened(
    app_env,
) -> None:
    query = {"quarter": "Q3 2023-24", "measure": "PI-12"}
    label = "The numbers behind the chart: every indicator"
    closed = run_page(PAGE, query=query)
    (box,) = [e for e in closed.expander if e.label == label]
    assert not box.dataframe and not closed.dataframe  # no table drawn on first view
    opened = run_page(PAGE, query=query, session={"cmp_standings_numbers": True})
    (box,) = [e for e in opened.expander if e.label == label]
    (table,) = box.dataframe
    assert "PI-12" in set(table.value["Ref"])
    assert "Where Harrow stands" in table.value


def test_comparisons_page_follows_the_group_in_the_link(app_env) -> None:
    at = run_page(
        PAGE,
        query={"quarter": "Q3 2023-24", "measure": "PI-12", "group": "Outer London"},
    )
    assert at.selectbox(key="cmp_group").value == "Outer London"
    assert any("outer London boroughs" in str(m.value) for m in at.markdown)


def test_comparisons_page_unknown_group_in_link_is_said_as_text(app_env) -> None:
    at = run_page(PAGE, query={"group": "[x](https://evil.example)"})
    assert at.selectbox(key="cmp_group").value == "All London boroughs"
    assert any("not in the data" in str(i.value) for i in at.info)
    assert b"evil.example" not in page_bytes(at).replace(b"evil.example)", b"")


# -- the briefing pack ------------------------------------------------------------------------------


def test_briefing_pack_gives_rank_and_quartile_for_benchmarked_indicators(
    sample_store: Store,
) -> None:
    import io

    from docx import Document

    from harrow_dash.outputs.briefing import build_briefing
    from harrow_dash.rules.filters import Filters
    from harrow_dash.rules.scorecard import RuleSettings

    filters = Filters(period=Q3)
    expected, _, _ = _comparison(sample_store, "PI-12")
    assert expected.standing is not None
    doc = Document(io.BytesIO(build_briefing(sample_store, filters, RuleSettings(0.05, 5, False))))
    rows = [
        [c.text for c in row.cells]
        for table in doc.tables
        for row in table.rows
        if row.cells[0].text == "PI-12"
    ]
    assert [
        "PI-12",
        expected.indicator,
        expected.standing.describe("London boroughs"),
        "Q3 2023-24",
        "",  # the sample gives no benchmarks (England, a region) beside the boroughs
    ] in rows
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings.count("How Harrow compares") >= 2


def test_indicators_page_gives_rank_and_draws_the_group_band(app_env, sample_db_file: Path) -> None:
    store = Store(f"duckdb:///{sample_db_file}")
    try:
        expected, _, _ = _comparison(store, "PI-12", "Outer London")
    finally:
        store.dispose()
    assert expected.standing is not None
    at = run_page(
        "pages/2_Indicators.py",
        query={"quarter": "Q3 2023-24", "ind": "PI-12", "group": "Outer London"},
    )
    assert not at.exception
    texts = [str(m.value) for m in at.markdown]
    sentence = expected.standing.describe("outer London boroughs")
    assert any("Compared with Outer London" in t and sentence in t for t in texts), texts
    body = page_bytes(at)
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]

    def subtitle(spec: dict) -> str:  # its lines, as one sentence (the subtitle wraps)
        lines = (
            spec.get("title", {}).get("subtitle", "") if isinstance(spec.get("title"), dict) else ""
        )
        return " ".join(lines) if isinstance(lines, list) else str(lines)

    assert any(
        "upper_quartile" in json.dumps(spec) and "middle half of" in subtitle(spec)
        for spec in specs
    )
    assert b"Group median" in body


# -- the presentation -------------------------------------------------------------------------------


def test_slides_give_rank_and_quartile_to_indicators_that_need_attention(
    sample_store: Store,
) -> None:
    from harrow_dash.outputs import slides
    from harrow_dash.outputs.views import overview
    from harrow_dash.rules.filters import Filters
    from harrow_dash.rules.scorecard import RuleSettings

    filters = Filters(period=Q3)
    ov = overview(sample_store, filters, RuleSettings())
    short = comparisons.short_standings(comparisons.indicator_standings(sample_store, filters, 5))
    deck = slides.build_deck(ov, short)
    attention = [
        item
        for s in deck.slides
        for sec in s.sections
        if sec.kind == "attention"
        for item in sec.items
    ]
    ranked = [i for i in attention if i.ref in short]
    assert ranked, "some indicator that needs attention has comparator data in the sample"
    for item in ranked:
        assert item.standing == short[item.ref]
        assert " of 33 London boroughs, " in item.standing
        # A quartile, or (17th of 33) "at the median", never "third quartile" for the middle place.
        assert ("quartile" in item.standing) != ("at the median" in item.standing)
        assert not item.standing.startswith("17th of 33 London boroughs, third")
        html = slides.slide_html(
            next(s for s in deck.slides if item in [i for x in s.sections for i in x.items]),
            len(deck),
            deck.period,
            True,
        )
        assert item.standing in html
    for s in deck.slides:  # the extra line is budgeted: every slide still fits
        for sec in s.sections:
            if s.kind == "priority" and sec.kind == "attention":
                assert slides.section_px(sec.items, "attention") <= slides.BUDGET_PX


def test_no_group_median_is_drawn_when_most_figures_are_hidden(sample_store: Store) -> None:
    """Rough sleepers (a count of people): most boroughs' figures are suppressed, so a median of the
    few published (the high ones) would mislead; neither the band nor the median line is drawn."""
    inds = sample_store.benchmarked_indicators()
    values = sample_store.comparator_values(list(inds["measure"]))
    groups = comparisons.available_groups({})
    london = groups["All London boroughs"]
    bands = comparisons.trend_bands(values, "ILL-HOUS-02", london, True, 5)
    assert Q3.key not in set(bands["period"])  # 6 of 33 published in Q3 2023-24
    assert (bands["areas"] * 2 >= 33).all()
    from harrow_dash.outputs.comparison_charts import ranking_chart

    result, _, _ = _comparison(sample_store, "PI-37")
    spec = ranking_chart(result, 5).to_dict()
    assert "median" not in str(spec)
    assert not comparisons.trend_bands(values, "ILL-WASTE-01", london, False, 5).empty
