"""Reading CSV files named on the command line as a stream: bounded memory for any file size.

``harrow-dash load big.csv`` never holds the file, its decoded text or its whole grid of cells. The
file is read once, in pieces of ``CHUNK_ROWS`` rows:

1. Its encoding is settled first by decoding it block by block (UTF-8, else Windows-1252; UTF-16 is
   refused), keeping nothing.
2. Rows are split by a strict CSV reader (:class:`readers.CsvRecords`): a quote that opens and is
   never closed, or is followed by other text before the next comma, is refused naming the row it
   opens in; so is a row beyond the column limit or longer than ``readers.MAX_ROW_CHARS``. The row,
   column and cell limits are checked as rows arrive, so a file beyond them stops there.
3. The header is found in the first rows as for any file; then each piece of rows goes through the
   same cell checks (control characters, Excel errors) and the same parser
   (:func:`parse.parse_sheet`) as a whole file would, its problems counted against ``MAX_PROBLEMS``
   shared by every piece. Reading stops as soon as that many problems are found: the refusal lists
   them and says how many more were found by then ("and 1,234 or more problems not listed: reading
   stopped at row 20,001 ..."), since the rest of the file was not read.
4. What the pieces parse into is kept small: an indicator's definition repeated on every row of a
   tidy file is kept once per distinct spelling (the rows where each first appears, which is all
   that the checks across rows look at); texts the same on many rows (file name, column names,
   references, ratings) are stored as categories; the long texts of each value (commentary,
   benchmark label), which no check across rows reads, are written to a Parquet file on disk
   (:class:`SideText`) with a number (``_seq``) in their place; and the value rows wait as Arrow
   tables (:class:`Kept`), made one data frame column by column once every file is read, so they
   are never held twice. Memory freed by each piece is given back to the system
   (:func:`release_memory`).
5. Once the files are read, the checks across rows (one definition per indicator, duplicates,
   percentages written two ways, quarters worked out from months, unknown indicators...) run
   unchanged (:func:`validate.validate`) on those compact rows, which hold every row's numbers and
   keys: so they see the whole file, whichever pieces its rows came in. A tidy file's quarter-end
   months stand for their quarters once every piece is read (a quarter's own row may come later).
6. Nothing is written until all of it passes; then the load compares and writes in one transaction
   as before, DuckDB joining the long texts back from the Parquet file by ``_seq`` while it stages
   the values, within the memory the command line allows it (``cli.LOAD_DUCKDB_MEMORY``; beyond
   it DuckDB works through temporary files). A load that replaces stored rows lifts that limit for
   its writing, since DuckDB holds what a transaction replaces in memory until it commits (at the
   limit the commit itself fails), so such a load is bounded by the rows it replaces, not by this
   design. PostgreSQL gets the texts joined in pandas, so its path is not bounded the same way.

Memory is then bounded by the compact rows (about 60 bytes a value: keys, numbers and flags, not
texts), which the row limit bounds, and by the number of distinct definitions, not by the file's
size: ``make bench`` (``stream_csv``) measures a 200 MB file of 830,000 values at about 380 MB for the
whole process, of which about 215 MB is Python, pandas and DuckDB before any row is read; a file
of bad rows stops at the problem cap after a few pieces. The alternative, two passes over the file
(a cheap check, then the existing whole-file path), would have bounded only the files that fail the
cheap check: a valid 200 MB file read whole takes 1.8 GB.
"""

from __future__ import annotations

import codecs
import ctypes
import ctypes.util
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:  # imported where used: only a load that sets texts aside writes Parquet
    import pyarrow.parquet as pq

from harrow_dash.ingest.parse import ACTION_META, INDICATOR_META, Parsed, parse_sheet, standing_rows
from harrow_dash.ingest.problems import MAX_PROBLEMS, Problem
from harrow_dash.ingest.readers import (
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    MAX_ROW_CHARS,
    CsvRecords,
    CsvRefused,
    Sheet,
    _blank_rows,
    _cell_problems,
    _find_header,
    _is_utf16,
    no_data_problems,
)

CHUNK_ROWS = 10_000
TEXT_COLUMNS = ("commentary", "benchmark_label")
_TEXT_SCHEMA = pa.schema([("_seq", pa.int64())] + [(c, pa.large_string()) for c in TEXT_COLUMNS])
HEAD_ROWS = HEADER_SEARCH_ROWS + 2


def release_memory() -> None:
    """Give the memory the last piece freed back to the system: Arrow's allocator and glibc's keep
    freed memory for reuse, which a process's resident size still counts."""
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018  (glibc only)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()


