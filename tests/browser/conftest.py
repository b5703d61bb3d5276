"""Browser-test fixtures: headless Chromium (Debian's) through Playwright, and the app on a free port.

Every test under ``tests/browser`` is marked ``browser`` and put in one xdist group ("browser"), so with
``pytest -n 2 --dist loadgroup`` one worker runs all browser tests against one server while the other
runs the unit tests (two servers and two Chromiums on a 2-core machine make timings flaky).

Fixtures (keep the names: other test files use them):

* ``chromium_path``: the Chromium binary. Without one the browser tests skip, unless ``CI=true``, where
  they fail: CI must run them.
* ``start_app(db_path, env_extra=None) -> base_url``: start ``streamlit run harrow_dash/ui/asgi_app.py`` (the app, as every instance serves it; headless, on
  127.0.0.1 and a free port, no usage stats, no file watcher) with
  ``HARROW_DASH_DATABASE_URL`` pointing at ``db_path`` (a DuckDB file path, or a full SQLAlchemy URL),
  wait for ``/_stcore/health``; the server stops when the test ends. Its log goes to
  ``test-output/logs/``. Use it for a test that writes to its database (give it its own copy).
* ``app_url``: one server for the whole session on a copy of the sample database. Read-only use.
* ``browser`` (session) and ``page`` (per test, 1440x900) with ``page.console_errors`` (console errors
  and uncaught page errors) and ``page.failed_requests`` recorded (except Streamlit's own base-path
  probe, see ``STREAMLIT_BASE_PATH_PROBE``). A failing test leaves a screenshot
  ``test-output/screenshots/FAILED-<test>.png``.

Helpers (``wait_for_app``, ``exceptions``, ``axe_violations``, ``screenshot``...) are plain functions in
``helpers.py``: ``from helpers import wait_for_app``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import LOG_DIR, REPO_ROOT, count_app_messages, screenshot

from benchmarks.browser import CHROMIUM_ARGS  # the flags the page bench uses too
from harrow_dash.config import ASGI_APP
from harrow_dash.store import Store

BROWSER_DIR = Path(__file__).resolve().parent
VIEWPORT = {"width": 1440, "height": 900}

# Streamlit's own frontend, opened at a page's address (/Indicators), does not know whether
# "Indicators" is a page or the server's base path, so it first asks /Indicators/_stcore/health and
# /Indicators/_stcore/host-config (404), then the root (200). Chromium logs each 404 as a console error.
# That probe is Streamlit's, not ours, and harmless: these two requests, and only they, are not counted.
STREAMLIT_BASE_PATH_PROBE = re.compile(r"^https?://[^/]+/[^?#]+/_stcore/(health|host-config)$")
HEALTH_TIMEOUT = 60.0


# -- marking ------------------------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser ``browser`` and keep them on one xdist worker."""
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if item.get_closest_marker("xdist_group") is None:
                item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Remember each phase's outcome on the item, so the ``page`` fixture can screenshot failures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# -- Chromium -----------------------------------------------------------------------------------------


