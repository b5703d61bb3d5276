"""The small-numbers rule's words and band, the same on every path: what a hidden cell can hold is said
by :class:`harrow_dash.rules.suppression.SmallNumbers` and nowhere else, so the download notes, the key to
ratings, the trend chart (its band and subtitle, on the page and in the PNG) and the open data all say
"between 0 and 4" by default and "between 1 and 4" with ``suppress_zero`` off.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from harrow_dash.config import load_settings
from harrow_dash.outputs import open_data
from harrow_dash.outputs.charts import trend_chart
from harrow_dash.outputs.export_files import chart_png, chart_spec, export_context
from harrow_dash.outputs.rag_key import key_note
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RuleSettings, rate
from harrow_dash.rules.suppression import SmallNumbers

ON = SmallNumbers()  # the default
OFF = SmallNumbers(5, zero=False)
Q3 = parse_period("Q3 2023-24")


def test_suppress_zero_is_on_by_default_and_read_from_file_or_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HARROW_DASH_SUPPRESS_ZERO", raising=False)
    secrets = tmp_path / "s.toml"
    secrets.write_text("", encoding="utf-8")
    monkeypatch.setenv("HARROW_DASH_SECRETS", str(secrets))
    assert load_settings().suppress_zero is True
    secrets.write_text("[harrow_dash]\nsuppress_zero = false\n", encoding="utf-8")
    assert load_settings().suppress_zero is False
    monkeypatch.setenv("HARROW_DASH_SUPPRESS_ZERO", "true")  # the environment wins
    assert load_settings().suppress_zero is True
    monkeypatch.setenv("HARROW_DASH_SUPPRESS_ZERO", "false")
    assert load_settings().suppress_zero is False


def test_rule_settings_give_the_rule_of_the_setting() -> None:
    assert RuleSettings().small_numbers == ON
    assert RuleSettings(suppression_threshold=10, suppress_zero=False).small_numbers == (
        SmallNumbers(10, zero=False)
    )


def test_download_notes_say_what_a_hidden_cell_can_hold() -> None:
    on = export_context("Indicators", Filters(period=Q3), threshold=ON)
    off = export_context("Indicators", Filters(period=Q3), threshold=OFF)
    assert on[-1] == (
        "Counts of fewer than 5 people are not given: the figure is blank, its status reads "
        "\u201csuppressed\u201d, and a hidden count is between 0 and 4."
    )
    assert off[-1].endswith("a hidden count is between 1 and 4; a count of 0 is shown as 0.")
    assert "counts below the threshold" not in " ".join(on + off)


def test_key_to_ratings_says_what_a_hidden_cell_can_hold() -> None:
    assert key_note(ON).endswith("a hidden count is between 0 and 4.")
    assert key_note(OFF).endswith("a hidden count is between 1 and 4; a count of 0 is shown as 0.")


def test_open_data_readme_and_descriptor_say_what_a_hidden_cell_can_hold() -> None:
    published = [Q3]
    assert "a hidden count is between 0 and 4" in open_data.readme(published, False, ON)
    assert "between 1 and 4; a count of 0 is shown as 0" in open_data.readme(published, False, OFF)
    meta = open_data.descriptor([], published, False, dt.datetime(2024, 1, 1), ON)
    assert "a hidden count is between 0 and 4" in str(meta["description"])


def _history(rules: RuleSettings) -> pd.DataFrame:
    """Four quarters of a count of people, lower is better: 9, 0, 3, 7 (Q1 to Q4 2022-23)."""
    rows = [
        {
            "ref": "PI-39",
            "name": "Families in bed and breakfast",
            "period": parse_period(q).key,
            "actual": a,
            "target": 0.0,
            "target_upper": None,
            "polarity": "lower",
            "tolerance": None,
            "official_rag": None,
            "frequency": "quarterly",
            "not_due": False,
            "unit": "count",
            "counts_people": True,
        }
        for q, a in zip(
            ["Q1 2022-23", "Q2 2022-23", "Q3 2022-23", "Q4 2022-23"],
            [9.0, 0.0, 3.0, 7.0],
            strict=True,
        )
    ]
    return rate(pd.DataFrame(rows), rules)


def _band(spec: dict) -> dict[str, tuple[float, float]]:
    """Each hidden quarter's band (hidden_low, hidden_high) in the chart's own data."""
    rows = [r for d in spec["datasets"].values() for r in d if r.get("suppressed")]
    return {r["quarter"]: (r["hidden_low"], r["hidden_high"]) for r in rows}


def _subtitle(spec: dict) -> str:
    return " ".join(spec["title"]["subtitle"])


def test_chart_band_spans_exactly_what_a_hidden_count_can_hold_and_the_subtitle_says_so() -> None:
    """Zero suppressed: the 0 and the 3 are hidden, each as a band from 0 to 4. Zero shown: the 0 is
    a point and the 3's band is 1 to 4. The subtitle explains the band in the rule's words. The
    spec is the one the PNG and SVG downloads render (chart_spec) and the page draws."""
    on = chart_spec(trend_chart(_history(RuleSettings()), threshold=ON))
    assert _band(on) == {"Q2 2022-23": (0.0, 4.0), "Q3 2022-23": (0.0, 4.0)}
    assert "grey bar (<5): a count of fewer than 5, not shown (a hidden count is between 0 and" in (
        _subtitle(on)
    )
    off_rules = RuleSettings(suppress_zero=False)
    off = chart_spec(trend_chart(_history(off_rules), threshold=off_rules.small_numbers))
    assert _band(off) == {"Q3 2022-23": (1.0, 4.0)}
    assert "a count of 0 is shown as 0" in _subtitle(off)
    shown = [r for d in off["datasets"].values() for r in d if r.get("quarter") == "Q2 2022-23"]
    assert shown and all(r["actual"] == 0 for r in shown)


def _band_rows(png: bytes) -> tuple[int, int]:
    """The top and bottom pixel rows of the hidden-count band: rows with a run of its translucent
    grey fill (214, 214, 214 on white) at least 30 pixels long (a gridline is another grey)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    px = image.load()
    assert px is not None
    rows = []
    for y in range(height):
        run = best = 0
        for x in range(width):
            run = run + 1 if px[x, y] == (214, 214, 214) else 0
            best = max(best, run)
        if best >= 30:
            rows.append(y)
    assert rows, "no band drawn"
    return min(rows), max(rows)


def test_png_band_reaches_the_zero_line_only_when_zero_is_suppressed() -> None:
    """In the PNG, the band of a hidden count reaches down to the 0 line by default (0 to 4) and
    stops one count above it (1 to 4) with zero shown: the band of the data, as on the page."""
    history = _history(RuleSettings()).assign(actual=[9.0, 3.0, 3.0, 9.0])
    history = rate(history.drop(columns=["suppressed"]), RuleSettings())

    def band_rows(rule: SmallNumbers) -> tuple[int, int]:
        spec = chart_spec(trend_chart(history, threshold=rule), width=400)
        return _band_rows(chart_png(spec, width=400, scale=1))

    top_on, bottom_on = band_rows(ON)
    top_off, bottom_off = band_rows(OFF)
    # The two subtitles may wrap to different numbers of lines, moving the plot down: compare the
    # bands' heights, not their rows. 0 to 4 spans four counts; 1 to 4 three of them.
    height_on, height_off = bottom_on - top_on, bottom_off - top_off
    quarter = height_on / 4  # the height of one count
    assert abs((height_on - height_off) - quarter) <= 2  # with zero shown the 0 to 1 strip is gone
