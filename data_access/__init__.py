"""Engine, schema, migrations and queries: the only package that talks SQL."""
