"""Collections records and the worklist: disputes, payment plans, promises, dunning steps marked sent, pauses, cash
applied by hand, and per customer the next step, interest, fees and compensation. The caller owns the transaction;
every write records its author and bumps the data version; bad input raises CollectionsError and writes nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, func, insert, or_, select, update

from data_access.asof import open_items
from data_access.kpis import rates_as_of
from data_access.ledger import (
    active_policy,
    base_currency,
    bump_data_version,
    company_profile,
    rebuild_allocations,
    utcnow,
)
from data_access.limits import policy_version
from data_access.schema import (
    OPEN_UNTIL_OPEN,
    Activity,
    Allocation,
    CashApplication,
    CollectionPause,
    Customer,
    Dispute,
    DunningStatus,
    DunningStep,
    Invoice,
    Payment,
    PaymentPlan,
    PlanInstalment,
    PlanInvoice,
)
from data_access.statutory import statutory_table
from domain.aging import Basis
from domain.allocation import AllocationError
from domain.collections import (
    CASH_DOC_KINDS,
    OUTCOMES,
    OWNERS,
    CollectionsError,
    OverdueInvoice,
    PlanStatus,
    WorklistRow,
    build_row,
    check_instalments,
    converter,
    first_missed,
    instalment_statuses,
    positive_amount,
    required_text,
    sent_steps_from_status,
    step_label,
)
from domain.collections import promise_status as _promise_status
from domain.dunning import COUNTRY_CURRENCY, DEFAULT_LADDERS, CountryLadder, SentStep
from domain.instalments import equal_instalments
from domain.money import ZERO, q2
from reports.letters import LetterData, LetterLine

AlertTuple = tuple[int, str, date, str, dict]  # (customer_id, key, since, message, params)


# --- shared helpers -----------------------------------------------------------------------------------------------


def _author(author: str | None) -> str:
    return required_text(author, "author", "an author (enter your name under Acting as)")


def _customer(conn: Connection, customer_id: int):
    row = conn.execute(
        select(Customer.id, Customer.customer_ref, Customer.name, Customer.country, Customer.currency).where(
            Customer.id == customer_id
        )
    ).one_or_none()
    if row is None:
        raise CollectionsError("unknown_customer", f"customer {customer_id} does not exist", customer_id=customer_id)
    return row


def _invoice(conn: Connection, number: str):
    row = conn.execute(select(Invoice.__table__).where(Invoice.invoice_number == number)).one_or_none()
    if row is None:
        raise CollectionsError("unknown_invoice", f"invoice {number} does not exist", invoice=number)
    if row.kind != "invoice":
        raise CollectionsError("not_an_invoice", f"{number} is a credit note, not an invoice", invoice=number)
    return row


def _open_invoices(conn: Connection, customer_id: int, as_of: date) -> dict[str, Decimal]:
    """The customer's invoices open as of a date and their open amounts (invoice currency), from the as-of SQL."""
    return {i.ref: i.open_amount for i in open_items(conn, as_of, Basis.DUE, customer_id) if i.kind == "invoice"}


def _note(conn: Connection, customer_id: int, day: date, text: str, author: str) -> int:
    """A note in the customer's activity log, so the log shows what collections did and who did it."""
    return int(
        conn.execute(
            insert(Activity)
            .values(
                customer_id=customer_id, activity_date=day, kind="note", text=text, author=author, created_at=utcnow()
            )
            .returning(Activity.id)
        ).scalar_one()
    )


def _payments(conn: Connection, customer_id: int, currency: str) -> list[tuple[date, Decimal]]:
    return [
        (r.payment_date, r.amount)
        for r in conn.execute(
            select(Payment.payment_date, Payment.amount).where(
                Payment.customer_id == customer_id, Payment.currency == currency
            )
        )
    ]


# --- disputes -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisputeRow:
    id: int
    customer_id: int
    invoice_number: str
    currency: str
    amount: Decimal
    reason: str
    owner: str
    opened_on: date
    status: str  # open | resolved
    outcome: str | None
    resolved_on: date | None
    author: str


def open_dispute(
    conn: Connection,
    invoice_number: str,
    amount: Decimal,
    *,
    reason: str,
    owner: str,
    opened_on: date,
    author: str,
) -> int:
    """Record a disputed (part of an) invoice; the invoice is left out of dunning while the dispute is open.

    The amount, with the invoice's other open disputes, may not exceed what the invoice has open on opened_on."""
    author = _author(author)
    reason = required_text(reason, "reason", "a reason for the dispute")
    if owner not in OWNERS:
        raise CollectionsError(
            "owner", f"the dispute owner must be one of {', '.join(OWNERS)}, not '{owner}'", owner=owner
        )
    amount = positive_amount(amount, "amount", "the disputed amount")
    inv = _invoice(conn, invoice_number)
    open_amount = _open_invoices(conn, inv.customer_id, opened_on).get(invoice_number, ZERO)
    if open_amount <= 0:
        raise CollectionsError(
            "invoice_not_open",
            f"invoice {invoice_number} has nothing open on {opened_on.isoformat()}",
            invoice=invoice_number,
            on=opened_on.isoformat(),
        )
    disputed = sum(
        conn.execute(select(Dispute.amount).where(Dispute.invoice_id == inv.id, Dispute.status == "open")).scalars(),
        ZERO,
    )
    if disputed + amount > open_amount:
        raise CollectionsError(
            "amount_above_open",
            f"{amount:.2f} disputed on invoice {invoice_number} would exceed its open amount {open_amount:.2f} on "
            f"{opened_on.isoformat()}" + (f" ({disputed:.2f} is already disputed)" if disputed else ""),
            invoice=invoice_number,
            amount=f"{amount:.2f}",
            open=f"{open_amount:.2f}",
            disputed=f"{disputed:.2f}",
        )
    new_id = conn.execute(
        insert(Dispute)
        .values(
            invoice_id=inv.id,
            customer_id=inv.customer_id,
            amount=amount,
            reason=reason,
            owner=owner,
            opened_on=opened_on,
            status="open",
            author=author,
            created_at=utcnow(),
        )
        .returning(Dispute.id)
    ).scalar_one()
    _note(
        conn,
        inv.customer_id,
        opened_on,
        f"Dispute opened on invoice {invoice_number}: {amount:.2f} {inv.currency}, owner {owner}. {reason}",
        author,
    )
    bump_data_version(conn)
    return int(new_id)


