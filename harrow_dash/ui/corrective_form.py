"""The Data page's "Corrective actions" tab: add a corrective action Cabinet agreed, and record a
quarter's update of one (status, update, reason if dropped, internal note).

Each save is written as a one-row file in the corrective-actions layout
(:func:`harrow_dash.corrective_entry.form_file`) and goes through the loader exactly as an upload
does: the same checks (every problem named, nothing written), one load batch in the Load history
that can be rolled back, and an update in a published quarter only as a revision with a reason.
The quarter's Red indicators and Off track flagship actions are offered first as subjects.

Everything typed here is user text: it is shown in table cells (as text) or through
:func:`escape_markdown`, never as Markdown or HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from harrow_dash import corrective_entry as entry
from harrow_dash import export_files, publishing
from harrow_dash.corrective_actions import export_table, with_status_as_at
from harrow_dash.corrective_status import CorrectiveStatus
from harrow_dash.export_files import export_context
from harrow_dash.failures import log_failure, page_message
from harrow_dash.filters import Filters
from harrow_dash.ingest import report
from harrow_dash.ingest.load import (
    FileInput,
    PublishedChangeRefused,
    Revision,
    commit,
    describe_published_change,
    prepare,
)
from harrow_dash.periods import Period
from harrow_dash.scorecard import RuleSettings
from harrow_dash.store import DatabaseBusy, Store
from harrow_dash.textsafe import escape_markdown
from harrow_dash.ui import data
from harrow_dash.ui.frame import PageContext
from harrow_dash.ui.loading import FLASH_KEY

PROBLEMS_KEY = "corrective_problems"
COUNTER_KEY = "corrective_form_nonce"


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
                f"Nothing was saved: {', '.join(quarters)} is published, so this update is a "
                f"revision of the record Cabinet saw. Give the reason for the revision and save "
                f"again. ({lines})"
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


# What the panel reads, cached per quarter like every page's reads (cleared with them after a save,
# a load or a rollback, in this instance or another): without it the panel was most of the Data
# page's server time, read afresh on every run whichever tab is open.


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=50)
def _quarter_actions(url: str, quarter: Period) -> pd.DataFrame:
    return entry.quarter_actions(data.store(url), quarter)


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=50)
def _subject_choices(url: str, quarter: Period, rules: RuleSettings) -> list[entry.Subject]:
    return entry.subject_choices(data.store(url), quarter, rules)


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=200)
def _recorded_update(url: str, action_id: str, quarter: Period) -> entry.ActionUpdate | None:
    return entry.recorded_update(data.store(url), action_id, quarter)


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=200)
def _status_to_offer(url: str, action_id: str, quarter: Period) -> str:
    return entry.status_to_offer(data.store(url), action_id, quarter)


@st.cache_data(ttl=data.TTL, show_spinner=False, max_entries=10)
def _export_table(url: str) -> pd.DataFrame:
    return export_table(data.store(url))


def _quarters(store: Store) -> list[Period]:
    periods = store.periods()
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
    reported = store.periods()
    if not reported:
        st.write("There is no data yet: load indicators or flagship actions first.")
        return
    by_label = {p.label: p for p in reversed(reported)}
    label = st.selectbox("Quarter", list(by_label), key="corrective_quarter")
    quarter = by_label[label]
    # Widgets keyed by the quarter and the number of saves: a save or another quarter starts afresh.
    nonce = f"{quarter.key}_{st.session_state.get(COUNTER_KEY, 0)}"
    actions = _quarter_actions(ctx.store_url, quarter)

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

    later = [p for p in _quarters(store) if p >= quarter]
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
        held = _recorded_update(ctx.store_url, chosen, quarter)
        if held is not None:
            st.caption(f"An update is recorded for {label}: change it below.")
        statuses = [s.value for s in CorrectiveStatus]
        keyed = f"{nonce}_{chosen}"
        with st.form(f"corrective_update_form_{keyed}"):
            status = st.selectbox(
                f"Status in {label}",
                statuses,
                index=statuses.index(
                    held.status if held else _status_to_offer(ctx.store_url, chosen, quarter)
                ),
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
    subjects = _subject_choices(ctx.store_url, quarter, ctx.rules)
    labels = {s.label: s for s in subjects}
    flagged = sum(1 for s in subjects if s.flag)
    st.caption(
        f"The {flagged} Red indicator{'s' if flagged != 1 else ''} and Off track flagship actions "
        f"of {label} come first in the list of subjects."
        if flagged
        else f"Nothing is Red or Off track in {label}."
    )
    with st.form(f"corrective_add_form_{nonce}"):
        subject = st.selectbox("Subject", list(labels), key=f"corrective_add_subject_{nonce}")
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
        if st.form_submit_button(
            "Add the action", type="primary", key=f"corrective_add_save_{nonce}"
        ):
            _save(
                ctx,
                store,
                entry.form_file(
                    entry.NewAction(
                        action_id.strip(),
                        labels[subject],
                        action,
                        owner,
                        holder,
                        quarter,
                        agreed_at,
                        Period.from_key(next(p.key for p in later if p.label == due)),
                        note,
                    )
                ),
                "",
            )
    _downloads(ctx.store_url)
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
    table = _export_table(url)
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
