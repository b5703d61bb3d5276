"""The Data page's "Corrective actions" tab: add a corrective action Cabinet agreed, and record a
quarter's update of one (status, update, reason if dropped, internal note).

Each save is written as a one-row file in the corrective-actions layout
(:func:`harrow_dash.ingest.corrective_entry.form_file`) and goes through the loader exactly as an upload
does: the same checks (every problem named, nothing written), one load batch in the Load history
that can be rolled back; an update in a published quarter, or an action agreed in one, only as a
revision with a reason.
The quarter's Red indicators and Off track flagship actions are offered first as subjects.

Everything typed here is user text: it is shown in table cells (as text) or through
:func:`escape_markdown`, never as Markdown or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from harrow_dash.formats.textsafe import escape_markdown
from harrow_dash.ingest import corrective_entry as entry
from harrow_dash.ingest import report
from harrow_dash.ingest.load import (
    FileInput,
    PublishedChangeRefused,
    Revision,
    commit,
    describe_published_change,
    prepare,
)
from harrow_dash.outputs import export_files
from harrow_dash.outputs.corrective_export import export_table
from harrow_dash.outputs.export_files import export_context
from harrow_dash.rules.corrective_status import CorrectiveStatus
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import DatabaseBusy, Store, publishing
from harrow_dash.store.corrective_actions import with_status_as_at
from harrow_dash.store.failures import log_failure, page_message
from harrow_dash.ui import data
from harrow_dash.ui.frame import PageContext
from harrow_dash.ui.loading import FLASH_KEY

PROBLEMS_KEY = "corrective_problems"
COUNTER_KEY = "corrective_form_nonce"
# The form's reads are cached like the pages' (cleared by every write's data version bump, see
# harrow_dash.ui.data): the tab runs on every rerun of the Data page, whichever tab is open, and
# rating the quarter for the list of subjects was most of the page's time at council scale.
MAX_ENTRIES = 50


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=MAX_ENTRIES)
def reported_quarters(url: str) -> list[Period]:
    """The quarters with figures (in public mode, the published ones: the store decides)."""
    return data.store(url).periods()


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=MAX_ENTRIES)
def quarter_actions(url: str, quarter: Period) -> pd.DataFrame:
    return entry.quarter_actions(data.store(url), quarter)


@dataclass(frozen=True)
class SubjectOptions:
    """The form's subjects as plain columns (``kind``, ``ref``, ``title``, ``flag``) and their
    labels, in the order offered: cached as one frame and a tuple of texts, which a rerun reads
    back in a moment, not as thousands of objects to rebuild one by one."""

    labels: tuple[str, ...]
    subjects: pd.DataFrame
    flagged: int

    def subject(self, label: str) -> entry.Subject:
        row = self.subjects.iloc[self.labels.index(label)]
        flag = row["flag"]
        return entry.Subject(str(row["kind"]), str(row["ref"]), str(row["title"]), flag or None)


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=MAX_ENTRIES)
def subject_options(url: str, quarter: Period, rules: RuleSettings) -> SubjectOptions:
    """The subjects :func:`harrow_dash.ingest.corrective_entry.subject_choices` offers, once per quarter."""
    offered = entry.subject_choices(data.store(url), quarter, rules)
    # One option per label, in the order first offered (two priorities of one name are one).
    by_label = {s.label: s for s in offered}
    found = list(by_label.values())
    frame = pd.DataFrame(
        {
            "kind": [s.kind for s in found],
            "ref": [s.ref for s in found],
            "title": [s.title for s in found],
            "flag": [s.flag or "" for s in found],
        },
        dtype=object,
    )
    return SubjectOptions(tuple(by_label), frame, sum(1 for s in offered if s.flag))


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=MAX_ENTRIES)
def update_to_offer(
    url: str, action_id: str, quarter: Period
) -> tuple[entry.ActionUpdate | None, str]:
    """The update recorded for the action in the quarter, if any, and the status the form offers
    when there is none."""
    s = data.store(url)
    held = entry.recorded_update(s, action_id, quarter)
    return held, held.status if held else entry.status_to_offer(s, action_id, quarter)


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=MAX_ENTRIES)
def officers_export(url: str) -> pd.DataFrame:
    return export_table(data.store(url))


def _flash(kind: str, message: str) -> None:
    st.session_state[FLASH_KEY] = (kind, message)


def _save(ctx: PageContext, store: Store, file: FileInput, reason: str) -> None:
    """Check and load the form's file as one batch, as an upload is; problems are kept to show."""
    st.session_state.pop(PROBLEMS_KEY, None)
    try:
        plan = prepare(store, [file])
        if not plan.ok:
            st.session_state[PROBLEMS_KEY] = plan.problems
            st.rerun()  # shown above the forms, which keep what was typed
        revision = Revision(reason) if reason.strip() else None
        result = commit(store, plan, publishing.user_label(ctx.user), revision)
    except PublishedChangeRefused as exc:
        changes = exc.plan.published_changes
        quarters = sorted({Period.from_key(int(k)).label for k in changes["period"]})
        lines = "; ".join(describe_published_change(r) for r in changes.head(5).itertuples())
        _flash(
            "error",
            escape_markdown(
                f"Nothing was saved: {', '.join(quarters)} is published, so this is a revision "
                f"of the record Cabinet saw. Give the reason for the revision and save again. "
                f"({lines})"
            ),
        )
        st.rerun()
    except DatabaseBusy as exc:
        log_failure(exc, "the corrective actions form on the Data page")
        st.error(page_message(exc, editor=True), icon=":material/database:")
        return
    data.clear()
    st.session_state[COUNTER_KEY] = st.session_state.get(COUNTER_KEY, 0) + 1
    if result.batch_id is None:
        _flash("info", "Nothing saved: the database already holds exactly this.")
    else:
        _flash(
            "success",
            escape_markdown(
                f"Saved as batch {result.batch_id} ({file.name}). It is in the Load history, "
                "where it can be rolled back."
            ),
        )
    st.rerun()


