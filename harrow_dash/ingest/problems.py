"""A problem found in an input file, located by file, sheet, row and column, in plain English."""

from __future__ import annotations

import re
from dataclasses import dataclass

# At most this many problems are listed; the rest are counted ("and 12,345 more problems").
MAX_PROBLEMS = 500

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters written as ``\\x1b``-style escapes, so that a message
    quoting a cell never sends raw escape sequences to a terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    @classmethod
    def whole_file(cls, file: str, message: str) -> Problem:
        """A problem with the file as a whole (too large, damaged, empty), not with one place in it."""
        return cls(file, None, None, None, message)

    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return printable(f"{self.where()}: {self.message}")


class LoadRefused(Exception):
    """The input was refused; nothing was written. Carries every problem found."""

    def __init__(self, problems: list[Problem]):
        # The "and N more problems not listed" line stays last.
        self.problems = sorted(
            problems,
            key=lambda p: (
                p.row is None and p.message.startswith("and ") and "more problems" in p.message,
                p.file,
                p.sheet or "",
                p.row or 0,
                p.column or "",
            ),
        )
        super().__init__(f"{len(problems)} problem(s) found; nothing was loaded.")
