"""How much each quarter holds, counted once per change of the data instead of on every page's first
run: the counts behind the quarter picker's states and the default quarter (``quarters``).

:func:`compute` is the rule: per quarter, its indicator rows, the indicators with an actual, those of
them that are not annual, the indicators that are not annual first reported in it, and its flagship
action statuses (an indicator has one row per quarter, so counting rows counts indicators).
:func:`refresh` writes what :func:`compute` gives into ``quarter_counts``; ``store.bump_data_version``
calls it, so every write transaction that changes what pages show (a load, a rollback, a
publication, an unpublication, a revision) rewrites the counts in the same transaction, and a
database made before the table existed gets them when it is set up or upgraded (``schema_upgrade.upgrade``,
which ``init`` runs too, when :func:`missing`).
:func:`read` is what pages read: a few dozen rows, where counting took three passes over every value.
``tests/test_fast_reads.py`` checks the stored counts equal :func:`compute` and counting the rows in
pandas after each kind of write, on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from harrow_dash.rules.value_states import Frequency
from harrow_dash.store import schema as s


@dataclass(frozen=True)
class Counts:
    """One quarter's counts (the columns of ``quarter_counts`` but the period)."""

    value_rows: int = 0  # indicator rows (with an actual or not)
    actuals: int = 0  # indicators with an actual (annual ones included)
    quarterly_actuals: int = 0  # indicators that are not annual with an actual
    quarterly_first: int = 0  # indicators that are not annual whose first row is in this quarter
    action_statuses: int = 0


def compute(conn: Connection) -> dict[int, Counts]:
    """Every quarter with an indicator row or an action status, and its counts, from the data."""
    v, i, a = s.indicator_values, s.indicators, s.action_statuses
    quarterly = i.c.frequency != Frequency.ANNUAL.value
    actual = v.c.actual.is_not(None)
    count = sa.func.count
    values = conn.execute(
        sa.select(
            v.c.period,
            count().label("value_rows"),
            count().filter(actual).label("actuals"),
            count().filter(actual, quarterly).label("quarterly_actuals"),
        )
        .select_from(v.outerjoin(i, v.c.ref == i.c.ref))
        .group_by(v.c.period)
    ).all()
    first = (
        sa.select(sa.func.min(v.c.period).label("period"))
        .select_from(v.join(i, v.c.ref == i.c.ref))
        .where(quarterly)
        .group_by(v.c.ref)
        .subquery("first")
    )
    firsts: dict[int, int] = {
        int(period): int(n)
        for period, n in conn.execute(sa.select(first.c.period, count()).group_by(first.c.period))
    }
    statuses: dict[int, int] = {
        int(period): int(n)
        for period, n in conn.execute(sa.select(a.c.period, count()).group_by(a.c.period))
    }
    out = {
        int(period): Counts(
            value_rows=int(rows),
            actuals=int(actuals or 0),
            quarterly_actuals=int(q_actuals or 0),
            quarterly_first=firsts.get(int(period), 0),
            action_statuses=statuses.get(int(period), 0),
        )
        for period, rows, actuals, q_actuals in values
    }
    for period, n in statuses.items():
        out.setdefault(period, Counts(action_statuses=n))
    return out


def refresh(conn: Connection) -> None:
    """Rewrite ``quarter_counts`` from the data, inside the caller's transaction."""
    t = s.quarter_counts
    conn.execute(sa.delete(t))
    rows = [{"period": period, **vars(c)} for period, c in sorted(compute(conn).items())]
    if rows:
        conn.execute(sa.insert(t), rows)


def missing(conn: Connection) -> bool:
    """Whether the stored counts are missing: none stored while there are values or statuses (a
    database made before they were stored, whose table ``init`` or ``upgrade`` just created)."""
    if conn.execute(sa.select(s.quarter_counts.c.period).limit(1)).first() is not None:
        return False
    return any(
        conn.execute(sa.select(t.c.period).limit(1)).first() is not None
        for t in (s.indicator_values, s.action_statuses)
    )


def read(conn: Connection, read_only: bool = False) -> dict[int, Counts]:
    """The stored counts (what :func:`compute` gave at the last change of the data). A store that
    only reads (``read_only``) may be on a database made before they were stored, which it cannot
    upgrade: there, without the table, they are counted afresh. Every other store is upgraded before
    it is used (the app once per process, the command line before each command)."""
    t = s.quarter_counts
    if read_only and not s._has_table(conn, t.name):
        return compute(conn)
    return {
        int(r.period): Counts(
            value_rows=int(r.value_rows),
            actuals=int(r.actuals),
            quarterly_actuals=int(r.quarterly_actuals),
            quarterly_first=int(r.quarterly_first),
            action_statuses=int(r.action_statuses),
        )
        for r in conn.execute(sa.select(t))
    }
