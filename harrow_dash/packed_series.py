"""Many indicators' actuals read from PostgreSQL packed one row per indicator, then unpacked.

Read row by row, 13,200 indicators x 40 quarters is 528,000 rows, and PostgreSQL's driver spends
seconds in Python on them (one message per row, COPY included), where DuckDB hands Arrow columns
over in a quarter of a second. Here the database puts each indicator's quarters and actuals, in
quarter order (``string_agg ... ORDER BY period``: an order SQL guarantees), end to end in their
binary form (``int4send``, ``float8send``: big-endian, exact; a blank actual as NaN), so 13,200
rows travel; numpy reads the bytes as they are into the same long frame (ref, period, actual,
counts_people) the row-by-row read gives, oldest first per indicator, indicators by ref.

Only the transport differs: which values are read (the quarter limit, published quarters only in a
public store, the definitions in force) is decided by the caller's conditions, the same ones as the
row-by-row read, and what is shown or hidden is decided afterwards by the same rule
(``views.sparkline_values``). A double travels as its eight bytes, so the number read back is the
same double.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from harrow_dash import schema as s

if TYPE_CHECKING:
    from harrow_dash.store import Store


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
        """The indicator's values of ``column`` as their binary form, end to end, in quarter order."""
        return sa.func.string_agg(
            column, aggregate_order_by(sa.literal_column("''::bytea"), v.c.period)
        ).label(label)

    not_a_number: sa.ColumnElement[Any] = sa.literal_column("'NaN'::float8")
    per_ref = (
        sa.select(
            v.c.ref,
            sa.func.count().label("n"),
            packed(sa.func.int4send(v.c.period), "periods"),
            packed(sa.func.float8send(sa.func.coalesce(v.c.actual, not_a_number)), "actuals"),
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
    wanted = pc.is_in(
        pa.array(rows["ref"], type=pa.string()), value_set=pa.array(refs, type=pa.string())
    )
    rows = rows[wanted.to_numpy(zero_copy_only=False)]
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
    periods = np.frombuffer(b"".join(rows["periods"]), dtype=">i4").astype(np.int64)
    actuals = np.frombuffer(b"".join(rows["actuals"]), dtype=">f8").astype(np.float64)
    # Each indicator's row repeated once per value it packed; the strings taken as a column (pandas'
    # own take on its string array), not made again as half a million Python objects.
    which = np.repeat(np.arange(len(rows)), counts)
    return pd.DataFrame(
        {
            "ref": rows["ref"].astype("str").take(which).reset_index(drop=True),
            "period": periods,
            "actual": actuals,
            "counts_people": rows["counts_people"].to_numpy(dtype=object)[which],
        }
    )
