"""What the Indicators, Flagship actions and Highlights pages show, built without Streamlit.

Pure pandas: text search, the indicator list with its current status, the numbers behind a trend
chart, flagship action rows with their split lines under their parent, status counts, and
achievements and areas for improvement with the indicator or action they refer to. The page files only
lay these tables out, so the tests and the exports see exactly what the screen shows.

Everything here is display-safe: an actual is the rated text ("66.5%", "fewer than 5", "Not due this
quarter (annual measure)"), never the raw value of a suppressed count, and never 0 for a missing value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from harrow_dash.rules.action_status import ActionStatus, action_groups_for
from harrow_dash.rules.gss import marker_words
from harrow_dash.rules.periods import Period
from harrow_dash.rules.rag import Polarity
from harrow_dash.rules.scorecard import RAG_ORDER
from harrow_dash.rules.suppression import (
    DEFAULT_THRESHOLD,
    SmallNumbers,
    is_suppressed,
    suppressed_text,
)
from harrow_dash.rules.units import format_number
from harrow_dash.rules.value_states import Frequency, ValueState

# -- text search ----------------------------------------------------------------------------------


def search(frame: pd.DataFrame, text: str | None, columns: Sequence[str]) -> pd.DataFrame:
    """Rows where every word of ``text`` appears (case-insensitive, anywhere) in ``columns``.

    Blank text keeps every row. Words are matched literally, never as patterns."""
    words = (text or "").lower().split()
    if not words or frame.empty:
        return frame
    cols = [c for c in columns if c in frame]
    hay = frame[cols].astype(object).where(frame[cols].notna(), "").astype(str)
    joined = hay.agg(" ".join, axis=1).str.lower()
    mask = pd.Series(True, index=frame.index)
    for word in words:
        mask &= joined.str.contains(word, regex=False)
    return frame[mask]


# -- indicators -----------------------------------------------------------------------------------

INDICATOR_SEARCH_COLUMNS = (
    "ref",
    "name",
    "description",
    "priority",
    "directorate",
    "portfolio",
    "commentary",
    "rag",
)

# The indicator list as displayed, in order (the "Trend" column holds the sparkline values).
INDICATOR_LIST_COLUMNS = [
    "Ref",
    "Indicator",
    "Actual",
    "Target",
    "RAG",
    "Since last quarter",
    "Since a year ago",
    "Trend",
    "Data note",
    "Priority",
    "Directorate",
    "Portfolio holder",
]
RAG_NOTE_FLAG = "\u26a0 Official RAG differs from the calculated one"


def display_actual(actual_text: str, state: str, frequency: str) -> str:
    """The actual as shown: an annual measure outside its reporting quarter says so."""
    if state == ValueState.NOT_DUE.value and frequency == Frequency.ANNUAL.value:
        return f"{ValueState.NOT_DUE.text} (annual measure)"
    return actual_text


def _text(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)


TREND_TYPE = pa.list_(pa.float64())


@dataclass(frozen=True)
class TrendLines:
    """Every indicator's trend line (``views.trend_lines``) as one Arrow list array rather than a
    Python list per indicator: ``lines[i]`` is ``refs[i]``'s line, oldest quarter first. At 13,200
    indicators x 40 quarters that is 4 MB of doubles instead of 528,000 Python floats (19 MB, and
    the time to make each one and turn it back into Arrow for the browser). The Indicators list
    keeps them as one Arrow list column too (:func:`indicator_list`): a page run gets the cached
    list back and sends it to the browser (Arrow, as Streamlit sends every table) as it is."""

    refs: list[str]
    lines: pa.ListArray

    @classmethod
    def none(cls) -> TrendLines:
        """No indicator's line."""
        return cls([], pa.array([], type=TREND_TYPE))

    def as_dict(self) -> dict[str, list[float]]:
        """The lines per ref as Python lists."""
        offsets = self.lines.offsets.to_numpy().tolist()
        values = self.lines.values.to_numpy().tolist()
        return {
            name: values[a:b]
            for name, a, b in zip(self.refs, offsets[:-1], offsets[1:], strict=True)
        }

    def column_for(self, refs: list[str]) -> pa.ListArray:
        """One line per ref of ``refs``, in their order: an empty line for a ref with none."""
        where = {name: i for i, name in enumerate(self.refs)}
        positions = np.fromiter((where.get(r, -1) for r in refs), dtype=np.int64, count=len(refs))
        taken = self.lines.take(pa.array(positions, mask=positions < 0))
        return pc.fill_null(taken, pa.scalar([], type=self.lines.type))


