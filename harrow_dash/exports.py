"""Safe spreadsheet exports: formula-injection neutralising, suppression, the tidy value export.

A cell a spreadsheet program would run as a formula (text starting with = + - @, a tab or a carriage
return) is prefixed with an apostrophe so it shows as text. Numbers stay numbers. Suppressed counts are
exported as "fewer than N", never the raw figure.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from harrow_dash.periods import Period
from harrow_dash.scorecard import RuleSettings, rate

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
    out = frame.copy()
    out.columns = [str(neutralise(str(c))) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if pd.api.types.is_string_dtype(col) and col.dtype != object:
            risky = col.str.startswith(DANGEROUS_STARTS).fillna(False).to_numpy(dtype=bool)
        elif col.dtype == object:  # each distinct value checked once
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
    "period",
    "actual",
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
WITHHELD_TEXT = "withheld: small number"


def tidy_export(values: pd.DataFrame, rules: RuleSettings, public: bool = False) -> pd.DataFrame:
    """All indicator values as a tidy table: one row per indicator per quarter, canonical periods.

    The editor's export (``public=False``) holds the stored values: the raw actual, the official RAG
    (blank where the council gave none) and the RAG the rules compute, in separate columns, and
    "not due" where a value is marked so. Loading it back changes nothing. The public export
    (``public=True``, from a public store: published quarters, internal commentary blanked) writes
    small counts of people as "fewer than N" and withholds the ratings worked out from them.

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
    hide = rated["suppressed"].fillna(False).astype(bool).to_numpy() if public else None
    if not_due.any() or (hide is not None and hide.any()):
        actual = out["actual"].astype(object).to_numpy(copy=True)
        actual[not_due] = NOT_DUE_WORD
        if hide is not None and hide.any():
            # The words a suppressed count is shown as, from the rules (those rows rated again).
            actual[hide] = rate(values[hide], rules)["actual_text"].to_numpy()
        out["actual"] = pd.Series(actual, index=out.index, dtype=object)
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
    if public:
        assert hide is not None
        if hide.any():
            out["official_rag"] = out["official_rag"].astype(object)
            out.loc[hide, ["official_rag", "computed_rag"]] = WITHHELD_TEXT
        out = out.drop(columns=["commentary_internal"])
    return neutralise_frame(out)
    return neutralise_frame(out)
