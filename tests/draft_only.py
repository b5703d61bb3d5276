"""A draft that must not reach the public view, for the public-mode tests (AppTest and browser).

``publish_history(store)`` publishes every reported quarter of the sample (to Q3 2023-24); then
``load_draft(store)`` loads a draft Q4 2023-24 that adds an indicator, a flagship action, a directorate
and a portfolio, renames an existing indicator and changes its description, moves another indicator
to a new priority and directorate, and gives an action a new lead. Every new or changed string
contains :data:`TOKEN`, so ``leaks(data)`` finds any of them in page bytes, websocket frames or a
downloaded file (zip containers such as .xlsx and .docx are opened and every part is searched).
"""

from __future__ import annotations

import io
import zipfile

from harrow_dash.ingest.load import FileInput, load
from harrow_dash.store import Store

TOKEN = "zq7"
P1 = "A council that puts residents first"
P2 = "A borough that is clean and safe"
PCC = "Performance, Communications and Customer Experience"

NEW_INDICATOR = "Zq7 draft indicator of library visits"
RENAMED = "Zq7 renamed FOI measure"
NEW_DIRECTORATE = "Zq7 Directorate of Drafts"
NEW_PORTFOLIO = "Zq7 Portfolio of Drafts"
NEW_ACTION = "Zq7 draft action to open a hub"
NEW_LEAD = "Zq7 new lead officer"
# Published names that must still show (positive controls).
PI_02_PUBLISHED = "FOI requests answered within 20 working days"

DRAFT_INDICATORS = f"""Ref,Name,Description,Priority,Directorate,Portfolio holder,Unit,Good is,Period,Actual,Target
PI-ZQ7,{NEW_INDICATOR},Zq7 about the draft indicator,{P1},{NEW_DIRECTORATE},{NEW_PORTFOLIO},count,higher is better,Q4 2023-24,5,4
PI-02,{RENAMED},Zq7 renamed description,{P1},Resources,"{PCC}",%,higher is better,Q4 2023-24,80,90
PI-03,,,{P2},{NEW_DIRECTORATE},{NEW_PORTFOLIO},,,Q4 2023-24,88,90
"""
DRAFT_ACTIONS = f"""Action ref,Title,Priority,Directorate,Portfolio holder,Lead,Parent ref,Period,Status,Commentary
FA-ZQ7,{NEW_ACTION},{P1},{NEW_DIRECTORATE},{NEW_PORTFOLIO},{NEW_LEAD},,Q4 2023-24,On track,Zq7 started
FA-01,,,,,{NEW_LEAD},,Q4 2023-24,On track,Zq7 continuing
"""
DRAFT_HIGHLIGHTS = f"""Period,Priority,Kind,Text,Indicator ref,Action ref
Q4 2023-24,{P1},achievement,Zq7 the draft hub opened,PI-ZQ7,FA-ZQ7
"""


def publish_history(store: Store) -> None:
    """Publish every quarter of the sample up to its latest reported one, as a council's history."""
    latest = store.latest_reported_period()
    for period in store.periods():
        if latest is not None and period <= latest:
            store.publish(period, "tests")


def load_draft(store: Store) -> None:
    load(
        store,
        [
            FileInput("draft_indicators.csv", DRAFT_INDICATORS.encode()),
            FileInput("draft_actions.csv", DRAFT_ACTIONS.encode()),
            FileInput("draft_highlights.csv", DRAFT_HIGHLIGHTS.encode()),
        ],
        "tests",
    )


def _parts(data: bytes) -> list[bytes]:
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return [z.read(n) for n in z.namelist()]
        except zipfile.BadZipFile:
            pass
    return [data]


def leaks(data: bytes | str) -> bool:
    """Whether ``data`` (page bytes, a websocket frame, a file) holds any draft-only string."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return any(TOKEN.encode() in part.lower() for part in _parts(raw))
