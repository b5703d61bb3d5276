"""Two editors loading at once never lose a load, on DuckDB and on PostgreSQL.

Two warm worker processes (the command line's path: ``ingest.load.load``) are handed conflicting
20,000-row files at the same moment, 20 rounds in a row. After each round:

* every batch the history lists as committed has its rows (those still in force plus those a later
  batch replaced, which the history tables keep) and the database holds the last committed file;
* an editor whose load did not run was told so plainly (PostgreSQL: never, the second load waits for
  the first; DuckDB: the file is one process's at a time, so the second may be told it is in use);
* rolling the round's batches back, newest first, restores exactly what each replaced, down to the
  values before the round.

Two sessions of one app process (threads) loading at once are serialised too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from harrow_dash.ingest.load import FileInput, load, rollback
from harrow_dash.rules.periods import Period
from harrow_dash.store import BUSY_MESSAGE, Store, schema

pytestmark = pytest.mark.both_databases

INDICATORS, QUARTERS = 200, 100  # 20,000 values per file
ROUNDS = 20
P1 = "A council that puts residents first"
FIRST_QUARTER = Period(2000, 1)

WORKER = textwrap.dedent(
    """
    import json
    import sys
    from pathlib import Path

    from harrow_dash.ingest.load import FileInput, load
    from harrow_dash.store import DatabaseBusy, Store

    url, user = sys.argv[1], sys.argv[2]
    print("ready", flush=True)
    for line in sys.stdin:
        path = Path(json.loads(line))
        content = path.read_bytes()
        store = Store(url)
        try:
            result = load(store, [FileInput(path.name, content)], user)
            out = {"outcome": "committed" if result.batch_id else "nothing",
                   "batch": result.batch_id}
        except DatabaseBusy as exc:
            out = {"outcome": "busy", "message": str(exc)}
        except Exception as exc:
            out = {"outcome": "error", "message": f"{type(exc).__name__}: {exc}"}
        finally:
            store.dispose()
        print(json.dumps(out), flush=True)
    """
)

Values = dict[tuple[str, int], tuple[float, float, int]]


def refs() -> list[str]:
    return [f"CC-{i:03d}" for i in range(INDICATORS)]


def quarters() -> list[Period]:
    return [FIRST_QUARTER.shift(q) for q in range(QUARTERS)]


def actual(variant: int, i: int, q: int) -> int:
    return 100_000 * variant + 100 * i + q


def write_values(path: Path, variant: int, definitions: bool = False) -> Path:
    """A tidy file of every indicator in every quarter; the actuals depend on ``variant``."""
    head = (
        "Ref,Name,Priority,Unit,Polarity,Period,Actual,Target"
        if definitions
        else ("Ref,Period,Actual,Target")
    )
    lines = [head]
    for i, ref in enumerate(refs()):
        for q, period in enumerate(quarters()):
            a = actual(variant, i, q)
            if definitions:
                lines.append(f"{ref},Indicator {i},{P1},count,higher,{period.label},{a},50")
            else:
                lines.append(f"{ref},{period.label},{a},50")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def expected(variant: int, batch: int) -> Values:
    return {
        (ref, period.key): (float(actual(variant, i, q)), 50.0, batch)
        for i, ref in enumerate(refs())
        for q, period in enumerate(quarters())
    }


def values(store: Store) -> Values:
    v = schema.indicator_values
    frame = store.read(sa.select(v.c.ref, v.c.period, v.c.actual, v.c.target, v.c.batch_id))
    return {
        (str(r.ref), int(r.period)): (float(r.actual), float(r.target), int(r.batch_id))
        for r in frame.itertuples()
    }


def rows_of_batch(store: Store, batch: int) -> int:
    """Rows a batch wrote: those still in force and those a later batch replaced."""
    with store.connect() as conn:
        live = conn.execute(
            sa.select(sa.func.count()).where(schema.indicator_values.c.batch_id == batch)
        ).scalar_one()
        h = schema.HISTORY_TABLES["indicator_values"]
        replaced = conn.execute(
            sa.select(sa.func.count()).where(h.c.batch_id == batch)
        ).scalar_one()
    return int(live) + int(replaced)


class Worker:
    """A warm ``load`` process: hand it a file, read back what happened."""

    def __init__(self, url: str, user: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, url, user],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def send(self, path: Path) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(str(path)) + "\n")
        self.proc.stdin.flush()

    def result(self) -> dict:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the worker died"
        return dict(json.loads(line))

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)


@pytest.fixture
def workers(store: Store) -> Iterator[tuple[Worker, Worker]]:
    pair = (Worker(store.url, "editor A"), Worker(store.url, "editor B"))
    yield pair
    for w in pair:
        w.stop()


def check_round_and_roll_back(
    store: Store, before: Values, committed: dict[int, int], round_no: int
) -> None:
    """``committed``: batch id -> the variant of the file it loaded."""
    assert committed, f"round {round_no}: neither load committed"
    listed = store.batches()
    for batch in committed:
        row = listed[listed["id"] == batch].iloc[0]
        assert row["status"] == "committed"
        assert row["rows_changed"] + row["rows_added"] == INDICATORS * QUARTERS
        assert rows_of_batch(store, batch) == INDICATORS * QUARTERS, (
            f"round {round_no}: batch {batch} is listed as committed but lost rows"
        )
    order = sorted(committed)
    assert values(store) == expected(committed[order[-1]], order[-1]), round_no
    for k in range(len(order) - 1, -1, -1):
        rollback(store, order[k], "tester")
        back = expected(committed[order[k - 1]], order[k - 1]) if k else before
        assert values(store) == back, f"round {round_no}: rolling back {order[k]} went wrong"


def test_two_editors_loading_at_once_never_lose_a_load(
    store: Store, workers: tuple[Worker, Worker], tmp_path: Path, backend: str
) -> None:
    load(
        store,
        [FileInput("base.csv", write_values(tmp_path / "base.csv", 0, True).read_bytes())],
        "t",
    )
    before = values(store)
    store.dispose()  # DuckDB: the file is free for the workers
    files = [write_values(tmp_path / f"editor-{v}.csv", v) for v in (1, 2)]
    busy_told = 0
    for round_no in range(ROUNDS):
        for worker, path in zip(workers, files, strict=True):
            worker.send(path)
        results = [w.result() for w in workers]
        committed: dict[int, int] = {}
        for variant, result in zip((1, 2), results, strict=True):
            assert result["outcome"] in {"committed", "busy"}, result
            if result["outcome"] == "committed":
                committed[int(result["batch"])] = variant
            else:
                busy_told += 1
                assert result["message"] == BUSY_MESSAGE.format(where=store.url)
        if backend == "postgresql":
            assert len(committed) == 2, f"round {round_no}: {results}"
        check_round_and_roll_back(store, before, committed, round_no)
        store.dispose()
    print(f"{backend}: {busy_told} of {2 * ROUNDS} loads were told the database was busy")


def session(
    store: Store, variant: int, path: Path, start: threading.Barrier, outcomes: dict[int, object]
) -> None:
    """One app session's load, started together with the other's."""
    start.wait()
    try:
        outcomes[variant] = load(store, [FileInput(path.name, path.read_bytes())], "s")
    except Exception as exc:  # recorded, asserted by the test
        outcomes[variant] = exc


def test_two_sessions_of_one_app_loading_at_once_take_turns(store: Store, tmp_path: Path) -> None:
    """Sessions are threads of one process sharing its store: their loads queue, both commit."""
    load(
        store,
        [FileInput("base.csv", write_values(tmp_path / "base.csv", 0, True).read_bytes())],
        "t",
    )
    before = values(store)
    files = [write_values(tmp_path / f"editor-{v}.csv", v) for v in (1, 2)]
    for round_no in range(3):
        outcomes: dict[int, object] = {}
        start = threading.Barrier(2)

        threads = [
            threading.Thread(target=session, args=(store, v, p, start, outcomes))
            for v, p in zip((1, 2), files, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        committed = {}
        for variant, outcome in outcomes.items():
            batch = getattr(outcome, "batch_id", None)
            assert batch is not None, f"round {round_no}: {outcome!r}"
            committed[int(batch)] = variant
        assert len(committed) == 2
        check_round_and_roll_back(store, before, committed, round_no)
