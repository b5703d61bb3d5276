"""The HTML stacked bar used on the Overview: counts written in it, named for screen readers."""

from __future__ import annotations

from harrow_dash.outputs.charts import stacked_bar_html
from harrow_dash.outputs.palette import RAG_COLOURS


def test_bar_writes_each_count_and_skips_empty_groups() -> None:
    html = stacked_bar_html(
        {"Green": 24, "Amber": 6, "Red": 0, "Not rated": 3}, RAG_COLOURS, "33 indicators"
    )
    assert '<div role="img" aria-label="33 indicators"' in html
    assert ">24</div>" in html and ">6</div>" in html and ">3</div>" in html
    assert RAG_COLOURS["Red"] not in html  # no segment for a zero count
    assert "flex:24 1 0" in html


def test_bar_description_is_escaped() -> None:
    html = stacked_bar_html({"Green": 1}, RAG_COLOURS, '<b onclick="x">')
    assert "<b onclick" not in html
    assert "&lt;b onclick=&quot;x&quot;&gt;" in html
