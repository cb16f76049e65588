"""Reusable widgets, pure plotly figure builders and the one visual theme."""
