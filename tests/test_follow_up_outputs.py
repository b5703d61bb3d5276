"""'What we said we would do' in every output, from the sample data in a real DuckDB file: the Overview
and Priorities pages (AppTest, internal and public mode), the Indicators and Flagship actions pages'
detail, the briefing pack (the .docx text) and the slides; filters; and action text from a file shown as
typed everywhere."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from apptest_helpers import AppEnv, app_env, run_page, small_tables, unescape
from docx import Document

from harrow_dash.formats.textsafe import escape_html
from harrow_dash.outputs import follow_up as fu
from harrow_dash.outputs import slides, views
from harrow_dash.outputs.briefing import build_briefing
from harrow_dash.rules.corrective_status import CorrectiveStatus, follow_up_rank
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period, parse_period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store, schema

Q3 = parse_period("Q3 2023-24")
RULES = RuleSettings()
EVIL = "<script>alert(1)</script> **bold** [link](https://evil.example) :red[x] $x$"
NOTE = "Officers only: the contractor is in administration."


@pytest.fixture
def db(sample_db_file: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "sample.duckdb"
    shutil.copyfile(sample_db_file, path)
    store = Store(f"duckdb:///{path}")
    yield store
    store.dispose()


@pytest.fixture
def env(db: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[AppEnv]:
    db.dispose()
    yield from app_env(monkeypatch, tmp_path, db.url)


def _follow(db: Store, filters: Filters | None = None) -> fu.FollowUp:
    ov = views.overview(db, filters or Filters(period=Q3), RULES)
    assert ov is not None and ov.follow_up is not None
    return ov.follow_up


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        parts += ["\t".join(c.text for c in row.cells) for row in t.rows]
    return "\n".join(parts)


def _set_action(db: Store, action_id: str, **values: object) -> None:
    t = schema.corrective_actions
    with db.engine.begin() as conn:
        conn.execute(sa.update(t).where(t.c.action_id == action_id).values(**values))


def test_the_sample_follows_up_overdue_done_and_a_red_indicator_with_no_action(db: Store) -> None:
    """The sample exercises each case: without them the tests below would protect nothing."""
    follow = _follow(db)
    statuses = [a.status for a in follow.last_quarter]
    assert CorrectiveStatus.OVERDUE in statuses and CorrectiveStatus.DONE in statuses
    assert [follow_up_rank(s) for s in statuses] == sorted(follow_up_rank(s) for s in statuses)
    assert statuses[0] is CorrectiveStatus.OVERDUE
    assert follow.called_out, "the sample needs an indicator Red two quarters running, no action"
    assert any(r.has_action for r in follow.red)
    assert all(r.red_last_quarter and not r.actions for r in follow.called_out)


def test_the_briefing_pack_and_the_slides_lay_out_the_same_follow_up(db: Store) -> None:
    follow = _follow(db)
    text = _docx_text(build_briefing(db, Filters(period=Q3), RULES))
    assert "\nWhat we said we would do\n" in f"\n{text}\n"
    assert follow.summary() in text
    for a in follow.last_quarter:
        assert f"{a.status_text}\t{a.action_id}: {a.action}" in text
    for r in follow.called_out:
        assert fu.call_out_line(r) in text
    ov = views.overview(db, Filters(period=Q3), RULES)
    assert ov is not None
    deck = slides.build_deck(ov)
    shown = [s for s in deck.slides if s.kind == "followup"]
    assert shown and shown[0].title == fu.HEADING
    assert deck.slides[-1].kind == "followup"  # last: earlier slides keep their numbers
    items = {
        kind: [i for s in shown for sec in s.sections if sec.kind == kind for i in sec.items]
        for kind in ("callout", "followup", "redactions")
    }
    assert [i.ref for i in items["followup"]] == [a.action_id for a in follow.last_quarter]
    assert [i.badge for i in items["followup"]] == [
        a.status.value.capitalize() for a in follow.last_quarter
    ]
    assert [i.ref for i in items["callout"]] == [r.ref for r in follow.called_out]
    assert {i.ref for i in items["redactions"]} | {i.ref for i in items["callout"]} == {
        r.ref for r in follow.red
    }


def test_filters_narrow_the_follow_up_in_the_overview_and_on_the_priorities_page(
    db: Store,
) -> None:
    everything = _follow(db)
    for pid in (1, 2, 3):
        filters = Filters(period=Q3, priorities=(pid,))
        mine = _follow(db, filters)
        expected = everything.for_priority(pid)
        assert [a.action_id for a in mine.last_quarter] == [
            a.action_id for a in expected.last_quarter
        ]
        assert [r.ref for r in mine.red] == [r.ref for r in expected.red]
        page = views.follow_up_at(db, filters, RULES)
        assert page == mine
    # The RAG filter does not hide Red indicators from the follow-up.
    assert _follow(db, Filters(period=Q3, rags=("Green",))) == everything


def test_action_text_from_a_file_is_shown_as_typed_in_every_output(db: Store, env: AppEnv) -> None:
    first = _follow(db).last_quarter[0]
    _set_action(db, first.action_id, action=EVIL)
    db.dispose()
    follow = _follow(db)
    (evil,) = [a for a in follow.last_quarter if a.action_id == first.action_id]
    assert evil.action == EVIL
    # The briefing pack: literal text.
    assert f"{evil.action_id}: {EVIL}" in _docx_text(build_briefing(db, Filters(period=Q3), RULES))
    # The slides: escaped HTML, no markup of the file's.
    ov = views.overview(db, Filters(period=Q3), RULES)
    assert ov is not None
    deck = slides.build_deck(ov)
    html = "".join(
        slides.slide_html(s, len(deck), Q3, True) for s in deck.slides if s.kind == "followup"
    )
    assert "<script>" not in html and escape_html(EVIL)[:40] in html
    # The Overview page: the table cell reads exactly as typed, and nothing became a link.
    db.dispose()
    at = run_page("app.py", query={"quarter": Q3.label})
    assert not at.exception, [e.value for e in at.exception]
    table = small_tables(at)[f"Actions from last quarter: status at {Q3.label}"]
    assert f"{evil.action_id}: {EVIL}" in list(table["Action"])
    bodies = [e.proto.body for e in at.get("html")]
    assert not any("<script>alert" in b for b in bodies)
    assert any(escape_html(f"{evil.action_id}: {EVIL}") in b for b in bodies)


def test_overview_and_priorities_show_the_follow_up_with_internal_notes_only_internally(
    db: Store, env: AppEnv
) -> None:
    follow = _follow(db)
    target = follow.last_quarter[0]
    u = schema.corrective_action_updates
    with db.engine.begin() as conn:  # the note officers see is the latest update's
        conn.execute(
            sa.update(u).where(u.c.action_id == target.action_id).values(internal_note=NOTE)
        )
    db.dispose()
    caption = f"Actions from last quarter: status at {Q3.label}"
    at = run_page("app.py", query={"quarter": Q3.label})
    assert not at.exception, [e.value for e in at.exception]
    assert fu.HEADING in [h.value for h in at.header]
    table = small_tables(at)[caption]
    assert list(table["Status now"]) == [a.status_text for a in follow.last_quarter]
    assert NOTE in list(table["Internal note"])
    warnings = " ".join(unescape(w.value) for w in at.warning)
    for r in follow.called_out:
        assert fu.call_out_line(r) in warnings
    # A priority's part on the Priorities page.
    pid = target.priority_id or 1
    at = run_page("pages/1_Priorities.py", query={"quarter": Q3.label, "section": str(pid)})
    assert not at.exception, [e.value for e in at.exception]
    table = small_tables(at)[caption]
    assert list(table["Action"]) == [
        f"{a.action_id}: {a.action}" for a in follow.for_priority(pid).last_quarter
    ]
    # Public mode: the published quarters' actions, never an internal note.
    for quarter in ("Q1 2023-24", "Q2 2023-24", "Q3 2023-24"):
        db.publish(parse_period(quarter), "tester")
    db.dispose()
    env.configure(public=True)
    at = run_page("app.py", query={"quarter": Q3.label})
    assert not at.exception, [e.value for e in at.exception]
    tables = small_tables(at)
    assert caption in tables
    assert "Internal note" not in tables[caption].columns
    # Every quarter involved is published, so the public sees the same actions.
    assert list(tables[caption]["Action"]) == [
        f"{a.action_id}: {a.action}" for a in follow.last_quarter
    ]
    assert NOTE.encode() not in b"".join(
        e.proto.SerializeToString() for e in at.get("html")
    ) and all(NOTE not in m.value for m in at.markdown)


def test_an_indicator_and_a_flagship_action_show_their_actions_and_updates(
    db: Store, env: AppEnv
) -> None:
    follow = _follow(db)
    with_action = next(r for r in follow.red if r.actions)
    action = with_action.actions[0]
    at = run_page("pages/2_Indicators.py", query={"quarter": Q3.label, "ind": with_action.ref})
    assert not at.exception, [e.value for e in at.exception]
    tables = small_tables(at)
    caption = f"Corrective actions on {with_action.ref}, status at {Q3.label}"
    assert action.action_id in " ".join(tables[caption]["Action"])
    # Its update history, oldest first, each quarter's status as a symbol and a word.
    updates = db.corrective_action_updates([action.action_id], until=Q3)
    assert len(updates) >= 2, "the sample's action needs updates over quarters"
    got = tables[f"Updates on {action.action_id}"]
    # Quarters are written with a no-break space and a non-breaking hyphen (never wrapped).
    assert [q.replace("\u00a0", " ").replace("\u2011", "-") for q in got["Quarter"]] == [
        Period.from_key(int(k)).label for k in sorted(updates["period"].astype(int))
    ]
    assert list(got["Update"]) == list(updates.sort_values("period")["update"])
    # The Flagship actions page lists the actions on flagship actions in scope.
    on_flagship = db.corrective_actions(Filters(period=Q3), until=Q3)
    on_flagship = on_flagship[on_flagship["subject_kind"] == fu.FLAGSHIP]
    assert len(on_flagship), "the sample needs an action on a flagship action"
    at = run_page("pages/3_Flagship_actions.py", query={"quarter": Q3.label})
    assert not at.exception, [e.value for e in at.exception]
    caption = f"Corrective actions on flagship actions, status at {Q3.label}"
    listed = " ".join(small_tables(at)[caption]["Action"])
    assert all(i in listed for i in on_flagship["action_id"])


def test_the_overviews_internal_note_is_the_latest_updates_note_else_the_actions_own(
    db: Store,
) -> None:
    """Officers read the note of the update the status comes from; an action with no noted update
    shows its own note; the public view carries neither."""
    follow = _follow(db)
    first, second = follow.last_quarter[0], follow.last_quarter[1]
    u = schema.corrective_action_updates
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(u).where(u.c.action_id == first.action_id).values(internal_note=None)
        )
        latest = conn.execute(
            sa.select(sa.func.max(u.c.period)).where(u.c.action_id == second.action_id)
        ).scalar_one()
        conn.execute(
            sa.update(u)
            .where(u.c.action_id == second.action_id, u.c.period == latest)
            .values(internal_note="Latest update's note.")
        )
    _set_action(db, first.action_id, internal_note=NOTE)
    _set_action(db, second.action_id, internal_note="The action's own note.")
    notes = {a.action_id: a.internal_note for a in _follow(db).last_quarter}
    assert notes[first.action_id] == NOTE
    assert notes[second.action_id] == "Latest update's note."
    for quarter in ("Q1 2023-24", "Q2 2023-24", "Q3 2023-24"):
        db.publish(parse_period(quarter), "tester")
    public = Store(db.url, public=True)
    try:
        ov = views.overview(public, Filters(period=Q3), RULES)
        assert ov is not None and ov.follow_up is not None
        assert all(a.internal_note == "" for a in ov.follow_up.last_quarter)
    finally:
        public.dispose()
