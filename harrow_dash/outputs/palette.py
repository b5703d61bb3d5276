"""Colours: RAG and status colours with at least 3:1 contrast against white (4.5:1 for the white
labels drawn on them) and the Government Analysis Function categorical palette. Never used alone:
every RAG colour comes with a word and an icon or shape."""

from __future__ import annotations

RAG_COLOURS = {
    "Green": "#00703C",  # 6.2:1 on white
    "Amber": "#B35C00",  # 4.7:1
    "Red": "#D4351C",  # 4.9:1
    "Withheld": "#505A5F",  # 7:1; a rating not shown because it would reveal a small count
    "Not rated": "#6F777B",  # 4.6:1
}
# Marker shapes per RAG for charts (shape as well as colour).
RAG_SHAPES = {
    "Green": "circle",
    "Amber": "triangle-up",
    "Red": "square",
    "Withheld": "cross",
    "Not rated": "diamond",
}

ACTION_COLOURS = {
    "Complete": "#12436D",
    "Green": "#00703C",
    "Amber": "#B35C00",
    "Red": "#D4351C",
    "Not started / not yet due": "#6F777B",
}
# Words for RAG categories in sentences ("3 green, 1 rating withheld (small number)").
RAG_WORDS = {
    "Green": "green",
    "Amber": "amber",
    "Red": "red",
    "Withheld": "rating withheld (small number)",
    "Not rated": "not rated",
}
# The same words after a count other than one, where they differ ("2 ratings withheld ...").
_PLURAL_WORDS = {"rating withheld (small number)": "ratings withheld (small number)"}


def counted(count: int, word: str) -> str:
    """'1 rating withheld (small number)', '2 ratings withheld (small number)', '3 green': the one
    rule for a count beside its category's words, in every sentence that counts ratings."""
    return f"{count} {word if count == 1 else _PLURAL_WORDS.get(word, word)}"


ACTION_GROUP_WORDS = {
    "Complete": "complete",
    "Green": "on track",
    "Amber": "minor slippage",
    "Red": "off track",
    "Not started / not yet due": "not started or not yet due",
}

# Government Analysis Function categorical palette, in order.
CATEGORICAL = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1"]
TARGET_COLOUR = "#3D3D3D"
BENCHMARK_COLOUR = "#8A8A8A"

# Corrective action statuses (harrow_dash.rules.corrective_status), behind white labels; always with a
# symbol and the word (harrow_dash.outputs.follow_up.status_label).
CORRECTIVE_COLOURS = {
    "overdue": "#D4351C",  # 4.9:1
    "agreed": "#505A5F",  # 7:1
    "in progress": "#1D70B8",  # 5.2:1
    "done": "#00703C",  # 6.2:1
    "dropped": "#6F777B",  # 4.6:1
}
