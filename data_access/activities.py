"""Writing the customer activity log (notes, calls, promises to pay); the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from data_access.ledger import bump_data_version, utcnow
from data_access.schema import Activity, Customer
from domain.activity import ActivityError, NewActivity, validate


def add_activity(conn: Connection, customer_id: int, activity: NewActivity) -> int:
    """Validate and store one activity; returns its id. Raises ActivityError and writes nothing when invalid."""
    a = validate(activity)
    if conn.execute(select(Customer.id).where(Customer.id == customer_id)).first() is None:
        raise ActivityError("customer", f"customer {customer_id} does not exist", customer_id=customer_id)
    new_id = conn.execute(
        insert(Activity)
        .values(
            customer_id=customer_id,
            activity_date=a.activity_date,
            kind=a.kind,
            text=a.text or None,
            promised_amount=a.promised_amount,
            promised_date=a.promised_date,
            author=a.author,
            created_at=utcnow(),
        )
        .returning(Activity.id)
    ).scalar_one()
    bump_data_version(conn)
    return int(new_id)
