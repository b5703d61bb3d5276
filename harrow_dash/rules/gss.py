"""The symbols the Government Statistical Service (GSS) writes in figure cells, read one way everywhere.

GSS guidance on symbols in tables puts a short code in square brackets in a cell instead of a number
(``[x]`` not available, ``[c]`` confidential) or after one (``69% [p]`` provisional). Published
spreadsheets (ONS, DfE, OHID, DLUHC, Oflog) and councils' own accessible workbooks follow it. This
module is the one place that says what each symbol means; the readers of indicator values and of
comparator values both ask it.

* A **whole-cell symbol** stands for a figure that is not given: ``[x]`` not available, ``[z]`` not
  applicable (no figure: never zero), ``[c]`` confidential, ``[low]`` a low figure that would round
  to zero and ``[w]`` no or few events (each a figure held back: *suppressed*).
* A **marker** follows a number and qualifies it: ``[p]`` provisional, ``[r]`` revised, ``[e]``
  estimated, ``[er]`` estimated and revised, ``[u]`` low reliability, ``[b]`` break in the time
  series, ``[f]`` forecast. The number loads; the marker is kept and shown in words.
* A footnote marker (``[note 3]``, ``[Note 12]``) in a heading or after a number is not data and is
  dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Symbol:
    code: str  # as written, without brackets, lower case: "p"
    words: str  # what it means, as shown beside a figure: "provisional"
    kind: str  # "missing" (no figure), "suppressed" (figure held back) or "marker" (qualifies one)


SYMBOLS: dict[str, Symbol] = {
    s.code: s
    for s in (
        Symbol("x", "not available", "missing"),
        Symbol("z", "not applicable", "missing"),
        Symbol("c", "confidential", "suppressed"),
        Symbol("low", "low figure", "suppressed"),
        Symbol("w", "no or few events", "suppressed"),
        Symbol("p", "provisional", "marker"),
        Symbol("r", "revised", "marker"),
        Symbol("e", "estimated", "marker"),
        Symbol("er", "estimated and revised", "marker"),
        Symbol("u", "low reliability", "marker"),
        Symbol("b", "break in the time series", "marker"),
        Symbol("f", "forecast", "marker"),
    )
}

_BRACKETED = re.compile(r"\[\s*([a-z]{1,3}|note\s*\d+[a-z]?)\s*\]", re.I)
_TRAILING = re.compile(r"(?:\s*\[\s*(?:[a-z]{1,3}|note\s*\d+[a-z]?)\s*\])+\s*$", re.I)
_NOTE = re.compile(r"\s*\[\s*note\s*\d+[a-z]?\s*\]", re.I)


def strip_notes(text: str) -> str:
    """``Q3 23/24 [note 1]`` -> ``Q3 23/24``: footnote markers are not part of a heading."""
    return _NOTE.sub("", text).strip()


@dataclass
class SplitCells:
    """A column of figure cells with GSS symbols taken out (aligned with the input)."""

    text: pd.Series  # the cell without its symbols: the number to read ("" for a whole-cell symbol)
    missing: pd.Series  # bool: a whole-cell symbol for no figure ([x], [z])
    suppressed: pd.Series  # bool: a whole-cell symbol for a figure held back ([c], [low], [w])
    symbol: pd.Series  # words of a whole-cell symbol ("not available"), "" where none
    unknown: pd.Series  # a bracketed code this module does not know ("[q]"), "" where none
    # The cell's symbols as stored with the value (:func:`stored_marker`): the marker codes after a
    # number ("p", "p,e") or a whole-cell symbol's code ("x", "c"); "" where none.
    codes: pd.Series


def split_one(text: str) -> tuple[str, tuple[str, ...], str | None, str | None]:
    """One cell: (what is left, marker codes, whole-cell symbol code or None, unknown code or None)."""
    stripped = text.strip()
    m = _TRAILING.search(stripped)
    if not m:
        return stripped, (), None, None
    body = stripped[: m.start()].strip()
    codes = [
        c.lower().replace(" ", "")
        for c in _BRACKETED.findall(m.group())
        if not c.lower().startswith("note")
    ]
    unknown = next((c for c in codes if c not in SYMBOLS), None)
    if unknown is not None:
        return stripped, (), None, unknown
    if not body:
        whole = [c for c in codes if SYMBOLS[c].kind != "marker"]
        if len(codes) == 1 and whole:
            return "", (), whole[0], None
        if not codes:  # only footnotes: a blank cell with a note
            return "", (), None, None
        # A marker with no number ("[p]" alone) or two symbols for no figure: not readable.
        return stripped, (), None, "".join(f"[{c}]" for c in codes)
    if any(SYMBOLS[c].kind != "marker" for c in codes):
        # "12 [c]": a number beside a symbol that says there is none.
        return stripped, (), None, "".join(f"[{c}]" for c in codes)
    return body, tuple(dict.fromkeys(codes)), None, None


def symbol_problem(text: str, unknown: str, label: str | None = None) -> str:
    """Why a figure cell with a symbol cannot be read (``unknown`` as :func:`split_one` gives it):
    an unknown code, a number beside a symbol for no figure (``12 [c]``), a marker alone. ``label``
    names the figure (``actual``) where a row has several."""
    where = f" ({label})" if label else ""
    if not unknown.startswith("["):
        return (
            f"'{text.strip()}' has the symbol [{unknown}], which is not a GSS symbol{where}; use "
            "[x] not available, [z] not applicable, [c] confidential, [low] or [w] for no figure, "
            "or [p], [r], [e], [u] after a number."
        )
    codes = [c.lower() for c in _BRACKETED.findall(unknown)]
    if codes and all(SYMBOLS[c].kind == "marker" for c in codes if c in SYMBOLS):
        # "[p]" alone: a marker qualifies a number, and there is none.
        return (
            f"'{text.strip()}' cannot be read{where}: {unknown} ({marker_words(stored_marker(codes))}) "
            "qualifies a number; write the number before it (69% [p])."
        )
    if len(codes) > 1 and not _TRAILING.sub("", text).strip():
        return (
            f"'{text.strip()}' cannot be read{where}: give one symbol for no figure, not {unknown}."
        )
    return (
        f"'{text.strip()}' cannot be read{where}: {unknown} must stand alone for no figure, or "
        "follow a number when it qualifies one (69% [p])."
    )


def split_symbols(cells: pd.Series) -> SplitCells:
    """Take GSS symbols out of a column of figure cells (text), reading each distinct text once."""
    s = cells.astype(object).where(cells.notna(), "").astype(str)
    codes, distinct = pd.factorize(s)
    rows = [split_one(t) for t in distinct]

    def spread(values: list[object], dtype: object = object) -> pd.Series:
        return pd.Series(pd.array(values, dtype=dtype).take(codes), index=cells.index)  # type: ignore[call-overload]

    return SplitCells(
        text=spread([r[0] for r in rows], "str"),
        missing=spread([r[2] is not None and SYMBOLS[r[2]].kind == "missing" for r in rows], bool),
        suppressed=spread(
            [r[2] is not None and SYMBOLS[r[2]].kind == "suppressed" for r in rows], bool
        ),
        symbol=spread([SYMBOLS[r[2]].words if r[2] else "" for r in rows], "str"),
        unknown=spread([r[3] or "" for r in rows], "str"),
        codes=spread([stored_marker(r[1] or ((r[2],) if r[2] else ())) for r in rows], "str"),
    )


def has_symbols(cells: pd.Series) -> bool:
    """Whether any cell holds a bracket at all (a large clean column is not split cell by cell).
    A text column is searched as it is (a million cells in milliseconds), others as text."""
    if pd.api.types.is_string_dtype(cells.dtype) and cells.dtype != object:
        return bool(cells.str.contains("[", regex=False).fillna(False).any())
    s = cells.astype(object).where(cells.notna(), "").astype(str)
    return bool(s.str.contains("[", regex=False).any())


# -- the marker stored with a value, and its words -------------------------------------------------
#
# A value's marker is stored as its GSS codes, comma-separated, in the order written: "p", "p,e" for
# markers after a number, or one whole-cell symbol's code ("x", "z", "c", "low", "w") for a value with
# no figure. NULL (or "") is no marker.

_SEPARATOR = ","


def stored_marker(codes: tuple[str, ...] | list[str]) -> str:
    """The stored form of a cell's symbol codes: ``("p", "e")`` -> ``"p,e"``; none -> ``""``."""
    return _SEPARATOR.join(dict.fromkeys(codes))


