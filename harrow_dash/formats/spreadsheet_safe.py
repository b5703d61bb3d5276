"""Cells made safe to open in a spreadsheet program: the one rule every download and report uses.

A cell a spreadsheet program would run as a formula (text starting with = + - @, a tab or a carriage
return) is prefixed with an apostrophe so it shows as text. Numbers, dates and booleans stay as they
are. It sits below every writer (exports, open data, the load report), so the loader's problem report
and the page downloads use one rule without the loader importing the exports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Make one cell safe to open in a spreadsheet program."""
    if isinstance(value, str) and value.startswith(DANGEROUS_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell and heading made safe to open in a spreadsheet program. A column with a cell to
    change becomes an object column; the others keep their type (whole columns are checked at
    once, so a million-row export is quick)."""
    out = frame.copy(deep=False)  # copy on write: the caller's frame is never changed
    out.columns = [str(neutralise(str(c))) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if isinstance(col.dtype, pd.StringDtype):
            risky = _risky_texts(col)
        elif (
            col.dtype == object
            or isinstance(col.dtype, pd.CategoricalDtype)
            or pd.api.types.is_string_dtype(col.dtype)
        ):  # each distinct value checked once
            codes, distinct = pd.factorize(col)
            if not len(distinct):
                continue
            bad = np.array(
                [isinstance(v, str) and v.startswith(DANGEROUS_STARTS) for v in distinct]
            )
            risky = (codes >= 0) & bad[np.maximum(codes, 0)]
        else:
            continue  # numbers, dates and booleans cannot start a formula
        if risky.any():
            cells = col.astype(object).to_numpy(copy=True)
            cells[risky] = ["'" + v for v in cells[risky]]
            out.isetitem(i, pd.Series(cells, index=out.index, dtype=object))
    return out


# Each dangerous start is one ASCII character, so one byte in UTF-8: a text starts with it exactly
# when its first byte is that byte.
_DANGEROUS_BYTES = np.frombuffer("".join(DANGEROUS_STARTS).encode("ascii"), dtype=np.uint8)


def _risky_texts(col: pd.Series) -> np.ndarray:
    """Where a text column's cells start a formula, from the first byte of each (Arrow)."""
    arrow = pa.array(col.array)
    chunks = arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]
    if not all(pa.types.is_string(c.type) or pa.types.is_large_string(c.type) for c in chunks):
        return col.str.startswith(DANGEROUS_STARTS).fillna(False).to_numpy(dtype=bool)
    parts = [_risky_chunk(c) for c in chunks]
    return np.concatenate(parts) if parts else np.zeros(len(col), dtype=bool)


def _risky_chunk(chunk: pa.Array) -> np.ndarray:
    n = len(chunk)
    _validity, offsets_buffer, data_buffer = chunk.buffers()
    if n == 0 or data_buffer is None:
        return np.zeros(n, dtype=bool)
    wide = pa.types.is_large_string(chunk.type)
    offsets: np.ndarray = np.frombuffer(offsets_buffer, dtype=np.int64 if wide else np.int32)
    offsets = offsets[chunk.offset : chunk.offset + n + 1].astype(np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    starts = offsets[:-1]
    nonempty = offsets[1:] > starts
    if not nonempty.any():
        return nonempty
    risky = nonempty & np.isin(data[np.where(nonempty, starts, 0)], _DANGEROUS_BYTES)
    if chunk.null_count:
        risky &= chunk.is_valid().to_numpy(zero_copy_only=False)
    return risky
