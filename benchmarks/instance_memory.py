"""One app instance's memory at council scale, after a reader has visited every page.

``memory``
    ``streamlit run app.py`` (local mode: the local user is an editor, so the Data page is visited
    too) on the generated history of 13,200 indicators x 40 quarters (528,000 values, DuckDB; built
    once under ``bench-output/`` and reused, see ``benchmarks/generated.py``). A client speaking
    Streamlit's own websocket protocol (as ``serving`` does; the server cannot tell it from a
    browser) opens the Overview, then every page in turn at the default quarter, then every page
    again at the quarter before (``?quarter=``, as a link or the sidebar's quarter change sets it),
    and Indicators with an indicator opened (``?ind=``: its trend card, chart and comparison). Then
    a second reader does the same, so what the first left cached is shared rather than counted
    again.

    Figures: the server process's peak resident size over the whole visit (``VmHWM`` in
    ``/proc/PID/status``: the most it held at any moment, from its start), target under 300 MB; its
    resident size after the visits (``VmRSS``), and before any page was asked for; errors (an
    exception element, a run that did not finish; target none). With the load average.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.generated import history_db_path, history_store
from benchmarks.harness import Row, Run, bench, load_average, skip_row, start_streamlit, stop
from benchmarks.serving import Load, _back_msg, _one_run

INDICATORS, QUARTERS = 13_200, 40
PEAK_TARGET_MB = 300.0
READERS = 2
SECTION = "memory"


def status_mb(pid: int, name: str) -> float:
    """A size from ``/proc/PID/status`` (``VmRSS``, ``VmHWM``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Visit:
    """What the readers saw, and the server's resident size after each page run."""

    load: Load = field(default_factory=Load)
    after: list[tuple[str, float]] = field(default_factory=list)  # (page run, VmRSS MB)


async def _reader(ws_url: str, pid: int, visit: Visit, n: int, quarter: str, ref: str) -> None:
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    async with connect(
        ws_url, subprotocols=[Subprotocol("streamlit")], max_size=None, ping_interval=None,
        open_timeout=120,
    ) as ws:  # fmt: skip
        pages = await _one_run(ws, _back_msg(), visit.load, f"reader {n} Overview")
        visit.after.append((f"reader {n} Overview", status_mb(pid, "VmRSS")))
        views: list[tuple[str, str, str]] = []
        for query in ("", f"quarter={quarter}"):
            for page_hash, name in pages:
                views.append((page_hash, name, query))
                if name == "Indicators":
                    views.append((page_hash, name, f"{query}&ind={ref}".lstrip("&")))
        for page_hash, name, query in views:
            where = f"reader {n} {name}{'?' + query if query else ''}"
            await _one_run(ws, _back_msg(page_hash, query_string=query), visit.load, where)
            visit.after.append((where, status_mb(pid, "VmRSS")))
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
        "HARROW_DASH_DATABASE_URL": f"duckdb:///{db}",
        "HARROW_DASH_SECRETS": str(run.out_dir / "no-secrets.toml"),
    }
    loads = [load_average()]
    proc, base = start_streamlit("app.py", run.out_dir / "memory-app.log", env, timeout=120)
    try:
        started = status_mb(proc.pid, "VmRSS")
        visit = visit_every_page(
            base, proc.pid, 1 if run.quick else READERS, latest.shift(-1).label, "GEN-00001"
        )
        peak = status_mb(proc.pid, "VmHWM")
        final = status_mb(proc.pid, "VmRSS")
    finally:
        stop(proc)
    loads.append(load_average())
    return _rows(visit, started, peak, final, loads)


def _rows(
    visit: Visit, started: float, peak: float, final: float, loads: list[tuple[float, float, float]]
) -> list[Row]:
    size = f"{INDICATORS:,} indicators x {QUARTERS} quarters (DuckDB)"
    machine = f"load average {', '.join(f'{lo[0]:.1f}' for lo in loads)}"
    biggest = max(visit.after, key=lambda a: a[1]) if visit.after else ("-", float("nan"))
    runs = visit.load.runs
    return [
        Row(
            SECTION,
            "peak resident size after visiting every page",
            peak,
            "MB",
            target=PEAK_TARGET_MB,
            note=f"{size}; {visit.load.sessions} readers, {len(runs)} page runs in "
            f"{visit.load.busy_s:.0f} s (slowest {max(runs, default=float('nan')):.1f} s); most "
            f"resident after one run {biggest[1]:,.0f} MB ({biggest[0]}); {machine}",
            extra={"after_each_run_mb": visit.after, "runs_s": runs},
        ).judge(),
        Row(
            SECTION,
            "resident size after the visits",
            final,
            "MB",
            note=f"{started:,.0f} MB when the server was up, before any page",
        ),
        Row(
            SECTION,
            "errors",
            float(len(visit.load.errors)),
            "",
            target=1,
            note="; ".join(visit.load.errors[:3]) or "no exception or unfinished run",
            extra={"errors": visit.load.errors},
        ).judge(),
    ]
