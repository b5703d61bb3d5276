"""Beyond one borough: the Comparisons and Indicators pages with every London borough's comparator data
for 33 times the indicators, on DuckDB and PostgreSQL in the same run, through the real app.

``boroughs``
    What "the same dashboard for all 33 London boroughs' published comparator data at once (33 x the
    indicators)" is taken to mean: comparator data for all 33 London boroughs plus the London and
    England benchmark areas (35 areas) for every benchmarked measure, where the number of measures is
    33 x the sample's 45 indicators (1,485: as if each borough brought its own set, each indicator
    mapped to a measure of its own), over 12 quarters: 623,700 comparator values in the LG
    Inform-like long CSV the app reads (area code, area name, measure id, measure name, period,
    value; about 1% written ``[c]``, suppressed by the publisher), loaded with a generated 1,485
    x 12 indicator history (``benchmark_measure`` column) through ``ingest.load.load`` as a user's
    load is. The files are made once under ``bench-output/boroughs/`` and reused.

    The same data is loaded into a DuckDB file and a throwaway PostgreSQL cluster
    (:mod:`benchmarks.postgres`). On each, through the real app in Streamlit's AppTest (in this
    process: the pages' own code, caches and queries; no browser): after a small load (one comparator
    value changed, which clears every cache as any load does), the **first run** of the Comparisons
    page (the group London, the first indicator ranked, the leads-and-lags strip of all 1,485) and
    of the Indicators page with one indicator opened with its comparison (``?ind=``: its trend card
    and chart with the group's median band); then **warm runs** of each (a new session, caches
    kept), median of 5 (2 with ``--quick``). Targets: first run within 1.0 s, warm run within 0.3 s,
    and PostgreSQL within 1.5x DuckDB for each (the ratio of medians in the same run). Each row notes
    the load average: the machine running ``make bench`` may be shared, which inflates absolute
    times, not the ratios. On PostgreSQL the every-measure reads (the periods each measure has among
    the group, the values at the periods compared) come packed in one value
    (:mod:`harrow_dash.store.packed_read`): read through COPY, one message per row was most of them.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.generated import generate_history
from benchmarks.harness import (
    Row,
    Run,
    bench,
    load_average,
    runs_note,
    sample_missing,
    skip_row,
    timed,
)
from harrow_dash.rules.areas import LONDON_BOROUGHS
from harrow_dash.store import Store

SECTION = "boroughs"
SAMPLE_INDICATORS = 45  # the sample's indicators (data/sample/indicators.csv)
SETS = 33  # one set per London borough
QUARTERS = 12
BENCHMARK_AREAS = {"E12000007": "London", "E92000001": "England"}
AREAS = {**LONDON_BOROUGHS, **BENCHMARK_AREAS}
FIRST_TARGET_S, WARM_TARGET_S, RATIO_TARGET = 1.0, 0.3, 1.5
RUNS = 5
GENERATOR_VERSION = 1  # bump when the files below change, so old ones are made again
SOURCE = "LG Inform (generated for the benchmark)"


def borough_files(out_dir: Path, indicators: int, quarters: int) -> tuple[Path, Path, int]:
    """The generated indicator history (with ``benchmark_measure``) and the comparator CSV for every
    area of :data:`AREAS`, made once under ``out_dir/boroughs/``; (indicators file, comparators
    file, comparator values written)."""
    folder = out_dir / "boroughs"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"v{GENERATOR_VERSION}-{indicators}x{quarters}"
    ind_path = folder / f"indicators-{stem}.csv"
    cmp_path = folder / f"comparators-{stem}.csv"
    count_path = folder / f"comparators-{stem}.count"
    if ind_path.is_file() and cmp_path.is_file() and count_path.is_file():
        return ind_path, cmp_path, int(count_path.read_text())
    history, _ = generate_history(indicators, quarters, seed=33)
    history["benchmark_measure"] = "LDN-" + history["ref"].str.slice(4)
    history["counts_people"] = np.where(history["unit"] == "count", "yes", "no")
    history.to_csv(ind_path, index=False)
    frame = comparator_frame(history)
    frame.to_csv(cmp_path, index=False)
    count_path.write_text(str(len(frame)))
    return ind_path, cmp_path, len(frame)


def comparator_frame(history: pd.DataFrame, seed: int = 35) -> pd.DataFrame:
    """Every area's value for every indicator's measure and quarter of ``history``: around the
    indicator's own figure, in the LG Inform-like long layout (about 1% written ``[c]``)."""
    rng = np.random.default_rng(seed)
    actual = pd.to_numeric(history["actual"], errors="coerce")
    level = actual.fillna(actual.groupby(history["ref"]).transform("mean")).to_numpy()
    n, k = len(history), len(AREAS)
    codes, names = list(AREAS), list(AREAS.values())
    values = np.repeat(level, k) * np.exp(rng.normal(0, 0.12, n * k))
    pct = np.repeat((history["unit"] == "%").to_numpy(), k)
    values = np.where(pct, np.clip(values, 0, 100), values)
    text = np.char.mod("%.1f", np.round(values, 1)).astype(object)
    text[rng.random(n * k) < 0.01] = "[c]"
    return pd.DataFrame(
        {
            "Area code": np.tile(codes, n),
            "Area name": np.tile(names, n),
            "Measure id": np.repeat(history["benchmark_measure"].to_numpy(), k),
            "Measure name": np.repeat(history["name"].to_numpy(), k),
            "Period": np.repeat(history["period"].to_numpy(), k),
            "Value": text,
            "Source": SOURCE,
        }
    )


