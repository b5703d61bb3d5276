"""Turning recognised sheets into long tables of indicators, values, actions, statuses and highlights.

This step reads what each cell *says* (numbers, quarters, ratings) and reports cells it cannot read.
Checks that need the database (known priorities, existing indicators, units) are in ``validate``.
Every output row keeps where it came from (``_file``, ``_sheet``, ``_row``) for messages, and
``_has_<field>`` flags saying whether the file gave that field at all (a field the file does not give
keeps the value already stored).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from harrow_dash.ingest.comparators import read_comparator_sheet, read_group_sheet
from harrow_dash.ingest.corrective import parse_corrective
from harrow_dash.ingest.headings import (
    DERIVED_HEADINGS,
    Month,
    month_period,
    normalise,
    quarter_heading_error,
)
from harrow_dash.ingest.numbers import clean_text, parse_numbers
from harrow_dash.ingest.problems import MAX_PROBLEMS, Problem
from harrow_dash.ingest.readers import Sheet, _repeated, _where, describe_column
from harrow_dash.rules.gss import (
    has_symbols,
    marker_words,
    no_figure,
    read_marker,
    split_symbols,
    symbol_problem,
)
from harrow_dash.rules.periods import Period, PeriodError, parse_period
from harrow_dash.rules.rag import parse_rag

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
    "quarter_rule",
    "allow_negative",
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
    # Month columns of scorecards (``month`` key, its ``period``, and the value fields): monthly
    # indicators keep them as monthly values; validation decides once frequencies are known.
    months: list[pd.DataFrame] = field(default_factory=list)
    comparators: list[pd.DataFrame] = field(default_factory=list)
    groups: list[pd.DataFrame] = field(default_factory=list)
    corrective: list[pd.DataFrame] = field(default_factory=list)  # see ingest.corrective
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    more_problems: int = 0  # problems found beyond MAX_PROBLEMS, counted but not listed

    def report(self, problem: Problem, count: int = 1) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
            count -= 1
        self.more_problems += count


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


def _rows_where(frame: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """The rows of ``frame`` where ``keep`` is true: ``frame`` itself when that is every row (the
    usual case), not a copy of each of its columns (a fifth of a second at a million rows)."""
    return frame if bool(keep.all()) else frame[keep]


class _SheetParser:
    def __init__(self, sheet: Sheet, out: Parsed):
        self.sheet = sheet
        self.out = out
        self.data = sheet.data
        self.col_of = {name: idx for idx, name in sheet.header.fields.items()}
        self.defer_standing = False  # see parse_sheet

    def problem(self, rows: pd.Series | list[int], column: int | None, message: str) -> None:
        col = describe_column(self.sheet, column) if column is not None else None
        rows = list(rows)
        room = max(0, MAX_PROBLEMS - len(self.out.problems))
        for r in rows[:room]:
            self.out.problems.append(
                Problem(self.sheet.file, self.sheet.sheet, int(r), col, message)
            )
        self.out.more_problems += max(0, len(rows) - room)

    @property
    def full(self) -> bool:
        return len(self.out.problems) >= MAX_PROBLEMS

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
        keys: dict[str, int] = {"": 0}  # a blank quarter is reported once, by ``required_text``
        for text in values.unique():
            if text == "":
                continue
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
    ) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series | None]:
        """The numbers of a figure column, whether each was written with a % sign, the "not due"
        marks, and the GSS symbols of each cell as stored (:mod:`harrow_dash.rules.gss`: "p" after
        a number, "x" instead of one; "" where none), or None when no cell has a bracket. A symbol
        that cannot be read (unknown, or beside a number it contradicts) is a problem naming the cell."""
        codes: pd.Series | None = None
        if has_symbols(raw):
            split = split_symbols(raw)
            unreadable = split.unknown != ""
            for text in raw[unreadable].unique():
                mask = unreadable & (raw == text)
                unknown = split.unknown[mask].iloc[0]
                self.problem(rows[mask], column, symbol_problem(str(text), unknown, label))
            raw = split.text.where(~unreadable, "")
            codes = split.codes.where(~unreadable, "")
        parsed = parse_numbers(raw)
        if parsed.bad.any():
            left = parsed.bad.copy()
            for text in raw[parsed.bad].unique():
                if self.full:  # count the rest without naming them one text at a time
                    self.out.more_problems += int(left.sum())
                    break
                mask = parsed.bad & (raw == text)
                left &= ~mask
                shown = str(text).strip()
                message = (
                    f"'{shown}' is not a finite number ({label})."
                    if parsed.infinite is not None and parsed.infinite[mask].any()
                    else f"'{shown}' is not a number ({label})."
                )
                self.problem(rows[mask], column, message)
        return parsed.values, parsed.percent_sign, parsed.not_due, codes

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
        period_col = self.col_of["period"]
        period, month = self.tidy_periods(self.required_text("period", "quarter"), period_col)
        future = period > Period.in_progress().key
        if future.any():
            now = Period.in_progress()
            for key in sorted(period[future].unique()):
                self.problem(
                    d.loc[period == key, "_row"],
                    period_col,
                    f"{Period.from_key(int(key)).label} has not started yet (the quarter in "
                    f"progress is {now.label}).",
                )
            period = period.where(~future, 0)
        frame = _where(self.sheet, d)
        frame["ref"] = _column(ref)
        frame["period"] = period.to_numpy()
        frame = self._value_fields(
            frame,
            {
                f: self.col_of.get(f)
                for f in VALUE_NUMBERS + VALUE_TEXT + ("rag", "commentary_internal", "marker")
            },
        )
        quarter_rows = _rows_where(frame, (frame["ref"] != "") & (frame["period"] > 0))
        if month is None:
            self.out.values.append(quarter_rows)
            return
        # Months (of monthly indicators) load as monthly values; a quarter-end month stands for its
        # quarter when the sheet has no row for that quarter, as a quarter-end month column does in a
        # scorecard (validation applies the indicator's quarter rule and refuses a month of an
        # indicator that is not monthly).
        is_month = (month > 0).to_numpy() & (frame["ref"] != "").to_numpy()
        months = frame[is_month].copy()
        months["month"] = month[is_month].to_numpy()
        months["period"] = [Month.from_key(int(k)).quarter.key for k in months["month"]]
        months["_col_month"] = describe_column(self.sheet, period_col)
        months["_tidy"] = True
        self.out.months.append(months)
        self.out.values.append(quarter_rows.assign(_actual_from_month=False))
        if not self.defer_standing:
            self.out.values.append(standing_rows(quarter_rows, months))

    def tidy_periods(self, values: pd.Series, column: int) -> tuple[pd.Series, pd.Series | None]:
        """Quarter keys of a tidy file's period column (0 where a row gives a month or cannot be
        read) and month keys (0 where it gives a quarter), or None when no row gives a month.
        Unreadable texts and months not started yet are reported."""
        keys: dict[str, int] = {}
        months: dict[str, int] = {}
        this_month = Month(dt.date.today().year, dt.date.today().month)
        for text in values.unique():
            keys[text] = months[text] = 0
            if text == "":  # a blank period: already reported once, by ``required_text``
                continue
            try:
                keys[text] = parse_period(text).key
                continue
            except PeriodError as exc:
                reason = str(exc)
            found = month_period(text) if text else None
            if isinstance(found, Month):
                if found <= this_month:
                    months[text] = found.key
                    continue
                reason = f"{found.label} has not started yet (this month is {this_month.label})."
            elif isinstance(found, str):
                reason = found
            self.problem(self.data.loc[values == text, "_row"], column, reason)
        # Spread the keys of the distinct texts over the rows (mapping a dict over every row of a
        # large file costs far more).
        codes, distinct = pd.factorize(values, use_na_sentinel=False)

        def spread(by_text: dict[str, int]) -> pd.Series:
            found = np.array([by_text[t] for t in distinct], dtype="int64")[codes]
            return pd.Series(found, index=values.index, name=values.name)

        return spread(keys), spread(months) if any(months.values()) else None

    def _value_fields(self, frame: pd.DataFrame, columns: dict[str, int | None]) -> pd.DataFrame:
        """``frame`` (aligned with ``self.data``) with the value fields from the given columns.

        The fields are gathered first and joined to ``frame`` at once: a frame given two dozen
        columns one at a time re-indexes its columns at each (measured: a third of a 50-quarter
        scorecard's parsing)."""
        d = self.data
        rows = d["_row"]
        n = len(frame)
        fields: dict[str, Any] = {}
        not_due = pd.Series(False, index=d.index)
        marker: pd.Series | None = None
        for name in VALUE_NUMBERS:
            idx = columns.get(name)
            fields[f"_has_{name}"] = idx is not None
            if idx is None:
                fields[name] = np.nan
                continue
            values, pct, nd, codes = self.numbers(d[idx], idx, rows, name)
            fields[name] = values.to_numpy()
            fields[f"_pct_{name}"] = pct.to_numpy()
            fields[f"_col_{name}"] = _repeated(describe_column(self.sheet, idx), n)
            if name == "actual":
                not_due = nd
                marker = codes
            elif codes is not None:
                self._markers_not_kept(codes, values, rows, idx, name)
        fields["not_due"] = not_due.to_numpy()
        fields["_has_not_due"] = columns.get("actual") is not None
        self._marker(fields, n, marker, columns.get("marker"), rows)
        idx = columns.get("rag")
        fields["_has_official_rag"] = idx is not None
        fields["official_rag"] = None if idx is None else self.rags(d[idx], idx, rows).to_numpy()
        for name in VALUE_TEXT:
            idx = columns.get(name)
            fields[f"_has_{name}"] = idx is not None
            fields[name] = None if idx is None else _column(_blank_to_none(clean_text(d[idx])))
        self._internal_flag(fields, columns.get("commentary_internal"), d)
        # A benchmark column headed e.g. "London average" names its own benchmark.
        b_idx = columns.get("benchmark")
        if b_idx is not None and columns.get("benchmark_label") is None:
            heading = self.sheet.headings[b_idx].strip()
            if heading.lower() not in ("benchmark", "benchmark value", "comparator"):
                benchmark = pd.Series(fields["benchmark"], index=frame.index)
                fields["benchmark_label"] = benchmark.notna().map({True: heading, False: None})
                fields["_has_benchmark_label"] = True
        # Not copied into blocks by type (copy=False): the columns as they are.
        return pd.concat([frame, pd.DataFrame(fields, index=frame.index, copy=False)], axis=1)

    def _markers_not_kept(
        self, codes: pd.Series, values: pd.Series, rows: pd.Series, idx: int, name: str
    ) -> None:
        """A marker after a target or benchmark: the number loads; the marker is not stored (a
        value keeps its actual's marker), which the preview says. A whole-cell symbol there ("[x]")
        is simply no figure."""
        marked = (codes != "") & values.notna()
        for code in codes[marked].unique():
            where = marked & (codes == code)
            self.out.warnings.append(
                Problem(
                    self.sheet.file,
                    self.sheet.sheet,
                    int(rows[where].iloc[0]),
                    describe_column(self.sheet, idx),
                    f"the {name.replace('_', ' ')} is marked {marker_words(code)}; the number loads, "
                    "but only an actual's marker is kept"
                    + (f" (and {int(where.sum()) - 1} more cells)." if where.sum() > 1 else "."),
                )
            )

    def _marker(
        self,
        fields: dict[str, Any],
        n: int,
        inline: pd.Series | None,
        idx: int | None,
        rows: pd.Series,
    ) -> None:
        """The actual's GSS marker (stored codes, None where none): from the symbols in the actual
        cells, or from a marker column (the editors' export writes one: "provisional"). Both for one
        value must agree; a whole-cell symbol ("not available") in a marker column needs a blank
        actual. Sets ``fields``' marker fields (``n`` rows)."""
        has_actual = bool(fields["_has_actual"]) if n else False
        fields["_has_marker"] = has_actual or idx is not None
        marker = (
            inline.where(inline != "", None)
            if inline is not None
            else pd.Series(None, index=rows.index, dtype=object)
        )
        if idx is not None:
            text = clean_text(self.data[idx])
            read: dict[str, str] = {"": ""}
            for value in text.unique():
                if value == "":
                    continue
                try:
                    read[value] = read_marker(value)
                except ValueError as exc:
                    read[value] = ""
                    self.problem(rows[text == value], idx, str(exc))
            given = text.map(read)
            actual = pd.Series(fields["actual"], index=rows.index)
            both = (given != "") & marker.notna() & (given != marker.fillna(""))
            for i in rows.index[both.to_numpy()]:
                self.problem(
                    [rows[i]],
                    idx,
                    f"the actual is marked {marker_words(marker[i])} in its cell but "
                    f"{marker_words(given[i])} here; give the marker once.",
                )
            whole = given.map(no_figure).astype(bool) & actual.notna()
            for i in rows.index[whole.to_numpy()]:
                self.problem(
                    [rows[i]],
                    idx,
                    f"'{marker_words(given[i])}' means there is no figure, but the actual is "
                    f"{actual[i]:,.10g}; give one or the other.",
                )
            alone = (given != "") & ~given.map(no_figure).astype(bool) & actual.isna()
            for i in rows.index[alone.to_numpy()]:
                self.problem(
                    [rows[i]],
                    idx,
                    f"'{marker_words(given[i])}' qualifies a figure, but the actual is blank; give "
                    "the figure or leave the marker blank.",
                )
            marker = marker.where(marker.notna(), given.where(given != "", None))
            fields["_col_marker"] = describe_column(self.sheet, idx)
        fields["marker"] = marker.astype(object).to_numpy()

    def _internal_flag(
        self, frame: pd.DataFrame | dict[str, Any], idx: int | None, rows: pd.DataFrame
    ) -> None:
        """The "commentary is internal" yes/no text (read as true/false in ``validate``)."""
        frame["_has_commentary_internal"] = idx is not None
        frame["commentary_internal"] = (
            None if idx is None else _blank_to_none(clean_text(rows[idx])).to_numpy()
        )
        if idx is not None:
            frame["_col_commentary_internal"] = describe_column(self.sheet, idx)

    def scorecard(self) -> None:
        d = self.data
        header = self.sheet.header
        ref = self.required_text("ref", "indicator reference")
        self.out.indicators.append(self.meta_frame(INDICATOR_META, ref))
        quarters = header.quarter_columns
        months = header.month_columns
        year_target = {fy.fy_start: idx for idx, (fy, _) in header.year_columns.items()}
        # The quarters the file gives something for; a year's target alone names its four quarters.
        periods = sorted(
            {p for p, _ in quarters.values()}
            | {m.quarter for m, _ in months.values() if m.is_quarter_end}
        ) or sorted({Period(fy, q) for fy in year_target for q in (1, 2, 3, 4)})
        if not periods:
            periods = sorted({m.quarter for m, _ in months.values()})
        if not periods:  # only unreadable period headings, each already a problem
            return
        latest = periods[-1]
        by_key = {(p, f): idx for idx, (p, f) in quarters.items()}
        # A quarter-end month (Jun-23, 30/06/2023) stands for its quarter unless the file has a
        # column for the quarter itself; for a monthly indicator validation may replace the actual
        # by the quarter rule's (the sum of the three months).
        from_month: set[Period] = set()
        for idx, (m, f) in sorted(months.items()):
            if m.is_quarter_end and (m.quarter, f) not in by_key:
                by_key[(m.quarter, f)] = idx
                if f == "actual":
                    from_month.add(m.quarter)
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
            # A quarter without its own target takes its year's target ("Target 2023/24"); a
            # target heading without a year is the target for the latest year in the file; a RAG
            # or commentary without a quarter belongs to the latest quarter.
            if columns["target"] is None:
                columns["target"] = year_target.get(p.fy_start)
            if columns["target"] is None and p.fy_start == latest.fy_start:
                columns["target"] = self.col_of.get("target")
            if p == latest:
                columns["rag"] = (
                    columns["rag"] if columns["rag"] is not None else self.col_of.get("rag")
                )
                if columns["commentary"] is None:
                    columns["commentary"] = self.col_of.get("commentary")
                columns["commentary_internal"] = self.col_of.get("commentary_internal")
                columns["marker"] = self.col_of.get("marker")
            if all(v is None for v in columns.values()):
                continue
            frame = _where(self.sheet, d)
            frame["ref"] = _column(ref)
            frame["period"] = p.key
            frame = self._value_fields(frame, columns)
            frame["_actual_from_month"] = p in from_month
            self.out.values.append(_rows_where(frame, frame["ref"] != ""))
        by_month: dict[Month, dict[str, int | None]] = {}
        for idx, (m, f) in months.items():
            by_month.setdefault(m, {})[f] = idx
        for m, cols in sorted(by_month.items()):
            frame = _where(self.sheet, d)
            frame["ref"] = _column(ref)
            frame["month"] = m.key
            frame["period"] = m.quarter.key
            frame = self._value_fields(
                frame, {f: cols.get(f) for f in ("actual", "target", "rag", "commentary")}
            )
            first_col = cols.get("actual")
            frame["_col_month"] = describe_column(
                self.sheet,
                first_col
                if first_col is not None
                else min(i for i in cols.values() if i is not None),
            )
            self.out.months.append(_rows_where(frame, frame["ref"] != ""))

    def check_header(self) -> None:
        """Problems with the header itself: columns that give the same thing twice, two header rows
        that disagree, periods after the one in progress today."""
        header = self.sheet.header
        row = header.row_index + 1
        for idx, first, what in header.duplicates:
            self.problem(
                [row],
                idx,
                f"this column and column {describe_column(self.sheet, first)} both give the "
                f"{what}; keep one.",
            )
        for idx, message in header.problems:
            band_row = header.band_row_index + 1 if header.band_row_index is not None else row
            self.problem([band_row], idx, message)
        now = Period.in_progress()
        this_month = Month(dt.date.today().year, dt.date.today().month)
        for idx, (p, _) in header.quarter_columns.items():
            if p > now:
                self.problem(
                    [row],
                    idx,
                    f"{p.label} has not started yet (the quarter in progress is {now.label}).",
                )
        for idx, (m, _) in header.month_columns.items():
            if m > this_month:
                self.problem(
                    [row], idx, f"{m.label} has not started yet (this month is {this_month.label})."
                )
        for idx, (fy, _) in header.year_columns.items():
            if fy.fy_start > now.fy_start + 1:
                self.problem(
                    [row],
                    idx,
                    f"the year {fy.label} is more than a year ahead of the one in progress "
                    f"({Period(now.fy_start, 1).fy_label}).",
                )

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

    def corrective(self) -> None:
        self.out.corrective.append(parse_corrective(self))

    def groups(self) -> None:
        frame, problems = read_group_sheet(self.sheet)
        self.out.groups.append(frame)
        self.out.problems.extend(problems)


def parse_sheets(sheets: list[Sheet]) -> Parsed:
    out = Parsed()
    for sheet in sheets:
        parse_sheet(sheet, out)
    return out


def parse_sheet(
    sheet: Sheet, out: Parsed, header_checks: bool = True, defer_standing: bool = False
) -> None:
    """Parse one table into ``out``. A file read in pieces (``ingest.stream``) parses each piece as a
    table of the same header: ``header_checks`` only for the first, and with ``defer_standing`` a tidy
    piece leaves deciding which quarter-end months stand for their quarters to
    :func:`standing_rows`, once every piece of the file is read (a quarter's own row may come in a
    later piece than its month's)."""
    parser = _SheetParser(sheet, out)
    parser.defer_standing = defer_standing
    if header_checks:
        # Comparator files carry many columns the dashboard has no use for (confidence limits,
        # counts, trends): their reader names them in one note, and none is a period heading.
        layout = sheet.header.layout
        unknown = {} if layout in ("comparators", "groups") else sheet.header.unknown
        for idx, heading in unknown.items():
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
        parser.check_header()
    if sheet.data.empty:
        if header_checks:
            out.warnings.append(
                Problem(
                    sheet.file,
                    sheet.sheet,
                    None,
                    None,
                    f"no data rows below the header in row {sheet.header.row_index + 1}; skipped.",
                )
            )
        return
    getattr(parser, sheet.header.layout)()


def standing_rows(values: pd.DataFrame, months: pd.DataFrame) -> pd.DataFrame:
    """The rows by which a tidy table's quarter-end months stand for their quarters: those of
    ``months`` (the table's month rows) whose quarter has no row of its own in ``values`` (the
    table's quarter rows), as values rows with ``_actual_from_month`` set."""
    have = set(zip(values["ref"], values["period"], strict=True))
    stands = (months["month"] % 100).isin([3, 6, 9, 12]).to_numpy() & np.array(
        [(r, p) not in have for r, p in zip(months["ref"], months["period"], strict=True)],
        dtype=bool,
    )
    standing = months[stands].drop(columns=["month", "_col_month", "_tidy"])
    standing["_actual_from_month"] = True
    return standing


def period_label(key: int) -> str:
    return Period.from_key(key).label
