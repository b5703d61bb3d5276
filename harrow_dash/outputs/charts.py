"""Charts as pure functions: data in, Altair chart out. No Streamlit.

Every chart shows RAG by colour *and* by word or shape, gives quarters in time order, and comes with a
one-sentence description (``describe_*``) used as its accessible name and text alternative. The same
charts are rendered to PNG/SVG for briefings without a browser.
"""

from __future__ import annotations

import json
import textwrap

import altair as alt
import pandas as pd

from harrow_dash.formats.textsafe import escape_html
from harrow_dash.outputs.explore import describe_status_counts, monthly_frame, status_counts
from harrow_dash.outputs.palette import (
    ACTION_COLOURS,
    ACTION_GROUP_WORDS,
    BENCHMARK_COLOUR,
    CATEGORICAL,
    RAG_COLOURS,
    RAG_SHAPES,
    RAG_WORDS,
    TARGET_COLOUR,
    counted,
)
from harrow_dash.rules.disclosure import RATING_WITHHELD, WITHHELD_RAG
from harrow_dash.rules.periods import Period
from harrow_dash.rules.rag import Polarity
from harrow_dash.rules.suppression import (
    DEFAULT_THRESHOLD,
    SmallNumbers,
    small_numbers,
)
from harrow_dash.rules.units import format_number
from harrow_dash.rules.value_states import ValueState

FONT = "DejaVu Sans"


