"""Generated histories of indicator values, the data the large-size benchmarks run on.

:func:`history_file` writes a tidy CSV of ``indicators x quarters`` values (deterministic; made once
under ``bench-output/`` and reused while the shape and the generator stay the same);
:func:`history_store` gives a DuckDB file holding that history, loaded through the importer (built
once, untimed, and reused by every section that wants that shape).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.harness import timed
from harrow_dash.rules.periods import Period
from harrow_dash.store import Store

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


def history_file(out_dir: Path, indicators: int, quarters: int) -> tuple[Path, dict[str, Any]]:
    """The generated tidy CSV (made once, reused while its parameters are the same)."""
    path = out_dir / f"history-{indicators}x{quarters}.csv"
    meta_path = path.with_suffix(".json")
    if path.is_file() and meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta.get("bytes") == path.stat().st_size and meta.get("generator") == GENERATOR_VERSION:
            return path, {**meta, "reused": True}
    seconds, (frame, latest) = timed(lambda: generate_history(indicators, quarters))
    write_seconds, _ = timed(lambda: frame.to_csv(path, index=False))
    meta = {
        "generator": GENERATOR_VERSION,
        "rows": len(frame),
        "indicators": indicators,
        "quarters": quarters,
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


def history_db_path(out_dir: Path, indicators: int, quarters: int) -> Path:
    """Where the DuckDB file holding the generated history of this shape lives."""
    return out_dir / f"history-{indicators}x{quarters}.duckdb"


def load_history(store: Store, path: Path) -> Any:
    """Load the generated CSV into ``store`` the way a user does (``ingest.load.load`` on the
    file's bytes); returns the load's result."""
    from harrow_dash.ingest.load import FileInput, load

    return load(store, [FileInput(path.name, path.read_bytes())], "bench")


def holds_history(db: Path, indicators: int, quarters: int) -> bool:
    """Whether ``db`` holds the generated history of this shape (not another shape's)."""
    if not db.is_file():
        return False
    store = Store(f"duckdb:///{db}")
    try:
        counts = store.counts()
    except Exception:
        return False
    finally:
        store.dispose()
    return (
        counts["indicators"] == indicators and counts["indicator_values"] == indicators * quarters
    )


def history_store(out_dir: Path, indicators: int, quarters: int) -> tuple[Store, Period]:
    """A store on the DuckDB file holding the generated history of this shape, and its latest
    quarter. The file is built here (untimed) when it does not hold that history yet."""
    db = history_db_path(out_dir, indicators, quarters)
    if not holds_history(db, indicators, quarters):
        print(
            f"  (building the {indicators:,} x {quarters} history database first, untimed)",
            file=sys.stderr,
            flush=True,
        )
        path, _meta = history_file(out_dir, indicators, quarters)
        for p in (db, db.with_name(db.name + ".wal")):
            p.unlink(missing_ok=True)
        store = Store(f"duckdb:///{db}")
        try:
            store.init()
            load_history(store, path)
        finally:
            store.dispose()
    store = Store(f"duckdb:///{db}")
    store.upgrade()  # a file built by an older version of the schema
    latest = store.latest_reported_period()
    if latest is None:
        store.dispose()
        raise SystemExit(f"{db} holds no indicator values; delete it and run again.")
    return store, latest
