"""Many indicators' actuals in the shape a trend line needs: per indicator, its values in quarter
order, held as whole arrays with one reference per indicator rather than one per value.

``Store.actual_lines`` reads them (``views.trend_lines`` draws the Indicators list's lines from
them); ``Store.indicator_actuals`` gives the same values as the long frame (ref, period, actual,
counts_people; :meth:`ActualLines.frame`). At 13,200 indicators x 40 quarters, a reference per value
is 528,000 texts to make, sort by and group again; here it is 13,200.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from harrow_dash.store.bulk_reads import _column_like_rows, by_rank_then_period


@dataclass(frozen=True)
class ActualLines:
    """``refs[i]``'s values are ``periods`` and ``actual`` from ``offsets[i]`` to ``offsets[i + 1]``,
    oldest first; ``refs`` in order (bytewise, as ``ORDER BY ref`` sorts text in both databases),
    each once, only those with a value. ``counts_people[i]`` is whether ``refs[i]`` counts people.
    A blank actual is NaN."""

    refs: list[str]
    offsets: np.ndarray  # int64, len(refs) + 1
    periods: np.ndarray  # int64
    actual: np.ndarray  # float64
    counts_people: np.ndarray  # bool, one per ref

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def people_of_each_value(self) -> np.ndarray:
        return np.repeat(self.counts_people, self.lengths)

    def frame(self) -> pd.DataFrame:
        """The long frame ``Store.indicator_actuals`` gives: one row per value, sorted by ref then
        period."""
        if not self.refs:
            return empty_frame()
        codes = np.repeat(np.arange(len(self.refs)), self.lengths)
        refs = pa.array(self.refs, type=pa.string()).take(pa.array(codes))
        return pd.DataFrame(
            {
                "ref": _column_like_rows(pa.chunked_array([refs])),
                "period": self.periods,
                "actual": self.actual,
                "counts_people": self.people_of_each_value(),
            }
        )


def empty_frame() -> pd.DataFrame:
    """The long frame of no values (the columns a read of no rows gives)."""
    return pd.DataFrame(
        {
            "ref": pd.Series(dtype=object),
            "period": pd.Series(dtype="int64"),
            "actual": pd.Series(dtype="float64"),
            "counts_people": pd.Series(dtype=object),
        }
    )


NO_LINES = ActualLines(
    [],
    np.zeros(1, dtype=np.int64),
    np.zeros(0, dtype=np.int64),
    np.zeros(0, dtype=np.float64),
    np.zeros(0, dtype=bool),
)


def in_order(
    names: pa.Array, codes: np.ndarray, periods: np.ndarray, actual: np.ndarray, people: np.ndarray
) -> ActualLines:
    """The lines of values given in any order: value ``j`` is of reference ``names[codes[j]]`` (each
    name once in ``names``), in quarter ``periods[j]``; ``people[k]`` is whether ``names[k]`` counts
    people. Sorted here by reference (bytewise) then quarter, by two radix sorts
    (:func:`by_rank_then_period`): DuckDB's sort of 528,000 rows by text was three quarters of
    their read and held some 30 MB more while it ran."""
    if not len(codes):
        return NO_LINES
    # Ranks as small as they fit: at council scale, 528,000 of them in 1 MB rather than 4.
    rank = np.empty(len(names), dtype=np.uint16 if len(names) <= 2**16 else np.int64)
    rank[pc.sort_indices(names).to_numpy()] = np.arange(len(names))
    order = by_rank_then_period(rank[codes], periods)
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    series = sorted_codes[starts]
    del sorted_codes
    return ActualLines(
        [str(r) for r in names.take(pa.array(series)).to_pylist()],
        np.r_[starts, len(order)].astype(np.int64),
        periods[order].astype(np.int64, copy=False),
        actual[order].astype(np.float64, copy=False),
        people[series].astype(bool),
    )


def lines_of_table(read: Callable[[], pa.Table | None]) -> ActualLines | None:
    """The lines of the table of values ``read`` returns (``ref``, ``period``, ``actual``,
    ``counts_people``, any order; no gap in ``ref``, ``period`` or ``counts_people``), as DuckDB
    reads them; None where ``read`` gives None. The table is let go once its columns are taken,
    before the values are sorted (its texts alone are 7 MB at 528,000 values)."""
    table = read()
    if table is None:
        return None
    if not table.num_rows:
        return NO_LINES
    refs = pa.chunked_array(table.column("ref")).combine_chunks().dictionary_encode()
    codes = refs.indices.to_numpy()
    people = np.zeros(len(refs.dictionary), dtype=bool)
    people[codes] = table.column("counts_people").to_numpy(zero_copy_only=False).astype(bool)
    actual = table.column("actual").to_numpy(zero_copy_only=False).astype(np.float64)
    periods = table.column("period").to_numpy().astype(np.int64)
    names = refs.dictionary
    del table, refs
    return in_order(names, codes, periods, actual, people)


def lines_of_frame(frame: pd.DataFrame) -> ActualLines:
    """The lines of the long frame (sorted by ref then period, as the row-by-row read gives it)."""
    if frame.empty:
        return NO_LINES
    codes, seen = pd.factorize(frame["ref"])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    people = frame["counts_people"].to_numpy()[starts]
    return ActualLines(
        [str(r) for r in seen[codes[starts]].tolist()],
        np.r_[starts, len(codes)].astype(np.int64),
        frame["period"].to_numpy(dtype=np.int64),
        frame["actual"].to_numpy(dtype=float, na_value=np.nan),
        np.array([bool(p) for p in people.tolist()], dtype=bool),
    )
