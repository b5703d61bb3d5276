"""Pages in the browser: headless Chromium (Debian's, via Playwright) against ``streamlit run harrow_dash/ui/asgi_app.py``
on the sample data, at 1440x900.

``pages``
    The first page from ``streamlit run`` (cold, target under 4 s); then, on the warmed server, each
    page's load from navigation start to drawn (median of 7, target under 1.5 s each) and a quarter
    change in the sidebar on every page with the filter bar, from the click to the page drawn with
    the new quarter (median of 5, target under 0.5 s). Each warm render is also compared with the
    reference app's (``benchmarks/reference_app``, a page at the same URL depth loaded alternately
    with it in the same browser): target within 1.3x. Indicators with one indicator picked (its
    trend card and chart, as a link from another page opens it) is measured the same way, for
    information. Skipped without Chromium or Playwright.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    Row,
    Run,
    bench,
    runs_note,
    sample_missing,
    skip_row,
    start_streamlit,
    stop,
)
from harrow_dash.config import ASGI_APP, REPO_ROOT

PAGE_TARGET_S = 1.5
FILTER_TARGET_S = 0.5
FIRST_PAGE_TARGET_S = 4.0
PAGE_RUNS = 5  # quarter changes per page
RENDER_RUNS = 7  # loads of each page, and as many of the reference app's, alternately
RENDER_RATIO_TARGET = 1.3  # a warm page render against the reference app's, same run
REFERENCE_APP = Path(__file__).resolve().parent / "reference_app"
CHOSEN_VIEWS = [("Indicators, one picked", "Indicators?ind=PI-01")]
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


def app_pages(app_dir: Path = REPO_ROOT) -> list[tuple[str, str]]:
    """(name, URL path) of ``app.py`` and every ``pages/*.py``, as classic multipage mode serves
    them (``pages/2_Indicators.py`` at ``/Indicators``)."""
    from streamlit.source_util import page_icon_and_name, page_sort_key

    files = sorted(
        (
            p
            for p in (app_dir / "pages").glob("*.py")
            if not p.name.startswith(".") and p.name != "__init__.py"
        ),
        key=page_sort_key,
    )
    return [("Overview", "")] + [
        (page_icon_and_name(p)[1].replace("_", " "), page_icon_and_name(p)[1]) for p in files
    ]


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
    """Headless Chromium (Debian's) at 1440x900 against ``streamlit run harrow_dash/ui/asgi_app.py`` on the sample data.

    * first page (cold): from starting ``streamlit run`` to the Overview drawn in the browser (the
      browser is already open; the server's imports, first script run and first queries count);
    * each page: the servers are warmed by loading every page twice, then each page is loaded 7 times
      (a new session each time, the browser's HTTP cache warm, as for a returning user): median
      time from navigation start to the page drawn (script finished, no placeholder, charts drawn);
      each load is followed by one of a reference app's page at the same URL depth (the home
      page against its home page, any other against its other pages), and the ratio of the two
      medians is the page's render against the reference app's;
    * quarter change: on every page with the filter bar, 5 different quarters picked in the
      sidebar's selectbox (each new to that page): median time from the click on the option to the
      page showing that quarter, drawn.
    """
    from harrow_dash.cli import load_sample
    from harrow_dash.rules.periods import parse_period

    chromium = find_chromium()
    if chromium is None:
        note = "skipped: Chromium not found (/usr/bin/chromium or `chromium` on PATH)"
        return [Row("pages", "page timings in the browser", status="SKIP", note=note)]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        note = "skipped: playwright is not installed (pip install -e '.[dev]')"
        return [Row("pages", "page timings in the browser", status="SKIP", note=note)]
    missing = sample_missing()
    if missing:
        return [
            skip_row("pages", "page timings in the browser", f"{', '.join(missing)} not there yet")
        ]

    store = run.fresh_db("pages")
    try:
        load_sample(store, out=io.StringIO())
    finally:
        store.dispose()  # the app must be the only process holding the file
    db = run.out_dir / "pages.duckdb"
    log_path = run.out_dir / "pages-streamlit.log"
    pages = app_pages()
    rows: list[Row] = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        proc = ref_proc = None

        def cold_start(first: bool) -> tuple[Any, str, Row]:
            """Start the app and open the Overview in a new browser context (nothing cached)."""
            fresh = browser.new_context(viewport={"width": 1440, "height": 900})
            log = log_path if not first else log_path.with_name("pages-streamlit-watch.log")
            try:
                start = time.perf_counter()
                args = [] if first else ["--server.fileWatcherType", "none"]
                proc, base = start_streamlit(
                    ASGI_APP, log, {"HARROW_DASH_DATABASE_URL": f"duckdb:///{db}"}, args
                )
                try:
                    healthy = time.perf_counter() - start
                    first_load = page_load_seconds(fresh.new_page(), f"{base}/")
                    cold = time.perf_counter() - start
                except BaseException:
                    stop(proc)
                    raise
            finally:
                fresh.close()
            # .streamlit/config.toml turns the file watcher off, so both starts run as `make run`
            # does; the first also pays for a cold OS file cache, the second does not.
            how = "as `make run`, first start" if first else "second start, files cached"
            row = Row(
                "pages",
                f"first page from `streamlit run` (cold; {how})",
                cold,
                "s",
                target=FIRST_PAGE_TARGET_S if first else None,
                status="" if first else "INFO",
                note=f"process start to the Overview drawn in the open browser: server up after "
                f"{healthy:.2f} s, then {first_load:.2f} s from navigation to drawn (first script "
                "run: imports, queries, charts; the front end's first download)",
                extra={"server_up_s": healthy, "first_load_s": first_load},
            )
            return proc, base, row.judge()

        try:
            proc, _base, row = cold_start(first=True)
            rows.append(row)
            stop(proc)
            # The warm measurements use a server without the file watcher: an edit to a source
            # file during the run would otherwise put a "source changed" prompt on every page.
            proc, base, row = cold_start(first=False)
            rows.append(row)
            # The reference app (benchmarks/reference_app, Streamlit's defaults) beside it: each
            # dashboard page load is followed by a reference page load, so both see the same machine.
            ref_proc, ref_base = start_streamlit(
                "app.py", run.out_dir / "pages-reference.log", cwd=REFERENCE_APP
            )
            ref_pages = app_pages(REFERENCE_APP)
            # Warm both servers and the browser: every page twice (the first page measured was
            # still slower in its first loads after a single pass).
            for _ in range(2):
                for _name, path in [*pages, *CHOSEN_VIEWS]:
                    page_load_seconds(page, f"{base}/{path}")
                for _name, path in ref_pages:
                    page_load_seconds(page, f"{ref_base}/{path}")

            # A page's reference is a reference page at the same depth: the front end opening
            # /Name first looks for the server at /Name/ and then at /, which the home page
            # (/) does not, so a home page is compared with the reference's home page and every
            # other page with the reference's other pages, taken in turn.
            ref_home = [p for _n, p in ref_pages if not p]
            ref_others = [p for _n, p in ref_pages if p]
            # Besides each page as it opens, Indicators with an indicator picked (as a link from
            # another page opens it): its trend card, chart and all. For information: the target
            # is each page's own opening.
            for name, path in [*pages, *CHOSEN_VIEWS]:
                print(f"  render {name} ...", file=sys.stderr, flush=True)
                times, ref_times = [], []
                same_depth = ref_others if path else ref_home
                chosen = (name, path) in CHOSEN_VIEWS
                for i in range(RENDER_RUNS):
                    times.append(page_load_seconds(page, f"{base}/{path}"))
                    ref_path = same_depth[i % len(same_depth)]
                    ref_times.append(page_load_seconds(page, f"{ref_base}/{ref_path}"))
                rows.append(
                    Row(
                        "pages",
                        f"render {name} (/{path})",
                        statistics.median(times),
                        "s",
                        target=None if chosen else PAGE_TARGET_S,
                        status="INFO" if chosen else "",
                        note=runs_note(times, extra="; navigation start to drawn"),
                        extra={"runs": times},
                    ).judge()
                )
                ref_median = statistics.median(ref_times)
                rows.append(
                    Row(
                        "pages",
                        f"render {name} / reference app's",
                        statistics.median(times) / ref_median,
                        "x",
                        target=None if chosen else RENDER_RATIO_TARGET,
                        status="INFO" if chosen else "",
                        note=f"reference app pages loaded alternately: {runs_note(ref_times)}",
                        extra={"reference_runs": ref_times},
                    ).judge()
                )
            stop(ref_proc)

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
                    quarter_change_seconds(page, q, parse_period(q.split(" (")[0]).long_label)
                    for q in quarters
                ]
                rows.append(
                    Row(
                        "pages",
                        f"quarter change on {name}",
                        statistics.median(times),
                        "s",
                        target=FILTER_TARGET_S,
                        note=runs_note(times, extra=f"; {', '.join(quarters)}; click to drawn"),
                        extra={"runs": times, "quarters": quarters},
                    ).judge()
                )
        finally:
            context.close()
            browser.close()
            stop(proc)
            stop(ref_proc)
    return rows
