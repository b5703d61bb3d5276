"""The briefing pack: open the generated .docx with python-docx and check its structure and content for
Q3 2023-24 on the sample data against what views.overview computes from the database."""

from __future__ import annotations

import io
import shutil
import time
from collections import defaultdict

import pytest
import sqlalchemy as sa
from docx import Document

from harrow_dash.outputs.briefing import (
    NoBriefingData,
    briefing_document,
    build_briefing,
    file_name,
)
from harrow_dash.outputs.charts import describe_counts
from harrow_dash.outputs.export_files import ILLUSTRATIVE_NOTE
from harrow_dash.outputs.palette import ACTION_GROUP_WORDS
from harrow_dash.outputs.views import overview
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RuleSettings, rag_label
from harrow_dash.store import Store, schema

Q3 = parse_period("Q3 2023-24")
RULES = RuleSettings()
PRIORITY_SUBHEADINGS = [
    "RAG summary",
    "Flagship actions",
    "Performance indicators",
    "How Harrow compares",
    "Key achievements",
    "Areas for improvement",
    "Key challenges",
]


def open_doc(data: bytes):
    return Document(io.BytesIO(data))


def headings(doc) -> list[tuple[int, str]]:
    out = []
    for p in doc.paragraphs:
        name = p.style.name
        if name.startswith("Heading "):
            out.append((int(name.split()[1]), p.text))
    return out


