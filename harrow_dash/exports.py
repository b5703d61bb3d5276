"""Safe spreadsheet exports: formula-injection neutralising, suppression, the tidy value export.

A cell a spreadsheet program would run as a formula (text starting with = + - @, a tab or a carriage
return) is prefixed with an apostrophe so it shows as text. Numbers stay numbers. Suppressed counts are
exported as "fewer than N", never the raw figure.
"""

from __future__ import annotations

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
    "rag",
    "official_rag",
    "computed_rag",
    "state",
    "commentary",
    "benchmark",
    "benchmark_label",
]


def tidy_export(values: pd.DataFrame, rules: RuleSettings) -> pd.DataFrame:
    """All indicator values as a tidy table: one row per indicator per quarter, canonical periods,
    RAG as the rules give it, suppressed counts hidden unless ``rules.reveal_suppressed``."""
    rated = rate(values, rules)
    rated["period"] = [Period.from_key(int(k)).label for k in rated["period"]] if len(rated) else []
    hide = (
        rated["suppressed"] & (not rules.reveal_suppressed)
        if len(rated)
        else rated.get("suppressed")
    )
    out = rated.reindex(columns=TIDY_EXPORT_COLUMNS).astype(object)
    if len(out) and hide is not None and hide.any():
        out.loc[hide, "actual"] = rated.loc[hide, "actual_text"]
    return neutralise_frame(out)