def _texts(column: pd.Series) -> pd.Series:
    """``column.map(_text)``; a text column's gaps filled at once instead of value by value."""
    if pd.api.types.is_string_dtype(column) and column.dtype != object:
        return column.fillna("")
    return column.map(_text)


def indicator_list(indicators: pd.DataFrame, sparklines: TrendLines) -> pd.DataFrame:
    """The searchable list: one row per indicator with its status at the quarter.

    ``indicators`` is ``views.indicators_at``; ``sparklines`` is ``views.trend_lines`` (suppressed
    values already left out). The result has the display columns
    (:data:`INDICATOR_LIST_COLUMNS`) and, for search and selection, the raw ``ref``, ``name``,
    ``description``, ``priority``, ``directorate``, ``portfolio``, ``commentary`` and ``rag``."""
    cols = INDICATOR_LIST_COLUMNS + list(INDICATOR_SEARCH_COLUMNS)
    if indicators.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in dict.fromkeys(cols)})
    df = indicators
    out = pd.DataFrame(
        {
            "Ref": df["ref"],
            "Indicator": df["name"],
            "Priority": df["priority"],
            "Directorate": df["directorate"].fillna(""),
            "Portfolio holder": df["portfolio"].fillna(""),
            "Actual": [
                display_actual(a, s, f)
                for a, s, f in zip(
                    df["actual_text"].tolist(),
                    df["state"].tolist(),
                    df["frequency"].tolist(),
                    strict=True,
                )
            ],
            "Target": df["target_text"],
            "RAG": df["rag_text"],
            "Since last quarter": df["travel_prev_text"],
            "Since a year ago": df["travel_year_text"],
            "Trend": pd.arrays.ArrowExtensionArray(sparklines.column_for(df["ref"].tolist())),
            "Data note": [RAG_NOTE_FLAG if _text(n) else "" for n in df["rag_note"].tolist()],
        }
    )
    for c in INDICATOR_SEARCH_COLUMNS:
        out[c] = _texts(df[c]) if c in df else ""
    return out.reset_index(drop=True)


def indicator_download(table: pd.DataFrame) -> pd.DataFrame:
    """The list as a spreadsheet shows it: the display columns without the in-cell trend line."""
    return table[[c for c in INDICATOR_LIST_COLUMNS if c != "Trend"]].copy()


def rag_summary(table: pd.DataFrame) -> dict[str, int]:
    """Counts per RAG in report order for the rows of :func:`indicator_list`."""
    counts = table["rag"].value_counts() if len(table) else pd.Series(dtype=int)
    return {k: int(counts.get(k, 0)) for k in RAG_ORDER}


def label_for(ref: str, names: Mapping[str, str]) -> str:
    name = names.get(ref)
    return f"{ref} {name}" if name else ref


def pick_refs(
    wanted: Iterable[str], known: Iterable[str], limit: int | None = None
) -> tuple[list[str], list[str]]:
    """Split references from a link into those that exist (in the order given, no repeats, matched
    case-insensitively) and those that do not."""
    lookup = {k.lower(): k for k in known}
    ok: list[str] = []
    unknown: list[str] = []
    for raw in wanted:
        ref = lookup.get(str(raw).strip().lower())
        if ref is None:
            unknown.append(str(raw))
        elif ref not in ok:
            ok.append(ref)
    if limit is not None:
        ok = ok[:limit]
    return ok, unknown


