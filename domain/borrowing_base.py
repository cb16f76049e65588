"""The AR borrowing base certificate: a lender's eligibility terms as data, the ineligible waterfall, availability."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.money import ZERO, q2

HUNDRED = Decimal(100)

# The ineligible categories a loan agreement can name, in the usual waterfall order (domain_rules.md §4).
CATEGORIES = (
    "past_due",
    "cross_aged",
    "credits_in_prior",
    "affiliate",
    "foreign_uninsured",
    "government",
    "contra",
    "disputed",
    "bankrupt",
    "pledged",
)
# Concentration is not part of the order: it is always applied last, once, on the eligible AR before the cap.
CONCENTRATION = "concentration"
BASES = ("invoice", "due")
LEVELS = ("debtor", "group")
INVOICE = "invoice"
CREDIT_KINDS = ("credit_note", "payment")
KINDS = (INVOICE, *CREDIT_KINDS)
FORMAT_VERSION = 1

# The certificate lines around the categories, in print order; the category lines sit between them.
HEAD_KEYS = ("gross",)
TAIL_KEYS = (
    "total_ineligible",
    "eligible",
    "advance_rate_percent",
    "gross_availability",
    "dilution_percent",
    "dilution_reserve",
    "availability",
    "loan_balance",
    "excess_availability",
)


class BorrowingBaseError(ValueError):
    """Lender terms, inputs or a stored certificate that are not valid."""


# ---------------------------------------------------------------------------------------------------------------
# Lender terms


@dataclass(frozen=True)
class LenderProfile:
    """One loan agreement's eligibility terms. Several lenders can each have their own profile."""

    name: str
    lender: str = ""
    # "invoice": days past invoice date; "due": days past due. The caller computes BBItem.days on this basis.
    basis: str = "invoice"
    cutoff_days: int = 90
    # a customer with MORE than this share of its invoice AR past the cut-off is cross-aged
    cross_aging_percent: Decimal = Decimal("50")
    credits_in_prior: bool = True
    order: tuple[str, ...] = CATEGORIES
    home_country: str = "NO"
    concentration_percent: Decimal | None = Decimal("20")
    concentration_level: str = "debtor"
    advance_rate_percent: Decimal = Decimal("85")
    dilution_months: int = 12
    dilution_threshold_percent: Decimal = Decimal("5")
    loan_balance: Decimal = Decimal("0")
    loan_balance_date: date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise BorrowingBaseError("name: the lender profile needs a name (e.g. 'DNB revolving credit facility')")
        if not isinstance(self.lender, str):
            raise BorrowingBaseError(f"lender: {self.lender!r} is not text")
        if self.basis not in BASES:
            raise BorrowingBaseError(
                f"basis: {self.basis!r} is not valid; use 'invoice' (days past invoice date) or 'due' (days past due)"
            )
        _positive_whole("cutoff_days", self.cutoff_days)
        _positive_whole("dilution_months", self.dilution_months)
        if not isinstance(self.credits_in_prior, bool):
            raise BorrowingBaseError(f"credits_in_prior: {self.credits_in_prior!r} is not true or false")
        pct = _set_decimal(self, "cross_aging_percent")
        if not ZERO < pct <= HUNDRED:
            raise BorrowingBaseError(f"cross_aging_percent must be above 0 and at most 100, got {pct}")
        pct = _set_decimal(self, "advance_rate_percent")
        if not ZERO < pct <= HUNDRED:
            raise BorrowingBaseError(f"advance_rate_percent must be above 0 and at most 100, got {pct}")
        pct = _set_decimal(self, "dilution_threshold_percent")
        if not ZERO <= pct <= HUNDRED:
            raise BorrowingBaseError(f"dilution_threshold_percent must be between 0 and 100, got {pct}")
        if self.concentration_percent is not None:
            pct = _set_decimal(self, "concentration_percent")
            if not ZERO < pct <= HUNDRED:
                raise BorrowingBaseError(
                    f"concentration_percent must be above 0 and at most 100 (or empty for no cap), got {pct}"
                )
        if self.concentration_level not in LEVELS:
            raise BorrowingBaseError(
                f"concentration_level: {self.concentration_level!r} is not valid; use 'debtor' or 'group'"
            )
        balance = _set_decimal(self, "loan_balance")
        if balance < 0 or balance != q2(balance):
            raise BorrowingBaseError(f"loan_balance must be 0 or more with at most 2 decimals, got {balance}")
        if self.loan_balance_date is not None and not isinstance(self.loan_balance_date, date):
            raise BorrowingBaseError(f"loan_balance_date: {self.loan_balance_date!r} is not a date")
        if not isinstance(self.home_country, str) or not (
            len(self.home_country) == 2 and self.home_country.isascii() and self.home_country.isalpha()
        ):
            raise BorrowingBaseError(f"home_country: {self.home_country!r} is not a two-letter country code")
        object.__setattr__(self, "home_country", self.home_country.upper())
        object.__setattr__(self, "order", validate_order(self.order))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lender": self.lender,
            "basis": self.basis,
            "cutoff_days": self.cutoff_days,
            "cross_aging_percent": str(self.cross_aging_percent),
            "credits_in_prior": self.credits_in_prior,
            "order": list(self.order),
            "home_country": self.home_country,
            "concentration_percent": _str_or_none(self.concentration_percent),
            "concentration_level": self.concentration_level,
            "advance_rate_percent": str(self.advance_rate_percent),
            "dilution_months": self.dilution_months,
            "dilution_threshold_percent": str(self.dilution_threshold_percent),
            "loan_balance": str(self.loan_balance),
            "loan_balance_date": _iso_or_none(self.loan_balance_date),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LenderProfile:
        """A profile from its JSON; a missing field takes its default, an unknown one is an error (a typo)."""
        if not isinstance(d, Mapping):
            raise BorrowingBaseError(f"a lender profile must be an object, got {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise BorrowingBaseError(
                f"unknown field(s) in lender profile: {', '.join(unknown)}; valid fields are {', '.join(sorted(known))}"
            )
        if "name" not in d:
            raise BorrowingBaseError("name: the lender profile needs a name")
        kwargs: dict[str, Any] = {}
        for key, value in d.items():
            if key in ("cross_aging_percent", "advance_rate_percent", "dilution_threshold_percent", "loan_balance"):
                kwargs[key] = _parse_decimal(key, value)
            elif key == "concentration_percent":
                kwargs[key] = None if value is None or value == "" else _parse_decimal(key, value)
            elif key in ("cutoff_days", "dilution_months"):
                kwargs[key] = _parse_whole(key, value)
            elif key == "order":
                if isinstance(value, str) or not isinstance(value, list | tuple):
                    raise BorrowingBaseError(f"order: {value!r} is not a list of category names")
                kwargs[key] = tuple(value)
            elif key == "loan_balance_date":
                kwargs[key] = _parse_date(key, value)
            else:
                kwargs[key] = value
        return cls(**kwargs)


