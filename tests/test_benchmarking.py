"""The comparison rules: rank by polarity, ties, quartiles, median and range, missing and suppressed."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harrow_dash.rules.areas import (
    BUILT_IN_GROUPS,
    HARROW,
    INNER_LONDON,
    LONDON_BOROUGHS,
    OUTER_LONDON,
)
from harrow_dash.rules.benchmarking import (
    AT_MEDIAN_WORDS,
    band_words,
    competition_ranks,
    group_bands,
    ordinal,
    quartile,
    rank_table,
    spread,
    standing,
)

CODES = list(LONDON_BOROUGHS)


def test_london_groups_cover_33_boroughs_once() -> None:
    assert len(LONDON_BOROUGHS) == 33
    assert set(LONDON_BOROUGHS) == INNER_LONDON | OUTER_LONDON
    assert not INNER_LONDON & OUTER_LONDON
    assert HARROW in OUTER_LONDON and LONDON_BOROUGHS[HARROW] == "Harrow"
    assert len(BUILT_IN_GROUPS["Outer London"][0]) == 19


@pytest.mark.parametrize(
    ("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
                    (13, "13th"), (21, "21st"), (22, "22nd"), (33, "33rd"), (101, "101st")]
)  # fmt: skip
def test_ordinals_read_as_words_do(n: int, text: str) -> None:
    assert ordinal(n) == text


def test_higher_is_better_ranks_highest_first_and_lower_is_better_lowest_first() -> None:
    values = pd.Series({"a": 10.0, "b": 30.0, "c": 20.0})
    assert competition_ranks(values, "higher").to_dict() == {"a": 3, "b": 1, "c": 2}
    assert competition_ranks(values, "lower").to_dict() == {"a": 1, "b": 3, "c": 2}


def test_ties_share_the_better_rank_and_skip_the_next() -> None:
    values = pd.Series({"a": 5.0, "b": 9.0, "c": 7.0, "d": 7.0, "e": 1.0})
    assert competition_ranks(values, "higher").to_dict() == {
        "a": 4, "b": 1, "c": 2, "d": 2, "e": 5,
    }  # fmt: skip
    result = standing(values.to_dict(), list(values.index), "c", "higher")
    assert result.rank == 2 and result.tied and result.rank_text == "=2nd"


def test_band_measures_are_not_ranked_but_have_a_median() -> None:
    values = {c: float(i) for i, c in enumerate(CODES)}
    result = standing(values, CODES, HARROW, "band")
    assert result.rank is None and result.quartile is None
    assert result.median == 16.0
    assert "range" in result.describe("London boroughs")


def test_quartile_boundaries() -> None:
    assert [quartile(r, 33) for r in (1, 8, 9, 16, 17, 24, 25, 33)] == [1, 1, 2, 2, 3, 3, 4, 4]
    assert [quartile(r, 4) for r in (1, 2, 3, 4)] == [1, 2, 3, 4]
    with pytest.raises(ValueError):
        quartile(5, 4)


def test_a_rank_exactly_at_the_median_reads_at_the_median_not_third_quartile() -> None:
    # 33 areas: 17th is the middle one; its neighbours keep their quartiles.
    assert [band_words(r, 33) for r in (16, 17, 18)] == [
        "second quartile",
        AT_MEDIAN_WORDS,
        "third quartile",
    ]
    # 32 areas: the median lies between 16th and 17th, so neither is at it alone...
    assert [band_words(r, 32) for r in (16, 17)] == ["second quartile", "third quartile"]
    # ...but a tie holding both middle places is (=16th, shared by two).
    assert band_words(16, 32, shared=2) == AT_MEDIAN_WORDS
    # A tie holding the middle place of an odd number is at the median too (=15th, shared by three).
    assert band_words(15, 33, shared=3) == AT_MEDIAN_WORDS
    assert band_words(15, 33, shared=2) == "second quartile"
    # Where most figures are hidden the median is not shown, so the words do not state one.
    assert band_words(17, 33, median_shown=False) == "third quartile"
    values = {c: float(i) for i, c in enumerate(CODES)}
    order = sorted(CODES, key=lambda c: -values[c])
    values[HARROW], values[order[16]] = values[order[16]], values[HARROW]
    result = standing(values, CODES, HARROW, "higher")
    assert result.rank == 17 and result.value == result.median
    assert result.describe("London boroughs") == "17th of 33 London boroughs, at the median"


@given(
    st.lists(st.integers(min_value=0, max_value=6), min_size=3, max_size=33),
    st.data(),
)
def test_an_area_is_said_to_be_at_the_median_exactly_when_its_figure_is_the_median(
    figures: list[int], data: st.DataObject
) -> None:
    codes = CODES[: len(figures)]
    area = data.draw(st.sampled_from(codes))
    values = {c: float(v) for c, v in zip(codes, figures, strict=True)}
    result = standing(values, codes, area, data.draw(st.sampled_from(["higher", "lower"])))
    assert (result.band == AT_MEDIAN_WORDS) == (result.value == result.median)
    table = rank_table(
        pd.DataFrame(
            {
                "area_code": codes,
                "area_name": codes,
                "value": [values[c] for c in codes],
                "suppressed": False,
            }
        ),
        "higher",
    )
    assert set(table.loc[table["band"] == AT_MEDIAN_WORDS, "value"]) <= {result.median}


def test_known_standing_reads_like_the_report() -> None:
    # Harrow 8th highest of 33 with higher is better.
    values = {c: float(100 - i) for i, c in enumerate(CODES)}
    order = sorted(CODES, key=lambda c: -values[c])
    values[HARROW], values[order[7]] = values[order[7]], values[HARROW]
    result = standing(values, CODES, HARROW, "higher")
    assert result.rank == 8 and result.quartile == 1
    assert result.describe("London boroughs") == "8th of 33 London boroughs, top quartile"


def test_missing_and_suppressed_areas_are_not_ranked_and_are_said() -> None:
    values: dict[str, float | None] = {c: float(i) for i, c in enumerate(CODES)}
    values[CODES[0]] = None
    values[CODES[1]] = 3.0  # suppressed: its stored value must not matter
    result = standing(values, CODES, HARROW, "lower", suppressed=[CODES[1]])
    assert (result.ranked, result.suppressed, result.missing) == (31, 1, 1)
    assert result.describe("London boroughs").startswith(
        "13th of 31 London boroughs with a figure (1 suppressed (small number), 1 not reported), "
        "second quartile"
    )


@given(st.integers(min_value=1, max_value=4))
def test_rank_never_depends_on_a_suppressed_value(hidden: int) -> None:
    values: dict[str, float | None] = {c: float(10 + i) for i, c in enumerate(CODES)}
    values[CODES[3]] = float(hidden)
    baseline = standing(values, CODES, HARROW, "lower", suppressed=[CODES[3]])
    values[CODES[3]] = 2.0
    assert standing(values, CODES, HARROW, "lower", suppressed=[CODES[3]]) == baseline


def test_own_suppressed_value_is_withheld() -> None:
    values = {c: float(i + 10) for i, c in enumerate(CODES)}
    result = standing(values, CODES, HARROW, "higher", suppressed=[HARROW])
    assert result.rank is None and result.value is None and result.area_suppressed
    assert "withheld" in result.describe("London boroughs")


def test_too_few_areas_are_not_ranked() -> None:
    result = standing({"a": 1.0, "b": 2.0}, ["a", "b"], "a", "higher")
    assert result.rank is None and "fewer than 3" in (result.not_ranked_because or "")


def test_spread_matches_spreadsheet_quartile_inc() -> None:
    assert spread([1, 2, 3, 4, 5, 6, 7, 8, 9]) == (3.0, 5.0, 7.0)
    assert spread([1.0, 2.0, 4.0, 7.0]) == (1.75, 3.0, 4.75)
    low, median, high = spread([5.0, 6.0])
    assert (low, median, high) == (None, 5.5, None)
    assert spread([]) == (None, None, None)
    assert spread([float("nan"), 1.0, 2.0, 3.0, 4.0])[1] == 2.5


def test_rank_table_orders_best_first_with_unranked_last() -> None:
    frame = pd.DataFrame(
        {
            "area_code": ["a", "b", "c", "d", "e"],
            "area_name": ["Alpha", "Bravo", "Charlie", "Delta", "Echo"],
            "value": [3.0, 1.0, None, 2.0, 4.0],
            "suppressed": [False, False, False, False, True],
        }
    )
    table = rank_table(frame, "lower")
    assert table["area_code"].tolist() == ["b", "d", "a", "c", "e"]
    assert table["rank"].tolist()[:3] == [1, 2, 3]
    assert all(math.isnan(r) for r in table["rank"].tolist()[3:])


def test_group_bands_leave_out_suppressed_values() -> None:
    frame = pd.DataFrame(
        {
            "period": [1, 1, 1, 1, 1, 2],
            "value": [1.0, 2.0, 3.0, 4.0, 100.0, 5.0],
            "suppressed": [False, False, False, False, True, False],
        }
    )
    bands = group_bands(frame)
    assert bands.loc[0, "median"] == 2.5 and bands.loc[0, "areas"] == 4
    assert pd.isna(bands.loc[1, "lower_quartile"]) and bands.loc[1, "median"] == 5.0


def test_figures_the_publisher_held_back_are_not_called_small_numbers() -> None:
    """A rate marked [c] says nothing about its size: only counts of people read 'small number'."""
    values = {f"E0900000{i}": float(i) for i in range(1, 6)}
    rate = standing(values, list(values), "E09000001", "higher", ["E09000002"], False)
    assert rate.describe("areas") == (
        "4th of 4 areas with a figure (1 suppressed by the publisher), bottom quartile"
    )
    people = standing(values, list(values), "E09000002", "higher", ["E09000002"], True)
    assert people.not_ranked_because == "its figure is a small number and is withheld"
    hidden = standing(values, list(values), "E09000002", "higher", ["E09000002"], False)
    assert hidden.not_ranked_because == "its figure was withheld by the publisher"
