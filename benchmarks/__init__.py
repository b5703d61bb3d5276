"""Benchmarks behind ``make bench`` (``python -m benchmarks``): not part of the product.

One module per thing measured, each registering its sections:

* ``loading``: the shipped sample and a generated million-value history loaded from CSV;
* ``queries``: the dashboard's commonest queries on that large database;
* ``exports``: the Word briefing pack;
* ``browser``: the pages in headless Chromium (cold start, render, quarter change);
* ``serving``: page runs per second with ten simulated readers, against a reference app (2.0x);
* ``serving_deployed``: the same readers through the deployment's nginx proxy in front of one and
  then two app instances on PostgreSQL (p95 against 0.5 s);
* ``instance_memory``: one instance's peak memory after every page is visited at 528,000 values
  (resident and private (USS) peaks, each against 300 MB), beside the same app on an empty database
  (the software stack's floor), run with the allocator settings a deployment sets;
* ``postgres``: a million values loaded into PostgreSQL (normal durability and durability off, against
  DuckDB in the same run), and the dashboard's queries there against DuckDB's at 13,200 indicators x
  40 quarters (in a throwaway cluster; skipped without PostgreSQL);
* ``page_runs``: every page through Streamlit's AppTest at 13,200 indicators x 40 quarters on
  PostgreSQL and DuckDB, the first run after a load and warm runs;
* ``boroughs``: the Comparisons and Indicators pages with all 33 London boroughs' comparator data for
  33 x the sample's indicators, first run after a load and warm, on DuckDB and PostgreSQL (AppTest);
* ``harness``: the result row, options, registry, timing helpers, a Streamlit server on a free port;
* ``generated``: the generated histories (CSV and DuckDB files under ``bench-output/``, made once);
* ``run``: the runner and the results table.

To add a benchmark, add a module here (say ``benchmarks/postgres.py``) with one or more sections::

    from benchmarks.harness import Row, Run, bench, median_row, timed

    @bench("pg-load", "load 1,000,000 values into PostgreSQL (target < 15 s)")
    def bench_pg_load(run: Run) -> list[Row]:
        seconds, _ = timed(lambda: ...)
        return [Row("pg-load", "load 1,000,000 values", seconds, "s", target=15.0).judge()]

The runner imports it by itself (every module not starting with ``_``); ``python -m benchmarks
--only pg-load`` runs just that section. A row with a ``target`` is judged PASS or MISS
(``better="higher"`` for a rate or a ratio that must reach the target); a row without one is a plain
figure; ``skip_row`` says why a section could not run (no Chromium, no PostgreSQL...).
"""
