"""What each page shows, computed without Streamlit: the page files only lay these results out.

Each function takes the store, the filters and the rule settings and returns plain frames and
dataclasses, so the same numbers feed the screen, the exports, the briefing pack and the tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from harrow_dash.outputs.explore import TrendLines
from harrow_dash.outputs.follow_up import FollowUp
from harrow_dash.outputs.follow_up import follow_up as follow_up_rule
from harrow_dash.rules.action_status import ACTION_GROUPS, ActionStatus, action_groups_for
from harrow_dash.rules.disclosure import disclosed
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.gss import marker_words
from harrow_dash.rules.movements import change_text, compare_with_year, movement, movement_frame
from harrow_dash.rules.periods import Period
from harrow_dash.rules.rag import as_floats
from harrow_dash.rules.scorecard import (
    NOT_RATED,
    RuleSettings,
    add_travel,
    filter_rags,
    rag_counts,
    rate,
    suppressed_mask,
)
from harrow_dash.rules.units import format_number
from harrow_dash.store import Store

RAG_RANK = {"Green": 0, "Amber": 1, "Red": 2}


def indicators_at(
    store: Store, filters: Filters, rules: RuleSettings, apply_rag_filter: bool = True
) -> pd.DataFrame:
    """Indicators matching the filters at the filter's quarter, rated, with direction of travel."""
    snap = store.indicator_snapshot(filters)
    if snap.empty:
        return snap
    rated = add_travel(rate(snap, rules), rules)
    return filter_rags(rated, filters.rags) if apply_rag_filter else rated


def actions_at(store: Store, filters: Filters, apply_rag_filter: bool = True) -> pd.DataFrame:
    """Flagship action lines (a split action's lines, not its parent) with their status at the quarter.

    Actions with no status that quarter show as "Not yet due"; ``reported`` says which lines have a
    status that quarter (where none has, nothing has been reported: see :func:`actions_reported`)."""
    if filters.period is None:
        return pd.DataFrame()
    all_rows = store.action_statuses(filters, until=filters.period)
    if all_rows.empty:
        return all_rows
    parents = set(all_rows["parent_ref"].dropna())
    lines = all_rows[~all_rows["ref"].isin(parents)]
    now = lines[lines["period"] == filters.period.key]
    defs = lines.drop_duplicates("ref")[
        [
            "ref",
            "title",
            "priority_id",
            "priority",
            "directorate",
            "portfolio",
            "lead",
            "parent_ref",
            "parent_title",
        ]
    ]
    out = defs.merge(now[["ref", "status", "commentary"]], on="ref", how="left")
    out["reported"] = out["status"].notna()
    out["status"] = out["status"].fillna(ActionStatus.NOT_YET_DUE.value)
    out["group"] = out["status"].map(lambda s: ActionStatus(s).rag)
    prev = lines[lines["period"] == filters.period.previous().key].set_index("ref")["status"]
    out["previous_status"] = out["ref"].map(prev)
    if filters.rags and apply_rag_filter:
        out = out[out["group"].isin(action_groups_for(filters.rags))]
    return out.reset_index(drop=True)


def indicators_reported(inds: pd.DataFrame) -> bool:
    """Whether any of these indicator rows has an actual (a suppressed one counts: it was reported)."""
    return bool(len(inds)) and bool(inds["actual"].notna().any())


def status_reported_at(history: pd.DataFrame, period: Period) -> bool:
    """Whether ``history`` (``store.action_statuses``) holds any status for ``period``; True when it
    holds no action at all (then nothing matches the filters, which pages say in their own words)."""
    return history.empty or bool((history["period"] == period.key).any())


def actions_reported(acts: pd.DataFrame) -> bool:
    """Whether any of these flagship action lines has a status for the quarter."""
    return bool(len(acts)) and bool(acts["reported"].any())


def action_counts(actions: pd.DataFrame) -> dict[str, int]:
    counts = actions["group"].value_counts() if len(actions) else pd.Series(dtype=int)
    return {g: int(counts.get(g, 0)) for g in ACTION_GROUPS}


@dataclass
class Movement:
    ref: str
    name: str
    text: str
    kind: str  # "worse" | "better"
    weight: float


