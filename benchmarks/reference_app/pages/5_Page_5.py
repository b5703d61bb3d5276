"""Reference page 5 (see ../app.py)."""

from common import draw

draw("Page 5", 5)
