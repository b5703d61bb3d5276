"""Serving capacity of one process: simulated readers speaking Streamlit's own websocket protocol.

``serving``
    The dashboard (``streamlit run harrow_dash/ui/asgi_app.py`` on the sample data with its history published, as ``make
    run`` sets it up, so the Cabinet presentation has quarters to show; its own settings) and a minimal
    reference app (``benchmarks/reference_app``: on each page a title, four ``st.metric``, one
    Altair line chart of 48 points and one 48-row ``st.dataframe``; Streamlit's default settings)
    run side by side. Simulated sessions (no browser) open ``/_stcore/stream`` as the Streamlit
    front end does, send a ``BackMsg`` asking for the first page, then one for every other page in
    turn, each when the previous page's run has finished (``ForwardMsg.script_finished``). Ten
    sessions at a time, 50 sessions per app (10 with ``--quick``), in rounds that alternate
    between the two apps so that both see the same machine.

    Figures: page runs per second of each app (completed runs / time under load) and their ratio
    (target: the dashboard at least 2.0x the reference), the dashboard's 95th percentile from asking
    for a page to its run finishing (target under 0.5 s; the reference app's beside it), errors (an exception element, a run that
    did not finish or a broken connection; target none) and the growth of the dashboard server's
    resident memory from after one warm-up session to after the last one, per 50 sessions (target
    under 100 MB). The machine's load average is printed with them: on a shared machine the ratio
    is the figure to quote.

    The dashboard's sessions open 9 pages (the Data page too: locally the reader is an editor), the
    reference app's 7. Server CPU per page run, one session at a time (sample data): Overview and
    Priorities ~80 ms, Indicators, Flagship actions, Highlights, Comparisons 50-60 ms, Presentation
    and Open data ~20 ms; the Data page was 460 ms, more than half a session's CPU, almost all of
    it the corrective actions panel reading the store afresh on every run (now cached per quarter
    like every other page's reads). The reference app: ~100 ms a page.

    Last figures (measured alternately with the code before this round, load average 11-17 on 2
    shared cores; two pairs): before 7.5 and 7.4 runs/s vs the reference's 4.6 and 4.7 (1.65x,
    1.56x), p95 5.8 and 5.1 s (reference 4.7, 5.4 s); after 12.1 and 11.5 runs/s vs 4.7 and 4.3
    (2.57x, 2.64x), p95 1.9 and 1.8 s (reference 4.7, 5.2 s). A p95 under 0.5 s with 10
    readers at once asks each run for under ~0.1 s of a core with two cores to share among ten
    queued runs; at the load averages measured (5 to 8 runs waiting per core from other programs)
    the reference app's own p95 is near 5 s, so that target is not within reach of this machine
    as shared; it needs the cores to itself (or more instances behind the proxy).
"""

from __future__ import annotations

import asyncio
import io
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.harness import (
    Row,
    Run,
    bench,
    load_average,
    percentile,
    sample_missing,
    skip_row,
    start_streamlit,
    stop,
)
from harrow_dash.config import ASGI_APP

REFERENCE_APP = Path(__file__).resolve().parent / "reference_app"
CONCURRENT = 10
SESSIONS = 50
ROUNDS = 2
RATIO_TARGET = 2.0  # issue 21: at least 2.0x the reference app at 10 readers
P95_TARGET_S = 0.5  # issue 21: p95 under 0.5 s
MEMORY_TARGET_MB = 100.0
RUN_TIMEOUT_S = 120.0


@dataclass
class Load:
    """What the sessions against one app saw."""

    runs: list[float] = field(default_factory=list)  # seconds from asking to finished, per page run
    errors: list[str] = field(default_factory=list)
    busy_s: float = 0.0  # wall time under load
    sessions: int = 0

    @property
    def per_second(self) -> float:
        return len(self.runs) / self.busy_s if self.busy_s else 0.0


def _back_msg(page_script_hash: str = "", page_name: str = "", query_string: str = "") -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.query_string = query_string
    msg.rerun_script.page_script_hash = page_script_hash
    msg.rerun_script.page_name = page_name
    msg.rerun_script.widget_states.SetInParent()
    return msg.SerializeToString()


