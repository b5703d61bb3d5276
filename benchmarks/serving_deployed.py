"""Serving as a council deploys it: app instances on one PostgreSQL database behind the deployment's
own proxy, read by the same simulated readers as ``serving``.

``serving_deployed``
    A throwaway PostgreSQL cluster (the tests' ``tests/pg_cluster.py``) set up as compose's ``init``
    service does (``harrow-dash init --sample``); app instances started as compose starts them
    (``harrow-dash serve``, the tests' ``tests/deploy_proxy.py``), and nginx running the deployment's
    template (``deploy/nginx/harrow-dash.conf.template``) in front of them. The readers are
    ``serving``'s: ten sessions at a time speaking Streamlit's websocket protocol, each opening every
    page in turn, through the proxy's address. A new session carries no affinity cookie, so the
    proxy spreads sessions over the instances as it spreads new browsers (by a hash of a random
    request id: not evenly, so the rows say how many sessions each instance served, from the proxy's
    access log); each session's websocket stays on the instance it reached.

    One instance and two instances behind the proxy, in rounds that alternate (1, 2, 2, 1; ``--quick``:
    1, 2), each instance warmed by one session first, not counted. Figures for each: page runs per
    second, the p95 from asking for a page to its run finished, and errors. The issue's p95 target
    (under 0.5 s) is judged on the two instances' row: one process's p95 is ``serving``'s, judged
    there; here one instance's is given beside it. Then the ratio of the two rates.

    Why two: one instance runs every page in one Python process, whose interpreter runs one thread's
    Python at a time; ten readers' page runs queue there, however many cores the machine has.
    A second instance is a second process. On a 2-CPU machine the readers, the proxy and the
    database share the same two cores. Skipped without PostgreSQL, its driver, nginx, the
    websockets package or the sample files.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.harness import Row, Run, bench, load_average, percentile, sample_missing, skip_row
from benchmarks.serving import CONCURRENT, P95_TARGET_S, SESSIONS, Load, drive

SECTION = "serving_deployed"
TESTS = Path(__file__).resolve().parents[1] / "tests"


def _helpers() -> Any:
    """The tests' deployment helpers (``tests/deploy_proxy.py``), imported when the section runs:
    they need pytest and PyYAML, which listing or running other sections does not."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    import deploy_proxy

    return deploy_proxy


def _why_not() -> str | None:
    from benchmarks.postgres import _why_not as no_postgres

    why = no_postgres()
    if why:
        return why
    try:
        import websockets  # noqa: F401
    except ImportError:
        return "the websockets package is not installed"
    if _helpers().find_nginx() is None:
        return "nginx is not installed (Debian: apt-get install nginx)"
    missing = sample_missing()
    if missing:
        return f"{', '.join(missing)} not there yet"
    return None


@dataclass
class Served:
    """What the readers saw through the proxy in front of a number of instances, over its rounds."""

    load: Load = field(default_factory=Load)
    splits: list[str] = field(default_factory=list)  # sessions per instance, round by round
    load_averages: list[float] = field(default_factory=list)


def _serve(nginx: str, url: str, folder: Path, sessions: int, served: Served, n: int) -> None:
    """``sessions`` readers through the proxy in front of ``n`` app instances on ``url``."""
    helpers = _helpers()
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        upstreams = stack.enter_context(helpers.start_instances([url] * n, folder))
        proxy = stack.enter_context(helpers.run_proxy(nginx, upstreams, folder / "nginx"))
        for upstream in upstreams:  # imports, first queries and caches: not counted
            drive(f"http://{upstream}", Load(), 1)
        drive(proxy.url, served.load, sessions)
        served.load_averages.append(load_average()[0])
        per_instance = Counter(
            row["upstream"] for row in proxy.access_log() if row["uri"] == "/_stcore/stream"
        )
        served.splits.append(
            " / ".join(str(k) for k in sorted(per_instance.values(), reverse=True))
        )


@bench(SECTION, "page runs with 10 readers through the deployment's proxy: 1 and 2 instances, PG")
def bench_serving_deployed(run: Run) -> list[Row]:
    why = _why_not()
    if why:
        return [skip_row(SECTION, "serving through the proxy", why)]
    from pg_cluster import Cluster, find_bin_dir

    helpers = _helpers()
    nginx = helpers.find_nginx()
    bin_dir = find_bin_dir()
    assert nginx is not None and bin_dir is not None
    order = (1, 2) if run.quick else (1, 2, 2, 1)
    sessions = 10 if run.quick else SESSIONS // 2
    folder = run.out_dir / "serving-deployed"
    shutil.rmtree(folder, ignore_errors=True)  # the proxy's access logs of an earlier run
    served = {1: Served(), 2: Served()}
    pg = Cluster(bin_dir).start()
    try:
        url = pg.create_database()
        helpers.init_database(url, folder)
        for i, n in enumerate(order):
            print(
                f"  round {i + 1}/{len(order)}: {sessions} sessions, {n} instance(s) ...",
                flush=True,
            )
            _serve(nginx, url, folder / f"round-{i + 1}", sessions, served[n], n)
    finally:
        pg.stop()
    return _rows(served, order)


def _rows(served: dict[int, Served], order: tuple[int, ...]) -> list[Row]:
    rows: list[Row] = []
    for n, result in served.items():
        load = result.load
        what = "one instance" if n == 1 else f"{n} instances"
        p95 = percentile(load.runs, 95) if load.runs else None
        median = statistics.median(load.runs) if load.runs else float("nan")
        busy = ", ".join(f"{a:.1f}" for a in result.load_averages)
        shares = f"; sessions per instance {' and '.join(result.splits)}" if n > 1 else ""
        rows.append(
            Row(
                SECTION,
                f"{what} on PostgreSQL behind the proxy: page runs per second",
                load.per_second,
                "runs/s",
                note=f"{len(load.runs)} runs by {load.sessions} sessions in {load.busy_s:.1f} s, "
                f"{CONCURRENT} at a time; median {median:.2f} s{shares}; load average {busy}",
            )
        )
        p95_row = Row(
            SECTION,
            f"{what} on PostgreSQL behind the proxy: p95 from asking for a page to its run finished",
            p95,
            "s",
            extra={"runs_s": load.runs},
        )
        if n == 1:
            p95_row.note = "one process's p95 is judged in serving"
        else:
            p95_row.target = P95_TARGET_S
            p95_row.note = "the deployment's answer to ten readers at once"
            p95_row.judge()
        rows.append(p95_row)
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
    one, two = served[1].load.per_second, served[2].load.per_second
    if one:
        rows.append(
            Row(
                SECTION,
                "two instances / one instance, page runs per second",
                two / one,
                "x",
                status="INFO",
                note=f"same run, same readers, rounds in the order {', '.join(map(str, order))}; "
                f"{os.cpu_count()} CPUs shared with the readers, the proxy and the database",
            )
        )
    return rows
