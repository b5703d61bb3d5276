"""The briefing pack: a Word document for a quarter and filters, laid out like the Strategic Performance
Report to Cabinet. Built with python-docx from :func:`harrow_dash.outputs.views.overview`, so it shows exactly
what the dashboard shows; charts are real PNG images rendered by vl-convert without a browser.

Structure: title and as-at date; the illustrative-data note (sample data only); the scope (filters in
words); "Summary of performance" with the overall flagship action and indicator RAG charts, the counts
in words and the counts by priority as tables; then for each priority its two RAG charts, a table of
flagship actions, a table of indicators, key achievements, areas for improvement and "Key challenges"
(every Red indicator with its commentary); the key to RAG ratings; a note on data protection. Where
figures of the quarter were revised after it was published, a "Revised figures" section after the
summary lists each one in scope: as published, as revised, when and why. "What we said we would do"
(:mod:`harrow_dash.outputs.follow_up`) follows: indicators Red two quarters running with no corrective
action, called out; last quarter's corrective actions with their status now, overdue first; and each
Red indicator with its open actions (public text only: internal notes stay on the dashboard).
Headings use Word's Heading 1 and 2 styles, so the document has a navigable outline.

No Streamlit here: the page's download button and ``harrow-dash briefing`` both call
:func:`build_briefing` (or :func:`briefing_document` with an overview already computed).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence

import pandas as pd
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table

from harrow_dash.outputs import follow_up as fu
from harrow_dash.outputs.charts import action_bar, describe_counts, rag_bar
from harrow_dash.outputs.comparisons import MeasureComparison, indicator_standings
from harrow_dash.outputs.export_files import ILLUSTRATIVE_NOTE, chart_png
from harrow_dash.outputs.export_files import briefing_file_name as file_name
from harrow_dash.outputs.palette import ACTION_GROUP_WORDS, CORRECTIVE_COLOURS, RAG_COLOURS
from harrow_dash.outputs.revisions import RevisedFigure, briefing_lines, facts_from, in_force
from harrow_dash.outputs.revisions import read as read_revisions
from harrow_dash.outputs.views import Overview, PrioritySummary, overview
from harrow_dash.rules.action_status import ACTION_GROUPS
from harrow_dash.rules.disclosure import RATING_WITHHELD_MEANING, WITHHELD_RAG, WITHHELD_WORDS
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.plan import COUNCIL_NAME, PLAN_NAME
from harrow_dash.rules.rag import Rag
from harrow_dash.rules.scope import scope_lines
from harrow_dash.rules.scorecard import NOT_RATED, RAG_ORDER, RuleSettings, rag_label
from harrow_dash.rules.suppression import SmallNumbers, small_numbers
from harrow_dash.store import Store
from harrow_dash.store.quarters import (
    no_action_status_text,
    no_indicator_values_text,
    nothing_reported_text,
)

REPORT_TITLE = "Strategic Performance Report"
FA_NOUN = "flagship action lines"
PI_NOUN = "performance indicators"
HEADER_FILL = "12436D"
CHART_WIDTH_CM = 16.0
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class NoBriefingData(ValueError):
    """Nothing to brief on: no quarter chosen, or no indicator or action matches the filters."""


# -- entry points -----------------------------------------------------------------------------------


def build_briefing(store: Store, filters: Filters, rules: RuleSettings) -> bytes:
    """The briefing pack (.docx bytes) for ``filters`` (its quarter and scope).

    Raise :class:`NoBriefingData` with a sentence when there is nothing to report."""
    if filters.period is None:
        raise NoBriefingData("Choose a quarter for the briefing pack.")
    if filters.period not in store.periods():
        raise NoBriefingData(f"There is no data for {filters.period.label}.")
    ov = overview(store, filters, rules)
    names = {int(r.id): str(r.name) for r in store.priorities().itertuples()}
    standings = indicator_standings(store, filters, rules.small_numbers)
    revised = in_force(read_revisions(store, [filters.period]), filters.period)
    return briefing_document(
        ov,
        filters,
        names,
        store.has_sample_data(),
        rules.small_numbers,
        revised=revised,
        standings=standings,
    )


def briefing_document(
    ov: Overview | None,
    filters: Filters,
    priority_names: Mapping[int, str],
    illustrative: bool,
    threshold: SmallNumbers | int = 5,
    today: dt.date | None = None,
    revised: Sequence[RevisedFigure] = (),
    standings: Mapping[str, MeasureComparison] | None = None,
) -> bytes:
    """The briefing pack from an overview already computed (the page passes its cached one).
    ``revised``: the quarter's revisions in force (:func:`harrow_dash.outputs.revisions.in_force`).
    ``standings`` (from :func:`harrow_dash.outputs.comparisons.indicator_standings`) adds each benchmarked
    indicator's rank and quartile among London boroughs."""
    if ov is None:
        raise NoBriefingData("Choose a quarter for the briefing pack.")
    if ov.nothing_reported:
        raise NoBriefingData(nothing_reported_text(ov.period))
    if ov.indicators.empty and ov.actions.empty:
        raise NoBriefingData(
            f"No indicators or flagship actions match these filters for {ov.period.label}."
        )
    doc = _new_document(ov, illustrative)
    _title(doc, ov, filters, priority_names, illustrative, today or dt.date.today())
    _summary(doc, ov)
    _revised_figures(doc, ov, revised, threshold)
    _follow_up(doc, ov)
    for ps in ov.priorities:
        _priority_section(doc, ov, ps, standings or {})
    _rag_key(doc)
    _data_protection(doc, threshold)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# -- document pieces --------------------------------------------------------------------------------