def resolve_dispute(conn: Connection, dispute_id: int, *, outcome: str, resolved_on: date, author: str) -> None:
    """Close an open dispute with its outcome (credit_note | rejected | settled); dunning of the invoice resumes."""
    author = _author(author)
    if outcome not in OUTCOMES:
        raise CollectionsError(
            "outcome", f"the outcome must be one of {', '.join(OUTCOMES)}, not '{outcome}'", outcome=outcome
        )
    d = conn.execute(
        select(Dispute.__table__, Invoice.invoice_number)
        .join(Invoice, Invoice.id == Dispute.invoice_id)
        .where(Dispute.id == dispute_id)
    ).one_or_none()
    if d is None:
        raise CollectionsError("unknown_dispute", f"dispute {dispute_id} does not exist", dispute_id=dispute_id)
    if d.status != "open":
        raise CollectionsError(
            "dispute_resolved",
            f"dispute {dispute_id} was already resolved on {d.resolved_on.isoformat()} ({d.outcome})",
            dispute_id=dispute_id,
        )
    if resolved_on < d.opened_on:
        raise CollectionsError(
            "resolved_before_opened",
            f"the dispute cannot be resolved on {resolved_on.isoformat()}, before it was opened on "
            f"{d.opened_on.isoformat()}",
            resolved_on=resolved_on.isoformat(),
            opened_on=d.opened_on.isoformat(),
        )
    conn.execute(
        update(Dispute)
        .where(Dispute.id == dispute_id)
        .values(status="resolved", outcome=outcome, resolved_on=resolved_on)
    )
    _note(
        conn,
        d.customer_id,
        resolved_on,
        f"Dispute on invoice {d.invoice_number} resolved: {outcome.replace('_', ' ')}",
        author,
    )
    bump_data_version(conn)