def load_files(store: Store, paths: list[Path]) -> float:
    """Load the files in one load as a user does; seconds taken."""
    from harrow_dash.ingest.load import FileInput, load

    files = [FileInput(p.name, p.read_bytes()) for p in paths]
    seconds, result = timed(lambda: load(store, files, "bench"))
    assert result.batch_id is not None
    return seconds


def touch_load(store: Store, step: int) -> None:
    """A small load that changes one comparator value (England's figure for the first measure),
    so the next page run is a first run after a load (every cache cleared)."""
    from harrow_dash.ingest.load import FileInput, load

    measure = str(store.read("SELECT MIN(measure) AS m FROM comparator_values").iloc[0, 0])
    period = int(store.read("SELECT MAX(period) AS p FROM comparator_values").iloc[0, 0])
    from harrow_dash.ingest.comparators import period_text

    text = (
        "Area code,Area name,Measure id,Measure name,Period,Value,Source\n"
        f"E92000001,England,{measure},Touched,{period_text(period)},{50 + step},{SOURCE}\n"
    )
    load(store, [FileInput("touch.csv", text.encode())], "bench")


@contextmanager
def app_on(url: str) -> Iterator[None]:
    """Point the app (AppTest, in this process) at ``url``: internal mode, no sign-in."""
    saved = {k: os.environ.get(k) for k in ("HARROW_DASH_DATABASE_URL", "HARROW_DASH_SECRETS")}
    public = os.environ.pop("HARROW_DASH_PUBLIC", None)
    with tempfile.TemporaryDirectory() as tmp:
        secrets = Path(tmp) / "secrets.toml"
        secrets.write_text("")
        os.environ["HARROW_DASH_DATABASE_URL"] = url
        os.environ["HARROW_DASH_SECRETS"] = str(secrets)
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            if public is not None:
                os.environ["HARROW_DASH_PUBLIC"] = public


_SHARED: dict[str, Any] = {}


def run_page(page: str, query: dict[str, str]) -> float:
    """Seconds for one run of ``page`` in a new AppTest session (the app's own code and caches);
    raises when the page shows an exception.

    A new AppTest scans every installed package for custom components before its first run (1.5 s
    here), which a server does once at start, not per page run; so every AppTest of the bench shares
    the first one's scan (``_bidi_component_manager``, AppTest's own cache of it)."""
    from streamlit.testing.v1 import AppTest

    from harrow_dash.config import REPO_ROOT

    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120)
    if "components" in _SHARED:
        at._bidi_component_manager = _SHARED["components"]
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page)
    seconds, _ = timed(at.run)
    _SHARED.setdefault("components", at._bidi_component_manager)
    if at.exception:
        raise RuntimeError(f"{page} failed: {at.exception[0].message}")
    return seconds


def pages(ref: str, quarter: str) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "Comparisons": ("pages/7_Comparisons.py", {"quarter": quarter}),
        "Indicators, one opened with its comparison": (
            "pages/2_Indicators.py",
            {"quarter": quarter, "ind": ref},
        ),
    }


def measure_pages(
    store: Store, url: str, runs: int, ref: str, quarter: str
) -> dict[Any, list[float]]:
    """{(page, 'first'|'warm'): [seconds]} on the database at ``url``."""
    import streamlit as st

    times: dict[tuple[str, str], list[float]] = {}
    with app_on(url):
        st.cache_data.clear()
        st.cache_resource.clear()
        for page, query in pages(ref, quarter).values():
            run_page(page, query)  # the process's first run: imports, the engine, the schema check
        for step in range(runs):
            for name, (page, query) in pages(ref, quarter).items():
                touch_load(store, step * 10 + len(name))
                print(f"  {name}: first run after a load ...", file=sys.stderr, flush=True)
                times.setdefault((name, "first"), []).append(run_page(page, query))
                # Warm: the same page again in a new session, nothing loaded in between.
                times.setdefault((name, "warm"), []).append(run_page(page, query))
        st.cache_data.clear()
        st.cache_resource.clear()
    return times


