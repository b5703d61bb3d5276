"""What each quarter holds, how the quarter picker names it, and which quarter a view opens on.

The default quarter rule (also in docs/using.md, "Which quarter the dashboard opens on"):

* the latest **published** quarter;
* where nothing is published, or for an editor (who works on drafts), the latest quarter in which
  **most quarterly indicators are reported**: more than half of the indicators that are not annual
  and had been reported on by then (a row in that quarter or earlier) have an actual;
* failing that, the latest quarter with anything reported, then the latest quarter there is.

So loading one value for a new quarter does not move anyone's default to that nearly empty quarter.
A quarter with nothing reported (no indicator actual, no flagship action status) is not a
performance position: pages say so instead of counting every indicator as "not rated".

:func:`default_quarter` and :func:`picker_label` are pure; :func:`quarter_reports` reads the counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from harrow_dash.rules.periods import Period
from harrow_dash.store import Store, quarter_counts

PUBLISHED, DRAFT = "published", "draft"
PARTLY, NOTHING = "partly reported", "nothing reported"


@dataclass(frozen=True, order=True)
class QuarterReport:
    """One quarter with data, whether it is published, and how much has been reported for it."""

    period: Period
    published: bool = False
    actuals: int = 0  # indicators with an actual (annual ones included)
    quarterly_actuals: int = 0  # indicators that are not annual with an actual
    quarterly_expected: int = 0  # indicators that are not annual and exist by this quarter
    action_statuses: int = 0

    @property
    def nothing_reported(self) -> bool:
        """No indicator actual and no flagship action status: not a performance position."""
        return self.actuals == 0 and self.action_statuses == 0

    @property
    def mostly_reported(self) -> bool:
        """More than half of the quarterly indicators have an actual."""
        return self.quarterly_expected > 0 and 2 * self.quarterly_actuals > self.quarterly_expected

    @property
    def state(self) -> str:
        """ "published", "draft", and ", partly reported" / ", nothing reported" where it applies."""
        words = [PUBLISHED if self.published else DRAFT]
        if self.nothing_reported:
            words.append(NOTHING)
        elif not self.mostly_reported and self.quarterly_expected > 0:
            words.append(PARTLY)
        return ", ".join(words)


def default_quarter(reports: Iterable[QuarterReport], drafts: bool = False) -> Period | None:
    """The quarter a view opens on (the rule in the module docstring). ``drafts``: the viewer works
    on drafts (an editor), so the latest mostly reported quarter wins even when it is unpublished."""
    ordered = sorted(reports)
    if not ordered:
        return None
    if not drafts:
        published = [r for r in ordered if r.published]
        if published:
            return published[-1].period
    for test in (lambda r: r.mostly_reported, lambda r: not r.nothing_reported):
        chosen = [r for r in ordered if test(r)]
        if chosen:
            return chosen[-1].period
    return ordered[-1].period


def picker_label(report: QuarterReport | None, period: Period) -> str:
    """The quarter picker's text for a quarter: ``Q3 2023-24 (published)``."""
    return f"{period.label} ({report.state})" if report is not None else period.label


def report_for(reports: Sequence[QuarterReport], period: Period | None) -> QuarterReport | None:
    return next((r for r in reports if r.period == period), None)


def quarter_reports(store: Store) -> list[QuarterReport]:
    """Every quarter with an indicator row or an action status (the quarters of
    :meth:`Store.periods`), oldest first. A public store reports only published quarters. The
    counts are the ones every change of the data stores (:mod:`harrow_dash.store.quarter_counts`)."""
    with store.connect() as conn:
        counts = quarter_counts.read(conn, read_only=store.read_only)
    published = {p.key for p in store.published_periods()}
    keys = set(counts)
    if store.public:
        keys &= published
    firsts = sorted((key, c.quarterly_first) for key, c in counts.items() if c.quarterly_first)
    return [
        QuarterReport(
            period=Period.from_key(key),
            published=key in published,
            actuals=counts[key].actuals,
            quarterly_actuals=counts[key].quarterly_actuals,
            quarterly_expected=sum(n for first, n in firsts if first <= key),
            action_statuses=counts[key].action_statuses,
        )
        for key in sorted(keys)
    ]


# -- what pages, the briefing pack and the slides say instead of a position ---------------------------


def nothing_reported_text(period: Period) -> str:
    return (
        f"Nothing has been reported for {period.label} yet: no indicator has a value and no "
        "flagship action has a status for that quarter, so there is no position to show. "
        "Choose another quarter."
    )


def no_indicator_values_text(period: Period) -> str:
    return f"No indicator values have been reported for {period.label}."


def no_action_status_text(period: Period) -> str:
    """For flagship actions "no status reported", which is not "not started"."""
    return (
        f"No flagship action status has been reported for {period.label} (no status reported is "
        "not the same as not started)."
    )
