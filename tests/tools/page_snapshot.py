"""Every page's element tree as deterministic JSON, to show that a change altered no page.

Usage (at the repository root): ``python tests/tools/page_snapshot.py OUT.json``. It builds the sample
DuckDB database in a temporary folder (as the tests' ``sample_db_file`` fixture does), runs ``app.py``
and every ``pages/*.py`` through Streamlit's AppTest as an editor and as a viewer (sign-in configured)
and on a public instance, and writes, page by page and role by role, each element in order: its type
and what it shows (text, labels, captions, Markdown and HTML bodies, options, table cells, chart
specifications). Every quarter of the sample but the latest is published first, so the public
instance has figures to show and the latest quarter is a draft. Ids, widget keys' random parts,
times of day, today's date and temporary paths are dropped or replaced by a placeholder, so two runs
on the same code give the same file and ``diff`` shows only what changed on a page.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]

import apptest_helpers as helpers  # noqa: E402
import pyarrow as pa  # noqa: E402
from google.protobuf.json_format import MessageToDict  # noqa: E402

from harrow_dash.cli import load_sample  # noqa: E402
from harrow_dash.store import Store  # noqa: E402

ROLES: dict[str, dict[str, Any]] = {
    "editor": {"auth": True, "public": False, "user": helpers.EDITOR},
    "viewer": {"auth": True, "public": False, "user": helpers.VIEWER},
    "public": {"auth": False, "public": True, "user": None},
}

# Keys whose values differ from run to run (or name the test's own files), never what a page shows.
_DROP_KEYS = {
    "id",
    "formId",
    "fragmentId",
    "scriptRunId",
    "deltaPath",
    "elementHash",
    "deferredFileId",
}
_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b")
_WIDGET_ID = re.compile(r"\$\$ID-[0-9a-f]{32}-")
# A download's address is a hash of its bytes: kept for CSV files (a change in the cells shows),
# replaced for archives and documents, which carry the time they were made.
_MEDIA = re.compile(r"/media/[0-9a-f]{32}\.(zip|xlsx|docx|pptx|ods|png|svg)\b")


def _today_forms() -> list[str]:
    """Today's date as pages may write it (a quarter published today says so)."""
    today = dt.date.today()
    return [
        today.isoformat(),
        f"{today.day} {today:%B %Y}",
        f"{today.day} {today:%b %Y}",
        f"{today:%d/%m/%Y}",
    ]


def _clean_text(text: str, tmp: str) -> str:
    text = text.replace(tmp, "<tmp>")
    for form in _today_forms():
        text = text.replace(form, "<today>")
    text = _WIDGET_ID.sub("$$ID-", text)
    text = _MEDIA.sub(r"/media/<file>.\1", text)
    text = _TIME.sub("<time>", text)
    return _CLOCK.sub("<clock>", text)


def _cell(value: Any, tmp: str) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return _clean_text(
            value.isoformat(sep=" ") if isinstance(value, dt.datetime) else str(value), tmp
        )
    return _clean_text(repr(value), tmp)


def _arrow_rows(data: bytes, tmp: str) -> dict[str, Any]:
    """An Arrow IPC table as its column names and rows of cell text."""
    table = pa.ipc.open_stream(io.BytesIO(data)).read_all()
    return {
        "columns": [_clean_text(str(n), tmp) for n in table.column_names],
        "rows": [[_cell(v, tmp) for v in row.values()] for row in table.to_pylist()],
    }


def _clean(value: Any, tmp: str, key: str = "") -> Any:
    if isinstance(value, dict):
        out = {}
        for k in sorted(value):
            if k in _DROP_KEYS:
                continue
            v = value[k]
            if k in ("data", "arrowData") and isinstance(v, str):
                try:
                    out[k] = _arrow_rows(base64.b64decode(v), tmp)
                    continue
                except Exception:  # not Arrow: kept as text
                    pass
            if k == "spec" and isinstance(v, str):
                try:
                    out[k] = _clean(json.loads(v), tmp)
                    continue
                except ValueError:
                    pass
            out[k] = _clean(v, tmp, k)
        return out
    if isinstance(value, list):
        return [_clean(v, tmp, key) for v in value]
    if isinstance(value, str):
        return _clean_text(value, tmp)
    return value


def _elements(node: Any, tmp: str, out: list[dict[str, Any]]) -> None:
    """Depth first, in the order the page draws them: each element's type and content."""
    proto = getattr(node, "proto", None)
    kind = getattr(node, "type", type(node).__name__)
    if proto is not None and hasattr(proto, "DESCRIPTOR"):
        body = MessageToDict(proto, preserving_proto_field_name=False)
        out.append({"type": str(kind), "content": _clean(body, tmp)})
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for index in sorted(children):
            _elements(children[index], tmp, out)


def build_sample(folder: Path) -> Path:
    """The sample DuckDB database, loaded the way ``harrow-dash init --sample`` loads it."""
    path = folder / "sample.duckdb"
    db = Store(f"duckdb:///{path}")
    db.init()
    out = io.StringIO()
    rc = load_sample(db, out=out)
    if rc != 0:
        raise SystemExit(f"the sample data did not load:\n{out.getvalue()}")
    for period in db.periods()[:-1]:  # the latest quarter stays a draft: the public view differs
        db.publish(period, "snapshot@harrow.gov.uk")
    db.dispose()
    return path


class _Env:
    """Environment variables set for one role and put back afterwards (AppEnv wants a
    MonkeyPatch: this is the same thing without pytest)."""

    def __init__(self) -> None:
        self.saved: dict[str, str | None] = {}

    def setenv(self, name: str, value: str) -> None:
        self.saved.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def delenv(self, name: str, raising: bool = True) -> None:
        self.saved.setdefault(name, os.environ.get(name))
        os.environ.pop(name, None)

    def undo(self) -> None:
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self.saved.clear()


def snapshot(pages: list[str] | None = None) -> dict[str, Any]:
    """Page -> role -> the elements it draws (and any exception, as its type and message)."""
    os.chdir(REPO_ROOT)
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="page-snapshot-") as tmp:
        folder = Path(tmp)
        db_path = build_sample(folder)
        env = _Env()
        try:
            for role, how in ROLES.items():
                helpers.clear_streamlit_caches()
                app_env = helpers.AppEnv(env, folder / f"secrets-{role}.toml", db_path)  # type: ignore[arg-type]
                app_env.configure(auth=how["auth"], public=how["public"])
                for page in pages or helpers.page_files():
                    at = helpers.run_page(page, user=how["user"])
                    elements: list[dict[str, Any]] = []
                    _elements(at._tree, tmp, elements)
                    entry: dict[str, Any] = {"elements": elements}
                    if at.exception:
                        entry["exception"] = [_clean_text(e.message, tmp) for e in at.exception]
                    result.setdefault(page, {})[role] = entry
                env.undo()
        finally:
            env.undo()
            helpers.clear_streamlit_caches()
    return result


def main(argv: list[str]) -> int:
    if len(argv) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    pages = argv[1:] or None
    data = snapshot(pages)
    Path(argv[0]).write_text(
        json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    counts = {p: {r: len(v["elements"]) for r, v in roles.items()} for p, roles in data.items()}
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