async def _one_run(ws: object, request: bytes, load: Load, where: str) -> list[tuple[str, str]]:
    """Ask for a page and read messages until its run finishes; returns the app's pages
    (hash, name) from the run's ``navigation`` message. Records the time and any error."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    start = time.perf_counter()
    await ws.send(request)  # type: ignore[attr-defined]
    pages: list[tuple[str, str]] = []
    deadline = start + RUN_TIMEOUT_S
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError(f"{where}: no script_finished within {RUN_TIMEOUT_S:.0f} s")
        raw = await asyncio.wait_for(ws.recv(), timeout=left)  # type: ignore[attr-defined]
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "navigation":  # the app's pages, the one running first
            pages = [(p.page_script_hash, p.page_name) for p in msg.navigation.app_pages]
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            if msg.delta.new_element.WhichOneof("type") == "exception":
                exc = msg.delta.new_element.exception
                load.errors.append(f"{where}: {exc.type}: {exc.message[:120]}")
        elif kind == "page_not_found":
            load.errors.append(f"{where}: page not found")
        elif kind == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue  # the page asked for a rerun: the run goes on
            if status != ForwardMsg.FINISHED_SUCCESSFULLY:
                load.errors.append(f"{where}: script finished with status {status}")
            load.runs.append(time.perf_counter() - start)
            return pages


async def _session(ws_url: str, load: Load, n: int) -> None:
    """One reader: the first page, then every other page in turn."""
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    try:
        async with connect(
            ws_url,
            subprotocols=[Subprotocol("streamlit")],
            max_size=None,
            ping_interval=None,
            open_timeout=60,
        ) as ws:
            pages = await _one_run(ws, _back_msg(), load, f"session {n} first page")
            main_hash = pages[0][0] if pages else ""
            for page_hash, name in pages:
                if page_hash != main_hash:
                    await _one_run(ws, _back_msg(page_hash), load, f"session {n} {name}")
        load.sessions += 1
    except Exception as exc:  # a broken connection or a timeout is an error of the run
        load.errors.append(f"session {n}: {type(exc).__name__}: {exc}"[:200])


async def _sessions(ws_url: str, load: Load, count: int, first: int) -> None:
    limit = asyncio.Semaphore(CONCURRENT)

    async def one(n: int) -> None:
        async with limit:
            await _session(ws_url, load, n)

    start = time.perf_counter()
    await asyncio.gather(*(one(first + i) for i in range(count)))
    load.busy_s += time.perf_counter() - start


def drive(base_url: str, load: Load, count: int, first: int = 0) -> None:
    """``count`` sessions against the app at ``base_url``, ``CONCURRENT`` at a time."""
    ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
    asyncio.run(_sessions(ws_url, load, count, first))


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@bench(
    "serving", "page runs per second of one process with 10 simulated sessions, vs a reference app"
)
def bench_serving(run: Run) -> list[Row]:
    from harrow_dash.cli import load_sample, publish_sample_history

    try:
        import websockets  # noqa: F401
    except ImportError:
        return [skip_row("serving", "serving capacity", "the websockets package is not installed")]
    missing = sample_missing()
    if missing:
        return [skip_row("serving", "serving capacity", f"{', '.join(missing)} not there yet")]
    store = run.fresh_db("serving")
    try:
        load_sample(store, out=io.StringIO())
        publish_sample_history(store, out=io.StringIO())  # as `make run` and `init --sample` do
    finally:
        store.dispose()  # the app must be the only process holding the file
    db = run.out_dir / "serving.duckdb"
    sessions = 10 if run.quick else SESSIONS
    rounds = 1 if run.quick else ROUNDS
    app_proc = ref_proc = None
    app, ref = Load(), Load()
    try:
        app_proc, app_url = start_streamlit(
            ASGI_APP,
            run.out_dir / "serving-app.log",
            {"HARROW_DASH_DATABASE_URL": f"duckdb:///{db}"},
        )
        ref_proc, ref_url = start_streamlit(
            "app.py", run.out_dir / "serving-reference.log", cwd=REFERENCE_APP
        )
        # One warm-up session each (imports, first queries, caches), not counted.
        drive(app_url, Load(), 1)
        drive(ref_url, Load(), 1)
        rss_before = rss_mb(app_proc.pid)
        loads: list[tuple[float, float, float]] = []
        per_round = sessions // rounds
        for r in range(rounds):
            order = [(ref_url, ref), (app_url, app)]
            for url, load in order if r % 2 == 0 else order[::-1]:
                print(
                    f"  round {r + 1}/{rounds}: {per_round} sessions against "
                    f"{'the reference app' if load is ref else 'the dashboard'} ...",
                    flush=True,
                )
                drive(url, load, per_round, first=r * per_round)
                loads.append(load_average())
        rss_after = rss_mb(app_proc.pid)
    finally:
        stop(app_proc)
        stop(ref_proc)
    return _rows(app, ref, rss_before, rss_after, loads)


def _rows(
    app: Load,
    ref: Load,
    rss_before: float,
    rss_after: float,
    loads: list[tuple[float, float, float]],
) -> list[Row]:
    machine = f"load average during the runs {', '.join(f'{lo[0]:.1f}' for lo in loads)}"
    rows = [
        Row(
            "serving",
            "reference app: page runs per second",
            ref.per_second,
            "runs/s",
            note=f"{len(ref.runs)} runs by {ref.sessions} sessions in {ref.busy_s:.1f} s; p95 "
            f"{percentile(ref.runs, 95) if ref.runs else float('nan'):.2f} s; {machine}",
        ),
        Row(
            "serving",
            "dashboard: page runs per second",
            app.per_second,
            "runs/s",
            note=f"{len(app.runs)} runs by {app.sessions} sessions in {app.busy_s:.1f} s; "
            f"median {statistics.median(app.runs) if app.runs else float('nan'):.2f} s",
        ),
        Row(
            "serving",
            "dashboard / reference, page runs per second",
            app.per_second / ref.per_second if ref.per_second else None,
            "x",
            target=RATIO_TARGET,
            better="higher",
            note=f"{CONCURRENT} sessions at a time, each opening every page in turn",
        ).judge(),
        Row(
            "serving",
            "dashboard: p95 from asking for a page to its run finished",
            percentile(app.runs, 95) if app.runs else None,
            "s",
            target=P95_TARGET_S,
            note=f"reference app p95 {percentile(ref.runs, 95) if ref.runs else float('nan'):.2f} s",
            extra={"app_runs_s": app.runs, "reference_runs_s": ref.runs},
        ).judge(),
        Row(
            "serving",
            "dashboard: errors",
            float(len(app.errors)),
            "",
            target=1,
            note="; ".join(app.errors[:3]) or "no exception, unfinished run or broken connection",
            extra={"errors": app.errors, "reference_errors": ref.errors},
        ).judge(),
    ]
    growth = (rss_after - rss_before) * SESSIONS / max(app.sessions, 1)
    rows.append(
        Row(
            "serving",
            "dashboard: server memory growth per 50 sessions",
            growth,
            "MB",
            target=MEMORY_TARGET_MB,
            note=f"resident {rss_before:,.0f} MB after the warm-up session, {rss_after:,.0f} MB "
            f"after {app.sessions} more",
        ).judge()
    )
    if ref.errors:
        rows.append(
            Row("serving", "reference app: errors", float(len(ref.errors)), "", status="INFO",
                note="; ".join(ref.errors[:3]))
        )  # fmt: skip
    return rows


if __name__ == "__main__":  # a quick look: python -m benchmarks.serving URL [sessions]
    import sys

    result = Load()
    drive(sys.argv[1], result, int(sys.argv[2]) if len(sys.argv) > 2 else CONCURRENT)
    print(f"{len(result.runs)} runs, {result.per_second:.2f}/s, errors: {result.errors[:5]}")
