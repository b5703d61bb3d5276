"""The follow-up rule ('What we said we would do', harrow_dash.outputs.follow_up) on hand-built frames in the
columns of Store.corrective_actions and of the rated indicators."""

from __future__ import annotations

import pandas as pd

from harrow_dash.outputs.follow_up import (
    action_detail,
    actions_text,
    call_out_line,
    follow_up,
    red_line,
    subject_actions,
    update_history,
)
from harrow_dash.rules.corrective_status import CorrectiveStatus
from harrow_dash.rules.disclosure import WITHHELD_RAG
from harrow_dash.rules.periods import parse_period

Q1, Q2, Q3, Q4 = (parse_period(f"Q{n} 2023-24") for n in (1, 2, 3, 4))


def action(
    action_id: str,
    subject_ref: str,
    agreed: int,
    due: int,
    status: str | None,
    *,
    kind: str = "indicator",
    priority_id: int = 1,
    text: str = "Do something about it.",
    dropped_reason: str | None = None,
) -> dict[str, object]:
    return {
        "action_id": action_id,
        "subject_kind": kind,
        "subject_ref": subject_ref,
        "subject_title": f"Title of {subject_ref}",
        "priority_id": priority_id,
        "priority": f"Priority {priority_id}",
        "directorate": "Resources",
        "portfolio": "Finance",
        "action": text,
        "owner": "A Officer",
        "portfolio_holder": "Cllr B",
        "agreed_period": agreed,
        "agreed_at": "",
        "due_period": due,
        "recorded_status": status,
        "status_period": None if status is None else agreed,
        "latest_update": None,
        "dropped_reason": dropped_reason,
        "internal_note": None,
    }


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def rated(*pairs: tuple[str, str], priority_id: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ref": [r for r, _ in pairs],
            "name": [f"Name of {r}" for r, _ in pairs],
            "priority_id": [priority_id] * len(pairs),
            "priority": [f"Priority {priority_id}"] * len(pairs),
            "rag": [g for _, g in pairs],
        }
    )


def test_last_quarters_actions_put_overdue_first_then_by_due_quarter() -> None:
    now = frame(
        action("CA-3", "PI-3", Q1.key, Q3.key, "in progress"),  # in progress, due Q3
        action("CA-1", "PI-1", Q1.key, Q1.key, "in progress"),  # due Q1, still open: overdue
        action("CA-2", "PI-2", Q2.key, Q2.key, "done"),  # agreed last quarter, done
        action("CA-4", "PI-4", Q2.key, Q4.key, None),  # agreed last quarter, nothing recorded
    )
    before = frame(
        action("CA-3", "PI-3", Q1.key, Q3.key, "agreed"),
        action("CA-1", "PI-1", Q1.key, Q1.key, "in progress"),
        action("CA-2", "PI-2", Q2.key, Q2.key, None),
        action("CA-4", "PI-4", Q2.key, Q4.key, None),
    )
    fu = follow_up(Q3, now, before, rated(), rated())
    assert [a.action_id for a in fu.last_quarter] == ["CA-1", "CA-4", "CA-3", "CA-2"]
    assert [a.status for a in fu.last_quarter] == [
        CorrectiveStatus.OVERDUE,
        CorrectiveStatus.AGREED,
        CorrectiveStatus.IN_PROGRESS,
        CorrectiveStatus.DONE,
    ]
    assert fu.overdue == (fu.last_quarter[0],)
    assert fu.last_quarter[0].status_text == "\u26a0 Overdue"


def test_an_action_closed_before_last_quarter_ended_or_agreed_this_quarter_is_not_followed_up() -> (
    None
):
    now = frame(
        action("CA-OLD", "PI-1", Q1.key, Q2.key, "done"),  # done by the end of Q2: closed then
        action("CA-NEW", "PI-2", Q3.key, Q4.key, None),  # agreed at this quarter's meeting
    )
    before = frame(action("CA-OLD", "PI-1", Q1.key, Q2.key, "done"))
    fu = follow_up(Q3, now, before, rated(), rated())
    assert fu.last_quarter == ()


def test_a_red_indicator_says_whether_it_has_an_open_action_and_which() -> None:
    now = frame(
        action("CA-1", "PI-1", Q2.key, Q4.key, "in progress"),
        action("CA-9", "PI-9", Q2.key, Q4.key, "agreed", kind="flagship action"),
    )
    fu = follow_up(
        Q3, now, now, rated(("PI-1", "Red"), ("PI-2", "Red"), ("PI-3", "Amber")), rated()
    )
    by_ref = {r.ref: r for r in fu.red}
    assert set(by_ref) == {"PI-1", "PI-2"}
    assert [a.action_id for a in by_ref["PI-1"].actions] == ["CA-1"]
    assert by_ref["PI-1"].has_action and not by_ref["PI-2"].has_action
    assert red_line(by_ref["PI-1"]).endswith("action CA-1 (\u25d1 In progress)")
    assert red_line(by_ref["PI-2"]) == "PI-2 Name of PI-2: Red, no action yet"
    assert fu.called_out == ()  # neither was Red last quarter