@dataclass
class PrioritySummary:
    priority_id: int
    name: str
    action_counts: dict[str, int]
    indicator_counts: dict[str, int]
    movements: list[Movement] = field(default_factory=list)


@dataclass
class Overview:
    period: Period
    action_counts: dict[str, int]
    indicator_counts: dict[str, int]
    priorities: list[PrioritySummary]
    rag_changes: pd.DataFrame  # ref, name, priority, previous_rag, rag, direction
    improvements: pd.DataFrame
    deteriorations: pd.DataFrame
    highlights: pd.DataFrame
    indicators: pd.DataFrame
    actions: pd.DataFrame
    # False when nothing has been reported in scope for the quarter (no actual / no action status):
    # then ``indicators`` / ``actions`` are empty and their counts zero, since "45 not rated" or
    # "31 not yet due" would be a position nobody reported.
    indicators_reported: bool = True
    actions_reported: bool = True
    # Highlights of the quarter a directorate or portfolio filter left out because they refer to
    # nothing with a directorate or portfolio (said in the scope line: harrow_dash.rules.scope).
    unplaced_highlights: int = 0
    # "What we said we would do" (:mod:`harrow_dash.outputs.follow_up`): every output lays out this one.
    follow_up: FollowUp | None = None

    @property
    def nothing_reported(self) -> bool:
        return not self.indicators_reported and not self.actions_reported


def change_score(
    actual: float,
    earlier: float,
    polarity: str,
    target: float | None,
    upper: float | None,
    tolerance: float | None = None,
) -> float:
    """Signed size of a movement, positive when better by polarity, in tolerances of the target
    (:func:`harrow_dash.rules.movements.movement`)."""
    return movement(actual, earlier, polarity, target, upper, tolerance)


def change_scores(
    actual: pd.Series,
    earlier: pd.Series,
    polarity: pd.Series,
    target: pd.Series,
    upper: pd.Series,
    tolerance: pd.Series | None = None,
) -> np.ndarray:
    """:func:`change_score` of every row of aligned columns, whole columns at once."""
    if tolerance is None:
        tolerance = pd.Series(np.nan, index=actual.index)
    return movement_frame(actual, earlier, polarity, target, upper, tolerance)