class SideText:
    """The long texts of a load's values (commentary, benchmark label), set aside on disk while the
    load is checked, each under a number (``_seq``) its value row keeps; joined back when staged.
    The folder is deleted by :meth:`cleanup` (or when the object is collected)."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="harrow-dash-load-")
        self.path = Path(self._dir.name) / "texts.parquet"
        self._writer: pq.ParquetWriter | None = None
        self.rows = 0

    def set_aside(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` without its long texts and with a ``_seq`` column; the texts go to disk."""
        n = len(frame)
        seq = np.arange(self.rows, self.rows + n, dtype=np.int64)
        self.rows += n
        columns: dict[str, pa.Array] = {"_seq": pa.array(seq)}
        for c in TEXT_COLUMNS:
            values = frame.get(c, None)
            columns[c] = (
                pa.nulls(n, pa.large_string())
                if values is None
                else pa.array(values.astype(object), type=pa.large_string(), from_pandas=True)
            )
        if self._writer is None:
            import pyarrow.parquet as pq  # here, not at start: an app page never needs it

            self._writer = pq.ParquetWriter(self.path, _TEXT_SCHEMA, compression="snappy")
        self._writer.write_table(pa.table(columns, schema=_TEXT_SCHEMA))
        # Row numbers within a file's limit fit 32 bits: half the memory of every row's two.
        return frame.drop(columns=[c for c in TEXT_COLUMNS if c in frame]).assign(
            _seq=seq.astype(np.int32), _row=frame["_row"].to_numpy().astype(np.int32)
        )

    def finish(self) -> None:
        """Close the file (before the database reads it)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    @property
    def exists(self) -> bool:
        return self.rows > 0 and self.path.exists()

    def read(self) -> pd.DataFrame:
        """Every text set aside, by ``_seq`` (for a database that cannot read the file itself)."""
        import pyarrow.parquet as pq

        self.finish()
        return pq.read_table(self.path).to_pandas()

    def cleanup(self) -> None:
        self.finish()
        self._dir.cleanup()


class Kept:
    """The value and month rows of a streamed load, kept as Arrow tables while the files are read
    (a piece at a time, in the compact form :func:`compact` gives them), then made one data frame
    without holding two copies (:meth:`frame`)."""

    def __init__(self) -> None:
        self.tables: dict[str, list[pa.Table]] = {"values": [], "months": []}

    def add(self, kind: str, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        # One type per column whatever a piece holds (a piece's column may be all blank, or have
        # more distinct texts than another's), so that the pieces join up.
        fields = []
        for f in table.schema:
            if pa.types.is_dictionary(f.type):
                fields.append(pa.field(f.name, pa.dictionary(pa.int32(), pa.large_string())))
            elif pa.types.is_string(f.type):
                fields.append(pa.field(f.name, pa.large_string()))
            else:
                fields.append(f)
        self.tables[kind].append(table.cast(pa.schema(fields)))

    def frame(
        self, kind: str, start: int = 0, columns: list[str] | None = None, take: bool = False
    ) -> pd.DataFrame:
        """The rows of ``kind`` from table ``start`` on (only ``columns``, if given). With ``take``
        the store gives them up, and each column is freed once converted."""
        tables = self.tables[kind][start:]
        if columns is not None:
            tables = [t.select(columns) for t in tables]
        if take:
            self.tables[kind] = self.tables[kind][:start]
        if not tables:
            return pd.DataFrame()
        table = pa.concat_tables(tables, promote_options="permissive")
        del tables
        # Column by column, each column's pieces let go once it is converted: the rows are never
        # held twice over.
        columns_out: dict[str, pd.Series] = {}
        if take and kind == "values":
            table = _without_blank_fields(table)
        for name in table.column_names:
            columns_out[name] = table.column(name).to_pandas()
            table = table.drop_columns([name])
            if take:
                release_memory()
        return pd.DataFrame(columns_out, copy=False)


def _without_blank_fields(table: pa.Table) -> pa.Table:
    """Values without the columns of a field no file gave (a target's upper end, a benchmark, in
    most files): blank on every row, and read as "not given" by its ``_has_`` flag, which stays."""
    drop = []
    for name in ("target_upper", "benchmark"):
        has = f"_has_{name}"
        if has in table.column_names and not pc.any(table.column(has)).as_py():
            drop += [c for c in (name, f"_pct_{name}", f"_col_{name}") if c in table.column_names]
    return table.drop_columns(drop)


# Columns the same on every row of a table (or nearly): stored once, as categories.
def _repeated(column: object) -> bool:
    name = str(column)
    return name in (
        "_file",
        "_sheet",
        "ref",
        "official_rag",
        "commentary_internal",
    ) or name.startswith("_col_")


def compact(
    out: Parsed, before: dict[str, int], side: SideText | None, kept: Kept | None = None
) -> None:
    """Make what was just parsed into ``out`` (its frames from ``before[kind]`` on) small to keep:
    definitions once per distinct spelling, texts repeated on every row stored once and (for values
    and months) the long texts set aside in ``side`` and the rows moved to ``kept``."""
    for kind, start in before.items():
        frames: list[pd.DataFrame] = getattr(out, kind)
        new = frames[start:]
        del frames[start:]
        for frame in new:
            if kind in ("indicators", "actions"):
                meta = INDICATOR_META if kind == "indicators" else ACTION_META
                subset = ["ref", *(m for m in meta if m in frame)]
                frames.append(frame.drop_duplicates(subset=subset, keep="first"))
                continue
            if kind not in ("values", "months"):
                frames.append(frame)
                continue
            if side is not None:
                frame = side.set_aside(frame)
            repeated = [c for c in frame.columns if _repeated(c)]
            frame = frame.assign(**{c: frame[c].astype("category") for c in repeated})
            if kept is None:
                frames.append(frame)
            else:
                kept.add(kind, frame)


def _encoding(path: Path) -> tuple[str | None, str | None]:
    """(the encoding to read ``path`` with, None) or (None, why it cannot be read), found by decoding
    the file block by block and keeping nothing."""
    with path.open("rb") as fh:
        if _is_utf16(fh.read(4096)):
            return None, (
                "the file is UTF-16 text (as Excel's 'Unicode Text' saves it), not UTF-8; save it "
                "as 'CSV UTF-8 (Comma delimited)' and load that."
            )
        for encoding in ("utf-8", "cp1252"):
            fh.seek(0)
            decoder = codecs.getincrementaldecoder(encoding)()
            try:
                while block := fh.read(1 << 20):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return ("utf-8-sig" if encoding == "utf-8" else encoding), None
    return None, "the file is not text (expected UTF-8 CSV)."


@dataclass
class StreamedFile:
    """What reading one file as a stream found besides what it parsed into ``Parsed``."""

    problems: list[Problem] = field(default_factory=list)  # reading problems (and cell problems)
    sheets: list[Sheet] = field(default_factory=list)  # its table, header only (no rows kept)
    rows: int = 0  # rows read
    more_problems: int = 0  # cell problems beyond the cap, counted
    stopped_at: int | None = None  # the row reading stopped at once the problem cap was reached


class _Grid:
    """Rows read from the CSV, padded to the width found in the first rows."""

    def __init__(self, width: int):
        self.width = width
        self.rows: list[list[str]] = []
        self.first = 0  # 0-based row index in the file of ``rows[0]``

    def frame(self) -> pd.DataFrame:
        grid = pd.DataFrame(self.rows, dtype=str) if self.rows else pd.DataFrame(dtype=str)
        grid = grid.reindex(columns=range(self.width), fill_value="")
        grid.index = pd.RangeIndex(self.first, self.first + len(self.rows))
        return grid


def stream_csv(
    path: Path,
    file: str,
    out: Parsed,
    side: SideText | None,
    kept: Kept,
    max_cells: int,
    max_rows: int,
    problems_before: int = 0,
) -> StreamedFile:
    """Read the CSV at ``path`` (named ``file`` in messages) in pieces, parsing each into ``out``.
    ``problems_before``: problems other files already found (they count against the cap)."""
    result = StreamedFile()
    encoding, why = _encoding(path)
    if encoding is None:
        result.problems.append(Problem.whole_file(file, why or "the file cannot be read."))
        return result
    starts = {k: len(kept.tables[k]) for k in ("values", "months")}
    # What this file added, taken back if it turns out to be unreadable further down: as when a
    # whole file is read, such a file gives that one problem.
    lists = ("indicators", "actions", "statuses", "highlights", "comparators", "groups")
    marks = {k: len(getattr(out, k)) for k in (*lists, "problems", "warnings")}
    more_mark = out.more_problems
    with path.open("r", encoding=encoding, newline="") as fh:
        # A line is read at most a row's limit at a time: a file without line breaks is not one
        # string in memory (CsvRecords refuses a row beyond the limit).
        lines = iter(lambda: fh.readline(MAX_ROW_CHARS + 1), "")
        records = CsvRecords(lines, head_rows=HEAD_ROWS)
        try:
            _read(records, file, out, side, kept, max_cells, max_rows, problems_before, result)
        except CsvRefused as exc:
            for k, n in marks.items():
                del getattr(out, k)[n:]
            out.more_problems = more_mark
            for k, n in starts.items():
                del kept.tables[k][n:]
            return StreamedFile(problems=[Problem.whole_file(file, str(exc))])
    result.rows = records.record
    tidy = any(sheet.header.layout == "tidy" for sheet in result.sheets)
    if tidy and result.stopped_at is None and len(kept.tables["months"]) > starts["months"]:
        months = kept.frame("months", starts["months"], columns=None)
        keys = kept.frame("values", starts["values"], columns=["ref", "period"])
        if keys.empty:
            keys = pd.DataFrame({"ref": pd.Series([], dtype=str), "period": []})
        standing = standing_rows(keys, months)
        if len(standing):
            kept.add("values", standing)
    return result


def _read(
    records: CsvRecords,
    file: str,
    out: Parsed,
    side: SideText | None,
    kept: Kept,
    max_cells: int,
    max_rows: int,
    problems_before: int,
    result: StreamedFile,
) -> None:
    rows = iter(records)
    head: list[list[str]] = []
    for row in rows:
        head.append(row)
        if len(head) == HEAD_ROWS:
            break
    widths = [(len(r), i + 1) for i, r in enumerate(head)]
    width, wide_row = max(widths, default=(0, 0), key=lambda w: w[0])
    if width > MAX_COLUMNS:
        raise CsvRefused(
            f"row {wide_row} has {width:,} fields; the limit is {MAX_COLUMNS:,} columns."
        )
    grid = _Grid(width)
    grid.rows = [r + [""] * (width - len(r)) for r in head]
    sheet, found = _find_header(grid.frame(), file, None, scan_cells=True)
    result.problems.extend(found)
    if sheet is None:
        return
    header_sheet = Sheet(file, None, sheet.header, sheet.headings, sheet.data.iloc[0:0])
    result.sheets = [header_sheet]
    first_piece = True
    any_data = False
    starts = {k: len(getattr(out, k)) for k in ("indicators", "actions")}

    def parse(data: pd.DataFrame) -> None:
        nonlocal first_piece, any_data
        if data.empty:
            return
        any_data = True
        piece = Sheet(file, None, sheet.header, sheet.headings, data.reset_index(drop=True))
        before = {k: len(getattr(out, k)) for k in ("indicators", "values", "months", "actions")}
        parse_sheet(piece, out, header_checks=first_piece, defer_standing=True)
        first_piece = False
        compact(out, before, side, kept)
        for kind in ("indicators", "actions"):
            frames = getattr(out, kind)
            if len(frames) - starts[kind] > 8:  # keep one frame of this file's distinct definitions
                merged = pd.concat(frames[starts[kind] :], ignore_index=True)
                frames[starts[kind] :] = [merged]
                compact(out, {kind: starts[kind]}, side, kept)

    def full() -> bool:
        found = problems_before + len(result.problems) + len(out.problems)
        return found >= MAX_PROBLEMS or out.more_problems + result.more_problems > 0

    parse(sheet.data)  # the rows below the header among the first rows
    grid = _Grid(width)
    grid.first = len(head)
    limit_rows = max_rows + 1  # the header's row and the data rows
    for row in rows:
        n = records.record
        if len(row) > width:
            if len(row) > MAX_COLUMNS:
                raise CsvRefused(
                    f"the CSV cannot be read: row {n} has {len(row):,} fields; the limit is "
                    f"{MAX_COLUMNS:,} columns."
                )
            raise CsvRefused(
                f"the CSV cannot be read: row {n} has {len(row):,} fields but the rows above have "
                f"at most {width:,}; check for a stray comma or an unclosed quote."
            )
        if n > limit_rows:
            raise CsvRefused(
                f"the file has more than {limit_rows:,} rows; the limit is {max_rows:,} rows of data."
            )
        if n * max(width, 1) > max_cells:
            raise CsvRefused(
                f"the file has more than {max_cells // max(width, 1):,} rows of {width:,} columns; "
                f"the limit is {max_cells:,} cells."
            )
        if len(row) < width:
            row.extend([""] * (width - len(row)))
        grid.rows.append(row)
        if len(grid.rows) >= CHUNK_ROWS:
            _piece(grid, records, file, sheet, result, parse)
            grid = _Grid(width)
            grid.first = n
            if full():
                result.stopped_at = n
                return
    if grid.rows:
        _piece(grid, records, file, sheet, result, parse)
    if not any_data:
        parse_sheet(header_sheet, out, header_checks=True)
        result.problems.extend(no_data_problems(result.sheets))


def _piece(
    grid: _Grid,
    records: CsvRecords,
    file: str,
    sheet: Sheet,
    result: StreamedFile,
    parse: Callable[[pd.DataFrame], None],
) -> None:
    frame = grid.frame()
    grid.rows = []
    if records.suspicious:
        found = _cell_problems(frame, 0, file, None, sheet.headings)
        offset = int(frame.index[0]) if len(frame) else 0
        room = max(0, MAX_PROBLEMS - len(result.problems))
        result.problems.extend(
            Problem(p.file, p.sheet, (p.row or 0) + offset, p.column, p.message)
            for p in found[:room]
        )
        result.more_problems += max(0, len(found) - room)
    frame["_row"] = frame.index + 1
    data = frame[~_blank_rows(frame)]
    del frame
    parse(data)
    release_memory()