def clean(text: object) -> str:
    """User text as safe document text: no characters XML forbids; missing becomes empty."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return _ILLEGAL_XML.sub("", str(text)).strip()


def _new_document(ov: Overview, illustrative: bool):
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.top_margin = section.bottom_margin = Cm(2.0)
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    rpr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-GB")
    rpr.append(lang)
    for name, size in (("Title", 26), ("Heading 1", 16), ("Heading 2", 13)):
        st = styles[name]
        st.font.name = "Arial"
        st.font.size = Pt(size)
        st.font.color.rgb = (
            RGBColor(0x0B, 0x0C, 0x0C) if name == "Title" else RGBColor(0x12, 0x43, 0x6D)
        )
    props = doc.core_properties
    props.title = f"{REPORT_TITLE}: {ov.period.long_label}"
    props.subject = f"{COUNCIL_NAME} performance {ov.period.as_at}"
    props.author = f"{COUNCIL_NAME} performance dashboard"
    props.language = "en-GB"
    footer = section.footer.paragraphs[0]
    footer.text = f"{COUNCIL_NAME} \u00b7 {REPORT_TITLE} \u00b7 {ov.period.label}" + (
        " \u00b7 Illustrative sample data" if illustrative else ""
    )
    footer.runs[0].font.size = Pt(9)
    footer.add_run(" \u00b7 Page ").font.size = Pt(9)
    _page_number(footer)
    return doc


def _page_number(paragraph) -> None:
    run = paragraph.add_run()
    run.font.size = Pt(9)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def action_title(row: object) -> str:
    """A flagship action's title; a split line's says which action it is part of."""
    title = str(getattr(row, "title", ""))
    parent_ref = getattr(row, "parent_ref", None)
    parent_title = getattr(row, "parent_title", None)
    if (
        isinstance(parent_ref, str)
        and parent_ref
        and isinstance(parent_title, str)
        and parent_title
    ):
        return f"{title} (part of {parent_ref}: {parent_title})"
    return title


def _title(
    doc,
    ov: Overview,
    filters: Filters,
    names: Mapping[int, str],
    illustrative: bool,
    today: dt.date,
) -> None:
    doc.add_paragraph(f"{REPORT_TITLE}: {ov.period.long_label}", style="Title")
    p = doc.add_paragraph()
    p.add_run(f"{COUNCIL_NAME} \u00b7 {PLAN_NAME}").bold = True
    p.add_run(f"\nPosition {ov.period.as_at}")
    if illustrative:
        note = doc.add_paragraph()
        run = note.add_run(ILLUSTRATIVE_NOTE)
        run.bold = True
        _shade_paragraph(note, "FFF2CC")
    scope = scope_lines(filters, names, ov.unplaced_highlights)
    p = doc.add_paragraph()
    p.add_run("Scope: ").bold = True
    p.add_run(" ".join(line if line.endswith(".") else line + "." for line in scope))
    doc.add_paragraph(
        f"Prepared from the {COUNCIL_NAME} performance dashboard on "
        f"{today.day} {today.strftime('%B')} {today.year}."
    )


def _summary(doc, ov: Overview) -> None:
    doc.add_heading("Summary of performance", level=1)
    fa_sentence = describe_counts(ov.action_counts, FA_NOUN, ACTION_GROUP_WORDS)
    pi_sentence = describe_counts(ov.indicator_counts, PI_NOUN)
    doc.add_paragraph(
        f"This report sets out the council's performance against the corporate plan, "
        f"{PLAN_NAME}, {ov.period.as_at}."
    )
    doc.add_heading("Flagship actions", level=2)
    if ov.actions_reported:
        _chart(doc, ov.action_counts, "action", "All flagship action lines", fa_sentence)
    else:
        doc.add_paragraph(no_action_status_text(ov.period))
    doc.add_heading("Performance indicators", level=2)
    if ov.indicators_reported:
        _chart(doc, ov.indicator_counts, "rag", "All performance indicators", pi_sentence)
    else:
        doc.add_paragraph(no_indicator_values_text(ov.period))
    if not ov.rag_changes.empty:
        better = int((ov.rag_changes["direction"] == "better").sum())
        worse = int((ov.rag_changes["direction"] == "worse").sum())
        doc.add_paragraph(
            f"Since last quarter, {_n(better, 'indicator')} moved to a better RAG rating and "
            f"{_n(worse, 'indicator')} to a worse one."
        )
    doc.add_heading("Counts by priority", level=2)
    fa_rows = [
        [f"Priority {ps.priority_id}: {ps.name}"]
        + [str(ps.action_counts[g]) for g in ACTION_GROUPS]
        for ps in ov.priorities
    ]
    fa_rows.append(["All priorities"] + [str(ov.action_counts[g]) for g in ACTION_GROUPS])
    _table(
        doc,
        ["Flagship action lines"] + [ACTION_GROUP_WORDS[g].capitalize() for g in ACTION_GROUPS],
        fa_rows,
        [4.6, 2.3, 2.2, 2.3, 2.2, 3.4],
        caption="Flagship action lines by status and priority",
    )
    pi_rows = [
        [f"Priority {ps.priority_id}: {ps.name}"] + [str(ps.indicator_counts[g]) for g in RAG_ORDER]
        for ps in ov.priorities
    ]
    pi_rows.append(["All priorities"] + [str(ov.indicator_counts[g]) for g in RAG_ORDER])
    _table(
        doc,
        ["Performance indicators"] + RAG_ORDER,
        pi_rows,
        [6.0, 2.2, 2.2, 2.2, 2.2, 2.2],
        caption="Performance indicators by RAG rating and priority",
    )


def _priority_section(
    doc, ov: Overview, ps: PrioritySummary, standings: Mapping[str, MeasureComparison]
) -> None:
    heading = doc.add_heading(f"Priority {ps.priority_id}: {ps.name}", level=1)
    # Each priority after the first starts a page, as the report's sections do.
    heading.paragraph_format.page_break_before = ps is not ov.priorities[0]
    acts = _rows_for(ov.actions, ps.priority_id)
    inds = _rows_for(ov.indicators, ps.priority_id)
    doc.add_heading("RAG summary", level=2)
    no_actions = (
        "No flagship actions match these filters."
        if ov.actions_reported
        else no_action_status_text(ov.period)
    )
    no_indicators = (
        "No indicators match these filters."
        if ov.indicators_reported
        else no_indicator_values_text(ov.period)
    )
    if sum(ps.action_counts.values()):
        sentence = describe_counts(ps.action_counts, FA_NOUN, ACTION_GROUP_WORDS)
        _chart(doc, ps.action_counts, "action", "Flagship action lines", sentence, small=True)
    else:
        doc.add_paragraph(no_actions)
    if sum(ps.indicator_counts.values()):
        sentence = describe_counts(ps.indicator_counts, PI_NOUN)
        _chart(doc, ps.indicator_counts, "rag", "Performance indicators", sentence, small=True)
    else:
        doc.add_paragraph(no_indicators)

    doc.add_heading("Flagship actions", level=2)
    if acts.empty:
        doc.add_paragraph(no_actions)
    else:
        _table(
            doc,
            ["Ref", "Flagship action", "Status", "Commentary"],
            [
                [
                    clean(r.ref),
                    clean(action_title(r)),
                    clean(r.status),
                    clean(r.commentary) or "\u2013",
                ]
                for r in acts.itertuples()
            ],
            [1.8, 5.2, 2.6, 7.4],
            caption=f"Flagship actions, priority {ps.priority_id}",
        )

    doc.add_heading("Performance indicators", level=2)
    if inds.empty:
        doc.add_paragraph(no_indicators)
    else:
        table = _table(
            doc,
            ["Ref", "Indicator", "Actual", "Target", "RAG", "Direction of travel"],
            [
                [
                    clean(r.ref),
                    clean(r.name),
                    clean(r.actual_text),
                    clean(r.target_text),
                    rag_label(r.rag),
                    clean(r.travel_text),
                ]
                for r in inds.itertuples()
            ],
            [1.6, 5.2, 2.6, 2.4, 2.2, 3.0],
            caption=f"Performance indicators, priority {ps.priority_id}",
        )
        for i, rag in enumerate(inds["rag"], start=1):
            if rag in RAG_COLOURS and rag not in (NOT_RATED, WITHHELD_RAG):
                _colour_cell(table.rows[i].cells[4], RAG_COLOURS[rag])
        doc.add_paragraph(
            "Direction of travel compares the actual with last quarter's, or, for a cumulative or "
            "seasonal measure, with the same quarter a year earlier; it is judged by what good "
            "looks like for each indicator (for some, lower is better).",
            style="Caption",
        )
    _comparison_table(doc, ov, ps, standings)

    items = ov.highlights
    items = items[items["priority_id"] == ps.priority_id] if len(items) else items
    for heading, kind, none_text in (
        ("Key achievements", "achievement", "No achievements have been recorded"),
        ("Areas for improvement", "improvement", "No areas for improvement have been recorded"),
    ):
        doc.add_heading(heading, level=2)
        texts = [clean(t) for t in items.loc[items["kind"] == kind, "text"]] if len(items) else []
        texts = [t for t in texts if t]
        if texts:
            for t in texts:
                doc.add_paragraph(t, style="List Bullet")
        else:
            doc.add_paragraph(f"{none_text} for this priority in {ov.period.label}.")

    doc.add_heading("Key challenges", level=2)
    reds = inds[inds["rag"] == Rag.RED.value] if len(inds) else inds
    if reds.empty:
        doc.add_paragraph("No indicator in this priority is rated Red.")
    for r in reds.itertuples():
        p = doc.add_paragraph()
        p.paragraph_format.keep_with_next = True
        p.add_run(f"{clean(r.ref)} {clean(r.name)}").bold = True
        p.add_run(
            f" \u2013 {clean(r.actual_text)} against a target of {clean(r.target_text)} "
            f"({rag_label(r.rag)}; {clean(r.travel_text)})."
        )
        commentary = clean(r.commentary)
        doc.add_paragraph(commentary or "No commentary was supplied.", style="Quote")


def _comparison_table(
    doc, ov: Overview, ps: PrioritySummary, standings: Mapping[str, MeasureComparison]
) -> None:
    """The priority's benchmarked indicators: rank and quartile in the comparison group."""
    inds = _rows_for(ov.indicators, ps.priority_id)
    rows = [standings[r] for r in (inds["ref"] if len(inds) else []) if r in standings]
    if not rows:
        return
    doc.add_heading("How Harrow compares", level=2)
    _table(
        doc,
        ["Ref", "Indicator", "Rank and quartile", "Period compared", "Benchmarks"],
        [
            [
                clean(c.ref),
                clean(c.indicator),
                clean(
                    c.standing.describe(c.group.noun)
                    if c.standing is not None
                    else "No comparator figures"
                ),
                clean(c.period_label if c.period_key is not None else "none"),
                clean("; ".join(f"{name} {value}" for name, value in c.benchmarks)),
            ]
            for c in rows
        ],
        [1.4, 4.4, 5.2, 2.4, 3.0],
        caption=f"Comparison with {rows[0].group.name}, priority {ps.priority_id}",
    )
    doc.add_paragraph(
        "Rank 1 is best, judged by each indicator's polarity; comparator figures are the latest "
        "published for other councils that had ended by the quarter (illustrative in the sample).",
        style="Caption",
    )