def sections(doc) -> dict[tuple[str, str], list[str]]:
    """Paragraph texts under each (Heading 1, Heading 2)."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    h1 = h2 = ""
    for p in doc.paragraphs:
        name = p.style.name
        if name == "Heading 1":
            h1, h2 = p.text, ""
        elif name == "Heading 2":
            h2 = p.text
        elif p.text.strip():
            out[(h1, h2)].append(p.text)
    return out


def table_rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        parts += ["\t".join(r) for r in table_rows(t)]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def q3(sample_db_file, tmp_path_factory):
    """The overview and the briefing pack for Q3 2023-24, built once for the read-only tests."""
    path = tmp_path_factory.mktemp("briefing") / "sample.duckdb"
    shutil.copyfile(sample_db_file, path)
    store = Store(f"duckdb:///{path}")
    try:
        ov = overview(store, Filters(period=Q3), RULES)
        doc = open_doc(build_briefing(store, Filters(period=Q3), RULES))
        assert store.has_sample_data()
    finally:
        store.dispose()
    return ov, doc


def test_title_as_at_date_and_illustrative_note(q3) -> None:
    _ov, doc = q3
    title = next(p for p in doc.paragraphs if p.style.name == "Title")
    assert "Strategic Performance Report" in title.text and "Quarter 3 2023-24" in title.text
    text = all_text(doc)
    assert "as at 31 December 2023" in text
    assert ILLUSTRATIVE_NOTE in text
    assert "All priorities, directorates and portfolios" in text
    assert doc.core_properties.title == "Strategic Performance Report: Quarter 3 2023-24"


def test_heading_structure_follows_the_cabinet_report(q3) -> None:
    ov, doc = q3
    hs = headings(doc)
    level1 = [t for level, t in hs if level == 1]
    priorities = [f"Priority {ps.priority_id}: {ps.name}" for ps in ov.priorities]
    assert len(priorities) == 3
    assert level1 == [
        "Summary of performance",
        "What we said we would do",
        *priorities,
        "Key to RAG ratings",
        "Data protection",
    ]
    # Under each priority, its sub-headings in the report's order.
    for title in priorities:
        start = hs.index((1, title))
        below = []
        for level, text in hs[start + 1 :]:
            if level == 1:
                break
            below.append(text)
        assert below == PRIORITY_SUBHEADINGS
    summary = hs[: hs.index((1, priorities[0]))]
    assert (2, "Flagship actions") in summary and (2, "Performance indicators") in summary


def test_summary_counts_match_the_database(q3) -> None:
    ov, doc = q3
    assert sum(ov.indicator_counts.values()) == len(ov.indicators) == 45
    assert sum(ov.action_counts.values()) == len(ov.actions)
    summary = sections(doc)
    fa = describe_counts(ov.action_counts, "flagship action lines", ACTION_GROUP_WORDS)
    pi = describe_counts(ov.indicator_counts, "performance indicators")
    assert fa in summary[("Summary of performance", "Flagship actions")]
    assert pi in summary[("Summary of performance", "Performance indicators")]
    assert pi.startswith("45 performance indicators: ")
    # The counts-by-priority tables: each priority's row and the total row.
    tables = {table_rows(t)[0][0]: table_rows(t) for t in doc.tables}
    fa_rows = {r[0]: [int(x) for x in r[1:]] for r in tables["Flagship action lines"][1:]}
    pi_rows = {r[0]: [int(x) for x in r[1:]] for r in tables["Performance indicators"][1:]}
    assert fa_rows["All priorities"] == list(ov.action_counts.values())
    assert pi_rows["All priorities"] == list(ov.indicator_counts.values())
    for ps in ov.priorities:
        label = f"Priority {ps.priority_id}: {ps.name}"
        assert fa_rows[label] == list(ps.action_counts.values())
        assert pi_rows[label] == list(ps.indicator_counts.values())
        assert (
            describe_counts(ps.indicator_counts, "performance indicators")
            in summary[(label, "RAG summary")]
        )


def test_every_indicator_and_action_is_in_its_priority_table(q3) -> None:
    ov, doc = q3
    ind_tables = [
        table_rows(t) for t in doc.tables if table_rows(t)[0][:3] == ["Ref", "Indicator", "Actual"]
    ]
    act_tables = [
        table_rows(t) for t in doc.tables if table_rows(t)[0][:2] == ["Ref", "Flagship action"]
    ]
    assert len(ind_tables) == len(act_tables) == 3
    assert ind_tables[0][0] == [
        "Ref",
        "Indicator",
        "Actual",
        "Target",
        "RAG",
        "Direction of travel",
    ]
    assert act_tables[0][0] == ["Ref", "Flagship action", "Status", "Commentary"]
    for ps, table in zip(ov.priorities, ind_tables, strict=True):
        expected = ov.indicators[ov.indicators["priority_id"] == ps.priority_id]
        assert [r[0] for r in table[1:]] == list(expected["ref"])
        for row, ind in zip(table[1:], expected.itertuples(), strict=True):
            assert row[2] == ind.actual_text
            assert row[3] == ind.target_text
            assert row[4] == rag_label(ind.rag)  # RAG in words (with its icon)
            assert row[5] == ind.travel_text
    for ps, table in zip(ov.priorities, act_tables, strict=True):
        expected = ov.actions[ov.actions["priority_id"] == ps.priority_id]
        assert [r[0] for r in table[1:]] == list(expected["ref"])
        assert [r[2] for r in table[1:]] == list(expected["status"])


def test_suppressed_counts_read_fewer_than_5(q3) -> None:
    ov, doc = q3
    rows = {
        r[0]: r for t in doc.tables for r in table_rows(t) if table_rows(t)[0][2:3] == ["Actual"]
    }
    hidden = ov.indicators[ov.indicators["suppressed"].astype(bool)]
    assert len(hidden) >= 2
    for ref in hidden["ref"]:
        assert rows[ref][2] == "fewer than 5"


def test_every_red_indicator_is_a_key_challenge_with_its_commentary(q3) -> None:
    ov, doc = q3
    by_section = sections(doc)
    reds = ov.indicators[ov.indicators["rag"] == "Red"]
    assert len(reds) == 9
    for ps in ov.priorities:
        text = "\n".join(by_section[(f"Priority {ps.priority_id}: {ps.name}", "Key challenges")])
        mine = reds[reds["priority_id"] == ps.priority_id]
        for r in mine.itertuples():
            assert f"{r.ref} {r.name}" in text
            assert r.commentary in text
        others = ov.indicators[
            (ov.indicators["priority_id"] == ps.priority_id) & (ov.indicators["rag"] != "Red")
        ]
        for ref in others["ref"]:
            assert f"{ref} " not in text


def test_achievements_and_improvements_per_priority(q3) -> None:
    ov, doc = q3
    by_section = sections(doc)
    hl = ov.highlights
    for ps in ov.priorities:
        title = f"Priority {ps.priority_id}: {ps.name}"
        for heading, kind in (
            ("Key achievements", "achievement"),
            ("Areas for improvement", "improvement"),
        ):
            expected = list(
                hl[(hl["priority_id"] == ps.priority_id) & (hl["kind"] == kind)]["text"]
            )
            assert expected
            assert by_section[(title, heading)] == expected


def test_charts_are_embedded_pictures_with_alt_text(q3) -> None:
    _ov, doc = q3
    shapes = doc.inline_shapes
    assert len(shapes) == 2 + 2 * 3  # overall FA and PI, then two per priority
    for shape in shapes:
        descr = shape._inline.docPr.get("descr")
        assert descr and ":" in descr  # "45 performance indicators: 24 green, ..."
    images = [r for r in doc.part.rels.values() if "image" in r.reltype]
    assert len(images) >= 1
    assert all(r.target_part.content_type == "image/png" for r in images)
    assert all(r.target_part.blob.startswith(b"\x89PNG") for r in images)


def test_rag_key_and_data_protection(q3) -> None:
    _ov, doc = q3
    by_section = sections(doc)
    key = next(table_rows(t) for t in doc.tables if table_rows(t)[0] == ["Rating", "Meaning"])
    assert [r[0].split()[-1] for r in key[1:4]] == ["Green", "Amber", "Red"]
    protection = " ".join(by_section[("Data protection", "")])
    assert "aggregated" in protection and "fewer than 5" in protection
    assert "a hidden count is between 0 and 4." in protection  # zero suppressed: the default


def test_a_zero_count_is_hidden_in_the_pack_unless_suppress_zero_is_off(sample_store) -> None:
    """PI-39 is 0 in Q3 2023-24: "fewer than 5" by default; 0 with the setting off, and the data
    protection section then says a hidden count is 1 to 4 and a 0 is shown."""

    def pi39_and_protection(rules: RuleSettings) -> tuple[str, str]:
        doc = open_doc(build_briefing(sample_store, Filters(period=Q3), rules))
        rows = {
            r[0]: r
            for t in doc.tables
            for r in table_rows(t)
            if table_rows(t)[0][2:3] == ["Actual"]
        }
        return rows["PI-39"][2], " ".join(sections(doc)[("Data protection", "")])

    actual, protection = pi39_and_protection(RuleSettings())
    assert actual == "fewer than 5" and "between 0 and 4" in protection
    actual, protection = pi39_and_protection(RuleSettings(suppress_zero=False))
    assert actual == "0"
    assert "a hidden count is between 1 and 4; a count of 0 is shown as 0." in protection


def test_filtered_pack_has_only_the_chosen_priority(sample_store) -> None:
    filters = Filters(period=Q3, priorities=(2,))
    doc = open_doc(build_briefing(sample_store, filters, RULES))
    level1 = [t for level, t in headings(doc) if level == 1]
    assert level1 == [
        "Summary of performance",
        "What we said we would do",
        "Priority 2: A borough that is clean and safe",
        "Key to RAG ratings",
        "Data protection",
    ]
    assert "Priority: A borough that is clean and safe" in all_text(doc)
    ov = overview(sample_store, filters, RULES)
    pi = describe_counts(ov.indicator_counts, "performance indicators")
    assert pi in sections(doc)[("Summary of performance", "Performance indicators")]


def test_no_illustrative_note_for_real_data(sample_store) -> None:
    ov = overview(sample_store, Filters(period=Q3), RULES)
    names = {1: "One", 2: "Two", 3: "Three"}
    doc = open_doc(briefing_document(ov, Filters(period=Q3), names, illustrative=False))
    assert ILLUSTRATIVE_NOTE not in all_text(doc)


def test_no_data_is_refused_with_a_sentence(sample_store) -> None:
    with pytest.raises(NoBriefingData, match="There is no data for Q1 2030-31"):
        build_briefing(sample_store, Filters(period=parse_period("Q1 2030-31")), RULES)
    nothing = Filters(period=Q3, priorities=(1,), directorates=("People - Adults",))
    with pytest.raises(NoBriefingData, match="No indicators or flagship actions match"):
        build_briefing(sample_store, nothing, RULES)
    with pytest.raises(NoBriefingData):
        build_briefing(sample_store, Filters(period=None), RULES)


def test_user_text_is_kept_as_text(sample_store) -> None:
    """Commentary with markup and control characters goes in as literal text, without failing."""
    evil = '<b>bold</b> =HYPERLINK("x") \x07bell'
    h = schema.highlights
    mine = (h.c.period == Q3.key) & (h.c.priority_id == 1) & (h.c.kind == "achievement")
    with sample_store.begin() as conn:
        first = conn.execute(sa.select(h.c.text).where(mine).order_by(h.c.text)).scalars().first()
        conn.execute(sa.update(h).where(mine & (h.c.text == first)).values(text=evil))
    doc = open_doc(build_briefing(sample_store, Filters(period=Q3), RULES))
    achievements = sections(doc)[
        ("Priority 1: A council that puts residents first", "Key achievements")
    ]
    assert '<b>bold</b> =HYPERLINK("x") bell' in achievements


def test_file_name() -> None:
    assert file_name(Filters(period=Q3)) == "harrow_briefing_Q3_2023-24.docx"


def test_builds_within_the_target(sample_store) -> None:
    """The whole sample quarter in under 5 s of this process's CPU time (CPU time, not wall time, so
    a busy test machine does not make it flaky; ``make bench`` reports the wall time)."""
    build_briefing(sample_store, Filters(period=Q3), RULES)  # warm: vl-convert starts once
    start = time.process_time()
    build_briefing(sample_store, Filters(period=Q3), RULES)
    assert time.process_time() - start < 5.0


def test_split_lines_name_the_action_they_are_part_of(q3) -> None:
    """FA-10a and FA-10b report one flagship action in two lines: each says which action."""
    _, doc = q3
    rows = {
        r[0]: r[1]
        for t in doc.tables
        if table_rows(t)[0][:2] == ["Ref", "Flagship action"]
        for r in table_rows(t)[1:]
    }
    parent = "Install at least 15 mobile CCTV cameras at crime and fly-tipping hotspots"
    assert rows["FA-10a"] == f"Install the first 10 mobile CCTV cameras (part of FA-10: {parent})"
    assert rows["FA-10b"].endswith(f"(part of FA-10: {parent})")
    assert "(part of" not in rows["FA-01"]  # an action reported whole
