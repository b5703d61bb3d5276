"""The store's reads for the load history and for whole-database exports: batches, every value
and monthly value with its definitions (tidy), row counts, and whether the illustrative sample
is loaded."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from harrow_dash.store import schema as s
from harrow_dash.store.connection import StoreBase

SAMPLE_LOADER = "sample data"


class ExportReads(StoreBase):
    """Reads of the load history and exports (see the module's docstring)."""

    # -- batches and export --------------------------------------------------------------------------
    def batches(self) -> pd.DataFrame:
        b = s.load_batches
        return self.read(sa.select(b).order_by(b.c.id.desc()))

    @staticmethod
    def _export_definitions(i: sa.FromClause) -> list[sa.ColumnElement[Any]]:
        """The indicator definitions both editor's exports carry beside each value (quarterly in
        :meth:`tidy_values`, monthly in :meth:`tidy_months`), so a new one reaches both."""
        return [
            i.c.name,
            s.priorities.c.name.label("priority"),
            i.c.directorate,
            i.c.portfolio.label("portfolio_holder"),
            i.c.cumulative_or_seasonal,
            i.c.quarter_rule,
            i.c.allow_negative,
        ]

    @staticmethod
    def _with_definitions(values: sa.Table, i: sa.FromClause) -> sa.Join:
        """``values`` (keyed by ``ref``) joined to their indicators ``i`` and their priorities."""
        return values.join(i, i.c.ref == values.c.ref).join(
            s.priorities, s.priorities.c.id == i.c.priority_id
        )

    def tidy_values(self) -> pd.DataFrame:
        """All indicator values with their definitions, one row per indicator per quarter."""
        i, v = self._def("indicators"), s.indicator_values
        q = (
            sa.select(
                v.c.ref,
                *self._export_definitions(i),
                i.c.description,
                i.c.source,
                *self._rating_columns(i),
                v.c.commentary_internal,
            )
            .select_from(self._with_definitions(v, i))
            .where(*self._visible(v.c.period))
            .order_by(v.c.ref, v.c.period)
        )
        return self.read(q, many_rows=True)

    def tidy_months(self) -> pd.DataFrame:
        """Every monthly value (``month`` key, actual, target) with its indicator's definitions, for
        the editor's export (:func:`harrow_dash.outputs.exports.monthly_export`)."""
        i, m = self._def("indicators"), s.indicator_monthly_values
        q = (
            sa.select(
                m.c.ref,
                *self._export_definitions(i),
                *self._rating_definitions(i),
                m.c.month,
                m.c.actual,
                m.c.target,
                m.c.marker,
            )
            .select_from(self._with_definitions(m, i))
            .order_by(m.c.ref, m.c.month)
        )
        return self.read(q)

    def counts(self) -> dict[str, int]:
        out = {}
        with self.connect() as conn:
            for name in (
                "indicators",
                "indicator_values",
                "flagship_actions",
                "action_statuses",
                "highlights",
            ):
                out[name] = int(
                    conn.execute(
                        sa.select(sa.func.count()).select_from(s.metadata.tables[name])
                    ).scalar()
                    or 0
                )
        return out

    def has_sample_data(self) -> bool:
        """True while the shipped illustrative sample is loaded (its batch not rolled back)."""
        b = s.load_batches
        q = sa.select(sa.func.count()).where(
            b.c.loaded_by == SAMPLE_LOADER, b.c.status == "committed"
        )
        with self.connect() as conn:
            return bool(conn.execute(q).scalar())