def page_rows(section: str, size: str, timings: dict[str, dict[Any, list[float]]]) -> list[Row]:
    """Each page's first and warm runs on each database beside their targets, then PostgreSQL /
    DuckDB for each."""
    rows: list[Row] = []
    load = list(load_average())
    for (name, kind), duck in timings["duckdb"].items():
        target = FIRST_TARGET_S if kind == "first" else WARM_TARGET_S
        label = "first run after a load" if kind == "first" else "warm run"
        for db, label_db in (("duckdb", "DuckDB"), ("postgresql", "PostgreSQL")):
            if db not in timings:
                continue
            t = timings[db][(name, kind)]
            rows.append(
                Row(
                    section,
                    f"{name}, {label} ({label_db})",
                    statistics.median(t),
                    "s",
                    target=target,
                    note=runs_note(t, extra=f"; {size}; load average {load}"),
                    extra={"runs": t},
                ).judge()
            )
        if "postgresql" in timings:
            post = statistics.median(timings["postgresql"][(name, kind)])
            rows.append(
                Row(
                    section,
                    f"{name}, {label}: PostgreSQL / DuckDB",
                    post / statistics.median(duck),
                    "x",
                    target=RATIO_TARGET,
                    note=f"median {post:.2f} s vs {statistics.median(duck):.2f} s, same run",
                ).judge()
            )
    return rows


@bench(
    SECTION, "Comparisons and Indicators pages, 35 areas x 1,485 measures x 12 quarters, both DBs"
)
def bench_boroughs(run: Run) -> list[Row]:
    from benchmarks.postgres import _why_not, cluster

    measure = "Comparisons and Indicators pages"
    indicators = SAMPLE_INDICATORS * SETS
    ind_path, cmp_path, n_values = borough_files(run.out_dir, indicators, QUARTERS)
    size = f"{len(AREAS)} areas x {indicators:,} measures x {QUARTERS} quarters ({n_values:,})"
    runs = 2 if run.quick else RUNS
    duck_path = run.out_dir / "boroughs.duckdb"
    for p in (duck_path, duck_path.with_name(duck_path.name + ".wal")):
        p.unlink(missing_ok=True)
    timings: dict[str, dict[Any, list[float]]] = {}
    rows: list[Row] = []
    why = _why_not()
    with cluster() if why is None else _nothing() as pg:
        urls = {"duckdb": f"duckdb:///{duck_path}"}
        if pg is not None:
            urls["postgresql"] = pg.create_database()
        for name, url in urls.items():
            store = Store(url)
            try:
                store.init()
                seconds = load_files(store, [ind_path, cmp_path])
                print(f"  loaded {size} into {name} in {seconds:.1f} s", file=sys.stderr)
                rows.append(
                    Row(SECTION, f"load the data ({name})", seconds, "s", status="INFO", note=size)
                )
                latest = store.latest_reported_period()
                assert latest is not None
                ref = str(store.benchmarked_indicators()["ref"].iloc[0])
                timings[name] = measure_pages(store, url, runs, ref, latest.label)
            finally:
                store.dispose()
    rows += page_rows(SECTION, size, timings)
    rows += sample_reference(run, runs, timings["duckdb"])
    if why:
        rows.append(skip_row(SECTION, f"{measure} on PostgreSQL", why))
    return rows


def sample_reference(run: Run, runs: int, duck: dict[Any, list[float]]) -> list[Row]:
    """The same pages on the shipped sample (one borough's 45 indicators, 18 of them benchmarked
    against 33 boroughs) in a DuckDB file, measured the same way in the same run: what 33 times
    the indicators costs each page, as a ratio that the machine's load largely cancels out."""
    from harrow_dash.cli import load_sample

    if sample_missing():
        return [skip_row(SECTION, "the sample reference", "the sample files are not there yet")]
    store = run.fresh_db("boroughs-sample")
    try:
        load_sample(store, out=io.StringIO())
        latest = store.latest_reported_period()
        assert latest is not None
        ref = str(store.benchmarked_indicators()["ref"].iloc[0])
        url = f"duckdb:///{run.out_dir / 'boroughs-sample.duckdb'}"
        sample = measure_pages(store, url, runs, ref, latest.label)
    finally:
        store.dispose()
    rows = []
    for (name, kind), times in sample.items():
        label = "first run after a load" if kind == "first" else "warm run"
        mine = statistics.median(times)
        rows.append(
            Row(
                SECTION,
                f"{name}, {label} (DuckDB, the sample: reference)",
                mine,
                "s",
                status="INFO",
                note=runs_note(times, extra=f"; load average {list(load_average())}"),
            )
        )
        rows.append(
            Row(
                SECTION,
                f"{name}, {label}: 33 boroughs' data / the sample (DuckDB)",
                statistics.median(duck[(name, kind)]) / mine,
                "x",
                status="INFO",
                note="same run, same way",
            )
        )
    return rows


@contextmanager
def _nothing() -> Iterator[None]:
    yield None
