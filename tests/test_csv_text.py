"""The column-at-a-time CSV writer (harrow_dash/formats/csv_text.py) against pandas' ``to_csv``, the writer it
replaced for the tidy export, the open data package and the page downloads.

Cell for cell the two must read back the same (csv module); byte for byte they must be the same too,
except where a cell holds a bare carriage return (quoted now, whatever ends the rows)."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pandas as pd
import pytest

from harrow_dash.formats.csv_text import csv_bytes, write_csv
from harrow_dash.formats.spreadsheet_safe import DANGEROUS_STARTS, neutralise_frame
from harrow_dash.outputs.export_files import csv_bytes as page_csv_bytes
from harrow_dash.outputs.export_files import export_frame
from harrow_dash.outputs.exports import tidy_export
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings
from tests.payloads import PAYLOADS

pytestmark = pytest.mark.both_databases

TRICKY_TEXT = [
    "=SUM(A1:A9)",
    "+44 20 8863 5611",
    "-2",
    "@cmd",
    "\tTab first",
    "\rCR first",
    'He said "no"',
    '"',
    '""',
    "a,b",
    ",",
    "line one\nline two",
    "windows\r\nline",
    "bare\rreturn",
    " leading and trailing ",
    "",
    "£1,250 – café naïve – Zürich – 東京 – 🙂",
    "\u200bzero width",
    "nan",
    "None",
    "True",
    "1e-05",
    "'already quoted",
    "x" * 3000,
    *PAYLOADS,
]
TRICKY_FLOATS = [
    0.0, -0.0, 1.0, -1.5, 72.4, 0.1 + 0.2, 1 / 3, 1e-05, 1e-4, 5e-324, 2.2250738585072014e-308,
    1e15, 1e16, 123456789012345680.0, 1.7976931348623157e308, -1e300, math.inf, -math.inf, math.nan,
]  # fmt: skip


def pandas_csv(frame: pd.DataFrame, line_end: str = "\n") -> bytes:
    """The writer this replaced."""
    return frame.to_csv(index=False, lineterminator=line_end).encode("utf-8")


def cells(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_same_as_pandas(frame: pd.DataFrame, line_end: str = "\n") -> None:
    """The same cells as pandas wrote (read back with the csv module), and the same bytes unless a
    cell holds a carriage return and rows end in LF alone (the one case pandas wrote unquoted)."""
    new = csv_bytes(frame, line_end)
    # Ending rows in CRLF, pandas quotes every cell with a CR: the cells it meant to write.
    old_cells = cells(pandas_csv(frame, "\r\n"))
    new_cells = cells(new)
    assert len(new_cells) == len(old_cells) == len(frame) + 1
    for row, (a, b) in enumerate(zip(new_cells, old_cells, strict=True)):
        assert a == b, f"row {row}: {a!r} != {b!r}"
    with_cr = any("\r" in str(c) for c in frame.columns) or any(
        frame[c].map(lambda v: isinstance(v, str) and "\r" in v).any()
        for c in frame.columns
        if frame[c].dtype in (object, "str")
    )
    if line_end == "\r\n" or not with_cr:
        assert new == pandas_csv(frame, line_end)


def tricky_frame(rows: int = 400, seed: int = 7) -> pd.DataFrame:
    """Every tricky value, shuffled into columns of each kind the exports hold."""
    rng = np.random.default_rng(seed)
    texts = np.array(TRICKY_TEXT, dtype=object)
    floats = np.array(TRICKY_FLOATS)
    text = texts[rng.integers(0, len(texts), rows)]
    text[rng.random(rows) < 0.1] = None
    mixed = np.empty(rows, dtype=object)
    for i in range(rows):
        pick = rng.integers(0, 4)
        mixed[i] = (
            float(floats[rng.integers(0, len(floats))])
            if pick == 0
            else texts[rng.integers(0, len(texts))]
            if pick == 1
            else None
            if pick == 2
            else "not due"
        )
    return pd.DataFrame(
        {
            "text (str)": pd.Series(text, dtype="str"),
            "text (object)": pd.Series(text, dtype=object),
            "float": floats[rng.integers(0, len(floats), rows)],
            "float32": floats[rng.integers(0, 6, rows)].astype(np.float32),
            "int": rng.integers(-(2**62), 2**62, rows),
            "bool": rng.random(rows) < 0.5,
            "mixed": mixed,
            "numbers as objects": pd.Series(
                [float(x) for x in floats[rng.integers(0, len(floats), rows)]], dtype=object
            ),
            '=heading, with "quotes"\nand a line': rng.integers(0, 3, rows),
            "all missing": pd.Series([None] * rows, dtype=object),
            "nullable int": pd.array(
                [None if i % 5 == 0 else i for i in range(rows)], dtype="Int64"
            ),
            "nullable float": pd.array(
                [None if i % 4 == 0 else i / 7 for i in range(rows)], dtype="Float64"
            ),
            "nullable bool": pd.array(
                [None if i % 3 == 0 else i % 2 == 0 for i in range(rows)], dtype="boolean"
            ),
            "category": pd.Categorical(text.astype(str)),
        }
    )


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_tricky_values_read_back_as_pandas_wrote_them(line_end):
    assert_same_as_pandas(tricky_frame(), line_end)


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_tricky_values_neutralised_read_back_the_same(line_end):
    assert_same_as_pandas(neutralise_frame(tricky_frame()), line_end)


def test_a_bare_carriage_return_is_quoted_whatever_ends_the_rows():
    frame = pd.DataFrame({"a": ["bare\rreturn", "x"], "b": [1.0, 2.0]})
    assert pandas_csv(frame) == b"a,b\nbare\rreturn,1.0\nx,2.0\n"  # the old writer did not
    assert csv_bytes(frame) == b'a,b\n"bare\rreturn",1.0\nx,2.0\n'
    assert cells(csv_bytes(frame)) == [["a", "b"], ["bare\rreturn", "1.0"], ["x", "2.0"]]


def test_numbers_are_written_as_python_writes_them():
    frame = pd.DataFrame({"x": TRICKY_FLOATS})
    written = [row[0] for row in cells(csv_bytes(frame))[1:]]
    assert written == ["" if math.isnan(x) else repr(x) for x in TRICKY_FLOATS]
    assert written[:2] == ["0.0", "-0.0"]  # the sign of zero kept (factorised by bits)
    assert [float(w) for w in written if w] == [x for x in TRICKY_FLOATS if not math.isnan(x)]


@pytest.mark.parametrize(
    "column",
    [
        pd.Series([1, 1.0, True, 0.0, -0.0, False, 0], dtype=object),  # equal, different text
        pd.Series([np.float32(0.1), 0.1, np.float64(0.1)], dtype=object),
        pd.Series([pd.Timestamp("2024-03-31 09:30"), "x", None], dtype=object),
        pd.Series([b"bytes", 2, None], dtype=object),
    ],
)
def test_objects_that_compare_equal_keep_their_own_text(column):
    assert_same_as_pandas(pd.DataFrame({"v": column, "w": range(len(column))}))


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"only": ["", None, "x", 1.5]}),  # one column: an empty row is written ""
        pd.DataFrame({"a": pd.Series([], dtype=object), "b": pd.Series([], dtype=float)}),
        pd.DataFrame({"when": pd.to_datetime(["2024-01-01", None]), "n": [1, 2]}),
        pd.DataFrame(index=range(3)),
    ],
    ids=["one column", "no rows", "dates (left to pandas)", "no columns"],
)
def test_edge_shapes_match_pandas(frame):
    assert_same_as_pandas(frame)


def test_many_rows_are_written_in_slices_in_order(tmp_path, monkeypatch):
    from harrow_dash.formats import csv_text

    monkeypatch.setattr(csv_text, "ROWS_PER_SLICE", 7)
    frame = tricky_frame(rows=100, seed=3)
    path = tmp_path / "out.csv"
    write_csv(frame, path)
    assert path.read_bytes() == csv_bytes(frame)
    assert_same_as_pandas(frame)


def test_bom_and_crlf_as_page_downloads_had_them():
    table = pd.DataFrame(
        {"Ref": ["PI-01", "=x"], "Indicator": ["a\rb", "café"], "Actual": [1.5, None]}
    )
    frame = export_frame(table)
    old = frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    assert page_csv_bytes(table) == old
    assert old.startswith("\ufeff".encode())


@pytest.mark.parametrize("public", [False, True], ids=["editor", "public"])
def test_tidy_export_of_the_sample_is_written_as_before(sample_store, public):
    """The whole sample through both writers: identical bytes, and every text cell safe."""
    store = sample_store
    if public:
        for key in (20231, 20232, 20233):
            sample_store.publish(Period.from_key(key), "tester")
        store = type(sample_store)(sample_store.url, public=True)
    try:
        frame = tidy_export(store.tidy_values(), RuleSettings(), public=public)
    finally:
        if store is not sample_store:
            store.dispose()
    assert len(frame) > 100
    assert_same_as_pandas(frame)
    rows = cells(csv_bytes(frame))
    numeric = {"actual", "target", "target_upper", "benchmark"}
    for row in rows[1:]:
        for heading, cell in zip(rows[0], row, strict=True):
            if heading in numeric and _is_number(cell):
                continue
            assert not cell.startswith(DANGEROUS_STARTS), (heading, cell)


def test_every_text_cell_and_heading_of_a_hostile_table_is_made_safe():
    frame = tricky_frame()
    rows = cells(csv_bytes(neutralise_frame(frame)))
    kinds = dict(zip(rows[0], frame.dtypes, strict=True))
    assert rows[0][8].startswith("'=heading")
    for row in rows[1:]:
        for heading, cell in zip(rows[0], row, strict=True):
            if cell.startswith(DANGEROUS_STARTS):
                # Only a number may start with a minus sign.
                assert kinds[heading] != "str" and _is_number(cell), (heading, cell)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_text_columns_in_several_arrow_chunks_are_neutralised_and_written_whole():
    """A column read from the database arrives in many Arrow chunks (DuckDB's batches)."""
    import pyarrow as pa

    values = [TRICKY_TEXT[i % len(TRICKY_TEXT)] for i in range(300)]
    chunks = pa.chunked_array([pa.array(values[i : i + 70]) for i in range(0, 300, 70)])
    frame = pd.DataFrame({"text": pd.array(chunks, dtype="str"), "n": range(300)}).iloc[5:]
    assert frame["text"].array._pa_array.num_chunks > 1
    safe = neutralise_frame(frame)
    expected = ["'" + v if v.startswith(DANGEROUS_STARTS) else v for v in values[5:]]
    assert safe["text"].tolist() == expected
    assert_same_as_pandas(safe)
