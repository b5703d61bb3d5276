"""The store's reads of other areas' published figures (benchmarking): areas, comparison
groups, benchmarked indicators, comparator values and the periods each measure has."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from harrow_dash.store import schema as s
from harrow_dash.store.bulk_reads import MANY_REFS
from harrow_dash.store.connection import StoreBase


class ComparatorReads(StoreBase):
    """Reads of comparator data (see the module's docstring)."""

    # -- comparators (benchmarking) ------------------------------------------------------------------
    def _comparator_visible(self, frame: pd.DataFrame) -> pd.DataFrame:
        """In a public store, comparator periods that ended by the latest published quarter only
        (a period key says which months it covers, so this is worked out from the key, not by
        comparing keys)."""
        if not self.public or frame.empty:
            return frame
        from harrow_dash.rules.comparator_periods import end_quarter

        latest = self.read(sa.select(sa.func.max(s.published_quarters.c.period))).iloc[0, 0]
        if latest is None or pd.isna(latest):
            return frame.iloc[0:0]
        ends = {int(k): end_quarter(int(k)) for k in frame["period"].unique()}
        return frame[frame["period"].map(ends) <= int(latest)].reset_index(drop=True)

    def area_names(self) -> dict[str, str]:
        df = self.read(sa.select(s.areas.c.code, s.areas.c.name))
        return dict(zip(df["code"], df["name"], strict=True))

    def comparison_groups(self) -> dict[str, list[str]]:
        """Named comparison groups loaded as data (e.g. statistical neighbours): name -> codes."""
        g = s.comparison_groups
        df = self.read(sa.select(g.c.group_name, g.c.area_code).order_by(g.c.group_name))
        return {str(n): list(part["area_code"]) for n, part in df.groupby("group_name", sort=True)}

    def benchmarked_indicators(self) -> pd.DataFrame:
        """Indicators mapped to a comparator measure, with what ranking needs."""
        i, m = self._def("indicators"), s.comparator_measures
        q = (
            sa.select(
                i.c.ref,
                i.c.name,
                i.c.priority_id,
                i.c.directorate,
                i.c.portfolio,
                i.c.unit,
                i.c.polarity,
                i.c.counts_people,
                i.c.benchmark_measure.label("measure"),
                m.c.name.label("measure_name"),
            )
            .select_from(i.outerjoin(m, m.c.measure == i.c.benchmark_measure))
            .where(i.c.benchmark_measure.is_not(None))
            .order_by(i.c.ref)
        )
        return self.read(q)

    def comparator_values(
        self, measures: list[str], periods: list[int] | None = None
    ) -> pd.DataFrame:
        """Every area's value for the measures: area_code, measure, period, value, suppressed,
        marker; only at ``periods`` (comparator period keys) when given."""
        v = s.comparator_values
        q = (
            sa.select(v.c.area_code, v.c.measure, v.c.period, v.c.value, v.c.suppressed, v.c.marker)
            .where(v.c.measure.in_(measures))
            .order_by(v.c.measure, v.c.period, v.c.area_code)
        )
        if periods is not None:
            q = q.where(v.c.period.in_([int(p) for p in periods]))
        # Every measure's values (the Comparisons page, a briefing): tens of thousands of rows.
        return self._comparator_visible(self._read_many(q, many=len(measures) > MANY_REFS))

    def comparator_periods(self, measures: list[str], areas: list[str]) -> pd.DataFrame:
        """The periods at which any of ``areas`` has a value of each measure: measure, period
        (what choosing a measure's comparator period needs, without reading every value)."""
        v = s.comparator_values
        q = (
            sa.select(v.c.measure, v.c.period)
            .where(v.c.measure.in_(measures), v.c.area_code.in_(areas))
            .distinct()
        )
        return self._comparator_visible(self._read_many(q, many=len(measures) > MANY_REFS))

    def _read_many(self, query: sa.Select[Any], many: bool) -> pd.DataFrame:
        """:meth:`read`, and for ``many`` rows on PostgreSQL packed into one value
        (:mod:`harrow_dash.store.packed_read`: the same frame, without per-row messages)."""
        if many and not self.is_duckdb:
            from harrow_dash.store.packed_read import read_packed

            with self.connect() as conn:
                frame = read_packed(conn, query)
            if frame is not None:
                return frame
        return self.read(query, many_rows=many)
