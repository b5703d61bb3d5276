"""The Data page's panels: load files (check, preview, confirm), publish quarters, load history with
rollback, and the template download.

Nothing is written until the editor confirms: an upload is checked and compared with the database
(:func:`harrow_dash.ingest.load.prepare`) and the plan is kept in session state between reruns, keyed
by the files' checksum. Confirming commits that plan; if another load or rollback happened meanwhile
the file is checked again first, and a preview that changed is shown again for a new confirmation.
After a commit, rollback or (un)publication the data caches are cleared, so every session sees the
new data on its next interaction.

File names, cell text quoted in problems and commentary are user text: they go into table cells
(shown as text) or through :func:`escape_markdown`, never into Markdown or HTML as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import streamlit as st

from harrow_dash.formats.ods import ODS_MIME
from harrow_dash.formats.textsafe import escape_markdown
from harrow_dash.ingest import report
from harrow_dash.ingest.load import (
    FileInput,
    LoadPlan,
    PublishedChangeRefused,
    Revision,
    RollbackRefused,
    commit,
    prepare,
    rollback,
    rollback_revisions,
)
from harrow_dash.outputs import revisions
from harrow_dash.rules.periods import Period
from harrow_dash.store import DatabaseBusy, Store, publishing
from harrow_dash.store.failures import DATABASE_FAILURES, log_failure, page_message
from harrow_dash.store.revision_rule import ReasonNeeded, Revisions, quarter_labels
from harrow_dash.ui import data, editor_reads
from harrow_dash.ui.frame import PageContext

PLAN_KEY = "data_plan"
NONCE_KEY = "data_upload_nonce"
FLASH_KEY = "data_flash"
PENDING_ROLLBACK_KEY = "data_rollback_pending"
MB = 1024 * 1024
CHANGES_SHOWN = 2000  # the loader's own limit on changed rows listed per kind of data


@dataclass
class HeldPlan:
    """A checked upload kept between reruns: which files, the database state it was compared with."""

    signature: str
    token: str
    plan: LoadPlan


# -- messages that survive a rerun ---------------------------------------------------------------------


def _flash(kind: str, message: str) -> None:
    st.session_state[FLASH_KEY] = (kind, message)


def show_flash() -> None:
    """Show (once) the outcome of the last action: a commit, rollback or publication."""
    kind, message = st.session_state.pop(FLASH_KEY, (None, None))
    if kind is None:
        return
    show = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}[kind]
    icons = {
        "success": ":material/check_circle:",
        "info": ":material/info:",
        "warning": ":material/warning:",
        "error": ":material/error:",
    }
    show(message, icon=icons[kind])


@contextmanager
def database_errors() -> Iterator[None]:
    """Around the page's panels: a database error (the server down, another load still running)
    is shown once, as a sentence, where this starts, instead of a stack trace in a tab. The panels
    after the failing one are not drawn."""
    box = st.container()
    try:
        yield
    except DATABASE_FAILURES as exc:
        log_failure(exc, "the Data page")
        box.error(page_message(exc, editor=True), icon=":material/database:")


# -- loading -------------------------------------------------------------------------------------------


def upload_cap_mb(max_upload_mb: int) -> int:
    """The page's size cap: the smaller of the setting and Streamlit's server.maxUploadSize."""
    server = int(st.get_option("server.maxUploadSize"))
    return max(1, min(int(max_upload_mb), server))


def _template_quarters(latest: Period | None) -> tuple[list[Period], int]:
    """Quarters a template can be made for (the current one and the seven before it, newest first)
    and the index of the suggested one: the quarter after the latest with data when it is among them,
    else the current quarter."""
    current = Period.containing(dt.date.today())
    choices = [current]
    while len(choices) < 8:
        choices.append(choices[-1].previous())
    suggested = latest.shift(1) if latest is not None else current
    return choices, choices.index(suggested) if suggested in choices else 0


def template_panel(ctx: PageContext, store: Store) -> None:
    st.header("Template", anchor=False)
    st.write(
        "The workbook to fill in: every layout the importer reads (scorecard, indicator values, "
        "flagship actions, highlights), with guidance and drop-down lists."
    )
    choices, index = _template_quarters(store.latest_reported_period())
    by_label = {p.label: p for p in choices}
    label = st.selectbox(
        "Latest quarter in the template", list(by_label), index=index, key="data_template_quarter"
    )
    quarter = by_label[label]
    priorities = list(ctx.priority_names.values())
    prefill = st.checkbox(
        "Prefilled with the current indicators",
        value=True,
        key="data_template_prefill",
        help="One Scorecard row per indicator held now, its definition and this year's target "
        "filled in, a column for the quarter's figures. Untick for a blank workbook.",
    )

    def make(kind: str) -> Callable[[], bytes]:
        def build() -> bytes:
            # Imported when the template is asked for: openpyxl is not needed to draw the page.
            from harrow_dash.ingest.template import build_template, current_indicators

            rows = current_indicators(store, quarter) if prefill else None
            return build_template(priorities, quarter, rows, kind)

        return build

    with st.container(horizontal=True):
        st.download_button(
            "Download the template (.xlsx)",
            data=make(".xlsx"),
            file_name=f"harrow-scorecard-template-{quarter.fy_label}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
            key="data_template",
        )
        st.download_button(
            "Download the template (.ods)",
            data=make(".ods"),
            file_name=f"harrow-scorecard-template-{quarter.fy_label}.ods",
            mime=ODS_MIME,
            icon=":material/download:",
            key="data_template_ods",
            help="The same workbook as an OpenDocument spreadsheet (LibreOffice, Google Sheets)",
        )


def _held_plan(store: Store, files: list[FileInput], max_bytes: int) -> HeldPlan | None:
    signature = report.files_signature(files)
    held = st.session_state.get(PLAN_KEY)
    if isinstance(held, HeldPlan) and held.signature == signature:
        return held
    try:
        with st.spinner("Checking the file and comparing it with the database\u2026"):
            token = report.database_token(store)
            plan = prepare(store, files, max_bytes=max_bytes)
    except DatabaseBusy as exc:
        log_failure(exc, "a check of a file on the Data page")
        st.error(page_message(exc, editor=True), icon=":material/database:")
        return None
    held = HeldPlan(signature, token, plan)
    st.session_state[PLAN_KEY] = held
    return held


def _problem_frame_config() -> dict:
    return {
        "Row": st.column_config.NumberColumn("Row", format="%d", width="small"),
        "Problem": st.column_config.TextColumn("Problem", width="large"),
    }


def show_plan(plan: LoadPlan) -> bool:
    """The validation report or the preview of the change. True when there is something to load."""
    files = escape_markdown(plan.file_name)
    if plan.problems:
        n = len(plan.problems)
        st.error(
            f"**Nothing was loaded.** {n:,} problem{'s' if n != 1 else ''} found in {files}: "
            "correct the file and upload it again.",
            icon=":material/block:",
        )
        st.dataframe(
            report.problems_table(plan.problems),
            hide_index=True,
            key="data_problems",
            column_config=_problem_frame_config(),
        )
        st.download_button(
            "Download the list of problems (CSV)",
            data=report.problems_csv(plan.problems),
            file_name="problems.csv",
            mime="text/csv",
            key="data_problems_csv",
        )
        return False
    if plan.warnings:
        n = len(plan.warnings)
        st.warning(
            f"{n:,} note{'s' if n != 1 else ''} about {files}: read "
            f"{'them' if n != 1 else 'it'} before you confirm. "
            "Columns the importer does not read are ignored (check that no data you meant to load "
            "is in them); a published quarter whose months now give another figure is kept as "
            "published.",
            icon=":material/warning:",
        )
        st.dataframe(
            report.problems_table(plan.warnings).rename(columns={"Problem": "Note"}),
            hide_index=True,
            key="data_warnings",
            column_config={
                "Row": st.column_config.NumberColumn("Row", format="%d", width="small"),
                "Note": st.column_config.TextColumn("Note", width="large"),
            },
        )
    if plan.added == 0 and plan.changed == 0:
        st.info(
            f"Nothing to load: every row in {files} already matches the database.",
            icon=":material/check:",
        )
        return False
    st.info(
        f"**Checked: no problems.** Compared with the database, {files} has "
        f"{report.plan_sentence(plan)}. Nothing has been written yet: confirm below to load it.",
        icon=":material/preview:",
    )
    st.markdown("**What would change**")
    st.dataframe(report.counts_table(plan), hide_index=True, key="data_counts")
    changes = report.changes_table(plan)
    if len(changes):
        st.markdown("**Changed values** (the value stored now and the value the file gives)")
        st.dataframe(changes, hide_index=True, key="data_changes")
        if plan.changed > len(plan.changes[["table", "key"]].drop_duplicates()):
            st.caption(
                f"Showing the first {CHANGES_SHOWN:,} changed rows of each kind of data; all "
                f"{plan.changed:,} changed rows will be loaded."
            )
    return True


def _same_preview(a: LoadPlan, b: LoadPlan) -> bool:
    """Whether two checks of the same files would show the editor the same thing."""

    def counts(p: LoadPlan) -> dict[str, tuple[int, int, int]]:
        return {n: (t.added, t.changed, t.unchanged) for n, t in p.tables.items()}

    return (
        a.ok == b.ok
        and counts(a) == counts(b)
        and report.changes_table(a).equals(report.changes_table(b))
        and revisions.preview_table(a.published_changes).equals(
            revisions.preview_table(b.published_changes)
        )
    )


def _reset_upload() -> None:
    """Clear the upload for the next file (a new uploader widget)."""
    st.session_state.pop(PLAN_KEY, None)
    st.session_state[NONCE_KEY] = st.session_state.get(NONCE_KEY, 0) + 1


def _commit(
    ctx: PageContext,
    store: Store,
    held: HeldPlan,
    max_bytes: int,
    revision: Revision | None = None,
) -> None:
    plan = held.plan
    files = escape_markdown(plan.file_name)
    try:
        token = report.database_token(store)
        if token != held.token:
            # Another load or rollback since the check: check again against the database as it is.
            fresh = prepare(store, plan.files, max_bytes=max_bytes)
            if not _same_preview(fresh, plan):
                st.session_state[PLAN_KEY] = HeldPlan(held.signature, token, fresh)
                _flash(
                    "warning",
                    "The database changed after this file was checked (another load or rollback), "
                    "so nothing was loaded. The preview below is up to date: check it and confirm "
                    "again.",
                )
                st.rerun()
            plan = fresh
        result = commit(store, plan, publishing.user_label(ctx.user), revision)
    except DatabaseBusy as exc:
        log_failure(exc, "a load on the Data page")
        st.error(page_message(exc, editor=True), icon=":material/database:")
        return
    except PublishedChangeRefused as exc:
        st.session_state[PLAN_KEY] = HeldPlan(held.signature, report.database_token(store), plan)
        _flash("error", escape_markdown(exc))
        st.rerun()
    data.clear()
    _reset_upload()
    if result.batch_id is None:
        _flash("info", f"Nothing loaded: every row in {files} already matches the database.")
    else:
        revised = len(plan.published_changes) if revision is not None else 0
        note = (
            f" It revised {revised:,} published figure{'s' if revised != 1 else ''}; the revision "
            "is recorded under Load history."
            if revised
            else ""
        )
        _flash(
            "success",
            f"Loaded {files} as batch {result.batch_id}: {report.plan_sentence(plan)}. Every "
            f"page shows the new figures from its next refresh.{note}",
        )
    st.rerun()


def revision_choice(plan: LoadPlan) -> tuple[bool, Revision | None]:
    """For a load that changes published quarters: the changes, and the editor's choice to revise
    them with a reason. Returns (may load, the revision or None)."""
    if not plan.changes_published:
        return True, None
    changes = plan.published_changes
    n = len(changes)
    quarters = ", ".join(Period.from_key(int(k)).label for k in sorted(set(changes["period"])))
    st.warning(
        f"**This file changes {n:,} published figure{'s' if n != 1 else ''}** ({quarters}). A "
        "published quarter is the record Cabinet saw, so the file is loaded only as a revision of "
        "published figures: it is recorded with your name, the date and your reason, and the "
        "dashboard and briefing pack show each revised figure as revised.",
        icon=":material/lock:",
    )
    st.dataframe(revisions.preview_table(changes), hide_index=True, key="data_published_changes")
    revise = st.checkbox("Revise published figures", key="data_revise_published")
    reason = st.text_area(
        "Reason for the revision (required; recorded with it)",
        key="data_revise_reason",
        disabled=not revise,
        max_chars=1000,
    )
    if not revise:
        return False, None
    if not reason.strip():
        st.caption("Give a reason to load this file as a revision.")
        return False, None
    return True, Revision(reason.strip())


def revision_reason(revised: Revisions, what: str, key: str) -> tuple[bool, str]:
    """For a rollback or publication that changes figures of a quarter published now or before:
    the changes and a reason field. Returns (may go ahead, the reason); without such changes
    (True, "")."""
    if not revised.needs_reason:
        return True, ""
    n = revised.count
    st.warning(
        f"**{what} changes {n:,} published figure{'s' if n != 1 else ''}** "
        f"({quarter_labels(revised.quarters)}). A quarter that has been published is the record "
        "Cabinet saw, so this is recorded as a revision of published figures, with your name, the "
        "date and your reason, and the dashboard and briefing pack show each revised figure as "
        "revised.",
        icon=":material/lock:",
    )
    st.dataframe(
        revisions.preview_table(revised.all_changes()), hide_index=True, key=f"{key}_changes"
    )
    reason = st.text_area(
        "Reason for the revision (required; recorded with it)", key=key, max_chars=1000
    )
    if not reason.strip():
        st.caption("Give a reason to go ahead.")
        return False, ""
    return True, reason.strip()


def load_panel(ctx: PageContext, store: Store) -> None:
    """Upload, validation report or preview, then confirm."""
    st.header("Load a file", anchor=False)
    cap = upload_cap_mb(ctx.settings.max_upload_mb)
    st.write(
        "Upload the quarter's figures as CSV (UTF-8), Excel (.xlsx) or OpenDocument (.ods) in one "
        "of the template's "
        "layouts; you can upload several files as one load. The file is checked and compared with "
        "the database first: **nothing is written until you confirm**, and a file with any problem "
        "loads nothing."
    )
    nonce = st.session_state.get(NONCE_KEY, 0)
    # No ``type=`` filter: the importer refuses other types itself with a message that says what to
    # do (an old .xls workbook: "save it as .xlsx"), where Streamlit's filter would only say no.
    uploaded = st.file_uploader(
        f"Files to load (CSV, .xlsx or .ods, up to {cap} MB each)",
        accept_multiple_files=True,
        key=f"data_upload_{nonce}",
        max_upload_size=cap,
    )
    if not uploaded:
        st.session_state.pop(PLAN_KEY, None)
        return
    files = [FileInput(f.name, f.getvalue()) for f in uploaded]
    held = _held_plan(store, files, cap * MB)
    if held is None or not show_plan(held.plan):
        return
    may_load, revision = revision_choice(held.plan)
    left, right, _ = st.columns([1, 1, 3])
    if left.button(
        "Load as a revision" if revision is not None else "Load into the database",
        type="primary",
        key="data_commit",
        icon=":material/upload:",
        disabled=not may_load,
        help="Writes the new and changed rows as one batch, which you can roll back later.",
    ):
        _commit(ctx, store, held, cap * MB, revision)
    if right.button("Cancel", key="data_cancel"):
        _reset_upload()
        st.rerun()


# -- publishing ----------------------------------------------------------------------------------------


def publish_panel(ctx: PageContext, store: Store) -> None:
    st.header("Publish quarters", anchor=False)
    st.write(
        "A quarter is a draft until it is published. The public view shows published quarters "
        "only (without commentary marked internal), and the Cabinet presentation uses published "
        "quarters unless an editor chooses the draft."
    )
    statuses = editor_reads.quarter_statuses(ctx.store_url)
    if not statuses:
        st.write("There is no data to publish yet.")
        return
    st.dataframe(publishing.status_table(statuses), hide_index=True, key="data_quarters")
    by_label = {q.period.label: q for q in statuses}
    label = st.selectbox("Quarter", list(by_label), key="data_publish_quarter")
    chosen = by_label[label]
    user = publishing.user_label(ctx.user)
    if chosen.published:
        st.caption(
            escape_markdown(
                f"{label} was published by {chosen.published_by} on "
                f"{chosen.published_at:%d %B %Y at %H:%M}."
                if chosen.published_at
                else f"{label} is published."
            )
        )
        if st.button(f"Unpublish {label}", key="data_unpublish", icon=":material/undo:"):
            store.unpublish(chosen.period)
            data.clear()
            _flash(
                "success",
                f"{label} is a draft again: the public view no longer shows it. It has been "
                "published, so its figures still change only as a revision with a reason.",
            )
            st.rerun()
    else:
        if chosen.indicator_actuals == 0:
            st.caption(f"{label} has no indicator actuals yet.")
        may, reason = revision_reason(
            store.republication_revisions(chosen.period),
            f"Publishing {label} again",
            "data_republish_reason",
        )
        if st.button(
            f"Publish {label}",
            type="primary",
            key="data_publish",
            icon=":material/public:",
            disabled=not may,
        ):
            try:
                store.publish(chosen.period, user, reason=reason or None)
            except ReasonNeeded as exc:  # changed since this page was drawn
                _flash("error", f"{label} was not published. {exc}")
            except DatabaseBusy as exc:
                log_failure(exc, "publishing on the Data page")
                _flash("error", page_message(exc, editor=True))
            else:
                data.clear()
                _flash("success", f"{label} is published. The public view now shows it.")
            st.rerun()


# -- history and rollback ------------------------------------------------------------------------------


def _rows(n: object) -> str:
    count = int(n)  # type: ignore[call-overload]
    return f"{count:,} row{'' if count == 1 else 's'}"


def history_panel(ctx: PageContext, store: Store) -> None:
    st.header("Load history", anchor=False)
    batches = editor_reads.batches(ctx.store_url)
    if batches.empty:
        st.write("No files have been loaded yet.")
        return
    st.dataframe(
        report.batches_table(batches),
        hide_index=True,
        key="data_batches",
        column_config={
            "Loaded at": st.column_config.DatetimeColumn("Loaded at", format="YYYY-MM-DD HH:mm"),
            "Checksum": st.column_config.TextColumn(
                "Checksum",
                help="The first 12 characters of the SHA-256 of the file contents; the full "
                "checksum is in the SHA-256 column.",
            ),
            "SHA-256": st.column_config.TextColumn("SHA-256", width="small"),
        },
    )
    record = editor_reads.revision_record(ctx.store_url)
    if len(record):
        st.markdown("**Revisions of published figures**")
        st.dataframe(revisions.record_table(record), hide_index=True, key="data_revisions")
    committed = batches[batches["status"] == "committed"]
    if committed.empty:
        st.caption("Every batch has been rolled back.")
        return
    st.markdown("**Roll back a batch**")
    st.caption(
        "Rolling back removes the rows a batch added and restores the values it replaced, exactly "
        "as they were. A batch that a later load changed again cannot be rolled back until that "
        "later batch is."
    )
    ids = {report.batch_label(r): int(r["id"]) for _, r in committed.iterrows()}
    pending: int | None = st.session_state.get(PENDING_ROLLBACK_KEY)
    if pending is None or pending not in ids.values():
        # Keyed on the newest batch: after a load or rollback the choice starts at the newest again.
        newest = int(batches["id"].max())
        chosen = st.selectbox("Batch", list(ids), key=f"data_rollback_batch_{newest}")
        if st.button("Roll back\u2026", key="data_rollback", icon=":material/history:"):
            st.session_state[PENDING_ROLLBACK_KEY] = ids[chosen]
            st.rerun()
        return
    row = committed[committed["id"] == pending].iloc[0]
    st.warning(
        f"Roll back batch {pending} ({escape_markdown(row['file_name'])}, loaded by "
        f"{escape_markdown(row['loaded_by'])})? This removes the {_rows(row['rows_added'])} it "
        f"added and restores the {_rows(row['rows_changed'])} it changed to their earlier values. "
        "Every page shows the result from its next refresh.",
        icon=":material/warning:",
    )
    may, reason = revision_reason(
        rollback_revisions(store, pending),
        f"Rolling back batch {pending}",
        f"data_rollback_reason_{pending}",
    )
    yes, no, _ = st.columns([1, 1, 3])
    if yes.button(
        f"Yes, roll back batch {pending}",
        type="primary",
        key="data_rollback_confirm",
        disabled=not may,
    ):
        st.session_state.pop(PENDING_ROLLBACK_KEY, None)
        try:
            rollback(store, pending, publishing.user_label(ctx.user), reason=reason or None)
        except RollbackRefused as exc:
            _flash("error", f"Nothing was rolled back. {exc}")
        except DatabaseBusy as exc:
            log_failure(exc, "a rollback on the Data page")
            _flash("error", page_message(exc, editor=True))
        else:
            data.clear()
            _flash(
                "success",
                f"Batch {pending} rolled back: the values it replaced are restored.",
            )
        st.rerun()
    if no.button("Cancel", key="data_rollback_cancel"):
        st.session_state.pop(PENDING_ROLLBACK_KEY, None)
        st.rerun()
