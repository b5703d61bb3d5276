"""PostgreSQL going away: a public instance says only "The dashboard cannot reach its data just now; try
again in a minute", with nothing about the server, and recovers by itself when PostgreSQL comes back.

The test runs its own PostgreSQL cluster (stopping the session's would break other tests), loads the
sample into it with its quarters published, and starts the app in public mode on it. It opens the
Overview, stops the server as a crash would, reloads (the plain message), starts the server again and
reloads once more: the Overview is back, with no restart of the app.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from helpers import exceptions, wait_for_app
from pg_cluster import Cluster, driver_available, find_bin_dir
from playwright.sync_api import Page, expect

from harrow_dash.cli import load_sample
from harrow_dash.store import Store
from harrow_dash.store.failures import VIEWER_MESSAGE

TIMEOUT = 60_000


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of this test's own, which it may stop and start."""
    bin_dir = find_bin_dir()
    if bin_dir is None or not driver_available():
        pytest.skip("PostgreSQL or its driver is not installed")
    cluster = Cluster(bin_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def _published_sample(cluster: Cluster) -> str:
    url = cluster.create_database()
    db = Store(url)
    try:
        db.init()
        out = io.StringIO()
        assert load_sample(db, out=out) == 0, out.getvalue()
        latest = db.latest_reported_period()
        for period in db.periods():
            if latest is not None and period <= latest:
                db.publish(period, "browser tests")
    finally:
        db.dispose()
    return url


def _overview_shown(page: Page) -> None:
    heading = page.get_by_role("heading", name=re.compile(r"^Performance indicators: \d+$"))
    expect(heading).to_be_visible(timeout=TIMEOUT)


def test_postgresql_going_away_shows_the_plain_message_and_the_app_recovers(
    page: Page, start_app, own_cluster: Cluster, tmp_path
) -> None:
    url = _published_sample(own_cluster)
    base = start_app(
        url, {"HARROW_DASH_PUBLIC": "true", "HARROW_DASH_SECRETS": str(tmp_path / "none.toml")}
    )
    page.goto(base, timeout=TIMEOUT)
    wait_for_app(page, timeout=TIMEOUT)
    _overview_shown(page)

    own_cluster.pause()
    try:
        page.reload(timeout=TIMEOUT)
        wait_for_app(page, timeout=TIMEOUT)
        alert = page.locator('[data-testid="stAlertContentError"] p')  # the text, not the icon
        expect(alert).to_have_text([VIEWER_MESSAGE], timeout=TIMEOUT)
        shown = page.locator('[data-testid="stApp"]').inner_text()
        for secret in ("127.0.0.1", str(own_cluster.port), "postgres", url.rsplit("/", 1)[1]):
            assert secret not in shown, secret
        assert "psycopg" not in shown and "Traceback" not in shown
        assert exceptions(page) == []
    finally:
        own_cluster.resume()

    page.reload(timeout=TIMEOUT)  # the next page load, the same app process
    wait_for_app(page, timeout=TIMEOUT)
    _overview_shown(page)
    expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(0)
    assert exceptions(page) == []