def _show_problems() -> None:
    found = st.session_state.get(PROBLEMS_KEY)
    if not found:
        return
    n = len(found)
    st.error(
        f"**Nothing was saved.** {n:,} problem{'s' if n != 1 else ''}: correct the form and save "
        "again.",
        icon=":material/block:",
    )
    st.dataframe(report.problems_table(found), hide_index=True, key="corrective_problem_table")


def _quarters(url: str) -> list[Period]:
    periods = reported_quarters(url)
    if not periods:
        return [Period.in_progress()]
    latest = periods[-1]
    return [*periods, latest.shift(1), latest.shift(2), latest.shift(3), latest.shift(4)]


def corrective_panel(ctx: PageContext, store: Store) -> None:
    st.header("Corrective actions", anchor=False)
    st.write(
        "Record what Cabinet agreed to do about an indicator, a flagship action or a priority that "
        "is off track, and each quarter's update. A save is checked like a file and loaded as one "
        "batch (see Load history, where it can be rolled back). Files in the corrective actions "
        "layout load on the Load data tab."
    )
    _show_problems()
    url = ctx.store_url
    reported = reported_quarters(url)
    if not reported:
        st.write("There is no data yet: load indicators or flagship actions first.")
        return
    by_label = {p.label: p for p in reversed(reported)}
    label = st.selectbox("Quarter", list(by_label), key="corrective_quarter")
    quarter = by_label[label]
    # Widgets keyed by the quarter and the number of saves: a save or another quarter starts afresh.
    nonce = f"{quarter.key}_{st.session_state.get(COUNTER_KEY, 0)}"
    actions = quarter_actions(url, quarter)

    st.subheader("Actions agreed by this quarter", anchor=False)
    if actions.empty:
        st.caption(f"No corrective actions agreed by {label}.")
    else:
        shown = with_status_as_at(actions, quarter)
        st.dataframe(
            shown.assign(
                agreed=[Period.from_key(int(k)).label for k in shown["agreed_period"]],
                due=[Period.from_key(int(k)).label for k in shown["due_period"]],
            )[
                [
                    "action_id",
                    "subject_ref",
                    "subject_title",
                    "action",
                    "owner",
                    "agreed",
                    "due",
                    "status",
                    "latest_update",
                ]
            ].rename(
                columns={
                    "action_id": "Action ID",
                    "subject_ref": "Subject",
                    "subject_title": "About",
                    "action": "Action",
                    "owner": "Owner",
                    "agreed": "Agreed",
                    "due": "Due",
                    "status": f"Status as at {label}",
                    "latest_update": "Latest update",
                }
            ),
            hide_index=True,
            key="corrective_actions_table",
        )

    later = [p for p in _quarters(url) if p >= quarter]
    st.subheader("Record an update", anchor=False)
    if actions.empty:
        st.caption("Add an action first.")
    else:
        titles = {
            str(a): f"{a}: {t}"
            for a, t in zip(actions["action_id"], actions["action"], strict=True)
        }
        chosen = st.selectbox(
            "Action",
            list(titles),
            format_func=titles.__getitem__,
            key=f"corrective_update_id_{nonce}",
        )
        # What is recorded for the quarter already is filled in: a save replaces the quarter's
        # update as a whole, so nothing is lost by changing one field.
        held, offered = update_to_offer(url, chosen, quarter)
        if held is not None:
            st.caption(f"An update is recorded for {label}: change it below.")
        statuses = [s.value for s in CorrectiveStatus]
        keyed = f"{nonce}_{chosen}"
        with st.form(f"corrective_update_form_{keyed}"):
            status = st.selectbox(
                f"Status in {label}",
                statuses,
                index=statuses.index(offered),
                key=f"corrective_update_status_{keyed}",
            )
            update = st.text_area(
                "Update (published with the quarter)",
                value=held.update if held else "",
                max_chars=2000,
                key=f"corrective_update_text_{keyed}",
            )
            dropped = st.text_area(
                "Reason it was dropped (required if dropped)",
                value=held.dropped_reason if held else "",
                max_chars=2000,
                key=f"corrective_update_dropped_{keyed}",
            )
            note = st.text_area(
                "Internal note (officers only; never published)",
                value=held.internal_note if held else "",
                max_chars=2000,
                key=f"corrective_update_note_{keyed}",
            )
            reason = st.text_area(
                "Reason for the revision (only if the quarter is published)",
                max_chars=1000,
                key=f"corrective_update_reason_{keyed}",
            )
            if st.form_submit_button(
                "Save the update", type="primary", key=f"corrective_update_save_{keyed}"
            ):
                _save(
                    ctx,
                    store,
                    entry.form_file(
                        entry.ActionUpdate(chosen, quarter, status, update, dropped, note)
                    ),
                    reason,
                )

    st.subheader("Add a corrective action", anchor=False)
    subjects = subject_options(url, quarter, ctx.rules)
    flagged = subjects.flagged
    st.caption(
        f"The {flagged} Red indicator{'s' if flagged != 1 else ''} and Off track flagship actions "
        f"of {label} come first in the list of subjects."
        if flagged
        else f"Nothing is Red or Off track in {label}."
    )
    with st.form(f"corrective_add_form_{nonce}"):
        subject = st.selectbox("Subject", subjects.labels, key=f"corrective_add_subject_{nonce}")
        action = st.text_area(
            "Action (what will be done)", max_chars=2000, key=f"corrective_add_action_{nonce}"
        )
        left, right = st.columns(2)
        owner = left.text_input(
            "Owner (officer)", max_chars=200, key=f"corrective_add_owner_{nonce}"
        )
        holder = right.text_input(
            "Portfolio holder", max_chars=200, key=f"corrective_add_holder_{nonce}"
        )
        agreed_at = left.text_input(
            "Agreed at (the meeting)", max_chars=200, key=f"corrective_add_meeting_{nonce}"
        )
        due = right.selectbox(
            "Due quarter", [p.label for p in later], key=f"corrective_add_due_{nonce}", index=0
        )
        action_id = left.text_input(
            "Action ID",
            value=entry.next_action_id(list(actions["action_id"]), quarter),
            key=f"corrective_add_id_{nonce}",
        )
        note = st.text_area(
            "Internal note (officers only; never published)",
            max_chars=2000,
            key=f"corrective_add_note_{nonce}",
        )
        # An action is published with the quarter it was agreed in: adding one to a published
        # quarter revises the record Cabinet saw.
        add_reason = st.text_area(
            "Why it is added to a published quarter (a revision; only if the quarter is published)",
            max_chars=1000,
            key=f"corrective_add_reason_{nonce}",
        )
        if st.form_submit_button(
            "Add the action", type="primary", key=f"corrective_add_save_{nonce}"
        ):
            _save(
                ctx,
                store,
                entry.form_file(
                    entry.NewAction(
                        action_id.strip(),
                        subjects.subject(subject),
                        action,
                        owner,
                        holder,
                        quarter,
                        agreed_at,
                        Period.from_key(next(p.key for p in later if p.label == due)),
                        note,
                    )
                ),
                add_reason,
            )
    _downloads(url)
    st.download_button(
        "Download the corrective actions layout (CSV)",
        data=entry.template_csv(),
        file_name="harrow-corrective-actions-template.csv",
        mime="text/csv",
        key="corrective_template_csv",
        icon=":material/download:",
    )


def _downloads(url: str) -> None:
    """Every action quarter by quarter with its status as at each quarter, internal notes included
    (an officers' copy: the public view's downloads and open data leave them out)."""
    st.subheader("Download", anchor=False)
    table = officers_export(url)
    if table.empty:
        st.caption("No corrective actions yet.")
        return
    lines = export_context(
        "corrective actions by quarter (officers' copy, with internal notes)",
        Filters(),
        illustrative=data.is_illustrative(url),
    )
    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        "Corrective actions (CSV)",
        data=lambda: export_files.csv_bytes(table),
        file_name="harrow-corrective-actions.csv",
        mime="text/csv",
        key="corrective_download_csv",
        icon=":material/download:",
    )
    right.download_button(
        "Corrective actions (Excel)",
        data=lambda: export_files.excel_bytes(table, lines, "Corrective actions"),
        file_name="harrow-corrective-actions.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="corrective_download_xlsx",
        icon=":material/download:",
    )
