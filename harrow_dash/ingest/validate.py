"""Checking parsed files against the rules and the database, producing the rows to load.

Reports every problem at once, each with file, sheet, row, column and a plain-English reason: unknown
priorities (with a suggestion), unknown units, polarities and statuses, new indicators missing their
definition, percentages above 100, a file that mixes 0.85 and 85 for one percentage indicator,
duplicate values for the same indicator and quarter, links to indicators or actions that do not exist,
negative values for indicators whose unit cannot be negative (unless the indicator allows them).

Monthly figures: month columns of a monthly indicator load as monthly values, and its quarter's
position comes from them by the indicator's quarter rule: ``last`` (the value at the quarter's last
month, for snapshots and cumulative measures) or ``sum`` (the three months added up, for flows such as
numbers of incidents). A quarter is only worked out once the months it needs are all there. For any
other indicator a quarter-end month (June, September, December, March) means that quarter.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harrow_dash.ingest.comparators import validate_comparators
from harrow_dash.ingest.corrective import CorrectiveChecker
from harrow_dash.ingest.headings import Month
from harrow_dash.ingest.parse import ACTION_META, INDICATOR_META, Parsed
from harrow_dash.ingest.problems import MAX_PROBLEMS, Problem
from harrow_dash.rules.action_status import parse_action_status
from harrow_dash.rules.gss import marker_codes, stored_marker
from harrow_dash.rules.movements import parse_pattern
from harrow_dash.rules.periods import Period
from harrow_dash.rules.rag import parse_polarity
from harrow_dash.rules.units import NON_NEGATIVE_UNITS, Unit, parse_unit
from harrow_dash.rules.value_states import Frequency, parse_frequency

VALUE_COLUMNS = [
    "ref",
    "period",
    "actual",
    "target",
    "target_upper",
    "official_rag",
    "commentary",
    "benchmark",
    "benchmark_label",
    "not_due",
    "commentary_internal",
    "marker",
]
INDICATOR_COLUMNS = [
    "ref",
    "name",
    "description",
    "priority_id",
    "directorate",
    "portfolio",
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
]
MONTH_COLUMNS = ["ref", "month", "actual", "target", "marker"]
QUARTER_RULES = {
    "last": {"last", "last month", "quarter end", "value at quarter end", "month end", "snapshot",
             "cumulative", "latest", "last month of the quarter"},
    "sum": {"sum", "sum of months", "sum of three months", "sum of the three months", "total",
            "flow", "add months", "sum of 3 months"},
}  # fmt: skip
ACTION_COLUMNS = ["ref", "title", "priority_id", "directorate", "lead", "parent_ref", "portfolio"]
STATUS_COLUMNS = ["ref", "period", "status", "commentary", "commentary_internal"]
HIGHLIGHT_COLUMNS = ["period", "priority_id", "kind", "text", "indicator_ref", "action_ref"]
NEW_INDICATOR_NEEDS = ("name", "priority", "unit", "polarity")


@dataclass
class Context:
    """What the database already holds that validation needs."""

    priorities: pd.DataFrame  # id, name, short_name
    indicators: (
        pd.DataFrame
    )  # ref, unit (existing indicators); also frequency, quarter_rule, allow_negative
    action_refs: set[str]
    # The stored actuals of monthly indicators in published quarters (ref, period, actual): a file
    # may repeat such a figure beside months that now give another (see ``_quarters_against_months``).
    published_actuals: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["ref", "period", "actual"])
    )
    # Each stored comparator measure's kind of year, where it was declared (academic, calendar).
    measure_year_types: dict[str, str] = field(default_factory=dict)
    # Stored corrective actions: action_id, subject_kind, subject_ref, agreed_period, due_period.
    corrective: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            columns=["action_id", "subject_kind", "subject_ref", "agreed_period", "due_period"]
        )
    )


@dataclass
class Incoming:
    """Rows ready to load; ``_has_<column>`` says whether the files gave that column for that row."""

    indicators: pd.DataFrame
    values: pd.DataFrame
    actions: pd.DataFrame
    statuses: pd.DataFrame
    highlights: pd.DataFrame
    directorates: list[str] = field(default_factory=list)
    portfolios: list[str] = field(default_factory=list)
    months: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MONTH_COLUMNS))
    more_problems: int = 0  # problems found beyond the listed ones
    # areas, comparator_measures, comparator_values, comparison_groups
    comparators: dict[str, pd.DataFrame] = field(default_factory=dict)
    # Notes for the preview found while checking (what a comparator sheet was read as).
    notes: list[Problem] = field(default_factory=list)
    # Cabinet's corrective actions and their quarterly updates (ingest.corrective).
    corrective_actions: pd.DataFrame = field(default_factory=pd.DataFrame)
    corrective_updates: pd.DataFrame = field(default_factory=pd.DataFrame)


def _norm(text: object) -> str:
    return " ".join(str(text).lower().replace("\u2019", "'").split())


class PriorityMatcher:
    def __init__(self, priorities: pd.DataFrame):
        self.names = list(priorities["name"])
        self.by_text: dict[str, int] = {}
        for row in priorities.itertuples():
            pid = int(row.id)
            for key in (
                row.name,
                row.short_name,
                str(pid),
                f"p{pid}",
                f"priority {pid}",
                f"priority {pid}: {row.name}",
                f"{pid}. {row.name}",
                f"{pid} {row.name}",
            ):
                self.by_text[_norm(key)] = pid
        # Suggestions come from the full and the short names (both are accepted spellings).
        self.suggest = {_norm(n): n for n in self.names}
        for row in priorities.itertuples():
            self.suggest.setdefault(_norm(row.short_name), row.name)

    def match(self, text: str) -> tuple[int | None, str | None]:
        pid = self.by_text.get(_norm(text))
        if pid is not None:
            return pid, None
        close = difflib.get_close_matches(_norm(text), list(self.suggest), n=1, cutoff=0.6)
        hint = f" Did you mean '{self.suggest[close[0]]}'?" if close else ""
        known = "; ".join(f"{i + 1}. {n}" for i, n in enumerate(self.names))
        return None, f"unknown priority '{text}'.{hint} The priorities are: {known}."


def _problems_at(
    frame: pd.DataFrame, mask: pd.Series, column: str | None, message: str
) -> list[Problem]:
    rows = frame[mask]
    col = (
        rows[column]
        if column and column in rows
        else pd.Series([None] * len(rows), index=rows.index)
    )
    return [
        Problem(f, s if isinstance(s, str) else None, int(r), c, message)
        for f, s, r, c in zip(rows["_file"], rows["_sheet"], rows["_row"], col, strict=True)
    ]


def _problem_in_row(frame: pd.DataFrame, i: object, message: str) -> Problem:
    """A problem about row ``i`` of a frame that carries ``_file``, ``_sheet`` and ``_row``."""
    sheet = frame.at[i, "_sheet"]
    return Problem(
        frame.at[i, "_file"],
        sheet if isinstance(sheet, str) else None,
        int(frame.at[i, "_row"]),
        None,
        message,
    )


def _changes(values: pd.Series) -> np.ndarray:
    """Per row after the first, whether its value differs from the row before's."""
    v = values.reset_index(drop=True)
    return np.asarray(
        v.iloc[1:].reset_index(drop=True).ne(v.iloc[:-1].reset_index(drop=True)), dtype=bool
    )


