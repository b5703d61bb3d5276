"""The deployment's proxy outside Docker: its nginx template rendered for local upstreams, run by the test.

``deploy/nginx/harrow-dash.conf.template`` is what the official nginx image renders at start
(``envsubst`` of the ``HARROW_DASH_*`` names given in ``deploy/compose.yaml``). :func:`render` does the
same substitution; :func:`local_config` then makes it runnable here: the compose service name
``app:8501`` becomes the test's instances on 127.0.0.1, the listen port a free one, and it is wrapped
in a whole ``nginx.conf`` whose pid, logs and temporary files live in the test's folder (nginx runs as
the test's own user with no master process, so no privileges are needed). Two things only the test
adds: each response names the instance that served it (``X-Test-Instance: $upstream_addr``) and the
access log records the instance and affinity cookie of every request, websockets included.

Also: :func:`start_instances` (``harrow-dash serve`` processes, as compose runs them),
:func:`init_database` (``harrow-dash init --sample``, as compose's ``init`` runs it),
:func:`find_nginx` and :class:`RunningProxy`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEPLOY_DIR = REPO_ROOT / "deploy"
COMPOSE_FILE = DEPLOY_DIR / "compose.yaml"
TEMPLATE = DEPLOY_DIR / "nginx" / "harrow-dash.conf.template"
COMPOSE_UPSTREAM = "server app:8501 max_fails=3 fail_timeout=10s;"
COMPOSE_LISTEN = "listen 8080;"
AFFINITY_COOKIE = "harrow_dash_affinity"
INSTANCE_HEADER = "X-Test-Instance"
ACCESS_LOG_FORMAT = "$request_uri|$status|$upstream_addr|$cookie_harrow_dash_affinity"
START_TIMEOUT = 90.0


def find_nginx() -> str | None:
    """Debian's nginx (``/usr/sbin/nginx``), or ``nginx`` on PATH."""
    if Path("/usr/sbin/nginx").is_file():
        return "/usr/sbin/nginx"
    return shutil.which("nginx")


def require_nginx() -> str:
    """The nginx binary; without it the test skips, except with ``CI=true``, where it fails: CI
    installs nginx (``.ci/run``) and must run the deployment's tests."""
    path = find_nginx()
    if path is None:
        message = "nginx is not installed (Debian: apt-get install nginx)."
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} CI=true, so the deployment's proxy tests must run.", False)
        pytest.skip(message)
    return path


def compose_environment(service: str) -> dict[str, str]:
    """A compose service's environment, with compose's ``${NAME:-default}`` replaced by the default
    (as ``docker compose`` does when the variable is not set)."""
    spec = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    env = spec["services"][service].get("environment", {})
    out: dict[str, str] = {}
    for key, value in env.items():
        text = str(value)
        out[key] = re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", text).replace("$$", "$")
    return out


def render(template: str, values: dict[str, str]) -> str:
    """``template`` with ``${NAME}`` and ``$NAME`` replaced for each name in ``values``, exactly as the
    nginx image's ``envsubst`` does (names it was not given, such as nginx's own ``$host``, stay)."""
    for name in sorted(values, key=len, reverse=True):
        template = template.replace("${" + name + "}", values[name])
        template = re.sub(rf"\${name}\b", lambda _m, v=values[name]: v, template)
    return template


