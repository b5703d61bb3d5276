"""Matching published comparator measures to the council's indicators, once, and remembering it.

A comparator file names its measures by the publisher's id (Fingertips' ``93560``, LG Inform's
metric id) or, without one, by name (``Household waste recycling rate (Percentage)``). An indicator
is compared with the measure named in its ``benchmark_measure``: set in the indicators file, or
chosen on the Data page from the measures no indicator uses yet, the likeliest indicators first
(:func:`likely_indicators`). A choice made there is written like a load: a batch in the load
history, the indicator rows it replaced kept, so it is audited and can be rolled back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from difflib import SequenceMatcher

import pandas as pd
import sqlalchemy as sa

from harrow_dash.store import Store
from harrow_dash.store import schema as s

MATCH_FILE_NAME = "Comparator measures matched on the Data page"
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset({"of", "the", "and", "in", "to", "a", "for", "per", "by", "with", "on", "at"})


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def likeness(measure_name: str, indicator_name: str) -> float:
    """How alike two names are, 0 to 1: shared words count most, then the letters in order."""
    a, b = _words(measure_name), _words(indicator_name)
    shared = len(a & b) / max(1, min(len(a), len(b))) if a and b else 0.0
    letters = SequenceMatcher(None, measure_name.lower(), indicator_name.lower()).ratio()
    return round(0.7 * shared + 0.3 * letters, 6)


def likely_indicators(measure_name: str, indicators: pd.DataFrame) -> list[str]:
    """Indicator refs for a measure, likeliest first (ties by reference). ``indicators`` has
    ``ref`` and ``name``."""
    scored = [
        (-likeness(measure_name, str(name)), str(ref))
        for ref, name in zip(indicators["ref"], indicators["name"], strict=True)
    ]
    return [ref for _, ref in sorted(scored)]


def unmatched_measures(store: Store) -> pd.DataFrame:
    """Comparator measures that no indicator is compared with: ``measure``, ``name``, ``values``
    (how many figures are held), most figures first."""
    m, v, i = s.comparator_measures, s.comparator_values, s.indicators
    counts = (
        sa.select(v.c.measure, sa.func.count().label("values")).group_by(v.c.measure).subquery()
    )
    used = sa.select(i.c.benchmark_measure).where(i.c.benchmark_measure.is_not(None))
    q = (
        sa.select(m.c.measure, m.c.name, sa.func.coalesce(counts.c["values"], 0).label("values"))
        .select_from(m.outerjoin(counts, counts.c.measure == m.c.measure))
        .where(m.c.measure.not_in(used))
        .order_by(sa.desc("values"), m.c.measure)
    )
    return store.read(q)


class MatchRefused(ValueError):
    """A choice that cannot be written (an unknown indicator or measure); nothing was written."""


def match_measures(store: Store, choices: Mapping[str, str], user: str) -> int | None:
    """Write ``choices`` (measure -> indicator ref) as one batch and return its number; None when
    every indicator already has its measure. An indicator is compared with one measure, so one
    indicator chosen for two measures is refused."""
    if not choices:
        return None
    refs = list(choices.values())
    if len(set(refs)) != len(refs):
        raise MatchRefused("Each indicator can be compared with one measure; choose one for each.")
    i, m = s.indicators, s.comparator_measures
    with store.writing() as conn:
        known_refs = {r[0] for r in conn.execute(sa.select(i.c.ref).where(i.c.ref.in_(refs)))}
        known_measures = {
            r[0] for r in conn.execute(sa.select(m.c.measure).where(m.c.measure.in_(choices)))
        }
        for measure, ref in choices.items():
            if ref not in known_refs:
                raise MatchRefused(f"There is no indicator {ref}.")
            if measure not in known_measures:
                raise MatchRefused(f"There is no comparator measure {measure}.")
        current = {
            r[0]: r[1]
            for r in conn.execute(
                sa.select(i.c.ref, i.c.benchmark_measure).where(i.c.ref.in_(refs))
            )
        }
        changed = {mm: ref for mm, ref in choices.items() if current.get(ref) != mm}
        if not changed:
            return None
        batch_id = int(conn.execute(sa.select(s.batch_id_seq.next_value())).scalar_one())
        history = s.HISTORY_TABLES["indicators"]
        cols = [c.name for c in i.columns]
        for measure, ref in changed.items():
            # As a load does: the row it replaces goes to the history, tagged by this batch, so a
            # rollback puts it back exactly.
            conn.execute(
                history.insert().from_select(
                    ["replaced_by", *cols],
                    sa.select(sa.literal(batch_id, sa.Integer), *i.c).where(i.c.ref == ref),
                )
            )
            conn.execute(
                sa.update(i)
                .where(i.c.ref == ref)
                .values(benchmark_measure=measure, batch_id=batch_id)
            )
        conn.execute(
            s.load_batches.insert().values(
                id=batch_id,
                file_name=MATCH_FILE_NAME,
                sha256="",
                loaded_by=user,
                loaded_at=dt.datetime.now().replace(microsecond=0),
                rows_added=0,
                rows_changed=len(changed),
                rows_unchanged=len(choices) - len(changed),
                status="committed",
            )
        )
    return batch_id


def indicator_names(store: Store) -> pd.DataFrame:
    """Every indicator's ``ref`` and ``name``, by reference: what a measure can be matched to."""
    i = s.indicators
    return store.read(sa.select(i.c.ref, i.c.name).order_by(i.c.ref))
