"""Settings: where the database is, the suppression threshold, the default tolerance, public mode, roles.

Each setting is read from an environment variable first, then from ``.streamlit/secrets.toml`` (the file
Streamlit deployments already keep secrets in), then falls back to a default. Read without Streamlit so
that the CLI and the tests see exactly what the app sees.

===========================  ==============================  =======================================
Environment variable         secrets.toml key                Default
===========================  ==============================  =======================================
HARROW_DASH_DATABASE_URL     ``[harrow_dash] database_url``  ``duckdb:///<repo>/data/harrow.duckdb``
HARROW_DASH_SUPPRESSION      ``suppression_threshold``       5
HARROW_DASH_SUPPRESS_ZERO    ``suppress_zero``               true: a count of 0 is hidden too
HARROW_DASH_TOLERANCE        ``default_tolerance``           0.05 (5% of target)
HARROW_DASH_PUBLIC           ``public_mode``                 false
HARROW_DASH_EDITORS          ``editors`` (list)              empty: e-mails or ``@domain`` entries
HARROW_DASH_MAX_UPLOAD_MB    ``max_upload_mb``               20
HARROW_DASH_FRAME_ANCESTORS  ``frame_ancestors``             ``'none'``: no site may frame the app
===========================  ==============================  =======================================

Sign-in is configured when the secrets file has an ``[auth]`` section (OpenID Connect for ``st.login``;
see ``.streamlit/secrets.toml.example``). ``HARROW_DASH_SECRETS`` names another secrets file for these
settings (tests use it); Streamlit itself reads ``[auth]`` from its own secrets locations, so a
deployment that moves the file must tell Streamlit too (``[secrets] files`` in ``config.toml``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = REPO_ROOT / "data" / "harrow.duckdb"
SAMPLE_DIR = REPO_ROOT / "data" / "sample"
SECRETS_PATH = REPO_ROOT / ".streamlit" / "secrets.toml"
# What ``streamlit run`` starts for every instance: the app with its security headers.
ASGI_APP = REPO_ROOT / "harrow_dash" / "ui" / "asgi_app.py"


@dataclass(frozen=True)
class Settings:
    database_url: str
    suppression_threshold: int = 5
    # A count of people of 0 is hidden like 1 to threshold - 1 (GSS guidance); false shows it as 0.
    suppress_zero: bool = True
    default_tolerance: float = 0.05
    public_mode: bool = False
    editors: tuple[str, ...] = field(default_factory=tuple)
    max_upload_mb: int = 20
    # Who may show the app in a frame: a CSP frame-ancestors source list (formats.security_headers).
    frame_ancestors: str = "'none'"
    auth_configured: bool = False
    # The ``[auth.<name>]`` provider to pass to ``st.login`` (None: the unnamed provider in ``[auth]``).
    auth_provider: str | None = None


def _secrets(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def secrets_file() -> Path:
    """The secrets file the settings come from: ``HARROW_DASH_SECRETS`` or ``.streamlit/secrets.toml``."""
    override = os.environ.get("HARROW_DASH_SECRETS", "").strip()
    return Path(override) if override else SECRETS_PATH


def _auth_provider(auth: object) -> str | None:
    """The named provider when ``[auth]`` holds only ``[auth.<name>]`` sections, else None."""
    if not isinstance(auth, dict) or "client_id" in auth:
        return None
    named = [k for k, v in auth.items() if isinstance(v, dict) and "client_id" in v]
    return named[0] if named else None


def load_settings(secrets_path: Path | None = None) -> Settings:
    """The settings in force now (environment first, then secrets.toml, then defaults)."""
    secrets = _secrets(secrets_path or secrets_file())
    ours: dict[str, Any] = secrets.get("harrow_dash", {})

    def pick(env: str, key: str, default: Any) -> Any:
        if os.environ.get(env, "").strip():
            return os.environ[env].strip()
        return ours.get(key, default)

    editors_raw = pick("HARROW_DASH_EDITORS", "editors", ())
    if isinstance(editors_raw, str):
        editors_raw = [e for e in editors_raw.replace(";", ",").split(",")]
    editors = tuple(e.strip().lower() for e in editors_raw if str(e).strip())
    return Settings(
        database_url=str(
            pick("HARROW_DASH_DATABASE_URL", "database_url", f"duckdb:///{DEFAULT_DB_PATH}")
        ),
        suppression_threshold=int(pick("HARROW_DASH_SUPPRESSION", "suppression_threshold", 5)),
        suppress_zero=_truthy(pick("HARROW_DASH_SUPPRESS_ZERO", "suppress_zero", True)),
        default_tolerance=float(pick("HARROW_DASH_TOLERANCE", "default_tolerance", 0.05)),
        public_mode=_truthy(pick("HARROW_DASH_PUBLIC", "public_mode", False)),
        editors=editors,
        max_upload_mb=int(pick("HARROW_DASH_MAX_UPLOAD_MB", "max_upload_mb", 20)),
        frame_ancestors=str(pick("HARROW_DASH_FRAME_ANCESTORS", "frame_ancestors", "'none'")),
        auth_configured="auth" in secrets,
        auth_provider=_auth_provider(secrets.get("auth")),
    )
