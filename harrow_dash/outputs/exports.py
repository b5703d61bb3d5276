"""Safe spreadsheet exports: formula-injection neutralising, suppression, the tidy value export.

A cell a spreadsheet program would run as a formula (text starting with = + - @, a tab or a carriage
return) is prefixed with an apostrophe so it shows as text. Numbers stay numbers. Suppressed counts are
exported as "fewer than N", never the raw figure.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from harrow_dash.formats.spreadsheet_safe import neutralise_frame
from harrow_dash.ingest.headings import Month
from harrow_dash.outputs.download_cells import WITHHELD, figure_cells, rating_word
from harrow_dash.rules.gss import marker_words
from harrow_dash.rules.periods import Period
from harrow_dash.rules.scorecard import RuleSettings, rate

# The tidy value export. Its headings are ones the importer reads (``official_rag`` is the RAG the
# council supplied; the others it reads as the same fields), so an editor's export loads back unchanged.
# ``computed_rag`` and ``state`` are worked out by the dashboard: the importer knows them and ignores
# them (see ``harrow_dash.ingest.headings.DERIVED_HEADINGS``).
TIDY_EXPORT_COLUMNS = [
    "ref",
    "name",
    "priority",
    "directorate",
    "portfolio_holder",
    "unit",
    "polarity",
    "frequency",
    "cumulative_or_seasonal",
    # The other definitions the importer reads ("yes"/"no" for the two flags; the quarter rule as
    # "last" or "sum"), so that an edited export cannot lose them.
    "tolerance",
    "counts_people",
    "quarter_rule",
    "allow_negative",
    "period",
    "actual",
    "marker",
    "target",
    "target_upper",
    "official_rag",
    "computed_rag",
    "state",
    "commentary",
    "commentary_internal",
    "benchmark",
    "benchmark_label",
]
# Written in the actual column of a value marked "not due" (a word the importer reads back as such).
NOT_DUE_WORD = "not due"
# A rating withheld in the public export (download_cells.rating_word's word for it).
WITHHELD_TEXT = WITHHELD
# The public export's status of each actual (download_cells.figure_cell); a heading the importer
# knows and ignores, since "status" alone it reads as a RAG.
PUBLIC_STATUS_COLUMN = "actual_status"


def tidy_export(values: pd.DataFrame, rules: RuleSettings, public: bool = False) -> pd.DataFrame:
    """All indicator values as a tidy table: one row per indicator per quarter, canonical periods.

    The editor's export (``public=False``) holds the stored values: the raw actual, the official RAG
    (blank where the council gave none) and the RAG the rules compute, in separate columns,
    "not due" where a value is marked so, and the actual's GSS marker in words ("provisional",
    "not available"; the importer reads them back as the same marker). Loading it back changes nothing. The public export
    (``public=True``, from a public store: published quarters, internal commentary blanked) has
    numbers or blanks only in ``actual``, with an ``actual_status`` word beside it
    (:func:`harrow_dash.outputs.download_cells.figure_cell`: ``suppressed``, ``not due``...), and writes
    ``withheld`` for the ratings worked out from a small count of people.

    Whole columns at once (a million values in a second or two); numbers stay numbers."""
    # The editor's export holds stored values, so nothing in it is withheld (see disclosure.py).
    editor = replace(rules, reveal_suppressed=rules.reveal_suppressed or not public)
    rated = rate(values, editor, texts=False)
    out = rated.reindex(columns=TIDY_EXPORT_COLUMNS)
    if not len(out):
        out = out.astype(object)
        return out.drop(columns=["commentary_internal"]) if public else out
    keys = rated["period"].astype(int)
    out["period"] = keys.map({k: Period.from_key(k).label for k in keys.unique().tolist()})
    not_due = (rated["not_due"].fillna(False).astype(bool) & rated["actual"].isna()).to_numpy()
    if public:
        # Numbers or blanks only, with the one cell rule's status word beside them
        # (download_cells.figure_cells): a small count of people has no number.
        actual, status = figure_cells(
            rated["actual"].tolist(),
            rated["suppressed"].tolist(),
            rated["state"].tolist(),
            rated["marker"].tolist() if "marker" in rated else None,
        )
        out["actual"] = pd.Series(actual, index=out.index, dtype=float)
        out.insert(int(out.columns.get_loc("actual")) + 1, PUBLIC_STATUS_COLUMN, status)
    elif not_due.any():
        actual = out["actual"].astype(object).to_numpy(copy=True)
        actual[not_due] = NOT_DUE_WORD
        out["actual"] = pd.Series(actual, index=out.index, dtype=object)
    out["marker"] = _marker_words(rated)
    out["computed_rag"] = (
        rated["computed_rag"].astype(object).where(rated["computed_rag"].notna(), None)
    )
    internal = (
        rated["commentary_internal"].astype(object).to_numpy()
        if "commentary_internal" in rated
        else np.full(len(rated), None, dtype=object)
    )
    # "yes" where the stored flag is true (True or 1), else "no" (false or not given).
    out["commentary_internal"] = np.where(internal == 1, "yes", "no").tolist()
    for flag in ("counts_people", "allow_negative"):
        if flag in rated:
            stored = rated[flag].astype(object).to_numpy()
            out[flag] = np.where(stored == 1, "yes", "no").tolist()
    if public:
        hide = rated["suppressed"].fillna(False).astype(bool).to_numpy()
        if hide.any():
            out["official_rag"] = out["official_rag"].astype(object)
            out.loc[hide, ["official_rag", "computed_rag"]] = WITHHELD_TEXT
        out = out.drop(columns=["commentary_internal"])
    return neutralise_frame(out)


def monthly_export(months: pd.DataFrame) -> pd.DataFrame:
    """Monthly values (:meth:`harrow_dash.store.Store.tidy_months`) as rows of the editor's tidy
    export: the month in the period column (``Jun 2023``, which the importer reads as a month), its
    actual and target; the quarter's own row holds its RAG and commentary. Loading them back with
    the quarters changes nothing."""
    out = months.reindex(columns=TIDY_EXPORT_COLUMNS).astype(object)
    if not len(out):
        return out
    keys = months["month"].astype(int)
    out["period"] = keys.map({k: Month.from_key(k).label for k in keys.unique().tolist()})
    for flag in ("counts_people", "allow_negative"):
        out[flag] = np.where(months[flag].astype(object).to_numpy() == 1, "yes", "no").tolist()
    for name in ("actual", "target", "tolerance"):
        out[name] = months[name].astype(float)
    out["marker"] = _marker_words(months)
    return neutralise_frame(out)


def _marker_words(values: pd.DataFrame) -> list[str | None]:
    """The words of each value's GSS marker (``gss.marker_words``: "provisional"), None where none;
    the importer reads them back as the same marker."""
    if "marker" not in values:
        return [None] * len(values)
    codes, distinct = pd.factorize(values["marker"])
    words = [marker_words(m) or None for m in distinct]
    return [None if c < 0 else words[c] for c in codes]


# -- page downloads with numbers as numbers ----------------------------------------------------------

# Display columns (text such as "72.4%") and the stored numbers that replace them in a download.
_NUMBER_COLUMNS = {"Actual": "actual", "Target": "target", "Benchmark": "benchmark"}


def analysable(
    display: pd.DataFrame,
    values: pd.DataFrame,
    reveal_suppressed: bool = False,
) -> pd.DataFrame:
    """A page's table as a download that can be summed and charted.

    ``display`` is the table as shown (its "Actual", "Target" and "Benchmark" columns are text such
    as "236 seconds" or "72.4%"), keyed by "Ref" and, for a trend, "Quarter". ``values`` holds the
    same indicators rated (:func:`harrow_dash.rules.scorecard.rate`: ref, period, actual, target,
    target_upper, benchmark, benchmark_label, unit, state, suppressed, marker, rag). The text
    columns are replaced by numbers or blanks (``actual``, ``target``, ``target_upper`` where any
    indicator has a band, ``benchmark`` and its name) with a ``status`` word beside the actual
    (:func:`harrow_dash.outputs.download_cells.figure_cell`: ``suppressed``, ``missing``, ``not due``,
    ``provisional``...), a ``unit`` column and the reporting ``state``. A suppressed count has no
    number unless ``reveal_suppressed`` (an editor who sees raw counts on the page). A "RAG" column
    holds the plain rating word (``Green``, ``withheld``). Every other column is kept as shown."""
    present = [c for c in _NUMBER_COLUMNS if c in display.columns]
    if display.empty or not present or "Ref" not in display.columns or values.empty:
        return display.copy()
    v = values.reset_index(drop=True)
    key = v["ref"].astype(str)
    wanted = display["Ref"].astype(str)
    if "Quarter" in display.columns:
        key = key + "|" + [Period.from_key(int(p)).label for p in v["period"]]
        wanted = wanted + "|" + display["Quarter"].astype(str)
    rows = v.assign(_key=key.to_numpy()).drop_duplicates("_key").set_index("_key")
    rows = rows.reindex(wanted.to_numpy())

    def numbers(column: str) -> list[object]:
        if column not in rows:
            return [None] * len(rows)
        return [None if pd.isna(x) else float(x) for x in rows[column]]

    def listed(name: str) -> list[object] | None:
        return rows[name].tolist() if name in rows else None

    # The one cell rule (download_cells.figure_cells): a number or blank, and a status word.
    actual, status = figure_cells(
        numbers("actual"),
        listed("suppressed"),
        listed("state"),
        listed("marker"),
        reveal_suppressed=reveal_suppressed,
    )
    new: dict[str, list[object]] = {}
    if "Actual" in present:
        new["actual"] = list(actual)
        new["status"] = list(status)
    if "Target" in present:
        new["target"] = numbers("target")
        upper = numbers("target_upper")
        if any(u is not None for u in upper):
            new["target_upper"] = upper
    if "Benchmark" in present:
        new["benchmark"] = numbers("benchmark")
        labels = rows["benchmark_label"] if "benchmark_label" in rows else [None] * len(rows)
        new["benchmark_label"] = [None if pd.isna(x) else str(x) for x in labels]
    new["unit"] = [None if pd.isna(u) else str(u) for u in rows.get("unit", [None] * len(rows))]
    if "Actual" in present and "state" in rows:
        new["state"] = [None if pd.isna(s) else str(s) for s in rows["state"]]
    out = display.reset_index(drop=True)
    if "RAG" in out.columns and "rag" in rows:
        out["RAG"] = [rating_word(r) for r in rows["rag"]]
    at = min(out.columns.get_loc(c) for c in present)
    out = out.drop(columns=present)
    for offset, (name, column) in enumerate(new.items()):
        out.insert(int(at) + offset, name, pd.Series(column, dtype=object))
    return out
