"""The data-format examples in the manual (docs/loading-data.md, once the README) are real: each one
loads into the sample database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harrow_dash.ingest.load import FileInput, prepare
from harrow_dash.store import Store

FORMATS = Path(__file__).resolve().parent.parent / "docs" / "loading-data.md"


def _csv_blocks() -> list[str]:
    return re.findall(r"```csv\n(.*?)```", FORMATS.read_text(encoding="utf-8"), flags=re.S)


def _scorecard_table() -> str:
    """The manual's markdown scorecard table, turned into CSV."""
    text = FORMATS.read_text(encoding="utf-8")
    section = text.split("### Scorecard\n", 1)[1]
    rows: list[str] = []
    for line in section.splitlines():
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break  # the end of the first table
    cells = [
        [c.strip() for c in row.strip("|").split("|")] for row in rows if not set(row) <= set("|- ")
    ]
    return "\n".join(",".join(f'"{c}"' for c in row) for row in cells) + "\n"


@pytest.mark.parametrize("index", range(6))
def test_the_manual_s_csv_examples_validate(sample_store: Store, index: int) -> None:
    blocks = _csv_blocks()
    assert len(blocks) == 6, (
        "the manual shows a tidy, an actions, a corrective actions, a highlights, a comparator and "
        "a group example"
    )
    plan = prepare(sample_store, [FileInput(f"example{index}.csv", blocks[index].encode())])
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.added + plan.changed + plan.unchanged >= 1


def test_the_manual_s_scorecard_example_validates(sample_store: Store) -> None:
    plan = prepare(sample_store, [FileInput("scorecard.csv", _scorecard_table().encode())])
    assert plan.ok, [str(p) for p in plan.problems]
    values = plan.tables["indicator_values"]
    # Three quarter columns for one indicator; Q1 and Q2 2023-24 differ from the sample's figures.
    assert values.added + values.changed + values.unchanged == 3
