"""First start: migrate, and on a brand-new default database seed the demo portfolio."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from data_access.ledger import bump_data_version, get_setting, set_setting
from data_access.migrate import upgrade
from data_access.schema import Customer
from data_access.statutory import ensure_statutory


@dataclass(frozen=True)
class Bootstrap:
    migrated: bool
    seeded: bool


def ensure_ready(engine: Engine, seed_demo_if_new: bool) -> Bootstrap:
    """Apply migrations; a database never initialised before gets the demo portfolio when asked."""
    migrated = upgrade(engine)
    seeded = False
    with engine.begin() as conn:
        ensure_statutory(conn)  # the dated statutory figures, editable from then on
        if get_setting(conn, "initialized", False):
            return Bootstrap(migrated, False)
        empty = conn.execute(select(func.count()).select_from(Customer)).scalar_one() == 0
        if seed_demo_if_new and empty:
            from data_access.demo import DemoSpec, seed_demo

            seed_demo(conn, DemoSpec())
            seeded = True
        set_setting(conn, "initialized", True)
        bump_data_version(conn)
    return Bootstrap(migrated, seeded)


def init_empty(engine: Engine) -> None:
    """Migrate and mark the database initialised without demo data (`db init --empty`)."""
    upgrade(engine)
    with engine.begin() as conn:
        ensure_statutory(conn)
        set_setting(conn, "initialized", True)
        set_setting(conn, "demo_mode", False)
        bump_data_version(conn)
