"""The whole-column versions of the rules give exactly what the one-value rules give.

Pages of 13,000 indicators are computed on whole columns (``direction_of_travel_frame``,
``sparkline_values``, ``neutralise_frame``; the movers' ``movement_frame`` is checked in
test_like_with_like.py); each is checked here against the plain rule applied value by value, on
generated values and on the real sample database.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harrow_dash.formats.spreadsheet_safe import DANGEROUS_STARTS, neutralise, neutralise_frame
from harrow_dash.outputs import views
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RuleSettings, rate
from harrow_dash.rules.travel import direction_of_travel, direction_of_travel_frame
from harrow_dash.store import Store

# Values that exercise the edges: gaps, zero, equal values, values a hair apart, both signs.
NUMBER = st.one_of(
    st.none(),
    st.just(math.nan),
    st.sampled_from([0.0, 1.0, -1.0, 5.0, 5.0 + 1e-12, 100.0, 1e-9]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
)
ROW = st.tuples(NUMBER, NUMBER, st.sampled_from(["higher", "lower", "band"]), NUMBER, NUMBER)


def _columns(rows: list[tuple]) -> list[pd.Series]:
    names = ("current", "earlier", "polarity", "target", "upper")
    frame = pd.DataFrame(rows, columns=list(names))
    for c in ("current", "earlier", "target", "upper"):
        frame[c] = frame[c].astype(float)
    return [frame[c] for c in names]


def _none(v: float | None) -> float | None:
    return None if v is None or math.isnan(v) else v


@given(st.lists(ROW, min_size=1, max_size=40))
def test_direction_of_travel_frame_agrees_with_the_rule_for_one_value(rows: list[tuple]) -> None:
    one_by_one = [
        direction_of_travel(_none(c), _none(e), p, _none(t), _none(u)).value
        for c, e, p, t, u in rows
    ]
    assert direction_of_travel_frame(*_columns(rows)) == one_by_one


def test_direction_of_travel_frame_refuses_an_unknown_polarity_only_where_compared() -> None:
    cur, ear, pol, tgt, up = _columns([(1.0, 2.0, "sideways", None, None)])
    with pytest.raises(ValueError):
        direction_of_travel_frame(cur, ear, pol, tgt, up)
    cur, ear, pol, tgt, up = _columns([(None, 2.0, "sideways", None, None)])
    assert direction_of_travel_frame(cur, ear, pol, tgt, up) == ["no comparison"]


def _sparklines_value_by_value(
    store: Store, refs: list[str], until, rules: RuleSettings
) -> dict[str, list[float]]:
    """The trend lines as first written: rate every value, keep the reported, unsuppressed ones."""
    hist = rate(store.indicator_history(refs, until), rules)
    out: dict[str, list[float]] = {}
    for ref, g in hist.groupby("ref", sort=False):
        vals = g["actual"].where(~g["suppressed"].astype(bool))
        out[str(ref)] = [float(v) for v in vals if not pd.isna(v)]
    return out


@pytest.mark.parametrize("many_refs", [500, 0], ids=["refs-in-the-query", "refs-kept-after"])
@pytest.mark.parametrize("threshold", [5, 10])
def test_sparkline_values_match_rating_each_value(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch, many_refs: int, threshold: int
) -> None:
    """Same lists as rating every value, whether the indicators are picked in SQL or afterwards;
    small counts of people and gaps are left out, an indicator with nothing to show has []."""
    monkeypatch.setattr(Store, "_MANY_REFS", many_refs)
    rules = RuleSettings(suppression_threshold=threshold)
    refs = sorted(sample_store.indicator_list()["ref"])
    until = parse_period("Q3 2023-24")
    got = views.sparkline_values(sample_store, refs, until, rules)
    assert got == _sparklines_value_by_value(sample_store, refs, until, rules)
    assert list(got) == sorted(got)  # in reference order, as the history query gives them
    # Some picks, in another order, and a reference that does not exist.
    picks = [refs[5], refs[0], "NOPE", refs[3]]
    assert views.sparkline_values(sample_store, picks, until, rules) == (
        _sparklines_value_by_value(sample_store, picks, until, rules)
    )
    # The sample holds small counts of people: they are really left out here.
    hist = rate(sample_store.indicator_history(refs, until), rules)
    hidden = hist[hist["suppressed"].astype(bool)]
    assert len(hidden), "the sample should hold suppressed counts"
    for row in hidden.itertuples():
        shown = got[str(row.ref)]
        kept = hist[(hist["ref"] == row.ref) & ~hist["suppressed"].astype(bool)]["actual"]
        assert len(shown) == kept.notna().sum()


def test_neutralise_frame_treats_every_kind_of_column_like_neutralise() -> None:
    payloads = [p + "SUM(A1)" for p in DANGEROUS_STARTS]
    frame = pd.DataFrame(
        {
            "text": pd.Series(payloads + ["fine", None], dtype="str"),
            "objects": pd.Series([*payloads, 3.5, None], dtype=object),
            "numbers": [-1.0, 2.0, -3.0, 4.0, 5.0, 6.0, np.nan, -8.0],
            "=heading": ["-x"] * 8,
        }
    )
    out = neutralise_frame(frame)
    assert list(out.columns) == ["text", "objects", "numbers", "'=heading"]
    for col in ("text", "objects"):
        want = [neutralise(v) for v in frame[col].astype(object)]
        got = list(out[col].astype(object))
        assert [w if isinstance(w, str) else None for w in want] == [
            g if isinstance(g, str) else None for g in got
        ]
        assert all(v.startswith("'") for v in got[: len(payloads)])
    assert out["numbers"].tolist()[:6] == [-1.0, 2.0, -3.0, 4.0, 5.0, 6.0]  # numbers stay numbers
    assert out["objects"].iloc[len(payloads)] == 3.5
    assert set(out["'=heading"]) == {"'-x"}
    assert frame["text"].iloc[0] == payloads[0]  # the input is left alone