def _run_starts(refs: pd.Series) -> np.ndarray | None:
    """Where each ref's rows begin, when every ref's rows come together (a file sorted or grouped by
    ref, as tidy exports and long histories are): a mask of each run's first row. None when a ref
    comes back after another one's rows, or a ref is missing."""
    if refs.empty or refs.hasnans:
        return None
    starts = np.ones(len(refs), dtype=bool)
    starts[1:] = _changes(refs)
    return starts if refs[starts].is_unique else None


def _same_within_runs(values: pd.Series, starts: np.ndarray) -> bool:
    """Whether ``values`` has no missing value and changes only where a run of ``starts`` begins."""
    if values.hasnans:
        return False
    return not (_changes(values) & ~starts[1:]).any()


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if len(frames) == 1:  # as it is (a streamed load's rows come as one frame): not copied
        return frames[0].reset_index(drop=True)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _bool(text: object) -> bool | None:
    t = _norm(text)
    if t in {"yes", "y", "true", "1", "x"}:
        return True
    if t in {"no", "n", "false", "0", ""}:
        return False
    return None


def parse_quarter_rule(text: object) -> str:
    word = _norm(text)
    for rule, words in QUARTER_RULES.items():
        if word in words:
            return rule
    raise ValueError(
        f"'{text}' is not a quarter rule; use 'last month' (the value at the quarter's last month) "
        "or 'sum' (the three months added up)."
    )


def _tolerance(text: object) -> float | None:
    t = str(text).strip().rstrip("%").strip()
    value = float(t)
    if str(text).strip().endswith("%") or value > 1:
        value /= 100
    if not 0 <= value <= 1:
        raise ValueError
    return value


