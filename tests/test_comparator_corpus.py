"""The comparator corpus (tests/comparators/): each published shape loads exactly the figures it must,
with its benchmarks, measure names, kinds of year and notes; a bad file is refused with exactly its
messages and loads nothing.

The files and their expectations are written by ``tests/comparators/make_corpus.py``.
"""

from __future__ import annotations

import importlib.util
import io
import math
import sys
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from harrow_dash.ingest.load import FileInput, commit, prepare
from harrow_dash.rules import comparator_periods
from harrow_dash.rules.gss import marker_words
from harrow_dash.store import Store
from harrow_dash.store import schema as s

CORPUS = Path(__file__).resolve().parent / "comparators"
pytestmark = pytest.mark.both_databases


def _corpus():
    spec = importlib.util.spec_from_file_location(
        "make_comparator_corpus", CORPUS / "make_corpus.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_comparator_corpus"] = module
    spec.loader.exec_module(module)
    return module


corpus = _corpus()
GOOD = [c for c in corpus.CASES if not c.problems]
BAD = [c for c in corpus.CASES if c.problems]
BY_NAME = {c.name: c for c in corpus.CASES}


def _input(name: str) -> FileInput:
    return FileInput(name, (corpus.FILES / name).read_bytes())


def _ods_cells(content: bytes) -> list[list[str]]:
    from harrow_dash.ingest.readers import read_file

    sheets, problems = read_file(content, "x.ods")
    assert not problems
    return [s.headings + [c for row in s.data.to_numpy().tolist() for c in row] for s in sheets]


