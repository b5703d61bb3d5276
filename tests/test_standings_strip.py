"""Comparisons' "Where Harrow stands" strip (harrow_dash.outputs.standings_strip): each ranked indicator a row
with its rank at its position from best to worst, the quartile in words, and text from a file kept
as text."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pandas as pd

from harrow_dash.outputs.standings_strip import LABEL_FLIP, standings_html


def overview(rows: list[tuple[str, str, str, str, float | None]]) -> pd.DataFrame:
    """comparisons.overview's columns the strip reads: (ref, name, rank, band in words, position)."""
    return pd.DataFrame(
        [
            {
                "Ref": ref,
                "Indicator": name,
                "Rank": rank,
                "Harrow": "84.1%",
                "Period compared": "Q3 2023-24",
                "Quartile": band,
                "_position": position,
            }
            for ref, name, rank, band, position in rows
        ]
    )


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


def body_rows(strip: str) -> list[str]:
    return strip.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]


def test_ranked_rows_in_order_at_their_position_with_rank_and_quartile() -> None:
    strip = standings_html(
        overview(
            [
                ("PI-07", "Planning on time", "1st of 33", "top quartile", 0.0),
                ("PI-99", "No comparator figure", "not ranked", "", None),
                ("PI-04", "Council tax", "17th of 33", "at the median", 0.5),
                ("PI-31", "Assessments", "30th of 33", "bottom quartile", 29 / 32),
            ]
        ),
        "Harrow's position in London on 3 benchmarked indicators.",
    )
    rows = body_rows(strip)
    assert [re.search(r'scope="row">([^<]*)<', r).group(1) for r in rows] == [  # type: ignore[union-attr]
        "PI-07 Planning on time",
        "PI-04 Council tax",
        "PI-31 Assessments",
    ]
    assert 'left: 0.0%;">' in rows[0] and "1st of 33" in rows[0] and ", top quartile" in rows[0]
    assert 'left: 50.0%;">' in rows[1] and ", at the median" in rows[1]
    # Far right, the rank is written to the left of its diamond so it stays on the strip.
    assert LABEL_FLIP < 29 / 32 and "hd-st-left" in rows[2] and "hd-st-left" not in rows[1]
    assert "Harrow's position in London on 3 benchmarked indicators." in html.unescape(strip)
    assert "Best" in strip and "Worst" in strip


def test_names_from_a_file_are_text_never_html() -> None:
    hostile = '<img src=x onerror="alert(1)"> "quoted" & <b>bold</b>'
    strip = standings_html(
        overview([("PI-01", hostile, "<b>1st</b> of 3", "top quartile", 0.0)]), "<i>x</i>"
    )
    parser = Tags()
    parser.feed(strip)
    assert parser.tags <= {
        "style",
        "table",
        "colgroup",
        "col",
        "caption",
        "b",
        "span",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "div",
        "i",
    }
    assert "<img" not in strip and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in strip
    assert "&lt;b&gt;1st&lt;/b&gt; of 3" in strip and "&lt;i&gt;x&lt;/i&gt;" in strip


def test_nothing_ranked_nothing_drawn() -> None:
    assert standings_html(overview([("PI-01", "A", "not ranked", "", None)]), "") == ""
