"""A problem found in an input file, located by file, sheet, row and column, in plain English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str

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
        return f"{self.where()}: {self.message}"


class LoadRefused(Exception):
    """The input was refused; nothing was written. Carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(
            problems, key=lambda p: (p.file, p.sheet or "", p.row or 0, p.column or "")
        )
        super().__init__(f"{len(problems)} problem(s) found; nothing was loaded.")