def trend_table(history: pd.DataFrame) -> pd.DataFrame:
    """The numbers behind a trend chart, oldest quarter first, as text (suppression respected)."""
    cols = ["Quarter", "Actual", "Target", "RAG", "Benchmark", "Commentary"]
    if history.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    df = history.sort_values("period")
    bench = []
    for v, label, unit in zip(df["benchmark"], df["benchmark_label"], df["unit"], strict=True):
        if v is None or pd.isna(v):
            bench.append("")
        else:
            bench.append(format_number(v, unit) + (f" ({label})" if _text(label) else ""))
    out = pd.DataFrame(
        {
            "Quarter": [Period.from_key(int(k)).label for k in df["period"]],
            "Actual": [
                display_actual(a, s, f)
                for a, s, f in zip(
                    df["actual_text"].tolist(),
                    df["state"].tolist(),
                    df["frequency"].tolist(),
                    strict=True,
                )
            ],
            "Target": df["target_text"],
            "RAG": df["rag_text"],
            "Benchmark": bench,
            "Commentary": df["commentary"].map(_text),
        }
    )
    return out.reset_index(drop=True)


def trend_download(histories: Mapping[str, pd.DataFrame], names: Mapping[str, str]) -> pd.DataFrame:
    """Every selected indicator's trend table in one sheet, with the indicator named on each row."""
    frames = []
    for ref, hist in histories.items():
        t = trend_table(hist)
        t.insert(0, "Indicator", names.get(ref, ""))
        t.insert(0, "Ref", ref)
        frames.append(t)
    if not frames:
        return trend_table(pd.DataFrame()).assign(Ref="", Indicator="")
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class IndicatorFacts:
    """An indicator's position at the quarter, as text, for the panel beside its chart."""

    ref: str
    name: str
    description: str
    context: str  # priority, directorate, portfolio
    polarity: str  # "higher is better"
    actual: str
    target: str
    rag: str
    since_last_quarter: str
    since_last_year: str
    benchmark: str
    commentary: str
    rag_note: str
    suppressed: bool


def indicator_facts(row: Mapping[str, object]) -> IndicatorFacts:
    """Facts from one row of ``views.indicators_at`` (unfiltered by RAG)."""
    unit = str(row.get("unit") or "")
    bench = row.get("benchmark")
    bench_text = ""
    if bench is not None and not pd.isna(bench):  # type: ignore[call-overload]
        bench_text = format_number(float(bench), unit)  # type: ignore[arg-type]
        label = _text(row.get("benchmark_label"))
        bench_text += f" ({label})" if label else ""
    context = " \u00b7 ".join(
        _text(row.get(k)) for k in ("priority", "directorate", "portfolio") if _text(row.get(k))
    )
    return IndicatorFacts(
        ref=str(row["ref"]),
        name=_text(row.get("name")),
        description=_text(row.get("description")),
        context=context,
        polarity=Polarity(str(row.get("polarity") or "higher")).phrase,
        actual=display_actual(
            _text(row.get("actual_text")), _text(row.get("state")), _text(row.get("frequency"))
        ),
        target=_text(row.get("target_text")),
        rag=_text(row.get("rag_text")),
        since_last_quarter=_text(row.get("travel_prev_text")),
        since_last_year=_text(row.get("travel_year_text")),
        benchmark=bench_text,
        commentary=_text(row.get("commentary")),
        rag_note=_text(row.get("rag_note")),
        suppressed=bool(row.get("suppressed")),
    )


# -- flagship actions -----------------------------------------------------------------------------

STATUS_ORDER = [s.value for s in ActionStatus]
STATUS_ICONS = {
    ActionStatus.COMPLETE.value: "\u2605",  # star
    ActionStatus.ON_TRACK.value: "\u2714",  # tick
    ActionStatus.MINOR_SLIPPAGE.value: "\u25b2",  # triangle
    ActionStatus.OFF_TRACK.value: "\u2716",  # cross
    ActionStatus.NOT_STARTED.value: "\u25cb",  # circle
    ActionStatus.NOT_YET_DUE.value: "\u25cc",  # dotted circle
}
ACTION_SEARCH_COLUMNS = (
    "ref",
    "title",
    "priority",
    "directorate",
    "portfolio",
    "lead",
    "commentary",
    "parent_title",
)
# A split line's label starts with an indent (no-break spaces, which charts keep) and a hooked arrow.
SPLIT_MARK = "\u00a0" * 5 + "\u21b3 "


