"""Reference page 3 (see ../app.py)."""

from common import draw

draw("Page 3", 3)
