"""Viewers never see an engineer's message: the app's Streamlit settings (read from the repository's
``.streamlit/config.toml``, where ``make run``, ``harrow-dash serve`` and the deployment image start the
server) hide an unexpected error's type, message and traceback behind Streamlit's generic message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

_READ_OPTION = (
    "import streamlit.config as c; c.get_config_options(force_reparse=True); "
    "print(c.get_option('client.showErrorDetails'))"
)


def _option_seen_from(cwd: Path, home: Path) -> str:
    env = {**os.environ, "HOME": str(home)}  # no developer's own ~/.streamlit settings
    done = subprocess.run(
        [sys.executable, "-c", _READ_OPTION],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_the_server_started_from_the_repository_shows_no_error_details(tmp_path: Path) -> None:
    assert _option_seen_from(REPO_ROOT, tmp_path) == "none"
    # Without the repository's settings Streamlit would show everything (what this setting undoes).
    assert _option_seen_from(tmp_path, tmp_path) == "full"
