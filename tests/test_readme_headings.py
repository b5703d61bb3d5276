"""Every heading spelling the importer reads is documented in the manual (docs/loading-data.md, once the
README), and every period heading the manual shows is one the importer reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harrow_dash.ingest.headings import COMPARATOR_FIELDS, INDICATOR_FIELDS, period_heading

FORMATS = (Path(__file__).resolve().parent.parent / "docs" / "loading-data.md").read_text(
    encoding="utf-8"
)


def _row(field: str) -> str:
    m = re.search(rf"^\| {re.escape(field)} \| (.*) \|$", FORMATS, flags=re.M)
    assert m, f"no row in docs/loading-data.md for {field}"
    return m.group(1)


@pytest.mark.parametrize("field", list(INDICATOR_FIELDS))
def test_every_indicator_heading_spelling_is_in_the_manual(field):
    documented = set(re.findall(r"`([^`]+)`", _row(field)))
    assert set(INDICATOR_FIELDS[field]) <= documented


def _period_table_spellings() -> list[str]:
    after = FORMATS.split("### Period headings of a scorecard\n", 1)[1]
    section = after[after.index("\n|") + 1 :].split("\n\n", 1)[0]
    spellings = []
    for line in section.splitlines()[2:]:
        cells = line.strip("|").split("|")
        spellings += re.findall(r"`([^`]+)`", cells[-1])
    return spellings


def test_the_manual_period_table_is_there():
    assert len(_period_table_spellings()) >= 25


@pytest.mark.parametrize("written", _period_table_spellings())
def test_every_period_heading_in_the_manual_is_read(written):
    if written in {
        "Target",
        "Actual",
        "RAG",
        "Status",
        "Commentary",
        "Comment",
        "Comments",
        "mmm-yy",
    }:
        return  # field words shown alone, and an Excel number format
    assert period_heading(written) is not None, written


def _comparator_row(field: str) -> str:
    section = FORMATS.split("### Comparator values\n\n| Field |", 1)[1].split("\n\n", 1)[0]
    m = re.search(rf"^\| {re.escape(field)} \| (.*) \|$", section, flags=re.M)
    assert m, f"no row in docs/loading-data.md for comparator field {field}"
    return m.group(1)


@pytest.mark.parametrize("field", list(COMPARATOR_FIELDS))
def test_every_comparator_heading_spelling_is_in_the_manual(field):
    documented = set(re.findall(r"`([^`]+)`", _comparator_row(field)))
    assert set(COMPARATOR_FIELDS[field]) == documented