def find_chromium() -> str | None:
    """Debian's Chromium, or a ``chromium`` on PATH."""
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        message = (
            "Chromium is not installed (looked for /usr/bin/chromium and `chromium` on PATH); "
            "install it with `apt-get install chromium`."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} CI=true, so the browser tests must run.", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def _require_chromium(chromium_path: str) -> None:
    """Every browser test skips (or, on CI, fails) without Chromium, even one that needs no page."""


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh context and page at 1440x900 that records console errors, page errors and failed
    requests in ``page.console_errors`` and ``page.failed_requests``."""
    context = browser.new_context(viewport=VIEWPORT)
    count_app_messages(context)
    pg = context.new_page()
    pg.console_errors = []
    pg.failed_requests = []

    pg.ignored_console = []  # Streamlit's base-path probe (see STREAMLIT_BASE_PATH_PROBE)

    def on_console(msg) -> None:
        if msg.type != "error":
            return
        where = msg.location.get("url", "")
        text = f"console.error: {msg.text} ({where})"
        if "404" in msg.text and STREAMLIT_BASE_PATH_PROBE.match(where):
            pg.ignored_console.append(text)
        else:
            pg.console_errors.append(text)

    def on_request_failed(req) -> None:
        # A request cut short because the test moved to another address is not a failure.
        if req.failure and "ERR_ABORTED" in req.failure:
            return
        pg.failed_requests.append(f"{req.method} {req.url}: {req.failure}")

    def on_response(resp) -> None:
        if resp.status == 404 and STREAMLIT_BASE_PATH_PROBE.match(resp.url):
            return
        if resp.status >= 400:
            pg.failed_requests.append(f"{resp.request.method} {resp.url}: HTTP {resp.status}")

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: pg.console_errors.append(f"page error: {exc}"))
    pg.on("requestfailed", on_request_failed)
    pg.on("response", on_response)
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            with contextlib.suppress(Exception):  # best effort: the page may be gone
                screenshot(pg, f"FAILED-{request.node.name}")
        context.close()


# -- the app ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _python() -> str:
    venv = REPO_ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def database_url(db: str | Path) -> str:
    """A SQLAlchemy URL for a DuckDB file path (a string that already is a URL is kept)."""
    text = str(db)
    if "://" in text:
        return text
    return f"duckdb:///{Path(text).resolve()}"


class AppServers:
    """Starts ``streamlit run harrow_dash/ui/asgi_app.py`` processes and stops them all at the end."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start(self, db_path: str | Path, env_extra: dict[str, str] | None = None) -> str:
        last_error = ""
        for _attempt in range(3):  # another process may take the free port before we bind it
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            # The app's settings come from here only: none of the developer's HARROW_DASH_*
            # variables, and no secrets file (so local mode: no sign-in, the local user edits).
            env = {k: v for k, v in os.environ.items() if not k.startswith("HARROW_DASH_")}
            env.update(
                HARROW_DASH_DATABASE_URL=database_url(db_path),
                HARROW_DASH_SECRETS=str(LOG_DIR / "no-such-secrets.toml"),
                PYTHONUNBUFFERED="1",
            )
            env.update(env_extra or {})
            LOG_DIR.mkdir(parents=True, exist_ok=True)
            log_path = LOG_DIR / f"streamlit-{self.label}-{port}.log"
            log = log_path.open("wb")
            cmd = [
                _python(),
                "-m",
                "streamlit",
                "run",
                str(ASGI_APP),  # the app with its security headers, as every instance runs it
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                # No file watcher: a source edit while the tests run would put Streamlit's "source
                # changed, rerun?" prompt (the status widget) on every page, and the watcher walks
                # the whole repository (.venv included) at the first session.
                "--server.fileWatcherType",
                "none",
            ]
            proc = subprocess.Popen(
                cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            log.close()
            self.procs.append(proc)
            self.logs.append(log_path)
            ok, last_error = wait_for_health(url, proc, HEALTH_TIMEOUT)
            if ok:
                return url
            self._stop(proc)
            if "already in use" not in log_path.read_text(errors="replace"):
                break
        tail = self.logs[-1].read_text(errors="replace")[-3000:] if self.logs else ""
        raise RuntimeError(f"The app did not start: {last_error}\n--- log tail ---\n{tail}")

    @staticmethod
    def _stop(proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            self._stop(proc)
        self.procs.clear()


def wait_for_health(
    url: str, proc: subprocess.Popen[bytes] | None, timeout: float
) -> tuple[bool, str]:
    """Poll ``/_stcore/health`` until it answers ``ok``; (False, why) on timeout or early exit."""
    deadline = time.monotonic() + timeout
    why = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False, f"streamlit exited with code {proc.returncode}"
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return True, ""
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            why = str(exc)
        time.sleep(0.1)
    return False, f"/_stcore/health did not answer ok within {timeout:.0f} s ({why})"


@pytest.fixture
def start_app(request: pytest.FixtureRequest) -> Iterator[Callable[..., str]]:
    """``start_app(db_path, env_extra=None) -> base_url``: an app server for this test only."""
    servers = AppServers(request.node.name[:60])
    try:
        yield servers.start
    finally:
        servers.stop_all()


@pytest.fixture(scope="session")
def app_db(sample_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session copy of the sample database for the shared server (the app holds its lock), with
    every reported quarter published, as a council's history would be; the Cabinet presentation
    shows published quarters only."""
    target = tmp_path_factory.mktemp("app-db") / "sample.duckdb"
    shutil.copyfile(sample_db_file, target)
    wal = sample_db_file.with_name(sample_db_file.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    db = Store(f"duckdb:///{target}")
    latest = db.latest_reported_period()
    for period in db.periods():
        if latest is not None and period <= latest:
            db.publish(period, "browser tests")
    db.dispose()
    return target


@pytest.fixture(scope="session")
def app_url(app_db: Path, chromium_path: str) -> Iterator[str]:
    """The shared app server on the sample data (read-only use: tests that write start their own)."""
    servers = AppServers("session")
    try:
        yield servers.start(app_db)
    finally:
        servers.stop_all()
