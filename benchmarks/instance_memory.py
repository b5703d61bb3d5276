"""One app instance's memory at council scale, after a reader has visited every page.

``memory``
    ``streamlit run harrow_dash/ui/asgi_app.py`` (the app as every instance runs it; local mode: the
    local user is an editor, so the Data page is visited too) on the generated history of 13,200 indicators x 40 quarters (528,000 values, DuckDB; built
    once under ``bench-output/`` and reused, see ``benchmarks/generated.py``). A client speaking
    Streamlit's own websocket protocol (as ``serving`` does; the server cannot tell it from a
    browser) opens the Overview, then every page in turn at the default quarter, then every page
    again at the quarter before (``?quarter=``, as a link or the sidebar's quarter change sets it),
    and Indicators with an indicator opened (``?ind=``: its trend card, chart and comparison). Then
    a second reader does the same, so what the first left cached is shared rather than counted
    again. Then the same app on an empty database, visited the same way (the floor: what Python,
    Streamlit and the libraries hold whatever the data); then, when PostgreSQL is installed, the
    instance on PostgreSQL (a throwaway cluster, as ``pg_queries``) holding the same history.

    The server runs with the allocator settings a deployment gives it before it starts
    (:data:`DEPLOYED_ENV`: ``MALLOC_ARENA_MAX=2``, ``ARROW_DEFAULT_MEMORY_POOL=system``, as
    ``deploy/Dockerfile`` and ``make run`` set them).

    Figures: the server process's peak resident size over the whole visit (``VmHWM`` in
    ``/proc/PID/status``: the most it held at any moment; set afresh before each page run and read
    after it, so the note can say which run it was), target under 300 MB; its peak private size
    (USS: ``Private_Clean`` + ``Private_Dirty`` of ``/proc/PID/smaps_rollup``, what this instance
    alone holds, without the libraries' code that instances on one machine share; sampled every
    :data:`SAMPLE_S` seconds during the visit, so a peak shorter than that can be missed); its
    resident size after the visits (``VmRSS``), and before any page was asked for; the empty
    database's peak resident and private sizes (the software stack's floor, whatever the data);
    errors (an exception element, a run that did not finish; target none); what ``st.cache_data``
    holds after the visits, serialized, per cached function (the server's own
    ``/_stcore/metrics``), beside the app's ceiling on it (``server.maxCacheDataSize``). With the
    load average.

    Last figures (7 December 2026, late evening, load average 1.2-2.3): peak private (USS) 306-316
    MB on DuckDB and 296-307 MB on PostgreSQL, from 345-350 and 302-310 MB the same evening before
    the trend lines were made from lines of values (``Store.actual_lines``: DuckDB's sort by text of
    528,000 rows held some 30 MB more while it ran, and a reference per value another 7 MB); peak
    resident 452-468 MB (DuckDB), 415-429 MB (PostgreSQL); the floor 285-293 MB resident, 150 MB
    private. Earlier (``--quick``: one reader; measured alternately with the code before that round,
    load average 10-17 on 2 shared cores; memory is little moved by load): peak resident 523 / 527 MB
    before, 499 / 493 MB after; peak private (USS) 367 / 376 -> 338 / 344 MB; the empty database's
    peak (the floor) 315 / 311 -> 291 / 292 MB (97% of the target before any data); on PostgreSQL
    439 / 431 -> 412 / 397 MB; cached results 56 -> 46 MB. The full section (two readers), in
    the same conditions: 525 -> 493 MB peak resident, USS 360 -> 339 MB, floor 312 -> 291 MB,
    PostgreSQL 437 -> 404 MB. What moved the floor: the libraries only
    a download or an upload needs are imported when the file is made or read (openpyxl ~11 MB,
    Parquet with Arrow's file systems ~9 MB, python-docx and lxml ~3 MB; see
    ``tests/test_lazy_imports.py``). What the floor is (imports alone, no page run, ~290 MB
    resident): pandas with pyarrow ~100 MB (libarrow alone 30 MB), DuckDB's library and its
    SQLAlchemy dialect (which opens an in-memory database on import) ~55 MB, Altair ~26 MB,
    Streamlit ~33 MB, SQLAlchemy ~11 MB, numpy ~16 MB; some 56 MB of it is the modules' code
    objects. The data's share (~200 MB at the peak) is the cached results (~46 MB, two quarters)
    and, mostly, the Indicators page's run at the second quarter (13,200 rows with trend lines:
    computed, cached, turned into Arrow and sent), which lifts the peak ~90 MB above what the
    process holds between runs.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.generated import history_db_path, history_store
from benchmarks.harness import Row, Run, bench, load_average, skip_row, start_streamlit, stop
from benchmarks.serving import Load, _back_msg, _one_run
from harrow_dash.config import ASGI_APP

INDICATORS, QUARTERS = 13_200, 40
PEAK_TARGET_MB = 300.0
READERS = 2
SECTION = "memory"
SAMPLE_S = 0.05
# What a deployed instance's environment sets before the process starts (deploy/Dockerfile, the
# Makefile's run target; see harrow_dash.process_memory for what each does).
DEPLOYED_ENV = {"MALLOC_ARENA_MAX": "2", "ARROW_DEFAULT_MEMORY_POOL": "system"}


def cache_budget() -> str:
    """The app's ceiling on cached results (``server.maxCacheDataSize`` in .streamlit/config.toml)."""
    import tomllib

    from harrow_dash.config import REPO_ROOT

    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    return str(config.get("server", {}).get("maxCacheDataSize", "none"))


