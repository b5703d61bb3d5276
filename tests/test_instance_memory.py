"""What keeps an app instance small (issue 21; measured by ``make bench``'s ``memory`` section):

* a page run puts the process on the settings of ``harrow_dash.process_memory`` (Arrow's system
  pool, malloc's arenas), once per process;
* the Indicators list holds its trend lines as one Arrow list column (``explore.TrendLines``),
  which must read exactly as the sparkline rule gives them, on both databases, and reach the
  browser as those lists (``components.arrow_table``), suppressed counts still left out.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from harrow_dash.outputs import explore, views
from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import parse_period
from harrow_dash.rules.scorecard import RuleSettings
from harrow_dash.store import Store
from tests.apptest_helpers import AppEnv, app_env, run_page

pytestmark = pytest.mark.both_databases

REPO = Path(__file__).resolve().parents[1]


def test_a_page_run_puts_the_process_on_the_lean_allocators(sample_db_file: Path) -> None:
    """In a fresh process (the settings are made once per process): before any page, Arrow's pool
    is its own (mimalloc or jemalloc); after one page run, the system allocator's. A page that
    stopped calling ``settle_process`` would leave the instance on the pool that keeps freed
    blocks."""
    script = textwrap.dedent(
        f"""
        import json, os
        import pyarrow as pa
        os.environ["HARROW_DASH_DATABASE_URL"] = "duckdb:///{sample_db_file}"
        os.environ["HARROW_DASH_SECRETS"] = os.devnull
        from streamlit.testing.v1 import AppTest
        before = pa.default_memory_pool().backend_name
        at = AppTest.from_file({str(REPO / "app.py")!r}, default_timeout=120)
        at.run()
        print(json.dumps([before, pa.default_memory_pool().backend_name, len(at.exception)]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    before, after, exceptions = json.loads(done.stdout.strip().splitlines()[-1])
    assert before != "system"
    assert after == "system"
    assert exceptions == 0


def test_trend_lines_read_exactly_as_the_sparkline_rule_gives_them(sample_store: Store) -> None:
    rules = RuleSettings()
    period = sample_store.latest_reported_period()
    inds = views.indicators_at(sample_store, Filters(period=period), rules)
    refs = [str(r) for r in inds["ref"]]
    sparks = views.sparkline_values(sample_store, refs, period, rules)
    lines = views.trend_lines(sample_store, refs, period, rules)
    table = explore.indicator_list(inds, lines)

    assert pa.types.is_list(table["Trend"].array._pa_array.type)  # one Arrow column, not lists
    got = {str(r): list(t) for r, t in zip(table["Ref"], table["Trend"], strict=True)}
    assert got == {r: sparks.get(r, []) for r in refs}
    assert any(got.values())  # the sample has trends to compare
    # A ref with no line gets an empty one, wherever it is asked for; the order is the asker's.
    asked = ["NOT-A-REF", *reversed(refs[:3]), "NOT-A-REF"]
    assert lines.column_for(asked).to_pylist() == [sparks.get(r, []) for r in asked]


@pytest.fixture
def app_db(
    sample_db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppEnv]:
    target = tmp_path / "app.duckdb"
    shutil.copyfile(sample_db_file, target)
    yield from app_env(monkeypatch, tmp_path, target)


def test_the_indicators_page_sends_every_trend_line_as_the_rule_gives_it(app_db: AppEnv) -> None:
    at = run_page("pages/2_Indicators.py")
    assert not at.exception
    shown = next(d for d in at.dataframe if d.proto.alt.startswith("Indicators matching"))
    table = shown.value
    period = parse_period(shown.proto.alt.rsplit(" at ", 1)[1])

    store = Store(f"duckdb:///{app_db.db_path}")
    try:
        rules = RuleSettings()
        refs = [str(r) for r in table["Ref"]]
        sparks = views.sparkline_values(store, refs, period, rules)
    finally:
        store.dispose()
    sent = {
        str(r): [float(v) for v in t] for r, t in zip(table["Ref"], table["Trend"], strict=True)
    }
    assert sent == {r: sparks.get(r, []) for r in refs}
