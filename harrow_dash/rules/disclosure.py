"""Disclosure control for facts derived from suppressed counts: the one rule every output uses.

A suppressed count reads "fewer than 5", so a reader knows only that it lies between 0 and
threshold - 1 (1 and threshold - 1 when the ``suppress_zero`` setting is off: see
:class:`harrow_dash.rules.suppression.SmallNumbers`). Anything worked out from it (a RAG rating, a direction of
travel, a place in a list of movers, a chart point) may narrow that down: "fewer than 5" against a
target of 3, lower is better, rated Red, can only be 4. So a fact derived from one or more suppressed
values is shown only when it is the same for *every* value each hidden cell could hold; otherwise it
is withheld and said to be ("rating withheld: small number").

:func:`disclosed` is that rule. It is pure and knows nothing of RAG or travel: callers pass the fact
as a function of the values and say which values are hidden.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Sequence
from typing import Final, TypeVar

from harrow_dash.rules.suppression import DEFAULT_THRESHOLD, SmallNumbers, small_numbers

T = TypeVar("T", bound=Hashable)


class _Withheld:
    """The marker for a fact that is not shown (one instance, :data:`WITHHELD`)."""

    _instance: _Withheld | None = None

    def __new__(cls) -> _Withheld:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "WITHHELD"

    def __bool__(self) -> bool:
        return False


WITHHELD: Final = _Withheld()

WITHHELD_WORDS = "withheld: small number"
WITHHELD_RAG = "Withheld"  # the RAG category of a withheld rating, counted on its own
RATING_WITHHELD = "Rating withheld: small number"
RATING_WITHHELD_MEANING = (
    "the actual is a suppressed count of people and its rating would narrow down the hidden figure"
)


def hidden_values(threshold: SmallNumbers | int = DEFAULT_THRESHOLD) -> range:
    """Every value a suppressed count could hold: 0 to threshold - 1 (from 1 when zero is shown)."""
    return small_numbers(threshold).values()


def disclosed(
    fact: Callable[..., T],
    values: Sequence[float | None],
    hidden: Sequence[bool],
    threshold: SmallNumbers | int = DEFAULT_THRESHOLD,
) -> T | _Withheld:
    """``fact(*values)`` if it is the same whatever the hidden values are, else :data:`WITHHELD`.

    ``hidden[i]`` says that ``values[i]`` is suppressed; it is then replaced in turn by every value it
    could hold (all combinations when several are hidden) and ``fact`` must give one answer for all
    of them. With nothing hidden this is just ``fact(*values)``."""
    slots = [
        list(hidden_values(threshold)) if h else [v] for v, h in zip(values, hidden, strict=True)
    ]
    if not any(hidden):
        return fact(*values)
    answers = {fact(*combo) for combo in itertools.product(*slots)}
    return answers.pop() if len(answers) == 1 else WITHHELD


def is_withheld(value: object) -> bool:
    return value is WITHHELD
