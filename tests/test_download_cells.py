"""Downloads that can be analysed without traps (issue 20, section 2).

A figure column of a downloaded file (CSV, Excel, OpenDocument, open data, the public command-line
export) holds numbers or blanks only, so a SUM or a chart over it works; why a cell has no number, or
what qualifies it, is a plain word in a separate status column. Ratings are plain words (``Green``,
``withheld``); the glyphs the pages draw beside words never reach a file. One function
(:func:`harrow_dash.outputs.download_cells.figure_cell`) gives the cell rule for every path.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from harrow_dash.ingest.load import FileInput, load
from harrow_dash.outputs import explore
from harrow_dash.outputs.download_cells import figure_cell, plain_text, rating_word
from harrow_dash.outputs.export_files import csv_bytes, excel_bytes, export_context, ods_bytes
from harrow_dash.outputs.exports import analysable
from harrow_dash.outputs.views import indicator_histories, indicators_at
from harrow_dash.rules.action_status import GROUP_ICONS
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RAG_ICONS, RuleSettings
from harrow_dash.rules.travel import Travel
from harrow_dash.store import Store

Q3 = parse_period("Q3 2023-24")
# Figures with GSS symbols, loaded over the sample (a real DuckDB or PostgreSQL database).
MARKED = (
    "Ref,Period,Actual\n"
    "PI-02,Q3 2023-24,72.4% [p]\n"  # provisional: the number stays
    "PI-03,Q3 2023-24,[x]\n"  # not available: missing
    "PI-04,Q3 2023-24,[c]\n"  # confidential: held back by the source
    "PI-05,Q3 2023-24,[z]\n"  # not applicable
    "PI-17,Q3 2023-24,38 [e]\n"  # estimated
)
# Every glyph a page draws beside words: none of them may be in a downloaded file.
GLYPHS = (
    set(RAG_ICONS.values())
    | set(GROUP_ICONS.values())
    | set(explore.STATUS_ICONS.values())
    | set(explore.KIND_MARKERS.values())
    | {t.arrow for t in Travel if t is not Travel.NO_COMPARISON}
    | {"\u26a0", "\u21b3"}
)
RATING_WORDS = {"Green", "Amber", "Red", "withheld", "not rated"}


@pytest.fixture
def marked(sample_store: Store) -> Store:
    load(sample_store, [FileInput("marked.csv", MARKED.encode())], "tester")
    return sample_store


def page_table(inds: pd.DataFrame) -> pd.DataFrame:
    """The Indicators page's list and its download table, as the page builds them."""
    return explore.indicator_download(explore.indicator_list(inds, explore.TrendLines.none()))


