"""Comparator values split by measure once, so that comparing one indicator reads only its measure's
rows instead of scanning every value again (at 35 areas x 1,485 measures x 12 quarters, a scan per
measure made the Comparisons page's every-indicator strip take minutes).

A :class:`MeasureIndex` holds the values as plain arrays beside the frame they came from, with each
measure's row positions; the hidden-value mask for a suppression threshold is worked out once for all
rows (by :func:`hidden`, the rule :mod:`harrow_dash.outputs.comparisons` applies everywhere). No Streamlit, no
database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harrow_dash.rules.areas import is_benchmark
from harrow_dash.rules.suppression import SmallNumbers, small_numbers

NO_ROWS = np.zeros(0, dtype=np.intp)


def hidden(frame: pd.DataFrame, counts_people: bool, threshold: SmallNumbers | int) -> pd.Series:
    """Which comparator values are hidden: marked suppressed by their publisher, or (for an
    indicator that counts people) a small count by the suppression rule."""
    small = small_numbers(threshold).mask(frame["value"]) if counts_people else False
    return frame["suppressed"].astype(bool) | small


@dataclass(eq=False)
class MeasureIndex:
    """Comparator values (``Store.comparator_values``' columns) with each measure's row positions."""

    values: pd.DataFrame
    codes: np.ndarray  # area_code, as Python strings
    periods: np.ndarray  # period keys, int64
    numbers: np.ndarray  # value, float (NaN: no figure)
    positions: Mapping[str, np.ndarray]  # measure -> positions of its rows in ``values``
    _hidden: dict[tuple[bool, SmallNumbers | int], np.ndarray] = field(default_factory=dict)
    _members: dict[frozenset[str], np.ndarray] = field(default_factory=dict)
    _benchmarks: dict[tuple[tuple[str, str], ...], np.ndarray] = field(default_factory=dict)
    _last_names: tuple[Mapping[str, str], np.ndarray] | None = None

    @classmethod
    def of(cls, values: pd.DataFrame) -> MeasureIndex:
        values = values.reset_index(drop=True)
        if values.empty:
            positions: dict[str, np.ndarray] = {}
        else:
            positions = {
                str(m): np.asarray(p, dtype=np.intp)
                for m, p in values.groupby("measure", sort=False).indices.items()
            }
        return cls(
            values=values,
            codes=values["area_code"].astype(object).to_numpy(dtype=object),
            periods=values["period"].to_numpy(dtype=np.int64),
            numbers=pd.to_numeric(values["value"], errors="coerce").to_numpy(dtype=float),
            positions=positions,
        )

    def rows(self, measure: str) -> np.ndarray:
        """Positions of the measure's rows (none for a measure without values)."""
        return self.positions.get(measure, NO_ROWS)

    def frame(self, measure: str) -> pd.DataFrame:
        """The measure's rows as a frame (the columns of ``values``)."""
        return self.values.iloc[self.rows(measure)]

    def hidden(self, counts_people: bool, threshold: SmallNumbers | int) -> np.ndarray:
        """:func:`hidden` for every row, worked out once per (counts_people, threshold)."""
        key = (counts_people, threshold)
        if key not in self._hidden:
            if self.values.empty:
                self._hidden[key] = np.zeros(0, dtype=bool)
            else:
                mask = hidden(self.values, counts_people, threshold)
                self._hidden[key] = np.asarray(mask, dtype=bool)
        return self._hidden[key]

    def among(self, members: frozenset[str]) -> np.ndarray:
        """Which rows are of an area in ``members`` (a group), worked out once per group."""
        if members not in self._members:
            self._members[members] = np.fromiter(
                (c in members for c in self.codes), dtype=bool, count=len(self.codes)
            )
        return self._members[members]

    def benchmark_rows(self, area_names: Mapping[str, str]) -> np.ndarray:
        """Which rows are of a named benchmark (England, a region: ``areas.is_benchmark`` by code,
        else by name), worked out once per area code and set of names."""
        last = self._last_names
        if last is not None and last[0] is area_names:  # the same names as the last call
            return last[1]
        key = tuple(sorted(area_names.items()))
        if key not in self._benchmarks:
            found = {
                c for c in set(self.codes) if is_benchmark(str(c), area_names.get(str(c), str(c)))
            }
            self._benchmarks[key] = np.fromiter(
                (c in found for c in self.codes), dtype=bool, count=len(self.codes)
            )
        self._last_names = (area_names, self._benchmarks[key])
        return self._benchmarks[key]


def index_of(values: pd.DataFrame | MeasureIndex) -> MeasureIndex:
    """``values`` indexed by measure (as given when it already is)."""
    return values if isinstance(values, MeasureIndex) else MeasureIndex.of(values)
