"""The deployment (``deploy/``): its compose file starts what a council needs, nginx accepts its proxy
config, and the running proxy sends the security headers and keeps each browser on one instance.

The proxy runs as the real nginx binary with the deployment's own template (rendered as the nginx
image renders it, see ``deploy_proxy.py``) in front of two real app instances started with
``harrow-dash serve``. Without nginx these tests skip, except with ``CI=true``, where they fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from http.client import HTTPMessage
from pathlib import Path

import pytest
import yaml
from deploy_proxy import (
    AFFINITY_COOKIE,
    COMPOSE_FILE,
    DEPLOY_DIR,
    INSTANCE_HEADER,
    REPO_ROOT,
    RunningProxy,
    assert_security_headers,
    check_config,
    deployment,
    free_port,
    http_get,
    local_config,
    require_nginx,
    run_proxy,
)
from websockets.sync.client import connect

from harrow_dash.config import load_settings

# The running proxy's tests start app servers: on the browser tests' xdist worker, so that a 2-core
# machine never runs these servers beside the browser tests' own.
pytestmark = pytest.mark.xdist_group("browser")


def _affinity(headers: HTTPMessage) -> str:
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith(f"{AFFINITY_COOKIE}="):
            return value.split(";", 1)[0]
    raise AssertionError(f"no {AFFINITY_COOKIE} cookie in {headers.get_all('Set-Cookie')}")


# -- the compose file ---------------------------------------------------------------------------------


def test_the_compose_file_starts_postgres_then_init_once_then_instances_then_the_proxy() -> None:
    spec = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    services = spec["services"]
    assert set(services) == {"db", "init", "app", "proxy"}
    assert services["db"]["image"].startswith("postgres:")
    assert "pg_isready" in str(services["db"]["healthcheck"]["test"])

    init = services["init"]
    assert "harrow-dash init" in " ".join(init["command"])
    assert init["restart"] == "no"  # once
    assert init["depends_on"] == {"db": {"condition": "service_healthy"}}

    app = services["app"]
    assert app["command"][:2] == ["harrow-dash", "serve"]
    assert app["deploy"]["replicas"] == "${HARROW_DASH_INSTANCES:-3}"  # N instances
    assert app["depends_on"] == {"init": {"condition": "service_completed_successfully"}}
    assert "/_stcore/health" in " ".join(app["healthcheck"]["test"])
    assert app["restart"] == "unless-stopped"  # an instance that exits with its line is restarted
    assert app["environment"]["HARROW_DASH_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@db:5432/" in app["environment"]["HARROW_DASH_DATABASE_URL"]
    assert app["environment"]["HARROW_DASH_PUBLIC"] == "${HARROW_DASH_PUBLIC:-true}"

    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert proxy["depends_on"] == {"app": {"condition": "service_healthy"}}
    assert "/_stcore/health" in " ".join(proxy["healthcheck"]["test"])
    assert proxy["environment"]["HARROW_DASH_FRAME_ANCESTORS"] == (
        "${HARROW_DASH_FRAME_ANCESTORS:-'none'}"
    )
    assert proxy["environment"]["NGINX_ENVSUBST_FILTER"] == "HARROW_DASH_"
    mounts = [v.split(":")[:2] for v in proxy["volumes"]]
    assert ["./nginx/harrow-dash.conf.template", "/etc/nginx/templates/default.conf.template"] in (
        mounts
    )
    for source, _target in mounts:
        assert (DEPLOY_DIR / source).resolve().is_file(), source
    secrets_default = app["volumes"][0].split(":-", 1)[1].split("}", 1)[0]
    assert (DEPLOY_DIR / secrets_default).is_file()
    # No sign-in by default (so the default public mode: see HARROW_DASH_PUBLIC above).
    assert not load_settings(DEPLOY_DIR / secrets_default).auth_configured


def test_the_app_image_holds_what_an_instance_runs() -> None:
    dockerfile = (DEPLOY_DIR / "Dockerfile").read_text(encoding="utf-8")
    for needed in ("harrow_dash", "pages", "app.py", ".streamlit/config.toml", "data/sample"):
        assert f"COPY {needed}" in dockerfile or f" {needed} " in dockerfile, needed
        assert (REPO_ROOT / needed).exists(), needed
    assert '"harrow-dash", "serve"' in dockerfile


def test_docker_compose_accepts_the_compose_file() -> None:
    """Where Docker Compose is installed (its ``config`` needs no daemon)."""
    docker = shutil.which("docker")
    if (
        docker is None
        or subprocess.run([docker, "compose", "version"], capture_output=True).returncode
    ):
        pytest.skip("Docker Compose is not installed; the compose file is checked by parsing above")
    done = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


# -- the proxy's config -------------------------------------------------------------------------------


@pytest.mark.parametrize("frame_ancestors", [None, "https://intranet.example.gov.uk"])
def test_nginx_accepts_the_proxy_config(tmp_path: Path, frame_ancestors: str | None) -> None:
    nginx = require_nginx()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        local_config(free_port(), ["127.0.0.1:9", "127.0.0.1:10"], tmp_path, frame_ancestors)
    )
    checked = check_config(nginx, conf)
    assert checked.returncode == 0, checked.stderr
    assert "$HARROW_DASH_" not in conf.read_text().replace("{", "")  # every setting filled in


# -- the running proxy --------------------------------------------------------------------------------


def test_the_proxys_headers_are_the_apps_own_policy() -> None:
    """One policy: the template's headers are those of harrow_dash.formats.security_headers, with
    frame-ancestors left to the setting, and the instances' own copies are dropped (one set)."""
    from deploy_proxy import TEMPLATE

    from harrow_dash.formats.security_headers import CSP_WITHOUT_FRAMING, OTHER_HEADERS

    text = TEMPLATE.read_text(encoding="utf-8")
    sent = dict(re.findall(r'^\s*add_header ([A-Za-z-]+) "([^"]*)" always;', text, re.M))
    assert sent["Content-Security-Policy"] == (
        f"{CSP_WITHOUT_FRAMING}; frame-ancestors ${{HARROW_DASH_FRAME_ANCESTORS}}"
    )
    for name, value in OTHER_HEADERS:
        assert sent[name] == value
    hidden = set(re.findall(r"^\s*proxy_hide_header ([A-Za-z-]+);", text, re.M))
    assert hidden == {"Content-Security-Policy", *(name for name, _ in OTHER_HEADERS)}


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningProxy, list[str]]]:
    nginx = require_nginx()
    with deployment(nginx, tmp_path_factory.mktemp("deploy")) as (proxy, upstreams):
        yield proxy, upstreams


