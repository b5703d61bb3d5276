"""The load's fast paths read every file exactly as the general paths do.

A regular CSV is read by Arrow (``ingest.arrow_csv``) and any other by pandas; the texts of a number
column that are plain numbers are read in one step and only the rest by the spreadsheet rules
(``ingest.numbers``). Each fast path must give what the general path gives, cell for cell, or hand
the file back to it: these tests compare the two on real files, and load a file both ways into real
databases.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from harrow_dash.ingest import numbers
from harrow_dash.ingest.arrow_csv import arrow_grid
from harrow_dash.ingest.load import FileInput, load, prepare
from harrow_dash.ingest.readers import CONTROL_CHARS, has_control_chars, read_csv

# Files whose every row has the header's width (Arrow reads them) and files Arrow hands back.
REGULAR = {
    "plain": b"a,b,c\n1,2,3\n",
    "byte-order mark": "\ufeffa,b,c\n1,2,3\n".encode(),
    "windows line endings": b"a,b,c\r\n1,2,3\r\n",
    "old mac line endings": b"a,b,c\r1,2,3\r",
    "line break in a quoted cell": b'a,b,c\n"x\ny",2,3\n',
    "windows line break in a quoted cell": b'a,b,c\r\n"x\r\ny",2,3\r\n',
    "quoted empty cells stay empty text": b'a,b,c\n"",2,""\n',
    "doubled quotes": b'a,b,c\n"say ""hi""",2,3\n',
    "spaces kept": b"a,b,c\n 1 , 2 ,3 \n",
    "words pandas could call missing stay text": b"a,b,c\nNA,null,nan\n",
    "no final line break": b"a,b,c\n1,2,3",
    "a row of commas": b"a,b,c\n,,\n1,2,3\n",
    "a blank line keeps its row number": b"a,b,c\n\n1,2,3\n",
    "blank lines at the end": b"a,b,c\n1,2,3\n\n\n",
    "one column with a blank line": b"a\n\nb\n",
    "non-ascii text": "a,b,c\n£1,–,é\n".encode(),
    "a quote inside a cell": b'a,b,c\nx"y,2,3\n',
}
pytestmark = pytest.mark.both_databases

IRREGULAR = {
    "a title row shorter than the header": b"title\na,b,c\n1,2,3\n",
    "a row wider than the rows above": b"a,b,c\n1,2,3,4\n",
}


def pandas_grid(content: bytes, width: int) -> pd.DataFrame:
    """The grid as ``readers.read_csv`` reads it with pandas."""
    return pd.read_csv(
        io.BytesIO(content),
        header=None,
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=False,
        engine="c",
        names=range(width),
        encoding="utf-8-sig",
    ).fillna("")


def width(content: bytes) -> int:
    lines = content.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    return max(len(line.split(b",")) for line in lines[:3])


@pytest.mark.parametrize("name", list(REGULAR))
def test_arrow_reads_a_regular_csv_cell_for_cell_as_pandas_does(name):
    content = REGULAR[name]
    fast = arrow_grid(content, width(content))
    assert fast is not None
    expected = pandas_grid(content, width(content))
    pd.testing.assert_frame_equal(fast, expected, check_column_type=False)
    assert list(fast.columns) == list(range(width(content)))


@pytest.mark.parametrize("name", list(IRREGULAR))
def test_arrow_hands_back_a_csv_whose_rows_differ_in_width(name):
    content = IRREGULAR[name]
    assert arrow_grid(content, width(content)) is None
    # ...and the reader still reads it (pandas pads the short rows) or words the problem.
    sheets, problems = read_csv(content, "f.csv")
    assert sheets or problems


def test_a_wide_row_further_down_is_still_refused_naming_the_row():
    rows = ["Ref,Name,Period,Actual"] + [f"R{i},N,Q1 2023-24,{i}" for i in range(50)]
    rows.append("R99,N,Q1 2023-24,1,extra")
    sheets, problems = read_csv("\n".join(rows).encode(), "f.csv")
    assert not sheets
    assert [p.message for p in problems] == [
        "the CSV cannot be read: row 52 has 5 fields but the rows above have at most 4; check for "
        "a stray comma or an unclosed quote."
    ]


TEXTS = [
    *("", "1", "2.5", "-0", "0", "+5", "1e5", "12.50", "1.", ".5", "99999999999999999999"),
    *("n/a", "-", "not due", "NaN", "nan", "inf", "1e999", "abc", "1_000", "0x10", "x"),
    *("£1.5m", "(250)", "85%", "1,234", "-£250k", "£-250k", "1 234", "(£1.5m)"),
]


