"""Every heading spelling the importer reads is documented in the README, and every period heading the
README shows is one the importer reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harrow_dash.ingest.headings import COMPARATOR_FIELDS, INDICATOR_FIELDS, period_heading

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _row(field: str) -> str:
    m = re.search(rf"^\| {re.escape(field)} \| (.*) \|$", README, flags=re.M)
    assert m, f"no README row for {field}"
    return m.group(1)


@pytest.mark.parametrize("field", list(INDICATOR_FIELDS))
def test_every_indicator_heading_spelling_is_in_the_readme(field):
    documented = set(re.findall(r"`([^`]+)`", _row(field)))
    assert set(INDICATOR_FIELDS[field]) <= documented


def _period_table_spellings() -> list[str]:
    section = README.split("**Period headings of a scorecard**", 1)[1].split("\n\n", 2)[1]
    spellings = []
    for line in section.splitlines()[2:]:
        cells = line.strip("|").split("|")
        spellings += re.findall(r"`([^`]+)`", cells[-1])
    return spellings


def test_the_readme_period_table_is_there():
    assert len(_period_table_spellings()) >= 25


@pytest.mark.parametrize("written", _period_table_spellings())
def test_every_period_heading_in_the_readme_is_read(written):
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
    section = README.split("**Comparator values**\n\n| Field |", 1)[1].split("\n\n", 1)[0]
    m = re.search(rf"^\| {re.escape(field)} \| (.*) \|$", section, flags=re.M)
    assert m, f"no README row for comparator field {field}"
    return m.group(1)


@pytest.mark.parametrize("field", list(COMPARATOR_FIELDS))
def test_every_comparator_heading_spelling_is_in_the_readme(field):
    documented = set(re.findall(r"`([^`]+)`", _comparator_row(field)))
    assert set(COMPARATOR_FIELDS[field]) == documented
