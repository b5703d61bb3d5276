"""Reference page 2 (see ../app.py)."""

from common import draw

draw("Page 2", 2)
