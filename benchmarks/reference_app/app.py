"""Reference app for ``make bench``: a minimal multipage Streamlit app, run with Streamlit's defaults,
that the dashboard's serving figures are compared with (see benchmarks/serving.py)."""

from common import draw

draw("Overview", 0)