def status_label(status: object) -> str:
    """A status as icon and word, never colour alone: '▲ Minor slippage'."""
    text = _text(status)
    return f"{STATUS_ICONS[text]} {text}" if text in STATUS_ICONS else text or "\u2013"


def _sort_key(frame: pd.DataFrame) -> pd.Series:
    """Top-level actions in priority and reference order, each split line straight under its
    parent (a line's own priority is its parent's, so the lines never drift away)."""
    parent = frame["parent_ref"].where(frame["parent_ref"].notna(), frame["ref"]).astype(str)
    first_prio = frame.groupby(parent)["priority_id"].transform("min")
    return (
        first_prio.astype(int).astype(str).str.zfill(3)
        + "|"
        + parent
        + "|"
        + frame["parent_ref"].notna().astype(int).astype(str)
        + "|"
        + frame["ref"].astype(str)
    )


def action_rows(history: pd.DataFrame, period: Period | None) -> pd.DataFrame:
    """One row per action and per split line with its status at ``period`` and the quarter before.

    ``history`` is ``store.action_statuses(filters, until=period)``. Columns: ref, title, priority_id,
    priority, directorate, portfolio (a split line's own or its parent's), lead, parent_ref, parent_title, is_parent, is_line (a reported line: a split
    line or an action that is not split), status, status_text, previous_status, previous_text,
    commentary, label
    (indented for split lines), row_order. An action without a status that quarter is "Not yet due"."""
    cols = [
        "ref",
        "title",
        "priority_id",
        "priority",
        "directorate",
        "portfolio",
        "lead",
        "parent_ref",
    ]
    if history.empty or period is None:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=object)
                for c in cols
                + [
                    "parent_title",
                    "is_parent",
                    "is_line",
                    "status",
                    "status_text",
                    "previous_status",
                    "previous_text",
                    "commentary",
                    "label",
                    "row_order",
                ]
            }
        )
    defs = history.drop_duplicates("ref")[cols].copy()
    parents = set(defs["parent_ref"].dropna())
    titles = dict(zip(defs["ref"], defs["title"], strict=True))
    defs["parent_title"] = defs["parent_ref"].map(lambda r: titles.get(r, "") if _text(r) else "")
    defs["is_parent"] = defs["ref"].isin(parents)
    defs["is_line"] = ~defs["is_parent"]
    now = history[history["period"] == period.key].drop_duplicates("ref").set_index("ref")
    before = (
        history[history["period"] == period.previous().key].drop_duplicates("ref").set_index("ref")
    )
    defs["status"] = (
        defs["ref"].map(now["status"]).astype(object).fillna(ActionStatus.NOT_YET_DUE.value)
    )
    defs["status_text"] = defs["status"].map(status_label)
    defs["previous_status"] = defs["ref"].map(before["status"])
    defs["previous_text"] = [
        status_label(v) if _text(v) else "No status" for v in defs["previous_status"]
    ]
    defs["commentary"] = defs["ref"].map(now["commentary"]).map(_text)
    defs["label"] = [
        (SPLIT_MARK if _text(p) else "") + f"{r}  {t}"
        for r, t, p in zip(defs["ref"], defs["title"], defs["parent_ref"], strict=True)
    ]
    defs["row_order"] = _sort_key(defs)
    return defs.sort_values("row_order").reset_index(drop=True)


