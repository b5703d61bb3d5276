"""The domain rules: RAG, direction of travel, action statuses, suppression, value states, units."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harrow_dash.rules.action_status import ACTION_GROUPS, ActionStatus, parse_action_status
from harrow_dash.rules.rag import (
    DEFAULT_TOLERANCE,
    Polarity,
    Rag,
    compute_rag,
    compute_rag_frame,
    count_rags,
    effective_rag,
    parse_polarity,
    parse_rag,
    rag_mismatch_note,
)
from harrow_dash.rules.suppression import (
    SmallNumbers,
    is_suppressed,
    suppress_group,
    suppressed_text,
)
from harrow_dash.rules.travel import Travel, direction_of_travel
from harrow_dash.rules.units import Unit, format_number, parse_unit
from harrow_dash.rules.value_states import Frequency, ValueState, parse_frequency, value_state

G, A, R = Rag.GREEN, Rag.AMBER, Rag.RED

# -- RAG --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "target", "polarity", "expected"),
    [
        # Higher is better, target 90, default tolerance 5% of 90 = 4.5.
        (95, 90, "higher", G),
        (90, 90, "higher", G),
        (85.5, 90, "higher", A),  # exactly on the tolerance boundary: amber
        (85.4, 90, "higher", R),
        (0, 90, "higher", R),
        # Lower is better, target 120, tolerance 6.
        (100, 120, "lower", G),
        (120, 120, "lower", G),
        (126, 120, "lower", A),  # exactly on the boundary
        (126.1, 120, "lower", R),
        # Target zero: any miss is red (5% of zero is zero).
        (0, 0, "lower", G),
        (1, 0, "lower", R),
    ],
)
def test_rag_higher_and_lower(actual, target, polarity, expected):
    assert compute_rag(actual, target, polarity) is expected


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (10, G),
        (15, G),
        (20, G),
        (21, A),  # 1 above the top of 10-20; 5% of 20 = 1
        (21.01, R),
        (9.5, A),  # 0.5 below the bottom; 5% of 10 = 0.5
        (9.49, R),
    ],
)
def test_rag_band(actual, expected):
    assert compute_rag(actual, 10, Polarity.BAND, target_upper=20) is expected


def test_rag_band_bounds_in_either_order_and_single_value_band():
    assert compute_rag(15, 20, "band", target_upper=10) is G
    assert compute_rag(100, 100, "band") is G
    assert compute_rag(104, 100, "band") is A
    assert compute_rag(106, 100, "band") is R


def test_custom_tolerance():
    assert compute_rag(90, 100, "higher", tolerance=0.10) is A
    assert compute_rag(89.9, 100, "higher", tolerance=0.10) is R
    assert compute_rag(99, 100, "higher", tolerance=0) is R
    # A NaN tolerance (a blank cell from the database) means the default.
    assert compute_rag(95, 100, "higher", tolerance=float("nan")) is A
    assert DEFAULT_TOLERANCE == 0.05


@pytest.mark.parametrize(
    ("actual", "target"),
    [(None, 90), (85, None), (None, None), (float("nan"), 90), (85, float("nan"))],
)
def test_no_actual_or_no_target_means_no_rating(actual, target):
    assert compute_rag(actual, target, "higher") is None
    assert compute_rag(actual, target, "band", target_upper=100) is None


def test_compute_rag_frame_worked_example():
    frame = pd.DataFrame(
        {
            "actual": [95, 85.5, 85.4, None, 126, 21, 15],
            "target": [90, 90, 90, 90, 120, 10, None],
            "polarity": ["higher", "higher", "higher", "higher", "lower", "band", "higher"],
            "tolerance": [None, None, None, None, None, None, None],
            "target_upper": [None, None, None, None, None, 20, None],
        },
        index=[10, 11, 12, 13, 14, 15, 16],
    )
    out = compute_rag_frame(
        frame["actual"],
        frame["target"],
        frame["polarity"],
        frame["tolerance"],
        frame["target_upper"],
    )
    assert list(out.index) == [10, 11, 12, 13, 14, 15, 16]
    assert list(out) == ["Green", "Amber", "Red", None, "Amber", "Amber", None]


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
maybe = st.one_of(st.none(), finite)
# Values on round numbers hit the tolerance boundary often.
roundish = st.integers(-200, 200).map(float)
number = st.one_of(maybe, roundish)


@given(
    st.lists(
        st.tuples(
            number,
            number,
            st.sampled_from(list(Polarity)),
            st.one_of(st.none(), st.sampled_from([0.0, 0.05, 0.1, 0.25]), st.floats(0, 1)),
            number,
        ),
        min_size=1,
        max_size=30,
    )
)
def test_compute_rag_frame_agrees_with_compute_rag(rows):
    frame = pd.DataFrame(rows, columns=["actual", "target", "polarity", "tolerance", "upper"])
    frame["polarity"] = frame["polarity"].map(str)
    vector = compute_rag_frame(
        frame["actual"], frame["target"], frame["polarity"], frame["tolerance"], frame["upper"]
    )
    for (actual, target, polarity, tolerance, upper), got in zip(rows, vector, strict=True):
        one = compute_rag(actual, target, polarity, tolerance, upper)
        assert got == (one.value if one else None), (actual, target, polarity, tolerance, upper)


def test_official_rag_wins_and_disagreement_is_noted():
    assert effective_rag("Red", "Green") is R
    assert effective_rag(None, "Amber") is A
    assert effective_rag(None, None) is None
    note = rag_mismatch_note("Red", "Green")
    assert note == (
        "The official rating is Red but the actual and target give Green; "
        "the official rating is shown."
    )
    assert rag_mismatch_note("Green", "Green") is None
    assert rag_mismatch_note(None, "Green") is None
    assert rag_mismatch_note("Amber", None) is None


def test_count_rags():
    assert count_rags(["Green", "Red", None, "Green", "Not rated", "Amber"]) == {
        "Green": 2,
        "Amber": 1,
        "Red": 1,
        "Not rated": 2,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("higher", Polarity.HIGHER),
        ("Higher is better", Polarity.HIGHER),
        ("  HIGH  ", Polarity.HIGHER),
        ("Aim to maximise", Polarity.HIGHER),
        ("up", Polarity.HIGHER),
        ("lower is better", Polarity.LOWER),
        ("Low", Polarity.LOWER),
        ("smaller_is_better", Polarity.LOWER),
        ("minimise", Polarity.LOWER),
        ("within band", Polarity.BAND),
        ("Within target range", Polarity.BAND),
        ("band", Polarity.BAND),
    ],
)
def test_parse_polarity(text, expected):
    assert parse_polarity(text) is expected


def test_parse_polarity_refuses_with_the_accepted_words():
    with pytest.raises(ValueError, match="'sideways' is not a polarity; use 'higher is better'"):
        parse_polarity("sideways")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Green", G),
        ("g", G),
        (" GREEN ", G),
        ("Amber", A),
        ("a", A),
        ("yellow", A),
        ("Red", R),
        ("r", R),
    ],
)
def test_parse_rag(text, expected):
    assert parse_rag(text) is expected


@pytest.mark.parametrize("text", ["Blue", "", "purple", "GA"])
def test_parse_rag_refuses(text):
    with pytest.raises(ValueError, match="is not a RAG rating; use Red, Amber or Green"):
        parse_rag(text)


# -- direction of travel ----------------------------------------------------------------------------


def test_falling_asb_count_is_improving():
    assert direction_of_travel(310, 352, "lower") is Travel.IMPROVING
    assert direction_of_travel(352, 310, "lower") is Travel.WORSENING


def test_rising_percentage_is_improving_when_higher_is_better():
    assert direction_of_travel(87.6, 85.0, Polarity.HIGHER) is Travel.IMPROVING
    assert direction_of_travel(80.0, 85.0, Polarity.HIGHER) is Travel.WORSENING


def test_band_moving_closer_is_improving():
    # Band 10-20: from 25 to 22 moves closer from above; from 5 to 8 closer from below.
    assert direction_of_travel(22, 25, "band", target=10, target_upper=20) is Travel.IMPROVING
    assert direction_of_travel(8, 5, "band", target=10, target_upper=20) is Travel.IMPROVING
    assert direction_of_travel(25, 22, "band", target=10, target_upper=20) is Travel.WORSENING
    # Both inside the band: no change, whatever the movement.
    assert direction_of_travel(12, 18, "band", target=10, target_upper=20) is Travel.NO_CHANGE
    # A band without a target cannot be judged.
    assert direction_of_travel(12, 18, "band") is Travel.NO_COMPARISON


@pytest.mark.parametrize(
    ("current", "earlier"), [(None, 5.0), (5.0, None), (None, None), (float("nan"), 5.0)]
)
def test_missing_value_means_no_comparison(current, earlier):
    assert direction_of_travel(current, earlier, "higher") is Travel.NO_COMPARISON


def test_equal_is_no_change():
    assert direction_of_travel(85.0, 85.0, "higher") is Travel.NO_CHANGE
    assert direction_of_travel(0.1 + 0.2, 0.3, "lower") is Travel.NO_CHANGE  # rounding hair


def test_travel_text_has_arrow_and_word():
    assert Travel.IMPROVING.text == "\u25b2 improving"
    assert Travel.WORSENING.text == "\u25bc worsening"
    assert Travel.NO_CHANGE.text.endswith("no change")
    assert Travel.NO_COMPARISON.text.endswith("no comparison")


_SWAP = {
    Travel.IMPROVING: Travel.WORSENING,
    Travel.WORSENING: Travel.IMPROVING,
    Travel.NO_CHANGE: Travel.NO_CHANGE,
    Travel.NO_COMPARISON: Travel.NO_COMPARISON,
}


@given(maybe, maybe)
def test_swapping_polarity_swaps_improving_and_worsening(current, earlier):
    higher = direction_of_travel(current, earlier, Polarity.HIGHER)
    lower = direction_of_travel(current, earlier, Polarity.LOWER)
    assert lower is _SWAP[higher]


@given(finite, finite)
def test_swapping_the_two_values_swaps_the_direction(a, b):
    assert direction_of_travel(a, b, "higher") is _SWAP[direction_of_travel(b, a, "higher")]


# -- flagship action statuses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status", "group"),
    [
        ("Complete", ActionStatus.COMPLETE, "Complete"),
        ("completed", ActionStatus.COMPLETE, "Complete"),
        ("On track", ActionStatus.ON_TRACK, "Green"),
        ("on-track", ActionStatus.ON_TRACK, "Green"),
        ("GREEN", ActionStatus.ON_TRACK, "Green"),
        ("Minor slippage", ActionStatus.MINOR_SLIPPAGE, "Amber"),
        ("amber", ActionStatus.MINOR_SLIPPAGE, "Amber"),
        ("Off track", ActionStatus.OFF_TRACK, "Red"),
        ("off_track", ActionStatus.OFF_TRACK, "Red"),
        ("Not started", ActionStatus.NOT_STARTED, "Not started / not yet due"),
        ("Not yet due", ActionStatus.NOT_YET_DUE, "Not started / not yet due"),
        ("not due", ActionStatus.NOT_YET_DUE, "Not started / not yet due"),
    ],
)
def test_action_status_spellings_and_rag_group(text, status, group):
    parsed = parse_action_status(text)
    assert parsed is status
    assert parsed.rag == group
    assert group in ACTION_GROUPS


def test_action_groups_in_report_order():
    assert ACTION_GROUPS == ["Complete", "Green", "Amber", "Red", "Not started / not yet due"]


def test_bad_action_status_lists_the_accepted_ones():
    with pytest.raises(ValueError) as info:
        parse_action_status("Delayed")
    assert str(info.value) == (
        "'Delayed' is not a flagship action status; use one of: Complete, On track, "
        "Minor slippage, Off track, Not started, Not yet due."
    )


# -- suppression ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "hidden"), [(0, True), (1, True), (4, True), (4.9, True), (5, False), (120, False)]
)
def test_small_counts_of_people_are_suppressed_zero_included_by_default(value, hidden):
    assert is_suppressed(value, counts_people=True) is hidden


@pytest.mark.parametrize(
    ("value", "hidden"), [(0, False), (1, True), (4, True), (4.9, True), (5, False), (120, False)]
)
def test_with_suppress_zero_off_a_zero_count_is_shown(value, hidden):
    assert is_suppressed(value, True, SmallNumbers(5, zero=False)) is hidden


def test_what_a_hidden_cell_can_hold_is_said_from_the_rule():
    on, off = SmallNumbers(), SmallNumbers(5, zero=False)
    assert list(on.values()) == [0, 1, 2, 3, 4]
    assert list(off.values()) == [1, 2, 3, 4]
    assert on.text == off.text == "fewer than 5"
    assert on.meaning == "a hidden count is between 0 and 4"
    assert off.meaning == "a hidden count is between 1 and 4; a count of 0 is shown as 0"
    assert SmallNumbers(10).meaning == "a hidden count is between 0 and 9"
    assert "between 0 and 4" in on.note and "\u201cfewer than 5\u201d" in on.note


def test_the_column_mask_is_the_one_rule():
    """The whole-column form agrees with :meth:`SmallNumbers.hides` value by value."""
    values = pd.Series([0.0, -0.0, 1.0, 4.9, 5.0, None, -3.0, 120.0])
    for rule in (SmallNumbers(), SmallNumbers(5, zero=False), SmallNumbers(10)):
        expected = [rule.hides(None if pd.isna(v) else v) for v in values]
        assert rule.mask(values).tolist() == expected


@pytest.mark.parametrize("value", [1, 3, 4])
def test_only_counts_of_people_are_suppressed(value):
    assert is_suppressed(value, counts_people=False) is False


def test_missing_values_are_not_suppressed():
    assert is_suppressed(None, True) is False
    assert is_suppressed(float("nan"), True) is False


def test_threshold_is_configurable():
    assert is_suppressed(9, True, threshold=10) is True
    assert is_suppressed(10, True, threshold=10) is False
    assert suppressed_text() == "fewer than 5"
    assert suppressed_text(10) == "fewer than 10"


def test_suppress_group_hides_the_total_when_a_part_is_hidden():
    parts, total, part_hidden, total_hidden = suppress_group([12, 3, 20], 35)
    assert parts == [12, None, 20]
    assert total is None
    assert part_hidden == [False, True, False]
    assert total_hidden is True


def test_suppress_group_keeps_everything_when_nothing_is_small():
    assert suppress_group([12, 7, 20], 39) == ([12, 7, 20], 39, [False, False, False], False)


def test_suppress_group_hides_a_zero_part_and_so_the_total_by_default():
    assert suppress_group([12, 0, 20], 32) == ([12, None, 20], None, [False, True, False], True)


def test_suppress_group_with_zero_shown_keeps_a_zero_part():
    off = SmallNumbers(5, zero=False)
    assert suppress_group([12, 0, 20], 32, off) == ([12, 0, 20], 32, [False, False, False], False)


def test_suppress_group_hides_a_small_total():
    parts, total, _, total_hidden = suppress_group([0, 0], 3, SmallNumbers(5, zero=False))
    assert (parts, total, total_hidden) == ([0, 0], None, True)


# -- value states -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "target", "frequency", "marked", "state"),
    [
        (85.0, 90.0, "quarterly", False, ValueState.REPORTED),
        (None, 90.0, "quarterly", False, ValueState.NOT_REPORTED),
        (float("nan"), 90.0, "monthly", False, ValueState.NOT_REPORTED),
        (None, 90.0, "annual", False, ValueState.NOT_DUE),
        (None, None, "quarterly", True, ValueState.NOT_DUE),
        (85.0, None, "quarterly", False, ValueState.NO_TARGET),
        (85.0, float("nan"), "annual", False, ValueState.NO_TARGET),
        (0.0, 90.0, "quarterly", False, ValueState.REPORTED),  # zero is a value, not a gap
    ],
)
def test_value_states(actual, target, frequency, marked, state):
    assert value_state(actual, target, frequency, marked) is state


def test_value_states_are_distinct_words():
    texts = {s.text for s in ValueState}
    assert texts == {
        "Reported",
        "No target set",
        "Not due this quarter",
        "Not yet reported",
        "Not available",  # [x]: a file said there is no figure, and why (GSS symbols)
        "Not applicable",  # [z]
        "Held back",  # [c], [low], [w]
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Quarterly", Frequency.QUARTERLY),
        ("annually", Frequency.ANNUAL),
        (" monthly ", Frequency.MONTHLY),
    ],
)
def test_parse_frequency(text, expected):
    assert parse_frequency(text) is expected


def test_parse_frequency_refuses():
    with pytest.raises(ValueError, match="'fortnightly' is not a frequency"):
        parse_frequency("fortnightly")


# -- units ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (66.5, "%", "66.5%"),
        (85.0, "%", "85%"),
        (87.64, "%", "87.6%"),
        (1234, "count", "1,234"),
        (1234567.0, "count", "1,234,567"),
        (0, "count", "0"),
        (1_400_000, "£", "£1.4m"),
        (2_000_000, "£", "£2m"),
        (12_500, "£", "£12.5k"),
        (9_999, "£", "£9,999"),
        (-2_500_000, "£", "-£2.5m"),
        (12.5, "days", "12.5 days"),
        (1, "days", "1 day"),
        (1, "weeks", "1 week"),
        (2, "minutes", "2 minutes"),
        (149, "seconds", "149 seconds"),
        (3.456, "rate", "3.46"),
        (None, "%", "\u2013"),
        (float("nan"), "count", "\u2013"),
    ],
)
def test_format_number(value, unit, text):
    assert format_number(value, unit) == text


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("%", Unit.PERCENT),
        ("Percentage", Unit.PERCENT),
        ("number", Unit.COUNT),
        ("Days", Unit.DAYS),
        ("£", Unit.MONEY),
        ("GBP", Unit.MONEY),
        ("per 1,000", Unit.RATE),
        ("secs", Unit.SECONDS),
    ],
)
def test_parse_unit(text, unit):
    assert parse_unit(text) is unit


def test_parse_unit_refuses():
    with pytest.raises(ValueError, match="'furlongs' is not a unit"):
        parse_unit("furlongs")


def test_format_number_never_writes_missing_as_zero():
    assert format_number(None, "count") != "0"
    assert format_number(math.nan, "%") != "0%"
