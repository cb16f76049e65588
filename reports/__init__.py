"""PDF reports: prepared data in, PDF bytes out; no queries, no Streamlit."""
