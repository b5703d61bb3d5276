"""What the dashboard shows and hands out, built without Streamlit: what each page shows,
charts, HTML tables, comparisons, exports, open data, the briefing pack and the slides.
"""