def _revised_figures(
    doc, ov: Overview, revised: Sequence[RevisedFigure], threshold: SmallNumbers | int
) -> None:
    """The quarter's published figures revised since, for the indicators and actions in scope."""
    refs = set(ov.indicators["ref"]) if "ref" in ov.indicators else set()
    actions = set(ov.actions["ref"]) if "ref" in ov.actions else set()
    priorities = {str(ps.priority_id) for ps in ov.priorities}
    shown = [
        f
        for f in revised
        if f.period == ov.period
        and (
            (f.table == "indicator_values" and f.item in refs)
            or (f.table == "action_statuses" and f.item in actions)
            or (f.table == "highlights" and f.item.split(" ")[0] in priorities)
        )
    ]
    if not shown:
        return
    doc.add_heading("Revised figures", level=1)
    doc.add_paragraph(
        f"These figures for {ov.period.label} were revised after the quarter was published. This "
        "report shows them as revised; each line gives the figure as published."
    )
    for line in briefing_lines(shown, facts_from(ov.indicators), threshold):
        doc.add_paragraph(clean(line), style="List Bullet")


def _follow_up(doc, ov: Overview) -> None:
    """'What we said we would do': the follow-up every output lays out (:mod:`harrow_dash.outputs.follow_up`)."""
    follow = ov.follow_up
    if follow is None:
        return
    doc.add_heading(fu.HEADING, level=1)
    doc.add_paragraph(
        f"What Cabinet agreed to do about performance that was off track, and where each action "
        f"stands at {ov.period.as_at}. {follow.summary()}"
    )
    if follow.called_out:
        doc.add_heading("Red two quarters running with no open action", level=2)
        for r in follow.called_out:  # each line starts with its flag, a symbol and words
            doc.add_paragraph().add_run(clean(fu.call_out_line(r))).bold = True
    doc.add_heading(f"Actions from last quarter: status at {ov.period.label}", level=2)
    if not follow.last_quarter:
        doc.add_paragraph(fu.NO_LAST_QUARTER)
    else:
        table = _table(
            doc,
            ["Status now", "Action", "About", "Owner", "Due", "Latest update"],
            [
                [
                    a.status_text,
                    clean(f"{a.action_id}: {a.action}"),
                    clean(a.subject),
                    clean(a.owner) or "\u2013",
                    a.due_period.label,
                    clean(fu.action_detail(a)) or "\u2013",
                ]
                for a in follow.last_quarter
            ],
            [2.4, 4.6, 3.2, 2.2, 1.8, 2.8],
            caption=f"Corrective actions from last quarter, status at {ov.period.label}",
        )
        for i, a in enumerate(follow.last_quarter, start=1):
            _colour_cell(table.rows[i].cells[0], CORRECTIVE_COLOURS[a.status.value])
    doc.add_heading("Indicators rated Red and their actions", level=2)
    if not follow.red:
        doc.add_paragraph(fu.NO_RED)
    else:
        _table(
            doc,
            ["Indicator", "Red last quarter", "Open corrective actions"],
            [
                [
                    clean(f"{r.ref} {r.name}"),
                    "Yes" if r.red_last_quarter else "No",
                    clean(fu.actions_text(r)),
                ]
                for r in follow.red
            ],
            [7.0, 3.0, 7.0],
            caption=f"Indicators rated Red at {ov.period.label} and their open corrective actions",
        )