def reset_peak(pid: int) -> None:
    """Set the process's peak resident size (``VmHWM``) back to its size now."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def status_mb(pid: int, name: str) -> float:
    """A size from ``/proc/PID/status`` (``VmRSS``, ``VmHWM``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def private_mb(pid: int) -> float:
    """The process's private (unique) size, USS: ``Private_Clean`` + ``Private_Dirty`` of
    ``/proc/PID/smaps_rollup``, in MB; NaN where that file cannot be read."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return float("nan")
    kb = 0
    for line in text.splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            kb += int(line.split()[1])
    return kb / 1024


class PrivatePeak:
    """The most :func:`private_mb` read while running: a thread samples it every ``SAMPLE_S``."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = float("nan")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            mb = private_mb(self.pid)
            if mb == mb and not mb <= self.peak:  # a number, and more (or the first)
                self.peak = mb
            if self._stop.wait(SAMPLE_S):
                return

    def __enter__(self) -> PrivatePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Visit:
    """What the readers saw, and the server's resident size after each page run."""

    load: Load = field(default_factory=Load)
    after: list[tuple[str, float]] = field(default_factory=list)  # (page run, VmRSS MB)
    peaks: list[tuple[str, float]] = field(default_factory=list)  # (page run, VmHWM MB during it)

    def measured(self, pid: int, where: str) -> None:
        """Record the resident size after the run ``where`` and its peak during it; then start
        the next run's peak afresh."""
        self.after.append((where, status_mb(pid, "VmRSS")))
        self.peaks.append((where, status_mb(pid, "VmHWM")))
        reset_peak(pid)


async def _reader(ws_url: str, pid: int, visit: Visit, n: int, quarter: str, ref: str) -> None:
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    async with connect(
        ws_url, subprotocols=[Subprotocol("streamlit")], max_size=None, ping_interval=None,
        open_timeout=120,
    ) as ws:  # fmt: skip
        pages = await _one_run(ws, _back_msg(), visit.load, f"reader {n} Overview")
        visit.measured(pid, f"reader {n} Overview")
        views: list[tuple[str, str, str]] = []
        for query in ("", f"quarter={quarter}"):
            for page_hash, name in pages:
                views.append((page_hash, name, query))
                if name == "Indicators":
                    views.append((page_hash, name, f"{query}&ind={ref}".lstrip("&")))
        for page_hash, name, query in views:
            where = f"reader {n} {name}{'?' + query if query else ''}"
            await _one_run(ws, _back_msg(page_hash, query_string=query), visit.load, where)
            visit.measured(pid, where)
    visit.load.sessions += 1


def visit_every_page(base_url: str, pid: int, readers: int, quarter: str, ref: str) -> Visit:
    """``readers`` readers one after the other, each opening every page (see the module's doc)."""
    ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
    visit = Visit()
    start = time.perf_counter()
    for n in range(readers):
        try:
            asyncio.run(_reader(ws_url, pid, visit, n + 1, quarter, ref))
        except Exception as exc:  # a broken connection or a timeout is an error of the visit
            visit.load.errors.append(f"reader {n + 1}: {type(exc).__name__}: {exc}"[:200])
    visit.load.busy_s = time.perf_counter() - start
    return visit


@bench("memory", "one instance's memory after visiting every page at 528,000 values (< 300 MB)")
def bench_memory(run: Run) -> list[Row]:
    try:
        import websockets  # noqa: F401
    except ImportError:
        return [skip_row(SECTION, "instance memory", "the websockets package is not installed")]
    store, latest = history_store(run.out_dir, INDICATORS, QUARTERS)
    store.dispose()  # the app must be the only process holding the file
    db = history_db_path(run.out_dir, INDICATORS, QUARTERS)
    env = {
        **DEPLOYED_ENV,
        "HARROW_DASH_DATABASE_URL": f"duckdb:///{db}",
        "HARROW_DASH_SECRETS": str(run.out_dir / "no-secrets.toml"),
    }
    loads = [load_average()]
    readers = 1 if run.quick else READERS
    measured = _measure(run, env, readers, latest.shift(-1).label, "GEN-00001")
    loads.append(load_average())
    # The floor: the same app on an empty database, every page visited the same way (what the
    # imports, Streamlit and the libraries hold, whatever the data).
    empty = run.fresh_db("memory-empty")
    empty.dispose()
    env["HARROW_DASH_DATABASE_URL"] = empty.url
    floor = _measure(run, env, 1, latest.shift(-1).label, "GEN-00001")
    loads.append(load_average())
    rows = _rows(measured, floor, loads)
    rows.append(_postgresql(run, env, readers, latest.shift(-1).label))
    return rows


def _postgresql(run: Run, env: dict[str, str], readers: int, quarter: str) -> Row:
    """The same visit with the instance on PostgreSQL (a throwaway cluster, as ``pg_queries``),
    the same history loaded through the importer first (untimed)."""
    from benchmarks.generated import history_file, load_history
    from benchmarks.postgres import _why_not, cluster
    from harrow_dash.store import Store

    measure = "on PostgreSQL: peak resident size after visiting every page"
    why = _why_not()
    if why:
        return skip_row(SECTION, measure, why)
    path, _meta = history_file(run.out_dir, INDICATORS, QUARTERS)
    with cluster() as pg:
        url = pg.create_database()
        store = Store(url)
        try:
            store.init()
            load_history(store, path)
        finally:
            store.dispose()
        m = _measure(run, {**env, "HARROW_DASH_DATABASE_URL": url}, readers, quarter, "GEN-00001")
    biggest = max(m.visit.peaks, key=lambda a: a[1], default=("-", float("nan")))
    errors = m.visit.load.errors
    return Row(
        SECTION,
        measure,
        m.peak,
        "MB",
        target=PEAK_TARGET_MB,
        note=f"the same history and visit; the peak during {biggest[0]}; peak private (USS) "
        f"{m.private_peak:,.0f} MB; after the visits "
        f"{m.final:,.0f} MB (private {m.anon:,.0f} MB); {len(errors)} errors"
        + (f": {'; '.join(errors[:2])}" if errors else "")
        + f"; load average {load_average()[0]:.1f}",
        extra={"peak_of_each_run_mb": m.visit.peaks, "errors": errors},
    ).judge()


@dataclass
class Measured:
    visit: Visit
    started: float  # VmRSS MB once the server answers, before any page
    peak: float  # VmHWM MB over the visit
    final: float  # VmRSS MB after it
    anon: float  # of which private memory (RssAnon): not the libraries' code, shared between instances
    private_peak: float  # the most private memory (USS) sampled during the visit, MB
    cached: dict[str, float] = field(default_factory=dict)  # st.cache_data MB per function, after


def cached_results_mb(base_url: str) -> dict[str, float]:
    """What ``st.cache_data`` holds, serialized, per cached function (MB), from the server's own
    ``/_stcore/metrics`` (``cache_memory_bytes``); empty when the server does not say."""
    import urllib.request

    try:
        with urllib.request.urlopen(base_url + "/_stcore/metrics", timeout=30) as reply:
            text = reply.read().decode("utf-8", "replace")
    except OSError:
        return {}
    sizes: dict[str, float] = {}
    for line in text.splitlines():
        if not line.startswith("cache_memory_bytes{") or 'cache_type="st_cache_data"' not in line:
            continue
        labels, value = line.rsplit(" ", 1)
        name = labels.split('cache="', 1)[1].split('"', 1)[0] if 'cache="' in labels else "?"
        sizes[name] = sizes.get(name, 0.0) + float(value) / 2**20
    return sizes


def _measure(run: Run, env: dict[str, str], readers: int, quarter: str, ref: str) -> Measured:
    proc, base = start_streamlit(ASGI_APP, run.out_dir / "memory-app.log", env, timeout=120)
    try:
        started = status_mb(proc.pid, "VmRSS")
        reset_peak(proc.pid)
        with PrivatePeak(proc.pid) as private:
            visit = visit_every_page(base, proc.pid, readers, quarter, ref)
        # The peak of the whole visit: the most of each run's own peak (each run's is read after
        # it and set afresh for the next), and of the time since the last.
        peak = max([status_mb(proc.pid, "VmHWM"), *(mb for _w, mb in visit.peaks)])
        final = status_mb(proc.pid, "VmRSS")
        anon = status_mb(proc.pid, "RssAnon")
        cached = cached_results_mb(base)
    finally:
        stop(proc)
    return Measured(visit, started, peak, final, anon, private.peak, cached)


def _rows(m: Measured, floor: Measured, loads: list[tuple[float, float, float]]) -> list[Row]:
    size = f"{INDICATORS:,} indicators x {QUARTERS} quarters (DuckDB)"
    machine = f"load average {', '.join(f'{lo[0]:.1f}' for lo in loads)}"
    visit = m.visit
    biggest = max(visit.peaks, key=lambda a: a[1]) if visit.peaks else ("-", float("nan"))
    runs = visit.load.runs
    errors = visit.load.errors + floor.visit.load.errors
    return [
        Row(
            SECTION,
            "peak resident size after visiting every page",
            m.peak,
            "MB",
            target=PEAK_TARGET_MB,
            note=f"{size}; {visit.load.sessions} readers, {len(runs)} page runs in "
            f"{visit.load.busy_s:.0f} s (slowest {max(runs, default=float('nan')):.1f} s); the peak "
            f"during {biggest[0]}; {machine}",
            extra={
                "after_each_run_mb": visit.after,
                "peak_of_each_run_mb": visit.peaks,
                "runs_s": runs,
            },
        ).judge(),
        Row(
            SECTION,
            "peak private size (USS) after visiting every page",
            m.private_peak,
            "MB",
            target=PEAK_TARGET_MB,
            note=f"what this instance alone held at most (sampled every {SAMPLE_S:g} s), without "
            f"the libraries' code shared by instances on one machine; on the empty database "
            f"{floor.private_peak:,.0f} MB, so the data's share is "
            f"{m.private_peak - floor.private_peak:,.0f} MB",
        ).judge(),
        Row(
            SECTION,
            "resident size after the visits",
            m.final,
            "MB",
            note=f"of which private {m.anon:,.0f} MB (the rest is the libraries' code, shared by "
            f"instances on one machine); {m.started:,.0f} MB when the server was up, before any page",
        ),
        Row(
            SECTION,
            "cached results after the visits (st.cache_data, serialized)",
            sum(m.cached.values()) if m.cached else None,
            "MB",
            note=(
                "; ".join(
                    f"{name.rsplit('.', 1)[-1]} {mb:,.1f}"
                    for name, mb in sorted(m.cached.items(), key=lambda kv: -kv[1])[:4]
                )
                + f"; ceiling (server.maxCacheDataSize) {cache_budget()}"
            )
            if m.cached
            else "the server did not report its cache sizes",
            extra={"cached_mb": m.cached},
        ),
        Row(
            SECTION,
            "the same app on an empty database: peak",
            floor.peak,
            "MB",
            note=f"every page visited the same way, in the same run: what the imports, Streamlit "
            f"and the libraries hold whatever the data (after the visit {floor.final:,.0f} MB, "
            f"private {floor.anon:,.0f} MB; peak private {floor.private_peak:,.0f} MB); the "
            f"floor takes {floor.peak / PEAK_TARGET_MB:.0%} of the {PEAK_TARGET_MB:.0f} MB target; "
            f"the data's share of the peak above: {m.peak - floor.peak:,.0f} MB",
        ),
        Row(
            SECTION,
            "errors",
            float(len(errors)),
            "",
            target=1,
            note="; ".join(errors[:3]) or "no exception or unfinished run",
            extra={"errors": errors},
        ).judge(),
    ]