def validate_order(order: Iterable[str]) -> tuple[str, ...]:
    """The waterfall order, checked: known names, no duplicates, past_due before cross_aged."""
    if isinstance(order, str):
        raise BorrowingBaseError(f"order: {order!r} is not a list of category names")
    result = tuple(order)
    seen: set[str] = set()
    for name in result:
        if name == CONCENTRATION:
            raise BorrowingBaseError(
                "order: 'concentration' is always applied last, once; leave it out of the order "
                "(set concentration_percent to empty for no cap)"
            )
        if name not in CATEGORIES:
            raise BorrowingBaseError(f"order: unknown category {name!r}; valid categories are {', '.join(CATEGORIES)}")
        if name in seen:
            raise BorrowingBaseError(f"order: category {name!r} appears more than once")
        seen.add(name)
    if "past_due" in seen and "cross_aged" in seen and result.index("cross_aged") < result.index("past_due"):
        raise BorrowingBaseError("order: 'past_due' must come before 'cross_aged' (cross-aging takes what is left)")
    return result


# ---------------------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class BBItem:
    """One open item of the aged trial balance, in base currency, with the flags the waterfall reads."""

    customer_id: int
    customer_ref: str
    name: str
    group_id: int  # the corporate group's top-most customer id (== customer_id when there is no group)
    ref: str  # invoice number, or the payment / credit-note reference for a credit
    kind: str  # "invoice" | "credit_note" | "payment"
    amount: Decimal  # open amount: > 0 for invoices, < 0 for credits
    days: int  # days past invoice date or past due, on the profile's basis (the caller computes it)
    country: str | None
    insured: bool  # the debtor has credit insurance (an insured limit > 0)
    affiliate: bool
    government: bool
    bankrupt: bool
    pledged: bool  # factored or pledged to someone else
    disputed: Decimal = Decimal("0")  # disputed part of this invoice (<= amount)

    def __post_init__(self) -> None:
        where = f"item {self.customer_ref}/{self.ref}"
        if self.kind not in KINDS:
            raise BorrowingBaseError(f"{where}: kind {self.kind!r} is not valid; use one of {', '.join(KINDS)}")
        amount = _set_decimal(self, "amount", where)
        disputed = _set_decimal(self, "disputed", where)
        if isinstance(self.days, bool) or not isinstance(self.days, int):
            raise BorrowingBaseError(f"{where}: days must be a whole number, got {self.days!r}")
        if self.kind == INVOICE:
            if amount <= 0:
                raise BorrowingBaseError(f"{where}: an invoice's open amount must be above 0, got {amount}")
            if not ZERO <= disputed <= amount:
                raise BorrowingBaseError(
                    f"{where}: the disputed part must be between 0 and the open amount {amount}, got {disputed}"
                )
        else:
            if amount >= 0:
                raise BorrowingBaseError(
                    f"{where}: a {self.kind.replace('_', ' ')} is a credit; its open amount must be below 0, "
                    f"got {amount}"
                )
            if disputed != 0:
                raise BorrowingBaseError(f"{where}: only invoices can be disputed, got a disputed part of {disputed}")