def disputes(conn: Connection, customer_id: int | None = None, status: str | None = None) -> list[DisputeRow]:
    """Disputes, newest first, optionally of one customer and/or with one status (open | resolved)."""
    stmt = select(Dispute.__table__, Invoice.invoice_number, Invoice.currency).join(
        Invoice, Invoice.id == Dispute.invoice_id
    )
    if customer_id is not None:
        stmt = stmt.where(Dispute.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(Dispute.status == status)
    return [
        DisputeRow(
            r.id,
            r.customer_id,
            r.invoice_number,
            r.currency,
            r.amount,
            r.reason,
            r.owner,
            r.opened_on,
            r.status,
            r.outcome,
            r.resolved_on,
            r.author,
        )
        for r in conn.execute(stmt.order_by(Dispute.opened_on.desc(), Dispute.id.desc()))
    ]


def _disputed_invoices(conn: Connection, as_of: date) -> set[int]:
    """Invoice ids a dispute pauses as of a date: opened by then and not resolved by then."""
    return set(
        conn.execute(
            select(Dispute.invoice_id).where(
                Dispute.opened_on <= as_of,
                or_(Dispute.status == "open", Dispute.resolved_on > as_of),
            )
        ).scalars()
    )


# --- payment plans ------------------------------------------------------------------------------------------------


def create_plan(
    conn: Connection,
    customer_id: int,
    invoice_numbers: Sequence[str],
    instalments: Sequence[tuple[date, Decimal]],
    *,
    agreed_on: date,
    reason: str,
    author: str,
) -> int:
    """Agree a payment plan for open invoices of one customer (one currency); while it is kept, their dunning pauses.

    The instalments are dated on/after agreed_on in ascending order and sum to the invoices' open amount as of
    agreed_on. A customer has one running plan at a time (payments are credited to the customer's plan)."""
    author = _author(author)
    reason = required_text(reason, "reason", "a reason for the plan")
    _customer(conn, customer_id)
    numbers = [n.strip() for n in invoice_numbers]
    if not numbers:
        raise CollectionsError("no_invoices", "a payment plan needs at least one invoice")
    if len(set(numbers)) != len(numbers):
        raise CollectionsError("duplicate_invoice", "an invoice is listed twice in the plan")
    opened = _open_invoices(conn, customer_id, agreed_on)
    invoices = []
    for n in numbers:
        inv = _invoice(conn, n)
        if inv.customer_id != customer_id:
            raise CollectionsError("other_customer", f"invoice {n} belongs to another customer", invoice=n)
        if opened.get(n, ZERO) <= 0:
            raise CollectionsError(
                "invoice_not_open",
                f"invoice {n} has nothing open on {agreed_on.isoformat()}",
                invoice=n,
                on=agreed_on.isoformat(),
            )
        invoices.append(inv)
    currencies = sorted({i.currency for i in invoices})
    if len(currencies) > 1:
        raise CollectionsError(
            "mixed_currencies",
            f"the invoices of one plan must share a currency, these are in {', '.join(currencies)}",
            currencies=currencies,
        )
    check_instalments(instalments, agreed_on, sum((opened[n] for n in numbers), ZERO))
    for plan_id in conn.execute(
        select(PaymentPlan.id).where(PaymentPlan.customer_id == customer_id, PaymentPlan.status == "active")
    ).scalars():
        running = plan_status(conn, plan_id, agreed_on)
        if any(i.status != "paid" for i in running.instalments):
            raise CollectionsError(
                "plan_running",
                f"the customer already has payment plan {plan_id} running; cancel it first",
                plan_id=plan_id,
            )
    plan_id = conn.execute(
        insert(PaymentPlan)
        .values(
            customer_id=customer_id,
            agreed_on=agreed_on,
            status="active",
            reason=reason,
            author=author,
            created_at=utcnow(),
            policy_version=policy_version(conn),
        )
        .returning(PaymentPlan.id)
    ).scalar_one()
    conn.execute(insert(PlanInvoice), [{"plan_id": plan_id, "invoice_id": i.id} for i in invoices])
    conn.execute(insert(PlanInstalment), [{"plan_id": plan_id, "due_on": d, "amount": q2(a)} for d, a in instalments])
    total = sum((a for _, a in instalments), ZERO)
    _note(
        conn,
        customer_id,
        agreed_on,
        f"Payment plan {plan_id} agreed for invoices {', '.join(numbers)}: {len(instalments)} instalments, "
        f"{total:.2f} {currencies[0]}, the last on {instalments[-1][0].isoformat()}. {reason}",
        author,
    )
    bump_data_version(conn)
    return int(plan_id)


def cancel_plan(conn: Connection, plan_id: int, *, cancelled_on: date, reason: str, author: str) -> None:
    """Cancel an active plan (its invoices go back to the dunning ladder); the log keeps who and why."""
    author = _author(author)
    reason = required_text(reason, "reason", "a reason for cancelling the plan")
    plan = conn.execute(select(PaymentPlan.__table__).where(PaymentPlan.id == plan_id)).one_or_none()
    if plan is None:
        raise CollectionsError("unknown_plan", f"payment plan {plan_id} does not exist", plan_id=plan_id)
    if plan.status != "active":
        raise CollectionsError("plan_cancelled", f"payment plan {plan_id} is already cancelled", plan_id=plan_id)
    if cancelled_on < plan.agreed_on:
        raise CollectionsError(
            "cancelled_before_agreed",
            f"the plan cannot be cancelled on {cancelled_on.isoformat()}, before it was agreed on "
            f"{plan.agreed_on.isoformat()}",
        )
    conn.execute(update(PaymentPlan).where(PaymentPlan.id == plan_id).values(status="cancelled"))
    _note(conn, plan.customer_id, cancelled_on, f"Payment plan {plan_id} cancelled. {reason}", author)
    bump_data_version(conn)


def plan_status(conn: Connection, plan_id: int, as_of: date) -> PlanStatus:
    """Each instalment paid | missed | due | upcoming as of a date and whether the plan is kept (metrics.md §24)."""
    plan = conn.execute(select(PaymentPlan.__table__).where(PaymentPlan.id == plan_id)).one_or_none()
    if plan is None:
        raise CollectionsError("unknown_plan", f"payment plan {plan_id} does not exist", plan_id=plan_id)
    invs = conn.execute(
        select(Invoice.invoice_number, Invoice.currency)
        .join(PlanInvoice, PlanInvoice.invoice_id == Invoice.id)
        .where(PlanInvoice.plan_id == plan_id)
        .order_by(Invoice.invoice_number)
    ).all()
    currency = invs[0].currency
    instalments = [
        (r.due_on, r.amount)
        for r in conn.execute(
            select(PlanInstalment.due_on, PlanInstalment.amount)
            .where(PlanInstalment.plan_id == plan_id)
            .order_by(PlanInstalment.due_on)
        )
    ]
    payments = _payments(conn, plan.customer_id, currency)
    statuses = instalment_statuses(instalments, payments, plan.agreed_on, as_of)
    missed = first_missed(statuses)
    return PlanStatus(
        plan_id=plan.id,
        customer_id=plan.customer_id,
        currency=currency,
        agreed_on=plan.agreed_on,
        as_of=as_of,
        status=plan.status,
        invoice_numbers=tuple(r.invoice_number for r in invs),
        instalments=statuses,
        planned=sum((a for _, a in instalments), ZERO),
        paid=sum((a for d, a in payments if plan.agreed_on <= d <= as_of), ZERO),
        kept=missed is None,
        missed_since=None if missed is None else missed.due_on + timedelta(days=1),
    )


def plans(
    conn: Connection, as_of: date, customer_id: int | None = None, status: str | None = "active"
) -> list[PlanStatus]:
    """The plans agreed by as_of (of one customer, with one record status) and their status as of that date."""
    stmt = select(PaymentPlan.id).where(PaymentPlan.agreed_on <= as_of)
    if customer_id is not None:
        stmt = stmt.where(PaymentPlan.customer_id == customer_id)
    if status is not None:
        stmt = stmt.where(PaymentPlan.status == status)
    return [plan_status(conn, pid, as_of) for pid in conn.execute(stmt.order_by(PaymentPlan.id)).scalars()]


def missed_instalments(conn: Connection, as_of: date) -> list[AlertTuple]:
    """Every missed instalment of an active plan as of a date, as (customer_id, key, since, message, params) for
    alerts of type missed_instalment; since is the day after the instalment's due date."""
    out: list[AlertTuple] = []
    for p in plans(conn, as_of):
        cumulative = ZERO
        for i in p.instalments:
            cumulative += i.amount
            if i.status != "missed":
                continue
            paid = sum((s.credited for s in p.instalments[: i.number]), ZERO)
            out.append(
                (
                    p.customer_id,
                    f"plan:{p.plan_id}:instalment:{i.number}",
                    i.due_on + timedelta(days=1),
                    f"instalment {i.number} of payment plan {p.plan_id} ({i.amount:,.2f} {p.currency} due "
                    f"{i.due_on.isoformat()}) was missed: {cumulative:,.2f} was due by then",
                    {
                        "plan_id": p.plan_id,
                        "number": i.number,
                        "amount": f"{i.amount:.2f}",
                        "date": i.due_on.isoformat(),
                        "due_by_then": f"{cumulative:.2f}",
                        "paid_so_far": f"{paid:.2f}",
                        "currency": p.currency,
                    },
                )
            )
    return out


# --- promises to pay ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromiseRow:
    activity_id: int
    customer_id: int
    made_on: date
    promised_date: date
    promised_amount: Decimal
    currency: str
    paid: Decimal
    status: str  # kept | broken | pending


def _promise_rows(conn: Connection, as_of: date, activity_id: int | None = None) -> list[PromiseRow]:
    stmt = (
        select(
            Activity.id,
            Activity.customer_id,
            Activity.activity_date,
            Activity.promised_date,
            Activity.promised_amount,
            Customer.currency,
        )
        .join(Customer, Customer.id == Activity.customer_id)
        .where(Activity.kind == "promise", Activity.activity_date <= as_of)
    )
    if activity_id is not None:
        stmt = stmt.where(Activity.id == activity_id)
    payments: dict[int, list[tuple[date, Decimal]]] = {}
    out = []
    for r in conn.execute(stmt.order_by(Activity.promised_date, Activity.id)).all():
        if r.customer_id not in payments:
            payments[r.customer_id] = _payments(conn, r.customer_id, r.currency)
        status, paid = _promise_status(
            r.activity_date, r.promised_date, r.promised_amount, payments[r.customer_id], as_of
        )
        out.append(
            PromiseRow(
                r.id, r.customer_id, r.activity_date, r.promised_date, r.promised_amount, r.currency, paid, status
            )
        )
    return out


def promise_status(conn: Connection, activity_id: int, as_of: date) -> str:
    """kept | broken | pending: the customer's payments (in its currency) dated from the day of the promise through
    the promised date against the promised amount (docs/metrics.md §24)."""
    kind = conn.execute(select(Activity.kind).where(Activity.id == activity_id)).scalar_one_or_none()
    if kind is None:
        raise CollectionsError("unknown_activity", f"activity {activity_id} does not exist", activity_id=activity_id)
    if kind != "promise":
        raise CollectionsError("not_a_promise", f"activity {activity_id} is a {kind}, not a promise to pay")
    rows = _promise_rows(conn, as_of, activity_id)
    if not rows:
        raise CollectionsError(
            "promise_not_made", f"promise {activity_id} was made after {as_of.isoformat()}", activity_id=activity_id
        )
    return rows[0].status


def promises(conn: Connection, as_of: date, customer_id: int | None = None) -> list[PromiseRow]:
    """Promises to pay made by as_of and their status then, by promised date."""
    return [p for p in _promise_rows(conn, as_of) if customer_id is None or p.customer_id == customer_id]


def broken_promises(conn: Connection, as_of: date) -> list[AlertTuple]:
    """Every promise broken as of a date, as (customer_id, key, since, message, params) for alerts of type
    broken_promise; since is the day after the promised date."""
    return [
        (
            p.customer_id,
            f"promise:{p.activity_id}",
            p.promised_date + timedelta(days=1),
            f"promise to pay {p.promised_amount:,.2f} {p.currency} by {p.promised_date.isoformat()} was broken: "
            f"{p.paid:,.2f} paid",
            {
                "activity_id": p.activity_id,
                "amount": f"{p.promised_amount:.2f}",
                "date": p.promised_date.isoformat(),
                "made_on": p.made_on.isoformat(),
                "paid": f"{p.paid:.2f}",
                "currency": p.currency,
            },
        )
        for p in _promise_rows(conn, as_of)
        if p.status == "broken"
    ]


# --- dunning steps and pauses -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DunningStepRow:
    id: int
    customer_id: int
    step: str
    sent_on: date
    deadline_on: date | None
    fee: Decimal
    currency: str
    invoice_numbers: tuple[str, ...]
    author: str
    activity_id: int | None


def mark_step_sent(
    conn: Connection,
    customer_id: int,
    *,
    step: str,
    invoice_numbers: Sequence[str],
    sent_on: date,
    deadline_on: date | None,
    fee: Decimal,
    currency: str,
    author: str,
) -> int:
    """Record a dunning letter as sent for open invoices of the customer, with a note in its activity log."""
    author = _author(author)
    label = step_label(step)
    _customer(conn, customer_id)
    numbers = [n.strip() for n in invoice_numbers]
    if not numbers:
        raise CollectionsError("no_invoices", "a dunning step covers at least one invoice")
    if len(set(numbers)) != len(numbers):
        raise CollectionsError("duplicate_invoice", "an invoice is listed twice")
    opened = _open_invoices(conn, customer_id, sent_on)
    for n in numbers:
        inv = _invoice(conn, n)
        if inv.customer_id != customer_id:
            raise CollectionsError("other_customer", f"invoice {n} belongs to another customer", invoice=n)
        if opened.get(n, ZERO) <= 0:
            raise CollectionsError(
                "invoice_not_open", f"invoice {n} has nothing open on {sent_on.isoformat()}", invoice=n
            )
    if deadline_on is not None and deadline_on < sent_on:
        raise CollectionsError(
            "deadline_before_sent",
            f"the deadline {deadline_on.isoformat()} is before the sending date {sent_on.isoformat()}",
        )
    if not isinstance(fee, Decimal) or not fee.is_finite() or fee < 0 or fee != fee.quantize(Decimal("0.01")):
        raise CollectionsError("fee", f"the fee must be an amount of 0 or more with at most 2 decimals, not {fee}")
    if not (len(currency) == 3 and currency.isalpha() and currency.isupper()):
        raise CollectionsError("currency", f"'{currency}' is not a three-letter currency code", currency=currency)
    text = f"Reminder sent: {label} for invoice{'s' if len(numbers) > 1 else ''} {', '.join(numbers)}"
    text += f", fee {fee:.2f} {currency}" if fee > 0 else ", no fee"
    text += f", pay by {deadline_on.isoformat()}" if deadline_on is not None else ""
    activity_id = _note(conn, customer_id, sent_on, text, author)
    new_id = conn.execute(
        insert(DunningStep)
        .values(
            customer_id=customer_id,
            step=step,
            sent_on=sent_on,
            deadline_on=deadline_on,
            fee=q2(fee),
            currency=currency,
            invoice_numbers=" ".join(numbers),
            author=author,
            created_at=utcnow(),
            activity_id=activity_id,
            policy_version=policy_version(conn),
        )
        .returning(DunningStep.id)
    ).scalar_one()
    bump_data_version(conn)
    return int(new_id)


def dunning_steps(conn: Connection, customer_id: int) -> list[DunningStepRow]:
    """The letters marked sent to a customer, newest first."""
    return [
        DunningStepRow(
            r.id,
            r.customer_id,
            r.step,
            r.sent_on,
            r.deadline_on,
            r.fee,
            r.currency,
            tuple(r.invoice_numbers.split()),
            r.author,
            r.activity_id,
        )
        for r in conn.execute(
            select(DunningStep.__table__)
            .where(DunningStep.customer_id == customer_id)
            .order_by(DunningStep.sent_on.desc(), DunningStep.id.desc())
        )
    ]


@dataclass(frozen=True)
class PauseRow:
    id: int
    customer_id: int
    paused_on: date
    paused_until: date | None
    ended_on: date | None
    reason: str
    author: str

    def active_on(self, day: date) -> bool:
        return (
            self.paused_on <= day
            and (self.paused_until is None or day <= self.paused_until)
            and (self.ended_on is None or day < self.ended_on)
        )


def pause_customer(
    conn: Connection, customer_id: int, *, reason: str, paused_on: date, until: date | None, author: str
) -> int:
    """Take a customer off the worklist from paused_on through `until` (inclusive; None: until ended)."""
    author = _author(author)
    reason = required_text(reason, "reason", "a reason for the pause")
    _customer(conn, customer_id)
    if until is not None and until < paused_on:
        raise CollectionsError(
            "until_before_start",
            f"the pause cannot end on {until.isoformat()}, before it starts on {paused_on.isoformat()}",
        )
    new_id = conn.execute(
        insert(CollectionPause)
        .values(
            customer_id=customer_id,
            paused_on=paused_on,
            paused_until=until,
            reason=reason,
            author=author,
            created_at=utcnow(),
        )
        .returning(CollectionPause.id)
    ).scalar_one()
    until_text = f" until {until.isoformat()}" if until is not None else ""
    _note(conn, customer_id, paused_on, f"Collections paused{until_text}. {reason}", author)
    bump_data_version(conn)
    return int(new_id)


def end_pause(conn: Connection, pause_id: int, *, ended_on: date, author: str) -> None:
    """End a pause early: the customer is back on the worklist from ended_on."""
    author = _author(author)
    p = conn.execute(select(CollectionPause.__table__).where(CollectionPause.id == pause_id)).one_or_none()
    if p is None:
        raise CollectionsError("unknown_pause", f"pause {pause_id} does not exist", pause_id=pause_id)
    if p.ended_on is not None:
        raise CollectionsError("pause_ended", f"pause {pause_id} already ended on {p.ended_on.isoformat()}")
    if ended_on < p.paused_on:
        raise CollectionsError(
            "ended_before_start",
            f"the pause cannot end on {ended_on.isoformat()}, before it started on {p.paused_on.isoformat()}",
        )
    if p.paused_until is not None and ended_on > p.paused_until:
        raise CollectionsError(
            "pause_over", f"pause {pause_id} was over after {p.paused_until.isoformat()} anyway", pause_id=pause_id
        )
    conn.execute(update(CollectionPause).where(CollectionPause.id == pause_id).values(ended_on=ended_on))
    _note(conn, p.customer_id, ended_on, "Collections pause ended", author)
    bump_data_version(conn)


def pauses(conn: Connection, customer_id: int | None = None) -> list[PauseRow]:
    stmt = select(CollectionPause.__table__)
    if customer_id is not None:
        stmt = stmt.where(CollectionPause.customer_id == customer_id)
    return [
        PauseRow(r.id, r.customer_id, r.paused_on, r.paused_until, r.ended_on, r.reason, r.author)
        for r in conn.execute(stmt.order_by(CollectionPause.paused_on.desc(), CollectionPause.id.desc()))
    ]


# --- cash applied by hand -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnappliedDocument:
    kind: str  # payment | credit_note
    ref: str
    doc_date: date
    currency: str
    amount: Decimal  # the part not applied as of the date, positive
    invoice_number: str | None  # the invoice it names now (none, or one it could not be applied to)


@dataclass(frozen=True)
class CashApplicationRow:
    id: int
    customer_id: int
    doc_kind: str
    doc_ref: str
    old_invoice_number: str | None
    new_invoice_number: str
    reason: str
    author: str
    applied_at: datetime
    reversed_at: datetime | None
    reversed_by: str | None


def _document(conn: Connection, doc_kind: str, doc_ref: str):
    """(id, customer_id, currency, current reference, open_until, allocation column) of a payment or credit note."""
    if doc_kind not in CASH_DOC_KINDS:
        raise CollectionsError("doc_kind", f"only a payment or a credit note can be applied, not '{doc_kind}'")
    if doc_kind == "payment":
        row = conn.execute(
            select(
                Payment.id,
                Payment.customer_id,
                Payment.currency,
                Payment.invoice_number.label("ref"),
                Payment.open_until,
            ).where(Payment.payment_ref == doc_ref)
        ).one_or_none()
        column = Allocation.payment_id
    else:
        row = conn.execute(
            select(
                Invoice.id,
                Invoice.customer_id,
                Invoice.currency,
                Invoice.credited_invoice.label("ref"),
                Invoice.open_until,
            ).where(Invoice.invoice_number == doc_ref, Invoice.kind == "credit_note")
        ).one_or_none()
        column = Allocation.credit_note_id
    if row is None:
        raise CollectionsError(
            "unknown_document", f"{doc_kind.replace('_', ' ')} {doc_ref} does not exist", doc_ref=doc_ref
        )
    return row, column


def _set_reference(conn: Connection, doc_kind: str, doc_id: int, number: str | None) -> None:
    if doc_kind == "payment":
        conn.execute(update(Payment).where(Payment.id == doc_id).values(invoice_number=number))
    else:
        conn.execute(update(Invoice).where(Invoice.id == doc_id).values(credited_invoice=number))


def _rebuild(conn: Connection, customer_id: int) -> None:
    try:
        rebuild_allocations(conn, [customer_id])
    except AllocationError as exc:  # the caller's transaction rolls back whole
        raise CollectionsError("allocation", str(exc)) from exc


def apply_cash(conn: Connection, *, doc_kind: str, doc_ref: str, invoice_number: str, reason: str, author: str) -> int:
    """Apply an unapplied payment or credit note to an open invoice of the same customer and currency: the
    document's invoice reference is set and the customer's allocations rebuilt (domain.allocation: a document
    naming an invoice is applied to it first). Reversible with reverse_cash_application."""
    author = _author(author)
    reason = required_text(reason, "reason", "a reason for applying the cash")
    doc, column = _document(conn, doc_kind, doc_ref)
    label = doc_kind.replace("_", " ")
    applied = conn.execute(select(func.count()).select_from(Allocation).where(column == doc.id)).scalar_one()
    if applied or doc.open_until != OPEN_UNTIL_OPEN:
        raise CollectionsError(
            "already_applied",
            f"{label} {doc_ref} is already applied (in part) to invoice {doc.ref}; only an unapplied document can be "
            "applied by hand",
            doc_ref=doc_ref,
            invoice=doc.ref,
        )
    inv = _invoice(conn, invoice_number)
    if inv.customer_id != doc.customer_id:
        raise CollectionsError(
            "other_customer", f"invoice {invoice_number} belongs to another customer than {label} {doc_ref}"
        )
    if inv.currency != doc.currency:
        raise CollectionsError(
            "currency_mismatch",
            f"{label} {doc_ref} is in {doc.currency} but invoice {invoice_number} is in {inv.currency}",
        )
    if inv.open_until != OPEN_UNTIL_OPEN:
        raise CollectionsError(
            "invoice_not_open", f"invoice {invoice_number} is paid in full (closed on {inv.open_until.isoformat()})"
        )
    if doc.ref == invoice_number:
        raise CollectionsError("unchanged", f"{label} {doc_ref} already names invoice {invoice_number}")
    _set_reference(conn, doc_kind, doc.id, invoice_number)
    new_id = conn.execute(
        insert(CashApplication)
        .values(
            customer_id=doc.customer_id,
            doc_kind=doc_kind,
            doc_id=doc.id,
            old_invoice_number=doc.ref,
            new_invoice_number=invoice_number,
            reason=reason,
            author=author,
            applied_at=utcnow(),
        )
        .returning(CashApplication.id)
    ).scalar_one()
    _rebuild(conn, doc.customer_id)
    bump_data_version(conn)
    return int(new_id)


def reverse_cash_application(conn: Connection, application_id: int, *, author: str) -> None:
    """Undo a cash application: the document names its old invoice (or none) again and allocations are rebuilt."""
    author = _author(author)
    app = conn.execute(select(CashApplication.__table__).where(CashApplication.id == application_id)).one_or_none()
    if app is None:
        raise CollectionsError(
            "unknown_application", f"cash application {application_id} does not exist", application_id=application_id
        )
    if app.reversed_at is not None:
        raise CollectionsError(
            "already_reversed",
            f"cash application {application_id} was already reversed by {app.reversed_by}",
            application_id=application_id,
        )
    if app.doc_kind == "payment":
        current = conn.execute(select(Payment.invoice_number).where(Payment.id == app.doc_id)).scalar_one()
    else:
        current = conn.execute(select(Invoice.credited_invoice).where(Invoice.id == app.doc_id)).scalar_one()
    if current != app.new_invoice_number:
        # an import (or a later application) changed the reference since: undoing would overwrite that
        raise CollectionsError(
            "reference_changed",
            f"the document now names {current or 'no invoice'}, not {app.new_invoice_number}; it was changed after "
            "this application",
        )
    _set_reference(conn, app.doc_kind, app.doc_id, app.old_invoice_number)
    conn.execute(
        update(CashApplication)
        .where(CashApplication.id == application_id)
        .values(reversed_at=utcnow(), reversed_by=author)
    )
    _rebuild(conn, app.customer_id)
    bump_data_version(conn)


def unapplied_documents(conn: Connection, customer_id: int, as_of: date) -> list[UnappliedDocument]:
    """The customer's payments and credit notes with a part not applied to any invoice as of a date."""
    items = [i for i in open_items(conn, as_of, Basis.DUE, customer_id) if i.kind != "invoice"]
    refs = {
        **dict(
            conn.execute(
                select(Payment.payment_ref, Payment.invoice_number).where(Payment.customer_id == customer_id)
            ).all()
        ),
        **dict(
            conn.execute(
                select(Invoice.invoice_number, Invoice.credited_invoice).where(
                    Invoice.customer_id == customer_id, Invoice.kind == "credit_note"
                )
            ).all()
        ),
    }
    return [UnappliedDocument(i.kind, i.ref, i.doc_date, i.currency, -i.open_amount, refs.get(i.ref)) for i in items]


def cash_applications(conn: Connection, customer_id: int) -> list[CashApplicationRow]:
    """The customer's cash applications, newest first, with the document's reference."""
    rows = conn.execute(
        select(CashApplication.__table__)
        .where(CashApplication.customer_id == customer_id)
        .order_by(CashApplication.applied_at.desc(), CashApplication.id.desc())
    ).all()
    pay = dict(conn.execute(select(Payment.id, Payment.payment_ref).where(Payment.customer_id == customer_id)).all())
    cn = dict(
        conn.execute(
            select(Invoice.id, Invoice.invoice_number).where(
                Invoice.customer_id == customer_id, Invoice.kind == "credit_note"
            )
        ).all()
    )
    return [
        CashApplicationRow(
            r.id,
            r.customer_id,
            r.doc_kind,
            (pay if r.doc_kind == "payment" else cn).get(r.doc_id, str(r.doc_id)),
            r.old_invoice_number,
            r.new_invoice_number,
            r.reason,
            r.author,
            r.applied_at,
            r.reversed_at,
            r.reversed_by,
        )
        for r in rows
    ]


# --- the worklist -------------------------------------------------------------------------------------------------


def _ladder(ladders: Sequence[CountryLadder], country: str | None) -> CountryLadder | None:
    return next((lad for lad in ladders if lad.country == country), None)


def worklist(conn: Connection, as_of: date, *, include_paused: bool = False) -> list[WorklistRow]:
    """Per customer with overdue invoices (open_items as of as_of, due basis) that no dispute or kept payment plan
    pauses: the items with interest, the next step per invoice and one letter at the highest, fees, compensation
    and totals (domain.collections.build_row). Paused customers are left out, or listed with paused=True and no
    step when include_paused. Customers whose ERP reports dunning status (mode erp) get no step of ours but the
    violations of the letters the ERP sent. Sorted: highest step first, then oldest due date, then reference."""
    overdue = [i for i in open_items(conn, as_of, Basis.DUE) if i.kind == "invoice" and i.days > 0]
    if not overdue:
        return []
    customer_ids = sorted({i.customer_id for i in overdue})
    inv_rows = {
        r.invoice_number: r
        for r in conn.execute(
            select(Invoice.id, Invoice.invoice_number, Invoice.disputed_amount).where(
                Invoice.customer_id.in_(customer_ids), Invoice.kind == "invoice"
            )
        )
    }
    disputed = _disputed_invoices(conn, as_of)
    held: set[str] = set()  # invoices in a kept payment plan
    for p in plans(conn, as_of):
        if p.kept:
            held.update(p.invoice_numbers)
    paused = {p.customer_id for p in pauses(conn) if p.active_on(as_of)}

    def pauses_invoice(number: str) -> bool:
        r = inv_rows[number]
        return r.id in disputed or r.disputed_amount > 0 or number in held

    by_customer: dict[int, list] = defaultdict(list)
    for i in overdue:
        if not pauses_invoice(i.ref) and (include_paused or i.customer_id not in paused):
            by_customer[i.customer_id].append(i)
    if not by_customer:
        return []
    ids = sorted(by_customer)

    customers = {
        r.id: r
        for r in conn.execute(
            select(Customer.id, Customer.customer_ref, Customer.name, Customer.country, Customer.currency).where(
                Customer.id.in_(ids)
            )
        )
    }
    status_rows: dict[int, dict[str, object]] = defaultdict(dict)
    for r in conn.execute(
        select(DunningStatus.__table__, Invoice.invoice_number, Invoice.customer_id, Invoice.currency)
        .join(Invoice, Invoice.id == DunningStatus.invoice_id)
        .where(Invoice.customer_id.in_(ids))
    ):
        status_rows[r.customer_id][r.invoice_number] = r
    steps: dict[int, list] = defaultdict(list)
    for r in conn.execute(
        select(DunningStep.__table__)
        .where(DunningStep.customer_id.in_(ids), DunningStep.sent_on <= as_of)
        .order_by(DunningStep.sent_on, DunningStep.id)
    ):
        steps[r.customer_id].append(r)

    policy = active_policy(conn)
    ladders = getattr(policy, "dunning", DEFAULT_LADDERS)  # older policies carry no ladders
    table = statutory_table(conn)
    base = base_currency(conn)
    rates = rates_as_of(conn, as_of)

    rows: list[WorklistRow] = []
    for cid in ids:
        c = customers[cid]
        items = by_customer[cid]
        ladder = _ladder(ladders, c.country)
        to_row = converter(c.currency, base, rates, as_of)
        law_currency = COUNTRY_CURRENCY.get(c.country or "", c.currency)
        to_law = converter(law_currency, base, rates, as_of)
        numbers = {i.ref for i in items}
        invoices: list[OverdueInvoice] = []
        last: tuple[str, date] | None = None
        if status_rows.get(cid):
            mode = "erp"
            fees = ZERO
            for i in items:
                s = status_rows[cid].get(i.ref)
                sent: tuple[SentStep, ...] = ()
                if s is not None:
                    fees += to_row(s.fees_charged, s.currency)
                    sent = tuple(
                        SentStep(x.kind, x.sent_on, x.deadline_on, to_law(x.fee, s.currency))
                        for x in sent_steps_from_status(
                            s.reminder_level, s.last_reminder_on, s.last_deadline_on, s.fees_charged, s.notice_sent_on
                        )
                        if x.sent_on <= as_of
                    )
                invoices.append(OverdueInvoice(i.ref, i.currency, i.due_date, i.days, i.open_amount, sent))
            for s in status_rows[cid].values():
                for x in sent_steps_from_status(
                    s.reminder_level, s.last_reminder_on, s.last_deadline_on, s.fees_charged, s.notice_sent_on
                ):
                    if x.sent_on <= as_of and (last is None or x.sent_on > last[1]):
                        last = (x.kind, x.sent_on)
        else:
            mode = "ladder" if ladder is not None else "no_ladder"
            mine = steps.get(cid, [])
            covering = [s for s in mine if numbers & set(s.invoice_numbers.split())]
            fees = sum((to_row(s.fee, s.currency) for s in covering), ZERO)
            for i in items:
                sent = tuple(
                    SentStep(s.step, s.sent_on, s.deadline_on, to_law(s.fee, s.currency))
                    for s in covering
                    if i.ref in s.invoice_numbers.split()
                )
                invoices.append(OverdueInvoice(i.ref, i.currency, i.due_date, i.days, i.open_amount, sent))
            if mine:
                last = (mine[-1].step, mine[-1].sent_on)
        rows.append(
            build_row(
                customer_id=cid,
                ref=c.customer_ref,
                name=c.name,
                country=c.country,
                currency=c.currency,
                mode=mode,
                invoices=invoices,
                ladder=ladder,
                table=table,
                as_of=as_of,
                convert=to_row,
                fees_charged=fees,
                last_step=last,
                paused=cid in paused,
            )
        )
    return sorted(rows, key=lambda r: r.sort_key)


# --- letters and plans from the worklist (pages/collections.py) ---------------------------------------------------


def letter_data(conn, customer_id: int, as_of: date) -> LetterData:
    """The letter of the customer's step due on its worklist row: the overdue items in the customer's currency with
    their interest, the step's fee and deadline, the fixed compensation, from the company profile."""
    row = next((r for r in worklist(conn, as_of) if r.customer_id == customer_id), None)
    if row is None or row.step is None:
        raise LookupError("no dunning step is due for this customer on that date")
    items = [i for i in row.items if i.currency == row.currency]
    issued = dict(
        conn.execute(
            select(Invoice.invoice_number, Invoice.issue_date).where(
                Invoice.invoice_number.in_([i.invoice_number for i in items])
            )
        ).all()
    )
    c = conn.execute(select(Customer.__table__).where(Customer.id == customer_id)).one()
    rate = statutory_table(conn).get(c.country, "late_interest_rate", as_of) if c.country else None
    return LetterData(
        kind=row.step.kind,
        letter_date=as_of,
        deadline=row.step.deadline_on,
        company=company_profile(conn),
        company_contact=None,
        customer_name=c.name,
        customer_ref=c.customer_ref,
        customer_org_number=c.org_number,
        customer_address=None,
        currency=row.currency,
        lines=tuple(
            LetterLine(i.invoice_number, issued[i.invoice_number], i.due_date, i.open_amount, i.interest) for i in items
        ),
        fee=row.fee,
        compensation=row.compensation,
        interest_rate_text=None if rate is None else f"{rate.value} % p.a.",
    )


def create_equal_plan(
    conn: Connection,
    customer_id: int,
    invoice_numbers: Sequence[str],
    count: int,
    first: date,
    every_days: int,
    *,
    agreed_on: date,
    reason: str,
    author: str,
) -> int:
    """A plan of `count` equal instalments (domain.instalments) for the invoices' open amount as of agreed_on."""
    open_now = {
        i.invoice_number: i.open_amount
        for r in worklist(conn, agreed_on)
        if r.customer_id == customer_id
        for i in r.items
    }
    missing = [n for n in invoice_numbers if n not in open_now]
    if not invoice_numbers or missing:
        raise ValueError("choose overdue invoices of this customer for the plan")
    total = sum((open_now[n] for n in invoice_numbers), Decimal(0))
    return create_plan(
        conn,
        customer_id,
        invoice_numbers,
        equal_instalments(total, count, first, every_days),
        agreed_on=agreed_on,
        reason=reason,
        author=author,
    )
