"""Many indicators' actuals read from PostgreSQL packed one row per indicator, then unpacked.

Read row by row, 13,200 indicators x 40 quarters is 528,000 rows, and PostgreSQL's driver spends
seconds in Python on them (one message per row, COPY included), where DuckDB hands Arrow columns
over in a quarter of a second. Here the database aggregates each indicator's quarters and actuals,
in quarter order (``string_agg ... ORDER BY period``: an order SQL guarantees), into two text values,
so 13,200 rows travel; numpy unpacks them into the same long frame (ref, period, actual,
counts_people) the row-by-row read gives, oldest first per indicator, indicators by ref.

Only the transport differs: which values are read (the quarter limit, published quarters only in a
public store, the definitions in force) is decided by the caller's conditions, the same ones as the
row-by-row read, and what is shown or hidden is decided afterwards by the same rule
(``views.sparkline_values``). A float is written by PostgreSQL in its shortest exact form, so the
number read back is the same double.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from harrow_dash import schema as s

if TYPE_CHECKING:
    from harrow_dash.store import Store

SEPARATOR = ","


def indicator_actuals(
    store: Store,
    definitions: sa.FromClause,
    conditions: list[sa.ColumnElement[bool]],
    refs: list[str],
) -> pd.DataFrame:
    """ref, period, actual, counts_people of the values matching ``conditions`` (on
    ``indicator_values``) of the indicators ``refs`` defined in ``definitions``, sorted by ref then
    period: the frame ``Store.indicator_actuals`` returns, read one row per indicator."""
    v, i = s.indicator_values, definitions

    def packed(column: sa.ColumnElement[Any], label: str) -> sa.ColumnElement[Any]:
        return sa.func.string_agg(
            column, aggregate_order_by(sa.literal(SEPARATOR), v.c.period)
        ).label(label)

    per_ref = (
        sa.select(
            v.c.ref,
            sa.func.count().label("n"),
            packed(sa.cast(v.c.period, sa.Text), "periods"),
            packed(sa.func.coalesce(sa.cast(v.c.actual, sa.Text), "NaN"), "actuals"),
        )
        .where(*conditions)
        .group_by(v.c.ref)
        .subquery("per_ref")
    )
    q = (
        sa.select(per_ref, i.c.counts_people)
        .select_from(per_ref.join(i, i.c.ref == per_ref.c.ref))
        .order_by(per_ref.c.ref)
    )
    rows = store.read(q)
    wanted = rows["ref"].isin(refs).to_numpy() if len(rows) else np.zeros(0, dtype=bool)
    rows = rows[wanted]
    if rows.empty:
        return pd.DataFrame(
            {
                "ref": pd.Series(dtype=object),
                "period": pd.Series(dtype="int64"),
                "actual": pd.Series(dtype="float64"),
                "counts_people": pd.Series(dtype=object),
            }
        )
    counts = rows["n"].to_numpy(dtype=np.int64)
    periods = np.array(SEPARATOR.join(rows["periods"]).split(SEPARATOR), dtype=np.int64)
    actuals = np.array(SEPARATOR.join(rows["actuals"]).split(SEPARATOR), dtype=np.float64)
    return pd.DataFrame(
        {
            "ref": np.repeat(rows["ref"].to_numpy(dtype=object), counts),
            "period": periods,
            "actual": actuals,
            "counts_people": np.repeat(rows["counts_people"].to_numpy(dtype=object), counts),
        }
    )