def _rag_key(doc) -> None:
    doc.add_heading("Key to RAG ratings", level=1)
    rows = [[rag_label(r.value), r.meaning.capitalize()] for r in Rag]
    rows.append([rag_label(WITHHELD_RAG), RATING_WITHHELD_MEANING.capitalize()])
    rows.append([rag_label(None), "No actual or no target this quarter, so no rating"])
    table = _table(doc, ["Rating", "Meaning"], rows, [4.0, 13.0], caption="Key to RAG ratings")
    for i, r in enumerate(Rag, start=1):
        _colour_cell(table.rows[i].cells[0], RAG_COLOURS[r.value])
    doc.add_paragraph(
        "Amber means the target was missed by no more than the indicator's tolerance (5% of the "
        "target unless set otherwise). A RAG rating supplied with the data is the official one. "
        "Flagship actions are Complete, On track (green), Minor slippage (amber), Off track (red), "
        "or Not started / not yet due (grey)."
    )


def _data_protection(doc, threshold: SmallNumbers | int) -> None:
    doc.add_heading("Data protection", level=1)
    doc.add_paragraph(
        "This report contains aggregated figures only: no individual can be identified from it. "
        f"{small_numbers(threshold).note} A total that would let a suppressed figure be worked out "
        "by subtraction is suppressed too. A rating, direction of travel or ranking worked out "
        "from a suppressed figure is given only where it would be the "
        f"same whatever the hidden figure is; otherwise it reads \u201c{WITHHELD_WORDS}\u201d."
    )


