"""How an area compares with a group: rank, quartile, the group's median and interquartile range.

The single home of the comparison rules (no Streamlit, no database):

* **Rank**: 1 is best, judged by the indicator's polarity (highest first when higher is better, lowest
  first when lower is better). Ties share the better rank and the next rank is skipped ("1, 2, =3, =3,
  5": standard competition ranking); a shared rank reads "=3rd".
* **Which areas count**: only areas in the group with a published value for that measure and period.
  Areas with no value are *missing*; areas whose value is suppressed (a small count of people) are
  *suppressed*. Neither is ranked, and both are counted and said ("8th of 31 London boroughs with a
  figure; 1 suppressed, 1 not reported"), so a rank never depends on a hidden value.
* **Quartile**: from the rank among the ranked areas: ``ceil(4 * rank / ranked)``; 1 is the best quarter
  ("top quartile"), 4 the worst ("bottom quartile"). Ties take their shared rank's quartile.
* **At the median**: an area whose places hold the middle of the ranked areas (the middle place of an
  odd number, both middle places of an even number, which takes a tie) has the group's median figure
  and is said to be "at the median", not in a quartile: 17th of 33 is at the median, not "third
  quartile". Only where the group's median may be shown (:func:`enough_for_median`): where most
  figures are hidden the words give the quartile, as they would not state a median the page withholds.
  :func:`band_words` is the one place a rank's band is put in words.
* **Median and interquartile range**: of the published values, by linear interpolation between order
  statistics (the usual spreadsheet ``QUARTILE.INC``). Fewer than 4 values give no interquartile range.
* A measure whose best value is *within a band* is not ranked (there is no single best end); the median
  and range are still given.
* Fewer than 3 ranked areas: no rank or quartile (a rank of 1 of 2 says little and reveals the other).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from harrow_dash.rules.rag import Polarity

MIN_RANKED = 3
MIN_FOR_RANGE = 4
QUARTILE_WORDS = {
    1: "top quartile",
    2: "second quartile",
    3: "third quartile",
    4: "bottom quartile",
}
AT_MEDIAN_WORDS = "at the median"
# Every band's words, best first, as summaries list them.
BAND_ORDER = [
    QUARTILE_WORDS[1],
    QUARTILE_WORDS[2],
    AT_MEDIAN_WORDS,
    QUARTILE_WORDS[3],
    QUARTILE_WORDS[4],
]


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_label(rank: float, tied: bool) -> str:
    """A rank as a table shows it: '3', '=3' for a shared rank, 'not ranked' for none (NaN)."""
    if pd.isna(rank):
        return "not ranked"
    return ("=" if tied else "") + str(int(rank))


def enough_for_median(published: Any, members: int) -> Any:
    """Whether a group's median (and range) may be shown: at least half its areas have a published
    figure. With fewer, the median of the few shown would mislead (for small counts of people the
    hidden figures are the low ones). Works on a count or a column of counts."""
    return published * 2 >= members


def competition_ranks(values: pd.Series, polarity: Polarity | str) -> pd.Series:
    """Rank 1 = best by polarity; ties share the better rank; NaN values get no rank (NaN)."""
    polarity = Polarity(polarity)
    if polarity is Polarity.BAND:
        return pd.Series(np.nan, index=values.index, dtype=float)
    ascending = polarity is Polarity.LOWER
    return values.astype(float).rank(method="min", ascending=ascending, na_option="keep")


def quartile(rank: int, ranked: int) -> int:
    """1 (best quarter) to 4 (worst quarter) from a rank among ``ranked`` areas."""
    if ranked <= 0 or rank < 1 or rank > ranked:
        raise ValueError(f"rank {rank} is not within 1 to {ranked}")
    return max(1, min(4, math.ceil(4 * rank / ranked)))


def at_median(rank: int, ranked: int, shared: int = 1) -> bool:
    """Whether an area ranked ``rank`` of ``ranked``, its rank shared by ``shared`` areas (itself
    included), has the group's median figure: its places (``rank`` to ``rank + shared - 1``) hold
    every middle place (the middle one of an odd number of areas, both middle ones of an even
    number)."""
    middle = {(ranked + 1) // 2, ranked // 2 + 1}
    return all(rank <= m <= rank + shared - 1 for m in middle)


def band_words(rank: int, ranked: int, shared: int = 1, median_shown: bool = True) -> str:
    """A rank's band in words, everywhere one is shown: 'at the median' (:func:`at_median`) where the
    group's median may be shown (``median_shown``: :func:`enough_for_median`), else its quartile's
    words ('second quartile')."""
    if median_shown and at_median(rank, ranked, shared):
        return AT_MEDIAN_WORDS
    return QUARTILE_WORDS[quartile(rank, ranked)]


def spread(values: Iterable[float]) -> tuple[float | None, float | None, float | None]:
    """(lower quartile, median, upper quartile) of the values; quartiles need at least 4 values."""
    ordered = sorted(v for v in values if v is not None and not math.isnan(v))
    if not ordered:
        return None, None, None
    median = quantile_inc(ordered, 0.5)
    if len(ordered) < MIN_FOR_RANGE:
        return None, median, None
    return quantile_inc(ordered, 0.25), median, quantile_inc(ordered, 0.75)


def quantile_inc(ordered: list[float], q: float) -> float:
    """The ``q`` quantile of sorted values by linear interpolation between order statistics
    (``QUARTILE.INC``), worked out as ``numpy.quantile``'s default does, to the last bit (numpy's
    own costs a third of a millisecond a call, which added up across a thousand measures)."""
    h = q * (len(ordered) - 1)
    lo = math.floor(h)
    a, b = float(ordered[lo]), float(ordered[min(lo + 1, len(ordered) - 1)])
    t = h - lo
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


@dataclass(frozen=True)
class Standing:
    """Where one area stands in a group for one measure and period."""

    area: str
    group_size: int  # areas in the group
    ranked: int  # areas with a published value
    suppressed: int  # areas whose value is suppressed
    missing: int  # areas with no value at all
    value: float | None  # the area's own published value (None: none, or suppressed)
    area_suppressed: bool
    rank: int | None
    tied: bool
    quartile: int | None
    lower_quartile: float | None
    median: float | None
    upper_quartile: float | None
    not_ranked_because: str | None
    # Why hidden figures are hidden, as a reader is told: small counts of people, or figures the
    # publisher held back (a rate marked [c] says nothing about its size).
    hidden_words: str = "suppressed (small number)"
    shared: int = 1  # areas sharing its rank, itself included
    median_shown: bool = True  # enough_for_median: the group's median may be shown

    @property
    def band(self) -> str | None:
        """Its band in words (:func:`band_words`): 'top quartile', 'at the median'; None unranked."""
        if self.rank is None:
            return None
        return band_words(self.rank, self.ranked, self.shared, self.median_shown)

    @property
    def rank_text(self) -> str | None:
        if self.rank is None:
            return None
        return ("=" if self.tied else "") + ordinal(self.rank)

    def describe(self, noun: str) -> str:
        """What a councillor reads: '8th of 33 London boroughs, top quartile' (no full stop)."""
        if self.rank is None:
            return f"Not ranked: {self.not_ranked_because}"
        text = f"{self.rank_text} of {self.ranked} {noun}"
        if self.ranked < self.group_size:
            gaps = []
            if self.suppressed:
                gaps.append(f"{self.suppressed} {self.hidden_words}")
            if self.missing:
                gaps.append(f"{self.missing} not reported")
            text += " with a figure (" + ", ".join(gaps) + ")"
        return f"{text}, {self.band}"


def standing(
    values: Mapping[str, float | None],
    members: Iterable[str],
    area: str,
    polarity: Polarity | str,
    suppressed: Iterable[str] = (),
    small_numbers: bool = True,
) -> Standing:
    """How ``area`` stands among ``members``. ``values`` maps area code to a published value (None or
    NaN: no value); ``suppressed`` lists areas whose value is hidden (their entry is ignored):
    small counts of people (``small_numbers``), else figures their publisher held back."""
    members = list(dict.fromkeys(members))
    hidden = set(suppressed) & set(members)
    published = {
        code: float(v)
        for code in members
        if code not in hidden
        and (v := values.get(code)) is not None
        and not (isinstance(v, float) and math.isnan(v))
    }
    missing = len(members) - len(published) - len(hidden)
    low, median, high = spread(published.values())
    reason: str | None = None
    rank: int | None = None
    tied = False
    shared = 1
    q: int | None = None
    polarity = Polarity(polarity)
    if area not in members:
        reason = "the area is not in this group"
    elif area in hidden:
        reason = (
            "its figure is a small number and is withheld"
            if small_numbers
            else "its figure was withheld by the publisher"
        )
    elif area not in published:
        reason = "no figure for this period"
    elif polarity is Polarity.BAND:
        reason = "the best value is within a range, so there is no best end to rank from"
    elif len(published) < MIN_RANKED:
        reason = f"fewer than {MIN_RANKED} areas have a figure"
    else:
        # Standard competition ranking (competition_ranks' rule) of one area, counted rather than
        # sorted: one more than the areas with a better figure; its rank is shared by those with
        # the same figure.
        mine = published[area]
        better = [
            v for v in published.values() if (v < mine if polarity is Polarity.LOWER else v > mine)
        ]
        rank = len(better) + 1
        shared = sum(v == mine for v in published.values())
        tied = shared > 1
        q = quartile(rank, len(published))
    return Standing(
        area=area,
        group_size=len(members),
        ranked=len(published),
        suppressed=len(hidden),
        missing=missing,
        value=published.get(area),
        area_suppressed=area in hidden,
        rank=rank,
        tied=tied,
        quartile=q,
        lower_quartile=low,
        median=median,
        upper_quartile=high,
        not_ranked_because=reason,
        hidden_words="suppressed (small number)"
        if small_numbers
        else "suppressed by the publisher",
        shared=shared,
        median_shown=bool(enough_for_median(len(published), len(members))),
    )


def rank_table(frame: pd.DataFrame, polarity: Polarity | str) -> pd.DataFrame:
    """Every area of one group for one measure and period, best first, with its rank, quartile and
    ``band`` (:func:`band_words`; "" unranked).

    ``frame`` has ``area_code``, ``area_name``, ``value`` and ``suppressed`` columns; suppressed and
    missing values come last, unranked, in name order."""
    out = frame.copy()
    published = out["value"].where(~out["suppressed"].astype(bool))
    out["rank"] = competition_ranks(published, polarity)
    ranked = int(out["rank"].notna().sum())
    counts = out["rank"].value_counts()
    out["tied"] = out["rank"].map(counts).fillna(0) > 1
    if ranked >= MIN_RANKED:
        out["quartile"] = out["rank"].map(
            lambda r: quartile(int(r), ranked) if not pd.isna(r) else np.nan
        )
        shown = bool(enough_for_median(ranked, len(out)))
        out["band"] = [
            band_words(int(r), ranked, int(counts[r]), shown) if not pd.isna(r) else ""
            for r in out["rank"]
        ]
    else:
        out["rank"] = np.nan
        out["quartile"] = np.nan
        out["band"] = ""
    out["_order"] = out["rank"].fillna(np.inf)
    out = out.sort_values(["_order", "area_name"], kind="stable").drop(columns="_order")
    return out.reset_index(drop=True)


def group_bands(frame: pd.DataFrame) -> pd.DataFrame:
    """Median and interquartile range per period of published values: ``period``, ``lower_quartile``,
    ``median``, ``upper_quartile``, ``areas`` (how many values each figure is of)."""
    rows = []
    published = frame[~frame["suppressed"].astype(bool) & frame["value"].notna()]
    for period, part in published.groupby("period", sort=True):
        low, median, high = spread(part["value"].tolist())
        rows.append(
            {
                "period": period,
                "lower_quartile": low,
                "median": median,
                "upper_quartile": high,
                "areas": len(part),
            }
        )
    return pd.DataFrame(
        rows, columns=["period", "lower_quartile", "median", "upper_quartile", "areas"]
    )
