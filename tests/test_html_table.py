"""Small read-only tables as HTML (harrow_dash.outputs.html_table): headers, row headers, empty cells, and
text from a file kept as text."""

from __future__ import annotations

import math

import pandas as pd

from harrow_dash.outputs.html_table import table_html


def test_caption_headers_row_headers_and_empty_cells() -> None:
    out = table_html(
        pd.DataFrame(
            {
                "Indicator": ["PI-01 Wait", "PI-02 Bins"],
                "Then": ["221 seconds", None],
                "Now": pd.Series([3, math.nan], dtype=object),
            }
        ),
        "Biggest deteriorations",
    )
    assert "<caption>Biggest deteriorations</caption>" in out
    assert '<th scope="col">Indicator</th><th scope="col">Then</th><th scope="col">Now</th>' in out
    assert '<tr><th scope="row">PI-01 Wait</th><td>221 seconds</td><td>3</td></tr>' in out
    assert (
        '<tr><th scope="row">PI-02 Bins</th><td></td><td></td></tr>' in out
    )  # no "None", no "nan"


def test_text_from_a_file_is_shown_as_typed() -> None:
    out = table_html(
        pd.DataFrame({"Indicator": ['<img src=x onerror="alert(1)">'], "Note": ["a & b\x00"]}),
        "<b>caption</b>",
    )
    assert "<img" not in out and "<b>" not in out
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in out
    assert "<td>a &amp; b\u2400</td>" in out and "&lt;b&gt;caption&lt;/b&gt;" in out