class _Distinct:
    """A column's distinct values (a large file repeats each reference once per quarter), so that an
    element-wise step runs once per distinct value and its result is spread back over the rows."""

    def __init__(self, values: pd.Series):
        self.values = values
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        self.codes = codes.astype(np.int64, copy=False)
        self.distinct = pd.Series(uniques, dtype=values.dtype)

    def apply(self, step: Callable[[pd.Series], pd.Series]) -> pd.Series:
        """``step(values)`` for an element-wise ``step`` such as ``map`` or ``isin``."""
        result = step(self.distinct)
        return pd.Series(
            result.array.take(self.codes), index=self.values.index, name=self.values.name
        )

    def pairs_duplicated(self, other: pd.Series) -> pd.Series:
        """``DataFrame.duplicated`` of (these values, ``other``), keeping the first of each pair."""
        other_codes = pd.factorize(other, use_na_sentinel=False)[0].astype(np.int64, copy=False)
        pairs = self.codes * (int(other_codes.max(initial=0)) + 1)
        pairs += other_codes  # (in place: one array of a million rows, not two)
        del other_codes
        return pd.Series(pairs, index=self.values.index).duplicated(keep="first")


class Validator:
    def __init__(self, parsed: Parsed, context: Context):
        self.parsed = parsed
        self.ctx = context
        self.problems: list[Problem] = list(parsed.problems)
        self.more_problems = parsed.more_problems
        self.priorities = PriorityMatcher(context.priorities)
        self.monthly = pd.DataFrame(columns=MONTH_COLUMNS)

    def add(self, frame: pd.DataFrame, mask: pd.Series, column: str | None, message: str) -> None:
        if mask.any():
            room = max(0, MAX_PROBLEMS - len(self.problems))
            n = int(mask.sum())
            if n > room:
                mask = mask & (mask.cumsum() <= room)
                self.more_problems += n - room
            if room:
                self.problems.extend(_problems_at(frame, mask, column, message))

    # -- definitions (one row per ref) ---------------------------------------------------------------
    def _collapse(self, frame: pd.DataFrame, fields: tuple[str, ...], what: str) -> pd.DataFrame:
        """One row per ref: the non-blank value of each field; conflicting values are problems."""
        # The first row of each ref, and of each (ref, value) pair, found from codes: the same rows
        # as drop_duplicates finds, without copying a large file's columns to find them.
        starts = _run_starts(frame["ref"])
        ref_codes: np.ndarray | None = None
        if starts is not None:
            first_ref = starts
        else:
            ref_codes = pd.factorize(frame["ref"], use_na_sentinel=False)[0].astype(np.int64)
            first_ref = ~pd.Series(ref_codes).duplicated().to_numpy()
        refs = frame.loc[first_ref, ["ref", "_file", "_sheet", "_row"]].set_index("ref")
        out = refs.copy()
        for name in fields:
            if f"_has_{name}" not in frame or not frame[f"_has_{name}"].any():
                out[name] = None
                out[f"_has_{name}"] = False
                continue
            if starts is not None and _same_within_runs(frame[name], starts):
                # Each ref's rows together and giving one value throughout: that value, read at
                # the ref's first row (no problem to find, nothing to hash).
                out[name] = frame[name][starts].array
                out[f"_has_{name}"] = True
                out[f"_col_{name}"] = frame[f"_col_{name}"][starts].array
                continue
            if ref_codes is None:
                ref_codes = pd.factorize(frame["ref"], use_na_sentinel=False)[0].astype(np.int64)
            codes = pd.factorize(frame[name])[0].astype(np.int64)  # a missing value is -1
            first_pair = ~pd.Series(
                ref_codes * (codes.max(initial=-1) + 2) + codes + 1
            ).duplicated()
            distinct = frame.loc[
                frame[name].notna().to_numpy() & first_pair.to_numpy(),
                ["ref", name, "_file", "_sheet", "_row", f"_col_{name}"],
            ]
            clash = distinct["ref"].duplicated(keep=False)
            if clash.any():
                for ref, rows in distinct[clash].groupby("ref", sort=False):
                    first = rows.iloc[0]
                    message = (
                        f"{what} {ref} is given {name.replace('_', ' ')} '{first[name]}' in row "
                        f"{int(first['_row'])} but a different value here; use one value."
                    )
                    self.add(
                        rows.iloc[1:],
                        pd.Series(True, index=rows.index[1:]),
                        f"_col_{name}",
                        message,
                    )
            first_values = distinct.drop_duplicates("ref").set_index("ref")[name]
            out[name] = first_values.reindex(out.index)
            out[f"_has_{name}"] = out[name].notna()
            out[f"_col_{name}"] = (
                distinct.drop_duplicates("ref").set_index("ref")[f"_col_{name}"].reindex(out.index)
            )
        return out.reset_index()

    def _map_unique(
        self, frame: pd.DataFrame, name: str, parser, message_prefix: str = ""
    ) -> pd.Series:
        values = frame[name]
        mapping: dict[object, object] = {}
        for text in values.dropna().unique():
            try:
                mapping[text] = parser(text)
            except ValueError as exc:
                mapping[text] = None
                reason = str(exc) or f"'{text}' cannot be read"
                self.add(frame, values == text, f"_col_{name}", message_prefix + reason)
        return values.map(mapping)

    def _priority_ids(self, frame: pd.DataFrame) -> pd.Series:
        def parse(text: str) -> int:
            pid, problem = self.priorities.match(text)
            if problem:
                raise ValueError(problem)
            return pid  # type: ignore[return-value]

        return self._map_unique(frame, "priority", parse)

    def indicators(self) -> pd.DataFrame:
        raw = _concat(self.parsed.indicators)
        if raw.empty:
            return pd.DataFrame(columns=INDICATOR_COLUMNS)
        ind = self._collapse(raw[raw["ref"] != ""], INDICATOR_META, "Indicator")
        existing = set(self.ctx.indicators["ref"])
        new = ~ind["ref"].isin(existing)
        # Only rows lacking a needed field can produce a message (one vectorised test, not a cell
        # lookup per indicator: a large file defines tens of thousands of indicators).
        lacks_any = ~ind[[f"_has_{f}" for f in NEW_INDICATOR_NEEDS]].astype(bool).all(axis=1)
        for i in ind.index[new & lacks_any]:
            lacking = [
                f.replace("_", " ") for f in NEW_INDICATOR_NEEDS if not ind.at[i, f"_has_{f}"]
            ]
            if lacking:
                self.problems.append(
                    _problem_in_row(
                        ind,
                        i,
                        f"{ind.at[i, 'ref']} is a new indicator, so the file must give its "
                        f"{', '.join(NEW_INDICATOR_NEEDS).replace('_', ' ')}; missing: {', '.join(lacking)}.",
                    )
                )
        ind["priority_id"] = self._priority_ids(ind)
        ind["unit"] = self._map_unique(ind, "unit", lambda t: parse_unit(t).value)
        ind["polarity"] = self._map_unique(ind, "polarity", lambda t: parse_polarity(t).value)
        ind["frequency"] = self._map_unique(ind, "frequency", lambda t: parse_frequency(t).value)
        ind["_has_frequency"] = ind["_has_frequency"] | new
        ind["frequency"] = ind["frequency"].where(
            ind["frequency"].notna() | ~new, Frequency.QUARTERLY.value
        )

        def tolerance(t: str) -> float | None:
            try:
                return _tolerance(t)
            except ValueError:
                raise ValueError(
                    f"'{t}' is not a tolerance; write a share of the target such as 5% or 0.05."
                ) from None

        ind["tolerance"] = self._map_unique(ind, "tolerance", tolerance)
        ind["cumulative_or_seasonal"] = self._map_unique(
            ind, "cumulative_or_seasonal", lambda t: parse_pattern(t).value
        )

        def counts(t: str) -> bool:
            b = _bool(t)
            if b is None:
                raise ValueError(f"'{t}' is not yes or no.")
            return b

        ind["counts_people"] = self._map_unique(ind, "counts_people", counts)
        ind["allow_negative"] = self._map_unique(ind, "allow_negative", counts)
        ind["quarter_rule"] = self._map_unique(ind, "quarter_rule", parse_quarter_rule)
        ind["_has_counts_people"] = ind["_has_counts_people"] | new
        ind["counts_people"] = ind["counts_people"].where(
            ind["counts_people"].notna() | ~new, False
        )
        ind = ind.rename(
            columns={
                "portfolio_holder": "portfolio",
                "_has_portfolio_holder": "_has_portfolio",
                "_has_priority": "_has_priority_id",
            }
        )
        return ind

    def _internal_flags(self, frame: pd.DataFrame) -> None:
        """``commentary_internal`` as true/false from yes/no text; a blank cell in a column the file
        gives means no (public). Rows from files without the column keep None (the stored value)."""
        if "commentary_internal" not in frame:
            return

        def yes_no(t: str) -> bool:
            b = _bool(t)
            if b is None:
                raise ValueError(f"'{t}' is not yes or no (is the commentary internal?).")
            return b

        given = frame["_has_commentary_internal"].fillna(False).astype(bool)
        if not given.any():  # no file gave the column: every row keeps the stored flag
            return
        flags = self._map_unique(frame, "commentary_internal", yes_no).astype(object)
        frame["commentary_internal"] = flags.where(flags.notna() | ~given, False)

    def values(self, indicators: pd.DataFrame) -> pd.DataFrame:
        val = _concat(self.parsed.values)
        # Consumed: the rows are ``val`` now, and a column changed below is not kept twice (a
        # streamed load's rows come as one frame, the only copy).
        self.parsed.values = []
        if val.empty:
            return pd.DataFrame(columns=VALUE_COLUMNS)
        self._internal_flags(val)
        # Units: from the file where it gives one, else from the database.
        unit_of = self._setting(indicators, "unit")
        allows_negative = self._setting(indicators, "allow_negative")
        val = self._quarters_from_months(val, indicators)
        # Each reference repeats once per quarter: look each one up once.
        refs = _Distinct(val["ref"])
        # (Yes/no per reference, spread over the rows: not a column of unit texts per row.)
        is_pct = refs.apply(lambda r: r.map(unit_of) == Unit.PERCENT.value)
        no_negatives = refs.apply(
            lambda r: (
                r.map(unit_of).isin([u.value for u in NON_NEGATIVE_UNITS])
                & ~r.map(allows_negative).eq(True)
            )
        )
        for name in ("actual", "target", "target_upper", "benchmark"):
            if f"_pct_{name}" not in val:
                continue
            x = val[name]
            bare = is_pct & ~val[f"_pct_{name}"].fillna(False).astype(bool) & x.notna() & (x != 0)
            small = bare & (x.abs() <= 1)
            large = bare & (x.abs() > 1)
            refs_small = set(val.loc[small, "ref"].unique())
            refs_large = set(val.loc[large, "ref"].unique())
            mixed = refs_small & refs_large
            if mixed:
                self.add(
                    val,
                    small & val["ref"].isin(mixed),
                    f"_col_{name}",
                    "this percentage is written as a fraction (like 0.85) but other values of the "
                    "same indicator are written as percentages (like 85); write them all one way.",
                )
            as_fraction = small & ~val["ref"].isin(mixed)
            if as_fraction.any():  # (a new column only when there is one to write)
                val[name] = np.where(as_fraction, x * 100, x)
                x = val[name]
            self.add(
                val,
                is_pct & (x > 100),
                f"_col_{name}",
                f"{name.replace('_', ' ')} is above 100% for a percentage indicator.",
            )

        for name in ("actual", "target", "target_upper", "benchmark"):
            if name not in val:  # no file gives it (a streamed load keeps no column of blanks)
                continue
            x = val[name]
            self.add(
                val,
                no_negatives & (x < 0),
                f"_col_{name}",
                f"{name.replace('_', ' ')} is negative, but this indicator's unit ("
                "a count, percentage, rate or duration) cannot be; if it can (a net change), "
                "mark the indicator 'allow negative: yes'.",
            )
        self._quarters_against_months(val, indicators)
        # Duplicates: the same indicator and quarter given twice.
        dup = refs.pairs_duplicated(val["period"])
        if dup.any():
            first = val[~dup].set_index(["ref", "period"])
            for i in val.index[dup]:
                ref, period = val.at[i, "ref"], int(val.at[i, "period"])
                f = first.loc[(ref, period)]
                where = f"row {int(f['_row'])}" + (
                    f" of sheet '{f['_sheet']}'" if isinstance(f["_sheet"], str) else ""
                )
                self.problems.append(
                    _problem_in_row(
                        val,
                        i,
                        f"duplicate: {ref} already has a value for {Period.from_key(period).label} "
                        f"in {where}{'' if f['_file'] == val.at[i, '_file'] else ' of ' + f['_file']}.",
                    )
                )
        known_units, defined = set(unit_of.index), set(indicators["ref"])
        unknown = ~refs.apply(lambda r: r.isin(known_units)) & ~refs.apply(
            lambda r: r.isin(defined)
        )
        self.add(
            val,
            unknown,
            None,
            "unknown indicator: this reference is not in the database and the "
            "file does not define it (give its name, priority, unit and polarity).",
        )
        return val

    def _setting(self, indicators: pd.DataFrame, name: str) -> pd.Series:
        """An indicator setting by reference: from the file where it gives one, else the database."""
        stored = self.ctx.indicators
        parts = []
        if name in stored:
            parts.append(stored.set_index("ref")[name])
        if name in indicators:
            parts.append(indicators.set_index("ref")[name].dropna())
        if not parts:
            return pd.Series(dtype=object)
        out = pd.concat(parts) if len(parts) > 1 else parts[0]
        return out[~out.index.duplicated(keep="last")]

    def months(self, indicators: pd.DataFrame) -> pd.DataFrame:
        """Monthly values of monthly indicators (``ref``, ``month``, ``actual``, ``target``). Values in
        other months than a quarter's last for an indicator that is not monthly are problems."""
        mon = _concat(self.parsed.months)
        if mon.empty:
            return pd.DataFrame(columns=MONTH_COLUMNS)
        frequency = mon["ref"].map(self._setting(indicators, "frequency"))
        monthly = frequency == "monthly"
        quarter_end = (mon["month"] % 100).isin([3, 6, 9, 12])
        # A tidy file's row for a month: only for a monthly indicator (a quarterly one has a row
        # for its quarter). A scorecard's quarter-end month column means the quarter for any
        # indicator.
        tidy = mon.get("_tidy", pd.Series(False, index=mon.index)).fillna(False).astype(bool)
        wrong = mon.index[tidy & ~monthly]
        room = max(0, MAX_PROBLEMS - len(self.problems))
        self.more_problems += max(0, len(wrong) - room)
        for i in wrong[:room]:
            month = Month.from_key(int(mon.at[i, "month"]))
            sheet = mon.at[i, "_sheet"]
            self.problems.append(
                Problem(
                    mon.at[i, "_file"],
                    sheet if isinstance(sheet, str) else None,
                    int(mon.at[i, "_row"]),
                    mon.at[i, "_col_month"],
                    f"{month.label} is a month, but {mon.at[i, 'ref']} is not a monthly indicator; "
                    f"write its quarter ({month.quarter.label}), or give it the frequency "
                    "'monthly' to load monthly values.",
                )
            )
        stray = ~monthly & ~quarter_end & ~tidy & (mon["actual"].notna() | mon["target"].notna())
        self.add(
            mon,
            stray,
            "_col_month",
            "this indicator is not monthly, so only quarter-end months (June, September, December, "
            "March) are read for it; give it the frequency 'monthly' to load its other months.",
        )
        mon = mon[monthly].copy()
        if mon.empty:
            return pd.DataFrame(columns=MONTH_COLUMNS)
        unit = mon["ref"].map(self._setting(indicators, "unit"))
        allows = mon["ref"].map(self._setting(indicators, "allow_negative")).eq(True)
        for name in ("actual", "target"):
            x = mon[name]
            pct = mon.get(f"_pct_{name}", pd.Series(False, index=mon.index))
            bare = (unit == Unit.PERCENT.value) & ~pct.fillna(False).astype(bool)
            mon[name] = np.where(bare & (x.abs() <= 1) & (x != 0), x * 100, x)
            no_negatives = unit.isin([u.value for u in NON_NEGATIVE_UNITS]) & ~allows.astype(bool)
            self.add(
                mon,
                no_negatives & (mon[name] < 0),
                f"_col_{name}",
                f"{name} is negative, but this indicator's unit cannot be; if it can (a net "
                "change), mark the indicator 'allow negative: yes'.",
            )
        rule = self._setting(indicators, "quarter_rule")
        no_rule = ~mon["ref"].map(rule).isin(["last", "sum"])
        first = no_rule & ~mon["ref"].duplicated()
        self.add(
            mon,
            first,
            "_col_month",
            "this indicator is monthly, so the file or the database must say how its quarter comes "
            "from its months: give a 'Quarter rule' column with 'last month' (snapshots, cumulative "
            "measures) or 'sum' (flows such as numbers of incidents).",
        )
        dup = mon.duplicated(["ref", "month"], keep="first")
        self.add(
            mon, dup, "_col_month", "duplicate: this indicator already has a value for this month."
        )
        return mon[~dup]

    def _quarters_from_months(self, val: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
        """For a monthly indicator whose quarter rule is ``sum``, the quarter's actual is the sum of
        its three months (a quarter-end month column gave the ``last`` value already). A monthly
        indicator with month values and no rule is a problem: the rule is never guessed."""
        mon = self.monthly
        if mon.empty:
            return val
        rule = self._setting(indicators, "quarter_rule")
        if "_actual_from_month" not in val:
            return val
        sums = mon[mon["ref"].map(rule) == "sum"]
        if sums.empty:
            return val
        grouped = sums.groupby(["ref", "period"])["actual"].agg(["sum", "count"])
        target = val["_actual_from_month"].fillna(False).astype(bool) & val["ref"].isin(
            set(sums["ref"])
        )
        if target.any():
            # The parser's columns may be views of read-only buffers (no copy at parse time): this
            # rare case, months summed into quarters, writes into them, so it takes its own copy.
            val = val.copy()
            keys = pd.MultiIndex.from_arrays([val.loc[target, "ref"], val.loc[target, "period"]])
            found = grouped.reindex(keys)
            complete = (found["count"] == 3).to_numpy()
            val.loc[target, "actual"] = np.where(complete, found["sum"].to_numpy(), np.nan)
            val.loc[target, "_pct_actual"] = False
            # The sum carries every marker of its months ("provisional" if any month is).
            marks = (
                sums.sort_values("month")
                .groupby(["ref", "period"])["marker"]
                .agg(lambda m: stored_marker([c for x in m for c in marker_codes(x)]) or None)
                .reindex(keys)
            )
            val["marker"] = val["marker"].astype(object)
            val.loc[target, "marker"] = np.where(complete, marks.to_numpy(dtype=object), None)
            short = val[target][~complete]
            for ref, period, row, sheet, file in zip(
                short["ref"], short["period"], short["_row"], short["_sheet"], short["_file"],
                strict=True,
            ):  # fmt: skip
                self.parsed.warnings.append(
                    Problem(
                        file,
                        sheet if isinstance(sheet, str) else None,
                        int(row),
                        None,
                        f"{ref}: {Period.from_key(int(period)).label} is not worked out yet: its "
                        "quarter rule is 'sum' and the file does not give all three of its months.",
                    )
                )
        return val

    def _quarters_against_months(self, val: pd.DataFrame, indicators: pd.DataFrame) -> None:
        """A quarter's actual given in the file beside the months its quarter rule works it out from
        must be what the rule gives (the sum of the three months, or the value at the quarter's last
        month); otherwise the file contradicts itself and is refused, naming the quarter's cell. One
        exception: a quarter already published with that very figure. Monthly figures are revised
        after the quarter is reported while the quarterly position stays what Cabinet saw, so the
        published figure is kept and the disagreement is a note in the preview."""
        mon = self.monthly
        if mon.empty or val.empty:
            return
        rule_of = self._setting(indicators, "quarter_rule")
        m = mon[["ref", "month", "period", "actual"]].assign(rule=mon["ref"].map(rule_of))
        m = m[m["rule"].isin(["last", "sum"])]
        if m.empty:
            return
        given = m.groupby(["ref", "period"])["actual"].agg(["sum", "count"])
        last = m[(m["month"] % 100).isin([3, 6, 9, 12])].set_index(["ref", "period"])["actual"]
        from_month = val.get("_actual_from_month", pd.Series(False, index=val.index))
        rows = val[
            ~from_month.fillna(False).astype(bool)
            & val["actual"].notna()
            & val["ref"].isin(set(m["ref"]))
        ]
        if rows.empty:
            return
        published = {
            (r, int(p)): a
            for r, p, a in zip(
                self.ctx.published_actuals["ref"],
                self.ctx.published_actuals["period"],
                self.ctx.published_actuals["actual"],
                strict=True,
            )
        }
        for i, ref, period, actual in zip(
            rows.index, rows["ref"], rows["period"], rows["actual"], strict=True
        ):
            key = (ref, int(period))
            quarter = Period.from_key(int(period))
            rule = rule_of.get(ref)
            rule_word = "sum" if rule == "sum" else "last month"
            if rule == "sum":
                if key not in given.index or given.at[key, "count"] != 3:
                    continue
                expected = float(given.at[key, "sum"])
                how = f"'sum' adds its three months up to {expected:,.10g}"
            else:
                if key not in last.index or pd.isna(last.at[key]):
                    continue
                expected = float(last.at[key])
                end = Month(quarter.end_date.year, quarter.end_date.month)
                how = f"'last month' takes {end.label}'s value, {expected:,.10g}"
            if np.isclose(actual, expected, rtol=1e-9, atol=1e-9):
                continue
            stored = published.get(key)
            if stored is not None and np.isclose(actual, stored, rtol=1e-9, atol=1e-9):
                self.parsed.warnings.append(
                    Problem(
                        val.at[i, "_file"],
                        val.at[i, "_sheet"] if isinstance(val.at[i, "_sheet"], str) else None,
                        int(val.at[i, "_row"]),
                        val.at[i, "_col_actual"] if "_col_actual" in val else None,
                        f"{ref} {quarter.label} is published as {actual:,.10g}; its months now give "
                        f"{expected:,.10g} (quarter rule '{rule_word}'). The published "
                        "quarter stays as Cabinet saw it; the months load as given.",
                    )
                )
                continue
            self.add(
                val,
                pd.Series(val.index == i, index=val.index),
                "_col_actual",
                f"{ref} {quarter.label}: the quarter's actual {actual:,.10g} is not what its "
                f"months give: its quarter rule {how}. Correct the quarter or the months.",
            )

    def actions(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        raw = _concat(self.parsed.actions)
        if raw.empty:
            act = pd.DataFrame(columns=ACTION_COLUMNS)
        else:
            act = self._collapse(raw[raw["ref"] != ""], ACTION_META, "Action")
            new = ~act["ref"].isin(self.ctx.action_refs)
            for i in act.index[new & ~(act["_has_title"] & act["_has_priority"])]:
                self.problems.append(
                    _problem_in_row(
                        act,
                        i,
                        f"{act.at[i, 'ref']} is a new flagship action, so the file must give its title and priority.",
                    )
                )
            act["priority_id"] = self._priority_ids(act)
            act = act.rename(
                columns={
                    "_has_priority": "_has_priority_id",
                    "portfolio_holder": "portfolio",
                    "_has_portfolio_holder": "_has_portfolio",
                }
            )
            known = self.ctx.action_refs | set(act["ref"])
            self.add(
                act,
                act["parent_ref"].notna() & ~act["parent_ref"].isin(known),
                "_col_parent_ref",
                "the parent action is not in the file or the database.",
            )
        st = _concat(self.parsed.statuses)
        if st.empty:
            return act, pd.DataFrame(columns=STATUS_COLUMNS)
        st["status"] = self._map_unique(st, "status", lambda t: parse_action_status(t).value)
        self._internal_flags(st)
        dup = st.duplicated(["ref", "period"], keep="first")
        self.add(
            st,
            dup,
            None,
            "duplicate: this action already has a status for this quarter in the file.",
        )
        known = self.ctx.action_refs | set(act["ref"])
        self.add(st, ~st["ref"].isin(known), None, "unknown flagship action reference.")
        return act, st

    def highlights(self, indicators: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
        hl = _concat(self.parsed.highlights)
        if hl.empty:
            return pd.DataFrame(columns=HIGHLIGHT_COLUMNS)
        hl["priority_id"] = self._priority_ids(hl)

        def kind(t: str) -> str:
            n = _norm(t)
            if n.startswith("achievement") or n in {
                "key achievement",
                "key achievements",
                "success",
            }:
                return "achievement"
            if "improvement" in n or n in {"challenge", "key challenge", "concern"}:
                return "improvement"
            raise ValueError(
                f"'{t}' is not a kind of highlight; use 'achievement' or 'area for improvement'."
            )

        hl["kind"] = self._map_unique(hl, "kind", kind)
        known_ind = set(self.ctx.indicators["ref"]) | set(indicators["ref"])
        known_act = self.ctx.action_refs | set(actions["ref"])
        for name, known, what in (
            ("indicator_ref", known_ind, "indicator"),
            ("action_ref", known_act, "flagship action"),
        ):
            if name in hl:
                self.add(
                    hl,
                    hl[name].notna() & ~hl[name].isin(known),
                    f"_col_{name}",
                    f"the linked {what} is not in the file or the database.",
                )
        dup = hl.duplicated(["period", "priority_id", "kind", "text"], keep="first")
        self.add(
            hl,
            dup & hl["priority_id"].notna(),
            "_col_text",
            "duplicate: the same highlight appears twice.",
        )
        return hl

    def run(self) -> tuple[Incoming, list[Problem]]:
        ind = self.indicators()
        self.monthly = self.months(ind)
        val = self.values(ind)
        act, st = self.actions()
        hl = self.highlights(ind, act)
        names = [
            *ind.get("directorate", pd.Series(dtype=object)).dropna(),
            *act.get("directorate", pd.Series(dtype=object)).dropna(),
        ]
        portfolios = [
            *ind.get("portfolio", pd.Series(dtype=object)).dropna(),
            *act.get("portfolio", pd.Series(dtype=object)).dropna(),
        ]
        incoming = Incoming(
            ind, val, act, st, hl, sorted(set(names)), sorted(set(portfolios)), self.monthly
        )
        incoming.comparators, problems, incoming.notes = validate_comparators(
            self.parsed.comparators, self.parsed.groups, self.ctx.measure_year_types
        )
        self.problems.extend(problems)
        incoming.corrective_actions, incoming.corrective_updates = self.corrective(ind, act)
        incoming.more_problems = self.more_problems
        return incoming, self.problems

    def corrective(
        self, indicators: pd.DataFrame, actions: pd.DataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Corrective actions and updates (:mod:`harrow_dash.ingest.corrective`); their subjects
        may be indicators or flagship actions of this same load."""
        raw = _concat(self.parsed.corrective)
        checker = CorrectiveChecker(
            self.ctx.corrective,
            set(self.ctx.indicators["ref"]) | set(indicators.get("ref", [])),
            self.ctx.action_refs | set(actions.get("ref", [])),
            self.priorities,
        )
        found = checker.check(raw)
        self.problems.extend(checker.problems)
        return found


def validate(parsed: Parsed, context: Context) -> tuple[Incoming, list[Problem]]:
    return Validator(parsed, context).run()
