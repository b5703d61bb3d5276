"""Shared Streamlit pieces: the page frame, filter bar, RAG badges. The only place Streamlit is imported."""
