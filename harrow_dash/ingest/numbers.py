"""Reading numbers the way people type them in spreadsheets, a whole column at a time.

Accepts thousands separators (1,234), currency (£1,234, £1.4m, £250k), percentages (85%), trailing
spaces and non-breaking spaces. Blank, "n/a", "-" and "not reported" mean *no value* (never zero);
"not due" marks an annual measure outside its reporting quarter. A minus sign may come before or
after the currency sign (``-£250k`` and ``£-250k`` are the same number). Infinite and overflowing
numbers (``inf``, ``1e999``) are not numbers, nor is ``NaN`` (a program's "not a number" written
out, never a figure someone reported): it is refused like ``inf``, not read as a blank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING_WORDS = frozenset(
    {
        "",
        "n/a",
        "na",
        "n.a.",
        "-",
        "\u2013",
        "\u2014",
        "not reported",
        "not yet reported",
        "nr",
        "tbc",
        "..",
        "null",
        "none",
        "no data",
    }
)
NOT_DUE_WORDS = frozenset({"not due", "not due this quarter", "nd", "not yet due", "annual"})


@dataclass
class ParsedNumbers:
    values: pd.Series  # float, NaN where no number
    missing: pd.Series  # bool: blank or a "no value" word
    not_due: pd.Series  # bool: "not due"
    percent_sign: pd.Series  # bool: written with a % sign
    bad: pd.Series  # bool: text that is not a number nor a known word
    infinite: pd.Series | None = (
        None  # bool: a number too large to be finite (inf, 1e999); also bad
    )


# The text dtype readers produce (``dtype=str``); such columns skip a round trip through objects.
_STR_DTYPE = pd.Series([], dtype=str).dtype


def _distinct(s: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes and distinct values of a column without missing values: a column of a large file repeats
    the same few texts (names, priorities, units, quarters), so each rule runs once per distinct text
    and the result is spread back with the codes."""
    codes, uniques = pd.factorize(s)
    return codes, pd.Series(uniques, dtype=s.dtype)


def _texts(series: pd.Series) -> tuple[pd.Series, np.ndarray, pd.Series, pd.Series]:
    """The column as text (None as ''), its codes, its distinct texts, and those texts cleaned."""
    if series.dtype == _STR_DTYPE:
        s = series.fillna("")
    else:
        s = series.astype(object).where(series.notna(), "").astype(str)
    codes, distinct = _distinct(s)
    cleaned = (
        distinct.str.replace("\ufeff", "", regex=False)
        .str.replace("\u00a0", " ", regex=False)
        .str.strip()
    )
    return s, codes, distinct, cleaned


def clean_text(series: pd.Series) -> pd.Series:
    """Strip spaces (including non-breaking ones) and byte-order marks; None becomes ''."""
    s, codes, distinct, cleaned = _texts(series)
    if cleaned.equals(distinct):  # already clean, as most columns are: no need to rebuild it
        return s
    return pd.Series(cleaned.array.take(codes), index=series.index, name=series.name)


def parse_numbers(series: pd.Series) -> ParsedNumbers:
    # Each distinct text is read once (reading is element by element) and spread back by its code.
    _, codes, _, cleaned = _texts(series)
    parsed = _parse_distinct(cleaned)
    spread = [
        pd.Series(getattr(parsed, f).to_numpy()[codes], index=series.index, name=series.name)
        for f in ("values", "missing", "not_due", "percent_sign", "bad", "infinite")
    ]
    return ParsedNumbers(*spread)


def _parse_distinct(text: pd.Series) -> ParsedNumbers:
    # Most texts are plain numbers: read them in one step, and only the rest (blanks, words, money,
    # percentages, thousands separators) by the rules below, which read a plain number the same.
    plain = pd.to_numeric(text, errors="coerce").astype(float)
    finite = np.isfinite(plain.to_numpy())
    no = pd.Series(False, index=text.index)
    if finite.all():
        return ParsedNumbers(plain, no, no, no, no, no)
    if not finite.any():
        return _parse_written(text)
    rest = _parse_written(text[~finite])
    where = np.flatnonzero(~finite)

    def spread(got: pd.Series | None, plain_value: np.ndarray) -> pd.Series:
        out = plain_value.copy()
        if got is not None:
            out[where] = got.to_numpy(dtype=out.dtype)
        return pd.Series(out, index=text.index)

    flags = np.zeros(len(text), dtype=bool)
    return ParsedNumbers(
        spread(rest.values, plain.to_numpy()),
        spread(rest.missing, flags),
        spread(rest.not_due, flags),
        spread(rest.percent_sign, flags),
        spread(rest.bad, flags),
        spread(rest.infinite, flags),
    )


def _parse_written(text: pd.Series) -> ParsedNumbers:
    """Numbers as people write them (see the module's docstring), one text at a time."""
    lower = text.str.lower()
    missing = lower.isin(MISSING_WORDS)
    not_due = lower.isin(NOT_DUE_WORDS)
    percent = lower.str.endswith("%")
    body = lower.str.replace(r"[,\s%]", "", regex=True)
    # Accounting brackets: (£1.5m) and (250) are negative.
    bracketed = body.str.startswith("(") & body.str.endswith(")")
    body = body.where(~bracketed, "-" + body.str[1:-1])
    # A sign before or after the pound sign: -£250k, £-250k (and +£1m, £+1m) read alike.
    signed = body.str.extract(r"^(?P<s1>[-+]?)£(?P<s2>[-+]?)(?P<rest>.*)$")
    money = signed["rest"].notna()
    sign = signed["s1"].fillna("") + signed["s2"].fillna("")
    body = body.where(~money, sign.where(sign.str.len() <= 1, "bad") + signed["rest"].fillna(""))
    multiplier = np.where(
        money & body.str.endswith("m"), 1e6, np.where(money & body.str.endswith("k"), 1e3, 1.0)
    )
    body = body.where(multiplier == 1.0, body.str[:-1])
    values = pd.to_numeric(body.where(~(missing | not_due), None), errors="coerce").astype(float)
    values = values * multiplier
    infinite = ~np.isfinite(values.to_numpy()) & values.notna().to_numpy()
    values = values.where(~infinite, np.nan)
    bad = values.isna() & ~missing & ~not_due
    infinite_s = pd.Series(infinite, index=text.index)
    return ParsedNumbers(values, missing, not_due, percent & ~bad, bad, infinite_s)