def local_config(
    listen_port: int, upstreams: list[str], folder: Path, frame_ancestors: str | None = None
) -> str:
    """A whole ``nginx.conf`` running the deployment's proxy config on 127.0.0.1:``listen_port`` in
    front of ``upstreams`` (``host:port``), with its files under ``folder``."""
    values = compose_environment("proxy")
    values = {k: v for k, v in values.items() if k.startswith("HARROW_DASH_")}
    if frame_ancestors is not None:
        values["HARROW_DASH_FRAME_ANCESTORS"] = frame_ancestors
    text = render(TEMPLATE.read_text(encoding="utf-8"), values)
    assert COMPOSE_UPSTREAM in text and COMPOSE_LISTEN in text, "the template changed: update me"
    servers = "\n    ".join(f"server {u} max_fails=3 fail_timeout=10s;" for u in upstreams)
    text = text.replace(COMPOSE_UPSTREAM, servers)
    text = text.replace(
        COMPOSE_LISTEN,
        f"listen 127.0.0.1:{listen_port};\n"
        f"    add_header {INSTANCE_HEADER} $upstream_addr always;\n"
        f"    access_log {folder / 'access.log'} harrow_test;",
    )
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return f"""daemon off;
master_process off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    log_format harrow_test '{ACCESS_LOG_FORMAT}';
    access_log off;
    client_body_temp_path {folder / "client_body"};
    proxy_temp_path {folder / "proxy"};
    fastcgi_temp_path {folder / "fastcgi"};
    uwsgi_temp_path {folder / "uwsgi"};
    scgi_temp_path {folder / "scgi"};
    default_type application/octet-stream;
{text}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check_config(nginx: str, conf: Path) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on ``conf``: whether nginx accepts the configuration."""
    return subprocess.run(
        [nginx, "-t", "-p", str(conf.parent), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def health(url: str) -> str:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.read().decode().strip()
    except (urllib.error.URLError, OSError):
        return ""


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited ({proc.returncode}): {log.read_text()[-2000:]}")
        if health(url) == "ok":
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer /_stcore/health: {log.read_text()[-2000:]}")


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a process a test started (kill it if it does not stop within 15 s)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@contextmanager
def start_instances(
    database_urls: list[str], folder: Path, env_extra: dict[str, str] | None = None
) -> Iterator[list[str]]:
    """An app instance (``harrow-dash serve``, as compose starts them) on each of ``database_urls``,
    each on its own free port, with ``env_extra`` in its environment; yields their ``host:port``.
    Stopped at the end."""
    procs: list[tuple[subprocess.Popen[bytes], str, Path]] = []
    try:
        for i, database_url in enumerate(database_urls):
            env = {k: v for k, v in os.environ.items() if not k.startswith("HARROW_DASH_")}
            env.update(
                HARROW_DASH_DATABASE_URL=database_url,
                HARROW_DASH_SECRETS=str(folder / "no-secrets.toml"),
                PYTHONUNBUFFERED="1",
            )
            env.update(env_extra or {})
            port = free_port()
            log = folder / f"instance-{i}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "harrow_dash.cli", "serve", "--port", str(port)],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            procs.append((proc, f"127.0.0.1:{port}", log))
        for proc, address, log in procs:
            _wait(f"http://{address}", proc, log)
        yield [address for _proc, address, _log in procs]
    finally:
        for proc, _address, _log in procs:
            stop_process(proc)


@dataclass
class RunningProxy:
    url: str
    folder: Path

    def access_log(self) -> list[dict[str, str]]:
        """Every request nginx has finished, oldest first (a websocket is logged when it closes)."""
        path = self.folder / "access.log"
        if not path.exists():
            return []
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            uri, status, upstream, cookie = line.split("|")
            rows.append({"uri": uri, "status": status, "upstream": upstream, "cookie": cookie})
        return rows


@contextmanager
def run_proxy(
    nginx: str, upstreams: list[str], folder: Path, frame_ancestors: str | None = None
) -> Iterator[RunningProxy]:
    """The deployment's nginx config, running in front of ``upstreams``, until the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(local_config(port, upstreams, folder, frame_ancestors), encoding="utf-8")
    checked = check_config(nginx, conf)
    assert checked.returncode == 0, checked.stderr
    proc = subprocess.Popen(
        [nginx, "-p", str(folder), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while health(url) != "ok":
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
                raise RuntimeError(f"nginx did not start: {err}\n{log}")
            time.sleep(0.1)
        yield RunningProxy(url, folder)
    finally:
        stop_process(proc)


def init_sample(path: Path) -> str:
    """A DuckDB file set up as compose's ``init`` service does (``harrow-dash init``, here with the
    sample data); returns its URL."""
    url = f"duckdb:///{path}"
    init_database(url, path.parent)
    return url


def init_database(url: str, folder: Path) -> None:
    """The database at ``url`` set up as compose's ``init`` service does, with the sample data
    (``harrow-dash init --sample``, no settings file: ``folder`` holds none)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARROW_DASH_")}
    env.update(HARROW_DASH_DATABASE_URL=url, HARROW_DASH_SECRETS=str(folder / "none.toml"))
    done = subprocess.run(
        [sys.executable, "-m", "harrow_dash.cli", "init", "--sample"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"harrow-dash init --sample failed: {done.stderr[-2000:]}")


@contextmanager
def deployment(nginx: str, folder: Path) -> Iterator[tuple[RunningProxy, list[str]]]:
    """The deployment in miniature: two app instances (each on its own copy of a sample DuckDB file:
    one DuckDB file has one writer; compose's instances share PostgreSQL) behind the proxy."""
    first = folder / "instance-a.duckdb"
    init_sample(first)
    second = folder / "instance-b.duckdb"
    shutil.copyfile(first, second)
    wal = first.with_name(first.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, second.with_name(second.name + ".wal"))
    urls = [f"duckdb:///{first}", f"duckdb:///{second}"]
    with ExitStack() as stack:
        upstreams = stack.enter_context(start_instances(urls, folder))
        proxy = stack.enter_context(run_proxy(nginx, upstreams, folder / "nginx"))
        yield proxy, upstreams


# -- the security headers ------------------------------------------------------------------------

# What the app and the proxy must send on every response. Only the app's own origin may serve scripts, styles,
# images, fonts and connections; nobody may frame the app unless configured.
CSP_REQUIRED = {
    "default-src": ["'self'"],
    "connect-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Every source the policy may name: the app's own origin, inline styles, data:/blob: URLs, hashes
# of Streamlit's own inline script and WebAssembly compilation. No other origin, no 'unsafe-eval'
# (JavaScript from strings), no wildcard.
CSP_ALLOWED_SOURCES = re.compile(
    r"^('self'|'none'|'unsafe-inline'|'wasm-unsafe-eval'|data:|blob:|'sha256-[A-Za-z0-9+/=]+')$"
)
EXPECTED_OTHER_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def parse_csp(value: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def http_get(url: str, cookie: str | None = None) -> tuple[int, HTTPMessage]:
    """The status and headers of a GET of ``url`` (an error status too, not an exception)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            resp.read()
            return resp.status, resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers


def assert_security_headers(headers: HTTPMessage, frame_ancestors: list[str]) -> None:
    """One Content-Security-Policy with the required directives (framing by ``frame_ancestors``) and
    no source beyond the app's own origin, and the other headers, once each."""
    csp_values = headers.get_all("Content-Security-Policy") or []
    assert len(csp_values) == 1, csp_values
    csp = parse_csp(csp_values[0])
    for directive, sources in {**CSP_REQUIRED, "frame-ancestors": frame_ancestors}.items():
        assert csp.get(directive) == sources, (directive, csp.get(directive))
    loose = [
        (d, s)
        for d, sources in csp.items()
        if d != "frame-ancestors"
        for s in sources
        if not CSP_ALLOWED_SOURCES.match(s)
    ]
    assert loose == [], f"sources beyond the app's own origin: {loose}"
    assert "'unsafe-inline'" not in csp.get("script-src", csp["default-src"])
    for name, value in EXPECTED_OTHER_HEADERS.items():
        assert headers.get_all(name) == [value], (name, headers.get_all(name))
