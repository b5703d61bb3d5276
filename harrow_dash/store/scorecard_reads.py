"""The store's reads of the council's own scorecard: reference data, quarters, the indicators'
snapshot, history and trend values, flagship actions, corrective actions and highlights, each
filtered and (for a public store) limited to published quarters."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.store import packed_snapshot
from harrow_dash.store import schema as s
from harrow_dash.store.actual_lines import ActualLines, lines_of_frame, lines_of_table
from harrow_dash.store.bulk_reads import MANY_REFS
from harrow_dash.store.connection import StoreBase


def snapshot_order(frame: pd.DataFrame) -> pd.DataFrame:
    """A quarter's snapshot in the order pages list it: by priority, then by reference, compared
    character by character (as DuckDB and Python compare text, whatever PostgreSQL's collation).
    Sorted here rather than by the database: on PostgreSQL, sorting the snapshot's wide rows was a
    third of the query's time, and here it takes a few milliseconds, the same on both databases."""
    if frame.empty:
        return frame.reset_index(drop=True)
    return frame.sort_values(["priority_id", "ref"], kind="stable", ignore_index=True)


# The columns of each snapshot query (by its method's name, and whether the store is public): they
# do not depend on the filters.
_SNAPSHOT_COLUMNS: dict[tuple[str, bool], list[str]] = {}


def _index_hops(col: sa.Column[Any], name: str) -> sa.Select[Any]:
    """The distinct values of an indexed column, found by hopping along its index from one value to
    the next (one index probe per value: PostgreSQL has no skip scan of its own)."""
    first = sa.select(sa.func.min(col).label("period")).cte(name, recursive=True)
    following = sa.select(sa.func.min(col)).where(col > first.c.period).scalar_subquery()
    hops = first.union_all(sa.select(following).where(first.c.period.is_not(None)))
    return sa.select(hops.c.period).where(hops.c.period.is_not(None))


class ScorecardReads(StoreBase):
    """Reads of the scorecard (see the module's docstring)."""

    # -- reference data ------------------------------------------------------------------------------
    def priorities(self) -> pd.DataFrame:
        return self.read(sa.select(s.priorities).order_by(s.priorities.c.id))

    def directorates(self) -> list[str]:
        t = self._def("directorates")
        return list(self.read(sa.select(t.c.name).order_by(t.c.name))["name"])

    def portfolios(self) -> list[str]:
        t = self._def("portfolio_holders")
        return list(self.read(sa.select(t.c.portfolio).order_by(t.c.portfolio))["portfolio"])

    def periods(self) -> list[Period]:
        """Every quarter that has any indicator value or action status, oldest first."""
        v, a = s.indicator_values, s.action_statuses
        if not self.is_duckdb and not self.public:
            # PostgreSQL reads every row for DISTINCT; hopping along the period index from one
            # quarter to the next reads one index entry per quarter instead.
            df = self.read(
                sa.union(
                    _index_hops(v.c.period, "value_hops"), _index_hops(a.c.period, "status_hops")
                )
            )
        else:
            df = self.read(
                sa.union(
                    sa.select(v.c.period).where(*self._visible(v.c.period)),
                    sa.select(a.c.period).where(*self._visible(a.c.period)),
                )
            )
        return [Period.from_key(k) for k in sorted(df.iloc[:, 0])] if not df.empty else []

    def latest_reported_period(self, published_only: bool = False) -> Period | None:
        """The latest quarter in which indicators have actuals: the dashboard's default as-at."""
        v = s.indicator_values
        q = sa.select(sa.func.max(v.c.period)).where(v.c.actual.is_not(None))
        if published_only or self.public:
            q = q.where(v.c.period.in_(sa.select(s.published_quarters.c.period)))
        with self.connect() as conn:
            key = conn.execute(q).scalar()
        return Period.from_key(key) if key else None

    # -- indicators ----------------------------------------------------------------------------------
    def _indicator_where(self, filters: Filters, i: sa.FromClause) -> list[sa.ColumnElement[bool]]:
        cond: list[sa.ColumnElement[bool]] = []
        if filters.priorities:
            cond.append(i.c.priority_id.in_(filters.priorities))
        if filters.directorates:
            cond.append(i.c.directorate.in_(filters.directorates))
        if filters.portfolios:
            cond.append(i.c.portfolio.in_(filters.portfolios))
        return cond

    def _value_of(
        self, i: sa.FromClause, values: sa.FromClause, period: int
    ) -> sa.ColumnElement[bool]:
        """The join of an indicator ``i`` to its value in quarter ``period`` (``values``: an alias
        of ``indicator_values``), where this store may show that quarter."""
        return sa.and_(
            values.c.ref == i.c.ref, values.c.period == period, *self._visible(values.c.period)
        )

    def indicator_snapshot(self, filters: Filters) -> pd.DataFrame:
        """One row per indicator matching the filters: its definition, its value at the filter's
        quarter, and the actuals of the previous quarter and the same quarter a year earlier."""
        if filters.period is None:
            return pd.DataFrame()
        return self._snapshot_of(self._snapshot_query, filters, joined_to_priorities=True)

    def _snapshot_query(self, filters: Filters) -> sa.Select[Any]:
        """The query :meth:`indicator_snapshot` reads (``filters`` has a quarter)."""
        assert filters.period is not None
        i, v = self._def("indicators"), s.indicator_values
        now = v.alias("now")
        prev = v.alias("prev")
        year = v.alias("year")
        p = filters.period
        q = (
            sa.select(
                i.c.ref,
                i.c.name,
                i.c.description,
                i.c.priority_id,
                s.priorities.c.name.label("priority"),
                i.c.directorate,
                i.c.portfolio,
                i.c.unit,
                i.c.polarity,
                i.c.tolerance,
                i.c.frequency,
                i.c.counts_people,
                i.c.source,
                i.c.cumulative_or_seasonal,
                (now.c.ref.is_not(None)).label("has_row"),
                now.c.actual,
                now.c.target,
                now.c.target_upper,
                now.c.official_rag,
                self._commentary(now),
                now.c.benchmark,
                now.c.benchmark_label,
                sa.func.coalesce(now.c.not_due, sa.false()).label("not_due"),
                now.c.marker,
                prev.c.actual.label("prev_actual"),
                year.c.actual.label("year_actual"),
                prev.c.marker.label("prev_marker"),
                year.c.marker.label("year_marker"),
            )
            .select_from(
                i.join(s.priorities, s.priorities.c.id == i.c.priority_id)
                .outerjoin(
                    now,
                    self._value_of(i, now, p.key),
                )
                .outerjoin(
                    prev,
                    self._value_of(i, prev, p.previous().key),
                )
                .outerjoin(
                    year,
                    self._value_of(i, year, p.year_earlier().key),
                )
            )
            .where(*self._indicator_where(filters, i))
        )
        return q

    def _snapshot_of(
        self,
        query: Callable[[Filters], sa.Select[Any]],
        filters: Filters,
        joined_to_priorities: bool,
    ) -> pd.DataFrame:
        """The rows of the snapshot query ``query(filters)``, in :func:`snapshot_order`: on
        PostgreSQL from the packs kept at each write where they can be read
        (:mod:`harrow_dash.store.packed_snapshot`: the same frame, packed in that order), otherwise
        read. The query's columns are asked for once (building it took a tenth of a packed read)."""
        key = (query.__name__, self.public)
        names = _SNAPSHOT_COLUMNS.get(key)
        if names is None:
            names = _SNAPSHOT_COLUMNS[key] = list(query(filters).selected_columns.keys())
        packed = packed_snapshot.snapshot(self, filters, names, joined_to_priorities)
        if packed is not None:
            return packed
        return snapshot_order(self.read(query(filters), many_rows=True))

    def rating_snapshot(self, filters: Filters) -> pd.DataFrame:
        """:meth:`indicator_snapshot` narrowed to what rating the quarter's values needs
        (``rate(..., texts=False)``: the figures, the definition's polarity, tolerance, unit,
        frequency and whether it counts people), with ref and priority_id: the quarter before, whose
        ratings the overview and the follow-up compare with. Without the texts (names, descriptions,
        commentary) and the joins to the quarters before it (on PostgreSQL, read from the packs, one
        quarter's rather than three)."""
        if filters.period is None:
            return pd.DataFrame()
        return self._snapshot_of(self._rating_query, filters, joined_to_priorities=False)

    def _rating_query(self, filters: Filters) -> sa.Select[Any]:
        """The query :meth:`rating_snapshot` reads (``filters`` has a quarter)."""
        assert filters.period is not None
        i, now = self._def("indicators"), s.indicator_values.alias("now")
        q = (
            sa.select(
                i.c.ref,
                i.c.priority_id,
                *self._rating_definitions(i),
                (now.c.ref.is_not(None)).label("has_row"),
                now.c.actual,
                now.c.target,
                now.c.target_upper,
                now.c.official_rag,
                sa.func.coalesce(now.c.not_due, sa.false()).label("not_due"),
                now.c.marker,
            )
            .select_from(i.outerjoin(now, self._value_of(i, now, filters.period.key)))
            .where(*self._indicator_where(filters, i))
        )
        return q

    def indicator_history(self, refs: list[str], until: Period | None = None) -> pd.DataFrame:
        """Every value of the given indicators, oldest first, with what is needed to rate each one."""
        i, v = self._def("indicators"), s.indicator_values
        q = (
            sa.select(
                v.c.ref,
                i.c.name,
                *self._rating_columns(i),
            )
            .select_from(v.join(i, i.c.ref == v.c.ref))
            .where(v.c.ref.in_(refs), *self._visible(v.c.period))
            .order_by(v.c.ref, v.c.period)
        )
        if until is not None:
            q = q.where(v.c.period <= until.key)
        return self.read(q, many_rows=len(refs) > MANY_REFS)

    def indicator_months(self, refs: list[str], until: Period | None = None) -> pd.DataFrame:
        """Monthly figures of monthly indicators (``ref``, ``month`` key, ``actual``, the indicator's
        ``quarter_rule``), oldest first,
        only for months whose quarter has a value this view may show (in public mode, a published
        quarter). Indicators that count people are left out: their monthly counts are not
        suppressed figures."""
        i, m, v = self._def("indicators"), s.indicator_monthly_values, s.indicator_values
        quarter = (m.c.month // 100 - sa.case((m.c.month % 100 <= 3, 1), else_=0)) * 10 + sa.case(
            (m.c.month % 100 <= 3, 4), (m.c.month % 100 <= 6, 1), (m.c.month % 100 <= 9, 2), else_=3
        )
        shown = sa.select(v.c.period).where(v.c.ref == m.c.ref, *self._visible(v.c.period))
        q = (
            sa.select(m.c.ref, m.c.month, m.c.actual, i.c.quarter_rule, m.c.marker)
            .select_from(m.join(i, i.c.ref == m.c.ref))
            .where(
                m.c.ref.in_(refs),
                sa.not_(sa.func.coalesce(i.c.counts_people, False)),
                quarter.in_(shown),
            )
            .order_by(m.c.ref, m.c.month)
        )
        if until is not None:
            q = q.where(quarter <= until.key)
        return self.read(q)

    # Above this many indicators, reading every value and keeping the wanted ones in pandas is
    # quicker than one IN (...) with a bound parameter per indicator.
    _MANY_REFS = 500

    def indicator_actuals(self, refs: list[str], until: Period | None = None) -> pd.DataFrame:
        """Just the actuals of the given indicators (ref, period, actual, counts_people), oldest
        first: what a trend line needs, without the columns needed to rate a value."""
        if len(refs) <= self._MANY_REFS:
            v = s.indicator_values
            return self.read(
                self._actuals(until).where(v.c.ref.in_(refs)).order_by(v.c.ref, v.c.period)
            )
        return self.actual_lines(refs, until).frame()

    def actual_lines(self, refs: list[str], until: Period | None = None) -> ActualLines:
        """:meth:`indicator_actuals` as lines (:mod:`harrow_dash.store.actual_lines`): one
        reference per indicator rather than per value."""
        if len(refs) <= self._MANY_REFS:
            return lines_of_frame(self.indicator_actuals(refs, until))
        q = self._actuals(until)
        if self.is_duckdb:  # every row, in whatever order (sorted by lines_of_table)
            lines = lines_of_table(partial(self._wanted_rows, q, refs))
            if lines is not None:
                return lines
        else:  # the same values, kept packed at each write (harrow_dash.store.packed_series)
            from harrow_dash.store import packed_series

            packed = packed_series.actual_lines(
                self,
                self._def("indicators"),
                refs,
                until.key if until is not None else None,
                self.public,
            )
            if packed is not None:
                return packed
        v = s.indicator_values
        frame = self.read(q.order_by(v.c.ref, v.c.period))
        wanted = pc.is_in(
            pa.array(frame["ref"], type=pa.string()), value_set=pa.array(refs, type=pa.string())
        )
        if pc.all(wanted).as_py() is False:
            frame = frame[wanted.to_numpy(zero_copy_only=False)].reset_index(drop=True)
        return lines_of_frame(frame)

    def _wanted_rows(self, q: sa.Select[Any], refs: list[str]) -> pa.Table | None:
        """The rows of ``q`` (DuckDB, as Arrow) of the indicators ``refs``."""
        table = self.read_arrow(q)
        if table is None:
            return None
        wanted = pc.is_in(table.column("ref"), value_set=pa.array(refs, type=pa.string()))
        return table if pc.all(wanted).as_py() is not False else table.filter(wanted)

    def _actuals(self, until: Period | None) -> sa.Select[Any]:
        """ref, period, actual, counts_people of every value shown up to ``until``, unordered."""
        i, v = self._def("indicators"), s.indicator_values
        q = (
            sa.select(v.c.ref, v.c.period, v.c.actual, i.c.counts_people)
            .select_from(v.join(i, i.c.ref == v.c.ref))
            .where(*self._visible(v.c.period))
        )
        return q if until is None else q.where(v.c.period <= until.key)

    def indicator_list(self) -> pd.DataFrame:
        i = self._def("indicators")
        return self.read(sa.select(i.c.ref, i.c.name, i.c.priority_id).order_by(i.c.ref))

    # -- flagship actions ----------------------------------------------------------------------------
    @staticmethod
    def _owner_match(
        filters: Filters, row: sa.FromClause, parent: sa.FromClause
    ) -> list[sa.ColumnElement[bool]]:
        """An action (line) ``row`` is in the filters' directorates and portfolios; a split line
        with no directorate or portfolio of its own has its parent's."""
        cond: list[sa.ColumnElement[bool]] = []
        for column, wanted in (
            ("directorate", filters.directorates),
            ("portfolio", filters.portfolios),
        ):
            if wanted:
                cond.append(sa.func.coalesce(row.c[column], parent.c[column]).in_(wanted))
        return cond

    def action_statuses(self, filters: Filters, until: Period | None = None) -> pd.DataFrame:
        """Every action (and split line) matching the filters with its status in each quarter.

        Directorate and portfolio are the line's own, else its parent's (both are returned so). A
        split action is listed when one of its lines matches the directorate and portfolio filters
        (it is reported by its lines), never on its own."""
        a, st = self._def("flagship_actions", "fa"), s.action_statuses
        parent = self._def("flagship_actions", "fa_parent")
        line = self._def("flagship_actions", "fa_line")
        cond: list[sa.ColumnElement[bool]] = []
        if filters.priorities:
            cond.append(a.c.priority_id.in_(filters.priorities))
        if filters.directorates or filters.portfolios:
            is_split = sa.exists().where(line.c.parent_ref == a.c.ref)
            line_matches = sa.exists().where(
                line.c.parent_ref == a.c.ref, *self._owner_match(filters, line, a)
            )
            cond.append(
                sa.or_(sa.and_(~is_split, *self._owner_match(filters, a, parent)), line_matches)
            )
        join_on = sa.and_(st.c.ref == a.c.ref, *self._visible(st.c.period))
        if until is not None:
            join_on = sa.and_(join_on, st.c.period <= until.key)
        q = (
            sa.select(
                a.c.ref,
                a.c.title,
                a.c.priority_id,
                s.priorities.c.name.label("priority"),
                sa.func.coalesce(a.c.directorate, parent.c.directorate).label("directorate"),
                a.c.lead,
                a.c.parent_ref,
                st.c.period,
                st.c.status,
                self._commentary(st),
                sa.func.coalesce(a.c.portfolio, parent.c.portfolio).label("portfolio"),
                parent.c.title.label("parent_title"),  # a split line's action
            )
            .select_from(
                a.join(s.priorities, s.priorities.c.id == a.c.priority_id)
                .outerjoin(parent, parent.c.ref == a.c.parent_ref)
                .outerjoin(st, join_on)
            )
            .where(*cond)
            .order_by(a.c.priority_id, a.c.ref, st.c.period)
        )
        return self.read(q)

    # -- corrective actions --------------------------------------------------------------------------
    def corrective_actions(self, filters: Filters, until: Period | None = None) -> pd.DataFrame:
        """Cabinet's corrective actions agreed at or before ``until`` (all when None) whose subject
        matches the filters, each with the latest status recorded at or before ``until``
        (:mod:`harrow_dash.store.corrective_actions`: columns and the public view's rules)."""
        from harrow_dash.store import corrective_actions

        return corrective_actions.actions(self, filters, until)

    def corrective_action_updates(
        self, action_ids: list[str], until: Period | None = None
    ) -> pd.DataFrame:
        """The quarterly updates of the actions (at or before ``until``), oldest first."""
        from harrow_dash.store import corrective_actions

        return corrective_actions.updates(self, action_ids, until)

    # -- highlights ----------------------------------------------------------------------------------
    def _highlight_query(
        self, filters: Filters, all_periods: bool
    ) -> tuple[sa.Select, sa.ColumnElement[bool], sa.ColumnElement[bool]]:
        """Highlights matching the quarter and priority filters, joined to the indicator and action
        they refer to, with two conditions: the highlight matches the directorate and portfolio
        filters (through the indicator or the action it refers to: it has their directorate and
        portfolio), and it cannot be placed at all (neither refers to anything with a directorate
        and portfolio for the filters in force)."""
        h = s.highlights
        i = self._def("indicators", "hl_indicator")
        a = self._def("flagship_actions", "hl_action")
        parent = self._def("flagship_actions", "hl_action_parent")
        q = (
            sa.select(
                h.c.period,
                h.c.priority_id,
                s.priorities.c.name.label("priority"),
                h.c.kind,
                h.c.text,
                h.c.indicator_ref,
                h.c.action_ref,
            )
            .select_from(
                h.join(s.priorities, s.priorities.c.id == h.c.priority_id)
                .outerjoin(i, i.c.ref == h.c.indicator_ref)
                .outerjoin(a, a.c.ref == h.c.action_ref)
                .outerjoin(parent, parent.c.ref == a.c.parent_ref)
            )
            .where(*self._visible(h.c.period))
            .order_by(h.c.period.desc(), h.c.priority_id, h.c.kind, h.c.text)
        )
        if filters.period is not None and not all_periods:
            q = q.where(h.c.period == filters.period.key)
        if filters.priorities:
            q = q.where(h.c.priority_id.in_(filters.priorities))
        ind_owner: list[sa.ColumnElement[bool]] = [i.c.ref.is_not(None)]
        act_owner: list[sa.ColumnElement[bool]] = [a.c.ref.is_not(None)]
        ind_match, act_match = list(ind_owner), list(act_owner)
        for column, wanted in (
            ("directorate", filters.directorates),
            ("portfolio", filters.portfolios),
        ):
            if not wanted:
                continue
            act_value = sa.func.coalesce(a.c[column], parent.c[column])
            ind_owner.append(i.c[column].is_not(None))
            act_owner.append(act_value.is_not(None))
            ind_match.append(i.c[column].in_(wanted))
            act_match.append(act_value.in_(wanted))
        matches = sa.or_(sa.and_(*ind_match), sa.and_(*act_match))
        unplaced = sa.and_(sa.not_(sa.and_(*ind_owner)), sa.not_(sa.and_(*act_owner)))
        return q, matches, unplaced

    def highlights(self, filters: Filters, all_periods: bool = False) -> pd.DataFrame:
        """Achievements and areas for improvement of the filter's quarter (or every quarter), its
        priorities, and, with a directorate or portfolio filter, those that refer to an indicator
        or flagship action in those directorates and portfolios (see :meth:`unplaced_highlights`
        for those that refer to nothing of the kind)."""
        q, matches, _ = self._highlight_query(filters, all_periods)
        if filters.directorates or filters.portfolios:
            q = q.where(matches)
        return self.read(q)

    def unplaced_highlights(self, filters: Filters, all_periods: bool = False) -> pd.DataFrame:
        """The highlights of the quarter (or every quarter) and priorities that a directorate or
        portfolio filter leaves out because they refer to no indicator or action with a directorate
        or portfolio (none without such a filter); columns as :meth:`highlights`."""
        q, _, unplaced = self._highlight_query(filters, all_periods)
        if not (filters.directorates or filters.portfolios):
            q = q.where(sa.false())
        return self.read(q.where(unplaced))
