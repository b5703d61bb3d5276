"""Reference page 6 (see ../app.py)."""

from common import draw

draw("Page 6", 6)
