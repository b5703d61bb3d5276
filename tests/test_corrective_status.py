"""The corrective-action status rule: open past its due quarter is overdue; closed stays closed."""

from __future__ import annotations

import pytest

from harrow_dash.rules.corrective_status import (
    CorrectiveStatus,
    follow_up_rank,
    parse_status,
    status_as_at,
)

Q1, Q2, Q3, Q4 = 20231, 20232, 20233, 20234
NEXT_Q1 = 20241


@pytest.mark.parametrize(
    ("recorded", "due", "as_at", "expected"),
    [
        (None, Q3, Q2, CorrectiveStatus.AGREED),
        ("in progress", Q3, Q3, CorrectiveStatus.IN_PROGRESS),
        ("in progress", Q3, Q4, CorrectiveStatus.OVERDUE),
        ("agreed", Q4, NEXT_Q1, CorrectiveStatus.OVERDUE),
        ("done", Q2, NEXT_Q1, CorrectiveStatus.DONE),
        ("dropped", Q1, Q4, CorrectiveStatus.DROPPED),
        ("overdue", Q2, Q3, CorrectiveStatus.OVERDUE),
    ],
)
def test_an_open_action_is_overdue_once_its_due_quarter_has_ended(
    recorded: str | None, due: int, as_at: int, expected: CorrectiveStatus
) -> None:
    assert status_as_at(recorded, due, as_at) is expected


def test_status_words_from_files_are_forgiven_but_unknown_words_are_not() -> None:
    assert parse_status("  In Progress ") is CorrectiveStatus.IN_PROGRESS
    assert parse_status("Completed") is CorrectiveStatus.DONE
    assert parse_status("Withdrawn") is CorrectiveStatus.DROPPED
    assert parse_status("maybe") is None
    with pytest.raises(ValueError, match="maybe"):
        status_as_at("maybe", Q3, Q2)


def test_overdue_comes_first_and_closed_last() -> None:
    ranked = sorted(CorrectiveStatus, key=follow_up_rank)
    assert ranked[0] is CorrectiveStatus.OVERDUE
    assert ranked[-2:] == [CorrectiveStatus.DONE, CorrectiveStatus.DROPPED]
