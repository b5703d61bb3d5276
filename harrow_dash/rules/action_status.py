"""Flagship Action statuses: the five states a plan commitment can be in at a quarter's end."""

from __future__ import annotations

from enum import StrEnum


class ActionStatus(StrEnum):
    COMPLETE = "Complete"
    ON_TRACK = "On track"
    MINOR_SLIPPAGE = "Minor slippage"
    OFF_TRACK = "Off track"
    NOT_STARTED = "Not started"
    NOT_YET_DUE = "Not yet due"

    @property
    def rag(self) -> str:
        """The RAG group the report counts this status under."""
        return {
            ActionStatus.COMPLETE: "Complete",
            ActionStatus.ON_TRACK: "Green",
            ActionStatus.MINOR_SLIPPAGE: "Amber",
            ActionStatus.OFF_TRACK: "Red",
            ActionStatus.NOT_STARTED: "Not started / not yet due",
            ActionStatus.NOT_YET_DUE: "Not started / not yet due",
        }[self]


# The order groups are shown in charts and tables.
ACTION_GROUPS = ["Complete", "Green", "Amber", "Red", "Not started / not yet due"]


def action_groups_for(rags: tuple[str, ...] | list[str]) -> set[str]:
    """The action status groups the shared RAG filter selects, everywhere actions are shown: Green
    includes Complete, and "Not rated" means not started or not yet due."""
    groups = {r for r in rags if r in ("Green", "Amber", "Red")}
    if "Green" in rags:
        groups.add("Complete")
    if "Not rated" in rags:
        groups.add("Not started / not yet due")
    return groups


_WORDS = {
    ActionStatus.COMPLETE: {"complete", "completed", "done", "achieved", "blue"},
    ActionStatus.ON_TRACK: {"on track", "on target", "green", "g"},
    ActionStatus.MINOR_SLIPPAGE: {"minor slippage", "slippage", "at risk", "amber", "a"},
    ActionStatus.OFF_TRACK: {"off track", "off target", "major slippage", "red", "r"},
    ActionStatus.NOT_STARTED: {"not started", "grey", "gray"},
    ActionStatus.NOT_YET_DUE: {"not yet due", "not due", "not due yet"},
}


def parse_action_status(text: object) -> ActionStatus:
    """Read a status in its usual spellings; raise ``ValueError`` with the accepted words."""
    word = " ".join(str(text).strip().lower().replace("-", " ").replace("_", " ").split())
    for status, words in _WORDS.items():
        if word in words or word == status.value.lower():
            return status
    accepted = ", ".join(s.value for s in ActionStatus)
    raise ValueError(f"'{text}' is not a flagship action status; use one of: {accepted}.")


# Icons per RAG group, so a status is never shown by colour alone.
GROUP_ICONS = {
    "Complete": "\u2605",
    "Green": "\u2714",
    "Amber": "\u25b2",
    "Red": "\u2716",
    "Not started / not yet due": "\u25cb",
}


def status_label(status: str) -> str:
    """A status with its icon, e.g. '✖ Off track'."""
    return f"{GROUP_ICONS[ActionStatus(status).rag]} {status}"
