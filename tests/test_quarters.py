"""A quarter with nothing reported is not a performance position, and the default quarter is one
people can rely on (harrow_dash.store.quarters, the Overview, the briefing pack).

The sample has indicator rows for Q4 2023-24 with targets but no actuals (nothing reported), and
flagship action statuses only from Q1 2023-24 (so Q1 2022-23 has indicators but no action status).
"""

from __future__ import annotations

import pytest

from harrow_dash.ingest.load import FileInput, load
from harrow_dash.outputs.briefing import NoBriefingData, build_briefing
from harrow_dash.outputs.views import overview
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store
from harrow_dash.store.quarters import QuarterReport, default_quarter, picker_label, quarter_reports

Q1_22, Q3_23, Q4_23, Q1_24 = Period(2022, 1), Period(2023, 3), Period(2023, 4), Period(2024, 1)
RULES = RuleSettings()


def report(
    key: int, published: bool = False, reported: int = 0, expected: int = 40
) -> QuarterReport:
    return QuarterReport(Period.from_key(key), published, reported, reported, expected, 0)


# -- the rule, pure ---------------------------------------------------------------------------------


def test_the_default_is_the_latest_published_quarter_even_when_later_ones_are_reported() -> None:
    reports = [report(20232, True, 40), report(20233, False, 40), report(20234, False, 1)]
    assert default_quarter(reports) == Period(2023, 2)


def test_editors_and_unpublished_databases_get_the_latest_mostly_reported_quarter() -> None:
    reports = [report(20232, True, 40), report(20233, False, 21), report(20234, False, 20)]
    assert default_quarter(reports, drafts=True) == Period(2023, 3)  # 21 of 40 is most; 20 is not
    unpublished = [report(20232, False, 40), report(20233, False, 1)]
    assert default_quarter(unpublished) == Period(2023, 2)


def test_without_a_mostly_reported_quarter_the_latest_with_anything_reported() -> None:
    assert default_quarter([report(20232, False, 3), report(20233, False, 0)]) == Period(2023, 2)
    assert default_quarter([report(20233, False, 0)]) == Period(2023, 3)
    assert default_quarter([]) is None


def test_the_picker_names_each_quarters_state() -> None:
    assert picker_label(report(20233, True, 40), Q3_23) == "Q3 2023-24 (published)"
    assert picker_label(report(20233, False, 40), Q3_23) == "Q3 2023-24 (draft)"
    assert picker_label(report(20233, False, 5), Q3_23) == "Q3 2023-24 (draft, partly reported)"
    assert picker_label(report(20233, False, 0), Q3_23) == "Q3 2023-24 (draft, nothing reported)"
    assert picker_label(None, Q3_23) == "Q3 2023-24"


# -- on the sample data -----------------------------------------------------------------------------


def load_one_value(store: Store, period: Period) -> None:
    text = f"Ref,Period,Actual\nPI-01,{period.label},99\n"
    load(store, [FileInput("one.csv", text.encode())], "test")


def test_sample_quarters_and_their_states(sample_store: Store) -> None:
    by_period = {r.period: r for r in quarter_reports(sample_store)}
    assert by_period[Q3_23].state == "draft" and by_period[Q3_23].mostly_reported
    assert by_period[Q4_23].nothing_reported and by_period[Q4_23].state == "draft, nothing reported"
    # 4 annual measures are not counted: 41 quarterly indicators, 40 with an actual in Q3 2023-24.
    assert (by_period[Q3_23].quarterly_actuals, by_period[Q3_23].quarterly_expected) == (40, 41)
    assert default_quarter(by_period.values()) == Q3_23


def test_loading_one_value_for_a_new_quarter_does_not_move_the_default(
    sample_store: Store,
) -> None:
    sample_store.publish(Period(2023, 2), "test")
    before = quarter_reports(sample_store)
    assert (default_quarter(before), default_quarter(before, drafts=True)) == (
        Period(2023, 2),
        Q3_23,
    )
    load_one_value(sample_store, Q4_23)
    load_one_value(sample_store, Q1_24)
    after = quarter_reports(sample_store)
    states = {r.period: r.state for r in after}
    assert states[Q4_23] == "draft, partly reported" and states[Q1_24] == "draft, partly reported"
    assert (default_quarter(after), default_quarter(after, drafts=True)) == (Period(2023, 2), Q3_23)


def test_a_public_store_reports_only_published_quarters(sample_store: Store) -> None:
    sample_store.publish(Q3_23, "test")
    public = Store(str(sample_store.engine.url), public=True)
    try:
        assert [r.period for r in quarter_reports(public)] == [Q3_23]
    finally:
        public.dispose()


def test_a_quarter_with_nothing_reported_is_not_a_position(sample_store: Store) -> None:
    ov = overview(sample_store, Filters(period=Q4_23), RULES)
    assert ov is not None and ov.nothing_reported
    # No "45 not rated" and no "31 not started or not yet due".
    assert sum(ov.indicator_counts.values()) == 0 and sum(ov.action_counts.values()) == 0
    assert ov.indicators.empty and ov.actions.empty
    with pytest.raises(NoBriefingData, match="Nothing has been reported for Q4 2023-24"):
        build_briefing(sample_store, Filters(period=Q4_23), RULES)


def test_a_quarter_before_any_action_status_says_no_status_reported(sample_store: Store) -> None:
    ov = overview(sample_store, Filters(period=Q1_22), RULES)
    assert ov is not None and not ov.actions_reported and ov.indicators_reported
    assert sum(ov.action_counts.values()) == 0 and ov.actions.empty
    assert sum(ov.indicator_counts.values()) == 45
    for ps in ov.priorities:
        assert sum(ps.action_counts.values()) == 0


def test_filters_that_match_nothing_are_not_nothing_reported(sample_store: Store) -> None:
    ov = overview(sample_store, Filters(period=Q3_23, rags=("Green",), priorities=(1,)), RULES)
    assert ov is not None and ov.indicators_reported and ov.actions_reported
    nothing = Filters(period=Q3_23, directorates=("No such directorate",))
    ov = overview(sample_store, nothing, RULES)
    assert ov is not None and not ov.nothing_reported
