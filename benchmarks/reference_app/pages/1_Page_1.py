"""Reference page 1 (see ../app.py)."""

from common import draw

draw("Page 1", 1)
