"""The store answers every query the same on PostgreSQL as on DuckDB.

The shipped sample is loaded into both (the session's DuckDB sample file and the PostgreSQL sample
template), a quarter is published in each, and every read the pages make is compared: the same rows,
in the same order, with the same values. Public stores (published quarters only) too.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pg_cluster import Cluster

from harrow_dash.rules.filters import Filters
from harrow_dash.rules.periods import Period
from harrow_dash.store import Store

Q3 = Period(2023, 3)
Q2 = Period(2023, 2)


@pytest.fixture(scope="module")
def both(
    sample_db_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
    pg_cluster: Cluster,
    pg_sample_template: str,
) -> Iterator[dict[str, str]]:
    """The sample in each database with Q3 2023-24 published; read only."""
    duck = tmp_path_factory.mktemp("both") / "sample.duckdb"
    shutil.copyfile(sample_db_file, duck)
    wal = sample_db_file.with_name(sample_db_file.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, duck.with_name(duck.name + ".wal"))
    pg_url = pg_cluster.create_database(template=pg_sample_template)
    urls = {"duckdb": f"duckdb:///{duck}", "postgresql": pg_url}
    for url in urls.values():
        store = Store(url)
        store.publish(Q3, "jo")
        store.dispose()
    yield urls
    pg_cluster.drop_database(pg_url.rsplit("/", 1)[1])


READS: dict[str, Callable[[Store], Any]] = {
    "periods": lambda s: s.periods(),
    "latest reported": lambda s: s.latest_reported_period(),
    "latest published": lambda s: s.latest_reported_period(published_only=True),
    "published": lambda s: s.published_periods(),
    "priorities": lambda s: s.priorities(),
    "directorates": lambda s: s.directorates(),
    "portfolios": lambda s: s.portfolios(),
    "snapshot": lambda s: s.indicator_snapshot(Filters(period=Q3)),
    "snapshot filtered": lambda s: s.indicator_snapshot(
        Filters(period=Q2, priorities=(2,), directorates=tuple(s.directorates()[:2]))
    ),
    "history": lambda s: s.indicator_history(list(s.indicator_list()["ref"][:5])),
    "history until": lambda s: s.indicator_history(list(s.indicator_list()["ref"]), until=Q2),
    "actions": lambda s: s.action_statuses(Filters(period=Q3), until=Q3),
    "highlights": lambda s: s.highlights(Filters(period=Q3)),
    "all highlights": lambda s: s.highlights(Filters(period=Q3), all_periods=True),
    "tidy values": lambda s: s.tidy_values(),
    "counts": lambda s: s.counts(),
    "illustrative": lambda s: s.has_sample_data(),
}


def same(a: Any, b: Any) -> None:
    if isinstance(a, pd.DataFrame):
        assert list(a.columns) == list(b.columns)
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False
        )
    else:
        assert a == b


@pytest.mark.parametrize("public", [False, True], ids=["internal", "public"])
@pytest.mark.parametrize("read", list(READS))
def test_postgresql_answers_like_duckdb(both: dict[str, str], read: str, public: bool) -> None:
    stores = {name: Store(url, public=public) for name, url in both.items()}
    try:
        answers = {name: READS[read](store) for name, store in stores.items()}
    finally:
        for store in stores.values():
            store.dispose()
    same(answers["duckdb"], answers["postgresql"])


def test_postgresql_reads_many_rows_through_copy_exactly_as_row_by_row(
    pg_cluster: Cluster,
) -> None:
    """``Store.read(..., many_rows=True)`` on PostgreSQL (COPY as CSV, parsed by Arrow) gives the very
    frame the ordinary row-by-row read gives: NULL apart from empty text, quotes, commas, line breaks,
    unicode, NaN and infinities, whole numbers and booleans with and without gaps, a column with no
    value at all, and a text parameter with a quote in it."""
    import math

    import sqlalchemy as sa

    meta = sa.MetaData()
    tricky = sa.Table(
        "tricky_values",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("text", sa.String),
        sa.Column("number", sa.Double),
        sa.Column("whole", sa.BigInteger),
        sa.Column("flag", sa.Boolean),
        sa.Column("gapless_flag", sa.Boolean, nullable=False),
        sa.Column("nothing", sa.String),
    )
    texts = ["", None, "a,b", 'say "hi"', "line\nnext", "cr\r\nlf", "£ café 東京 🙂", "t", "f",
             "NULL", "\\N", " spaced ", "O'Brien", "100%"]  # fmt: skip
    numbers = [0.0, -0.0, 1e-05, 1e300, 5e-324, math.nan, math.inf, -math.inf, None, 0.1 + 0.2,
               72.4, -1.5, 1e16, 123456789.123]  # fmt: skip
    rows = [
        {
            "id": i,
            "text": texts[i % len(texts)],
            "number": numbers[i % len(numbers)],
            "whole": None if i % 4 == 0 else i * 2**33,
            "flag": None if i % 3 == 0 else i % 2 == 0,
            "gapless_flag": i % 2 == 1,
            "nothing": None,
        }
        for i in range(60)
    ]
    url = pg_cluster.create_database()
    store = Store(url)
    try:
        with store.engine.begin() as conn:
            meta.create_all(conn)
            conn.execute(sa.insert(tricky), rows)
        queries = [
            sa.select(tricky).order_by(tricky.c.id),
            sa.select(tricky.c.id, tricky.c.text).where(tricky.c.text == "O'Brien"),
            sa.select(tricky.c.text).where(tricky.c.text.like("%\\%%", escape="\\")),
            sa.select(tricky.c.id, tricky.c.whole).where(tricky.c.whole.is_not(None)),
            sa.select(tricky.c.id).where(tricky.c.id < 0),  # no rows
        ]
        for query in queries:
            by_rows = store.read(query)
            by_copy = store.read(query, many_rows=True)
            pd.testing.assert_frame_equal(by_copy, by_rows, check_exact=True)
            assert list(by_copy.dtypes) == list(by_rows.dtypes)
        full = store.read(queries[0], many_rows=True)
        assert full["text"][0] == "" and pd.isna(full["text"][1])  # empty text is not NULL
        assert math.copysign(1.0, full["number"][1]) == -1.0
        assert full["nothing"].tolist() == [None] * 60
    finally:
        store.dispose()
        pg_cluster.drop_database(url.rsplit("/", 1)[1])
