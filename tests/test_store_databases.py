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

from harrow_dash.filters import Filters
from harrow_dash.periods import Period
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