# -- helpers ----------------------------------------------------------------------------------------


def _n(n: int, noun: str) -> str:
    if n == 0:
        return f"no {noun}"
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _rows_for(frame: pd.DataFrame, priority_id: int) -> pd.DataFrame:
    if frame.empty or "priority_id" not in frame.columns:
        return frame
    return frame[frame["priority_id"] == priority_id]


def _chart(
    doc, counts: dict[str, int], kind: str, title: str, sentence: str, small: bool = False
) -> None:
    """A RAG bar as a PNG picture with alt text, followed by its counts in words."""
    if sum(counts.values()):
        bar = action_bar if kind == "action" else rag_bar
        chart = bar(counts, title=title, width=600, height=38 if small else 48)
        png = chart_png(chart, width=600, scale=2, description=sentence)
        doc.add_picture(io.BytesIO(png), width=Cm(CHART_WIDTH_CM if not small else 14.0))
        shape = doc.inline_shapes[-1]
        doc_pr = shape._inline.docPr
        doc_pr.set("descr", sentence)
        doc_pr.set("title", title)
    doc.add_paragraph(sentence)


def _table(
    doc,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_cm: Sequence[float],
    caption: str,
) -> Table:
    """A grid table with a shaded header row that repeats on each page."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    _table_caption(table, caption)
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    head = table.rows[0]
    _repeat_header(head)
    for cell, text, width in zip(head.cells, headers, widths_cm, strict=True):
        cell.width = Cm(width)
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        _shade_cell(cell, HEADER_FILL)
    for values in rows:
        cells = table.add_row().cells
        for cell, text, width in zip(cells, values, widths_cm, strict=True):
            cell.width = Cm(width)
            cell.text = text
            for para in cell.paragraphs:
                para.paragraph_format.space_after = Pt(0)
                for run in para.runs:
                    run.font.size = Pt(10)
    if len(rows) <= 8:  # keep a short table on one page
        for row in table.rows[:-1]:
            for cell in row.cells:
                for para in cell.paragraphs:
                    para.paragraph_format.keep_with_next = True
    doc.add_paragraph()
    return table


def _table_caption(table: Table, caption: str) -> None:
    """An accessible table caption (Word's 'Title' and 'Description' on the table)."""
    tbl_pr = table._tbl.tblPr
    for tag, value in (("w:tblCaption", caption), ("w:tblDescription", caption)):
        el = OxmlElement(tag)
        el.set(qn("w:val"), value)
        tbl_pr.append(el)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _shade_cell(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _colour_cell(cell, colour: str) -> None:
    """RAG cell: the RAG colour with bold white text (the word and icon are there too)."""
    _shade_cell(cell, colour.lstrip("#"))
    for para in cell.paragraphs:
        for run in para.runs:
            run.bold = True
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)


def _shade_paragraph(paragraph, fill: str) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    p_pr.append(shd)


__all__ = [
    "NoBriefingData",
    "build_briefing",
    "briefing_document",
    "file_name",
    "clean",
]
