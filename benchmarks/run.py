"""The runner behind ``make bench`` (``python -m benchmarks``): imports every module of this folder
(each registers its sections with ``@bench``), runs the sections, prints every figure beside its
target and writes ``bench-output/bench.json``.

``--only NAME`` runs one section (repeatable), ``--skip NAME`` leaves one out, ``--list`` lists them,
``--quick`` takes fewer repetitions (a smoke run, not figures to quote), ``--strict`` exits 1 when a
target is missed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.harness import BENCHES, OUT_DIR, Row, Run, load_average

PACKAGE_DIR = Path(__file__).resolve().parent
# Modules that hold no sections (the framework and shared helpers).
NOT_SECTIONS = {"__main__", "harness", "run", "generated", "stream_files"}
# Modules named here run first, in this order (cheap and foundational first, servers last); any other
# module runs after them, alphabetically. A new module needs no entry here.
FIRST = ("loading", "queries", "page_work", "exports", "serving", "browser")


def discover() -> None:
    """Import every benchmark module of this folder (each registers its sections)."""
    names = [
        m.name
        for m in pkgutil.iter_modules([str(PACKAGE_DIR)])
        if m.name not in NOT_SECTIONS and not m.name.startswith("_") and not m.ispkg
    ]
    names.sort(key=lambda n: (FIRST.index(n) if n in FIRST else len(FIRST), n))
    for name in names:
        importlib.import_module(f"benchmarks.{name}")


# -- reporting -----------------------------------------------------------------------------------------
def format_number(value: float, unit: str) -> str:
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit == "x":
        return f"{value:,.2f}x"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.2f} {unit}".rstrip()


def format_value(row: Row) -> str:
    return "-" if row.value is None else format_number(row.value, row.unit)


def format_target(row: Row) -> str:
    if row.target is None:
        return ""
    sign = "<" if row.better == "lower" else ">="
    return f"{sign} {format_number(row.target, row.unit)}"


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
        "load_average_at_start": list(load_average()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "sqlalchemy": sqlalchemy.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    discover()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time loads, queries, pages and serving; print every figure beside its target "
        "and write bench-output/bench.json.",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHES),
        metavar="NAME",
        help=f"run only this section (repeatable): {', '.join(BENCHES)}",
    )
    parser.add_argument(
        "--skip", action="append", choices=list(BENCHES), metavar="NAME", help="leave a section out"
    )
    parser.add_argument("--list", action="store_true", help="list the sections and exit")
    parser.add_argument(
        "--quick", action="store_true", help="fewer repetitions: a smoke run, not figures to quote"
    )
    parser.add_argument(
        "--load-runs", type=int, default=None, help="history loads to take the median of (3)"
    )
    parser.add_argument("--query-runs", type=int, default=None, help="timed runs per query (50)")
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
            print(f"{name:<12} {about}")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    run = Run(
        out_dir=args.out.resolve(),
        load_runs=args.load_runs or (1 if args.quick else 3),
        query_runs=args.query_runs or (10 if args.quick else 50),
        warmups=args.warmups,
        indicators=args.indicators,
        quarters=args.quarters,
        quick=args.quick,
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
            "of CPUs); absolute timings will be slower than on an idle machine (ratios against a "
            "reference in the same run hold better).",
            flush=True,
        )
    chosen = [
        n for n in BENCHES if (not args.only or n in args.only) and n not in (args.skip or ())
    ]
    rows: list[Row] = []
    for name in chosen:
        about, fn = BENCHES[name]
        print(f"- {name}: {about} ... (load average {list(load_average())})", flush=True)
        rows.extend(fn(run))
    info["load_average_at_end"] = list(load_average())
    print()
    print_table(rows)
    missed = [r for r in rows if r.status == "MISS"]
    print()
    print(
        f"{sum(r.status == 'PASS' for r in rows)} targets met, {len(missed)} missed; load average "
        f"at the end {info['load_average_at_end']} on {info['cpus']} CPUs."
    )
    report = {
        "generated_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": info,
        "sections": chosen,
        "rows": [asdict(r) for r in rows],
    }
    (args.out / "bench.json").write_text(json.dumps(report, indent=2))
    print(f"Results written to {args.out / 'bench.json'}")
    return 1 if missed and args.strict else 0
