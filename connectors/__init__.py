"""Clients of outside data sources (public registers): HTTP in, parsed JSON out; no SQL, no business rules."""