def test_red_two_quarters_running_with_no_action_is_called_out_first() -> None:
    now = frame(action("CA-1", "PI-1", Q2.key, Q4.key, "in progress"))
    fu = follow_up(
        Q3,
        now,
        now,
        rated(("PI-1", "Red"), ("PI-2", "Red"), ("PI-5", "Red")),
        rated(("PI-1", "Red"), ("PI-2", "Red"), ("PI-5", "Amber")),
    )
    assert [r.ref for r in fu.called_out] == ["PI-2"]
    assert fu.red[0].ref == "PI-2"  # called out first
    assert call_out_line(fu.red[0]).startswith("\u2691 PI-2 Name of PI-2: Red for two quarters")
    assert "1 has been Red for two quarters running with no open action" in fu.summary()


def test_a_dropped_or_done_action_does_not_count_as_an_action() -> None:
    now = frame(
        action("CA-D", "PI-1", Q1.key, Q4.key, "dropped", dropped_reason="Superseded."),
        action("CA-X", "PI-2", Q1.key, Q2.key, "done"),
    )
    fu = follow_up(
        Q3,
        now,
        now,
        rated(("PI-1", "Red"), ("PI-2", "Red")),
        rated(("PI-1", "Red"), ("PI-2", "Red")),
    )
    assert {r.ref for r in fu.called_out} == {"PI-1", "PI-2"}
    by_ref = {r.ref: r for r in fu.red}
    assert call_out_line(by_ref["PI-1"]).endswith("with no open action (CA-D dropped)")
    assert actions_text(by_ref["PI-2"]) == "None: called out (CA-X done)"


def test_an_overdue_action_still_counts_as_an_action() -> None:
    now = frame(action("CA-1", "PI-1", Q1.key, Q1.key, "in progress"))
    fu = follow_up(Q3, now, now, rated(("PI-1", "Red")), rated(("PI-1", "Red")))
    assert fu.called_out == ()
    assert fu.red[0].actions[0].status is CorrectiveStatus.OVERDUE


def test_a_withheld_rating_is_not_red_so_nothing_is_called_out_on_a_hidden_count() -> None:
    fu = follow_up(Q3, frame(), frame(), rated(("PI-1", WITHHELD_RAG)), rated(("PI-1", "Red")))
    assert fu.red == () and fu.called_out == ()
    fu = follow_up(Q3, frame(), frame(), rated(("PI-1", "Red")), rated(("PI-1", WITHHELD_RAG)))
    assert fu.red[0].red_last_quarter is False and fu.called_out == ()


def test_filters_apply_through_the_frames_and_for_priority_keeps_one_priority() -> None:
    now = frame(
        action("CA-1", "PI-1", Q2.key, Q4.key, None, priority_id=1),
        action("CA-2", "PI-2", Q2.key, Q4.key, None, priority_id=2),
    )
    reds = pd.concat([rated(("PI-1", "Red")), rated(("PI-2", "Red"), priority_id=2)])
    fu = follow_up(Q3, now, now, reds, reds)
    one = fu.for_priority(2)
    assert [a.action_id for a in one.last_quarter] == ["CA-2"]
    assert [r.ref for r in one.red] == ["PI-2"]
    # What the store returns for a filter is what the follow-up holds: nothing more.
    narrowed = follow_up(Q3, now[now["priority_id"] == 1], now, rated(("PI-1", "Red")), rated())
    assert [a.action_id for a in narrowed.last_quarter] == ["CA-1"]


def test_empty_frames_give_an_empty_follow_up_with_sentences() -> None:
    fu = follow_up(Q3, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    assert fu.empty
    assert fu.summary() == (
        "No corrective actions were open from last quarter. No indicator is Red this quarter."
    )


def test_subject_actions_are_one_items_actions_as_at_the_quarter_text_kept_as_typed() -> None:
    rows = frame(
        action("CA-1", "PI-1", Q1.key, Q2.key, "agreed", text="<b>Fix</b> [it](http://x)"),
        action("CA-2", "PI-1", Q1.key, Q4.key, "dropped", dropped_reason="Superseded."),
        action("CA-3", "PI-2", Q1.key, Q4.key, None),
        action("CA-4", "PI-1", Q1.key, Q4.key, None, kind="flagship action"),
    )
    got = subject_actions(rows, "indicator", "PI-1", Q3)
    assert [(a.action_id, a.status) for a in got] == [
        ("CA-1", CorrectiveStatus.OVERDUE),
        ("CA-2", CorrectiveStatus.DROPPED),
    ]
    assert got[0].action == "<b>Fix</b> [it](http://x)"
    assert action_detail(got[1]) == "Dropped: Superseded."


def test_update_history_lists_each_quarter_oldest_first_with_status_in_words() -> None:
    updates = pd.DataFrame(
        {
            "action_id": ["CA-1", "CA-1", "CA-2"],
            "period": [Q2.key, Q1.key, Q1.key],
            "status": ["dropped", "in progress", "done"],
            "update": ["Stopped.", "Started.", "Done."],
            "dropped_reason": ["Replaced by CA-5.", None, None],
            "internal_note": [None, None, None],
        }
    )
    rows = update_history(updates, "CA-1")
    assert [r["Quarter"] for r in rows] == ["Q1 2023-24", "Q2 2023-24"]
    assert rows[0]["Status recorded"] == "\u25d1 In progress"
    assert rows[1]["Reason dropped"] == "Replaced by CA-5."
