"""The app's own security headers: every HTTP response of an instance started as every instance is
(``harrow-dash serve``, which runs ``harrow_dash/ui/asgi_app.py``), with no proxy in front, carries
the Content-Security-Policy, X-Content-Type-Options and Referrer-Policy; who may frame it is a
setting, checked before the instance starts. The deployment's proxy sends the same policy
(``test_deploy.py``); the pages rendering under it in Chromium are ``browser/test_app_headers_in_browser.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_proxy import REPO_ROOT, assert_security_headers, free_port, http_get, start_instances

from harrow_dash.formats.security_headers import (
    content_security_policy,
    frame_ancestors_problem,
    security_headers,
)

# Starts app servers: on the browser tests' xdist worker (see test_deploy.py).
pytestmark = pytest.mark.xdist_group("browser")

INTRANET = "https://intranet.example.gov.uk https://*.example.gov.uk:443"


def _sample_copy(sample_db_file: Path, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "sample.duckdb"
    shutil.copy(sample_db_file, copy)
    return f"duckdb:///{copy}"


@pytest.fixture(scope="module")
def instance(sample_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("app-headers")
    with start_instances([_sample_copy(sample_db_file, folder)], folder) as (address,):
        yield f"http://{address}"


@pytest.mark.parametrize(
    "path",
    ["/", "/Indicators", "/_stcore/health", "/_stcore/host-config", "/no-such-thing",
     "/static/no-such-file.js"],
)  # fmt: skip
def test_an_instance_sends_the_security_headers_itself(instance: str, path: str) -> None:
    status, headers = http_get(instance + path)
    assert status in (200, 404)
    assert_security_headers(headers, ["'none'"])


def test_who_may_frame_an_instance_is_a_setting(sample_db_file: Path, tmp_path: Path) -> None:
    url = _sample_copy(sample_db_file, tmp_path)
    with start_instances([url], tmp_path, {"HARROW_DASH_FRAME_ANCESTORS": INTRANET}) as (address,):
        _status, headers = http_get(f"http://{address}/")
    assert_security_headers(headers, INTRANET.split())


@pytest.mark.parametrize(
    "value",
    [
        "https://intranet.example.gov.uk; script-src *",  # would add a directive
        "https://intranet.example.gov.uk\r\nSet-Cookie: x=1",  # would add a header
        "'unsafe-inline'",
        "https://a.example.gov.uk,https://b.example.gov.uk",
        "'none' https://intranet.example.gov.uk",
    ],
)
def test_an_instance_will_not_start_with_a_framing_setting_it_cannot_send(
    tmp_path: Path, value: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARROW_DASH_")}
    env.update(
        HARROW_DASH_DATABASE_URL=f"duckdb:///{tmp_path / 'none.duckdb'}",
        HARROW_DASH_SECRETS=str(tmp_path / "no-secrets.toml"),
        HARROW_DASH_FRAME_ANCESTORS=value,
    )
    done = subprocess.run(
        [sys.executable, "-m", "harrow_dash.cli", "serve", "--port", str(free_port())],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        "harrow-dash serve: cannot start: HARROW_DASH_FRAME_ANCESTORS gives "
    ), lines[0]


@pytest.mark.parametrize(
    "value",
    ["'none'", "'self'", "https:", "https://intranet.example.gov.uk", INTRANET,
     "intranet.example.gov.uk", "http://localhost:8080/dash/"],
)  # fmt: skip
def test_a_frame_ancestors_source_list_is_sent_as_given(value: str) -> None:
    assert frame_ancestors_problem(value) is None
    policy = content_security_policy(value)
    assert policy.endswith(f"; frame-ancestors {value}")
    assert policy.count(";") == content_security_policy().count(";")
    assert dict(security_headers(value))["Content-Security-Policy"] == policy


def test_a_framing_setting_that_could_change_the_policy_is_refused() -> None:
    for value in ("", "x; y", "a\nb;c", "'unsafe-eval'", "https://a,b", '"x"'):
        assert frame_ancestors_problem(value) is not None, value
        with pytest.raises(ValueError, match="HARROW_DASH_FRAME_ANCESTORS"):
            content_security_policy(value)
