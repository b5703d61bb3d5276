"""Showing user text (commentary, achievements) safely: as literal text, never as HTML or Markdown.

Streamlit renders strings as Markdown; escaping every Markdown and HTML control character makes the
text appear exactly as typed, so a commentary containing ``<script>`` or ``[link](...)`` is shown, not run.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:=\"'])")


def escape_markdown(text: object) -> str:
    """Text with every Markdown/HTML control character backslash-escaped; newlines kept as breaks."""
    if text is None:
        return ""
    escaped = _SPECIAL.sub(r"\\\1", str(text))
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")
