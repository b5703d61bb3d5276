"""Publishing and unpublishing a quarter on the store (the rule for what a publication records,
revisions included, is :mod:`harrow_dash.store.revision_rule`; the pages' view of publication
is :mod:`harrow_dash.store.publishing`)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from harrow_dash.rules.periods import Period
from harrow_dash.store import revision_rule as rule
from harrow_dash.store import schema as s
from harrow_dash.store.connection import StoreBase
from harrow_dash.store.published_definitions import drop_snapshot, take_snapshot

# What publishing or unpublishing a quarter writes: the published quarters, the definitions as
# published, the record of figures as published and of revisions.
PUBLICATION_TABLES = (
    s.published_quarters.name,
    *(t.name for t in s.PUBLISHED_DEFINITIONS.values()),
    *rule.PUBLICATION_RECORD_TABLES,
)


class Publication(StoreBase):
    """Which quarters are published, and publishing or unpublishing one."""

    def published_periods(self) -> list[Period]:
        df = self.read(
            sa.select(s.published_quarters.c.period).order_by(s.published_quarters.c.period)
        )
        return [Period.from_key(k) for k in df["period"]]

    def publish(self, period: Period, user: str, reason: str | None = None) -> None:
        """Publish the quarter. Publishing a quarter again after it was unpublished is a revision by
        the one rule (:mod:`harrow_dash.store.revision_rule`) when its figures changed since it was last
        published without a revision recording it: refused without a ``reason``
        (:class:`revision_rule.ReasonNeeded`, naming the quarter), recorded with it."""
        with self.writing() as conn:
            revised = rule.revisions_for(conn, rule.republication_changes(conn, period.key))
            why = rule.require_reason(revised, reason, f"Publishing {period.label} again")
            now = dt.datetime.now().replace(microsecond=0)
            if revised.needs_reason:
                rule.record(
                    conn,
                    revised,
                    batch_id=rule.NO_BATCH,
                    user=user,
                    reason=why,
                    change=rule.BY_PUBLICATION,
                    when=now,
                )
            conn.execute(
                sa.delete(s.published_quarters).where(s.published_quarters.c.period == period.key)
            )
            conn.execute(
                s.published_quarters.insert().values(
                    period=period.key, published_by=user, published_at=now
                )
            )
            take_snapshot(conn, period.key)
            rule.mark_published(conn, period.key, user, now)
        self.analyse(PUBLICATION_TABLES)

    def republication_revisions(self, period: Period) -> rule.Revisions:
        """The revisions publishing the quarter again would record (a
        :class:`revision_rule.Revisions`; nothing is written): for the Data page, to ask for a
        reason first."""
        with self.connect() as conn:
            return rule.revisions_for(conn, rule.republication_changes(conn, period.key))

    def unpublish(self, period: Period) -> None:
        """Make the quarter a draft again. It stays once published (``published_once``): its
        figures still change only as a recorded revision."""
        with self.writing() as conn:
            conn.execute(
                sa.delete(s.published_quarters).where(s.published_quarters.c.period == period.key)
            )
            drop_snapshot(conn, period.key)
        self.analyse(PUBLICATION_TABLES)
