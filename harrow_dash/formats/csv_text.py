"""CSV text of a table, written a whole column at a time (a million rows in about a second).

Cell for cell it is the text ``DataFrame.to_csv(index=False)`` writes: numbers in Python's shortest
round-trip form (``7.0``, ``1e-05``), blank for a missing value, ``True``/``False``, text as it is,
with quotes only around a cell that holds a comma, a double quote or a line break (quotes inside
doubled). One difference: a cell holding a carriage return is always quoted, whatever ends the
rows (pandas leaves a bare CR unquoted when rows end in LF alone, which a spreadsheet program can
read as the end of a row). The writer does not make cells safe for a spreadsheet: callers pass a
table that :func:`harrow_dash.formats.spreadsheet_safe.neutralise_frame` has already made safe.

How: each column becomes a small dictionary of distinct texts (quoted once each) and a code per
row (``pandas.factorize``); pyarrow then looks the codes up and joins the cells of each row, and
the joined bytes are written as they are, a slice of rows at a time.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Rows joined and written at a time: bounds the memory the joined text takes.
ROWS_PER_SLICE = 200_000
# Types whose equal values always have the same text (1 == 1.0 == True, -0.0 == 0.0: mixed, they
# would share one dictionary entry, so such columns are converted cell by cell).
_EXACT_TYPES = (str, int, np.integer, bool, np.bool_)


def quoted(text: str) -> str:
    """One cell as CSV: quoted (quotes inside doubled) only if it holds a comma, a quote or a line
    break."""
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _float_codes(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Distinct texts and codes of a float column; NaN is -1. Factorised on the bits, so that
    -0.0 keeps its sign; the text is numpy's, as pandas writes it."""
    values = np.ascontiguousarray(values)
    bits = values.view(np.dtype(f"i{values.itemsize}"))
    codes, distinct_bits = pd.factorize(bits)
    codes = np.where(np.isnan(values), -1, codes)
    distinct = np.asarray(distinct_bits).view(values.dtype)
    if values.dtype == np.float64:  # Python's repr is numpy's text for a float64, and quicker
        return [repr(x) for x in distinct.tolist()], codes
    return distinct.astype(str).tolist(), codes


def _object_codes(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Distinct texts and codes of a column of Python objects (text, numbers, None); missing is
    -1. Each cell is written as ``str(value)``, as the csv module does."""
    codes, distinct = pd.factorize(values)
    distinct = np.asarray(distinct, dtype=object)
    floats = [i for i, v in enumerate(distinct) if type(v) in (float, np.float64)]
    others = {type(v) for v in distinct if type(v) not in (str, float, np.float64)}
    if (
        (floats and others)
        or len(others) > 1
        or not all(issubclass(t, _EXACT_TYPES) for t in others)
    ):
        # Mixed kinds of number, or objects of other kinds: cell by cell.
        missing = pd.isna(values)
        cells = [
            "" if m else str(v) for v, m in zip(values.tolist(), missing.tolist(), strict=True)
        ]
        codes, distinct = pd.factorize(np.asarray(cells, dtype=object))
        return [str(v) for v in distinct], np.where(missing, -1, codes)
    texts = [str(v) for v in distinct]
    if floats:
        # Float cells again by their bits (so -0.0 and 0.0 stay apart), coded after the texts.
        is_float = np.isin(codes, floats)
        float_texts, float_codes = _float_codes(values[is_float].astype(np.float64))
        codes = codes.copy()
        codes[is_float] = np.where(float_codes < 0, -1, float_codes + len(texts))
        texts += float_texts
    return texts, codes


def column_codes(column: pd.Series) -> tuple[list[str], np.ndarray]:
    """The distinct texts of a column as ``to_csv`` writes them (unquoted), and each row's code
    into them (-1 where the value is missing, written blank)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return _float_codes(column.to_numpy())
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        codes, distinct = pd.factorize(column.to_numpy())
        return np.asarray(distinct).astype(str).tolist(), codes
    if isinstance(dtype, pd.StringDtype):
        codes, distinct = pd.factorize(column)
        return [str(v) for v in distinct], codes
    return _object_codes(column.astype(object).to_numpy())


def written_by_pandas(dtype: object) -> bool:
    """Dates, times, periods and intervals: pandas has its own text for them (this writer hands a
    table holding one back to ``to_csv``)."""
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    return getattr(dtype, "kind", "O") in "mM" or isinstance(
        dtype, pd.PeriodDtype | pd.IntervalDtype | pd.SparseDtype
    )


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, type=pa.large_string())


def _header(frame: pd.DataFrame, line_end: str) -> str:
    return ",".join(quoted(str(c)) for c in frame.columns) + line_end


def _slices(frame: pd.DataFrame, line_end: str) -> Iterator[bytes | memoryview]:
    """The CSV bytes of ``frame``'s rows, a slice of rows at a time."""
    columns = []
    for i in range(frame.shape[1]):
        texts, codes = column_codes(frame.iloc[:, i])
        cells = [quoted(t) for t in texts]
        if frame.shape[1] == 1:  # as the csv module writes a row of one empty cell
            cells = [c or '""' for c in cells]
            if (codes < 0).any():
                codes = np.where(codes < 0, len(cells), codes)
                cells.append('""')
        dictionary = pa.array(cells, type=pa.large_string())
        columns.append((dictionary, np.asarray(codes, dtype=np.int64)))
    for start in range(0, len(frame), ROWS_PER_SLICE):
        row_cells = []
        for dictionary, codes in columns:
            part = codes[start : start + ROWS_PER_SLICE]
            row_cells.append(dictionary.take(pa.array(part, mask=part < 0)))
        lines = pc.binary_join_element_wise(
            *row_cells, _text(","), null_handling="replace", null_replacement=""
        )
        # The row end after every row: each line joined to an empty text by the line end.
        lines = pc.binary_join_element_wise(lines, _text(""), _text(line_end))
        if isinstance(lines, pa.ChunkedArray):
            lines = lines.combine_chunks()
        _validity, offsets_buffer, data = lines.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=np.int64)
        first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
        yield memoryview(data)[first:last]


def write_csv(
    frame: pd.DataFrame, target: str | Path | BinaryIO, line_end: str = "\n", bom: bool = False
) -> None:
    """Write ``frame`` (no index) as UTF-8 CSV to a path or a binary file; ``bom`` starts it with
    a byte-order mark (so Excel reads accents correctly)."""
    if (
        frame.columns.nlevels > 1
        or not frame.shape[1]
        or any(written_by_pandas(t) for t in frame.dtypes)
    ):
        text = frame.to_csv(index=False, lineterminator=line_end)
        _write(target, [("\ufeff" if bom else "").encode() + text.encode("utf-8")])
        return
    head = ("\ufeff" if bom else "") + _header(frame, line_end)
    _write(target, [head.encode("utf-8")], _slices(frame, line_end))


def csv_bytes(frame: pd.DataFrame, line_end: str = "\n", bom: bool = False) -> bytes:
    """``frame`` as UTF-8 CSV bytes (see :func:`write_csv`)."""
    buffer = io.BytesIO()
    write_csv(frame, buffer, line_end, bom)
    return buffer.getvalue()


def _write(
    target: str | Path | BinaryIO, *parts: list[bytes] | Iterator[bytes | memoryview]
) -> None:
    if isinstance(target, str | Path):
        with open(target, "wb") as fh:
            _write(fh, *parts)
        return
    for part in parts:
        for chunk in part:
            target.write(chunk)
