"""Allocation rules: which payment, credit note or write-off closes which invoice, and when."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# Within one document date: credit notes first, then payments, then write-offs (a write-off closes
# what is left after the money that arrived the same day).
KIND_ORDER = {"credit_note": 0, "payment": 1, "write_off": 2}


class AllocationError(ValueError):
    """A document that cannot be allocated as stated."""


@dataclass(frozen=True)
class InvoiceDoc:
    id: int
    number: str
    customer_id: int
    currency: str
    issue_date: date
    amount: Decimal  # > 0


@dataclass(frozen=True)
class CreditDoc:
    """A payment, a credit note or a write-off; `amount` is the positive credit it carries."""

    kind: str
    id: int
    ref: str
    customer_id: int
    currency: str
    doc_date: date
    amount: Decimal
    invoice_number: str | None


@dataclass(frozen=True)
class Allocation:
    invoice_id: int
    kind: str
    source_id: int
    alloc_date: date
    amount: Decimal


def allocate(invoices: Iterable[InvoiceDoc], credits: Iterable[CreditDoc]) -> list[Allocation]:
    """Apply credits in order of document date, credit notes before payments, then reference.

    A credit naming an invoice is allocated up to the invoice's remaining amount, dated
    max(its own date, the invoice's issue date); the excess, and credits naming no invoice, stay
    unapplied (no allocation row). A write-off larger than what is left is an error.
    """
    by_number = {i.number: i for i in invoices}
    remaining = {i.id: i.amount for i in by_number.values()}
    out: list[Allocation] = []
    for c in sorted(credits, key=lambda c: (c.doc_date, KIND_ORDER[c.kind], c.ref)):
        if c.invoice_number is None or c.amount == 0:
            continue
        inv = by_number.get(c.invoice_number)
        label = c.kind.replace("_", " ")
        if inv is None:
            raise AllocationError(f"{label} {c.ref} names invoice {c.invoice_number}, which does not exist")
        if inv.customer_id != c.customer_id:
            raise AllocationError(f"{label} {c.ref} names invoice {c.invoice_number} of another customer")
        if inv.currency != c.currency:
            raise AllocationError(
                f"{label} {c.ref} is in {c.currency} but invoice {c.invoice_number} is in {inv.currency}"
            )
        left = remaining[inv.id]
        take = min(left, c.amount)
        if c.kind == "write_off" and c.amount > left:
            raise AllocationError(
                f"write-off {c.ref} of {c.amount} exceeds the {left} left open on invoice {inv.number}"
            )
        if take > 0:
            remaining[inv.id] = left - take
            out.append(Allocation(inv.id, c.kind, c.id, max(c.doc_date, inv.issue_date), take))
    return out


def settled_on(allocations: Iterable[Allocation], amounts: Mapping[tuple[str, int], Decimal]) -> dict:
    """The date each document was fully allocated (the date of the allocation that closed it).

    `amounts` maps ("invoice", id) and (credit kind, id) to the positive amount to allocate; documents
    missing from the result are still (partly) open. A document is an open item as of D exactly when its
    own date <= D < this date.
    """
    total: dict[tuple[str, int], Decimal] = {}
    last: dict[tuple[str, int], date] = {}
    for a in allocations:
        for key in (("invoice", a.invoice_id), (a.kind, a.source_id)):
            total[key] = total.get(key, Decimal(0)) + a.amount
            last[key] = max(last.get(key, a.alloc_date), a.alloc_date)
    return {key: last[key] for key, amount in amounts.items() if key in total and total[key] == amount}