def filter_actions(
    rows: pd.DataFrame,
    statuses: Sequence[str] = (),
    text: str | None = None,
    rags: Sequence[str] = (),
) -> pd.DataFrame:
    """Actions matching a status filter, a text search and the shared RAG filter.

    A reported line matches when its status is one of ``statuses`` (any if empty), its status group
    is one the shared RAG filter ``rags`` selects (as on the Overview and in the briefing pack:
    :func:`~harrow_dash.rules.action_status.action_groups_for`), and the search words appear in it or in
    its parent. A split action's own
    row is kept, for context, whenever one of its lines is; it also matches on its own status. The
    column ``context_only`` marks a parent shown only because of its lines."""
    if rows.empty:
        return rows.assign(context_only=pd.Series(dtype=bool))
    wanted_groups = action_groups_for(tuple(rags))
    groups = rows["status"].map(lambda s: ActionStatus(s).rag)
    ok = pd.Series(True, index=rows.index)
    if statuses:
        ok &= rows["status"].isin(list(statuses))
    if wanted_groups:
        ok &= groups.isin(wanted_groups)
    if (text or "").strip():
        matched = set(search(rows, text, ACTION_SEARCH_COLUMNS)["ref"])
        by_parent = rows["parent_ref"].isin(matched)
        ok &= rows["ref"].isin(matched) | by_parent
    kept_lines = rows[ok & rows["is_line"].astype(bool)]
    needed_parents = set(kept_lines["parent_ref"].dropna())
    is_parent = rows["is_parent"].astype(bool)
    keep = (ok & ~is_parent) | (is_parent & (rows["ref"].isin(needed_parents) | ok))
    out = rows[keep].copy()
    out["context_only"] = out["is_parent"].astype(bool) & ~ok[keep]
    return out.reset_index(drop=True)


def status_counts(rows: pd.DataFrame) -> dict[str, int]:
    """Reported lines per status, in status order (a split action counts by its lines; its own row
    is not counted). The one count of flagship actions by status: the page's summary and the
    timeline's description both use it, so they never disagree."""
    lines = rows[rows["is_line"].astype(bool)] if len(rows) else rows
    counts = lines["status"].value_counts() if len(lines) else pd.Series(dtype=int)
    return {s: int(counts.get(s, 0)) for s in STATUS_ORDER}


def describe_status_counts(counts: Mapping[str, int]) -> str:
    """'3 flagship action lines: 1 minor slippage, 2 on track.'"""
    total = sum(counts.values())
    noun = "flagship action line" if total == 1 else "flagship action lines"
    parts = [f"{n} {s.lower()}" for s, n in counts.items() if n]
    return f"{total} {noun}: " + (", ".join(parts) if parts else "none") + "."


