"""Corrective actions' statuses: the five words Cabinet uses, how a file's spelling maps to them, and
the one rule for an action's status as at a quarter (past its due quarter and still open = overdue).

A corrective action is what Cabinet agreed to do about an indicator, a flagship action or a priority
that is off track. Its status is recorded quarter by quarter; the status *as at* a quarter is the
latest recorded status at or before it, except that an open action (agreed or in progress) whose due
quarter has ended is overdue whatever was last recorded. Every path (pages, briefing, slides,
downloads, open data) asks :func:`status_as_at`.
"""

from __future__ import annotations

from enum import StrEnum


class CorrectiveStatus(StrEnum):
    AGREED = "agreed"
    IN_PROGRESS = "in progress"
    DONE = "done"
    OVERDUE = "overdue"
    DROPPED = "dropped"

    @property
    def closed(self) -> bool:
        """Done and dropped actions are closed: they are never overdue."""
        return self in (CorrectiveStatus.DONE, CorrectiveStatus.DROPPED)


# Follow-up order: what needs Cabinet's attention first.
FOLLOW_UP_ORDER = (
    CorrectiveStatus.OVERDUE,
    CorrectiveStatus.AGREED,
    CorrectiveStatus.IN_PROGRESS,
    CorrectiveStatus.DONE,
    CorrectiveStatus.DROPPED,
)

_WORDS = {
    CorrectiveStatus.AGREED: {"agreed", "not started", "new", "planned"},
    CorrectiveStatus.IN_PROGRESS: {
        "in progress",
        "in-progress",
        "inprogress",
        "started",
        "ongoing",
    },
    CorrectiveStatus.DONE: {"done", "complete", "completed", "closed - done", "achieved"},
    CorrectiveStatus.OVERDUE: {"overdue", "late", "past due"},
    CorrectiveStatus.DROPPED: {"dropped", "withdrawn", "cancelled", "canceled", "closed - dropped"},
}


def parse_status(text: object) -> CorrectiveStatus | None:
    """The status a file's cell names (case, spaces and common synonyms forgiven), or None."""
    if not isinstance(text, str):
        return None
    word = " ".join(text.strip().lower().replace("_", " ").split())
    for status, words in _WORDS.items():
        if word in words:
            return status
    return None


def status_as_at(recorded: str | None, due_period: int, as_at: int) -> CorrectiveStatus:
    """An action's status as at the quarter ``as_at`` (period keys, see :mod:`harrow_dash.rules.periods`),
    given the latest status recorded at or before it (None: nothing recorded yet, i.e. agreed).

    Closed actions keep their status; an open one is overdue once its due quarter has ended.
    """
    status = parse_status(recorded) if recorded is not None else CorrectiveStatus.AGREED
    if status is None:
        raise ValueError(f"not a corrective action status: {recorded!r}")
    if status.closed:
        return status
    if as_at > due_period:
        return CorrectiveStatus.OVERDUE
    return status


def follow_up_rank(status: CorrectiveStatus) -> int:
    """Sort key for follow-up lists: overdue first, closed last."""
    return FOLLOW_UP_ORDER.index(status)
