"""Reference page 4 (see ../app.py)."""

from common import draw

draw("Page 4", 4)
