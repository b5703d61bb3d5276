"""Corrective actions in a real browser: an editor records a quarter's update on the Data page, the
follow-up ("What we said we would do") on the Overview shows it as typed text, and a public instance on
the same database shows the published update and no internal note.

The sample database has every reported quarter published (Q1 2021-22 to Q3 2023-24), Q4 2023-24 a
draft. The internal instance runs in local mode (the single local user edits); the public instance
(``HARROW_DASH_PUBLIC=true``) reads the same DuckDB file beside it, as a council would run the two.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from draft_only import publish_history
from helpers import choose_quarter, exceptions, quarter_value, rerun_after, wait_for_app

from harrow_dash.store import Store

pytestmark = pytest.mark.browser

# Typed by the editor: markup that must stay text on every page.
UPDATE = "Interviews held <b>in</b> January; **two** posts offered"
# The internal note recorded with CA-23Q1-02's (PI-02's) Q3 2023-24 update in the sample: officers
# only (shown in the indicator's action history on the Indicators page).
INTERNAL_NOTE = "Resources directorate has not nominated yet"
FOLLOW_UP = "What we said we would do"


@pytest.fixture
def db_path(sample_db_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "corrective.duckdb"
    shutil.copyfile(sample_db_file, path)
    store = Store(f"duckdb:///{path}")
    publish_history(store)
    store.dispose()
    return path


def _keyed_combobox(page, prefix: str):
    return page.locator(f'[class*="st-key-{prefix}"] input[role="combobox"]').first


def _pick(page, prefix: str, option_start: str, in_form: bool = False) -> None:
    """Choose an option the way a user does (typing to find it); a widget inside a form makes no
    rerun until the form is submitted."""
    box = _keyed_combobox(page, prefix)
    if box.input_value().startswith(option_start):
        return  # already chosen: choosing it again makes no rerun
    box.click()
    box.fill(option_start)  # the list is virtual: type to bring the option into it
    option = page.get_by_role("option").filter(has_text=option_start).first
    if in_form:
        option.click()
    else:
        rerun_after(page, option.click)
    if box.get_attribute("aria-expanded") == "true":
        page.keyboard.press("Escape")


def _at_quarter(page, label: str) -> None:
    if quarter_value(page) != label:
        choose_quarter(page, label)


def _main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_an_update_recorded_in_the_browser_reaches_the_follow_up_and_the_public_sees_no_note(
    page, start_app, db_path: Path
) -> None:
    internal = start_app(db_path)

    # Revise Q3 2023-24's update of CA-23Q1-02 (a published quarter: a revision with a reason).
    page.goto(f"{internal}/Data")
    wait_for_app(page)
    rerun_after(page, page.get_by_role("tab", name="Corrective actions").click)
    _pick(page, "corrective_quarter", "Q3 2023-24")
    _pick(page, "corrective_update_id_", "CA-23Q1-02")
    page.get_by_label("Update (published with the quarter)").fill(UPDATE)
    page.get_by_label("Reason for the revision").fill("The service sent a corrected update")
    rerun_after(page, page.get_by_role("button", name="Save the update").click)
    wait_for_app(page)
    assert not exceptions(page), exceptions(page)

    # The Overview's follow-up for Q3 2023-24 shows it as typed, with the internal note kept.
    page.goto(internal)
    wait_for_app(page)
    _at_quarter(page, "Q3 2023-24")
    text = _main_text(page)
    assert FOLLOW_UP in text
    assert UPDATE in text, "the recorded update, as typed, is in the follow-up"
    assert page.locator('[data-testid="stMain"] b', has_text="in").count() == 0

    # Officers see the update's internal note (kept by the save) in the indicator's action history.
    page.goto(f"{internal}/Indicators?ind=PI-02")
    wait_for_app(page)
    text = _main_text(page)
    assert UPDATE in text
    assert INTERNAL_NOTE in text, "officers see the internal note, kept by the revision"

    # The public instance on the same file: the revised update is public, the note is not.
    public = start_app(db_path, {"HARROW_DASH_PUBLIC": "true"})
    page.goto(public)
    wait_for_app(page)
    _at_quarter(page, "Q3 2023-24")
    text = _main_text(page)
    assert FOLLOW_UP in text, "positive control: the public follow-up is on the page"
    assert UPDATE in text, "positive control: the published (revised) update is public"
    assert INTERNAL_NOTE not in page.content()
    assert not exceptions(page), exceptions(page)
    page.goto(f"{public}/Indicators?ind=PI-02")
    wait_for_app(page)
    assert UPDATE in _main_text(page), "positive control: the action's history is on the page"
    assert INTERNAL_NOTE not in page.content()
    assert not exceptions(page), exceptions(page)
