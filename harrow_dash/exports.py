"""Safe spreadsheet exports: formula-injection neutralising, suppression, the tidy value export.

A cell a spreadsheet program would run as a formula (text starting with = + - @, a tab or a carriage
return) is prefixed with an apostrophe so it shows as text. Numbers stay numbers. Suppressed counts are
exported as "fewer than N", never the raw figure.
"""

from __future__ import annotations

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
        elif col.dtype == object:
            risky = np.array([isinstance(v, str) and v.startswith(DANGEROUS_STARTS) for v in col])
        else:
            continue  # numbers, dates and booleans cannot start a formula
        if risky.any():
            cells = col.astype(object).to_numpy(copy=True)
            cells[risky] = ["'" + v for v in cells[risky]]
            out.isetitem(i, pd.Series(cells, index=out.index, dtype=object))
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
    rated = rate(values, rules, texts=False)
    if len(rated):
        keys = rated["period"].astype(int)
        labels = {k: Period.from_key(k).label for k in keys.unique().tolist()}
        rated["period"] = keys.map(labels)
    out = rated.reindex(columns=TIDY_EXPORT_COLUMNS)
    hide = rated["suppressed"].astype(bool) if len(rated) else None
    if hide is not None and not rules.reveal_suppressed and hide.any():
        # The words a suppressed count is shown as, from the rules (rated again, only those rows).
        words = rate(values[hide.to_numpy()], rules)["actual_text"].to_numpy()
        actual = out["actual"].astype(object).to_numpy(copy=True)
        actual[hide.to_numpy()] = words
        out["actual"] = pd.Series(actual, index=out.index, dtype=object)
    return neutralise_frame(out)
