"""Benchmarks behind ``make bench``: how fast the store loads data and answers the dashboard's queries.

Run as ``python -m harrow_dash.bench`` (``--only NAME`` for one section, ``--list`` to list them).
Everything is timed with ``time.perf_counter`` on real DuckDB files under ``bench-output/``; the
results are printed as a table and written to ``bench-output/bench.json``.

Sections, in order:

``sample``
    Loading the shipped sample (``data/sample/*.csv``) into a fresh, initialised DuckDB file through
    ``cli.load_sample`` (the path ``make run`` takes): median of 3 runs, a fresh file each time.
    Skipped, with a note, while the sample files do not exist yet.
``history``
    Loading a generated history of 1,000,000 indicator values (8,000 indicators x 125 quarters,
    Q4 1992-93 to Q4 2023-24) from ONE tidy CSV file sorted by indicator: the full path a user
    gets, reading the file's bytes from disk and ``ingest.load.load`` (read, parse, validate,
    compare, write, record the batch) on a fresh initialised database. Median of 3 runs. Target:
    under 5 s. The file is generated once (deterministically) and reused; its generation time is
    reported, not counted. ``--indicators 20000 --quarters 52`` gives the other shape of a million
    values (more indicators in every view, shorter history; a separate file and database).
``queries``
    On the database that ``history`` built, the queries the dashboard runs most, each 3 warm-up runs
    then 50 timed runs, reporting the median and the 95th percentile. Target: p95 under 50 ms each.

    * latest-quarter summary by priority: ``Store.indicator_snapshot(Filters(period=latest))``,
      ``scorecard.rate()`` and the RAG counts per priority;
    * one indicator's history: ``Store.indicator_history([ref])`` (a different indicator each run);
    * filtered list: ``indicator_snapshot`` with a quarter, one priority and two directorates, then
      ``rate()``.

    Also reported, without a target: the overview's full indicator step
    (``views.indicators_at``: snapshot, rate and direction of travel).

``pages``
    In headless Chromium (Debian's, via Playwright; skipped without it) at 1440x900 against
    ``streamlit run app.py`` on the sample data: the first page from ``streamlit run`` (cold, target
    under 4 s); then, on the warmed server, each page's load from navigation start to drawn (median
    of 5, target under 1.5 s each) and a quarter change in the sidebar on every page with the filter
    bar, from the click to the page drawn with the new quarter (median of 5, target under 0.5 s).

A later section is a function decorated with ``@bench("name", "what it measures")`` that takes the
:class:`Run` and returns :class:`Row` objects; it then appears in the table, the JSON and ``--only``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from harrow_dash.config import REPO_ROOT, SAMPLE_DIR
from harrow_dash.filters import Filters
from harrow_dash.periods import Period
from harrow_dash.store import Store

OUT_DIR = REPO_ROOT / "bench-output"
LOAD_TARGET_S = 5.0
QUERY_TARGET_MS = 50.0

# The generated history: the plan's three priorities, some directorates with their portfolio holders.
PRIORITIES = (
    "A council that puts residents first",
    "A borough that is clean and safe",
    "A place where those in need are supported",
)
DIRECTORATES = (
    ("Resources", "Finance and Corporate Services"),
    ("Place", "Environment and Community Safety"),
    ("People", "Adult Social Care"),
    ("Children's Services", "Children's Services and Education"),
    ("Housing", "Housing and Homelessness"),
    ("Community", "Community Engagement and Culture"),
)
# unit -> (share of indicators, typical low, typical high, decimals written)
UNITS = {
    "%": (0.40, 40.0, 97.0, 1),
    "count": (0.25, 20.0, 5000.0, 0),
    "days": (0.15, 2.0, 60.0, 1),
    "£": (0.10, 5000.0, 2_000_000.0, 0),
    "rate": (0.10, 0.5, 40.0, 2),
}
LAST_QUARTER = Period(2023, 4)  # the generated history ends where the sample does
GENERATOR_VERSION = 2  # bump when generate_history changes, so an old file is made again
FILTERED_DIRECTORATES = ("Place", "Housing")


# -- the framework -----------------------------------------------------------------------------------
@dataclass
class Row:
    """One line of the results table."""

    section: str
    measure: str
    value: float | None = None  # in ``unit``
    unit: str = ""
    target: float | None = None  # the result must be below this, in ``unit``
    status: str = ""  # PASS / MISS / SKIP / INFO, or "" for a plain figure
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # for the JSON only

    def judge(self) -> Row:
        if self.target is not None and self.value is not None:
            self.status = "PASS" if self.value < self.target else "MISS"
        return self


@dataclass
class Run:
    """What every section gets: options, the output folder, and what earlier sections left."""

    out_dir: Path
    load_runs: int = 3
    query_runs: int = 50
    warmups: int = 3
    indicators: int = 8_000
    quarters: int = 125
    shared: dict[str, Any] = field(default_factory=dict)

    def fresh_db(self, name: str) -> Store:
        """A new, initialised DuckDB file under the output folder (any old one is deleted)."""
        path = self.out_dir / f"{name}.duckdb"
        for p in (path, path.with_name(path.name + ".wal")):
            p.unlink(missing_ok=True)
        store = Store(f"duckdb:///{path}")
        store.init()
        return store


BenchFn = Callable[[Run], list[Row]]
BENCHES: dict[str, tuple[str, BenchFn]] = {}


def bench(name: str, about: str) -> Callable[[BenchFn], BenchFn]:
    """Register a section; sections run in the order they are registered."""

    def register(fn: BenchFn) -> BenchFn:
        BENCHES[name] = (about, fn)
        return fn

    return register


def shown(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


# -- sample ------------------------------------------------------------------------------------------
@bench("sample", "load data/sample/*.csv into a fresh DuckDB file (median of 3)")
def bench_sample(run: Run) -> list[Row]:
    from harrow_dash.cli import SAMPLE_FILES, load_sample

    missing = [n for n in SAMPLE_FILES if not (SAMPLE_DIR / n).is_file()]
    if missing:
        note = f"skipped: {', '.join(missing)} not in {SAMPLE_DIR} yet"
        return [Row("sample", "load sample data", status="SKIP", note=note)]
    times = []
    counts: dict[str, int] = {}
    for _ in range(3):
        store = run.fresh_db("sample")
        try:
            out = io.StringIO()
            seconds, rc = timed(partial(load_sample, store, out=out))
            if rc != 0:
                return [
                    Row("sample", "load sample data", status="MISS", note="the sample was refused")
                ]
            times.append(seconds)
            counts = store.counts()
        finally:
            store.dispose()
    rows = sum(counts.values())
    note = (
        f"median of 3 (runs {', '.join(f'{t:.2f}' for t in times)} s); {counts['indicators']} "
        f"indicators, {counts['indicator_values']:,} values, {rows:,} rows in all"
    )
    return [Row("sample", "load sample data", statistics.median(times), "s", note=note)]


# -- history: generate and load ----------------------------------------------------------------------
def history_file(run: Run) -> tuple[Path, dict[str, Any]]:
    """The generated tidy CSV (made once, reused while its parameters are the same)."""
    path = run.out_dir / f"history-{run.indicators}x{run.quarters}.csv"
    meta_path = path.with_suffix(".json")
    if path.is_file() and meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta.get("bytes") == path.stat().st_size and meta.get("generator") == GENERATOR_VERSION:
            return path, {**meta, "reused": True}
    seconds, (frame, latest) = timed(lambda: generate_history(run.indicators, run.quarters))
    write_seconds, _ = timed(lambda: frame.to_csv(path, index=False))
    meta = {
        "generator": GENERATOR_VERSION,
        "rows": len(frame),
        "indicators": run.indicators,
        "quarters": run.quarters,
        "latest": latest.label,
        "bytes": path.stat().st_size,
        "generate_seconds": seconds + write_seconds,
        "generated_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    return path, {**meta, "reused": False}


def generate_history(
    n_indicators: int, n_quarters: int, seed: int = 2024
) -> tuple[pd.DataFrame, Period]:
    """A tidy table of ``n_indicators`` x ``n_quarters`` values, deterministic for a seed.

    Percentages stay within 0-100; about 1% of actuals and 2% of targets are blank (not yet reported,
    no target); polarities mix higher and lower is better; about half the values miss their target,
    many of them within the default 5% tolerance. Rows are sorted by indicator, then quarter.
    """
    rng = np.random.default_rng(seed)
    n = n_indicators
    units = np.array(list(UNITS))
    unit = rng.choice(units, size=n, p=[share for share, *_ in UNITS.values()])
    low = np.array([UNITS[u][1] for u in unit])
    high = np.array([UNITS[u][2] for u in unit])
    decimals = np.array([UNITS[u][3] for u in unit])
    higher = rng.random(n) < 0.6
    level = rng.uniform(low, high)
    directorate = rng.integers(0, len(DIRECTORATES), n)
    refs = np.array([f"GEN-{i:05d}" for i in range(n)])
    names = np.array([f"Generated indicator {i:05d}" for i in range(n)])

    periods = [LAST_QUARTER.shift(k - n_quarters + 1) for k in range(n_quarters)]
    ind = np.repeat(np.arange(n), n_quarters)
    q = np.tile(np.arange(n_quarters), n)
    # Each indicator wanders around its level in a slow cycle of its own, with noise; the target is
    # the level, so about half the values miss it, some within the 5% tolerance (amber).
    phase = rng.uniform(0, 2 * np.pi, n)
    cycle = 0.06 * np.sin(q / 8 + phase[ind])
    actual = level[ind] * (1 + cycle + rng.normal(0, 0.03, len(ind)))
    target = level[ind]
    pct = unit[ind] == "%"
    actual = np.where(pct, np.clip(actual, 0, 100), np.maximum(actual, 0))
    target = np.where(pct, np.clip(target, 0, 100), target)

    def written(values: np.ndarray, blank_share: float) -> np.ndarray:
        out = np.empty(len(values), dtype=object)
        for d in np.unique(decimals):
            rows = decimals[ind] == d
            out[rows] = np.char.mod(f"%.{d}f", np.round(values[rows], d))
        out[rng.random(len(values)) < blank_share] = ""
        return out

    frame = pd.DataFrame(
        {
            "ref": refs[ind],
            "name": names[ind],
            "priority": np.array(PRIORITIES)[ind % 3],
            "directorate": np.array([d for d, _ in DIRECTORATES])[directorate][ind],
            "portfolio_holder": np.array([p for _, p in DIRECTORATES])[directorate][ind],
            "unit": unit[ind],
            "polarity": np.where(higher, "higher is better", "lower is better")[ind],
            "period": np.array([p.label for p in periods])[q],
            "actual": written(actual, 0.01),
            "target": written(target, 0.02),
        }
    )
    return frame, periods[-1]


@bench("history", "load a generated 1,000,000-value history from one CSV (target < 5 s)")
def bench_history(run: Run) -> list[Row]:
    from harrow_dash.ingest.load import FileInput, load

    path, meta = history_file(run)
    rows: list[Row] = []
    how = "reused the file generated" if meta["reused"] else "generated"
    rows.append(
        Row(
            "history",
            "generate the CSV (not counted)",
            meta["generate_seconds"],
            "s",
            note=f"{how} {meta['generated_at']}: {meta['rows']:,} rows, "
            f"{meta['bytes'] / 1e6:,.0f} MB, {shown(path)}",
        )
    )
    times = []
    added = 0
    counts: dict[str, int] = {"indicators": 0}
    for i in range(run.load_runs):
        store = run.fresh_db("history")

        def user_load(store: Store = store) -> Any:
            return load(store, [FileInput(path.name, path.read_bytes())], "bench")

        try:
            seconds, result = timed(user_load)
            times.append(seconds)
            added = result.plan.tables["indicator_values"].added
            if i == run.load_runs - 1:
                counts = store.counts()
        finally:
            store.dispose()
    run.shared["large_db"] = run.out_dir / "history.duckdb"
    median = statistics.median(times)
    runs = ", ".join(f"{t:.2f}" for t in times)
    rows.append(
        Row(
            "history",
            f"load {meta['rows']:,} values from one CSV",
            median,
            "s",
            target=LOAD_TARGET_S,
            note=f"median of {len(times)} (runs {runs} s); {added:,} values and "
            f"{counts['indicators']:,} indicators written",
            extra={"runs": times},
        ).judge()
    )
    rows.append(
        Row(
            "history",
            "load throughput",
            meta["rows"] / median,
            "rows/s",
            note="values / median load time",
        )
    )
    return rows


# -- queries -----------------------------------------------------------------------------------------
def large_store(run: Run) -> tuple[Store, Period]:
    """The database the history section built; built here (untimed) when that section did not run."""
    db = run.shared.get("large_db") or run.out_dir / "history.duckdb"
    if not Path(db).is_file() or not _holds_history(Path(db), run):
        print(
            "  (building the large database first: running the history load once, untimed)",
            file=sys.stderr,
        )
        saved = run.load_runs
        run.load_runs = 1
        bench_history(run)
        run.load_runs = saved
        db = run.shared["large_db"]
    store = Store(f"duckdb:///{db}")
    latest = store.latest_reported_period()
    if latest is None:
        raise SystemExit(f"{db} holds no indicator values; delete it and run the history section.")
    return store, latest


def _holds_history(db: Path, run: Run) -> bool:
    """Whether ``db`` holds the generated history of this run's shape (not another shape's)."""
    store = Store(f"duckdb:///{db}")
    try:
        counts = store.counts()
    except Exception:
        return False
    finally:
        store.dispose()
    return counts["indicators"] == run.indicators and counts["indicator_values"] == (
        run.indicators * run.quarters
    )


def time_query(run: Run, fn: Callable[[int], Any]) -> tuple[list[float], Any]:
    """``fn(i)`` for i = 0, 1, ...: ``warmups`` calls untimed, then ``query_runs`` timed calls;
    durations in ms."""
    result = None
    for i in range(run.warmups):
        result = fn(i)
    durations = []
    for i in range(run.warmups, run.warmups + run.query_runs):
        start = time.perf_counter()
        result = fn(i)
        durations.append((time.perf_counter() - start) * 1000)
    return durations, result


def query_rows(
    run: Run, measure: str, durations: list[float], note: str, target: bool = True
) -> list[Row]:
    p50, p95 = statistics.median(durations), percentile(durations, 95)
    extra = {"runs_ms": durations, "max_ms": max(durations)}
    rows = [
        Row(
            "queries",
            f"{measure}: median",
            p50,
            "ms",
            note=f"{len(durations)} runs after {run.warmups} warm-ups",
        ),
        Row(
            "queries",
            f"{measure}: p95",
            p95,
            "ms",
            target=QUERY_TARGET_MS if target else None,
            status="" if target else "INFO",
            note=note,
            extra=extra,
        ).judge(),
    ]
    return rows


@bench("queries", "median and p95 of the dashboard's commonest queries on the large database")
def bench_queries(run: Run) -> list[Row]:
    from harrow_dash.scorecard import RuleSettings, rag_counts, rate
    from harrow_dash.views import indicators_at

    store, latest = large_store(run)
    rules = RuleSettings()
    rows: list[Row] = []
    try:
        counts = store.counts()
        where = (
            f"{counts['indicators']:,} indicators, {counts['indicator_values']:,} values, "
            f"latest quarter {latest.label}"
        )

        def summary(_: int) -> dict[int, dict[str, int]]:
            rated = rate(store.indicator_snapshot(Filters(period=latest)), rules)
            return {int(pid): rag_counts(g["rag"]) for pid, g in rated.groupby("priority_id")}

        durations, by_priority = time_query(run, summary)
        shown = "; ".join(
            f"P{pid} " + "/".join(str(v) for v in c.values()) for pid, c in by_priority.items()
        )
        rows += query_rows(
            run,
            "latest-quarter summary by priority",
            durations,
            f"{where}; G/A/R/not rated per priority: {shown}",
        )

        refs = list(store.indicator_list()["ref"])
        picks = np.random.default_rng(7).choice(refs, size=run.warmups + run.query_runs)

        def history(i: int) -> pd.DataFrame:
            return store.indicator_history([str(picks[i])])

        durations, hist = time_query(run, history)
        rows += query_rows(
            run,
            "one indicator's history",
            durations,
            f"a different indicator each run, {len(hist)} quarters each",
        )

        filters = Filters(period=latest, priorities=(2,), directorates=FILTERED_DIRECTORATES)

        def filtered(_: int) -> pd.DataFrame:
            return rate(store.indicator_snapshot(filters), rules)

        durations, listed = time_query(run, filtered)
        rows += query_rows(
            run,
            "filtered list",
            durations,
            f"priority 2, directorates {' and '.join(FILTERED_DIRECTORATES)}: {len(listed):,} indicators",
        )

        durations, inds = time_query(
            run, lambda _: indicators_at(store, Filters(period=latest), rules)
        )
        rows += query_rows(
            run,
            "overview indicators with travel (views.indicators_at)",
            durations,
            f"no target set; {len(inds):,} indicators",
            target=False,
        )
    finally:
        store.dispose()
    return rows


# -- briefing ----------------------------------------------------------------------------------------
BRIEFING_TARGET_S = 5.0
BRIEFING_QUARTER = Period(2023, 3)


@bench("briefing", "build the Word briefing pack for the whole sample quarter (target < 5 s)")
def bench_briefing(run: Run) -> list[Row]:
    """``briefing.build_briefing`` for Q3 2023-24 with no filters on the sample data: the overview
    queries, eight chart images rendered by vl-convert and the .docx written. The first (cold) build
    pays for vl-convert's start-up and is reported on its own; the target applies to the median of
    the 3 builds after it."""
    from harrow_dash.briefing import build_briefing
    from harrow_dash.cli import SAMPLE_FILES, load_sample
    from harrow_dash.scorecard import RuleSettings

    missing = [n for n in SAMPLE_FILES if not (SAMPLE_DIR / n).is_file()]
    if missing:
        note = f"skipped: {', '.join(missing)} not in {SAMPLE_DIR} yet"
        return [Row("briefing", "build the briefing pack", status="SKIP", note=note)]
    store = run.fresh_db("briefing")
    try:
        load_sample(store, out=io.StringIO())
        filters = Filters(period=BRIEFING_QUARTER)
        rules = RuleSettings()
        cold, document = timed(lambda: build_briefing(store, filters, rules))
        times = [timed(lambda: build_briefing(store, filters, rules))[0] for _ in range(3)]
    finally:
        store.dispose()
    path = run.out_dir / "briefing.docx"
    path.write_bytes(document)
    median = statistics.median(times)
    return [
        Row(
            "briefing",
            f"first build, {BRIEFING_QUARTER.label} (cold: starts vl-convert)",
            cold,
            "s",
            target=BRIEFING_TARGET_S,
            note=f"{len(document) / 1024:,.0f} KB written to {shown(path)}",
        ).judge(),
        Row(
            "briefing",
            f"build the briefing pack for {BRIEFING_QUARTER.label}",
            median,
            "s",
            target=BRIEFING_TARGET_S,
            note=f"median of 3 (runs {', '.join(f'{t:.2f}' for t in times)} s), whole sample quarter",
            extra={"runs": times, "cold": cold},
        ).judge(),
    ]


# -- pages (in the browser) --------------------------------------------------------------------------
PAGE_TARGET_S = 1.5
FILTER_TARGET_S = 0.5
FIRST_PAGE_TARGET_S = 4.0
PAGE_RUNS = 5
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# "The page is drawn", as tests/browser/helpers.py's wait_for_app decides it: Streamlit reports on the
# app root that the script is not running, no skeleton placeholder is left (lazily loaded elements show
# one until their code arrives), no "Running..." widget, and every Vega-Lite chart has drawn its marks.
# Returns the page's clock (ms since navigation start) when true; ``window.__benchClick`` (set by a
# pointerdown listener) lets a filter change be timed from the click on the page's own clock.
PAGE_DRAWN_JS = """
(wanted) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stStatusWidget"]')) return false;
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
  if (!charts.every(c => c.querySelector('.marks'))) return false;
  if (wanted) {
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main || !main.innerText.includes(wanted)) return false;
  }
  return performance.now();
}
"""
CLICK_CLOCK_JS = """
() => { window.__benchClick = null;
        document.addEventListener('pointerdown', () => { window.__benchClick = performance.now(); },
                                  {capture: true, once: true}); }