@pytest.mark.parametrize("plain_share", [0.0, 0.5, 1.0])
def test_plain_numbers_read_in_one_step_read_as_the_spreadsheet_rules_read_them(plain_share):
    rng = np.random.default_rng(3)
    written = [t for t in TEXTS if rng.random() >= plain_share or not t.replace(".", "").isdigit()]
    text = pd.Series(written + [str(v) for v in rng.normal(50, 20, 200).round(2)], dtype=str)
    fast = numbers._parse_distinct(text)
    slow = numbers._parse_written(text)
    pd.testing.assert_series_equal(fast.values, slow.values, check_names=False)
    for flag in ("missing", "not_due", "percent_sign", "bad", "infinite"):
        got, want = getattr(fast, flag), getattr(slow, flag)
        assert want is not None and got is not None
        pd.testing.assert_series_equal(got, want.astype(bool), check_names=False)


def tidy_file(quote: bool) -> bytes:
    """A tidy file of 300 rows with blanks, words and money among plain numbers; ``quote`` adds a
    title row above the header, so pandas reads it rather than Arrow."""
    lines = ["Scorecard export"] if quote else []
    lines.append("Ref,Name,Priority,Unit,Polarity,Period,Actual,Target")
    cells = ["12.5", "", "n/a", "£1,200", '"1,234"', " 42 ", "7", "1e3", "not due", "0.125"]
    for i in range(30):
        for q, period in enumerate(("Q1 2022-23", "Q2 2022-23", "Q3 2022-23", "Q4 2022-23")):
            for k in range(2):
                actual = cells[(i + q + k) % len(cells)]
                lines.append(
                    f'R{i:03d}-{k},"Indicator {i}, part {k}",A council that puts residents first,'
                    f"count,higher is better,{period},{actual},{i}"
                )
    return ("\n".join(lines) + "\n").encode()


def test_a_file_read_by_arrow_and_by_pandas_loads_the_same_rows(store):
    """The rows of a file Arrow reads, loaded, are exactly the rows of the same table read by pandas
    (a title row above the header): comparing the second with the database finds nothing new or
    changed, on both databases."""
    result = load(store, [FileInput("scorecard.csv", tidy_file(False))], "test")
    assert result.plan.tables["indicator_values"].added == 240
    with store.connect() as conn:
        stored = conn.execute(sa.text("SELECT actual, not_due FROM indicator_values")).all()
    assert sum(actual is not None for actual, _ in stored) > 100
    assert any(not_due for _, not_due in stored)
    again = prepare(store, [FileInput("scorecard.csv", tidy_file(True))])
    assert again.ok, again.problems
    assert (again.added, again.changed) == (0, 0)
    assert again.tables["indicator_values"].unchanged == 240


CONTROL_SAMPLES = [
    "plain text, numbers 1,2.5",
    "£1,200 – “quoted” é ü 中文 \u00a0 \u00ff \u0100 \u2028",
    "a tab\tand line breaks\r\n",
    *(f"cell{chr(c)}x" for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]),
    *(f"cell{chr(c)}x" for c in range(0x7F, 0xA1)),
]


@pytest.mark.parametrize("text", CONTROL_SAMPLES)
def test_control_characters_are_found_in_the_bytes_as_in_the_text(text):
    """``has_control_chars`` (on the file's bytes) answers as ``CONTROL_CHARS`` does on its text."""
    for written in (text, "\ufeff" + text):
        expected = CONTROL_CHARS.search(written) is not None
        assert has_control_chars(written.encode("utf-8")) is expected


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x85"])
def test_a_control_character_in_a_regular_csv_is_refused_naming_the_cell(char):
    content = f"Ref,Name,Period,Actual\nR1,Na{char}me,Q1 2023-24,1\n".encode()
    assert arrow_grid(content, 4) is not None  # the file Arrow reads
    sheets, problems = read_csv(content, "f.csv")
    assert [(p.row, p.column) for p in problems] == [(2, 'B ("Name")')]


@pytest.mark.parametrize("text", ["Column C (actual)", "Spalte É “Ist”", "", "a'b\"c,d"])
def test_a_repeated_column_label_is_the_column_assigning_the_text_gives(text):
    """readers._repeated writes Arrow's buffers directly; the column must equal, value for value and
    type for type, the column pandas makes when the bare text is assigned to a frame."""
    from harrow_dash.ingest.readers import _repeated

    n = 1_003
    slow = pd.DataFrame(index=range(n))
    slow["c"] = text
    fast = pd.DataFrame(index=range(n))
    fast["c"] = _repeated(text, n)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["c"].tolist() == [text] * n