def timeline_frame(history: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Status per quarter for the rows shown, labelled and ordered as :func:`action_rows`.

    Every row gets a cell in every quarter; a quarter without a status is "Not yet due". ``is_line``
    says which rows are counted (:func:`status_counts`): a split action's row is shown above its
    lines but counted by them."""
    if rows.empty or history.empty:
        return pd.DataFrame(
            columns=[
                "ref",
                "title",
                "priority_id",
                "period",
                "status",
                "commentary",
                "label",
                "is_line",
            ]
        )
    periods = sorted(int(p) for p in history["period"].dropna().unique())
    grid = pd.MultiIndex.from_product([list(rows["ref"]), periods], names=["ref", "period"])
    got = history.dropna(subset=["period"]).copy()
    got["period"] = got["period"].astype(int)
    got = got.drop_duplicates(["ref", "period"]).set_index(["ref", "period"])
    out = pd.DataFrame(index=grid).join(got[["status", "commentary"]], how="left").reset_index()
    out["status"] = out["status"].fillna(ActionStatus.NOT_YET_DUE.value)
    out["commentary"] = out["commentary"].map(_text)
    meta = rows.set_index("ref")[["title", "priority_id", "label", "row_order", "is_line"]]
    return out.join(meta, on="ref")


def timeline_table(timeline: pd.DataFrame) -> pd.DataFrame:
    """The timeline as a table: one row per action line, one column per quarter (oldest first),
    each cell the status as icon and word."""
    if timeline.empty:
        return pd.DataFrame({"Action": pd.Series(dtype=object)})
    df = timeline.copy()
    df["quarter"] = [Period.from_key(int(k)).label for k in df["period"]]
    quarters = [Period.from_key(k).label for k in sorted(df["period"].astype(int).unique())]
    df["cell"] = df["status"].map(status_label)
    wide = df.pivot_table(
        index=["row_order", "label"], columns="quarter", values="cell", aggfunc="first"
    )
    wide = wide.reindex(columns=quarters).reset_index().drop(columns="row_order")
    wide.columns.name = None
    return wide.rename(columns={"label": "Action"}).fillna("")


def action_table(rows: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The commentary table: the quarter's status (icon and word) and commentary for each row."""
    cols = [
        "Action",
        "Status",
        "Last quarter",
        "Commentary",
        "Lead",
        "Directorate",
        "Portfolio holder",
        "Priority",
    ]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    commentary = [
        c if c else ("Reported by its lines below." if p else "No commentary this quarter.")
        for c, p in zip(rows["commentary"], rows["is_parent"].astype(bool), strict=True)
    ]
    return pd.DataFrame(
        {
            "Action": rows["label"],
            "Status": rows["status_text"],
            "Last quarter": rows["previous_text"],
            "Commentary": commentary,
            "Lead": rows["lead"].map(_text),
            "Directorate": rows["directorate"].map(_text),
            "Portfolio holder": rows["portfolio"].map(_text),
            "Priority": rows["priority"],
        }
    ).reset_index(drop=True)


# -- highlights -----------------------------------------------------------------------------------

KIND_WORDS = {"achievement": "Achievement", "improvement": "Area for improvement"}
KIND_MARKERS = {"achievement": "\u2714", "improvement": "\u2691"}  # tick, flag
SCOPES = ("All quarters", "Last four quarters", "This quarter only")
HIGHLIGHT_SEARCH_COLUMNS = ("text", "quarter", "indicator_ref", "indicator_name", "action_ref")


def kind_label(kind: str) -> str:
    """Marker as symbol and word: '✔ Achievement', '⚑ Area for improvement'."""
    marker = KIND_MARKERS.get(kind, "\u2022")
    return f"{marker} {KIND_WORDS.get(kind, kind.capitalize())}"


def highlight_items(
    highlights: pd.DataFrame,
    period: Period | None,
    indicators: pd.DataFrame,
    actions: pd.DataFrame,
) -> pd.DataFrame:
    """Achievements and areas for improvement up to ``period``, newest quarter first, each with
    the indicator and action it refers to described as they stand at ``period``.

    ``highlights`` is ``store.highlights(filters, all_periods=True)``; ``indicators`` is
    ``views.indicators_at`` for the quarter (no RAG filter); ``actions`` is :func:`action_rows`."""
    cols = [
        "period",
        "quarter",
        "priority_id",
        "priority",
        "kind",
        "marker",
        "text",
        "indicator_ref",
        "indicator_name",
        "indicator_status",
        "action_ref",
        "action_title",
        "action_status",
    ]
    if highlights.empty or period is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    h = highlights[highlights["period"].astype(int) <= period.key].copy()
    h["quarter"] = [Period.from_key(int(k)).label for k in h["period"]]
    h["marker"] = h["kind"].map(kind_label)
    ind = indicators.set_index("ref") if len(indicators) else pd.DataFrame()
    act = actions.set_index("ref") if len(actions) else pd.DataFrame()

    def ind_field(ref: object, field: str) -> str:
        r = _text(ref)
        return _text(ind.at[r, field]) if r and len(ind) and r in ind.index else ""

    def act_field(ref: object, field: str) -> str:
        r = _text(ref)
        return _text(act.at[r, field]) if r and len(act) and r in act.index else ""

    h["indicator_ref"] = h["indicator_ref"].map(_text)
    h["action_ref"] = h["action_ref"].map(_text)
    h["indicator_name"] = [ind_field(r, "name") for r in h["indicator_ref"]]
    h["indicator_status"] = [
        ", ".join(
            x
            for x in (
                ind_field(r, "rag_text"),
                display_actual(
                    ind_field(r, "actual_text"), ind_field(r, "state"), ind_field(r, "frequency")
                ),
            )
            if x
        )
        for r in h["indicator_ref"]
    ]
    h["action_title"] = [act_field(r, "title") for r in h["action_ref"]]
    h["action_status"] = [act_field(r, "status_text") for r in h["action_ref"]]
    h["_kind"] = h["kind"].map({"achievement": 0, "improvement": 1}).fillna(2)
    h = h.sort_values(["period", "priority_id", "_kind"], ascending=[False, True, True])
    return h[cols].reset_index(drop=True)


def filter_highlights(
    items: pd.DataFrame,
    period: Period,
    scope: str = SCOPES[0],
    kinds: Sequence[str] = (),
    text: str | None = None,
) -> pd.DataFrame:
    """Items in the quarters of ``scope`` (ending at ``period``), of the given kinds, matching text."""
    if items.empty:
        return items
    out = in_quarters(items, period, scope, kinds)
    return search(out, text, HIGHLIGHT_SEARCH_COLUMNS + ("action_title",)).reset_index(drop=True)


def in_quarters(
    frame: pd.DataFrame, period: Period, scope: str = SCOPES[0], kinds: Sequence[str] = ()
) -> pd.DataFrame:
    """Highlights (any frame with ``period`` and ``kind``) in the quarters of ``scope`` ending at
    ``period``, of the given kinds (any if empty)."""
    if frame.empty:
        return frame
    keys = frame["period"].astype(int)
    keep = keys <= period.key
    if scope == "This quarter only":
        keep &= keys == period.key
    elif scope == "Last four quarters":
        keep &= keys > period.shift(-4).key
    if kinds:
        keep &= frame["kind"].isin(list(kinds))
    return frame[keep]


@dataclass(frozen=True)
class HighlightSection:
    """One priority's highlights as the Highlights page lists them: per quarter (newest first), the
    items of each kind asked for (in that order), each item a row of :func:`highlight_items`."""

    priority_id: int
    priority: str
    quarters: tuple[tuple[str, tuple[tuple[dict[str, object], ...], ...]], ...]


def highlight_sections(items: pd.DataFrame, kinds: Sequence[str]) -> list[HighlightSection]:
    """``items`` (filtered :func:`highlight_items`) grouped by priority, then quarter in their order,
    then ``kinds``: plain values, so a page lays them out without pandas work on every run."""
    sections = []
    for pid, group in items.groupby("priority_id", sort=True) if len(items) else ():
        quarters = []
        for _, in_quarter in group.groupby("period", sort=False):
            records = in_quarter.to_dict("records")
            per_kind = tuple(tuple(r for r in records if r["kind"] == k) for k in kinds)
            quarters.append((str(in_quarter["quarter"].iloc[0]), per_kind))
        sections.append(HighlightSection(int(pid), str(group["priority"].iloc[0]), tuple(quarters)))
    return sections


def highlights_download(items: pd.DataFrame) -> pd.DataFrame:
    """The highlights as listed, for the CSV download."""
    return pd.DataFrame(
        {
            "Quarter": items["quarter"],
            "Priority": items["priority"],
            "Kind": items["marker"],
            "Text": items["text"],
            "Indicator": [
                f"{r} {n}".strip()
                for r, n in zip(items["indicator_ref"], items["indicator_name"], strict=True)
            ],
            "Indicator now": items["indicator_status"],
            "Flagship action": [
                f"{r} {t}".strip()
                for r, t in zip(items["action_ref"], items["action_title"], strict=True)
            ],
            "Action status now": items["action_status"],
        }
    )


def monthly_frame(
    months: pd.DataFrame, history: pd.DataFrame, threshold: SmallNumbers | int = DEFAULT_THRESHOLD
) -> pd.DataFrame:
    """Monthly figures shaped for the trend chart: each month at its quarter, only for quarters the
    chart shows, with the month and the value written out for the tooltip. A monthly count of
    people below the threshold has no value (it reads "fewer than 5"), as a quarter's would."""
    if months is None or months.empty or history.empty:
        return pd.DataFrame(columns=["ref", "quarter", "month", "actual", "actual_fmt"])
    unit_of = history.drop_duplicates("ref").set_index("ref")["unit"]
    df = months.copy()
    keys = df["month"].astype(int)
    dates = [dt.date(k // 100, k % 100, 1) for k in keys]
    df["period"] = [Period.containing(d).key for d in dates]
    df = df[df["period"].isin(set(history["period"].astype(int)))]
    df["quarter"] = [Period.from_key(int(k)).label for k in df["period"]]
    df["month_label"] = [dt.date(k // 100, k % 100, 1).strftime("%B %Y") for k in df["month"]]
    df["actual"] = pd.to_numeric(df["actual"], errors="coerce").astype(float)
    df["actual_fmt"] = [
        format_number(v, unit_of.get(r, "")) for v, r in zip(df["actual"], df["ref"], strict=True)
    ]
    if "marker" in df:  # a month's GSS marker in words after it: "301 (provisional)"
        df["actual_fmt"] = [
            f"{text} ({marker_words(m)})" if marker_words(m) else text
            for text, m in zip(df["actual_fmt"], df["marker"], strict=True)
        ]
    people = (
        history.drop_duplicates("ref").set_index("ref")["counts_people"].fillna(False).astype(bool)
        if "counts_people" in history
        else pd.Series(dtype=bool)
    )
    hidden = pd.Series(
        [
            is_suppressed(v, bool(people.get(r, False)), threshold)
            for v, r in zip(df["actual"].tolist(), df["ref"].tolist(), strict=True)
        ],
        index=df.index,
        dtype=bool,
    )
    df.loc[hidden, "actual"] = float("nan")
    df.loc[hidden, "actual_fmt"] = suppressed_text(threshold)
    return df[df["actual"].notna() | hidden].reset_index(drop=True)


def monthly_table(
    months: pd.DataFrame, history: pd.DataFrame, threshold: SmallNumbers | int = DEFAULT_THRESHOLD
) -> pd.DataFrame:
    """A monthly indicator's monthly figures as a table beside its trend chart: Month, Quarter,
    Monthly figure (written in the indicator's unit; a small count of people as "fewer than 5")."""
    frame = monthly_frame(months, history, threshold)
    return pd.DataFrame(
        {
            "Month": frame["month_label"] if len(frame) else [],
            "Quarter": frame["quarter"] if len(frame) else [],
            "Monthly figure": frame["actual_fmt"] if len(frame) else [],
        }
    )


def summary_download(
    action_counts: Mapping[str, int],
    indicator_counts: Mapping[str, int],
    priorities: Sequence[tuple[str, Mapping[str, int], Mapping[str, int]]],
    action_words: Mapping[str, str],
) -> pd.DataFrame:
    """The Overview's counts as one table: a row for all priorities, then one per priority; a column
    per flagship action status and per indicator RAG rating, headed in words."""
    from harrow_dash.rules.action_status import ACTION_GROUPS

    def row(name: str, acts: Mapping[str, int], inds: Mapping[str, int]) -> dict[str, object]:
        out: dict[str, object] = {"Priority": name}
        out["Flagship action lines"] = int(sum(acts.values()))
        for g in ACTION_GROUPS:
            out[f"Flagship: {action_words.get(g, g)}"] = int(acts.get(g, 0))
        out["Indicators"] = int(sum(inds.values()))
        for g in RAG_ORDER:
            out[f"Indicators: {g.lower()}"] = int(inds.get(g, 0))
        return out

    rows = [row("All priorities", action_counts, indicator_counts)]
    rows += [row(name, acts, inds) for name, acts, inds in priorities]
    return pd.DataFrame(rows)