@pytest.mark.parametrize(
    "path", ["/", "/Indicators", "/_stcore/health", "/_stcore/host-config", "/no-such-thing"]
)
def test_the_proxy_sends_the_security_headers(running, path: str) -> None:
    proxy, _upstreams = running
    status, headers = http_get(proxy.url + path)
    assert status in (200, 404)
    assert_security_headers(headers, ["'none'"])


def test_who_may_frame_the_app_is_a_setting(running, tmp_path: Path) -> None:
    _proxy, upstreams = running
    with run_proxy(
        require_nginx(), upstreams, tmp_path / "nginx", "https://intranet.example.gov.uk"
    ) as other:
        _status, headers = http_get(other.url + "/")
    assert_security_headers(headers, ["https://intranet.example.gov.uk"])


def test_a_browser_keeps_its_page_requests_and_websocket_on_one_instance(running) -> None:
    proxy, upstreams = running
    seen: dict[str, str] = {}  # affinity cookie -> the instance that served its first page
    for _ in range(40):  # new browsers, until both instances have served one
        status, headers = http_get(proxy.url + "/")
        assert status == 200
        seen[_affinity(headers)] = headers[INSTANCE_HEADER]
        if set(seen.values()) == set(upstreams):
            break
    assert set(seen.values()) == set(upstreams), "new browsers are not spread over the instances"

    for cookie, instance in seen.items():
        for path in ("/", "/_stcore/health", "/_stcore/host-config", "/Indicators"):
            status, headers = http_get(proxy.url + path, cookie)
            assert headers[INSTANCE_HEADER] == instance, (cookie, path)
            assert headers.get_all("Set-Cookie") is None or not any(
                c.startswith(AFFINITY_COOKIE) for c in headers.get_all("Set-Cookie") or []
            ), "a browser that has the cookie is not given a new one"
        stream = proxy.url.replace("http://", "ws://") + "/_stcore/stream"
        with connect(stream, additional_headers={"Cookie": cookie}, open_timeout=30) as ws:
            assert ws.response is not None and ws.response.status_code == 101
            assert ws.response.headers[INSTANCE_HEADER] == instance
            assert_security_headers(ws.response.headers, ["'none'"])  # type: ignore[arg-type]

    # nginx's own record (a websocket is logged when it closes): every request of each browser
    # after its first went to that browser's instance, the websocket upgrades (101) included.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        log = proxy.access_log()
        if sum(row["status"] == "101" for row in log) >= len(seen):
            break
        time.sleep(0.1)
    for cookie, instance in seen.items():
        value = cookie.split("=", 1)[1]
        mine = [row for row in log if row["cookie"] == value]
        assert {row["upstream"] for row in mine} == {instance}
        assert [row["uri"] for row in mine if row["status"] == "101"] == ["/_stcore/stream"]