def _rag_changes(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    cols = [
        "ref",
        "name",
        "priority_id",
        "priority",
        "previous_rag",
        "rag",
        "direction",
        "actual_text",
        "target_text",
    ]
    if now.empty or before.empty:
        return pd.DataFrame(columns=cols)
    mine = [c for c in cols if c in now and c not in ("previous_rag", "direction")]
    merged = now[mine].merge(
        before[["ref", "rag"]].rename(columns={"rag": "previous_rag"}), on="ref", how="inner"
    )
    rated = merged["rag"].isin(RAG_RANK) & merged["previous_rag"].isin(RAG_RANK)
    moved = merged[rated & (merged["rag"] != merged["previous_rag"])].copy()
    moved["direction"] = [
        "better" if RAG_RANK[r] < RAG_RANK[p] else "worse"
        for r, p in zip(moved["rag"], moved["previous_rag"], strict=True)
    ]
    moved["_rank"] = moved["direction"].map({"worse": 0, "better": 1})
    return moved.sort_values(["_rank", "priority_id", "ref"])[cols].reset_index(drop=True)


def _mover_fact(
    actual: float | None,
    earlier: float | None,
    polarity: str,
    target: float | None,
    upper: float | None,
    tolerance: float | None,
    unit: str,
) -> tuple[float, str, str]:
    """What a movers list shows of one indicator: its movement (its rank), the earlier value and
    the change, as one fact, so a suppressed count is in the list only if none of them depends on
    it (a change from a hidden figure is a number that gives it away, so in practice: never)."""
    score = movement(actual, earlier, polarity, target, upper, tolerance)
    if pd.isna(score):
        return score, "", ""
    assert actual is not None and earlier is not None
    return score, format_number(earlier, unit), change_text(float(actual), float(earlier), unit)


MOVER_COLUMNS = [
    "ref",
    "name",
    "priority_id",
    "priority",
    "compared_with",
    "previous_text",
    "actual_text",
    "change_text",
    "change",
]


def _movers(
    now: pd.DataFrame,
    rules: RuleSettings,
    period: Period | None = None,
    earlier: str | None = None,
    limit: int = 5,
    keep: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The biggest improvements and deteriorations, judged by polarity and ranked by the change
    relative to the indicator's tolerance (:func:`movements.movement`).

    Each indicator is compared with the previous quarter, or, if it is cumulative or seasonal, with
    the same quarter a year earlier; ``earlier`` (``prev_actual`` or ``year_actual``) compares all
    with the one. A movement worked out from a suppressed count is left out unless what the list
    shows of it is the same for every value the count could hold (:func:`disclosure.disclosed`): its
    size, and so its place in the list, would give the count away. ``keep`` narrows each ranked list
    further before its values are written as text. Whole columns at once; only the few rows with a
    suppressed count go one by one."""
    empty = pd.DataFrame(columns=MOVER_COLUMNS)
    if now.empty:
        return empty, empty.copy()
    hide = not rules.reveal_suppressed
    threshold = rules.small_numbers
    if earlier is not None:
        by_year = np.full(len(now), earlier == "year_actual")
    elif "cumulative_or_seasonal" in now:
        by_year = compare_with_year(now["cumulative_or_seasonal"].tolist())
    else:
        by_year = np.zeros(len(now), dtype=bool)
    then = pd.Series(
        np.where(by_year, as_floats(now["year_actual"]), as_floats(now["prev_actual"])),
        index=now.index,
    )
    hidden_now = now["suppressed"].astype(bool).to_numpy() & hide
    hidden_then = suppressed_mask(then, now["counts_people"], threshold) & hide
    score = movement_frame(
        now["actual"], then, now["polarity"], now["target"], now["target_upper"], now["tolerance"]
    )
    for i in np.flatnonzero(hidden_now | hidden_then):
        r = now.iloc[i]
        fact = disclosed(
            lambda a, e, r=r: _mover_fact(
                a, e, r["polarity"], r["target"], r["target_upper"], r["tolerance"], r["unit"]
            ),
            [r["actual"], then.iloc[i]],
            [bool(hidden_now[i]), bool(hidden_then[i])],
            threshold,
        )
        score[i] = fact[0] if isinstance(fact, tuple) else np.nan
    base_cols = ["ref", "name", "priority_id", "priority", "actual_text", "actual", "unit"]
    no_marks = pd.Series(None, index=now.index, dtype=object)
    then_marker = np.where(
        by_year,
        now.get("year_marker", no_marks).astype(object).to_numpy(),
        now.get("prev_marker", no_marks).astype(object).to_numpy(),
    )
    df = now[base_cols].assign(_then=then, _then_marker=then_marker, _by_year=by_year, change=score)
    df = df[df["change"].notna() & (df["change"] != 0)]
    best = df[df["change"] > 0].sort_values(["change", "ref"], ascending=[False, True]).head(limit)
    worst = df[df["change"] < 0].sort_values(["change", "ref"]).head(limit)
    if keep is not None:
        best, worst = keep(best), keep(worst)
    labels = (
        period.year_earlier().label if period else "a year earlier",
        period.previous().label if period else "last quarter",
    )
    return _mover_texts(best, labels), _mover_texts(worst, labels)


def _mover_texts(movers: pd.DataFrame, labels: tuple[str, str]) -> pd.DataFrame:
    """The ranked movers with what the list shows in words: the quarter compared with, the earlier
    value and the change in the unit's own terms."""
    out = movers.reset_index(drop=True)
    out["compared_with"] = [labels[0] if y else labels[1] for y in out["_by_year"].tolist()]
    out["previous_text"] = [
        f"{format_number(v, u)} ({marker_words(m)})" if marker_words(m) else format_number(v, u)
        for v, u, m in zip(
            out["_then"].tolist(), out["unit"].tolist(), out["_then_marker"].tolist(), strict=True
        )
    ]
    out["change_text"] = [
        change_text(float(a), float(e), u)
        for a, e, u in zip(
            out["actual"].tolist(), out["_then"].tolist(), out["unit"].tolist(), strict=True
        )
    ]
    return out[MOVER_COLUMNS]


def _isin(column: pd.Series, values: list[str]) -> np.ndarray:
    """``column.isin(values)`` for a text column, as a boolean array, in one step (pandas asks
    about each value separately, which takes a while for thousands of references)."""
    found = pc.is_in(pa.array(column, type=pa.string()), value_set=pa.array(values, pa.string()))
    return found.to_numpy(zero_copy_only=False)


def _priority_movements(
    pid: int, changes: pd.DataFrame, yearly: tuple[pd.DataFrame, pd.DataFrame], year_label: str
) -> list[Movement]:
    """A priority's most important movements: RAG changes since last quarter first, then the
    largest changes against the same quarter last year (which, unlike last quarter, is not
    distorted by seasonal or cumulative measures)."""
    out: list[Movement] = []
    mine = changes[changes["priority_id"] == pid]
    # Every RAG change weighs the same, so only the first three of each direction can be among the
    # three shown; the rest still keep their indicators out of the yearly movements.
    for r in mine.groupby("direction", sort=False).head(3).itertuples():
        arrow = "\u25bc" if r.direction == "worse" else "\u25b2"
        text = f"{arrow} {r.name}: {r.previous_rag} last quarter, {r.rag} now"
        # A change of RAG rating comes before any change of value, however large.
        out.append(Movement(str(r.ref), str(r.name), text, str(r.direction), math.inf))
    seen = {str(r) for r in mine["ref"].tolist()}
    best, worst = yearly
    for frame, kind, arrow in ((worst, "worse", "\u25bc"), (best, "better", "\u25b2")):
        for r in frame[frame["priority_id"] == pid].itertuples():
            if r.ref in seen:
                continue
            word = "worse" if kind == "worse" else "better"
            text = (
                f"{arrow} {r.name}: {r.actual_text}, {word} than {r.previous_text} in {year_label}"
            )
            out.append(Movement(str(r.ref), str(r.name), text, kind, abs(float(r.change))))
            seen.add(str(r.ref))
    out.sort(key=lambda m: (-m.weight, 0 if m.kind == "worse" else 1))
    return out[:3]


def overview(store: Store, filters: Filters, rules: RuleSettings) -> Overview | None:
    if filters.period is None:
        return None
    period = filters.period
    inds = indicators_at(store, filters, rules, apply_rag_filter=False)
    # Nothing in scope is "nothing matches these filters", not "nothing reported".
    ind_reported = inds.empty or indicators_reported(inds)
    rated_now = inds if ind_reported else inds.iloc[0:0]  # the follow-up ignores the RAG filter
    inds = filter_rags(inds, filters.rags) if ind_reported else inds.iloc[0:0]
    # Last quarter's ratings (no direction of travel needed) for the RAG changes.
    before = store.rating_snapshot(filters.with_period(period.previous()))
    before = rate(before, rules, texts=False) if len(before) else before
    acts = actions_at(store, filters, apply_rag_filter=False)
    act_reported = acts.empty or actions_reported(acts)
    if not act_reported:
        acts = acts.iloc[0:0]
    elif filters.rags:
        acts = acts[acts["group"].isin(action_groups_for(filters.rags))].reset_index(drop=True)
    changes = _rag_changes(inds, before)
    best, worst = _movers(inds, rules, period)
    # A priority shows at most three movements after its RAG changes, and an indicator whose RAG
    # changed is not repeated: only the first three other yearly movers of each priority in each
    # direction can be shown, so only they are written out.
    changed = changes["ref"].tolist()

    def first_of_each_priority(ranked: pd.DataFrame) -> pd.DataFrame:
        return ranked[~_isin(ranked["ref"], changed)].groupby("priority_id").head(3)

    yearly = _movers(
        inds, rules, period, earlier="year_actual", limit=len(inds), keep=first_of_each_priority
    )
    prios = store.priorities()
    summaries = []
    for row in prios.itertuples():
        if filters.priorities and row.id not in filters.priorities:
            continue
        pi = inds[inds["priority_id"] == row.id] if len(inds) else inds
        pa = acts[acts["priority_id"] == row.id] if len(acts) else acts
        summaries.append(
            PrioritySummary(
                int(row.id),
                row.name,
                action_counts(pa) if len(pa) else {g: 0 for g in ACTION_GROUPS},
                rag_counts(pi["rag"]) if len(pi) else rag_counts(pd.Series(dtype=object)),
                _priority_movements(int(row.id), changes, yearly, period.year_earlier().label),
            )
        )
    return Overview(
        period=period,
        action_counts=action_counts(acts) if len(acts) else {g: 0 for g in ACTION_GROUPS},
        indicator_counts=rag_counts(inds["rag"])
        if len(inds)
        else rag_counts(pd.Series(dtype=object)),
        priorities=summaries,
        rag_changes=changes,
        improvements=best,
        deteriorations=worst,
        highlights=store.highlights(filters),
        indicators=inds,
        actions=acts,
        unplaced_highlights=len(store.unplaced_highlights(filters)),
        indicators_reported=ind_reported,
        actions_reported=act_reported,
        follow_up=_follow_up(store, filters, period, rated_now, before),
    )


def _follow_up(
    store: Store, filters: Filters, period: Period, rated: pd.DataFrame, before: pd.DataFrame
) -> FollowUp:
    """The follow-up at ``period`` from ratings already made (:func:`harrow_dash.outputs.follow_up.follow_up`)."""
    return follow_up_rule(
        period,
        store.corrective_actions(filters, until=period),
        store.corrective_actions(filters, until=period.previous()),
        rated,
        before,
    )


def follow_up_at(
    store: Store, filters: Filters, rules: RuleSettings, rated: pd.DataFrame | None = None
) -> FollowUp | None:
    """'What we said we would do' at the filters' quarter, in their scope (the RAG filter aside),
    for a page that does not compute the whole overview (the Priorities page): the same rule and
    the same ratings as :func:`overview`'s. ``rated``: :func:`indicators_at` of these filters
    without the RAG filter, where the caller has it already (the page's own read)."""
    if filters.period is None:
        return None
    period = filters.period
    if rated is None:
        rated = indicators_at(store, filters, rules, apply_rag_filter=False)
    if len(rated) and not indicators_reported(rated):
        rated = rated.iloc[0:0]
    before = store.rating_snapshot(filters.with_period(period.previous()))
    before = rate(before, rules, texts=False) if len(before) else before
    return _follow_up(store, filters, period, rated, before)


def indicator_histories(
    store: Store, refs: list[str], rules: RuleSettings, until: Period | None = None
) -> pd.DataFrame:
    """Rated history of the given indicators (all quarters up to ``until``)."""
    hist = store.indicator_history(refs, until)
    return rate(hist, rules) if len(hist) else hist


def trend_lines(
    store: Store, refs: list[str], until: Period | None, rules: RuleSettings
) -> TrendLines:
    """Reported actuals per indicator in quarter order for small trend lines; gaps and suppressed
    values are left out (a trend line cannot show a gap, and must not reveal a small count).

    An indicator with values, none of them shown, gets an empty line; one with no value at all is
    not in the result. Whole columns at once: the list of 13,000 indicators draws 500,000 points."""
    values = store.actual_lines(refs, until)
    if not values.refs:
        return TrendLines.none()
    actual = values.actual
    hidden = suppressed_mask(
        pd.Series(actual, copy=False),
        pd.Series(values.people_of_each_value(), copy=False),
        rules.small_numbers,
    )
    shown = ~np.isnan(actual) & ~hidden
    # Where each indicator's shown values start and end in the compacted array of shown values.
    offsets = np.r_[0, np.cumsum(shown)][values.offsets].astype(np.int32)
    return TrendLines(
        values.refs, pa.ListArray.from_arrays(pa.array(offsets), pa.array(actual[shown]))
    )


def sparkline_values(
    store: Store, refs: list[str], until: Period | None, rules: RuleSettings
) -> dict[str, list[float]]:
    """:func:`trend_lines` per ref as Python lists (a handful of indicators' lines, for a page
    that draws them one by one)."""
    return trend_lines(store, refs, until, rules).as_dict()


def not_rated_reason(state: str) -> str:
    return state if state else NOT_RATED
