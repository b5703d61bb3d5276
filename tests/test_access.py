"""Sign-in and roles: who may see which page, on every page of the app.

The pages are read from the directory (``app.py`` and ``pages/*.py``), so a new page is covered here
without editing this file. A page is an editor page when it calls ``page_frame(..., role=Role.EDITOR)``.

Roles: local mode (no sign-in configured: the single local user is an editor), not signed in (sign-in
configured), viewer, editor (by domain or by address) and public mode. Users are faked with
``at.user``; sign-in is "configured" by a temporary secrets file named by ``HARROW_DASH_SECRETS``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from apptest_helpers import (
    AUTH_SECRETS,
    EDITOR,
    NAMED_EDITOR,
    NO_ACCESS,
    SIGNED_OUT,
    VIEWER,
    AppEnv,
    app_env,
    is_editor_page,
    page_bytes,
    page_files,
    run_page,
    unescape,
)

from harrow_dash.config import load_settings
from harrow_dash.ingest.load import FileInput, load
from harrow_dash.rules.access import LOCAL_USER, PUBLIC_USER, Role, resolve_user, role_for
from harrow_dash.rules.periods import Period, parse_period
from harrow_dash.store import Store
from harrow_dash.ui.frame import LOCAL_MODE, SIGN_IN_TITLE

PAGES = page_files()
PUBLISHED_UNTIL = Period(2023, 2)  # the sample runs to Q3 2023-24 (Q4 has targets only)
UNPUBLISHED = ("Q3 2023-24", "Q4 2023-24")
INTERNAL_MARKER = "INTERNAL-ONLY-7f3a"


def copy_db(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


@pytest.fixture(scope="module")
def roles_db(sample_db_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with every quarter up to Q2 2023-24 published and one internal commentary in the
    latest published quarter (so the public view has something to hide)."""
    path = copy_db(sample_db_file, tmp_path_factory.mktemp("roles") / "roles.duckdb")
    db = Store(f"duckdb:///{path}")
    actual = db.read(
        "SELECT actual FROM indicator_values WHERE ref = 'PI-01' AND period = :p",
        {"p": PUBLISHED_UNTIL.key},
    )["actual"].iloc[0]
    csv = (
        "Ref,Period,Actual,Commentary,Internal commentary\n"
        f"PI-01,{PUBLISHED_UNTIL.label},{actual:g},{INTERNAL_MARKER} staffing detail,yes\n"
    )
    # Loaded before publishing: a published quarter is locked against changes.
    result = load(db, [FileInput("internal.csv", csv.encode())], "setup")
    assert result.batch_id is not None
    for period in db.periods():
        if period <= PUBLISHED_UNTIL:
            db.publish(period, "setup")
    db.dispose()
    return path


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, roles_db: Path) -> Iterator[AppEnv]:
    yield from app_env(monkeypatch, tmp_path, roles_db)


# -- the rules, without Streamlit ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("jo@harrow.gov.uk", Role.EDITOR),  # by domain
        ("JO@Harrow.Gov.UK ", Role.EDITOR),  # case and spaces do not matter
        ("officer@example.org", Role.EDITOR),  # by address
        ("other@example.org", Role.VIEWER),  # same domain as a listed address is not enough
        ("jo@sub.harrow.gov.uk", Role.VIEWER),  # a subdomain is another domain
        ("jo@harrow.gov.uk.evil.example", Role.VIEWER),
        ("harrow.gov.uk", Role.VIEWER),  # not an address
        ("", Role.VIEWER),
        (None, Role.VIEWER),
    ],
)
def test_role_by_address_or_domain(email: str | None, expected: Role) -> None:
    assert role_for(email, ("@harrow.gov.uk", "officer@example.org")) is expected


def test_resolve_user_modes() -> None:
    common = {"email": "jo@harrow.gov.uk", "name": "Jo", "editors": ("@harrow.gov.uk",)}
    assert resolve_user(auth_configured=False, public_mode=False, logged_in=False, **common) == (
        LOCAL_USER
    )
    assert LOCAL_USER.is_editor and LOCAL_USER.local_mode
    assert resolve_user(auth_configured=True, public_mode=False, logged_in=False, **common) is None
    jo = resolve_user(auth_configured=True, public_mode=False, logged_in=True, **common)
    assert jo is not None and jo.is_editor and jo.signed_in and jo.email == "jo@harrow.gov.uk"
    # Public mode: everyone is an anonymous viewer, signed in or not.
    for auth in (False, True):
        user = resolve_user(auth_configured=auth, public_mode=True, logged_in=True, **common)
        assert user == PUBLIC_USER and not user.is_editor


