"""Pure definitions and calculations: no Streamlit, no SQLAlchemy, no clock."""
