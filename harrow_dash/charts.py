"""Charts as pure functions: data in, Altair chart out. No Streamlit.

Every chart shows RAG by colour *and* by word or shape, gives quarters in time order, and comes with a
one-sentence description (``describe_*``) used as its accessible name and text alternative. The same
charts are rendered to PNG/SVG for briefings without a browser.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from harrow_dash.palette import (
    ACTION_COLOURS,
    ACTION_GROUP_WORDS,
    BENCHMARK_COLOUR,
    RAG_COLOURS,
    RAG_SHAPES,
    TARGET_COLOUR,
)
from harrow_dash.periods import Period
from harrow_dash.rag import Polarity
from harrow_dash.units import format_number

FONT = "DejaVu Sans"


def _configure(chart: alt.TopLevelMixin, width: int | str, height: int) -> alt.Chart:
    return (
        chart.properties(width=width, height=height)
        .configure(font=FONT)
        .configure_view(strokeWidth=0)
        .configure_axis(
            labelFontSize=13, titleFontSize=13, labelColor="#0B0C0C", titleColor="#0B0C0C"
        )
        .configure_legend(labelFontSize=13, titleFontSize=13, orient="bottom")
        .configure_title(fontSize=16, anchor="start", color="#0B0C0C")
    )


def counts_frame(counts: dict[str, int], words: dict[str, str] | None = None) -> pd.DataFrame:
    """Counts as a table in display order, with shares and a label like '12 (48%)'."""
    total = sum(counts.values()) or 1
    rows = []
    for i, (k, n) in enumerate(counts.items()):
        rows.append(
            {
                "order": i,
                "group": k,
                "words": (words or {}).get(k, k.lower()),
                "count": n,
                "share": n / total,
                "label": f"{n}" if n else "",
            }
        )
    return pd.DataFrame(rows)


def describe_counts(counts: dict[str, int], noun: str, words: dict[str, str] | None = None) -> str:
    """'24 indicators: 14 green, 4 amber, 5 red, 1 not rated.'"""
    total = sum(counts.values())
    parts = [f"{n} {(words or {}).get(k, k.lower())}" for k, n in counts.items() if n]
    return f"{total} {noun}: " + (", ".join(parts) if parts else "none") + "."


def stacked_bar(
    counts: dict[str, int],
    colours: dict[str, str],
    title: str = "",
    words: dict[str, str] | None = None,
    width: int | str = "container",
    height: int = 44,
    label_size: int = 15,
) -> alt.Chart:
    """One horizontal bar split into RAG (or status) segments, counts written in the segments."""
    data = counts_frame(counts, words)
    data = data[data["count"] > 0]
    domain = list(counts)
    base = alt.Chart(data, title=title or alt.Undefined)
    bar = base.mark_bar(stroke="white", strokeWidth=2, height=max(10, height - 4)).encode(
        x=alt.X(
            "sum(count):Q",
            stack="zero",
            axis=None,
            scale=alt.Scale(domain=[0, max(1, sum(counts.values()))], nice=False),
        ),
        color=alt.Color(
            "group:N",
            scale=alt.Scale(domain=domain, range=[colours[k] for k in domain]),
            legend=None,
        ),
        order=alt.Order("order:Q"),
        tooltip=[
            alt.Tooltip("group:N", title="Status"),
            alt.Tooltip("count:Q", title="Count"),
            alt.Tooltip("share:Q", title="Share", format=".0%"),
        ],
    )
    # Place labels at segment centres.
    text = (
        base.transform_window(cum="sum(count)", sort=[alt.SortField("order")])
        .transform_calculate(mid="datum.cum - datum.count / 2")
        .mark_text(color="white", fontWeight="bold", fontSize=label_size)
        .encode(x=alt.X("mid:Q"), text="label:N")
    )
    return _configure(alt.layer(bar, text), width, height)


def rag_bar(counts: dict[str, int], title: str = "", **kw: object) -> alt.Chart:
    return stacked_bar(counts, RAG_COLOURS, title, **kw)  # type: ignore[arg-type]


def action_bar(counts: dict[str, int], title: str = "", **kw: object) -> alt.Chart:
    return stacked_bar(counts, ACTION_COLOURS, title, ACTION_GROUP_WORDS, **kw)  # type: ignore[arg-type]


def trend_frame(history: pd.DataFrame) -> pd.DataFrame:
    """Rows of a rated history (see scorecard.rate) shaped for the trend chart."""
    df = history.copy()
    df["quarter"] = [Period.from_key(int(k)).label for k in df["period"]]
    df["order"] = df["period"].astype(int)
    return df


def trend_chart(
    history: pd.DataFrame,
    title: str | None = None,
    width: int | str = "container",
    height: int = 320,
) -> alt.Chart:
    """Actual over quarters with the target as a dashed step line, the benchmark as a thin grey line,
    and points coloured *and* shaped by RAG. ``history`` is one or more indicators, rated."""
    df = trend_frame(history)
    first = df.iloc[0] if len(df) else None
    polarity = Polarity(first["polarity"]) if first is not None else Polarity.HIGHER
    unit = first["unit"] if first is not None else ""
    many = df["ref"].nunique() > 1 if len(df) else False
    if title is None:
        name = first["name"] if first is not None and not many else "Selected indicators"
        title = f"{name} ({polarity.phrase})"
    order = [Period.from_key(k).label for k in sorted(df["order"].unique())] if len(df) else []
    df["actual_fmt"] = [t for t in df.get("actual_text", df["actual"].astype(str))]
    df["target_fmt"] = df.get("target_text", df["target"].astype(str))
    df["series"] = df["ref"] + " " + df["name"]
    x = alt.X("quarter:O", sort=order, title=None, axis=alt.Axis(labelAngle=-45))
    y_title = {"%": "Per cent", "£": "Pounds"}.get(unit, unit.capitalize() if unit else "Value")
    base = alt.Chart(df)
    # Hide suppressed actuals from the chart entirely (their points would give the value away).
    visible = df[~df.get("suppressed", pd.Series(False, index=df.index)).astype(bool)]
    line = (
        alt.Chart(visible)
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("actual:Q", title=y_title),
            detail="series:N",
            color=alt.Color(
                "series:N",
                legend=alt.Legend(title=None) if many else None,
                scale=alt.Scale(
                    range=["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
                ),
            ),
        )
    )
    points = (
        alt.Chart(visible)
        .mark_point(filled=True, size=110, stroke="white", strokeWidth=1)
        .encode(
            x=x,
            y="actual:Q",
            detail="series:N",
            color=alt.Color(
                "rag:N",
                scale=alt.Scale(domain=list(RAG_COLOURS), range=list(RAG_COLOURS.values())),
                legend=alt.Legend(title="RAG"),
            ),
            shape=alt.Shape(
                "rag:N",
                scale=alt.Scale(domain=list(RAG_SHAPES), range=list(RAG_SHAPES.values())),
                legend=alt.Legend(title="RAG"),
            ),
            tooltip=[
                alt.Tooltip("series:N", title="Indicator"),
                alt.Tooltip("quarter:N", title="Quarter"),
                alt.Tooltip("actual_fmt:N", title="Actual"),
                alt.Tooltip("target_fmt:N", title="Target"),
                alt.Tooltip("rag:N", title="RAG"),
                alt.Tooltip("commentary:N", title="Commentary"),
            ],
        )
    )
    target = base.mark_line(
        strokeDash=[6, 4], color=TARGET_COLOUR, interpolate="step-after", strokeWidth=1.5
    ).encode(
        x=x,
        y="target:Q",
        detail="series:N",
        tooltip=[
            alt.Tooltip("quarter:N", title="Quarter"),
            alt.Tooltip("target_fmt:N", title="Target"),
        ],
    )
    layers = [target, line, points]
    if df["benchmark"].notna().any():
        bench = (
            base.transform_filter("isValid(datum.benchmark)")
            .mark_line(color=BENCHMARK_COLOUR, strokeWidth=1)
            .encode(
                x=x,
                y="benchmark:Q",
                detail="series:N",
                tooltip=[
                    alt.Tooltip("quarter:N", title="Quarter"),
                    alt.Tooltip("benchmark_label:N", title="Benchmark"),
                    alt.Tooltip("benchmark:Q", title="Value"),
                ],
            )
        )
        layers.insert(0, bench)
    return _configure(
        alt.layer(*layers, title=title).resolve_scale(color="independent"), width, height
    )


def describe_trend(history: pd.DataFrame) -> str:
    """A sentence naming the chart and its latest position, for screen readers and alt text."""
    if history.empty:
        return "Trend chart with no data."
    df = history.sort_values("period")
    last = df[df["actual"].notna()].tail(1)
    name = df["name"].iloc[0] if df["ref"].nunique() == 1 else f"{df['ref'].nunique()} indicators"
    first_q, last_q = (
        Period.from_key(int(df["period"].min())).label,
        Period.from_key(int(df["period"].max())).label,
    )
    text = f"Trend of {name} from {first_q} to {last_q}, with the target as a dashed line."
    if len(last) and df["ref"].nunique() == 1:
        r = last.iloc[0]
        text += (
            f" Latest value {r.get('actual_text', format_number(r['actual'], r['unit']))} in "
            f"{Period.from_key(int(r['period'])).label} against a target of {r.get('target_text', '')}"
            f" ({r.get('rag', 'not rated')})."
        )
    return text


def action_timeline(statuses: pd.DataFrame, width: int | str = "container") -> alt.Chart:
    """Each action line's status per quarter: a coloured cell with the status written in it."""
    df = statuses.dropna(subset=["period"]).copy()
    df["quarter"] = [Period.from_key(int(k)).label for k in df["period"]]
    df["label"] = df["ref"] + "  " + df["title"].str.slice(0, 48)
    order_q = [Period.from_key(k).label for k in sorted(df["period"].astype(int).unique())]
    order_y = list(dict.fromkeys(df.sort_values(["priority_id", "ref"])["label"]))
    short = {
        "Complete": "Complete",
        "On track": "On track",
        "Minor slippage": "Slippage",
        "Off track": "Off track",
        "Not started": "Not started",
        "Not yet due": "Not due",
    }
    df["short"] = df["status"].map(short)
    base = alt.Chart(df).encode(
        x=alt.X("quarter:O", sort=order_q, title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("label:N", sort=order_y, title=None, axis=alt.Axis(labelLimit=380)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "group:N",
            scale=alt.Scale(domain=list(ACTION_COLOURS), range=list(ACTION_COLOURS.values())),
            legend=alt.Legend(title="Status"),
        ),
        tooltip=[
            alt.Tooltip("ref:N", title="Action"),
            alt.Tooltip("title:N", title="Title"),
            alt.Tooltip("quarter:N", title="Quarter"),
            alt.Tooltip("status:N", title="Status"),
            alt.Tooltip("commentary:N", title="Commentary"),
        ],
    )
    text = base.mark_text(color="white", fontSize=12, fontWeight="bold").encode(text="short:N")
    return _configure(alt.layer(cells, text), width, max(120, 26 * len(order_y)))