def test_settings_from_a_named_secrets_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("HARROW_DASH_EDITORS", "HARROW_DASH_PUBLIC", "HARROW_DASH_MAX_UPLOAD_MB"):
        monkeypatch.delenv(name, raising=False)
    secrets = tmp_path / "s.toml"
    secrets.write_text(AUTH_SECRETS + "public_mode = true\nmax_upload_mb = 7\n", encoding="utf-8")
    monkeypatch.setenv("HARROW_DASH_SECRETS", str(secrets))
    s = load_settings()
    assert s.auth_configured and s.auth_provider is None
    assert s.editors == ("@harrow.gov.uk", "officer@example.org")
    assert s.public_mode and s.max_upload_mb == 7
    # The environment wins over the file.
    monkeypatch.setenv("HARROW_DASH_EDITORS", "a@x.org; @y.org")
    monkeypatch.setenv("HARROW_DASH_PUBLIC", "false")
    s = load_settings()
    assert s.editors == ("a@x.org", "@y.org") and not s.public_mode
    # No [auth]: local mode. A missing file is no sign-in, not an error.
    secrets.write_text("[harrow_dash]\neditors = []\n", encoding="utf-8")
    assert not load_settings().auth_configured
    monkeypatch.setenv("HARROW_DASH_SECRETS", str(tmp_path / "missing.toml"))
    assert not load_settings().auth_configured


