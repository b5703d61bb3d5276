"""The Flagship actions timeline as an HTML table (harrow_dash.outputs.timeline_grid): rows, columns, words
and colours, and that text from a file can never become HTML. Parsed with the standard library's
HTML parser, so a test reads the table as a browser would, not as a string."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd

from harrow_dash.outputs.charts import STATUS_COLOURS
from harrow_dash.outputs.timeline_grid import TOOLTIP_LIMIT, timeline_grid_html
from harrow_dash.rules.periods import parse_period


class Table(HTMLParser):
    """Header cells, body rows (each a list of (tag, attributes, text)) and every tag seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.head: list[str] = []
        self.rows: list[list[tuple[str, dict[str, str | None], str]]] = []
        self.caption = ""
        self._in: list[str] = []
        self._cell: tuple[str, dict[str, str | None]] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in.append(tag)
        if tag == "tr" and "tbody" in self._in:
            self.rows.append([])
        if tag in ("th", "td"):
            self._cell, self._text = (tag, dict(attrs)), ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            if "thead" in self._in:
                self.head.append(self._text)
            else:
                self.rows[-1].append((*self._cell, self._text))
            self._cell = None
        if tag == "caption":
            self.caption = self._text
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._cell is not None or (self._in and self._in[-1] == "caption"):
            self._text += data


def parse(html_text: str) -> Table:
    table = Table()
    table.feed(html_text)
    return table


QUARTERS = ["Q1 2023-24", "Q2 2023-24", "Q3 2023-24"]


def timeline(
    lines: list[tuple[str, str, list[str]]], quarters: list[str] = QUARTERS
) -> pd.DataFrame:
    """A timeline frame as explore.timeline_frame makes it: (ref, label, statuses per quarter)."""
    rows = []
    for order, (ref, label, statuses) in enumerate(lines):
        for q, status in zip(quarters, statuses, strict=True):
            rows.append(
                {
                    "ref": ref,
                    "title": label,
                    "priority_id": 1,
                    "period": parse_period(q).key,
                    "status": status,
                    "commentary": f"{ref} in {q}",
                    "label": label,
                    "row_order": f"{order:03d}",
                }
            )
    # Shuffled, as the database may return them: the grid orders rows and quarters itself.
    return pd.DataFrame(rows).sample(frac=1, random_state=3).reset_index(drop=True)


def test_one_row_per_line_in_order_one_column_per_quarter_oldest_first() -> None:
    grid = parse(
        timeline_grid_html(
            timeline(
                [
                    ("FA-01", "FA-01 Answer complaints on time", ["On track"] * 3),
                    (
                        "FA-02",
                        "FA-02 Regenerate the estate",
                        ["Minor slippage", "Off track", "Complete"],
                    ),
                    (
                        "FA-02a",
                        "\u00a0\u00a0\u21b3 FA-02a Phase 1",
                        ["Not started", "Not yet due", "On track"],
                    ),
                ]
            ),
            "Status of 3 flagship actions",
        )
    )
    assert grid.head == ["Action", *QUARTERS]
    assert grid.caption == "Status of 3 flagship actions"
    assert [r[0][2] for r in grid.rows] == [
        "FA-01 Answer complaints on time",
        "FA-02 Regenerate the estate",
        "\u00a0\u00a0\u21b3 FA-02a Phase 1",  # the split line's indent is kept
    ]
    assert all(r[0][0] == "th" and r[0][1]["scope"] == "row" for r in grid.rows)
    # Icon and word in every cell, never colour alone; the colour is the status's.
    second = grid.rows[1][1:]
    assert [text for _tag, _a, text in second] == [
        "\u25b2 Minor slippage",
        "\u2716 Off track",
        "\u2605 Complete",
    ]
    assert STATUS_COLOURS["Off track"] in (second[1][1]["style"] or "")
    assert [text for _tag, _a, text in grid.rows[2][1:]] == [
        "\u25cb Not started",
        "\u25cc Not yet due",
        "\u2714 On track",
    ]
    # A cell's tooltip names the action and quarter and gives that quarter's commentary.
    assert second[0][1]["title"] == "FA-02, Q1 2023-24: Minor slippage. FA-02 in Q1 2023-24"


def test_text_from_a_file_is_shown_as_text_never_as_html() -> None:
    hostile = '<img src=x onerror="alert(1)"> & "quotes" <b>bold</b>'
    frame = timeline([("FA-01", hostile, ["On track"] * 3)])
    frame["commentary"] = '"><script>alert(2)</script>\x00' + "x" * 500
    out = timeline_grid_html(frame, "<i>description</i>")
    grid = parse(out)
    assert set(grid.tags) <= {
        "style",
        "div",
        "table",
        "caption",
        "colgroup",
        "col",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
    assert grid.rows[0][0][2] == hostile and grid.rows[0][0][1]["title"] == hostile
    assert grid.caption == "<i>description</i>"
    tip = grid.rows[0][1][1]["title"] or ""
    assert "<script>alert(2)</script>\u2400" in tip  # shown as typed, the NUL made visible
    assert len(tip) <= TOOLTIP_LIMIT and tip.endswith("\u2026")


def test_many_quarters_get_short_words_and_the_table_scrolls_rather_than_squeezes() -> None:
    quarters = [f"Q{q} {y}-{str(y + 1)[2:]}" for y in (2022, 2023) for q in (1, 2, 3, 4)]
    three = timeline_grid_html(timeline([("FA-01", "FA-01 A", ["Minor slippage"] * 3)]), "")
    eight = timeline_grid_html(
        timeline([("FA-01", "FA-01 A", ["Minor slippage"] * 8)], quarters), ""
    )
    assert parse(eight).head[1:] == quarters
    assert {t for _tag, _a, t in parse(eight).rows[0][1:]} == {"\u25b2 Slippage"}
    assert {t for _tag, _a, t in parse(three).rows[0][1:]} == {"\u25b2 Minor slippage"}
    assert "min-width: 46em" in three and "min-width: 72em" in eight
    assert 'class="hd-tl-wrap" role="region" tabindex="0"' in eight


def test_no_lines_no_table() -> None:
    empty = pd.DataFrame(
        columns=["ref", "title", "priority_id", "period", "status", "commentary", "label"]
    )
    assert timeline_grid_html(empty, "nothing") == ""
