"""What every benchmark module uses: the result row, the run's options, the section registry, timing
helpers and starting a Streamlit server on a free port.

A section is a function decorated with ``@bench("name", "what it measures")`` that takes the
:class:`Run` and returns :class:`Row` objects; the runner (``python -m benchmarks``) imports every
module of this folder, so defining the function is all it takes to appear in ``make bench``.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from harrow_dash.config import REPO_ROOT, SAMPLE_DIR
from harrow_dash.store import Store

OUT_DIR = REPO_ROOT / "bench-output"


@dataclass
class Row:
    """One line of the results table: a figure, and the target it is judged against (if any).

    ``better="lower"`` (the default) passes when ``value < target``; ``better="higher"`` passes when
    ``value >= target`` (a throughput or a ratio against a reference)."""

    section: str
    measure: str
    value: float | None = None  # in ``unit``
    unit: str = ""
    target: float | None = None  # in ``unit``
    status: str = ""  # PASS / MISS / SKIP / INFO, or "" for a plain figure
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # for the JSON only
    better: Literal["lower", "higher"] = "lower"

    def judge(self) -> Row:
        if self.target is not None and self.value is not None:
            lower = self.better == "lower"
            met = self.value < self.target if lower else self.value >= self.target
            self.status = "PASS" if met else "MISS"
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
    quick: bool = False  # fewer repetitions everywhere (a smoke run, not figures to quote)
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
    """Register a section; sections run in the order their modules are imported (see
    ``run.FIRST``), then in the order they are defined in the module."""

    def register(fn: BenchFn) -> BenchFn:
        if name in BENCHES and BENCHES[name][1] is not fn:
            raise ValueError(f"two benchmark sections are called {name!r}")
        BENCHES[name] = (about, fn)
        return fn

    return register


# -- small helpers ------------------------------------------------------------------------------------
def shown(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of ``fn()``."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def runs_note(times: Sequence[float], unit: str = "s", extra: str = "") -> str:
    """``median of 3 (runs 1.20, 1.31, 1.25 s)`` followed by ``extra``."""
    runs = ", ".join(f"{t:.2f}" for t in times)
    return f"median of {len(times)} (runs {runs} {unit}){extra}"


def median_row(
    section: str,
    measure: str,
    times: Sequence[float],
    target: float | None = None,
    extra_note: str = "",
) -> Row:
    """A row for the median of ``times`` seconds, judged against ``target`` seconds."""
    return Row(
        section,
        measure,
        statistics.median(times),
        "s",
        target=target,
        note=runs_note(times, extra=extra_note),
        extra={"runs": list(times)},
    ).judge()


def sample_missing() -> list[str]:
    """The shipped sample files that are not there (the sample-based sections skip without them)."""
    from harrow_dash.cli import SAMPLE_FILES

    return [n for n in SAMPLE_FILES if not (SAMPLE_DIR / n).is_file()]


def skip_row(section: str, measure: str, why: str) -> Row:
    return Row(section, measure, status="SKIP", note=f"skipped: {why}")


def load_average() -> tuple[float, float, float]:
    """The machine's 1, 5 and 15 minute load averages (what ``uptime`` prints)."""
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


# -- a Streamlit server on a free port ------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_streamlit(
    script: Path | str,
    log_path: Path,
    env: dict[str, str] | None = None,
    args: Sequence[str] = (),
    cwd: Path = REPO_ROOT,
    timeout: float = 60.0,
) -> tuple[subprocess.Popen[bytes], str]:
    """``streamlit run script`` headless on 127.0.0.1 and a free port (no usage stats), with ``env``
    added to the environment and ``args`` added to the command line; returns (process, base URL)
    once ``/_stcore/health`` answers ok. Stop it with :func:`stop`."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true"]
    cmd += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    cmd += ["--browser.gatherUsageStats", "false", *args]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
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
    stop(proc)
    raise RuntimeError(
        f"{script} did not answer /_stcore/health in {timeout:.0f} s; see {shown(log_path)}"
    )


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """Terminate a server started by :func:`start_streamlit` (kill it if it does not stop in 10 s)."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