def test_a_named_provider_is_passed_to_login(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets = tmp_path / "s.toml"
    secrets.write_text(
        '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\ncookie_secret = "x"\n'
        '[auth.microsoft]\nclient_id = "c"\nclient_secret = "s"\n'
        'server_metadata_url = "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("HARROW_DASH_SECRETS", str(secrets))
    s = load_settings()
    assert s.auth_configured and s.auth_provider == "microsoft"


def test_the_secrets_example_is_valid_and_complete() -> None:
    import tomllib

    example = Path(__file__).resolve().parents[1] / ".streamlit" / "secrets.toml.example"
    text = example.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert set(data["auth"]) >= {
        "redirect_uri",
        "cookie_secret",
        "client_id",
        "client_secret",
        "server_metadata_url",
    }
    assert data["auth"]["server_metadata_url"].startswith("https://login.microsoftonline.com/")
    assert data["auth"]["server_metadata_url"].endswith("/v2.0/.well-known/openid-configuration")
    assert set(data["harrow_dash"]) >= {
        "database_url",
        "editors",
        "public_mode",
        "suppression_threshold",
        "default_tolerance",
        "max_upload_mb",
        "frame_ancestors",
    }


# -- every page, every role ------------------------------------------------------------------------


def test_the_pages_are_found() -> None:
    assert PAGES[0] == "app.py"
    assert "pages/6_Data.py" in PAGES
    assert is_editor_page("pages/6_Data.py")
    assert not is_editor_page("app.py")


def _assert_sign_in_prompt_only(at) -> None:
    assert not at.exception
    assert [t.value for t in at.title] == [SIGN_IN_TITLE]
    assert [b.label for b in at.button] == ["Sign in"]
    for kind in ("dataframe", "file_uploader", "selectbox", "multiselect", "download_button"):
        assert not getattr(at, kind), f"{kind} shown before sign-in"
    assert not at.get("page_link") and not at.get("vega_lite_chart")
    assert not at.error  # not even "no access": nothing about the page is revealed


def _assert_refused(at, title: str) -> None:
    assert not at.exception
    assert [t.value for t in at.title] == [title]
    assert any(NO_ACCESS in e.value for e in at.error)
    for kind in ("dataframe", "file_uploader", "selectbox", "multiselect", "download_button"):
        assert not getattr(at, kind), f"{kind} shown to a user without access"
    assert not at.tabs
    assert {b.label for b in at.button} <= {"Sign out"}


def _assert_shown(at) -> None:
    assert not at.exception, at.exception
    assert not any(NO_ACCESS in e.value for e in at.error)
    assert not any(t.value == SIGN_IN_TITLE for t in at.title)


@pytest.mark.parametrize("page", PAGES)
def test_local_mode_user_is_an_editor_on_every_page(env: AppEnv, page: str) -> None:
    at = run_page(page)
    _assert_shown(at)


@pytest.mark.parametrize("page", PAGES)
def test_not_signed_in_sees_only_the_sign_in_prompt(env: AppEnv, page: str) -> None:
    env.configure(auth=True)
    _assert_sign_in_prompt_only(run_page(page, SIGNED_OUT))


@pytest.mark.parametrize("page", PAGES)
def test_viewer_sees_viewer_pages_and_is_refused_editor_pages(env: AppEnv, page: str) -> None:
    env.configure(auth=True)
    at = run_page(page, VIEWER)
    if is_editor_page(page):
        _assert_refused(at, "Data" if page.endswith("Data.py") else at.title[0].value)
    else:
        _assert_shown(at)


@pytest.mark.parametrize("page", PAGES)
def test_editor_sees_every_page(env: AppEnv, page: str) -> None:
    env.configure(auth=True)
    _assert_shown(run_page(page, EDITOR))


@pytest.mark.parametrize("page", PAGES)
def test_public_mode_shows_published_quarters_only_on_every_page(env: AppEnv, page: str) -> None:
    env.configure(public=True)
    at = run_page(page)
    if is_editor_page(page):
        _assert_refused(at, at.title[0].value)
        return
    _assert_shown(at)
    everything = page_bytes(at)
    for label in UNPUBLISHED:
        assert label.encode() not in everything, f"{page} shows unpublished {label}"
    assert INTERNAL_MARKER.encode() not in everything, f"{page} shows internal commentary"


def test_public_mode_ignores_sign_in(env: AppEnv) -> None:
    env.configure(auth=True, public=True)
    at = run_page("app.py", SIGNED_OUT)
    _assert_shown(at)
    assert "Public view: published quarters only." in [c.value for c in at.sidebar.caption]
    _assert_refused(run_page("pages/6_Data.py", EDITOR), "Data")


# -- the Data page addressed directly --------------------------------------------------------------


def test_viewer_opening_the_data_page_directly_is_refused(env: AppEnv) -> None:
    env.configure(auth=True)
    at = run_page("pages/6_Data.py", VIEWER)
    _assert_refused(at, "Data")
    assert at.error[0].value.startswith("You do not have access to this page.")
    # They may still sign out (perhaps they used the wrong account).
    assert "Signed in as Cllr Smith (viewer)." in [unescape(c.value) for c in at.sidebar.caption]
    assert [b.label for b in at.sidebar.button] == ["Sign out"]


def test_not_signed_in_opening_the_data_page_directly_sees_the_sign_in_prompt(
    env: AppEnv,
) -> None:
    env.configure(auth=True)
    at = run_page("pages/6_Data.py", SIGNED_OUT)
    _assert_sign_in_prompt_only(at)
    assert b"Load a file" not in page_bytes(at)


@pytest.mark.parametrize("user", [EDITOR, NAMED_EDITOR], ids=["by-domain", "by-address"])
def test_editors_reach_the_data_page(env: AppEnv, user: dict) -> None:
    env.configure(auth=True)
    at = run_page("pages/6_Data.py", user)
    _assert_shown(at)
    assert at.file_uploader and [t.label for t in at.tabs][:4] == [
        "Load data",
        "Comparator measures",
        "Publish quarters",
        "Load history",
    ]
    assert f"Signed in as {user['name']} (editor)." in [
        unescape(c.value) for c in at.sidebar.caption
    ]


def test_entra_sign_in_name_is_used_when_there_is_no_email_claim(env: AppEnv) -> None:
    env.configure(auth=True)
    user = {"is_logged_in": True, "preferred_username": "jo@harrow.gov.uk", "name": "Jo"}
    _assert_shown(run_page("pages/6_Data.py", user))
    # A sign-in name that is not an address gives no role beyond viewer.
    user = {"is_logged_in": True, "preferred_username": "harrow.gov.uk", "name": "Odd"}
    _assert_refused(run_page("pages/6_Data.py", user), "Data")


def test_local_mode_is_clearly_labelled(env: AppEnv) -> None:
    for page in ("app.py", "pages/6_Data.py"):
        at = run_page(page)
        assert LOCAL_MODE in [i.value for i in at.sidebar.info], page
        assert not at.sidebar.button  # no sign-out in local mode


def test_sign_in_button_reports_a_broken_configuration(env: AppEnv) -> None:
    """Our settings say sign-in is configured, but Streamlit's own secrets have no [auth]: the
    button explains instead of crashing."""
    env.configure(auth=True)
    at = run_page("app.py", SIGNED_OUT)
    at.button(key="sign_in").click().run()
    assert not at.exception
    assert any("Sign-in is not set up correctly" in e.value for e in at.error)


def test_an_unpublished_quarter_in_a_public_link_falls_back_with_a_note(env: AppEnv) -> None:
    env.configure(public=True)
    at = run_page("app.py", query={"quarter": "Q3 2023-24"})
    _assert_shown(at)
    notes = [unescape(i.value) for i in at.info]
    assert any("Q3 2023-24" in n and "not a published quarter" in n for n in notes), notes
    assert any(f"showing {PUBLISHED_UNTIL.label} instead" in n for n in notes), notes
    quarter = at.sidebar.selectbox[0]
    assert quarter.value == PUBLISHED_UNTIL.label
    assert all(parse_period(o.split(" (")[0]) <= PUBLISHED_UNTIL for o in quarter.options)
    assert all(o.endswith("(published)") for o in quarter.options)