def indicators_download(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    inds = indicators_at(store, Filters(period=Q3), RuleSettings())
    return inds, analysable(page_table(inds), inds)


def excel_table_from(
    data: bytes, first: str
) -> tuple[list[str], list[list[openpyxl.cell.cell.Cell]]]:
    """The header row (starting ``first``) and the rows under it of a downloaded workbook."""
    rows = [list(r) for r in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows()]
    h = next(i for i, r in enumerate(rows) if r and r[0].value == first)
    return [str(c.value) for c in rows[h]], rows[h + 1 :]


def excel_table(data: bytes) -> tuple[list[str], list[list[openpyxl.cell.cell.Cell]]]:
    return excel_table_from(data, "Ref")


# -- the cell rule ------------------------------------------------------------------------------------


def test_the_cell_rule_gives_a_number_or_blank_and_a_plain_status_word():
    assert figure_cell(3.0, suppressed=True, state="reported") == (None, "suppressed")
    # An editor who sees raw counts on the page gets the number in the file too.
    assert figure_cell(3.0, True, "reported", reveal_suppressed=True) == (3.0, None)
    assert figure_cell(72.4, False, "reported", "p") == (72.4, "provisional")
    assert figure_cell(72.4, False, "no target", "r,e") == (72.4, "revised, estimated")
    assert figure_cell(10, False, "reported") == (10.0, None)
    assert figure_cell(0.0, False, "reported") == (0.0, None)  # zero is a number, not a blank
    assert figure_cell(None, False, "not yet reported") == (None, "missing")
    assert figure_cell(None, False, "not available", "x") == (None, "missing")
    assert figure_cell(None, False, "held back", "c") == (None, "suppressed")
    assert figure_cell(None, False, "not applicable", "z") == (None, "not applicable")
    assert figure_cell(None, False, "not due this quarter") == (None, "not due")
    assert figure_cell(float("nan"), False, None) == (None, "missing")


def test_ratings_are_plain_words_and_the_withheld_rating_is_withheld():
    assert [rating_word(r) for r in ("Green", "Amber", "Red")] == ["Green", "Amber", "Red"]
    assert rating_word("Withheld") == "withheld"
    assert rating_word("Not rated") == rating_word(None) == "not rated"


def test_every_label_a_page_writes_with_a_glyph_has_plain_words_in_a_download():
    from harrow_dash.rules.action_status import ActionStatus
    from harrow_dash.rules.action_status import status_label as group_label
    from harrow_dash.rules.scorecard import RAG_ORDER, rag_label

    labels = (
        [rag_label(r) for r in RAG_ORDER]
        + [t.text for t in Travel]
        + [explore.status_label(s.value) for s in ActionStatus]
        + [group_label(s.value) for s in ActionStatus]
        + [explore.kind_label(k) for k in explore.KIND_WORDS]
        + [explore.RAG_NOTE_FLAG, explore.SPLIT_MARK + "FA-10a  A split line"]
    )
    for label in labels:
        words = plain_text(label)
        assert not GLYPHS & set(words), (label, words)
        assert words.strip() == words and words, label
    assert plain_text(rag_label("Withheld")) == "withheld"
    assert plain_text(Travel.WITHHELD.text) == "withheld"
    assert plain_text("\u2716 Red") == "Red"
    # Text typed by people is never changed, even when it starts with a glyph.
    assert plain_text("\u2714 Done early, see note") == "\u2714 Done early, see note"


# -- the page downloads (Indicators, Priorities, trends) ------------------------------------------------


def test_excel_download_figure_columns_are_numbers_or_blanks_so_a_sum_works(marked: Store):
    inds, download = indicators_download(marked)
    assert inds["suppressed"].astype(bool).any(), "the sample should have a suppressed count"
    headers, rows = excel_table(excel_bytes(download, ["Harrow Council: test"]))
    for name in ("Actual", "Target"):
        col = headers.index(name)
        cells = [r[col] for r in rows if r[col].value is not None]
        assert len(cells) > 30
        # Every non-blank cell is a real number (openpyxl type 'n'), so SUM over it counts them all.
        assert {c.data_type for c in cells} == {"n"}, name
        assert sum(c.value for c in cells) == pytest.approx(
            sum(v for v in download[name.lower()] if v is not None)
        )
    by_ref = {r[0].value: r for r in rows}
    status = headers.index("Status")
    actual = headers.index("Actual")
    for ref in inds.loc[inds["suppressed"].astype(bool), "ref"]:
        assert (by_ref[ref][actual].value, by_ref[ref][status].value) == (None, "suppressed")
    assert (by_ref["PI-02"][actual].value, by_ref["PI-02"][status].value) == (72.4, "provisional")
    assert (by_ref["PI-03"][actual].value, by_ref["PI-03"][status].value) == (None, "missing")
    assert (by_ref["PI-04"][actual].value, by_ref["PI-04"][status].value) == (None, "suppressed")
    assert by_ref["PI-05"][status].value == "not applicable"
    assert (by_ref["PI-17"][actual].value, by_ref["PI-17"][status].value) == (38, "estimated")


def test_csv_download_figure_columns_hold_numbers_or_blanks_only(marked: Store):
    _inds, download = indicators_download(marked)
    rows = list(csv.DictReader(io.StringIO(csv_bytes(download).decode("utf-8-sig"))))
    for name in ("Actual", "Target"):
        cells = [r[name] for r in rows]
        assert all(c == "" or float(c) == float(c) for c in cells), name
    assert {r["Status"] for r in rows} <= {
        "",
        "suppressed",
        "missing",
        "not due",
        "not applicable",
        "provisional",
        "estimated",
        "revised",
    }
    assert not any("fewer than" in v for r in rows for v in r.values())


def test_trend_download_figure_columns_are_numbers_or_blanks(sample_store: Store):
    suppressed = indicators_at(sample_store, Filters(period=Q3), RuleSettings())
    ref = suppressed.loc[suppressed["suppressed"].astype(bool), "ref"].iloc[0]
    hist = indicator_histories(sample_store, [ref], RuleSettings(), Q3)
    display = explore.trend_download({ref: hist}, {ref: "A count of people"})
    download = analysable(display, hist.assign(ref=ref))
    headers, rows = excel_table(excel_bytes(download, ["t"]))
    actual, status = headers.index("Actual"), headers.index("Status")
    assert all(r[actual].value is None or r[actual].data_type == "n" for r in rows)
    assert any(r[status].value == "suppressed" and r[actual].value is None for r in rows)
    assert {r[headers.index("RAG")].value for r in rows} <= RATING_WORDS


def test_ratings_in_page_downloads_are_plain_words_with_withheld_for_a_withheld_rating(
    sample_store: Store,
):
    inds, download = indicators_download(sample_store)
    assert "Withheld" in set(inds["rag"]), "the sample should have a withheld rating"
    rows = list(csv.DictReader(io.StringIO(csv_bytes(download).decode("utf-8-sig"))))
    assert {r["RAG"] for r in rows} <= RATING_WORDS
    withheld = set(inds.loc[inds["rag"] == "Withheld", "ref"])
    assert {r["Ref"] for r in rows if r["RAG"] == "withheld"} == withheld


def test_no_glyph_reaches_any_page_download(sample_store: Store):
    """Indicators (ratings, travel, data notes), flagship actions (statuses, split lines) and
    highlights: every file in every format is glyph-free."""
    _inds, indicators = indicators_download(sample_store)
    history = sample_store.action_statuses(Filters())
    actions = explore.action_table(explore.action_rows(history, Q3), Q3)
    assert actions["Status"].str[:1].isin(GLYPHS).any(), "the page shows glyphs"
    assert actions["Action"].str.contains("\u21b3").any(), "the sample has split lines"
    for table in (indicators, actions):
        context = export_context("Test", Filters(period=Q3))
        text = csv_bytes(table).decode("utf-8-sig")
        assert not GLYPHS & set(text)
        for data in (excel_bytes(table, context), ods_bytes(table, context)):
            if data[:2] == b"PK":
                import zipfile

                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    xml = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
                assert not GLYPHS & set(xml)
    statuses = {
        r["Status"] for r in csv.DictReader(io.StringIO(csv_bytes(actions).decode("utf-8-sig")))
    }
    assert "Minor slippage" in statuses or "On track" in statuses


def test_the_download_note_says_a_suppressed_figure_is_blank_with_its_status():
    lines = export_context("Indicators", Filters(period=Q3))
    assert any("blank" in line and "suppressed" in line for line in lines)
    assert not any("shown as" in line for line in lines)


# -- open data and the public command-line export -------------------------------------------------------


def test_open_data_values_have_a_status_column_and_plain_ratings(marked: Store):
    from harrow_dash.outputs.open_data import resources

    marked.publish(Q3, "publisher")
    public = marked.public_view()
    try:
        values = next(r for r in resources(public, RuleSettings()) if r.name == "indicator-values")
    finally:
        public.dispose()
    frame = values.frame
    assert "status" in [f.name for f in values.fields]
    q3 = frame[frame["quarter"] == "Q3 2023-24"].set_index("ref")
    assert q3.loc["PI-02", ["actual", "status"]].tolist() == [72.4, "provisional"]
    assert pd.isna(q3.loc["PI-03", "actual"]) and q3.loc["PI-03", "status"] == "missing"
    hidden = q3[q3["status"] == "suppressed"]
    assert len(hidden) and hidden["actual"].isna().all()
    assert pd.api.types.is_float_dtype(frame["actual"])
    assert set(frame["rag"]) <= RATING_WORDS and "withheld" in set(frame["rag"])
    assert not GLYPHS & set(frame.to_csv(index=False))


# -- the Comparisons page's downloads ---------------------------------------------------------------


def _compared(store: Store, ref: str):
    from harrow_dash.outputs import comparisons

    inds = store.benchmarked_indicators()
    row = inds[inds["ref"] == ref].iloc[0].to_dict()
    values = store.comparator_values([row["measure"]])
    group = comparisons.available_groups(store.comparison_groups())["All London boroughs"]
    return comparisons.compare_measure(row, values, store.area_names(), group, Q3, 5)


def test_the_ranking_download_has_each_areas_figure_as_a_number_or_blank_with_a_status(
    sample_store: Store,
):
    import sqlalchemy as sa

    from harrow_dash.outputs import comparisons
    from harrow_dash.store import schema

    with sample_store.begin() as conn:  # one borough's figure held back by its publisher
        conn.execute(
            sa.update(schema.comparator_values)
            .where(
                (schema.comparator_values.c.measure == "ILL-HOUS-02")
                & (schema.comparator_values.c.area_code == "E09000001")
            )
            .values(value=None, suppressed=True)
        )
    for ref in ("PI-12", "PI-37"):
        chosen = _compared(sample_store, ref)
        shown = comparisons.display_table(chosen, 5)
        download = comparisons.ranking_download(shown, chosen)
        assert len(download) == len(shown) and "Value" not in download.columns
        headers, rows = excel_table_from(excel_bytes(download, ["t"]), "Rank")
        value, status = headers.index("Value"), headers.index("Status")
        assert all(r[value].value is None or r[value].data_type == "n" for r in rows)
        stored = chosen.table["value"].tolist()
        for r, words, v in zip(rows, shown["Value"], stored, strict=True):
            if r[value].value is None:  # "fewer than 5", "suppressed", "no figure" on the page
                assert r[status].value in {"suppressed", "missing"}, words
            else:
                assert r[value].value == pytest.approx(v)
        if ref == "PI-37":  # a count of people: the held-back figure is blank, said suppressed
            assert any(r[status].value == "suppressed" for r in rows)


def test_the_every_indicator_comparison_download_has_harrow_and_the_median_as_numbers(
    sample_store: Store,
):
    from harrow_dash.outputs import comparisons

    group = comparisons.available_groups(sample_store.comparison_groups())["All London boroughs"]
    inds = sample_store.benchmarked_indicators()
    table, _ = comparisons.overview(
        inds,
        sample_store.comparator_values(inds["measure"].tolist()),
        sample_store.area_names(),
        group,
        Q3,
        5,
    )
    download = comparisons.overview_download(table)
    assert len(download) == len(table) > 10
    text = csv_bytes(download).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    for name in ("Harrow", "Group median"):
        assert all(r[name] == "" or float(r[name]) == float(r[name]) for r in rows), name
    assert any(r["Harrow"] for r in rows) and any(r["Group median"] for r in rows)
    assert all((r["Harrow"] == "") == (r["Status"] in {"suppressed", "missing"}) for r in rows)
    assert "fewer than" not in text