def _configure(
    chart: alt.TopLevelMixin, width: int | str, height: int, fit_x: bool = False
) -> alt.Chart:
    """Shared look. ``fit_x``: fit the width to the container but keep ``height`` for the plot
    itself (titles, axes and legends add to it) rather than for the whole chart."""
    props: dict[str, object] = {"width": width, "height": height}
    if fit_x:
        props["autosize"] = alt.AutoSizeParams(type="fit-x", contains="padding")
    return (
        chart.properties(**props)
        .configure(font=FONT)
        .configure_view(strokeWidth=0)
        .configure_axis(
            labelFontSize=13, titleFontSize=13, labelColor="#0B0C0C", titleColor="#0B0C0C"
        )
        .configure_legend(
            labelFontSize=13,
            titleFontSize=13,
            orient="bottom",
            labelColor="#0B0C0C",
            titleColor="#0B0C0C",
            symbolSize=110,
        )
        .configure_title(
            fontSize=16,
            anchor="start",
            color="#0B0C0C",
            subtitleColor="#3D3D3D",
            subtitleFontSize=13,
        )
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def counts_frame(counts: dict[str, int], words: dict[str, str] | None = None) -> pd.DataFrame:
    """Counts as a table in display order, with shares and a label like '12 (48%)'."""
    total = sum(counts.values()) or 1
    rows = []
    for i, (k, n) in enumerate(counts.items()):
        rows.append(
            {
                "order": i,
                "group": k,
                "words": (words or RAG_WORDS).get(k, k.lower()),
                "status": _capital((words or RAG_WORDS).get(k, k.lower())),
                "count": n,
                "share": n / total,
                "label": f"{n}" if n else "",
            }
        )
    return pd.DataFrame(rows)


def describe_counts(counts: dict[str, int], noun: str, words: dict[str, str] | None = None) -> str:
    """'24 indicators: 14 green, 4 amber, 5 red, 1 not rated.' ('1 indicator: 1 red.')"""
    total = sum(counts.values())
    parts = [counted(n, (words or RAG_WORDS).get(k, k.lower())) for k, n in counts.items() if n]
    return f"{total} {plural(noun, total)}: " + (", ".join(parts) if parts else "none") + "."


def plural(noun: str, count: int) -> str:
    """``noun`` (written in the plural, e.g. "flagship action lines") for ``count`` things."""
    return noun[:-1] if count == 1 and noun.endswith("s") else noun


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
            alt.Tooltip("status:N", title="Status"),  # "On track", not the RAG group "Green"
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


def trend_frame(
    history: pd.DataFrame, threshold: SmallNumbers | int = DEFAULT_THRESHOLD
) -> pd.DataFrame:
    """Rows of a rated history (see scorecard.rate) shaped for the trend chart.

    Only the columns the chart draws are kept, and a suppressed actual is blanked here, so the raw
    value of a small count never reaches the chart's data (the browser, a PNG or an SVG export).
    A suppressed quarter gets instead the range its value could lie in (``hidden_low`` to
    ``hidden_high``: 0 to threshold - 1, from 1 when zero is shown; :class:`SmallNumbers`), the same
    whatever the hidden value is."""
    df = history.copy()
    df["quarter"] = [Period.from_key(int(k)).label for k in df["period"]]
    df["order"] = df["period"].astype(int)
    suppressed = (
        df["suppressed"].fillna(False).astype(bool)
        if "suppressed" in df
        else pd.Series(False, index=df.index)
    )
    df["actual"] = pd.to_numeric(df["actual"], errors="coerce").astype(float)
    df.loc[suppressed, "actual"] = float("nan")
    df["suppressed"] = suppressed
    rule = small_numbers(threshold)
    df["hidden_low"] = [float(rule.low) if h else float("nan") for h in suppressed]
    df["hidden_high"] = [float(rule.high) if h else float("nan") for h in suppressed]
    units = df["unit"] if "unit" in df else pd.Series("", index=df.index)
    if "actual_text" not in df:
        df["actual_text"] = [format_number(v, u) for v, u in zip(df["actual"], units, strict=True)]
    if "target_text" not in df:
        df["target_text"] = [format_number(v, u) for v, u in zip(df["target"], units, strict=True)]
    for col in ("target_upper", "benchmark"):
        if col not in df:
            df[col] = float("nan")
    if "benchmark_label" not in df:
        df["benchmark_label"] = None
    df["benchmark_fmt"] = [
        "" if pd.isna(v) else format_number(v, u)
        for v, u in zip(df["benchmark"], units, strict=True)
    ]
    df["commentary"] = df["commentary"].fillna("") if "commentary" in df else ""
    df["rag"] = df["rag"].fillna("Not rated") if "rag" in df else "Not rated"
    keep = [
        "ref",
        "name",
        "unit",
        "polarity",
        "period",
        "quarter",
        "order",
        "actual",
        "target",
        "target_upper",
        "benchmark",
        "benchmark_label",
        "benchmark_fmt",
        "rag",
        "actual_text",
        "target_text",
        "commentary",
        "suppressed",
        "hidden_low",
        "hidden_high",
        "counts_people",
        "state",
    ]
    return df[[c for c in keep if c in df]].reset_index(drop=True)


NOT_DUE = ValueState.NOT_DUE.value
TITLE_WIDTH = 50  # characters per line of a trend chart's title
# Characters per line of its subtitle: fits the narrowest chart a card draws (about 460 px at 13 px),
# so Vega never cuts a line short with an ellipsis.
SUBTITLE_WIDTH = 66


def quarter_labels(order: list[str]) -> str:
    """A Vega label expression for a quarter axis: 'Q1' and the year under the first quarter and
    under each Q1, just 'Q2', 'Q3', 'Q4' elsewhere, so a long run of quarters stays readable level."""
    mapping: dict[str, str | list[str]] = {}
    for i, label in enumerate(order):
        q, _, year = label.partition(" ")
        mapping[label] = [q, year] if i == 0 or q == "Q1" else q
    return f"{json.dumps(mapping)}[datum.label] || datum.label"


def trend_chart(
    history: pd.DataFrame,
    title: str | None = None,
    width: int | str = "container",
    height: int = 240,
    threshold: SmallNumbers | int = DEFAULT_THRESHOLD,
    group_band: pd.DataFrame | None = None,
    group_name: str = "",
    months: pd.DataFrame | None = None,
) -> alt.Chart:
    """Actual over quarters with the target as a dashed step line, the benchmark as a thin grey line,
    and points coloured *and* shaped by RAG. ``history`` is one or more indicators, rated.

    ``group_band`` (from :func:`harrow_dash.outputs.comparisons.trend_bands`) adds a comparison group's
    interquartile range as a shaded band and its median as a dotted line, named in the subtitle.

    A suppressed count has no point and no value in the chart's data: the quarter is drawn as a
    grey bar over every value it could hold (0 to threshold - 1, from 1 when zero is shown; the same
    band in the browser and in a PNG, as both draw these data) labelled "<5" (the line breaks there, so no point sits at the
    hidden value, but the series visibly goes on). For an indicator with a target band both edges
    of the band are drawn dashed. The subtitle names the lines, since the target and benchmark have
    no legend entry.

    ``months`` (``ref``, ``month``, ``actual``) adds a monthly indicator's monthly figures as small
    hollow circles in the column of their quarter (not for a quarter rule of ``sum``, whose months
    are a third of its quarter's scale); the line and the rated points stay the quarterly position,
    the one Cabinet saw. A monthly figure that is a suppressed count is not drawn."""
    df = trend_frame(history, threshold)
    monthly = monthly_frame(months, df, threshold) if months is not None else None
    if monthly is not None and "quarter_rule" in monthly:
        # A flow's quarter is the sum of its months: its monthly figures are on another scale
        # than the quarterly line, so they are listed in the table, not drawn.
        monthly = monthly[monthly["quarter_rule"] != "sum"]
    first = df.iloc[0] if len(df) else None
    polarity = Polarity(first["polarity"]) if first is not None else Polarity.HIGHER
    unit = first["unit"] if first is not None else ""
    many = df["ref"].nunique() > 1 if len(df) else False
    if title is None:
        name = first["name"] if first is not None and not many else "Selected indicators"
        title = f"{name} ({polarity.phrase})"
    # Wrap long titles, but never inside the polarity phrase ("lower is better").
    keep = polarity.phrase
    title_lines = [
        line.replace("\u00a0", " ")
        for line in textwrap.wrap(title.replace(keep, keep.replace(" ", "\u00a0")), TITLE_WIDTH)
    ] or [title]
    order = [Period.from_key(k).label for k in sorted(df["order"].unique())] if len(df) else []
    df["actual_fmt"] = df["actual_text"]
    df["target_fmt"] = df["target_text"]
    df["series"] = df["ref"] + " " + df["name"]
    df["rag_fmt"] = [RATING_WITHHELD if r == WITHHELD_RAG else r for r in df["rag"]]
    has_bench = bool(df["benchmark"].notna().any())
    has_band = bool(df["target_upper"].notna().any())
    subtitle = "Dashed line: target" + (" range" if has_band else "")
    if has_bench:
        labels = [str(v) for v in df["benchmark_label"].dropna().unique() if str(v).strip()]
        subtitle += f"; grey line: {labels[0] if len(labels) == 1 else 'benchmark'}"
    band = _group_band_frame(group_band, order)
    if band is not None:
        subtitle += f"; shaded: middle half of {group_name}, dotted: their median"
    any_hidden = bool(df["suppressed"].any())
    if any_hidden:
        rule = small_numbers(threshold)
        subtitle += f"; grey bar ({rule.label}): a count of {rule.text}, not shown ({rule.meaning})"
    # Counts of people start at zero (the gap left by a small count then reads as "low"); other
    # measures use the range of their values so that movements near the target are visible.
    from_zero = (
        bool(df["counts_people"].fillna(False).astype(bool).any())
        if "counts_people" in df
        else False
    )
    x = alt.X(
        "quarter:O",
        sort=order,
        title=None,
        axis=alt.Axis(labelAngle=0, labelExpr=quarter_labels(order), labelPadding=6),
    )
    y_title = {"%": "Per cent", "£": "Pounds"}.get(unit, unit.capitalize() if unit else "Value")
    base = alt.Chart(df)
    # The line breaks at a gap (not reported, suppressed) but joins an annual measure's values
    # across the quarters in which it is not due.
    line = (
        base.transform_filter(f"datum.state != '{NOT_DUE}'")
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("actual:Q", title=y_title, scale=alt.Scale(zero=from_zero, nice=True)),
            detail="series:N",
            color=alt.Color(
                "series:N",
                legend=alt.Legend(title=None) if many else None,
                scale=alt.Scale(range=list(CATEGORICAL)),
            ),
        )
    )
    # Points are drawn only for shown values, so a withheld rating never needs a legend entry.
    rag_domain = [k for k in RAG_COLOURS if k != WITHHELD_RAG]
    points = (
        base.transform_filter("isValid(datum.actual)")
        .mark_point(filled=True, size=120, opacity=1, stroke="white", strokeWidth=1)
        .encode(
            x=x,
            y="actual:Q",
            detail="series:N",
            color=alt.Color(
                "rag:N",
                scale=alt.Scale(domain=rag_domain, range=list(RAG_COLOURS.values())),
                legend=alt.Legend(
                    title="RAG rating", symbolSize=150, symbolStrokeWidth=0, symbolOpacity=1
                ),
            ),
            shape=alt.Shape(
                "rag:N",
                scale=alt.Scale(domain=rag_domain, range=[RAG_SHAPES[k] for k in rag_domain]),
                legend=alt.Legend(
                    title="RAG rating", symbolSize=150, symbolStrokeWidth=0, symbolOpacity=1
                ),
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
    target_tooltip = [
        alt.Tooltip("quarter:N", title="Quarter"),
        alt.Tooltip("target_fmt:N", title="Target"),
    ]
    target = base.mark_line(
        strokeDash=[6, 4], color=TARGET_COLOUR, interpolate="step-after", strokeWidth=1.5
    ).encode(x=x, y="target:Q", detail="series:N", tooltip=target_tooltip)
    layers = [target, line, points]
    if any_hidden:
        hidden_marks = base.transform_filter("datum.suppressed")
        hidden_tooltip = [
            alt.Tooltip("series:N", title="Indicator"),
            alt.Tooltip("quarter:N", title="Quarter"),
            alt.Tooltip("actual_fmt:N", title="Actual"),
            alt.Tooltip("target_fmt:N", title="Target"),
            alt.Tooltip("rag_fmt:N", title="RAG"),
            alt.Tooltip("commentary:N", title="Commentary"),
        ]
        hidden_bar = hidden_marks.mark_bar(
            color=BENCHMARK_COLOUR, opacity=0.35, stroke=TARGET_COLOUR, strokeDash=[2, 2]
        ).encode(x=x, y="hidden_low:Q", y2="hidden_high:Q", tooltip=hidden_tooltip)
        label = hidden_marks.mark_text(
            dy=-8, fontSize=11, color="#0B0C0C", baseline="bottom"
        ).encode(
            x=x,
            y="hidden_high:Q",
            text=alt.value(small_numbers(threshold).label),
            tooltip=hidden_tooltip,
        )
        layers = [target, hidden_bar, label, line, points]
    if has_band:
        upper = (
            base.transform_filter("isValid(datum.target_upper)")
            .mark_line(
                strokeDash=[6, 4], color=TARGET_COLOUR, interpolate="step-after", strokeWidth=1.5
            )
            .encode(x=x, y="target_upper:Q", detail="series:N", tooltip=target_tooltip)
        )
        layers.insert(1, upper)
    if monthly is not None and len(monthly):
        subtitle += "; small circles: monthly figures"
        layers.append(
            alt.Chart(monthly)
            .transform_filter("isValid(datum.actual)")
            .mark_point(size=40, filled=False, color=BENCHMARK_COLOUR, strokeWidth=1.5)
            .encode(
                x=x,
                y="actual:Q",
                tooltip=[
                    alt.Tooltip("month_label:N", title="Month"),
                    alt.Tooltip("actual_fmt:N", title="Monthly figure"),
                ],
            )
        )
    if has_bench:
        bench = (
            base.transform_filter("isValid(datum.benchmark)")
            .mark_line(color=BENCHMARK_COLOUR, strokeWidth=1.5)
            .encode(
                x=x,
                y="benchmark:Q",
                detail="series:N",
                tooltip=[
                    alt.Tooltip("quarter:N", title="Quarter"),
                    alt.Tooltip("benchmark_label:N", title="Benchmark"),
                    alt.Tooltip("benchmark_fmt:N", title="Value"),
                ],
            )
        )
        layers.insert(0, bench)
    if band is not None:
        layers[:0] = _group_band_layers(band, x)
    return _configure(
        alt.layer(
            *layers,
            title=alt.Title(
                title_lines, subtitle=textwrap.wrap(subtitle, SUBTITLE_WIDTH) or subtitle
            ),
        ).resolve_scale(color="independent", shape="independent"),
        width,
        height,
        fit_x=True,
    )


def _group_band_frame(bands: pd.DataFrame | None, order: list[str]) -> pd.DataFrame | None:
    """The comparison group's quarters that the chart shows, labelled like its x axis."""
    if bands is None or bands.empty:
        return None
    out = bands.assign(quarter=[Period.from_key(int(k)).label for k in bands["period"]])
    out = out[out["quarter"].isin(order)]
    return out if len(out) else None


def _group_band_layers(band: pd.DataFrame, x: alt.X) -> list[alt.Chart]:
    tooltip = [
        alt.Tooltip("quarter:N", title="Quarter"),
        alt.Tooltip("median:Q", title="Group median", format=",.4~f"),
        alt.Tooltip("lower_quartile:Q", title="Lower quartile", format=",.4~f"),
        alt.Tooltip("upper_quartile:Q", title="Upper quartile", format=",.4~f"),
        alt.Tooltip("areas:Q", title="Areas with a figure"),
    ]
    base = alt.Chart(band)
    area = (
        base.transform_filter("isValid(datum.lower_quartile)")
        .mark_area(color=CATEGORICAL[1], opacity=0.18)
        .encode(x=x, y="lower_quartile:Q", y2="upper_quartile:Q", tooltip=tooltip)
    )
    median = base.mark_line(color=CATEGORICAL[1], strokeDash=[2, 3], strokeWidth=2).encode(
        x=x, y="median:Q", tooltip=tooltip
    )
    return [area, median]


def describe_trend(history: pd.DataFrame) -> str:
    """A sentence naming the chart and its latest position, for screen readers and alt text."""
    if history.empty:
        return "Trend chart with no data."
    df = history.sort_values("period")
    single = df["ref"].nunique() == 1
    name = df["name"].iloc[0] if single else f"{df['ref'].nunique()} indicators"
    if single and "polarity" in df:
        name += f" ({Polarity(df['polarity'].iloc[0]).phrase})"
    first_q, last_q = (
        Period.from_key(int(df["period"].min())).label,
        Period.from_key(int(df["period"].max())).label,
    )
    text = f"Trend of {name} from {first_q} to {last_q}, with the target as a dashed line"
    if "benchmark" in df and df["benchmark"].notna().any():
        labels = [str(v) for v in df.get("benchmark_label", pd.Series(dtype=object)).dropna()]
        text += f" and the {labels[-1] if labels else 'benchmark'} as a grey line"
    text += "."
    last = df[df["actual"].notna()].tail(1)
    if len(last) and single:
        r = last.iloc[0]
        text += (
            f" Latest value {r.get('actual_text', format_number(r['actual'], r['unit']))} in "
            f"{Period.from_key(int(r['period'])).label} against a target of "
            f"{r.get('target_text', format_number(r['target'], r['unit']))}"
            f" ({RATING_WITHHELD if r.get('rag') == WITHHELD_RAG else r.get('rag', 'not rated')})."
        )
    return text


# Status colours for the action timeline: the report's groups, with the two grey states told apart
# by shade as well as by the word in the cell.
STATUS_COLOURS = {
    "Complete": ACTION_COLOURS["Complete"],
    "On track": ACTION_COLOURS["Green"],
    "Minor slippage": ACTION_COLOURS["Amber"],
    "Off track": ACTION_COLOURS["Red"],
    "Not started": ACTION_COLOURS["Not started / not yet due"],
    "Not yet due": "#505A5F",
}
SHORT_STATUS = {
    "Minor slippage": "Slippage",
    "Not started": "Not started",
    "Not yet due": "Not due",
}


EXPORT_WIDTH = "export_width"  # usermeta key: a chart's natural width where there is no container
_TIMELINE_CELL_WIDTH = 132  # fits "Minor slippage" in bold 12 px with a margin
_TIMELINE_SHORT_CELL_WIDTH = 84


def action_timeline(
    statuses: pd.DataFrame,
    width: int | str = "container",
    row_height: int = 28,
    label_width: int = 440,
    picture: bool = False,
) -> alt.Chart:
    """Each action line's status per quarter: a coloured cell with the status written in it.

    ``statuses`` has one row per action per quarter (ref, title, priority_id, period, status,
    commentary). Optional columns: ``label`` (the row's name on the y axis, e.g. an indented split
    line) and ``row_order`` (the order of rows, top first); without them rows are "REF  title" in
    priority and reference order.

    ``picture``: for a downloaded image, where nothing can be hovered over: every row's full title,
    wrapped over as many lines as it needs (never cut short with "…"), each row tall enough for
    its lines, and a legend of the status colours."""
    df = statuses.dropna(subset=["period"]).copy()
    df["quarter"] = [Period.from_key(int(k)).label for k in df["period"]]
    if "label" not in df:
        titles = df["title"].astype(str)
        df["label"] = df["ref"] + "  " + (titles if picture else titles.str.slice(0, 48))
    lines = 1
    if picture:
        # Wrapped at about the characters that fit the label column (12-13 px text), at spaces.
        per_line = max(20, label_width // 8)
        wrapped = [_wrap_label(v, per_line) for v in df["label"].astype(str)]
        lines = max((len(w) for w in wrapped), default=1)
        df["label"] = [LABEL_BREAK.join(w) for w in wrapped]
        row_height = max(row_height, 8 + 16 * lines)
    # Vega trims a label's leading white space; a zero-width space in front keeps an indent.
    df["label"] = ["\u200b" + v if v[:1].isspace() else v for v in df["label"].astype(str)]
    if "commentary" not in df:
        df["commentary"] = ""
    df["commentary"] = df["commentary"].fillna("")
    order_q = [Period.from_key(k).label for k in sorted(df["period"].astype(int).unique())]
    sort_cols = ["row_order"] if "row_order" in df else ["priority_id", "ref"]
    order_y = list(dict.fromkeys(df.sort_values(sort_cols)["label"]))
    full_words = len(order_q) <= 6
    df["short"] = [s if full_words else SHORT_STATUS.get(s, s) for s in df["status"]]
    base = alt.Chart(df).encode(
        x=alt.X(
            "quarter:O",
            sort=order_q,
            title=None,
            axis=alt.Axis(orient="top", labelAngle=0, labelFontWeight="bold"),
        ),
        # Labels left-aligned so a split line's indent shows under its parent.
        y=alt.Y(
            "label:N",
            sort=order_y,
            title=None,
            axis=alt.Axis(
                labelLimit=0 if picture else label_width,
                labelAlign="left",
                labelBaseline="middle",
                labelPadding=label_width + 8,
                # A wrapped label is drawn a line at a time (a picture's full titles).
                labelExpr=f"split(datum.label, '{LABEL_BREAK}')" if picture else alt.Undefined,
            ),
        ),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "status:N",
            scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
            # On screen the status is written in every cell; a picture has a legend as well.
            legend=alt.Legend(title="Status", columns=3) if picture else None,
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
    chart = _configure(
        alt.layer(cells, text), width, max(60, row_height * len(order_y)), fit_x=True
    )
    # The width an image of it needs (see export_files.chart_spec): the labels, then a column per
    # quarter wide enough for its status in words, so nothing overlaps when there is no container.
    cell = _TIMELINE_CELL_WIDTH if full_words else _TIMELINE_SHORT_CELL_WIDTH
    return chart.properties(
        usermeta={EXPORT_WIDTH: label_width + 8 + cell * max(1, len(order_q)) + 12}
    )


LABEL_BREAK = "|"  # where a picture's wrapped axis label is split into lines


def _wrap_label(label: str, width: int) -> list[str]:
    """A row label over lines of at most about ``width`` characters; a leading indent (a split
    line's) kept on the first line and the rest indented to match. ``|`` in a title is written
    as a slash so it cannot split the label."""
    text = label.replace(LABEL_BREAK, "/")
    stripped = text.lstrip()
    indent = text[: len(text) - len(stripped)]
    wrapped = textwrap.wrap(stripped, width, break_long_words=True) or [stripped]
    # Vega trims a line's leading white space; a zero-width space in front keeps the indent.
    pad = "\u200b" + "\u00a0" * len(indent) if indent else ""
    return [indent + wrapped[0], *(pad + w for w in wrapped[1:])]


def describe_timeline(statuses: pd.DataFrame, period_label: str) -> str:
    """'Status of 4 flagship actions and lines in each quarter from Q1 2023-24 to Q3 2023-24; in Q3
    2023-24, 3 flagship action lines: 1 minor slippage, 2 on track.'

    ``statuses`` is :func:`harrow_dash.outputs.explore.timeline_frame`; the quarter's counts are
    :func:`harrow_dash.outputs.explore.status_counts` of its lines, the count the page's summary gives."""
    if statuses.empty:
        return "Flagship action timeline with no data."
    df = statuses.dropna(subset=["period"])
    first_q = Period.from_key(int(df["period"].min())).label
    last_q = Period.from_key(int(df["period"].max())).label
    rows = df["ref"].nunique()
    text = f"Status of {rows} flagship actions and lines in each quarter from {first_q} to {last_q}"
    now = df[[Period.from_key(int(k)).label == period_label for k in df["period"]]]
    if len(now):
        counts = status_counts(now.drop_duplicates("ref"))
        text += f"; in {period_label}, " + describe_status_counts(counts)
        return text + " A split action counts by its lines."
    return text + "."


def stacked_bar_html(
    counts: dict[str, int], colours: dict[str, str], description: str, height: int = 40
) -> str:
    """The same stacked bar as :func:`stacked_bar`, as plain HTML for pages that show many of them
    (drawn at once by the browser, no chart library). Only counts and our own labels go in; the
    bar is an image named by ``description`` for screen readers."""
    segments = []
    for group, n in counts.items():
        if not n:
            continue
        segments.append(
            f'<div title="{escape_html(group)}: {n}" style="flex:{n} 1 0;min-width:1.6em;'
            f"background:{colours[group]};color:#fff;font-weight:700;display:flex;"
            f'align-items:center;justify-content:center;border-right:2px solid #fff">{n}</div>'
        )
    return (
        f'<div role="img" aria-label="{escape_html(description)}" style="display:flex;'
        f'height:{height}px;font-size:{max(12, height // 2 - 2)}px;font-family:inherit">'
        + "".join(segments)
        + "</div>"
    )