def marker_codes(stored: object) -> tuple[str, ...]:
    """A stored marker's codes (``"p,e"`` -> ``("p", "e")``); NULL, NaN or blank -> ``()``."""
    if not isinstance(stored, str) or not stored.strip():
        return ()
    return tuple(c.strip() for c in stored.split(_SEPARATOR) if c.strip())


def marker_words(stored: object) -> str:
    """THE words for a stored marker, wherever a figure is shown (pages, downloads, briefing):
    ``"p"`` -> ``"provisional"``, ``"p,e"`` -> ``"provisional, estimated"``, ``"x"`` -> ``"not
    available"``, ``"c"`` -> ``"held back (confidential)"``; no marker -> ``""``. A code this version
    does not know is shown as written, in brackets, rather than dropped."""
    words = []
    for code in marker_codes(stored):
        symbol = SYMBOLS.get(code)
        if symbol is None:
            words.append(f"[{code}]")
        elif symbol.kind == "suppressed":
            words.append(f"held back ({symbol.words})")
        else:
            words.append(symbol.words)
    return ", ".join(words)


def no_figure(stored: object) -> bool:
    """Whether a stored marker is a whole-cell symbol: the value has no figure, by the symbol."""
    codes = marker_codes(stored)
    return len(codes) == 1 and codes[0] in SYMBOLS and SYMBOLS[codes[0]].kind != "marker"


