"""Turning recognised sheets into long tables of indicators, values, actions, statuses and highlights.

This step reads what each cell *says* (numbers, quarters, ratings) and reports cells it cannot read.
Checks that need the database (known priorities, existing indicators, units) are in ``validate``.
Every output row keeps where it came from (``_file``, ``_sheet``, ``_row``) for messages, and
``_has_<field>`` flags saying whether the file gave that field at all (a field the file does not give
keeps the value already stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from harrow_dash.ingest.comparators import read_comparator_sheet, read_group_sheet
from harrow_dash.ingest.numbers import clean_text, parse_numbers
from harrow_dash.ingest.problems import Problem
from harrow_dash.ingest.readers import Sheet, describe_column
from harrow_dash.periods import Period, PeriodError, parse_period
from harrow_dash.rag import parse_rag

INDICATOR_META = (
    "name",
    "description",
    "priority",
    "directorate",
    "portfolio_holder",
    "unit",
    "polarity",
    "tolerance",
    "frequency",
    "counts_people",
    "source",
    "benchmark_measure",
    "cumulative_or_seasonal",
)
VALUE_TEXT = ("commentary", "benchmark_label")
VALUE_NUMBERS = ("actual", "target", "target_upper", "benchmark")
ACTION_META = ("title", "priority", "directorate", "portfolio_holder", "lead", "parent_ref")


@dataclass
class Parsed:
    """What a set of files says, before it is checked against the database."""

    indicators: list[pd.DataFrame] = field(default_factory=list)
    values: list[pd.DataFrame] = field(default_factory=list)
    actions: list[pd.DataFrame] = field(default_factory=list)
    statuses: list[pd.DataFrame] = field(default_factory=list)
    highlights: list[pd.DataFrame] = field(default_factory=list)
    comparators: list[pd.DataFrame] = field(default_factory=list)
    groups: list[pd.DataFrame] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _blank_to_none(s: pd.Series) -> pd.Series:
    return s.where(s != "", None)


_STR_DTYPE = pd.Series([], dtype=str).dtype


def _column(values: pd.Series) -> object:
    """``values`` by position, for assigning to a frame column. The same as ``values.to_numpy()``
    once the frame has inferred the column's type, without a text column's round trip through a
    million Python objects and back (an object array holding any text is inferred as ``str``)."""
    if values.dtype == _STR_DTYPE and values.notna().any():
        return values.array
    return values.to_numpy()


def _repeated(text: str, n: int) -> object:
    """``text`` as a whole column of ``n`` rows: what assigning the bare string gives, built directly
    (pandas builds a text column from a scalar by an element-by-element take, slow for a big file)."""
    if n == 0:
        return text
    indices = pa.array(np.zeros(n, dtype=np.int32))
    values = pa.DictionaryArray.from_arrays(indices, pa.array([text], pa.large_string()))
    return pd.array(values.dictionary_decode(), dtype=str)


def _where(sheet: Sheet, data: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "_file": _repeated(sheet.file, len(data)),
            "_sheet": sheet.sheet,
            "_row": data["_row"].to_numpy(),
        }
    )


class _SheetParser:
    def __init__(self, sheet: Sheet, out: Parsed):
        self.sheet = sheet
        self.out = out
        self.data = sheet.data
        self.col_of = {name: idx for idx, name in sheet.header.fields.items()}

    def problem(self, rows: pd.Series | list[int], column: int | None, message: str) -> None:
        col = describe_column(self.sheet, column) if column is not None else None
        for r in rows:
            self.out.problems.append(
                Problem(self.sheet.file, self.sheet.sheet, int(r), col, message)
            )

    def text(self, name: str) -> pd.Series | None:
        idx = self.col_of.get(name)
        return None if idx is None else clean_text(self.data[idx])

    def required_text(self, name: str, label: str) -> pd.Series:
        values = self.text(name)
        assert values is not None
        blank = values == ""
        if blank.any():
            self.problem(self.data.loc[blank, "_row"], self.col_of[name], f"the {label} is blank.")
        return values

    def periods(self, values: pd.Series, column: int | None) -> pd.Series:
        """Quarter keys for a column of quarter texts; unreadable ones are reported (key 0)."""
        keys: dict[str, int] = {}
        for text in values.unique():
            try:
                keys[text] = parse_period(text).key
            except PeriodError as exc:
                keys[text] = 0
                self.problem(self.data.loc[values == text, "_row"], column, str(exc))
        if values.hasnans:
            return values.map(keys).astype("int64")
        # Spread the keys of the distinct texts over the rows (mapping a dict over every row of a
        # large file costs far more).
        codes, distinct = pd.factorize(values)
        spread = np.array([keys[text] for text in distinct], dtype="int64")[codes]
        return pd.Series(spread, index=values.index, name=values.name)

    def numbers(
        self, raw: pd.Series, column: int | None, rows: pd.Series, label: str
    ) -> tuple[pd.Series, pd.Series, pd.Series]:
        parsed = parse_numbers(raw)
        if parsed.bad.any():
            for text in raw[parsed.bad].unique():
                mask = parsed.bad & (raw == text)
                self.problem(
                    rows[mask], column, f"'{str(text).strip()}' is not a number ({label})."
                )
        return parsed.values, parsed.percent_sign, parsed.not_due

    def rags(self, raw: pd.Series, column: int | None, rows: pd.Series) -> pd.Series:
        text = clean_text(raw)
        mapping: dict[str, str | None] = {"": None}
        for value in text.unique():
            if value == "":
                continue
            try:
                mapping[value] = parse_rag(value).value
            except ValueError as exc:
                mapping[value] = None
                self.problem(rows[text == value], column, str(exc))
        return text.map(mapping)

    def meta_frame(self, names: tuple[str, ...], ref: pd.Series) -> pd.DataFrame:
        frame = _where(self.sheet, self.data)
        frame["ref"] = _column(ref)
        for name in names:
            values = self.text(name)
            frame[f"_has_{name}"] = values is not None
            frame[name] = None if values is None else _column(_blank_to_none(values))
            if values is not None:
                frame[f"_col_{name}"] = _repeated(
                    describe_column(self.sheet, self.col_of[name]), len(frame)
                )
        return frame

    # -- layouts -------------------------------------------------------------------------------------
    def tidy(self) -> None:
        d = self.data
        ref = self.required_text("ref", "indicator reference")
        self.out.indicators.append(self.meta_frame(INDICATOR_META, ref))
        period = self.periods(self.required_text("period", "quarter"), self.col_of["period"])
        frame = _where(self.sheet, d)
        frame["ref"] = _column(ref)
        frame["period"] = period.to_numpy()
        self._value_fields(
            frame,
            {
                f: self.col_of.get(f)
                for f in VALUE_NUMBERS + VALUE_TEXT + ("rag", "commentary_internal")
            },
        )
        self.out.values.append(frame[(frame["ref"] != "") & (frame["period"] > 0)])

    def _value_fields(self, frame: pd.DataFrame, columns: dict[str, int | None]) -> None:
        """Fill value fields on ``frame`` (aligned with ``self.data``) from the given columns."""
        d = self.data
        rows = d["_row"]
        not_due = pd.Series(False, index=d.index)
        for name in VALUE_NUMBERS:
            idx = columns.get(name)
            frame[f"_has_{name}"] = idx is not None
            if idx is None:
                frame[name] = np.nan
                continue
            values, pct, nd = self.numbers(d[idx], idx, rows, name)
            frame[name] = values.to_numpy()
            frame[f"_pct_{name}"] = pct.to_numpy()
            frame[f"_col_{name}"] = _repeated(describe_column(self.sheet, idx), len(frame))
            if name == "actual":
                not_due = nd
        frame["not_due"] = not_due.to_numpy()
        frame["_has_not_due"] = columns.get("actual") is not None
        idx = columns.get("rag")
        frame["_has_official_rag"] = idx is not None
        frame["official_rag"] = None if idx is None else self.rags(d[idx], idx, rows).to_numpy()
        for name in VALUE_TEXT:
            idx = columns.get(name)
            frame[f"_has_{name}"] = idx is not None
            frame[name] = None if idx is None else _column(_blank_to_none(clean_text(d[idx])))
        self._internal_flag(frame, columns.get("commentary_internal"), d)
        # A benchmark column headed e.g. "London average" names its own benchmark.
        b_idx = columns.get("benchmark")
        if b_idx is not None and columns.get("benchmark_label") is None:
            heading = self.sheet.headings[b_idx].strip()
            if heading.lower() not in ("benchmark", "benchmark value", "comparator"):
                frame["benchmark_label"] = (
                    frame["benchmark"].notna().map({True: heading, False: None})
                )
                frame["_has_benchmark_label"] = True

    def _internal_flag(self, frame: pd.DataFrame, idx: int | None, rows: pd.DataFrame) -> None:
        """The "commentary is internal" yes/no text (read as true/false in ``validate``)."""
        frame["_has_commentary_internal"] = idx is not None
        frame["commentary_internal"] = (
            None if idx is None else _blank_to_none(clean_text(rows[idx])).to_numpy()
        )
        if idx is not None:
            frame["_col_commentary_internal"] = describe_column(self.sheet, idx)

    def scorecard(self) -> None:
        d = self.data
        ref = self.required_text("ref", "indicator reference")
        self.out.indicators.append(self.meta_frame(INDICATOR_META, ref))
        quarters = self.sheet.header.quarter_columns
        periods = sorted({p for p, _ in quarters.values()})
        latest = periods[-1]
        by_key = {(p, f): idx for idx, (p, f) in quarters.items()}
        for p in periods:
            columns: dict[str, int | None] = {
                "actual": by_key.get((p, "actual")),
                "target": by_key.get((p, "target")),
                "rag": by_key.get((p, "rag")),
                "commentary": by_key.get((p, "commentary")),
                "benchmark": self.col_of.get("benchmark") if p == latest else None,
                "benchmark_label": self.col_of.get("benchmark_label") if p == latest else None,
                "target_upper": self.col_of.get("target_upper")
                if p.fy_start == latest.fy_start
                else None,
            }
            # A target heading without a quarter is the target for the latest year in the file;
            # a RAG or commentary without a quarter belongs to the latest quarter.
            if columns["target"] is None and p.fy_start == latest.fy_start:
                columns["target"] = self.col_of.get("target")
            if p == latest:
                columns["rag"] = (
                    columns["rag"] if columns["rag"] is not None else self.col_of.get("rag")
                )
                if columns["commentary"] is None:
                    columns["commentary"] = self.col_of.get("commentary")
                columns["commentary_internal"] = self.col_of.get("commentary_internal")
            if all(v is None for v in columns.values()):
                continue
            frame = _where(self.sheet, d)
            frame["ref"] = _column(ref)
            frame["period"] = p.key
            self._value_fields(frame, columns)
            self.out.values.append(frame[frame["ref"] != ""])

    def actions(self) -> None:
        d = self.data
        ref = self.required_text("ref", "action reference")
        self.out.actions.append(self.meta_frame(ACTION_META, ref))
        period_text = self.text("period")
        status = self.text("status")
        assert status is not None
        if period_text is None:
            period_text = pd.Series("", index=d.index)
        has_status = (period_text != "") | (status != "")
        half = has_status & ((period_text == "") | (status == ""))
        if half.any():
            self.problem(
                d.loc[half, "_row"], None, "a status row needs both a quarter and a status."
            )
        rows = d.loc[has_status & ~half]
        if rows.empty:
            return
        sub = _SheetParser(self.sheet, self.out)
        sub.data = rows
        frame = _where(self.sheet, rows)
        frame["ref"] = ref[rows.index].to_numpy()
        frame["period"] = sub.periods(period_text[rows.index], self.col_of.get("period")).to_numpy()
        frame["status"] = status[rows.index].to_numpy()
        frame["_col_status"] = describe_column(self.sheet, self.col_of["status"])
        comm = self.text("commentary")
        frame["_has_commentary"] = comm is not None
        frame["commentary"] = None if comm is None else _blank_to_none(comm[rows.index]).to_numpy()
        self._internal_flag(frame, self.col_of.get("commentary_internal"), rows)
        self.out.statuses.append(frame[(frame["ref"] != "") & (frame["period"] > 0)])

    def highlights(self) -> None:
        d = self.data
        frame = _where(self.sheet, d)
        frame["period"] = self.periods(
            self.required_text("period", "quarter"), self.col_of.get("period")
        ).to_numpy()
        for name, label in (("priority", "priority"), ("kind", "kind"), ("text", "text")):
            frame[name] = self.required_text(name, label).to_numpy()
            frame[f"_col_{name}"] = describe_column(self.sheet, self.col_of[name])
        for name in ("indicator_ref", "action_ref"):
            values = self.text(name)
            frame[name] = None if values is None else _blank_to_none(values).to_numpy()
            if values is not None:
                frame[f"_col_{name}"] = describe_column(self.sheet, self.col_of[name])
        ok = (
            (frame["period"] > 0)
            & (frame["text"] != "")
            & (frame["kind"] != "")
            & (frame["priority"] != "")
        )
        self.out.highlights.append(frame[ok])

    def comparators(self) -> None:
        frame, problems = read_comparator_sheet(self.sheet)
        self.out.comparators.append(frame)
        self.out.problems.extend(problems)

    def groups(self) -> None:
        frame, problems = read_group_sheet(self.sheet)
        self.out.groups.append(frame)
        self.out.problems.extend(problems)


def parse_sheets(sheets: list[Sheet]) -> Parsed:
    out = Parsed()
    for sheet in sheets:
        parser = _SheetParser(sheet, out)
        for idx, heading in sheet.header.unknown.items():
            from harrow_dash.ingest.headings import (
                DERIVED_HEADINGS,
                normalise,
                quarter_heading_error,
            )

            reason = quarter_heading_error(heading)
            if normalise(heading) in DERIVED_HEADINGS:
                continue  # worked out by the dashboard (in its own exports): not data to load
            if reason:
                parser.problem([sheet.header.row_index + 1], idx, reason)
            else:
                out.warnings.append(
                    Problem(
                        sheet.file,
                        sheet.sheet,
                        sheet.header.row_index + 1,
                        describe_column(sheet, idx),
                        "this column is not one the importer reads; ignored.",
                    )
                )
        getattr(parser, sheet.header.layout)()
    return out


def period_label(key: int) -> str:
    return Period.from_key(key).label
