"""The one escaping function (harrow_dash.formats.textsafe) against the payloads a crafted link or file carries.

What it must guarantee, checked on the Markdown it returns: no Markdown or HTML control character is
left unescaped, nothing Streamlit turns into a link, an image, an icon, a colour or LaTeX is left
whole (``://``, ``www.``, ``:material/``, ``@`` addresses), and a reader sees exactly the text given.
That it *renders* as literal text is checked in a real browser (tests/browser/test_link_safety_in_browser.py).
"""

from __future__ import annotations

import re

import pytest

from harrow_dash.formats.textsafe import (
    ELLIPSIS,
    WORD_JOINER,
    escape_markdown,
    quoted,
    shorten,
    visible_controls,
)
from harrow_dash.ingest import report
from harrow_dash.ingest.problems import Problem
from tests.payloads import LONG
from tests.payloads import PAYLOADS as ISSUE_PAYLOADS

PAYLOADS = [
    *ISSUE_PAYLOADS[:-1],
    "WWW.EVIL.EXAMPLE",
    "write to someone@evil.example",
    ":smile:",
    "# heading\n---\n> quote\n1. list",
    "a\\*b",
    LONG,
]


def as_read(markdown: str) -> str:
    """What a reader sees: backslash escapes resolved, word joiners invisible, breaks as newlines."""
    text = markdown.replace("  \n", "\n")
    return re.sub(r"\\(.)", r"\1", text).replace(WORD_JOINER, "")


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: p[:30])
def test_a_payload_reads_exactly_as_typed(payload: str) -> None:
    assert as_read(escape_markdown(payload)) == payload


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: p[:30])
def test_nothing_streamlit_would_act_on_is_left_whole(payload: str) -> None:
    out = escape_markdown(payload)
    # Every Markdown/HTML control character is preceded by a backslash (an odd run of them).
    for m in re.finditer(r"[\[\]()!<>*_`$:#|~{}\-+.=@&]", out):
        run = len(out[: m.start()]) - len(out[: m.start()].rstrip("\\"))
        assert run % 2 == 1, f"unescaped {m.group()!r} at {m.start()} in {out[:80]!r}"
    # What Streamlit finds in the text after escapes are read: autolinks, e-mail links, icon codes.
    seen = out.replace("\\", "")
    assert "://" not in seen
    assert not re.search(r"(?i)www\.", seen)
    assert not re.search(r"@[-\w]", seen)
    assert not re.search(r":[a-z_/+]+:", seen)


def test_escaping_is_not_a_no_op_on_plain_markdown() -> None:
    assert escape_markdown("**bold**") != "**bold**"
    assert escape_markdown("https://evil.example") != "https://evil.example"


def test_newlines_stay_line_breaks_and_none_is_empty() -> None:
    assert escape_markdown("a\nb\r\nc") == "a  \nb  \nc"
    assert escape_markdown(None) == ""


def test_a_long_value_is_shortened_when_a_limit_is_given() -> None:
    out = escape_markdown(LONG, limit=120)
    assert as_read(out) == "A" * 119 + ELLIPSIS
    assert shorten("abc", 3) == "abc" and shorten("abcd", 3) == "ab" + ELLIPSIS
    assert quoted(LONG) == "\u2018" + "A" * 119 + ELLIPSIS + "\u2019"


def test_control_characters_become_visible_symbols() -> None:
    assert visible_controls("a\x00b\x1bc\x7fd\u202ee") == "a\u2400b\u241bc\u2421d\ufffde"
    assert visible_controls("tab\tand\nnewline") == "tab\tand\nnewline"
    assert "\x00" not in escape_markdown("x\x00y")
    assert "\x00" not in quoted("x\x00y")


def test_the_problems_csv_has_no_raw_control_characters() -> None:
    problems = [
        Problem(
            file="bad\x00name.csv",
            sheet=None,
            row=2,
            column="C",
            message="'1\x002' is not a number",
        )
    ]
    data = report.problems_csv(problems).decode("utf-8-sig")
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", data), repr(data)
    assert "bad\u2400name.csv" in data and "'1\u24002' is not a number" in data