# Every way a marker column may spell a symbol: its code ("p", "[p]"), its words ("provisional") and
# the words shown for it ("held back (confidential)"), any case.
_SPELLINGS: dict[str, str] = {}
for _s in SYMBOLS.values():
    for _spelling in (_s.code, f"[{_s.code}]", _s.words, marker_words(_s.code)):
        _SPELLINGS[_spelling.lower()] = _s.code


def read_marker(text: str) -> str:
    """A marker column's cell (``provisional``, ``[p]``, ``p``, ``provisional, estimated``, ``not
    available``) as the stored marker (``"p"``, ``"p,e"``, ``"x"``); blank -> ``""``. Raises
    ``ValueError`` with the reason for anything else, or for a whole-cell symbol given with another."""
    parts = [p.strip() for p in re.split(r"[,;]|\]\s*\[", text.strip()) if p.strip()]
    codes = []
    for part in parts:
        key = part.lower()
        if key.startswith("[") != key.endswith("]") or key.count("[") > 1:
            key = key.strip("[]").strip()
        code = _SPELLINGS.get(key) or _SPELLINGS.get(key.strip("[]").strip())
        if code is None:
            raise ValueError(
                f"'{text.strip()}' is not a marker; use the words or the GSS symbol: "
                + ", ".join(f"{s.words} [{s.code}]" for s in SYMBOLS.values())
                + "."
            )
        codes.append(code)
    whole = [c for c in codes if SYMBOLS[c].kind != "marker"]
    if whole and len(set(codes)) > 1:
        raise ValueError(
            f"'{text.strip()}': '{marker_words(whole[0])}' means there is no figure, so it cannot "
            "go with another marker; give one."
        )
    return stored_marker(codes)
