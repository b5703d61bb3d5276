"""The injection payloads every escaping test uses (issue 13's list): Markdown links and images, HTML,
emphasis, colour and icon codes, LaTeX, bare URLs and a 10,000-character value."""

from __future__ import annotations

LONG = "A" * 10_000
PAYLOADS = [
    "[x](https://evil.example)",
    "![x](https://evil.example/t.png)",
    "<img src=x onerror=alert(1)>",
    "**bold**",
    ":red[x]",
    "$x^2$",
    ":material/home:",
    "https://evil.example",
    "www.evil.example",
    LONG,
]
