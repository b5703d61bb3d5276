"""Showing user and URL text safely: as literal text, never as HTML, Markdown or a Streamlit directive.

Streamlit renders most strings (alerts, captions, labels, help text) as Markdown with extras: GitHub
autolinks (``https://...``, ``www....``, e-mail addresses), ``:material/...:`` icons and emoji short
codes, ``:red[...]`` colour directives and ``$...$`` LaTeX. :func:`escape_markdown` is the one function
every piece of user text (commentary, names, file names) and every value taken from a link goes through
before it reaches Markdown:

* every Markdown and HTML control character is backslash-escaped, so ``[x](url)``, ``![x](url)``,
  ``<img ...>``, ``**bold**``, ``$x^2$`` and ``:red[x]`` show as typed;
* a word joiner (U+2060, invisible, zero width) goes after each ``:`` and ``@`` and between ``www``
  and its dot, because Streamlit finds autolinks and icon codes in the text *after* the escapes are
  read, so escaping alone does not stop ``https://evil.example`` from becoming a link or
  ``:material/home:`` from becoming an icon;
* control characters (NUL and the like) are shown as visible symbols (see :func:`visible_controls`);
* ``limit`` shortens an absurdly long value (a 10,000-character parameter) to a readable length.

Where we write HTML ourselves (the timeline grid, slides, the key to ratings), user text goes through
:func:`escape_html` instead.

Pure Python, no Streamlit: tested on its own (tests/test_textsafe.py) and in the browser.
"""

from __future__ import annotations

import html
import re

# Markdown/HTML punctuation: each is escaped with a backslash (CommonMark allows escaping any of them).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:=\"'^%@])")
WORD_JOINER = "\u2060"
# After escaping: "\:" and "\@" get a word joiner after them, as does "www" before its escaped dot.
_BREAK_AFTER = re.compile(r"(\\[:@])")
_WWW = re.compile(r"(?i)(www)(?=\\\.)")
# C0 controls but tab, newline and carriage return; DEL; C1 controls; bidirectional overrides.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
ELLIPSIS = "\u2026"
NOTE_LIMIT = 120


def visible_controls(text: str) -> str:
    """``text`` with each control character replaced by a visible stand-in: C0 controls by their
    Unicode control picture (NUL -> U+2400), the rest by U+FFFD. Tab and line breaks are kept."""

    def picture(m: re.Match[str]) -> str:
        code = ord(m.group(0))
        if code < 0x20:
            return chr(0x2400 + code)
        if code == 0x7F:
            return "\u2421"
        return "\ufffd"

    return _CONTROL.sub(picture, text)


def shorten(text: object, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when it was cut."""
    value = "" if text is None else str(text)
    if limit < 1 or len(value) <= limit:
        return value
    return value[: limit - 1] + ELLIPSIS


def escape_markdown(text: object, limit: int | None = None) -> str:
    """``text`` as Markdown that Streamlit shows exactly as typed (see the module docstring); newlines
    are kept as line breaks. ``limit`` first shortens it to that many characters."""
    if text is None:
        return ""
    value = visible_controls(str(text) if limit is None else shorten(text, limit))
    escaped = _SPECIAL.sub(r"\\\1", value)
    escaped = _BREAK_AFTER.sub(r"\1" + WORD_JOINER, escaped)
    escaped = _WWW.sub(r"\1" + WORD_JOINER, escaped)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "  \n")


def escape_html(text: object, limit: int | None = None) -> str:
    """``text`` for HTML we write ourselves (an element's content or a quoted attribute): every
    ``&``, ``<``, ``>`` and quote as an entity, control characters visible, optionally shortened to
    ``limit`` characters first. Never for Markdown: that is :func:`escape_markdown`."""
    if text is None:
        return ""
    value = str(text) if limit is None else shorten(text, limit)
    return html.escape(visible_controls(value), quote=True)


def quoted(text: object, limit: int = NOTE_LIMIT) -> str:
    """A value from a link or a file for a sentence in a note: shortened, in curly quotes, NOT yet
    escaped (the whole sentence goes through :func:`escape_markdown` where it is shown)."""
    return f"\u2018{visible_controls(shorten(text, limit))}\u2019"
