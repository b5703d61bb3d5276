"""Safe spreadsheet exports: formula-injection neutralising, suppression, the tidy value export.

A cell a spreadsheet program would run as a formula (text starting with = + - @, a tab or a carriage
return) is prefixed with an apostrophe so it shows as text. Numbers stay numbers. Suppressed counts are
exported as "fewer than N", never the raw figure.
"""

from __future__ import annotations

from dataclasses import replace

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
    out = frame.copy()
    out.columns = [str(neutralise(str(c))) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise).astype(object)
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
    small counts of people as "fewer than N" and withholds the ratings worked out from them."""
    # The editor's export holds stored values, so nothing in it is withheld (see disclosure.py).
    rated = rate(values, replace(rules, reveal_suppressed=rules.reveal_suppressed or not public))
    out = rated.reindex(columns=TIDY_EXPORT_COLUMNS).astype(object)
    if not len(out):
        return out.drop(columns=["commentary_internal"]) if public else out
    out["period"] = [Period.from_key(int(k)).label for k in rated["period"]]
    not_due = rated["not_due"].fillna(False).astype(bool) & rated["actual"].isna()
    out.loc[not_due, "actual"] = NOT_DUE_WORD
    out["computed_rag"] = (
        rated["computed_rag"].astype(object).where(rated["computed_rag"].notna(), None)
    )
    internal = (
        rated["commentary_internal"].astype(object)
        if "commentary_internal" in rated
        else pd.Series(None, index=rated.index, dtype=object)
    )
    out["commentary_internal"] = ["yes" if v is True or v == 1 else "no" for v in internal]
    if public:
        hide = rated["suppressed"].fillna(False).astype(bool)
        if hide.any():
            out.loc[hide, "actual"] = rated.loc[hide, "actual_text"]
            out.loc[hide, ["official_rag", "computed_rag"]] = WITHHELD_TEXT
        out = out.drop(columns=["commentary_internal"])
    return neutralise_frame(out)
