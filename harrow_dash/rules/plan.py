"""The corporate plan the dashboard reports against: its priorities, seeded when a database is created.

The 2023-24 plan "Restoring Pride in Harrow" has three priorities. A database for a later plan can be
created with other priorities (``harrow-dash init --priorities FILE``, one per line).
"""

from __future__ import annotations

PLAN_NAME = "Restoring Pride in Harrow"
COUNCIL_NAME = "Harrow Council"

PRIORITIES_2023_24: list[tuple[int, str, str]] = [
    (1, "A council that puts residents first", "Residents first"),
    (2, "A borough that is clean and safe", "Clean and safe"),
    (3, "A place where those in need are supported", "Those in need supported"),
]

# Shown wherever the shipped sample data is on screen or in an export.
ILLUSTRATIVE_NOTE = (
    "Illustrative sample data, made up to show how the dashboard works: "
    "not Harrow Council's official performance figures."
)
ILLUSTRATIVE_SHORT = "Illustrative sample data: not Harrow Council's official performance figures."
