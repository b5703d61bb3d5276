"""Harrow performance dashboard: the functional core (no Streamlit outside harrow_dash.ui)."""
