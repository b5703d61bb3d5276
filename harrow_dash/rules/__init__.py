"""The domain rules, pure: periods, RAG, direction of travel, suppression, disclosure, units,
filters and the corporate plan. No database, no files, no Streamlit: every layer above
applies these, so each rule lives in one function.
"""
