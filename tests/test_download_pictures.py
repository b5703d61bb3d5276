"""Downloaded pictures say what they are (issue 20, section 2): a chart image seen away from the
page carries its title, the quarter and its "as at" date, the filters, the sample-data warning when
the sample is loaded, a legend, and every title in full (wrapped, never cut short with "…").

The pictures are drawn by vl-convert from the real sample database's figures, as the page's
download button makes them (:func:`harrow_dash.ui.downloads._svg_maker`), and read back as SVG text.
"""

from __future__ import annotations

import re

import pytest

from harrow_dash.outputs import explore
from harrow_dash.outputs.charts import action_timeline, trend_chart
from harrow_dash.outputs.export_files import chart_svg, export_context, picture_spec
from harrow_dash.outputs.views import indicator_histories
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.plan import ILLUSTRATIVE_NOTE
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store
from harrow_dash.ui.downloads import _png_maker, _svg_maker

Q3 = parse_period("Q3 2023-24")
FILTERS = Filters(period=Q3, directorates=("Resident Services",))


def svg_lines(svg: bytes) -> list[str]:
    """Every line of text drawn in the picture (a multi-line text is one tspan a line)."""
    text = svg.decode("utf-8")
    return [
        t.replace("&amp;", "&").replace("&#39;", "'").replace("&quot;", '"')
        for t in re.findall(r"<(?:text|tspan)[^>]*>([^<]+)</(?:text|tspan)>", text)
    ]


def joined(lines: list[str]) -> str:
    """The picture's words as one run of text (wrapped lines joined by a space)."""
    return " ".join(" ".join(lines).replace("\u200b", "").replace("\u00a0", " ").split())


@pytest.fixture
def trend_svg(sample_store: Store) -> bytes:
    hist = indicator_histories(sample_store, ["PI-02"], RuleSettings(), Q3)
    chart = trend_chart(hist, title="PI-02 Freedom of information requests answered in time")
    context = export_context("Indicator trends", FILTERS, illustrative=True)
    return _svg_maker(lambda: chart, context)()


def test_a_downloaded_trend_picture_carries_title_quarter_as_at_filters_and_legend(trend_svg):
    words = joined(svg_lines(trend_svg))
    assert "PI-02 Freedom of information requests answered in time" in words
    assert "Harrow Council: Indicator trends" in words
    assert f"Quarter: Q3 2023-24 ({Q3.as_at})" in words and "as at 31 December 2023" in words
    assert "Directorate: Resident Services" in words
    assert "RAG rating" in words  # the legend of the points' colours and shapes
    assert "Dashed line: target" in words  # the chart's own key to its lines, kept


def test_a_downloaded_picture_carries_the_sample_data_warning_only_when_the_sample_is_loaded(
    sample_store: Store,
):
    hist = indicator_histories(sample_store, ["PI-02"], RuleSettings(), Q3)
    chart = trend_chart(hist)
    sample = export_context("Indicator trends", FILTERS, illustrative=True)
    real = export_context("Indicator trends", FILTERS, illustrative=False)
    assert ILLUSTRATIVE_NOTE in joined(svg_lines(chart_svg(picture_spec(chart, sample))))
    own_data = joined(svg_lines(chart_svg(picture_spec(chart, real))))
    assert "Illustrative" not in own_data and "Quarter: Q3 2023-24" in own_data


def test_a_downloaded_timeline_has_every_full_title_wrapped_not_cut_and_a_legend(
    sample_store: Store,
):
    history = sample_store.action_statuses(Filters())
    rows = explore.action_rows(history, Q3)
    timeline = explore.timeline_frame(history, rows)
    longest = max(rows["title"].astype(str), key=len)
    assert len(longest) > 60, "the sample should have a title too long for one line"
    # On screen the label column cuts a long title short; the picture must not.
    svg = _svg_maker(
        lambda: action_timeline(timeline, picture=True),
        export_context("Flagship actions", FILTERS, illustrative=True),
    )()
    lines = svg_lines(svg)
    words = joined(lines)
    assert "\u2026" not in "".join(lines)
    for title in rows["title"].astype(str):
        assert " ".join(title.split()) in words, title
    assert any(longest.startswith(line.strip().split("  ")[-1]) for line in lines if line), (
        "the longest title is written over more than one line"
    )
    assert "Status" in lines and {"Complete", "On track", "Off track"} <= set(lines)  # legend
    assert "Harrow Council: Flagship actions" in words
    assert ILLUSTRATIVE_NOTE in words and "Directorate: Resident Services" in words


def test_picture_lines_are_wrapped_to_the_picture_width_and_never_cut():
    long_filter = Filters(
        period=Q3,
        portfolios=tuple(f"Portfolio holder number {i} for a long name" for i in range(6)),
    )
    context = export_context("Indicator trends", long_filter, illustrative=True)
    spec = picture_spec(
        {"mark": "point", "data": {"values": [{"a": 1}]}, "title": "Own title"}, context, width=400
    )
    subtitle = spec["title"]["subtitle"]
    assert spec["title"]["text"] == ["Own title"] and spec["title"]["limit"] == 0
    assert max(len(line) for line in subtitle) <= 400 // 7
    assert " ".join(subtitle).split() == " ".join(context).split()  # every word, in order
    assert len(subtitle) > len(context)  # the long lines were wrapped


def test_the_png_download_is_drawn_from_the_same_picture(sample_store: Store):
    import io

    from PIL import Image

    hist = indicator_histories(sample_store, ["PI-02"], RuleSettings(), Q3)
    chart = trend_chart(hist)
    context = export_context("Indicator trends", FILTERS, illustrative=True)
    plain = Image.open(io.BytesIO(_png_maker(lambda: chart, [])()))
    titled = Image.open(io.BytesIO(_png_maker(lambda: chart, context)()))
    # The context lines take room above the chart: the picture is taller by several lines.
    assert titled.height > plain.height + 2 * 4 * 13