def test_rows_are_staged_in_the_order_the_database_writes_them(store):
    """PostgreSQL sorts a load's rows by quarter before writing them (load._write_order), cheaply
    only when they arrive in that order already: load._in_write_order must put them in exactly the
    order the database's own ORDER BY gives, texts included (case, accents, digits, symbols)."""
    from harrow_dash.ingest.load import _in_write_order, _write_order

    refs = ["b-2", "B-10", "a", "A", "é1", "e1", "Z", "z_1", "z-1", "10", "9", "ß", "Å", " x", "x "]
    frame = pd.DataFrame(
        {
            "ref": pd.array([r for r in refs for _ in (1, 2)], dtype=str),
            "period": [p for _ in refs for p in (20241, 20232)],
        }
    ).sample(frac=1, random_state=3, ignore_index=True)
    with store.begin() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE order_check (ref VARCHAR, period BIGINT)")
        for row in frame.itertuples(index=False):
            conn.execute(
                sa.text("INSERT INTO order_check VALUES (:r, :p)"), {"r": row.ref, "p": row.period}
            )
        written = [
            (str(r), int(p))
            for r, p in conn.exec_driver_sql(
                "SELECT ref, period FROM order_check"  # noqa: S608 (the function's own text)
                + _write_order("indicator_values", store.is_duckdb)
            )
        ]
        conn.exec_driver_sql("DROP TABLE order_check")
    staged = _in_write_order("indicator_values", frame)
    assert list(zip(staged["ref"], staged["period"], strict=True)) == written
    assert written != list(
        zip(frame["ref"], frame["period"], strict=True)
    )  # the sample was not in order


def _tidy(rows: list[list[str]]) -> bytes:
    head = "ref,name,priority,unit,polarity,period,actual\n"
    return (head + "".join(",".join(r) + "\n" for r in rows)).encode()


def _definitions(store, content: bytes):
    plan = prepare(store, [FileInput("tidy.csv", content)])
    ind = plan.incoming.indicators if plan.incoming is not None else None
    return ind, [(p.row, p.column, p.message) for p in plan.problems]


@pytest.mark.parametrize("conflict", [False, True])
def test_definitions_collapse_alike_whether_each_indicators_rows_are_together_or_not(
    store, conflict: bool
):
    """A tidy file repeats each indicator's definition on every row. Rows kept together per indicator
    (a sorted export) are collapsed without hashing each column; the same rows in another order take
    the general path: the definitions, and a definition that changes within an indicator's rows (a
    problem naming its row and column), must come out the same either way."""
    p1 = "A council that puts residents first"
    rows = [
        [f"PI-{i:02d}", f"Indicator {i}", p1, "%", "higher", q, str(50 + i)]
        for i in range(1, 6)
        for q in ("Q1 2023-24", "Q2 2023-24", "Q3 2023-24")
    ]
    if conflict:
        rows[4][1] = "Indicator 2 renamed"  # PI-02's second row (row 6 of the file)
    rows[7][3] = ""  # PI-03 leaves its unit blank on one row: the value of its other rows
    together, together_problems = _definitions(store, _tidy(rows))
    # The same rows, each indicator's rows apart: the general path. PI-02's renamed row is row 8.
    apart_rows = [rows[i] for i in (0, 3, 6, 9, 12, 1, 4, 7, 10, 13, 2, 5, 8, 11, 14)]
    apart, apart_problems = _definitions(store, _tidy(apart_rows))
    if conflict:
        said = "Indicator PI-02 is given name 'Indicator 2' in row {} but a different value here"
        assert [(r, c) for r, c, _ in together_problems] == [(6, 'B ("name")')]
        assert together_problems[0][2].startswith(said.format(5))
        assert [(r, c) for r, c, _ in apart_problems] == [(8, 'B ("name")')]
        assert apart_problems[0][2].startswith(said.format(3))
        return
    assert together_problems == apart_problems == []
    cols = ["ref", "name", "priority_id", "unit", "polarity"]
    a = together[cols].sort_values("ref").reset_index(drop=True)
    b = apart[cols].sort_values("ref").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert a.set_index("ref").at["PI-03", "unit"] == "%"
