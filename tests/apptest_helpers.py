"""Helpers for AppTest tests of the app's pages with fake users (``at.user``).

* ``page_files()``: ``app.py`` and every ``pages/*.py``, read from the directory, so a new page is
  covered by the role tests without editing them.
* ``is_editor_page(path)``: whether the page asks the frame for the editor role.
* ``AppEnv``: points the app at a database and a secrets file of the test's own (through
  ``HARROW_DASH_DATABASE_URL`` and ``HARROW_DASH_SECRETS``), with sign-in configured or not, public
  mode on or off, and clears Streamlit's caches around each test.
* ``run_page(page, user=...)``: run one page as a given user and return the AppTest.
* ``page_bytes(at)``: every element's serialised content (text, table cells, chart data), to assert
  that something does *not* appear anywhere on a page.
* ``html_table(at, css_class)`` and ``table_rows(body)``: an HTML table a page draws with ``st.html``
  (the Flagship timeline, the Comparisons strip) and its rows as the text shown; ``small_tables(at)``:
  the small tables (``components.small_table``), by caption, as DataFrames.
* ``open_on_demand(at)``: open every closed expander that draws its contents only when open
  (``harrow_dash.ui.components.on_demand``), so that ``page_bytes`` sees what they hold.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

REPO_ROOT = Path(__file__).resolve().parents[1]
APP = REPO_ROOT / "app.py"
TIMEOUT = 60

AUTH_SECRETS = """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "test-cookie-secret-not-used"
client_id = "test-client"
client_secret = "test-secret"
server_metadata_url = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration"

[harrow_dash]
editors = ["@harrow.gov.uk", "officer@example.org"]
"""

EDITOR = {"is_logged_in": True, "email": "jo.bloggs@harrow.gov.uk", "name": "Jo Bloggs"}
NAMED_EDITOR = {"is_logged_in": True, "email": "Officer@Example.org", "name": "An Officer"}
VIEWER = {"is_logged_in": True, "email": "cllr.smith@example.com", "name": "Cllr Smith"}
SIGNED_OUT = {"is_logged_in": False}

NO_ACCESS = "You do not have access to this page"


def page_files() -> list[str]:
    """``app.py`` and every page file, as paths relative to the repository root."""
    pages = sorted(
        p
        for p in (REPO_ROOT / "pages").glob("*.py")
        if not p.name.startswith((".", "_")) and p.name != "__init__.py"
    )
    return ["app.py", *(f"pages/{p.name}" for p in pages)]


_EDITOR_ROLE = re.compile(r"page_frame\([^)]*role\s*=\s*Role\.EDITOR", re.DOTALL)


def is_editor_page(page: str) -> bool:
    return bool(_EDITOR_ROLE.search((REPO_ROOT / page).read_text(encoding="utf-8")))


def clear_streamlit_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@dataclass
class AppEnv:
    """The app's configuration for one test."""

    monkeypatch: pytest.MonkeyPatch
    secrets: Path
    db_path: Path | str  # a DuckDB file, or any database URL

    def configure(
        self,
        *,
        auth: bool = False,
        public: bool = False,
        max_upload_mb: int | None = None,
        extra_secrets: str = "",
    ) -> None:
        text = (AUTH_SECRETS if auth else "") + extra_secrets
        self.secrets.write_text(text, encoding="utf-8")
        mp = self.monkeypatch
        mp.setenv("HARROW_DASH_SECRETS", str(self.secrets))
        url = self.db_path if isinstance(self.db_path, str) else f"duckdb:///{self.db_path}"
        mp.setenv("HARROW_DASH_DATABASE_URL", url)
        for name in (
            "HARROW_DASH_EDITORS",
            "HARROW_DASH_SUPPRESSION",
            "HARROW_DASH_SUPPRESS_ZERO",
            "HARROW_DASH_TOLERANCE",
        ):
            mp.delenv(name, raising=False)
        if public:
            mp.setenv("HARROW_DASH_PUBLIC", "true")
        else:
            mp.delenv("HARROW_DASH_PUBLIC", raising=False)
        if max_upload_mb is None:
            mp.delenv("HARROW_DASH_MAX_UPLOAD_MB", raising=False)
        else:
            mp.setenv("HARROW_DASH_MAX_UPLOAD_MB", str(max_upload_mb))


def app_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_path: Path | str
) -> Iterator[AppEnv]:
    """Body of an ``app_env`` fixture: local mode by default; caches cleared before and after."""
    clear_streamlit_caches()
    env = AppEnv(monkeypatch, tmp_path / "secrets.toml", db_path)
    env.configure()
    yield env
    clear_streamlit_caches()


def run_page(
    page: str,
    user: dict[str, Any] | None = None,
    query: dict[str, str | list[str]] | None = None,
    session: dict[str, Any] | None = None,
) -> AppTest:
    """Run ``page`` (``app.py`` or ``pages/...``) once as ``user`` and return the AppTest."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if user is not None:
        at.user = dict(user)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    if page != "app.py":
        at.switch_page(page)
    return at.run()


def _walk(node: Any, out: list[bytes]) -> None:
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "SerializeToString"):
        out.append(proto.SerializeToString())
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            _walk(child, out)


def open_on_demand(at: AppTest, rounds: int = 5) -> int:
    """Open every closed expander that keeps its state (its widget id ends in its key; the page
    draws its contents only when open), rerunning until none is left; return how many were
    opened."""
    opened = 0
    for _ in range(rounds):
        closed = [
            e.proto.id.split("-", 2)[2]
            for e in at.expander
            if e.proto.id.startswith("$$ID-") and not e.proto.expanded
        ]
        if not closed:
            break
        for key in closed:
            at.session_state[key] = True
        opened += len(closed)
        at.run()
    return opened


def page_bytes(at: AppTest) -> bytes:
    """Everything the page sent: text, table cells (Arrow), chart specs and data, widget options."""
    out: list[bytes] = []
    _walk(at._tree, out)
    return b"\n".join(out)


def alert_texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def unescape(text: str) -> str:
    """Markdown text as it reads on screen (harrow_dash.formats.textsafe escapes user text with backslashes
    and puts invisible word joiners where Streamlit would otherwise make a link or an icon)."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


_CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)


def html_tables(at: AppTest, css_class: str) -> list[str]:
    """The HTML of every ``st.html`` element holding a table of class ``css_class``."""
    return [e.proto.body for e in at.get("html") if f'class="{css_class}"' in e.proto.body]


def html_table(at: AppTest, css_class: str) -> str:
    """The HTML of the one ``st.html`` element holding a table of class ``css_class``."""
    (body,) = html_tables(at, css_class)
    return body


def table_rows(body: str, part: str = "tbody") -> list[list[str]]:
    """The rows of a table's ``part`` (thead, tbody), each cell as a reader sees its text: markup
    removed, entities decoded."""
    section = body.split(f"<{part}>", 1)[1].split(f"</{part}>", 1)[0]
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in _CELL.findall(row)]
        for row in _ROW.findall(section)
    ]


def small_tables(at: AppTest) -> dict[str, pd.DataFrame]:
    """Each table drawn by ``components.small_table``: its caption and its cells as text."""
    found = {}
    for body in html_tables(at, "hd-table"):
        caption = html.unescape(re.search(r"<caption>(.*?)</caption>", body, re.S).group(1))  # type: ignore[union-attr]
        (head,) = table_rows(body, "thead")
        found[caption] = pd.DataFrame(table_rows(body), columns=head)
    return found