@dataclass(frozen=True)
class DilutionInputs:
    """The trailing-window non-cash reductions of AR that give the dilution percentage."""

    gross_sales: Decimal  # invoiced in the trailing window
    credit_notes: Decimal  # positive amounts
    write_offs: Decimal
    discounts: Decimal = Decimal("0")
    first_day: date | None = None
    last_day: date | None = None

    def __post_init__(self) -> None:
        for name in ("gross_sales", "credit_notes", "write_offs", "discounts"):
            value = _set_decimal(self, name, "dilution")
            if value < 0:
                raise BorrowingBaseError(f"dilution: {name} must be 0 or more (enter positive amounts), got {value}")
        for name in ("first_day", "last_day"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, date):
                raise BorrowingBaseError(f"dilution: {name} {value!r} is not a date")
        if self.first_day is not None and self.last_day is not None and self.first_day > self.last_day:
            raise BorrowingBaseError(
                f"dilution: the window starts on {self.first_day.isoformat()}, after its last day "
                f"{self.last_day.isoformat()}"
            )

    @property
    def dilution_percent(self) -> Decimal | None:
        """(credit notes + write-offs + discounts) / gross sales x 100; None when there were no sales."""
        if self.gross_sales == 0:
            return None
        return (self.credit_notes + self.write_offs + self.discounts) / self.gross_sales * HUNDRED

    def to_dict(self) -> dict[str, Any]:
        return {
            "gross_sales": str(self.gross_sales),
            "credit_notes": str(self.credit_notes),
            "write_offs": str(self.write_offs),
            "discounts": str(self.discounts),
            "first_day": _iso_or_none(self.first_day),
            "last_day": _iso_or_none(self.last_day),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DilutionInputs:
        return cls(
            gross_sales=_parse_decimal("dilution.gross_sales", _field(d, "gross_sales", "dilution")),
            credit_notes=_parse_decimal("dilution.credit_notes", _field(d, "credit_notes", "dilution")),
            write_offs=_parse_decimal("dilution.write_offs", _field(d, "write_offs", "dilution")),
            discounts=_parse_decimal("dilution.discounts", d.get("discounts", "0")),
            first_day=_parse_date("dilution.first_day", d.get("first_day")),
            last_day=_parse_date("dilution.last_day", d.get("last_day")),
        )


# ---------------------------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True)
class Ineligible:
    """One detail row: the part of one open item that one category made ineligible."""

    customer_id: int
    customer_ref: str
    name: str
    ref: str
    kind: str
    category: str
    amount: Decimal
    days: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "customer_ref": self.customer_ref,
            "name": self.name,
            "ref": self.ref,
            "kind": self.kind,
            "category": self.category,
            "amount": str(self.amount),
            "days": self.days,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Ineligible:
        return cls(
            customer_id=_parse_whole("detail.customer_id", _field(d, "customer_id", "detail")),
            customer_ref=str(_field(d, "customer_ref", "detail")),
            name=str(_field(d, "name", "detail")),
            ref=str(_field(d, "ref", "detail")),
            kind=str(_field(d, "kind", "detail")),
            category=str(_field(d, "category", "detail")),
            amount=_parse_decimal("detail.amount", _field(d, "amount", "detail")),
            days=_parse_whole("detail.days", _field(d, "days", "detail")),
        )


_MONEY_FIELDS = (
    "gross",
    "total_ineligible",
    "eligible_before_cap",
    "eligible",
    "advance_rate_percent",
    "gross_availability",
    "dilution_reserve",
    "availability",
    "loan_balance",
    "excess_availability",
)


@dataclass(frozen=True)
class Certificate:
    """A borrowing base certificate (AR part). Every amount is rounded to 0.01; totals are sums of rounded rows."""

    profile: LenderProfile
    gross: Decimal
    ineligible_by_category: tuple[tuple[str, Decimal], ...]  # profile.order then "concentration", zeros included
    total_ineligible: Decimal
    eligible_before_cap: Decimal
    eligible: Decimal
    advance_rate_percent: Decimal
    gross_availability: Decimal
    dilution: DilutionInputs
    dilution_percent: Decimal | None  # rounded to 0.01; the reserve is computed from this printed figure
    dilution_reserve: Decimal
    availability: Decimal
    loan_balance: Decimal
    excess_availability: Decimal
    detail: tuple[Ineligible, ...]  # sorted by customer_ref, category order, ref
    previous: Certificate | None = None  # the certificate compared with (stored without its own previous)
    as_of: date | None = None

    def categories(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.ineligible_by_category)

    def by_customer(self) -> list[tuple[str, str, dict[str, Decimal]]]:
        """(customer_ref, name, {category: amount}) per customer with an ineligible, categories in print order."""
        order = {c: k for k, c in enumerate(self.categories())}
        per: dict[tuple[str, int], tuple[str, dict[str, Decimal]]] = {}
        for row in self.detail:
            _, amounts = per.setdefault((row.customer_ref, row.customer_id), (row.name, {}))
            amounts[row.category] = amounts.get(row.category, ZERO) + row.amount
        return [
            (ref, name, dict(sorted(amounts.items(), key=lambda kv: order.get(kv[0], len(order)))))
            for (ref, _), (name, amounts) in sorted(per.items())
        ]

    def lines(self) -> tuple[tuple[str, Decimal | None], ...]:
        """The certificate lines in print order with stable keys (see HEAD_KEYS, the categories, TAIL_KEYS)."""
        tail: dict[str, Decimal | None] = {
            "total_ineligible": self.total_ineligible,
            "eligible": self.eligible,
            "advance_rate_percent": self.advance_rate_percent,
            "gross_availability": self.gross_availability,
            "dilution_percent": self.dilution_percent,
            "dilution_reserve": self.dilution_reserve,
            "availability": self.availability,
            "loan_balance": self.loan_balance,
            "excess_availability": self.excess_availability,
        }
        return (("gross", self.gross), *self.ineligible_by_category, *((k, tail[k]) for k in TAIL_KEYS))

    def to_dict(self) -> dict[str, Any]:
        """JSON for a month-end snapshot: Decimals as strings, dates as ISO text."""
        out: dict[str, Any] = {"version": FORMAT_VERSION, "as_of": _iso_or_none(self.as_of)}
        out["profile"] = self.profile.to_dict()
        out.update({name: str(getattr(self, name)) for name in _MONEY_FIELDS})
        out["ineligible_by_category"] = [[c, str(a)] for c, a in self.ineligible_by_category]
        out["dilution"] = self.dilution.to_dict()
        out["dilution_percent"] = _str_or_none(self.dilution_percent)
        out["detail"] = [row.to_dict() for row in self.detail]
        out["previous"] = None if self.previous is None else self.previous.to_dict()
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Certificate:
        """A stored certificate read back exactly as it was computed (nothing is recomputed)."""
        if not isinstance(d, Mapping):
            raise BorrowingBaseError(f"a certificate must be an object, got {type(d).__name__}")
        version = d.get("version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise BorrowingBaseError(f"version: certificate format {version!r} is not supported (expected 1)")
        money = {name: _parse_decimal(name, _field(d, name, "certificate")) for name in _MONEY_FIELDS}
        pairs = _field(d, "ineligible_by_category", "certificate")
        if not isinstance(pairs, list | tuple) or any(not isinstance(p, list | tuple) or len(p) != 2 for p in pairs):
            raise BorrowingBaseError("ineligible_by_category: expected a list of [category, amount] pairs")
        detail = _field(d, "detail", "certificate")
        if not isinstance(detail, list | tuple):
            raise BorrowingBaseError("detail: expected a list of detail rows")
        previous = d.get("previous")
        return cls(
            profile=LenderProfile.from_dict(_field(d, "profile", "certificate")),
            ineligible_by_category=tuple((str(c), _parse_decimal(f"ineligible_by_category.{c}", a)) for c, a in pairs),
            dilution=DilutionInputs.from_dict(_field(d, "dilution", "certificate")),
            dilution_percent=_parse_decimal_or_none("dilution_percent", d.get("dilution_percent")),
            detail=tuple(Ineligible.from_dict(row) for row in detail),
            previous=None if previous is None else cls.from_dict(previous),
            as_of=_parse_date("as_of", d.get("as_of")),
            **money,
        )


def changes(
    current: Certificate, previous: Certificate | None
) -> tuple[tuple[str, Decimal | None, Decimal | None], ...]:
    """(key, now, previous) per certificate line; a category only one of the two applied is None on the other side.

    Categories the previous certificate applied and the current one does not are listed before concentration.
    """
    now = dict(current.lines())
    before: dict[str, Decimal | None] = {} if previous is None else dict(previous.lines())
    keys = [k for k, _ in current.lines()]
    if previous is not None:
        gone = [k for k, _ in previous.lines() if k not in now]
        at = keys.index(CONCENTRATION)
        keys[at:at] = gone
    return tuple((k, now.get(k), before.get(k)) for k in keys)


# ---------------------------------------------------------------------------------------------------------------
# The waterfall


_FLAG_CATEGORIES = ("affiliate", "government", "bankrupt", "pledged")


def borrowing_base(
    items: Iterable[BBItem],
    profile: LenderProfile,
    contra: Mapping[int, Decimal],
    dilution: DilutionInputs,
    previous: Certificate | None = None,
    *,
    as_of: date | None = None,
) -> Certificate:
    """The certificate for one lender profile.

    Each invoice amount goes to at most one category, the first in `profile.order` that applies; concentration is
    applied last, once, on the eligible AR before the cap (not recomputed on the reduced base).
    """
    items = tuple(items)
    _check_customers(items)
    owed = _check_contra(contra)

    invoices = [i for i in items if i.kind == INVOICE]
    remaining = [q2(i.amount) for i in invoices]
    rows: list[Ineligible] = []

    def take(k: int, category: str, amount: Decimal) -> None:
        if amount <= 0:
            return
        remaining[k] -= amount
        inv = invoices[k]
        rows.append(
            Ineligible(inv.customer_id, inv.customer_ref, inv.name, inv.ref, inv.kind, category, amount, inv.days)
        )

    def oldest_first(ks: Iterable[int]) -> list[int]:
        return sorted(ks, key=lambda k: (-invoices[k].days, invoices[k].ref, invoices[k].customer_ref))

    def spread(ks: Iterable[int], category: str, amount: Decimal) -> None:
        left = amount
        for k in oldest_first(ks):
            if left <= 0:
                break
            part = min(remaining[k], left)
            take(k, category, part)
            left -= part

    by_customer: dict[int, list[int]] = defaultdict(list)
    for k, inv in enumerate(invoices):
        by_customer[inv.customer_id].append(k)

    cutoff = profile.cutoff_days
    for category in profile.order:
        if category == "past_due":
            for k, inv in enumerate(invoices):
                if inv.days > cutoff:
                    take(k, category, remaining[k])
        elif category == "cross_aged":
            for ks in by_customer.values():
                total = sum((q2(invoices[k].amount) for k in ks), ZERO)
                past = sum((q2(invoices[k].amount) for k in ks if invoices[k].days > cutoff), ZERO)
                # share > cross_aging_percent, compared without dividing
                if total > 0 and past * HUNDRED > profile.cross_aging_percent * total:
                    for k in ks:
                        take(k, category, remaining[k])
        elif category == "credits_in_prior":
            if profile.credits_in_prior:
                for c in items:
                    if c.kind != INVOICE and c.days > cutoff:
                        rows.append(
                            Ineligible(
                                c.customer_id, c.customer_ref, c.name, c.ref, c.kind, category, -q2(c.amount), c.days
                            )
                        )
        elif category in _FLAG_CATEGORIES:
            for k, inv in enumerate(invoices):
                if getattr(inv, category):
                    take(k, category, remaining[k])
        elif category == "foreign_uninsured":
            for k, inv in enumerate(invoices):
                if _is_foreign(inv.country, profile.home_country) and not inv.insured:
                    take(k, category, remaining[k])
        elif category == "contra":
            for cid, amount in owed.items():
                ks = by_customer.get(cid, [])
                spread(ks, category, min(amount, sum((remaining[k] for k in ks), ZERO)))
        elif category == "disputed":
            for k, inv in enumerate(invoices):
                take(k, category, min(q2(inv.disputed), remaining[k]))

    gross = sum((q2(i.amount) for i in items), ZERO)
    before_cap = sum((r.amount for r in rows), ZERO)
    eligible_before_cap = gross - before_cap

    if profile.concentration_percent is not None:
        cap = max(ZERO, q2(profile.concentration_percent * eligible_before_cap / HUNDRED))
        debtors: dict[int, list[int]] = defaultdict(list)
        for k, inv in enumerate(invoices):
            debtors[inv.group_id if profile.concentration_level == "group" else inv.customer_id].append(k)
        for ks in debtors.values():
            exposure = sum((remaining[k] for k in ks), ZERO)
            if exposure > cap:
                spread(ks, CONCENTRATION, exposure - cap)

    categories = (*profile.order, CONCENTRATION)
    rank = {c: n for n, c in enumerate(categories)}
    totals = dict.fromkeys(categories, ZERO)
    for r in rows:
        totals[r.category] += r.amount
    total_ineligible = sum(totals.values(), ZERO)
    eligible = gross - total_ineligible

    gross_availability = q2(eligible * profile.advance_rate_percent / HUNDRED)
    raw = dilution.dilution_percent
    dilution_percent = None if raw is None else q2(raw)
    above = ZERO if dilution_percent is None else max(ZERO, dilution_percent - profile.dilution_threshold_percent)
    # no reserve on a negative eligible base: it would add availability
    dilution_reserve = q2(max(eligible, ZERO) * above / HUNDRED)
    availability = gross_availability - dilution_reserve
    loan_balance = q2(profile.loan_balance)

    detail = tuple(
        sorted(rows, key=lambda r: (r.customer_ref, rank[r.category], r.ref, r.kind, r.customer_id, r.amount))
    )
    return Certificate(
        profile=profile,
        gross=gross,
        ineligible_by_category=tuple((c, totals[c]) for c in categories),
        total_ineligible=total_ineligible,
        eligible_before_cap=eligible_before_cap,
        eligible=eligible,
        advance_rate_percent=profile.advance_rate_percent,
        gross_availability=gross_availability,
        dilution=dilution,
        dilution_percent=dilution_percent,
        dilution_reserve=dilution_reserve,
        availability=availability,
        loan_balance=loan_balance,
        excess_availability=availability - loan_balance,
        detail=detail,
        previous=None if previous is None else replace(previous, previous=None),
        as_of=as_of,
    )


def _is_foreign(country: str | None, home: str) -> bool:
    return country is not None and country.strip().upper() != home


def _check_customers(items: tuple[BBItem, ...]) -> None:
    """One customer id has one group: concentration at group level would otherwise split it."""
    groups: dict[int, int] = {}
    for item in items:
        if not isinstance(item, BBItem):
            raise BorrowingBaseError(f"expected BBItem rows, got {type(item).__name__}")
        group = groups.setdefault(item.customer_id, item.group_id)
        if group != item.group_id:
            raise BorrowingBaseError(
                f"customer {item.customer_ref} (id {item.customer_id}) has items in two groups: {group} and "
                f"{item.group_id}"
            )


def _check_contra(contra: Mapping[int, Decimal]) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for cid, amount in sorted(contra.items()):
        value = _to_decimal(f"contra for customer id {cid}", amount)
        if value < 0:
            raise BorrowingBaseError(
                f"contra for customer id {cid}: the amount owed to the customer must be 0 or more, got {value}"
            )
        out[cid] = q2(value)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Small parsers


def _to_decimal(label: str, value: Any) -> Decimal:
    """Decimal or int; a float is refused because it is not exact."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise BorrowingBaseError(f"{label}: {value!r} is not a finite number")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise BorrowingBaseError(f"{label}: {value!r} is not an exact number (use Decimal)")


def _set_decimal(obj: Any, name: str, where: str = "") -> Decimal:
    value = _to_decimal(f"{where}: {name}" if where else name, getattr(obj, name))
    object.__setattr__(obj, name, value)
    return value


def _positive_whole(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BorrowingBaseError(f"{name} must be a whole number above 0, got {value!r}")


def _parse_decimal(label: str, value: Any) -> Decimal:
    if isinstance(value, bool) or value is None or isinstance(value, float):
        raise BorrowingBaseError(f'{label}: {value!r} is not a number (write it as text, e.g. "85")')
    try:
        d = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise BorrowingBaseError(f"{label}: {value!r} is not a number") from exc
    if not d.is_finite():
        raise BorrowingBaseError(f"{label}: {value!r} is not a finite number")
    return d


def _parse_decimal_or_none(label: str, value: Any) -> Decimal | None:
    return None if value is None else _parse_decimal(label, value)


def _parse_whole(label: str, value: Any) -> int:
    if isinstance(value, bool):
        raise BorrowingBaseError(f"{label}: {value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isascii() and value.strip().lstrip("-").isdigit():
        return int(value)
    raise BorrowingBaseError(f"{label}: {value!r} is not a whole number")


def _parse_date(label: str, value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise BorrowingBaseError(f"{label}: {value!r} is not a date (YYYY-MM-DD)") from exc


def _field(d: Mapping[str, Any], key: str, what: str) -> Any:
    if not isinstance(d, Mapping):
        raise BorrowingBaseError(f"{what}: expected an object, got {type(d).__name__}")
    if key not in d:
        raise BorrowingBaseError(f"{what}: the field {key!r} is missing")
    return d[key]


def _str_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _iso_or_none(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
