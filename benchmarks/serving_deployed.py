"""Serving as a council deploys it: app instances on one PostgreSQL database behind the deployment's
own proxy, read by the same simulated readers as ``serving``.

``serving_deployed``
    A throwaway PostgreSQL cluster (the tests' ``tests/pg_cluster.py``) set up as compose's ``init``
    service does (``harrow-dash init --sample``); app instances started as compose starts them
    (``harrow-dash serve``, the tests' ``tests/deploy_proxy.py``), and nginx running the deployment's
    template (``deploy/nginx/harrow-dash.conf.template``) in front of them. The readers are
    ``serving``'s: ten sessions at a time speaking Streamlit's websocket protocol, each opening every
    page in turn, through the proxy's address. A new session carries no affinity cookie, so the
    proxy spreads sessions over the instances as it spreads new browsers; each session's websocket
    stays on the instance it reached.

    Measured twice in the same run, one instance behind the proxy and then two (each instance warmed
    by one session first, not counted): page runs per second, the p95 from asking for a page to its
    run finished (the issue's target, under 0.5 s, is ``serving``'s for one process; here it is
    given beside it for what a deployment of two instances serves), and errors.

    Why two: one instance runs every page in one Python process, whose interpreter runs one thread's
    Python at a time; ten readers' page runs queue there, however many cores the machine has.
    A second instance is a second process. On a 2-CPU machine the readers, the proxy and the
    database share the same two cores. Skipped without PostgreSQL, its driver or nginx.
"""

from __future__ import annotations

import os
import statistics
import sys
from contextlib import ExitStack
from pathlib import Path

from benchmarks.harness import Row, Run, bench, load_average, percentile, skip_row
from benchmarks.serving import CONCURRENT, P95_TARGET_S, SESSIONS, Load, drive

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from deploy_proxy import find_nginx, init_database, run_proxy, start_instances  # noqa: E402
from pg_cluster import Cluster, driver_available, find_bin_dir  # noqa: E402

SECTION = "serving_deployed"


def _why_not() -> str | None:
    if find_bin_dir() is None:
        return "PostgreSQL is not installed (Debian: apt-get install postgresql)"
    if not driver_available():
        return "the PostgreSQL driver is missing (pip install -e '.[postgres]')"
    if find_nginx() is None:
        return "nginx is not installed (Debian: apt-get install nginx)"
    return None


def _serve(nginx: str, url: str, instances: int, folder: Path, sessions: int) -> Load:
    """``sessions`` readers through the proxy in front of ``instances`` app instances on ``url``."""
    load = Load()
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        upstreams = stack.enter_context(start_instances([url] * instances, folder))
        proxy = stack.enter_context(run_proxy(nginx, upstreams, folder / "nginx"))
        for upstream in upstreams:  # imports, first queries and caches: not counted
            drive(f"http://{upstream}", Load(), 1)
        drive(proxy.url, load, sessions)
    return load


@bench(SECTION, "page runs with 10 readers through the deployment's proxy: 1 and 2 instances, PG")
def bench_serving_deployed(run: Run) -> list[Row]:
    why = _why_not()
    if why:
        return [skip_row(SECTION, "serving through the proxy", why)]
    nginx = find_nginx()
    assert nginx is not None
    bin_dir = find_bin_dir()
    assert bin_dir is not None
    sessions = 10 if run.quick else SESSIONS // 2
    folder = run.out_dir / "serving-deployed"
    folder.mkdir(parents=True, exist_ok=True)
    loads: dict[int, Load] = {}
    busy: dict[int, float] = {}
    pg = Cluster(bin_dir).start()
    try:
        url = pg.create_database()
        init_database(url, folder)
        for instances in (1, 2):
            print(
                f"  {sessions} sessions through the proxy, {instances} instance(s) ...", flush=True
            )
            loads[instances] = _serve(nginx, url, instances, folder / f"{instances}", sessions)
            busy[instances] = load_average()[0]
    finally:
        pg.stop()
    rows: list[Row] = []
    for instances, load in loads.items():
        what = "one instance" if instances == 1 else f"{instances} instances"
        p95 = percentile(load.runs, 95) if load.runs else None
        median = statistics.median(load.runs) if load.runs else float("nan")
        rows.append(
            Row(
                SECTION,
                f"{what} on PostgreSQL behind the proxy: page runs per second",
                load.per_second,
                "runs/s",
                note=f"{len(load.runs)} runs by {load.sessions} sessions in {load.busy_s:.1f} s, "
                f"{CONCURRENT} at a time; median {median:.2f} s; load average {busy[instances]:.1f}",
            )
        )
        rows.append(
            Row(
                SECTION,
                f"{what} on PostgreSQL behind the proxy: p95 from asking for a page to its run "
                "finished",
                p95,
                "s",
                target=P95_TARGET_S,
                note="one process on DuckDB without the proxy: see serving",
                extra={"runs_s": load.runs},
            ).judge()
        )
        rows.append(
            Row(
                SECTION,
                f"{what} on PostgreSQL behind the proxy: errors",
                float(len(load.errors)),
                "",
                target=1,
                note="; ".join(load.errors[:3])
                or "no exception, unfinished run or broken connection",
            ).judge()
        )
    if loads[1].per_second:
        rows.append(
            Row(
                SECTION,
                "two instances / one instance, page runs per second",
                loads[2].per_second / loads[1].per_second,
                "x",
                status="INFO",
                note=f"same run, same readers; {os.cpu_count()} CPUs shared with the readers, the "
                "proxy and the database",
            )
        )
    return rows