"""


def find_chromium() -> str | None:
    """Debian's Chromium (``apt-get install chromium``), or a ``chromium`` on PATH."""
    import shutil

    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def app_pages() -> list[tuple[str, str]]:
    """(name, URL path) of ``app.py`` and every ``pages/*.py``, as classic multipage mode serves
    them (``pages/2_Indicators.py`` at ``/Indicators``)."""
    from streamlit.source_util import page_icon_and_name, page_sort_key

    files = sorted(
        (
            p
            for p in (REPO_ROOT / "pages").glob("*.py")
            if not p.name.startswith(".") and p.name != "__init__.py"
        ),
        key=page_sort_key,
    )
    return [("Overview", "")] + [
        (page_icon_and_name(p)[1].replace("_", " "), page_icon_and_name(p)[1]) for p in files
    ]


def start_app(db: Path, log_path: Path, watch_files: bool = True) -> tuple[Any, str]:
    """``streamlit run app.py`` on a free port against ``db``; returns (process, base URL) once
    ``/_stcore/health`` answers ok (60 s at most). ``watch_files=False`` adds
    ``--server.fileWatcherType none``."""
    import socket
    import subprocess
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HARROW_DASH_DATABASE_URL": f"duckdb:///{db}"}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
    cmd += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    cmd += ["--browser.gatherUsageStats", "false"]
    if not watch_files:
        cmd += ["--server.fileWatcherType", "none"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early; see {shown(log_path)}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return proc, base
        except OSError:
            pass
        time.sleep(0.02)
    proc.terminate()
    raise RuntimeError(f"the app did not answer /_stcore/health within 60 s; see {shown(log_path)}")


def page_load_seconds(page: Any, url: str) -> float:
    """Navigation start to the page drawn, on the page's own clock."""
    page.goto(url)
    drawn = page.wait_for_function(PAGE_DRAWN_JS, arg=None, timeout=60_000, polling="raf")
    return float(drawn.json_value()) / 1000


def quarter_change_seconds(page: Any, quarter: str, long_label: str) -> float:
    """Pick ``quarter`` in the sidebar selectbox; seconds from the click on the option until the
    page shows that quarter and is drawn again."""
    box = page.locator('[data-testid="stSidebar"] .st-key-filter_quarter input[role="combobox"]')
    box.click()
    option = page.get_by_role("option", name=quarter, exact=True)
    option.wait_for()
    page.evaluate(CLICK_CLOCK_JS)
    option.click()
    done = page.wait_for_function(PAGE_DRAWN_JS, arg=long_label, timeout=60_000, polling="raf")
    clicked = page.evaluate("() => window.__benchClick")
    return (float(done.json_value()) - float(clicked)) / 1000


@bench(
    "pages",
    "in Chromium: cold first page, then on a warm server each page's render and a quarter change",
)
def bench_pages(run: Run) -> list[Row]:
    """Headless Chromium (Debian's) at 1440x900 against ``streamlit run app.py`` on the sample data.

    * first page (cold): from starting ``streamlit run`` to the Overview drawn in the browser (the
      browser is already open; the server's imports, first script run and first queries count);
    * each page: the server is warmed by loading every page once, then each page is loaded 5 times
      (a new session each time, the browser's HTTP cache warm, as for a returning user): median
      time from navigation start to the page drawn (script finished, no placeholder, charts drawn);
    * quarter change: on every page with the filter bar, 5 different quarters picked in the
      sidebar's selectbox (each new to that page): median time from the click on the option to the
      page showing that quarter, drawn.
    """
    from harrow_dash.cli import SAMPLE_FILES, load_sample
    from harrow_dash.periods import parse_period

    chromium = find_chromium()
    if chromium is None:
        note = "skipped: Chromium not found (/usr/bin/chromium or `chromium` on PATH)"
        return [Row("pages", "page timings in the browser", status="SKIP", note=note)]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        note = "skipped: playwright is not installed (pip install -e '.[dev]')"
        return [Row("pages", "page timings in the browser", status="SKIP", note=note)]
    missing = [n for n in SAMPLE_FILES if not (SAMPLE_DIR / n).is_file()]
    if missing:
        note = f"skipped: {', '.join(missing)} not in {SAMPLE_DIR} yet"
        return [Row("pages", "page timings in the browser", status="SKIP", note=note)]

    store = run.fresh_db("pages")
    try:
        load_sample(store, out=io.StringIO())
    finally:
        store.dispose()  # the app must be the only process holding the file
    db = run.out_dir / "pages.duckdb"
    log_path = run.out_dir / "pages-streamlit.log"
    pages = app_pages()
    rows: list[Row] = []

    def runs_note(times: list[float], extra: str = "") -> str:
        return f"median of {len(times)} (runs {', '.join(f'{t:.2f}' for t in times)} s){extra}"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        proc = None

        def cold_start(watch_files: bool) -> tuple[Any, str, Row]:
            """Start the app and open the Overview in a new browser context (nothing cached)."""
            fresh = browser.new_context(viewport={"width": 1440, "height": 900})
            log = log_path if not watch_files else log_path.with_name("pages-streamlit-watch.log")
            try:
                start = time.perf_counter()
                proc, base = start_app(db, log, watch_files)
                try:
                    healthy = time.perf_counter() - start
                    first_load = page_load_seconds(fresh.new_page(), f"{base}/")
                    cold = time.perf_counter() - start
                except BaseException:
                    proc.terminate()
                    raise
            finally:
                fresh.close()
            how = (
                "file watcher on, as `make run`" if watch_files else "--server.fileWatcherType none"
            )
            row = Row(
                "pages",
                f"first page from `streamlit run` (cold; {how})",
                cold,
                "s",
                target=FIRST_PAGE_TARGET_S if watch_files else None,
                status="" if watch_files else "INFO",
                note=f"process start to the Overview drawn in the open browser: server up after "
                f"{healthy:.2f} s, then {first_load:.2f} s from navigation to drawn (first script "
                "run: imports, queries, charts; the front end's first download)",
                extra={"server_up_s": healthy, "first_load_s": first_load},
            )
            return proc, base, row.judge()

        try:
            proc, _base, row = cold_start(watch_files=True)
            rows.append(row)
            proc.terminate()
            proc.wait(timeout=10)
            # The warm measurements use a server without the file watcher: an edit to a source
            # file during the run would otherwise put a "source changed" prompt on every page.
            proc, base, row = cold_start(watch_files=False)
            rows.append(row)
            for _name, path in pages:  # warm the server: every page once
                page_load_seconds(page, f"{base}/{path}")

            for name, path in pages:
                print(f"  render {name} ...", file=sys.stderr, flush=True)
                times = [page_load_seconds(page, f"{base}/{path}") for _ in range(PAGE_RUNS)]
                rows.append(
                    Row(
                        "pages",
                        f"render {name} (/{path})",
                        statistics.median(times),
                        "s",
                        target=PAGE_TARGET_S,
                        note=runs_note(times, "; navigation start to drawn"),
                        extra={"runs": times},
                    ).judge()
                )

            for name, path in pages:
                page_load_seconds(page, f"{base}/{path}")
                box = page.locator('[data-testid="stSidebar"] .st-key-filter_quarter input')
                if box.count() == 0 or not box.is_visible():
                    continue  # no filter bar in view (the presentation hides the sidebar)
                current = box.input_value()
                box.click()
                labels = page.get_by_role("option").all_inner_texts()
                page.keyboard.press("Escape")
                quarters = [q.strip() for q in labels if q.strip() != current][:PAGE_RUNS]
                print(f"  quarter change on {name} ...", file=sys.stderr, flush=True)
                times = [
                    quarter_change_seconds(page, q, parse_period(q).long_label) for q in quarters
                ]
                rows.append(
                    Row(
                        "pages",
                        f"quarter change on {name}",
                        statistics.median(times),
                        "s",
                        target=FILTER_TARGET_S,
                        note=runs_note(times, f"; {', '.join(quarters)}; click to drawn"),
                        extra={"runs": times, "quarters": quarters},
                    ).judge()
                )
        finally:
            context.close()
            browser.close()
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except Exception:
                    proc.kill()
    return rows


# -- running and reporting ---------------------------------------------------------------------------
def format_value(row: Row) -> str:
    if row.value is None:
        return "-"
    if row.unit == "rows/s":
        return f"{row.value:,.0f} rows/s"
    if row.unit == "ms":
        return f"{row.value:,.1f} ms"
    return f"{row.value:,.2f} {row.unit}"


def format_target(row: Row) -> str:
    if row.target is None:
        return ""
    return f"< {row.target:g} {row.unit}"


def print_table(rows: list[Row], out: Any = sys.stdout) -> None:
    headers = ("Section", "Measure", "Result", "Target", "Status", "Notes")
    cells = [
        (r.section, r.measure, format_value(r), format_target(r), r.status, r.note) for r in rows
    ]
    widths = [
        max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]
    widths[-1] = len(headers[-1])  # notes run on freely
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line, file=out)
    print("  ".join("-" * w for w in widths[:-1]) + "  " + "-" * 40, file=out)
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip(), file=out)


