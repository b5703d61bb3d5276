"""The packed PostgreSQL read (``harrow_dash.store.packed_read``, the comparator reads of the Comparisons
page) gives the very frame the ordinary row-by-row read gives, and the comparator reads give the
same answers through it as on DuckDB."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from pg_cluster import Cluster

from harrow_dash.store import MANY_REFS, Store
from harrow_dash.store.packed_read import read_packed


def test_packed_read_gives_exactly_the_row_by_row_frame(pg_cluster: Cluster) -> None:
    """NULL apart from empty text, quotes, commas, line breaks, unicode, NaN, infinities and
    negative zero, whole numbers and booleans with and without gaps, a column with no value at
    all, a text parameter with a quote in it, the statement's order, and no rows."""
    meta = sa.MetaData()
    tricky = sa.Table(
        "tricky_packed",
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
             "NULL", "\\N", " spaced ", "O'Brien", "100%", "[1, 2]", "null"]  # fmt: skip
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
            sa.select(tricky).order_by(tricky.c.id.desc()),
            sa.select(tricky.c.id, tricky.c.text).where(tricky.c.text == "O'Brien"),
            sa.select(tricky.c.id, tricky.c.whole).where(tricky.c.whole.is_not(None)),
            sa.select(tricky.c.id).where(tricky.c.id < 0),  # no rows
        ]
        for query in queries:
            by_rows = store.read(query)
            with store.connect() as conn:
                packed = read_packed(conn, query)
            assert packed is not None
            pd.testing.assert_frame_equal(packed, by_rows, check_exact=True)
            assert list(packed.dtypes) == list(by_rows.dtypes)
        with store.connect() as conn:
            full = read_packed(conn, queries[0])
        assert full is not None
        assert full["id"].tolist() == list(range(59, -1, -1))  # the statement's order
        by_id = full.set_index("id")
        assert by_id["text"][0] == "" and pd.isna(by_id["text"][1])  # empty text is not NULL
        assert math.copysign(1.0, by_id["number"][1]) == -1.0
        assert math.isnan(by_id["number"][5]) and by_id["number"][6] == math.inf
        assert by_id["nothing"].tolist() == [None] * 60
    finally:
        store.dispose()
        pg_cluster.drop_database(url.rsplit("/", 1)[1])


def test_packed_read_leaves_duckdb_to_the_ordinary_read(tmp_path: Path) -> None:
    store = Store(f"duckdb:///{tmp_path / 'x.duckdb'}")
    try:
        store.init()
        with store.connect() as conn:
            assert read_packed(conn, sa.select(sa.literal(1).label("one"))) is None
    finally:
        store.dispose()


@pytest.mark.parametrize("public", [False, True], ids=["internal", "public"])
def test_comparator_reads_answer_alike_on_both_databases(
    sample_db_file: Path,
    tmp_path: Path,
    pg_cluster: Cluster,
    pg_sample_template: str,
    public: bool,
) -> None:
    """Every measure's values and periods (many measures: the packed read on PostgreSQL) are the
    same frames on DuckDB and PostgreSQL, internal and public (published quarters only)."""
    import shutil

    from harrow_dash.rules.periods import Period

    duck = tmp_path / "sample.duckdb"
    shutil.copyfile(sample_db_file, duck)
    wal = sample_db_file.with_name(sample_db_file.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, duck.with_name(duck.name + ".wal"))
    pg_url = pg_cluster.create_database(template=pg_sample_template)
    stores = {"duckdb": Store(f"duckdb:///{duck}"), "postgresql": Store(pg_url)}
    try:
        for store in stores.values():
            store.publish(Period(2023, 2), "jo")
        answers = {}
        for name, store in stores.items():
            reader = Store(store.url, public=public)
            try:
                mapped = sorted(reader.benchmarked_indicators()["measure"].dropna().unique())
                # More than MANY_REFS measures (the packed read), some of them without values.
                measures = mapped + [f"NO-SUCH-{i}" for i in range(MANY_REFS + 1)]
                areas = sorted(reader.area_names())
                periods = reader.comparator_periods(measures, areas)
                values = reader.comparator_values(measures)
                some = reader.comparator_values(measures, sorted(periods["period"].unique())[-2:])
            finally:
                reader.dispose()
            assert not values.empty
            answers[name] = (periods.sort_values(["measure", "period"]), values, some)
        with stores["postgresql"].connect() as conn:  # the PostgreSQL reads above were packed
            assert read_packed(conn, sa.select(sa.literal(1).label("one"))) is not None
        for duck_frame, pg_frame in zip(answers["duckdb"], answers["postgresql"], strict=True):
            pd.testing.assert_frame_equal(
                duck_frame.reset_index(drop=True), pg_frame.reset_index(drop=True)
            )
    finally:
        for store in stores.values():
            store.dispose()
        pg_cluster.drop_database(pg_url.rsplit("/", 1)[1])