def _cells(content: bytes) -> list[list[object]]:
    wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [[list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets]


@pytest.mark.parametrize("case", corpus.CASES, ids=lambda c: c.name)
def test_the_files_on_disk_are_what_the_script_writes(case) -> None:
    on_disk = (corpus.FILES / case.name).read_bytes()
    made = corpus.file_bytes(case)
    if case.name.endswith(".csv"):
        assert on_disk == made
    elif case.name.endswith(".ods"):
        assert _ods_cells(on_disk) == _ods_cells(made)
    else:  # a workbook's zip carries times; its cells are what matter
        assert _cells(on_disk) == _cells(made)


def _load(store: Store, name: str):
    plan = prepare(store, [_input(name)])
    assert plan.ok, "\n".join(str(p) for p in plan.problems)
    result = commit(store, plan, "tester")
    assert result.batch_id is not None
    return plan


@pytest.mark.parametrize("case", GOOD, ids=lambda c: c.name)
def test_each_published_shape_loads_exactly_its_figures(store: Store, case) -> None:
    for earlier in case.after:
        _load(store, earlier)
    before = store.read(sa.select(s.comparator_values.c.area_code, s.comparator_values.c.measure))
    plan = _load(store, case.name)
    rows = store.read(sa.select(s.comparator_values))
    if case.after:  # only this file's figures: the earlier files' stay as they were
        rows = rows[rows["batch_id"] == rows["batch_id"].max()]
    loaded = {
        (r.area_code, r.measure, comparator_periods.label(int(r.period))): (
            None if r.suppressed else round(float(r.value), 6)
        )
        for r in rows.itertuples()
    }
    expected = {k: (None if v is None else round(float(v), 6)) for k, v in case.values.items()}
    assert set(loaded) == set(expected), (
        f"missing {sorted(set(expected) - set(loaded))[:5]}, "
        f"extra {sorted(set(loaded) - set(expected))[:5]}"
    )
    for k, v in expected.items():
        assert loaded[k] == v or (v is not None and math.isclose(loaded[k], v)), k
    # A suppressed figure is stored without its number.
    assert rows.loc[rows["suppressed"].astype(bool), "value"].isna().all()
    markers = {
        (r.area_code, r.measure, comparator_periods.label(int(r.period))): marker_words(r.marker)
        for r in rows.itertuples()
        if marker_words(r.marker)
    }
    assert markers == case.markers
    areas = store.read(sa.select(s.areas))
    benchmarks = set(areas.loc[areas["kind"] == "benchmark", "code"])
    assert benchmarks == case.benchmarks
    measures = store.read(sa.select(s.comparator_measures)).set_index("measure")
    for measure, name in case.measure_names.items():
        assert measures.at[measure, "name"] == name
    for measure, kind in case.year_types.items():
        assert measures.at[measure, "year_type"] == kind
    notes = [p.message for p in plan.warnings]
    for note in case.notes:
        assert any(note in n for n in notes), (note, notes)
    assert len(before) == 0 or case.after


@pytest.mark.parametrize("case", BAD, ids=lambda c: c.name)
def test_bad_comparator_files_are_refused_with_their_messages(
    store: Store, case, db_snapshot
) -> None:
    before = db_snapshot(store)
    plan = prepare(store, [_input(case.name)])
    assert [str(p) for p in plan.problems] == case.problems
    assert db_snapshot(store) == before


def test_a_comparator_file_loads_again_unchanged(store: Store) -> None:
    _load(store, "fingertips_physical_activity.csv")
    plan = prepare(store, [_input("fingertips_physical_activity.csv")])
    assert plan.ok and plan.added == 0 and plan.changed == 0


def test_the_corpus_has_every_publisher_and_london(store: Store) -> None:
    assert len(GOOD) >= 8
    for case in GOOD:
        if case.after:
            continue
        codes = {code for code, _, _ in case.values}
        assert set(corpus.LONDON_BOROUGHS) <= codes, case.name


def test_a_measure_matched_on_the_data_page_is_compared_remembered_and_rolled_back(
    sample_store: Store,
) -> None:
    from harrow_dash.ingest.load import rollback
    from harrow_dash.ingest.measure_match import (
        indicator_names,
        likely_indicators,
        match_measures,
        unmatched_measures,
    )
    from harrow_dash.outputs import comparisons
    from harrow_dash.rules.areas import LONDON_BOROUGHS
    from harrow_dash.rules.periods import Period

    _load(sample_store, "oflog_recycling.xlsx")
    metric = corpus.OFLOG_METRIC
    unmatched = unmatched_measures(sample_store)
    assert metric in set(unmatched["measure"])
    likely = likely_indicators(metric, indicator_names(sample_store))
    ref = likely[0]
    names = indicator_names(sample_store).set_index("ref")["name"]
    assert "recycl" in names[ref].lower(), (ref, names[ref])
    before = store_row(sample_store, ref)
    batch = match_measures(sample_store, {metric: ref}, "editor@example.gov.uk")
    assert batch is not None
    assert metric not in set(unmatched_measures(sample_store)["measure"])
    # Remembered: the indicator is compared with the measure from now on.
    indicators = sample_store.benchmarked_indicators()
    row = indicators[indicators["ref"] == ref].iloc[0].to_dict()
    assert row["measure"] == metric
    values = sample_store.comparator_values([metric])
    group = comparisons.pick_group(comparisons.available_groups({}), None)
    names_by_code = {**LONDON_BOROUGHS, **sample_store.area_names()}
    result = comparisons.compare_measure(
        row, values, names_by_code, group, Period(2023, 3), threshold=5
    )
    assert result.period_label == "year 2022-23"
    england = corpus.figure("oflog", "E92000001", "2022-23", 18, 52)
    assert result.benchmark_sentence == f"Benchmarks for year 2022-23: England {england:.1f}%."
    shown = comparisons.display_table(result, 5).set_index("GSS code")
    harrow = corpus.figure("oflog", "E09000015", "2022-23", 18, 52)
    assert shown.at["E09000015", "Value"] == f"{harrow:.1f}% (provisional)"
    # [c] on a rate: held back by the publisher, which says nothing about its size.
    assert shown.at["E09000020", "Value"] == "suppressed"
    assert shown.at["E09000020", "Rank"] == "not ranked"
    # Listed in the load history, and rolled back exactly.
    batches = sample_store.batches()
    assert batches.iloc[0]["file_name"] == "Comparator measures matched on the Data page"
    rollback(sample_store, batch, "editor@example.gov.uk")
    assert store_row(sample_store, ref) == before


def store_row(store: Store, ref: str) -> dict:
    rows = store.read(sa.select(s.indicators).where(s.indicators.c.ref == ref))
    return rows.iloc[0].to_dict()


def test_comparator_figures_for_a_published_quarter_load_and_roll_back_without_a_revision(
    sample_store: Store, db_snapshot
) -> None:
    """Other areas' figures come out months after Cabinet saw the quarter: loading them is not a
    change to the published record, and neither is rolling them back."""
    from harrow_dash.ingest.load import rollback

    before = db_snapshot(sample_store)
    plan = prepare(sample_store, [_input("lginform_council_tax.csv")])
    assert plan.ok and not plan.changes_published
    result = commit(sample_store, plan, "tester")
    assert result.batch_id is not None
    assert plan.added == 33 * 3 + 2 * 3 + 2 + 1  # values, the two averages, the measure
    rollback(sample_store, result.batch_id, "tester")
    after = db_snapshot(sample_store)
    assert {k: v for k, v in after.items() if k != "load_batches"} == {
        k: v for k, v in before.items() if k != "load_batches"
    }


def test_an_area_found_by_its_name_keeps_the_dashboards_name(store: Store) -> None:
    _load(store, "lginform_names_only.csv")
    names = store.area_names()
    assert names["E09000015"] == "Harrow"
    assert names["E09000020"] == "Kensington and Chelsea"
    assert names["E92000001"] == "England"


def test_the_briefing_pack_gives_the_benchmarks_beside_the_rank(sample_store: Store) -> None:
    from docx import Document

    from harrow_dash.ingest.measure_match import match_measures
    from harrow_dash.outputs.briefing import build_briefing
    from harrow_dash.rules.filters import Filters
    from harrow_dash.rules.periods import Period
    from harrow_dash.rules.scorecard import RuleSettings

    _load(sample_store, "oflog_recycling.xlsx")
    match_measures(sample_store, {corpus.OFLOG_METRIC: "PI-12"}, "tester")
    doc = Document(
        io.BytesIO(build_briefing(sample_store, Filters(period=Period(2023, 3)), RuleSettings()))
    )
    rows = [
        [c.text for c in row.cells]
        for t in doc.tables
        if [c.text for c in t.rows[0].cells][-1] == "Benchmarks"
        for row in t.rows
    ]
    pi12 = next(r for r in rows if r[0] == "PI-12")
    england = corpus.figure("oflog", "E92000001", "2022-23", 18, 52)
    assert pi12[3:] == ["year 2022-23", f"England {england:.1f}%"]


def test_a_stray_word_in_a_column_of_figures_is_refused_not_dropped(store: Store, tmp_path) -> None:
    """In a file with a column per measure, a column of numbers with one word in it is still a
    measure: the word is refused by name, and nothing of the column is lost silently."""
    text = (
        "time_period,time_identifier,geographic_level,new_la_code,la_name,enrolments\n"
        "202223,Academic year,Local authority,E09000015,Harrow,31000\n"
        "202223,Academic year,Local authority,E09000003,Barnet,lots\n"
    )
    plan = prepare(store, [FileInput("dfe.csv", text.encode())])
    assert [str(p) for p in plan.problems] == [
        "dfe.csv, row 3, column F (\"enrolments\"): 'lots' is not a number (value)."
    ]


def test_a_benchmarks_small_count_of_people_is_hidden_as_an_areas_is() -> None:
    """One disclosure rule for every figure shown: a benchmark's small count of people is not
    shown beside the rank any more than an area's is."""
    import pandas as pd

    from harrow_dash.outputs import comparisons
    from harrow_dash.rules.areas import LONDON_BOROUGHS
    from harrow_dash.rules.periods import Period

    rows = [("E09000015", 12.0)] + [(c, 20.0 + i) for i, c in enumerate(list(LONDON_BOROUGHS)[:5])]
    rows += [("E92000001", 900.0), ("E12000007", 3.0)]
    values = pd.DataFrame(
        {
            "area_code": [c for c, _ in rows],
            "measure": "M",
            "period": Period(2023, 3).key,
            "value": [v for _, v in rows],
            "suppressed": False,
        }
    )
    names = {**LONDON_BOROUGHS, "E92000001": "England", "E12000007": "London"}
    group = comparisons.pick_group(comparisons.available_groups({}), None)
    row = {"ref": "PI-X", "name": "X", "measure": "M", "unit": "count", "polarity": "lower"}
    people = comparisons.compare_measure(
        {**row, "counts_people": True}, values, names, group, Period(2023, 3), 5
    )
    assert people.benchmarks == (("England", "900"),)
    others = comparisons.compare_measure(
        {**row, "counts_people": False}, values, names, group, Period(2023, 3), 5
    )
    assert others.benchmarks == (("England", "900"), ("London", "3"))