def machine() -> dict[str, Any]:
    import duckdb
    import sqlalchemy

    return {
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "sqlalchemy": sqlalchemy.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harrow_dash.bench",
        description="Time data loads and dashboard queries; print a table and write bench-output/bench.json.",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHES),
        metavar="NAME",
        help=f"run only this section (repeatable): {', '.join(BENCHES)}",
    )
    parser.add_argument("--list", action="store_true", help="list the sections and exit")
    parser.add_argument(
        "--load-runs", type=int, default=3, help="history loads to take the median of (3)"
    )
    parser.add_argument("--query-runs", type=int, default=50, help="timed runs per query (50)")
    parser.add_argument("--warmups", type=int, default=3, help="untimed runs before each query (3)")
    parser.add_argument(
        "--indicators", type=int, default=8_000, help="indicators in the history (8000)"
    )
    parser.add_argument("--quarters", type=int, default=125, help="quarters per indicator (125)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (bench-output/)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.list:
        for name, (about, _) in BENCHES.items():
            print(f"{name:<10} {about}")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    run = Run(
        args.out.resolve(),
        args.load_runs,
        args.query_runs,
        args.warmups,
        args.indicators,
        args.quarters,
    )
    info = machine()
    print(
        f"harrow-dash bench: {info['cpus']} CPUs, load average {info['load_average_at_start']}, "
        f"Python {info['python']}, DuckDB {info['duckdb']}, pandas {info['pandas']}",
        flush=True,
    )
    if info["load_average_at_start"][0] > (info["cpus"] or 1):
        print(
            "  Note: other programs are keeping this machine busy (load average above the number "
            "of CPUs); the timings below will be slower than on an idle machine.",
            flush=True,
        )
    rows: list[Row] = []
    for name in [n for n in BENCHES if not args.only or n in args.only]:
        about, fn = BENCHES[name]
        print(f"- {name}: {about} ...", flush=True)
        rows.extend(fn(run))
    info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print()
    print_table(rows)
    missed = [r for r in rows if r.status == "MISS"]
    print()
    print(f"{sum(r.status == 'PASS' for r in rows)} targets met, {len(missed)} missed.")
    report = {
        "generated_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": info,
        "targets": {
            "history_load_s": LOAD_TARGET_S,
            "query_p95_ms": QUERY_TARGET_MS,
            "page_render_s": PAGE_TARGET_S,
            "quarter_change_s": FILTER_TARGET_S,
            "first_page_s": FIRST_PAGE_TARGET_S,
        },
        "rows": [asdict(r) for r in rows],
    }
    (args.out / "bench.json").write_text(json.dumps(report, indent=2))
    print(f"Results written to {args.out / 'bench.json'}")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
