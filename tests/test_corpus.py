"""The scorecard corpus (tests/scorecards/): every realistic file loads exactly what it must, and every
bad file is refused with exactly the messages it must give, loading nothing.

The files are written by ``tests/scorecards/make_corpus.py``, which also holds the expectations.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from harrow_dash.ingest.headings import Month
from harrow_dash.ingest.load import FileInput, commit, prepare
from harrow_dash.rules.periods import Period
from harrow_dash.store import Store

CORPUS = Path(__file__).resolve().parent / "scorecards"


def _corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = module
    spec.loader.exec_module(module)
    return module


corpus = _corpus()


def _rows(store: Store, query: str) -> list[dict]:
    with store.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(query)).mappings()]


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)


def _file(case) -> FileInput:
    path = corpus.FILES / case.name
    return FileInput(case.name, path.read_bytes())


def test_the_corpus_is_large_enough_and_its_files_are_written():
    assert len(corpus.GOOD) >= 15
    names = {p.name for p in corpus.FILES.iterdir()}
    assert names == {c.name for c in corpus.GOOD + corpus.BAD}
    # Every layout in every format.
    assert {c.name.rsplit(".", 1)[1] for c in corpus.GOOD} == {"csv", "xlsx", "ods"}


@pytest.mark.parametrize("case", corpus.GOOD, ids=lambda c: c.name)
def test_good_file_loads_exactly_its_values(store: Store, case) -> None:
    plan = prepare(store, [_file(case)])
    assert plan.problems == [], [str(p) for p in plan.problems]
    commit(store, plan, "tester")
    stored = {
        (r["ref"], Period.from_key(r["period"]).label): (_num(r["actual"]), _num(r["target"]))
        for r in _rows(store, "SELECT ref, period, actual, target FROM indicator_values")
    }
    expected = {k: (_num(a), _num(t)) for k, (a, t) in case.values.items()}
    assert stored == expected
    months = {
        (r["ref"], Month.from_key(r["month"]).label): _num(r["actual"])
        for r in _rows(store, "SELECT ref, month, actual FROM indicator_monthly_values")
    }
    assert months == {k: _num(v) for k, v in case.months.items()}
    if case.rags:
        rags = {
            (r["ref"], Period.from_key(r["period"]).label): r["official_rag"]
            for r in _rows(store, "SELECT ref, period, official_rag FROM indicator_values")
            if r["official_rag"] is not None
        }
        assert rags == case.rags
    # Loading the same file again changes nothing.
    again = prepare(store, [_file(case)])
    assert again.ok and again.added == 0 and again.changed == 0


@pytest.mark.parametrize("case", corpus.BAD, ids=lambda c: c.name)
def test_bad_file_is_refused_with_exact_messages(store: Store, db_snapshot, case) -> None:
    before = db_snapshot(store)
    plan = prepare(store, [_file(case)])
    assert [str(p) for p in plan.problems] == case.problems
    assert db_snapshot(store) == before


def test_a_monthly_indicator_keeps_its_rule_for_later_files(store: Store) -> None:
    """The quarter rule is stored: a later file with only months needs no rule column."""
    first = next(c for c in corpus.GOOD if c.name == "monthly_sum.csv")
    commit(store, prepare(store, [_file(first)]), "tester")
    head = ["Ref", "Jan-24", "Feb-24", "Mar-24"]
    later = "\r\n".join([",".join(head), "PI-65,80,81,82"]).encode()
    plan = prepare(store, [FileInput("later.csv", later)])
    assert plan.ok, [str(p) for p in plan.problems]
    commit(store, plan, "tester")
    got = _rows(store, "SELECT actual FROM indicator_values WHERE ref = 'PI-65' AND period = 20234")
    assert got == [{"actual": pytest.approx(243)}]


def test_trend_chart_shows_monthly_points_beside_the_quarterly_position(store: Store) -> None:
    from harrow_dash.outputs import views
    from harrow_dash.outputs.charts import trend_chart
    from harrow_dash.rules.scorecard import RuleSettings

    case = next(c for c in corpus.GOOD if c.name == "monthly_indicators.xlsx")
    commit(store, prepare(store, [_file(case)]), "tester")
    months = store.indicator_months(["PI-60"])
    # Only months of quarters that have a position (October's quarter has none yet).
    assert months["month"].tolist() == [202304, 202305, 202306, 202307, 202308, 202309]
    history = views.indicator_histories(store, ["PI-60"], RuleSettings(), None)
    # A flow (quarter rule 'sum') lists its months but does not draw them on the quarterly scale.
    assert "monthly" not in str(trend_chart(history, months=months).to_dict()["title"])
    months = store.indicator_months(["PI-61"])
    history = views.indicator_histories(store, ["PI-61"], RuleSettings(), None)
    spec = trend_chart(history, months=months).to_dict()
    assert "small circles: monthly figures" in " ".join(spec["title"]["subtitle"])  # wrapped lines
    datasets = list(spec["datasets"].values())
    monthly = next(d for d in datasets if d and "month_label" in d[0])
    assert [r["month_label"] for r in monthly] == [
        "April 2023", "May 2023", "June 2023", "July 2023", "August 2023", "September 2023",
    ]  # fmt: skip
    quarterly = next(d for d in datasets if d and "quarter" in d[0] and "rag" in d[0])
    assert [r["actual"] for r in quarterly] == [288.0, 575.0]  # the last month of each quarter


def test_a_sum_quarter_with_a_month_missing_is_not_worked_out_and_says_so(store: Store) -> None:
    head = "Ref,Measure,Priority,Good is,Unit,Frequency,Quarter rule,Apr-23,May-23,Jun-23"
    row = f'PI-S1,Incidents,"{corpus.P2}",lower,count,monthly,sum,10,,12'
    plan = prepare(store, [FileInput("gap.csv", f"{head}\r\n{row}\r\n".encode())])
    assert plan.ok, [str(p) for p in plan.problems]
    assert [str(w) for w in plan.warnings] == [
        "gap.csv, row 2: PI-S1: Q1 2023-24 is not worked out yet: its quarter rule is 'sum' and "
        "the file does not give all three of its months."
    ]
    commit(store, plan, "tester")
    assert _rows(store, "SELECT actual FROM indicator_values WHERE ref = 'PI-S1'") == [
        {"actual": None}
    ]
